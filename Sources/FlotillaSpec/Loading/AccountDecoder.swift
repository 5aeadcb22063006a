import Foundation

extension DocumentDecoder {
    /// `kind: Account` from `accounts/`.
    static func decodeAccount(_ top: NodeReader.Mapping, document: YAMLDocument, reader: NodeReader) -> AccountSpec? {
        var name: String?
        var description = ""
        if let metaNode = reader.required(top, "metadata"),
            let meta = reader.mapping(metaNode, "metadata", allowed: ["name", "description"])
        {
            name = decodeName(meta, reader: reader)
            if let node = meta["description"], let text = reader.string(node, meta.path("description")) { description = text }
        }
        let errorsBefore = reader.diagnostics.count
        guard let specNode = reader.required(top, "spec"),
            let spec = reader.mapping(specNode, "spec", allowed: ["venue", "mode", "credentials", "liveEnabled", "endpoint", "balance"])
        else { return nil }

        var venue: VenueSpec.Kind?
        if let node = reader.required(spec, "venue"), let text = reader.string(node, "spec.venue") {
            let kinds = VenueSpec.Kind.allCases.map(\.rawValue)
            if let kind = VenueSpec.Kind(rawValue: text) {
                venue = kind
            } else {
                reader.fail(node.mark, "spec.venue", "unknown venue \"\(text.prefix(40))\"\(Suggestion.hint(for: text, among: kinds)); available: \(kinds.joined(separator: ", "))")
            }
        }
        if venue == .paper {
            // A paper account is money in the process: no mode, keys or host.
            for key in ["mode", "credentials", "liveEnabled", "endpoint"] {
                if let node = spec[key] {
                    reader.fail(node.mark, "spec.\(key)", "a paper account has no \(key): it is the balance its paper bots' capital is allocated from; remove it")
                }
            }
            var balance: [String: Decimal] = [:]
            if let node = reader.required(spec, "balance") { balance = decodeBalance(node, reader: reader) }
            guard let name, reader.diagnostics.count == errorsBefore else { return nil }
            return AccountSpec(
                name: name, file: document.file, mark: document.root.mark, venue: .paper, mode: .testnet, description: description,
                balance: balance, balanceMarks: balanceMarks(spec))
        }

        var mode: AccountMode?
        if let node = reader.required(spec, "mode"), let text = reader.string(node, "spec.mode") {
            if let known = AccountMode(rawValue: text) {
                mode = known
                if known == .testnet, venue == .coinbase {
                    reader.fail(node.mark, "spec.mode", "Coinbase Advanced Trade has no test network; use mode: live with a small allocation, or try real orders on a binance testnet account first")
                }
            } else {
                let modes = AccountMode.allCases.map(\.rawValue)
                reader.fail(node.mark, "spec.mode", "unknown mode \"\(text.prefix(40))\"\(Suggestion.hint(for: text, among: modes)); available: \(modes.joined(separator: ", ")) (testnet: play money; live: real money)")
            }
        }

        var liveEnabled = false
        var liveEnabledUnreadable = false
        if let node = spec["liveEnabled"] {
            // Not `reader.bool`: whatever was written here is not echoed (it may be a pasted secret).
            if let scalar = node.scalar, scalar.isPlain, let value = YAMLNode.boolValue(scalar.text) {
                liveEnabled = value
            } else {
                liveEnabledUnreadable = true
                reader.fail(node.mark, "spec.liveEnabled", "expected true or false (unquoted)")
            }
        }
        if mode == .live, !liveEnabled, !liveEnabledUnreadable, let venue {
            let first = venue == .coinbase ? "start with a small allocation" : "try mode: testnet first"
            reader.fail(spec["mode"]?.mark ?? spec.node.mark, "spec.mode",
                        "mode live trades real money; set spec.liveEnabled: true on purpose to allow it (\(first))")
        }

        var credentials: [String: SecretReference] = [:]
        if let venue, let node = reader.required(spec, "credentials") {
            let roles = AccountSpec.credentialRoles(venue)
            credentials = decodeCredentials(node, roles: roles, venue: venue, reader: reader)
        }

        var endpoint: String?
        if let node = spec["endpoint"], let text = reader.string(node, "spec.endpoint") {
            if let venue, let mode, let problem = AccountSpec.endpointProblem(text, venue: venue, mode: mode) {
                reader.fail(node.mark, "spec.endpoint", problem)
            } else {
                endpoint = text.hasSuffix("/") ? String(text.dropLast()) : text
            }
        }

        var balance: [String: Decimal] = [:]
        if let node = spec["balance"] { balance = decodeBalance(node, reader: reader) }

        guard let name, let venue, let mode, reader.diagnostics.count == errorsBefore else { return nil }
        return AccountSpec(
            name: name, file: document.file, mark: document.root.mark, venue: venue, mode: mode, credentials: credentials,
            liveEnabled: liveEnabled, endpoint: endpoint, description: description, balance: balance, balanceMarks: balanceMarks(spec))
    }

