import Crypto

/// A Coinbase Developer Platform (CDP) API key: its name
/// (`organizations/{org}/apiKeys/{key}`) and its EC P-256 private key in PEM (SEC1
/// `EC PRIVATE KEY` or PKCS#8 `PRIVATE KEY`; `\n` escapes from the downloaded JSON are accepted).
public struct CoinbaseKey: Sendable {
    public var name: String
    let privateKey: P256.Signing.PrivateKey

    public init(name: String, privateKeyPEM: Secret) throws(SecretError) {
        let pem = privateKeyPEM.reveal().replacingOccurrences(of: "\\n", with: "\n")
        do {
            privateKey = try P256.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            // Never the PEM itself in the message.
            throw .badReference("the Coinbase key \(name) is not an EC P-256 private key in PEM form")
        }
        self.name = name
    }

    init(name: String, privateKey: P256.Signing.PrivateKey) {
        self.name = name
        self.privateKey = privateKey
    }

    public var publicKey: P256.Signing.PublicKey { privateKey.publicKey }
}

import Foundation
