// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "flotilla",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "flotilla", targets: ["flotilla"]),
        .executable(name: "flotilla-bench", targets: ["FlotillaBench"]),
        .executable(name: "flotilla-venue-simulator", targets: ["FlotillaSimulatorServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
    ],
    targets: [
        // libyaml's event parser (Debian: libyaml-dev). See Sources/FlotillaSpec/README.md for why
        // Flotilla reads YAML through the C event API instead of Yams' node tree.
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .target(
            name: "FlotillaSpec",
            dependencies: [
                "CLibYAML",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(name: "FlotillaPlan", dependencies: ["FlotillaSpec"]),
        // The wire types: what the API returns and the CLI decodes (Codable values only).
        .target(name: "FlotillaAPI", dependencies: ["FlotillaSpec", "FlotillaPlan", "FlotillaTrading"]),
        .target(name: "FlotillaTrading", resources: [.copy("MarketData/Bundled")]),
        // `strategy.kind: llm`: prompt rendering and decision parsing (pure), the chat-completions
        // client over AsyncHTTPClient, the fleet's call budgets.
        .target(
            name: "FlotillaLLM",
            dependencies: [
                "FlotillaSpec", "FlotillaTrading", "FlotillaVenues",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),
        .target(
            name: "FlotillaEngine",
            dependencies: [
                "FlotillaSpec", "FlotillaTrading", "FlotillaStore", "FlotillaPlan", "FlotillaAPI", "FlotillaLive", "FlotillaLLM", "FlotillaVenues",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),
        .target(
            name: "FlotillaStore",
            dependencies: [
                "FlotillaSpec",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "FlotillaCLI",
            dependencies: [
                "FlotillaSpec", "FlotillaPlan", "FlotillaStore", "FlotillaTrading", "FlotillaEngine", "FlotillaAPI", "FlotillaServer", "FlotillaLive",
                "FlotillaLLM",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .executableTarget(name: "flotilla", dependencies: ["FlotillaCLI"]),
        .executableTarget(
            name: "FlotillaBench",
            dependencies: [
                "FlotillaCLI", "FlotillaSpec", "FlotillaPlan", "FlotillaStore", "FlotillaTrading",
                "FlotillaEngine", "FlotillaLive", "FlotillaVenueSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "FlotillaServer",
            dependencies: [
                "FlotillaEngine", "FlotillaAPI", "FlotillaStore", "FlotillaSpec", "FlotillaPlan", "FlotillaTrading",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // Real exchanges: the venue protocol, Binance Spot and Coinbase Advanced Trade over a transport seam.
        .target(
            name: "FlotillaVenues",
            dependencies: [
                "FlotillaTrading", "FlotillaSpec",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        // The fleet on real markets: order intents and reconciliation, shared live candle feeds.
        .target(
            name: "FlotillaLive",
            dependencies: [
                "FlotillaVenues", "FlotillaTrading", "FlotillaStore", "FlotillaSpec",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // A loopback Binance for tests: signature and timestamp checks, orders matched at a set price.
        .target(
            name: "FlotillaVenueSimulator",
            dependencies: [
                "FlotillaVenues", "FlotillaTrading",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        // The simulator as a process of its own (kill -9 trials of `flotilla up` against a venue that lives on).
        .executableTarget(
            name: "FlotillaSimulatorServer",
            dependencies: [
                "FlotillaVenueSimulator", "FlotillaVenues", "FlotillaTrading",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]),
        .target(
            name: "FlotillaTesting",
            dependencies: ["FlotillaSpec", "FlotillaTrading", "FlotillaVenues", "FlotillaLive",
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio")]),
        .testTarget(name: "FlotillaLLMTests", dependencies: ["FlotillaLLM", "FlotillaSpec", "FlotillaTrading", "FlotillaTesting"]),
        .testTarget(name: "FlotillaSpecTests", dependencies: ["FlotillaSpec", "FlotillaTesting"]),
        .testTarget(name: "FlotillaPlanTests", dependencies: ["FlotillaPlan", "FlotillaSpec", "FlotillaStore", "FlotillaTesting"]),
        .testTarget(
            name: "FlotillaVenuesTests",
            dependencies: [
                "FlotillaVenues", "FlotillaVenueSimulator", "FlotillaTrading", "FlotillaTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
        .testTarget(
            name: "FlotillaLiveTests",
            dependencies: [
                "FlotillaLive", "FlotillaVenues", "FlotillaVenueSimulator", "FlotillaTrading", "FlotillaStore", "FlotillaSpec",
                "FlotillaTesting", "FlotillaEngine",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
        .testTarget(name: "FlotillaTradingTests", dependencies: ["FlotillaTrading", "FlotillaTesting"]),
        .testTarget(
            name: "FlotillaEngineTests",
            dependencies: ["FlotillaEngine", "FlotillaSpec", "FlotillaStore", "FlotillaTrading", "FlotillaTesting", "FlotillaLLM",
                           .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "FlotillaServerTests",
            dependencies: [
                "FlotillaServer", "FlotillaEngine", "FlotillaStore", "FlotillaSpec", "FlotillaTesting", "FlotillaCLI",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]),
        .testTarget(name: "FlotillaStoreTests", dependencies: ["FlotillaStore", "FlotillaSpec", "FlotillaTesting"]),
        .testTarget(
            name: "FlotillaCLITests",
            dependencies: ["FlotillaCLI", "FlotillaStore", "FlotillaSpec", "FlotillaPlan", "FlotillaTesting", "FlotillaVenueSimulator", "FlotillaEngine",
                           .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]),
    ],
    swiftLanguageModes: [.v6]
)
