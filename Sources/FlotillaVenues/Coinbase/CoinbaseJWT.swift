import Crypto
import Foundation

/// The ES256 JSON Web Token Coinbase Advanced Trade wants on every private request, fresh each
/// time: header `{alg: ES256, kid: key name, nonce, typ: JWT}`, claims `{sub: key name, iss: cdp,
/// nbf, exp: nbf + 120, uri: "GET api.coinbase.com/api/v3/brokerage/accounts"}`, signed with the
/// key's P-256 private key (signature as raw r‖s, base64url).
public enum CoinbaseJWT {
    public struct Header: Codable, Equatable, Sendable {
        public var alg: String
        public var kid: String
        public var nonce: String
        public var typ: String

        public init(alg: String, kid: String, nonce: String, typ: String) {
            self.alg = alg
            self.kid = kid
            self.nonce = nonce
            self.typ = typ
        }
    }

    public struct Claims: Codable, Equatable, Sendable {
        public var sub: String
        public var iss: String
        public var nbf: Int64
        public var exp: Int64
        public var uri: String

        public init(sub: String, iss: String, nbf: Int64, exp: Int64, uri: String) {
            self.sub = sub
            self.iss = iss
            self.nbf = nbf
            self.exp = exp
            self.uri = uri
        }
    }

    /// `METHOD host/path` (no query), as the `uri` claim carries it.
    public static func uri(for request: VenueRequest) -> String { "\(request.method.rawValue) \(request.host)\(request.path)" }

    public static func token(for request: VenueRequest, key: CoinbaseKey, nowSeconds: Int64, nonce: String) throws -> String {
        let header = Header(alg: "ES256", kid: key.name, nonce: nonce, typ: "JWT")
        let claims = Claims(sub: key.name, iss: "cdp", nbf: nowSeconds, exp: nowSeconds + 120, uri: uri(for: request))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let signingInput = base64URL(try encoder.encode(header)) + "." + base64URL(try encoder.encode(claims))
        let signature = try key.signingKey().signature(for: Data(signingInput.utf8))
        return signingInput + "." + base64URL(signature.rawRepresentation)
    }

    /// A fresh random nonce: 16 bytes as 32 hex digits.
    public static func randomNonce() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<16).map { _ in
            let b = UInt8.random(in: 0...255, using: &g)
            return b < 16 ? "0" + String(b, radix: 16) : String(b, radix: 16)
        }.joined()
    }

    public static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func fromBase64URL(_ text: Substring) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }

    /// The decoded parts of a token and whether its signature verifies with `publicKey` (for tests
    /// and the simulator).
    public static func verify(_ token: String, publicKey: P256.Signing.PublicKey) -> (header: Header, claims: Claims)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let h = fromBase64URL(parts[0]), let c = fromBase64URL(parts[1]),
            let s = fromBase64URL(parts[2]), let signature = try? P256.Signing.ECDSASignature(rawRepresentation: s),
            publicKey.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8)),
            let header = try? JSONDecoder().decode(Header.self, from: h),
            let claims = try? JSONDecoder().decode(Claims.self, from: c)
        else { return nil }
        return (header, claims)
    }
}