    /// `spec.balance`: asset → amount (`USDT: 10000`), each exact money; at least one asset.
    static func decodeBalance(_ node: YAMLNode, reader: NodeReader) -> [String: Decimal] {
        guard case .mapping(let pairs) = node.content, !pairs.isEmpty else {
            reader.fail(node.mark, "spec.balance", "expected a mapping of asset to amount, e.g. balance: { USDT: 10000 }")
            return [:]
        }
        var out: [String: Decimal] = [:]
        for (key, value) in pairs {
            guard let asset = key.scalar?.text, AccountSpec.isAsset(asset) else {
                reader.fail(key.mark, "spec.balance", "\"\((key.scalar?.text ?? "").prefix(20))\" is not an asset; write its code in capitals, e.g. USDT or BTC")
                continue
            }
            let path = "spec.balance.\(asset)"
            guard out[asset] == nil else {
                reader.fail(key.mark, path, "duplicate asset \(asset)")
                continue
            }
            if let amount = reader.money(value, path, min: 0) { out[asset] = amount }
        }
        return out
    }

    /// Where each asset of `spec.balance` is written (the allocation check points there).
    static func balanceMarks(_ spec: NodeReader.Mapping) -> [String: SourceMark] {
        guard let node = spec["balance"], case .mapping(let pairs) = node.content else { return [:] }
        var out: [String: SourceMark] = ["": node.mark]
        for (key, value) in pairs { if let asset = key.scalar?.text { out[asset] = value.mark } }
        return out
    }

    /// `spec.credentials`: each role a reference. Nothing written here is echoed — not a value,
    /// not even an unknown key (a secret pasted as a key is still a secret).
    static func decodeCredentials(_ node: YAMLNode, roles: [String], venue: VenueSpec.Kind, reader: NodeReader) -> [String: SecretReference] {
        let expected = "\(venue.rawValue) takes \(roles.joined(separator: " and ")), each env:NAME or file:/absolute/path"
        guard case .mapping(let pairs) = node.content else {
            reader.fail(node.mark, "spec.credentials", "expected a mapping; \(expected)")
            return [:]
        }
        var out: [String: SecretReference] = [:]
        var seen: [String: SourceMark] = [:]
        for (key, value) in pairs {
            guard let role = key.scalar?.text, roles.contains(role) else {
                let length = key.scalar?.text.count ?? 0
                reader.fail(key.mark, "spec.credentials", "unknown credential role (\(length) characters, not shown); \(expected)")
                continue
            }
            let path = "spec.credentials.\(role)"
            if let earlier = seen[role] {
                reader.fail(key.mark, path, "duplicate key \"\(role)\"; it is already set on line \(earlier.line)")
                continue
            }
            seen[role] = key.mark
            guard let scalar = value.scalar, !scalar.isNull else {
                reader.fail(value.mark, path, "expected a reference, env:NAME or file:/absolute/path")
                continue
            }
            do {
                let reference = try SecretReference(parsing: scalar.text)
                if case .file(let file) = reference, !(file.hasPrefix("/") || file.hasPrefix("~/")) {
                    reader.fail(value.mark, path, "file: takes an absolute path (or ~/…), so it names the same file wherever flotilla runs; keep key files outside the project")
                    continue
                }
                out[role] = reference
            } catch {
                reader.fail(value.mark, path, error.description)
            }
        }
        for role in roles where out[role] == nil && seen[role] == nil {
            reader.fail(node.mark, "spec.credentials.\(role)", "is required")
        }
        return out
    }
}
