/// An account as listed (`flotilla get accounts`, `GET /api/v1/accounts`): where it
/// is and whether it trades real money — the roles of its credentials, never their references'
/// targets or values.
public struct AccountView: Codable, Sendable, Equatable {
    public var name: String
    public var venue: String
    public var mode: String
    public var realMoney: Bool
    /// The base URL requests go to (the account's `endpoint`, or the venue's published one).
    public var endpoint: String
    public var file: String
    public var description: String
    /// The credential roles it declares (`apiKey`, `secretKey`; `keyName`, `privateKey`).
    public var credentials: [String]
    /// Applied bots that trade through it (a paper account: the paper bots allocated from it).
    public var bots: [String]
    /// What it holds by asset, as declared (`spec.balance`), exact decimal text; empty when not declared.
    public var balance: [String: String]
    /// The applied bots' capital by asset: what they are allocated of it.
    public var allocated: [String: String]

    public init(name: String, venue: String, mode: String, realMoney: Bool, endpoint: String, file: String, description: String,
                credentials: [String], bots: [String], balance: [String: String] = [:], allocated: [String: String] = [:]) {
        self.balance = balance
        self.allocated = allocated
        self.name = name
        self.venue = venue
        self.mode = mode
        self.realMoney = realMoney
        self.endpoint = endpoint
        self.file = file
        self.description = description
        self.credentials = credentials
        self.bots = bots
    }
}
