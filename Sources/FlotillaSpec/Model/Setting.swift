import Foundation
import NIOConcurrencyHelpers

/// The risk and runtime settings a profile carries and a bot spec may override, field by field.
///
/// One table drives loading, validation, resolution (defaults ← profile ← spec), the JSON Schema
/// and `get bot --show-sources`, so the four can never disagree about a field.
public enum SettingKey: String, CaseIterable, Sendable, Codable, Comparable {
    // risk
    case maxPositionPct, riskPerTradePct
    case dailyLossLimitPct, weeklyLossLimitPct, monthlyLossLimitPct
    case maxConcurrentTrades, stopLossPct, takeProfitPct, maxLeverage
    case minBalance, emergencyStopLossPct, timeZone
    // runtime
    case strategyInterval, positionCheckInterval, portfolioInterval
    case circuitBreakerFailures, circuitBreakerRecovery
    case retryAttempts, retryInitialDelay, retryMaxDelay, retryBackoffBase
    case rateLimitCalls, rateLimitPeriod, errorWindow, autoPauseAfterErrors

    public enum Group: String, Sendable, Codable { case risk, runtime }

    public static func < (a: SettingKey, b: SettingKey) -> Bool { a.order < b.order }
    private var order: Int { SettingKey.allCases.firstIndex(of: self)! }

    public var group: Group {
        switch self {
        case .strategyInterval, .positionCheckInterval, .portfolioInterval, .circuitBreakerFailures,
            .circuitBreakerRecovery, .retryAttempts, .retryInitialDelay, .retryMaxDelay, .retryBackoffBase,
            .rateLimitCalls, .rateLimitPeriod, .errorWindow, .autoPauseAfterErrors:
            return .runtime
        default:
            return .risk
        }
    }

    /// `risk.maxPositionPct`, `runtime.retryAttempts`: the field's path under `spec`.
    public var path: String { "\(group.rawValue).\(rawValue)" }

    public var type: SettingType {
        switch self {
        case .maxPositionPct, .dailyLossLimitPct, .weeklyLossLimitPct, .monthlyLossLimitPct, .emergencyStopLossPct:
            return .percent(min: 0, exclusiveMin: true)
        case .riskPerTradePct:
            return .percent(min: 0, exclusiveMin: true)
        case .stopLossPct, .takeProfitPct:
            // 0 means none: no default stop-loss (entries are then sized by maxPositionPct) or
            // no default take-profit.
            return .percent(min: 0, exclusiveMin: false)
        case .maxConcurrentTrades: return .integer(min: 1, max: 1000)
        case .maxLeverage: return .decimal(min: 1, max: 125)
        case .minBalance: return .money(min: 0, max: Money.max)
        case .timeZone: return .timeZone
        case .strategyInterval, .positionCheckInterval, .portfolioInterval:
            return .duration(min: .seconds(1), max: .hours(24))
        case .circuitBreakerRecovery, .retryMaxDelay, .rateLimitPeriod:
            return .duration(min: .seconds(1), max: .hours(24))
        case .retryInitialDelay: return .duration(min: TimeSpan(milliseconds: 10), max: .hours(1))
        case .errorWindow: return .duration(min: .minutes(1), max: .hours(24 * 7))
        case .circuitBreakerFailures: return .integer(min: 1, max: 1000)
        case .retryAttempts: return .integer(min: 0, max: 100)
        case .retryBackoffBase: return .decimal(min: 1, max: 10)
        case .rateLimitCalls: return .integer(min: 1, max: 1_000_000)
        case .autoPauseAfterErrors: return .integer(min: 1, max: 10_000)
        }
    }

