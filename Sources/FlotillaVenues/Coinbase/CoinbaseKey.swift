import Crypto

/// A Coinbase Developer Platform (CDP) API key: its name
/// (`organizations/{org}/apiKeys/{key}`) and its EC P-256 private key in PEM (SEC1
/// `EC PRIVATE KEY` or PKCS#8 `PRIVATE KEY`; `\n` escapes from the downloaded JSON are accepted).
public struct CoinbaseKey: Sendable {
    public var name: String
    /// The key's bytes (swift-crypto's key types are not `Sendable` here); rebuilt to sign.
    let privateKeyBytes: [UInt8]
    let publicKeyBytes: [UInt8]

    public init(name: String, privateKeyPEM: Secret) throws(SecretError) {
        let pem = privateKeyPEM.reveal().replacingOccurrences(of: "\\n", with: "\n")
        do {
            let key = try P256.Signing.PrivateKey(pemRepresentation: pem)
            privateKeyBytes = Array(key.rawRepresentation)
            publicKeyBytes = Array(key.publicKey.rawRepresentation)
        } catch {
            // Never the PEM itself in the message.
            throw .badReference("the Coinbase key \(name) is not an EC P-256 private key in PEM form")
        }
        self.name = name
    }

    func signingKey() throws -> P256.Signing.PrivateKey { try P256.Signing.PrivateKey(rawRepresentation: privateKeyBytes) }

    /// The public half, to verify tokens with (tests, the simulator).
    public func publicKey() throws -> P256.Signing.PublicKey { try P256.Signing.PublicKey(rawRepresentation: publicKeyBytes) }
}

import Foundation
