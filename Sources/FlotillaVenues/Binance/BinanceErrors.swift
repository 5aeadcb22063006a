/// Binance's error codes (Spot "Error codes" reference) sorted into the venue error classes.
public enum BinanceErrors {
    /// The error for a non-2xx answer: `status`, the decoded `{"code":…,"msg":…}` when there was
    /// one, and whether the request was a write (a 5xx after a write is an unknown outcome).
    public static func classify(status: Int, body: BinanceWire.ErrorBody?, retryAfter: Int?, effect: VenueRequest.Effect,
                                operation: String) -> VenueError {
        let message = body?.msg ?? "HTTP \(status)"
        let code = body.map { String($0.code) }
        func error(_ kind: VenueError.Kind) -> VenueError {
            VenueError(kind, venue: "binance", operation: operation, venueCode: code, message: message)
        }
        if status == 418 { return error(.banned(retryAfterSeconds: retryAfter)) }
        if status == 429 { return error(.rateLimited(retryAfterSeconds: retryAfter)) }
        if let body {
            switch body.code {
            case -1003, -1015: return error(.rateLimited(retryAfterSeconds: retryAfter))
            case -1021: return error(.clockSkew)
            case -1022, -2014, -2015, -1002: return error(.authentication)
            case -1121: return error(.unknownProduct)
            case -2011, -2013: return error(.orderNotFound)
            case -1006, -1007, -1000: return error(effect == .write ? .unknownOutcome : .unavailable)
            case -1008, -1001, -1016: return error(.unavailable)
            case -2010, -2012:
                let m = body.msg.lowercased()
                if m.contains("insufficient balance") { return error(.insufficientFunds) }
                if m.contains("duplicate order") { return error(.duplicateClientOrderId) }
                return error(.invalidOrder)
            case -1013, (-1131)...(-1100):
                return error(.invalidOrder)
            default: break
            }
        }
        switch status {
        case 401: return error(.authentication)
        // The web application firewall's limit: back off like a 429.
        case 403: return error(.rateLimited(retryAfterSeconds: retryAfter))
        case 500...599: return error(effect == .write ? .unknownOutcome : .unavailable)
        case 400...499: return error(body == nil ? .rejected : .invalidOrder)
        default: return error(.malformedResponse)
        }
    }
}