    /// Flotilla's built-in defaults (the seeds' values); profiles and specs override them.
    public var defaultValue: SettingValue {
        switch self {
        case .maxPositionPct: return .number(20)
        case .riskPerTradePct: return .number(1)
        case .dailyLossLimitPct: return .number(5)
        case .weeklyLossLimitPct: return .number(15)
        case .monthlyLossLimitPct: return .number(30)
        case .maxConcurrentTrades: return .number(3)
        case .stopLossPct: return .number(2)
        case .takeProfitPct: return .number(4)
        case .maxLeverage: return .number(1)
        case .minBalance: return .number(100)
        case .emergencyStopLossPct: return .number(10)
        case .timeZone: return .text("UTC")
        case .strategyInterval: return .duration(.seconds(60))
        case .positionCheckInterval: return .duration(.seconds(10))
        case .portfolioInterval: return .duration(.seconds(300))
        case .circuitBreakerFailures: return .number(5)
        case .circuitBreakerRecovery: return .duration(.seconds(60))
        case .retryAttempts: return .number(3)
        case .retryInitialDelay: return .duration(.seconds(1))
        case .retryMaxDelay: return .duration(.seconds(60))
        case .retryBackoffBase: return .number(2)
        case .rateLimitCalls: return .number(100)
        case .rateLimitPeriod: return .duration(.seconds(60))
        case .errorWindow: return .duration(.hours(1))
        case .autoPauseAfterErrors: return .number(10)
        }
    }

    public var help: String {
        switch self {
        case .maxPositionPct: return "largest position, as % of the bot's equity"
        case .riskPerTradePct: return "equity risked per trade (sizes positions from the stop distance; unused without a stop-loss), %"
        case .dailyLossLimitPct: return "calendar-day loss that stops new entries, % of equity at the day's start"
        case .weeklyLossLimitPct: return "calendar-week loss that stops new entries, %"
        case .monthlyLossLimitPct: return "calendar-month loss that stops new entries, %"
        case .maxConcurrentTrades: return "open positions at once"
        case .stopLossPct: return "default stop-loss distance, % (0: none; entries are then sized by maxPositionPct)"
        case .takeProfitPct: return "default take-profit distance, % (0: none)"
        case .maxLeverage: return "leverage cap (1 = no leverage)"
        case .minBalance: return "no new entries below this quote balance"
        case .emergencyStopLossPct: return "drawdown from peak equity that closes every position and pauses the bot, %"
        case .timeZone: return "account time zone for the calendar loss limits (IANA name)"
        case .strategyInterval: return "how often the strategy decides"
        case .positionCheckInterval: return "how often stop-loss and take-profit are checked"
        case .portfolioInterval: return "how often balances and PnL are refreshed"
        case .circuitBreakerFailures: return "consecutive venue failures that open the circuit breaker"
        case .circuitBreakerRecovery: return "how long the breaker stays open before a trial call"
        case .retryAttempts: return "retries of a failed venue call"
        case .retryInitialDelay: return "first retry delay"
        case .retryMaxDelay: return "longest retry delay"
        case .retryBackoffBase: return "factor between consecutive retry delays"
        case .rateLimitCalls: return "venue calls allowed per rate-limit period"
        case .rateLimitPeriod: return "rate-limit window"
        case .errorWindow: return "window over which errors are counted"
        case .autoPauseAfterErrors: return "consecutive errors that pause the bot"
        }
    }

    public static func named(_ name: String, in group: Group) -> SettingKey? {
        guard let key = SettingKey(rawValue: name), key.group == group else { return nil }
        return key
    }

    public static func keys(in group: Group) -> [SettingKey] { allCases.filter { $0.group == group } }
}

public enum SettingType: Sendable, Equatable {
    /// A percentage 0…100 written as a number (`25` means 25 %).
    case percent(min: Decimal, exclusiveMin: Bool)
    case integer(min: Int, max: Int)
    case decimal(min: Decimal, max: Decimal)
    /// An amount of money: a decimal with at most `Money.places` places.
    case money(min: Decimal, max: Decimal)
    case duration(min: TimeSpan, max: TimeSpan)
    case timeZone
}

