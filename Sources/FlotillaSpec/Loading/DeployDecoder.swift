import Foundation

extension DocumentDecoder {
    static func decodeDeploy(_ node: YAMLNode, reader: NodeReader) -> DeploySpec? {
        let p = "spec.deploy"
        let blocks = ["staged", "canary", "blueGreen", "rolling"]
        guard let map = reader.mapping(
            node, p, allowed: ["strategy", "progressDeadline", "autoRollback", "revisionHistoryLimit", "analysisTemplates"] + blocks)
        else { return nil }
        var deploy = DeploySpec()
        if let n = map["progressDeadline"], let d = reader.duration(n, "\(p).progressDeadline", min: .seconds(10), max: .hours(24 * 30)) {
            deploy.progressDeadline = d
        }
        if let n = map["autoRollback"], let b = reader.bool(n, "\(p).autoRollback") { deploy.autoRollback = b }
        if let n = map["revisionHistoryLimit"], let i = reader.integer(n, "\(p).revisionHistoryLimit", min: 1, max: 1000) {
            deploy.revisionHistoryLimit = i
        }
        if let n = map["analysisTemplates"], let templates = reader.mapping(n, "\(p).analysisTemplates", allowed: nil) {
            for (name, templateNode) in templates.entries {
                let path = templates.path(name)
                if let problem = Name.problem(with: name) {
                    reader.fail(templateNode.mark, path, problem)
                } else if name == "default" {
                    reader.fail(templateNode.mark, path, "\"default\" is built in; give your template another name")
                } else if let template = decodeAnalysisTemplate(templateNode, path, reader: reader) {
                    deploy.analysisTemplates[name] = template
                }
            }
        }

        var name = DeployStrategy.Name.immediate
        if let n = map["strategy"], let text = reader.string(n, "\(p).strategy") {
            if let known = DeployStrategy.Name(rawValue: text) {
                name = known
            } else {
                let names = DeployStrategy.Name.allCases.map(\.rawValue)
                reader.fail(n.mark, "\(p).strategy", "unknown deploy strategy \"\(text.prefix(40))\"\(Suggestion.hint(for: text, among: names)); available: \(names.joined(separator: ", "))")
            }
        }
        let selected: String? = {
            switch name {
            case .immediate: return nil
            case .staged: return "staged"
            case .canary: return "canary"
            case .blueGreen: return "blueGreen"
            case .rolling: return "rolling"
            }
        }()
        for block in blocks where block != selected {
            if let n = map[block] {
                reader.fail(n.mark, "\(p).\(block)", "is set but deploy.strategy is \(name.rawValue); remove it or change the strategy")
            }
        }
        let analyses = deploy.knownAnalysisNames
        switch name {
        case .immediate:
            deploy.strategy = .immediate
        case .staged:
            deploy.strategy = .staged(stages: map["staged"].flatMap { decodeStages($0, analyses: analyses, reader: reader) } ?? DeployStrategy.defaultStages)
        case .canary:
            deploy.strategy = .canary(steps: map["canary"].flatMap { decodeCanary($0, analyses: analyses, reader: reader) } ?? DeployStrategy.defaultCanarySteps)
        case .blueGreen:
            deploy.strategy = .blueGreen(map["blueGreen"].flatMap { decodeBlueGreen($0, analyses: analyses, reader: reader) } ?? DeployStrategy.defaultBlueGreen)
        case .rolling:
            deploy.strategy = .rolling(map["rolling"].flatMap { decodeRolling($0, reader: reader) } ?? DeployStrategy.defaultRolling)
        }
        return deploy
    }

    private static func analysisName(_ node: YAMLNode, _ path: String, analyses: [String], reader: NodeReader) -> String? {
        guard let name = reader.string(node, path) else { return nil }
        guard analyses.contains(name) else {
            reader.fail(node.mark, path, "unknown analysis template \"\(name.prefix(40))\"\(Suggestion.hint(for: name, among: analyses)); known: \(analyses.joined(separator: ", ")) (define more under deploy.analysisTemplates)")
            return nil
        }
        return name
    }

