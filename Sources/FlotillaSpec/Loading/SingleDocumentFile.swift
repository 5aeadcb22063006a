import Foundation

/// A project file that holds one document of one kind (`alerts.yaml`, `fleet-policy.yaml`): parsed
/// as YAML, refused unless it is exactly one document, then decoded with every problem reported.
enum SingleDocumentFile {
    /// The file's bytes: nil when there is none; refused when it is not a regular file (a FIFO
    /// would block, a device never end), resolves outside its directory, or is larger than
    /// `maxBytes` — checked before a byte is read (`ProjectFile`).
    static func read(_ url: URL, displayName: String, maxBytes: Int) -> Result<[UInt8], ValidationFailure>? {
        func refused(_ message: String) -> Result<[UInt8], ValidationFailure> {
            .failure(ValidationFailure([Diagnostic(file: displayName, mark: SourceMark(line: 1, column: 1), path: "", message: message)]))
        }
        switch ProjectFile.check(url.path, inside: url.deletingLastPathComponent(), maxBytes: maxBytes) {
        case .failure(.missing): return nil
        case .failure(let problem): return refused("\(problem)")
        case .success(let file):
            guard let bytes = file.read(maxBytes: maxBytes) else { return refused("could not be read (it changed while it was read); save it again") }
            return .success(bytes)
        }
    }

    static func decode<Spec>(_ bytes: [UInt8], file: String, kind: String,
                             _ decode: (YAMLDocument, NodeReader) -> Spec?) -> Result<Spec, ValidationFailure> {
        let documents: [YAMLDocument]
        switch YAMLReader.documents(in: bytes, file: file) {
        case .success(let found): documents = found
        case .failure(let diagnostic): return .failure(ValidationFailure([diagnostic]))
        }
        guard documents.count == 1, let document = documents.first else {
            return .failure(ValidationFailure([Diagnostic(file: file, mark: SourceMark(line: 1, column: 1), path: "",
                                                          message: "expected one kind: \(kind) document, found \(documents.count)")]))
        }
        let reader = NodeReader(file: file)
        let spec = decode(document, reader)
        if let spec, reader.diagnostics.isEmpty { return .success(spec) }
        return .failure(ValidationFailure(reader.diagnostics))
    }

    /// The document's `apiVersion`, `kind` and `metadata` checked; its `spec` mapping with the
    /// keys `allowed`, or nil.
    static func spec(_ document: YAMLDocument, kind: String, fileName: String, allowed: [String], reader: NodeReader) -> NodeReader.Mapping? {
        guard let top = reader.mapping(document.root, "", allowed: ["apiVersion", "kind", "metadata", "spec"]) else { return nil }
        if let node = reader.required(top, "apiVersion"), let version = reader.string(node, "apiVersion"), version != DocumentDecoder.apiVersion {
            reader.fail(node.mark, "apiVersion", "unsupported apiVersion \"\(version.prefix(40))\"; use \(DocumentDecoder.apiVersion)")
        }
        if let node = reader.required(top, "kind"), let found = reader.string(node, "kind"), found != kind {
            reader.fail(node.mark, "kind", "\(fileName) holds one kind: \(kind) document, not \(found.prefix(40))")
        }
        if let node = top["metadata"] { _ = reader.mapping(node, "metadata", allowed: ["name", "description"]) }
        guard let specNode = reader.required(top, "spec") else { return nil }
        return reader.mapping(specNode, "spec", allowed: allowed)
    }
}
