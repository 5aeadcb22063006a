/// Coinbase Advanced Trade's errors sorted into the venue error classes: HTTP errors with an
/// `error` code, and the 200 answers to `POST /orders` with `success: false`.
public enum CoinbaseErrors {
    public static func classify(status: Int, body: CoinbaseWire.ErrorBody?, text: String, retryAfter: Int?,
                                effect: VenueRequest.Effect, operation: String) -> VenueError {
        let message = body?.message ?? body?.error_details ?? String(text.prefix(200)).trimmingCharacters(in: .whitespacesAndNewlines)
        func error(_ kind: VenueError.Kind) -> VenueError {
            VenueError(kind, venue: "coinbase", operation: operation, venueCode: body?.error, message: message.isEmpty ? "HTTP \(status)" : message)
        }
        switch status {
        case 401: return error(.authentication)
        case 403: return error(.authentication)
        case 404: return error(operation == "candles" || operation == "products" ? .unknownProduct : .orderNotFound)
        case 429: return error(.rateLimited(retryAfterSeconds: retryAfter))
        case 500...599: return error(effect == .write ? .unknownOutcome : .unavailable)
        case 400...499:
            let code = (body?.error ?? "").uppercased()
            if code.contains("INSUFFICIENT") { return error(.insufficientFunds) }
            if code == "UNAUTHENTICATED" || code == "PERMISSION_DENIED" { return error(.authentication) }
            if code == "NOT_FOUND" { return error(.orderNotFound) }
            if code == "RESOURCE_EXHAUSTED" { return error(.rateLimited(retryAfterSeconds: retryAfter)) }
            if message.lowercased().contains("product") && code == "INVALID_ARGUMENT" && operation != "place order" {
                return error(.unknownProduct)
            }
            return error(.invalidOrder)
        default: return error(.malformedResponse)
        }
    }

    /// `{"success":false,"error_response":{"error":"INSUFFICIENT_FUND",…}}`: the order was refused.
    public static func refusal(_ response: CoinbaseWire.CreateOrderResponse) -> VenueError {
        let e = response.error_response
        let code = e?.error ?? response.failure_reason ?? "UNKNOWN_FAILURE_REASON"
        let detail = [e?.preview_failure_reason, e?.new_order_failure_reason].compactMap { $0 }.filter { !$0.isEmpty }
        let message = (e?.message ?? e?.error_details ?? code) + (detail.isEmpty ? "" : " (" + detail.joined(separator: ", ") + ")")
        let kind: VenueError.Kind
        switch code {
        case "INSUFFICIENT_FUND", "INSUFFICIENT_FUNDS", "INVALID_LEDGER_BALANCE": kind = .insufficientFunds
        case "INVALID_PRODUCT_ID", "INELIGIBLE_PAIR": kind = .unknownProduct
        case "UNKNOWN_FAILURE_REASON": kind = detail.contains { $0.contains("INSUFFICIENT_FUND") } ? .insufficientFunds : .rejected
        default: kind = .invalidOrder
        }
        return VenueError(kind, venue: "coinbase", operation: "place order", venueCode: code, message: message)
    }
}

import Foundation
