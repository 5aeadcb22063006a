/// Candle lengths both venues serve.
public enum CandleInterval: String, Sendable, CaseIterable, Codable {
    case oneMinute = "1m"
    case fiveMinutes = "5m"
    case fifteenMinutes = "15m"
    case thirtyMinutes = "30m"
    case oneHour = "1h"
    case twoHours = "2h"
    case sixHours = "6h"
    case oneDay = "1d"

    public var seconds: Int64 {
        switch self {
        case .oneMinute: 60
        case .fiveMinutes: 300
        case .fifteenMinutes: 900
        case .thirtyMinutes: 1800
        case .oneHour: 3600
        case .twoHours: 7200
        case .sixHours: 21600
        case .oneDay: 86400
        }
    }

    /// Binance's `interval` parameter.
    public var binance: String { rawValue }

    /// Coinbase's `granularity` parameter.
    public var coinbase: String {
        switch self {
        case .oneMinute: "ONE_MINUTE"
        case .fiveMinutes: "FIVE_MINUTE"
        case .fifteenMinutes: "FIFTEEN_MINUTE"
        case .thirtyMinutes: "THIRTY_MINUTE"
        case .oneHour: "ONE_HOUR"
        case .twoHours: "TWO_HOUR"
        case .sixHours: "SIX_HOUR"
        case .oneDay: "ONE_DAY"
        }
    }
}