    private static func decodeStages(_ node: YAMLNode, analyses: [String], reader: NodeReader) -> [DeployStrategy.Stage]? {
        let p = "spec.deploy.staged"
        guard let map = reader.mapping(node, p, allowed: ["stages"]), let listNode = reader.required(map, "stages"),
            let items = reader.sequence(listNode, "\(p).stages")
        else { return nil }
        var stages: [DeployStrategy.Stage] = []
        for (i, item) in items.enumerated() {
            let path = "\(p).stages[\(i)]"
            guard let stage = reader.mapping(item, path, allowed: ["name", "duration", "analysis"]),
                let nameNode = reader.required(stage, "name"), let text = reader.string(nameNode, "\(path).name")
            else { continue }
            guard let mode = DeployStrategy.Stage.Mode(rawValue: text) else {
                reader.fail(nameNode.mark, "\(path).name", "unknown stage \"\(text.prefix(40))\"\(Suggestion.hint(for: text, among: ["shadow", "live"])); stages are shadow and live")
                continue
            }
            let duration = stage["duration"].flatMap { reader.duration($0, "\(path).duration", min: .seconds(1)) }
            let analysis = stage["analysis"].flatMap { analysisName($0, "\(path).analysis", analyses: analyses, reader: reader) }
            if mode == .shadow && duration == nil && stage["duration"] == nil {
                reader.fail(item.mark, "\(path).duration", "a shadow stage needs a duration")
            }
            stages.append(DeployStrategy.Stage(name: mode, duration: duration, analysis: analysis))
        }
        if items.isEmpty {
            reader.fail(listNode.mark, "\(p).stages", "must list at least one stage")
        } else if stages.count == items.count, stages.last?.name != .live {
            reader.fail(items.last!.mark, "\(p).stages[\(items.count - 1)]", "the last stage must be live, or the new revision would never trade")
        }
        return stages
    }

    private static func decodeCanary(_ node: YAMLNode, analyses: [String], reader: NodeReader) -> [DeployStrategy.CanaryStep]? {
        let p = "spec.deploy.canary"
        guard let map = reader.mapping(node, p, allowed: ["steps"]), let listNode = reader.required(map, "steps"),
            let items = reader.sequence(listNode, "\(p).steps")
        else { return nil }
        if items.isEmpty { reader.fail(listNode.mark, "\(p).steps", "must list at least one step") }
        var steps: [DeployStrategy.CanaryStep] = []
        var lastCapital: Decimal = 0
        for (i, item) in items.enumerated() {
            let path = "\(p).steps[\(i)]"
            guard let step = reader.mapping(item, path, allowed: ["setCapital", "pause", "analysis"]) else { continue }
            guard step.entries.count == 1, let (key, value) = step.entries.first else {
                if !step.entries.isEmpty || !(reader.diagnostics.last?.path.hasPrefix(path) ?? false) {
                    reader.fail(item.mark, path, "a step has exactly one of setCapital, pause or analysis")
                }
                continue
            }
            let valuePath = "\(path).\(key)"
            switch key {
            case "setCapital":
                if let percent = percentValue(value, valuePath, reader: reader) {
                    if percent < lastCapital {
                        reader.fail(value.mark, valuePath, "capital steps must not decrease (\(percent.canonicalText)% after \(lastCapital.canonicalText)%); abort the rollout instead")
                    }
                    lastCapital = percent
                    steps.append(.setCapital(percent: percent))
                }
            case "pause":
                if case .mapping(let pairs) = value.content {
                    if let pause = reader.mapping(value, valuePath, allowed: ["duration"]) {
                        if pairs.isEmpty {
                            steps.append(.pause(nil))
                        } else if let d = pause["duration"].flatMap({ reader.duration($0, "\(valuePath).duration", min: .seconds(1)) }) {
                            steps.append(.pause(d))
                        }
                    }
                } else if let d = reader.duration(value, valuePath, min: .seconds(1)) {
                    steps.append(.pause(d))
                }
            default:
                if let name = analysisName(value, valuePath, analyses: analyses, reader: reader) {
                    steps.append(.analysis(template: name))
                }
            }
        }
        return steps
    }

    /// `10%` or `10`, 0 < value ≤ 100.
    private static func percentValue(_ node: YAMLNode, _ path: String, reader: NodeReader) -> Decimal? {
        guard let scalar = node.scalar, !scalar.isNull else {
            reader.fail(node.mark, path, "expected a percentage such as 10%, got \(node.kindDescription)")
            return nil
        }
        var text = scalar.text
        if text.hasSuffix("%") { text.removeLast() }
        guard let value = Decimal.parseExact(text) else {
            reader.fail(node.mark, path, "expected a percentage such as 10%, got \"\(scalar.text.prefix(40))\"")
            return nil
        }
        guard value > 0, value <= 100 else {
            reader.fail(node.mark, path, "must be greater than 0% and at most 100% (got \(value.canonicalText)%)")
            return nil
        }
        return value
    }

