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
            let spec = reader.mapping(specNode, "spec", allowed: ["venue", "mode", "credentials", "liveEnabled", "endpoint"])
        else { return nil }

        var venue: VenueSpec.Kind?
        if let node = reader.required(spec, "venue"), let text = reader.string(node, "spec.venue") {
            let exchanges = VenueSpec.Kind.allCases.filter(\.isExchange).map(\.rawValue)
            if let kind = VenueSpec.Kind(rawValue: text), kind.isExchange {
                venue = kind
            } else if text == VenueSpec.Kind.paper.rawValue {
                reader.fail(node.mark, "spec.venue", "paper accounts need no document: a bot with venue kind paper keeps its own paper ledger; accounts are for \(exchanges.joined(separator: " and "))")
            } else {
                reader.fail(node.mark, "spec.venue", "unknown venue \"\(text.prefix(40))\"\(Suggestion.hint(for: text, among: exchanges)); available: \(exchanges.joined(separator: ", "))")
            }
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
        if let node = spec["liveEnabled"], let value = reader.bool(node, "spec.liveEnabled") { liveEnabled = value }
        if mode == .live, !liveEnabled, venue != nil {
            reader.fail(spec["mode"]?.mark ?? spec.node.mark, "spec.mode",
                        "mode live trades real money; set spec.liveEnabled: true on purpose to allow it (try mode: testnet first)")
        }

        var credentials: [String: SecretReference] = [:]
        if let venue, let node = reader.required(spec, "credentials") {
            let roles = AccountSpec.credentialRoles(venue)
            if let map = reader.mapping(node, "spec.credentials", allowed: roles) {
                for role in roles {
                    guard let valueNode = reader.required(map, role), let text = reader.string(valueNode, map.path(role)) else { continue }
                    do {
                        credentials[role] = try SecretReference(parsing: text)
                    } catch {
                        reader.fail(valueNode.mark, map.path(role), error.description)
                    }
                }
            }
        }

        var endpoint: String?
        if let node = spec["endpoint"], let text = reader.string(node, "spec.endpoint") {
            if let venue, let problem = AccountSpec.endpointProblem(text, venue: venue) {
                reader.fail(node.mark, "spec.endpoint", problem)
            } else {
                endpoint = text.hasSuffix("/") ? String(text.dropLast()) : text
            }
        }

        guard let name, let venue, let mode, reader.diagnostics.count == errorsBefore else { return nil }
        return AccountSpec(
            name: name, file: document.file, mark: document.root.mark, venue: venue, mode: mode, credentials: credentials,
            liveEnabled: liveEnabled, endpoint: endpoint, description: description)
    }
}
