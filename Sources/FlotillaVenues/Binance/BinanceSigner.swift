import Crypto

/// Binance's HMAC-SHA256 request signature: lowercase hex of HMAC(secret key, query text), the
/// query text being exactly what is sent (`...&recvWindow=5000&timestamp=1499827319559`).
public enum BinanceSigner {
    public static func signature(of queryText: String, secretKey: Secret) -> String {
        let key = SymmetricKey(data: Array(secretKey.reveal().utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(queryText.utf8), using: key)
        return mac.map { byte in
            let h = String(byte, radix: 16)
            return byte < 16 ? "0" + h : h
        }.joined()
    }
}