    private static func decodeBlueGreen(_ node: YAMLNode, analyses: [String], reader: NodeReader) -> DeployStrategy.BlueGreen? {
        let p = "spec.deploy.blueGreen"
        guard let map = reader.mapping(
            node, p, allowed: ["previewDuration", "prePromotionAnalysis", "postPromotionAnalysis", "autoPromote", "scaleDownDelay"])
        else { return nil }
        var config = DeployStrategy.defaultBlueGreen
        if let n = map["previewDuration"], let d = reader.duration(n, "\(p).previewDuration", min: .seconds(1)) { config.previewDuration = d }
        if let n = map["prePromotionAnalysis"] { config.prePromotionAnalysis = analysisName(n, "\(p).prePromotionAnalysis", analyses: analyses, reader: reader) }
        if let n = map["postPromotionAnalysis"] { config.postPromotionAnalysis = analysisName(n, "\(p).postPromotionAnalysis", analyses: analyses, reader: reader) }
        if let n = map["autoPromote"], let b = reader.bool(n, "\(p).autoPromote") { config.autoPromote = b }
        if let n = map["scaleDownDelay"], let d = reader.duration(n, "\(p).scaleDownDelay", min: .seconds(0), max: .hours(24)) { config.scaleDownDelay = d }
        return config
    }

    private static func decodeRolling(_ node: YAMLNode, reader: NodeReader) -> DeployStrategy.Rolling? {
        let p = "spec.deploy.rolling"
        guard let map = reader.mapping(node, p, allowed: ["maxUnavailable", "maxSurge", "minHealthyTime"]) else { return nil }
        var config = DeployStrategy.defaultRolling
        if let n = map["maxUnavailable"], let i = reader.integer(n, "\(p).maxUnavailable", min: 0, max: 1000) { config.maxUnavailable = i }
        if let n = map["maxSurge"], let i = reader.integer(n, "\(p).maxSurge", min: 0, max: 1000) { config.maxSurge = i }
        if let n = map["minHealthyTime"], let d = reader.duration(n, "\(p).minHealthyTime", min: .seconds(0), max: .hours(24)) { config.minHealthyTime = d }
        if config.maxUnavailable == 0 && config.maxSurge == 0 {
            reader.fail(map.node.mark, "\(p).maxSurge", "maxUnavailable and maxSurge cannot both be 0: the rollout could never progress")
        }
        return config
    }

    private static func decodeAnalysisTemplate(_ node: YAMLNode, _ p: String, reader: NodeReader) -> AnalysisTemplate? {
        guard let map = reader.mapping(node, p, allowed: ["minTrades", "checks"]) else { return nil }
        var template = AnalysisTemplate(minTrades: 3, checks: [])
        if let n = map["minTrades"], let i = reader.integer(n, "\(p).minTrades", min: 0, max: 100_000) { template.minTrades = i }
        guard let listNode = reader.required(map, "checks"), let items = reader.sequence(listNode, "\(p).checks") else { return nil }
        if items.isEmpty { reader.fail(listNode.mark, "\(p).checks", "must list at least one check") }
        for (i, item) in items.enumerated() {
            let path = "\(p).checks[\(i)]"
            guard let check = reader.mapping(item, path, allowed: ["metric", "relativeToStable", "min", "max"]),
                let metricNode = reader.required(check, "metric"), let text = reader.string(metricNode, "\(path).metric")
            else { continue }
            guard let metric = AnalysisTemplate.Metric(rawValue: text) else {
                let names = AnalysisTemplate.Metric.allCases.map(\.rawValue)
                reader.fail(metricNode.mark, "\(path).metric", "unknown metric \"\(text.prefix(40))\"\(Suggestion.hint(for: text, among: names)); available: \(names.joined(separator: ", "))")
                continue
            }
            let relative = check["relativeToStable"].flatMap { reader.bool($0, "\(path).relativeToStable") } ?? false
            let min = check["min"].flatMap { reader.number($0, "\(path).min") }
            let max = check["max"].flatMap { reader.number($0, "\(path).max") }
            if check["min"] == nil && check["max"] == nil {
                reader.fail(item.mark, path, "a check needs min, max or both")
            } else if let min, let max, min > max {
                reader.fail(item.mark, "\(path).min", "min (\(min.canonicalText)) is greater than max (\(max.canonicalText))")
            }
            template.checks.append(.init(metric: metric, relativeToStable: relative, min: min, max: max))
        }
        return template
    }
}