/// A setting's or a strategy parameter's value. Numbers are `Decimal`, exact as written.
public enum SettingValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case number(Decimal)
    case duration(TimeSpan)
    case text(String)

    public var description: String {
        switch self {
        case .number(let d): return d.canonicalText
        case .duration(let t): return t.description
        case .text(let s): return s
        }
    }

    public var number: Decimal? { if case .number(let d) = self { return d } else { return nil } }
    public var timeSpan: TimeSpan? { if case .duration(let t) = self { return t } else { return nil } }
    public var text: String? { if case .text(let s) = self { return s } else { return nil } }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        if raw.hasPrefix("n:"), let d = Decimal(string: String(raw.dropFirst(2)), locale: Locale(identifier: "en_US_POSIX")) {
            self = .number(d)
        } else if raw.hasPrefix("d:"), let t = TimeSpan(parsing: String(raw.dropFirst(2))) {
            self = .duration(t)
        } else if raw.hasPrefix("t:") {
            self = .text(String(raw.dropFirst(2)))
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "bad setting value \(raw)")
        }
    }

    /// Stored as tagged text (`n:2.5`, `d:1h`, `t:UTC`) so no number passes through a binary float.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let d): try container.encode("n:" + d.canonicalText)
        case .duration(let t): try container.encode("d:" + t.description)
        case .text(let s): try container.encode("t:" + s)
        }
    }
}

extension Decimal {
    /// Plain decimal text without exponent or locale, e.g. `0.00005`, `1000`, `-2.5`.
    ///
    /// Foundation's `description` extracts digits by repeated division, which showed up in plan
    /// profiles (every resolved spec prints ~30 numbers); specs repeat a few values thousands of
    /// times, so the text is memoized.
    public var canonicalText: String { DecimalText.shared.text(for: self) }

    static func parseExact(_ text: String) -> Decimal? {
        // Decimal(string:) accepts trailing garbage ("12abc" → 12); insist on a whole number literal.
        var sawDigit = false
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        if index < utf8.endIndex, utf8[index] == UInt8(ascii: "-") || utf8[index] == UInt8(ascii: "+") {
            index = utf8.index(after: index)
        }
        var sawDot = false
        var sawExponent = false
        while index < utf8.endIndex {
            let c = utf8[index]
            if c >= 48 && c <= 57 {
                sawDigit = true
            } else if c == UInt8(ascii: "."), !sawDot, !sawExponent {
                sawDot = true
            } else if (c == UInt8(ascii: "e") || c == UInt8(ascii: "E")), sawDigit, !sawExponent {
                sawExponent = true
                let next = utf8.index(after: index)
                if next < utf8.endIndex, utf8[next] == UInt8(ascii: "-") || utf8[next] == UInt8(ascii: "+") {
                    index = next
                }
            } else {
                return nil
            }
            index = utf8.index(after: index)
        }
        guard sawDigit, text.utf8.count <= 40 else { return nil }
        if !sawExponent, let fast = fastDecimal(text.utf8) { return fast }
        return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
    }
}

extension Decimal {
    /// `[-+]digits[.digits]` with at most 18 significant digits, built from an integer mantissa
    /// and a power of ten: exact, and much cheaper than `Decimal(string:)`.
    static func fastDecimal(_ utf8: String.UTF8View) -> Decimal? {
        var mantissa: UInt64 = 0
        var digits = 0
        var scale = 0
        var negative = false
        var afterDot = false
        for (i, c) in utf8.enumerated() {
            if i == 0 && (c == UInt8(ascii: "-") || c == UInt8(ascii: "+")) {
                negative = c == UInt8(ascii: "-")
            } else if c == UInt8(ascii: ".") {
                afterDot = true
            } else {
                if mantissa == 0 && c == UInt8(ascii: "0") {
                    if afterDot { scale += 1 }
                    continue
                }
                digits += 1
                if digits > 18 { return nil }
                mantissa = mantissa * 10 + UInt64(c - 48)
                if afterDot { scale += 1 }
            }
        }
        return Decimal(sign: negative && mantissa != 0 ? .minus : .plus, exponent: -scale, significand: Decimal(mantissa))
    }

    /// A whole decimal literal (`12`, `-0.5`, `1e3`) and nothing else; nil for any other text.
    public static func parseExactPublic(_ text: String) -> Decimal? { parseExact(text) }
}

/// A bounded memo of Decimal → text.
final class DecimalText: Sendable {
    static let shared = DecimalText()
    private let cache = NIOLockedValueBox<[Decimal: String]>([:])

    func text(for value: Decimal) -> String {
        if let hit = cache.withLockedValue({ $0[value] }) { return hit }
        let text = value.description
        cache.withLockedValue { cache in
            if cache.count > 50_000 { cache.removeAll(keepingCapacity: true) }
            cache[value] = text
        }
        return text
    }
}
