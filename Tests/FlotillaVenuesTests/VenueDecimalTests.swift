import FlotillaTrading
import FlotillaVenues
import Testing

/// Venue decimal strings become `Fixed` exactly, or not at all.
@Suite struct VenueDecimalTests {
    static let exact: [(String, Int64)] = [
        ("0.00001000", 1000), ("37310.01000000", 3_731_001_000_000), ("10000.000000000000000", 1_000_000_000_000),
        ("0", 0), ("1", 100_000_000), ("-0.5", -50_000_000), ("0.00000001", 1), ("10250.1200000000000000", 1_025_012_000_000),
        ("9000000.00000000", 900_000_000_000_000),
    ]

    @Test(arguments: exact)
    func aVenueDecimalIsReadExactly(_ text: String, _ units: Int64) {
        #expect(VenueDecimal.exact(text) == Fixed(units: units))
    }

    @Test(arguments: ["0.000000001", "0.123456789", "1e30", "", "abc", "1,5", "NaN", "99999999999999999999", "0x10", " 1"])
    func aValueAFixedCannotHoldIsRefusedNotRounded(_ text: String) {
        #expect(VenueDecimal.exact(text) == nil)
        #expect(throws: VenueError.self) { try VenueDecimal.parse(text, field: "price", venue: "binance", operation: "test") }
    }

    @Test func requestTextDropsTrailingZeros() {
        #expect(VenueDecimal.text(Fixed(parsing: "0.10")!) == "0.1")
        #expect(VenueDecimal.text(Fixed(parsing: "36000")!) == "36000")
        #expect(VenueDecimal.text(Fixed(parsing: "0.00267941")!) == "0.00267941")
    }

    @Test(arguments: [
        ("2023-11-14T22:13:20Z", Int64(1_700_000_000_000)), ("2023-11-14T22:13:20.123456Z", 1_700_000_000_123),
        ("2023-11-14T22:13:20.5Z", 1_700_000_000_500), ("2023-11-14T23:13:20+01:00", 1_700_000_000_000),
        ("2021-05-31T09:59:59Z", 1_622_455_199_000), ("1970-01-01T00:00:00Z", 0),
    ])
    func rfc3339TimesAreReadToTheMillisecond(_ text: String, _ ms: Int64) {
        #expect(VenueTime.milliseconds(text) == ms)
    }

    @Test(arguments: ["2023-11-14 22:13", "2023-13-14T22:13:20Z", "2023-11-14T22:13:20", "yesterday"])
    func aTimeThatIsNotRFC3339IsRefused(_ text: String) {
        #expect(VenueTime.milliseconds(text) == nil)
    }

    @Test(arguments: [("flo-b1-r3-000041", true), ("a", true), (String(repeating: "x", count: 36), true),
                      (String(repeating: "x", count: 37), false), ("", false), ("has space", false), ("ünïcode", false)])
    func clientOrderIdsFitBothVenues(_ text: String, _ valid: Bool) {
        #expect((ClientOrderId(text) != nil) == valid)
    }

    @Test func errorsSayWhatTheCallerMayDo() {
        #expect(VenueError(.unknownOutcome, venue: "binance", operation: "place order", message: "x").classification == .unknownOutcome)
        #expect(VenueError(.rateLimited(retryAfterSeconds: 3), venue: "binance", operation: "x", message: "x").retryAfterSeconds == 3)
        #expect(VenueError(.insufficientFunds, venue: "coinbase", operation: "x", message: "x").classification == .terminal)
        let text = VenueError(.unknownOutcome, venue: "binance", operation: "place order", venueCode: "-1007", message: "Timeout").description
        #expect(text == "binance place order: outcome unknown, resolve by client order id before placing anything else (-1007): Timeout [unknownOutcome]")
    }
}
