/// A credential's value. It prints as `‹secret›` everywhere (description, debugDescription,
/// string interpolation, `dump`), so it cannot reach a log, an error or a plan by accident; only
/// `reveal` gives the text, and only signers call it.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let value: String

    public init(_ value: String) { self.value = value }

    public var description: String { "‹secret›" }
    public var debugDescription: String { "‹secret›" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// The text, for signing only.
    public func reveal() -> String { value }

    /// `text` with every occurrence of this secret replaced, for messages built from outside text.
    public func redact(_ text: String) -> String {
        guard value.count >= 4 else { return text }
        return text.replacingOccurrences(of: value, with: "‹secret›")
    }
}

import Foundation
