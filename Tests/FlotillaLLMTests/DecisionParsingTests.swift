import FlotillaLLM
import FlotillaTrading
import Testing

/// A model's answer is a decision only when it is exactly the documented schema; anything else is
/// HOLD with a reason a person can act on.
@Suite("Model answers are parsed strictly")
struct DecisionParsingTests {
    struct Valid: Sendable, CustomStringConvertible {
        var content: String
        var action: TradeAction
        var size: String?
        var stop: String?
        var take: String?
        var description: String { content }
    }

    static let valid: [Valid] = [
        .init(content: #"{"action":"LONG","sizePct":25,"rationale":"trend up"}"#, action: .long, size: "25"),
        .init(content: #"{"action":"SHORT","sizePct":12.5,"stopLossPct":2,"takeProfitPct":4.25,"rationale":"breakdown"}"#,
              action: .short, size: "12.5", stop: "2", take: "4.25"),
        .init(content: #"{"action":"CLOSE","sizePct":100,"rationale":"target hit"}"#, action: .close, size: "100"),
        .init(content: #"{"action":"CLOSE","rationale":"all of it"}"#, action: .close),
        .init(content: #"{"action":"HOLD","sizePct":0,"rationale":"flat market"}"#, action: .hold, size: "0"),
        .init(content: #"{"action":"HOLD","rationale":"wait","stopLossPct":null}"#, action: .hold),
        .init(content: "```json\n{\"action\":\"LONG\",\"sizePct\":0.00000001,\"rationale\":\"tiny\"}\n```", action: .long, size: "0.00000001"),
        .init(content: "  {\"action\": \"LONG\", \"sizePct\": 1e1, \"rationale\": \"exponent\"}  ", action: .long, size: "10"),
    ]

    @Test("a decision in the schema is taken exactly, sizes as Fixed", arguments: valid)
    func validDecisions(_ c: Valid) throws {
        let d = try ModelAnswer.decision(content: c.content).get()
        #expect(d.action == c.action)
        #expect(d.sizePct == c.size.flatMap { Fixed(parsing: $0) })
        #expect(d.stopLossPct == c.stop.flatMap { Fixed(parsing: $0) })
        #expect(d.takeProfitPct == c.take.flatMap { Fixed(parsing: $0) })
        #expect(ModelDecision(recordText: d.recordText) == d, "the record reads back to the same decision")
    }

    struct Invalid: Sendable, CustomStringConvertible {
        var content: String
        var kind: String
        var says: String
        var description: String { content }
    }

    static let invalid: [Invalid] = [
        .init(content: "Sure! Buy now.", kind: "invalid_json", says: "invalid JSON"),
        .init(content: "", kind: "invalid_json", says: "empty"),
        .init(content: #"{"action":"LONG","sizePct":25,"rationale":"x"} and more"#, kind: "invalid_json", says: "text after"),
        .init(content: #"{"action":"LONG","sizePct":25,"rationale":"x","action":"SHORT"}"#, kind: "invalid_json", says: "given twice"),
        .init(content: #"["LONG"]"#, kind: "wrong_schema", says: "an array"),
        .init(content: #"{"decision":"LONG","size":"lots"}"#, kind: "wrong_schema", says: "unexpected field \"decision\""),
        .init(content: #"{"sizePct":25,"rationale":"x"}"#, kind: "wrong_schema", says: "no action"),
        .init(content: #"{"action":"LONG","sizePct":25}"#, kind: "wrong_schema", says: "no rationale"),
        .init(content: #"{"action":"LONG","rationale":"x"}"#, kind: "wrong_schema", says: "needs sizePct"),
        .init(content: #"{"action":"LONG","sizePct":"25","rationale":"x"}"#, kind: "wrong_schema", says: "sizePct is a string"),
        .init(content: #"{"action":1,"sizePct":25,"rationale":"x"}"#, kind: "wrong_schema", says: "not a string"),
        .init(content: #"{"action":"BUY","sizePct":25,"rationale":"x"}"#, kind: "unknown_action", says: "unknown action \"BUY\""),
        .init(content: #"{"action":"long","sizePct":25,"rationale":"x"}"#, kind: "unknown_action", says: "LONG, SHORT, CLOSE or HOLD"),
        .init(content: #"{"action":"LONG","sizePct":150,"rationale":"x"}"#, kind: "size_out_of_range", says: "sizePct 150"),
        .init(content: #"{"action":"LONG","sizePct":0,"rationale":"x"}"#, kind: "size_out_of_range", says: "sizePct 0"),
        .init(content: #"{"action":"LONG","sizePct":-5,"rationale":"x"}"#, kind: "size_out_of_range", says: "sizePct -5"),
        .init(content: #"{"action":"LONG","sizePct":10.123456789,"rationale":"x"}"#, kind: "size_out_of_range", says: "8 decimal places"),
        .init(content: #"{"action":"LONG","sizePct":10,"stopLossPct":0,"rationale":"x"}"#, kind: "size_out_of_range", says: "stopLossPct 0"),
        .init(content: #"{"action":"LONG","sizePct":10,"takeProfitPct":5000,"rationale":"x"}"#, kind: "size_out_of_range", says: "takeProfitPct 5000"),
    ]

    @Test("anything else is HOLD with the reason", arguments: invalid)
    func invalidDecisions(_ c: Invalid) {
        guard case .failure(let reason) = ModelAnswer.decision(content: c.content) else {
            Issue.record("\(c.content) was taken as a decision")
            return
        }
        #expect(reason.kind == c.kind, "\(reason)")
        #expect(reason.description.contains(c.says), "\(reason)")
    }

    @Test("the chat-completions envelope gives the content and the token counts")
    func envelope() throws {
        let body = #"{"choices":[{"message":{"role":"assistant","content":"{\"action\":\"HOLD\",\"rationale\":\"x\"}"}}],"usage":{"prompt_tokens":812,"completion_tokens":21}}"#
        let (content, usage) = try ModelAnswer.envelope(Array(body.utf8)).get()
        #expect(content == #"{"action":"HOLD","rationale":"x"}"#)
        #expect(usage == TokenUsage(prompt: 812, completion: 21))
    }

    @Test("an envelope without a message, or not JSON, is HOLD", arguments: [
        ("<html>bad gateway</html>", "invalid_json"), (#"{"choices":[]}"#, "wrong_schema"), (#"{"object":"list"}"#, "wrong_schema"),
        (#"{"error":{"message":"model not found"}}"#, "http_error"),
    ])
    func badEnvelopes(_ body: String, _ kind: String) {
        guard case .failure(let reason) = ModelAnswer.envelope(Array(body.utf8)) else {
            Issue.record("\(body) read as an answer")
            return
        }
        #expect(reason.kind == kind, "\(reason)")
    }

    @Test("a HOLD reason reads as what happened", arguments: [
        (HoldReason.timedOut(.seconds(2)), "timed out after 2s"),
        (.http(status: 429, detail: "Rate limit reached"), "HTTP 429 (rate limited) from the endpoint: Rate limit reached"),
        (.http(status: 500, detail: ""), "HTTP 500 from the endpoint"),
        (.budget("61 calls"), "budget exhausted: 61 calls"),
        (.tooLarge(limitBytes: 65536), "answer larger than 64 KiB (param maxResponseKB)"),
    ])
    func reasons(_ reason: HoldReason, _ text: String) {
        #expect(reason.description == text)
    }
}
