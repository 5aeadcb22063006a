import GRDB

/// Named, forward-only migrations. Never edit a registered migration: add a new one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-core") { db in
            try db.execute(sql: """
                CREATE TABLE state_meta (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    serial INTEGER NOT NULL CHECK (serial >= 0)
                );
                INSERT INTO state_meta (id, serial) VALUES (1, 0);

                CREATE TABLE bots (
                    name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 63),
                    spec_json TEXT NOT NULL,
                    spec_hash TEXT NOT NULL CHECK (length(spec_hash) = 64),
                    revision INTEGER NOT NULL CHECK (revision > 0),
                    revision_hash TEXT NOT NULL CHECK (length(revision_hash) = 64),
                    file TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                );

                CREATE TABLE revisions (
                    bot TEXT NOT NULL,
                    number INTEGER NOT NULL CHECK (number > 0),
                    hash TEXT NOT NULL CHECK (length(hash) = 64),
                    spec_json TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (bot, number)
                );

                CREATE TABLE instances (
                    id TEXT PRIMARY KEY NOT NULL,
                    bot TEXT NOT NULL,
                    revision INTEGER NOT NULL CHECK (revision > 0),
                    symbol TEXT NOT NULL,
                    phase TEXT NOT NULL CHECK (phase IN ('pending', 'starting', 'running', 'paused', 'stopping', 'stopped', 'failed')),
                    reason TEXT,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX instances_by_bot ON instances (bot);

                CREATE TABLE apply_lock (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    holder TEXT NOT NULL,
                    pid INTEGER NOT NULL,
                    host TEXT NOT NULL,
                    operation TEXT NOT NULL,
                    acquired_at INTEGER NOT NULL
                );

                CREATE TABLE events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    time INTEGER NOT NULL,
                    bot TEXT,
                    kind TEXT NOT NULL,
                    revision INTEGER,
                    message TEXT NOT NULL,
                    details TEXT
                );
                CREATE INDEX events_by_bot ON events (bot, id);
                """)
        }
        migrator.registerMigration("v2-runtime") { db in
            try db.execute(sql: """
                ALTER TABLE instances ADD COLUMN mode TEXT NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'shadow'));
                ALTER TABLE instances ADD COLUMN capital_pct TEXT NOT NULL DEFAULT '0';
                ALTER TABLE instances ADD COLUMN venue_json TEXT;
                ALTER TABLE instances ADD COLUMN candles_seen INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE instances ADD COLUMN heartbeat_at INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE instances ADD COLUMN metrics_json TEXT;

                CREATE TABLE rollouts (
                    bot TEXT PRIMARY KEY NOT NULL,
                    candidate INTEGER NOT NULL CHECK (candidate > 0),
                    stable INTEGER,
                    strategy TEXT NOT NULL,
                    phase TEXT NOT NULL,
                    state_json TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                );

                CREATE TABLE rollout_commands (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    bot TEXT NOT NULL,
                    command TEXT NOT NULL,
                    argument INTEGER,
                    created_at INTEGER NOT NULL,
                    consumed_at INTEGER
                );
                CREATE INDEX rollout_commands_pending ON rollout_commands (bot, consumed_at);

                CREATE TABLE fills (
                    instance TEXT NOT NULL,
                    client_order_id TEXT NOT NULL,
                    time INTEGER NOT NULL,
                    fill_json TEXT NOT NULL,
                    PRIMARY KEY (instance, client_order_id)
                );

                CREATE TABLE bot_controls (
                    bot TEXT PRIMARY KEY NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'stopped')),
                    updated_at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v3-control-plane") { db in
            try db.execute(sql: """
                CREATE TABLE tokens (
                    id TEXT PRIMARY KEY NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
                    hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
                    description TEXT NOT NULL DEFAULT '',
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER,
                    revoked_at INTEGER
                );

                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    time INTEGER NOT NULL,
                    principal TEXT NOT NULL,
                    method TEXT NOT NULL,
                    path TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    result TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v4-plans") { db in
            try db.execute(sql: """
                CREATE TABLE plans (
                    id TEXT PRIMARY KEY NOT NULL,
                    created_at INTEGER NOT NULL,
                    principal TEXT NOT NULL,
                    source TEXT NOT NULL CHECK (source IN ('project', 'posted', 'profile-switch')),
                    plan_json TEXT NOT NULL,
                    edits_json TEXT,
                    applied_at INTEGER,
                    applied_serial INTEGER
                );
                """)
        }
        migrator.registerMigration("v5-fill-mode") { db in
            // Shadow fills are simulated (notional capital, no real order): each fill says which it
            // was. Fills recorded before this migration take their instance's current mode.
            try db.execute(sql: """
                ALTER TABLE fills ADD COLUMN mode TEXT NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'shadow'));
                UPDATE fills SET mode = 'shadow' WHERE instance IN (SELECT id FROM instances WHERE mode = 'shadow');
                CREATE INDEX fills_by_instance_mode ON fills (instance, mode, time);
                """)
        }
        migrator.registerMigration("v5-trader-state") { db in
            // The trading state an instance's decisions depend on besides its venue (strategy and
            // indicators, risk memory, counters, protection), written with the venue state.
            try db.execute(sql: "ALTER TABLE instances ADD COLUMN trader_json TEXT;")
        }
        migrator.registerMigration("v6-equity-history") { db in
            // Each bot's live equity over time, for the dashboard's curves: recorded at a bounded
            // rate and thinned past a per-bot bound (`EquityHistory.maxSamplesPerBot`), so it
            // cannot grow without end whatever the fleet's size or age.
            try db.execute(sql: """
                CREATE TABLE equity_history (
                    bot TEXT NOT NULL,
                    time INTEGER NOT NULL,
                    equity TEXT NOT NULL,
                    PRIMARY KEY (bot, time)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v7-constraints") { db in
            try Constraints.add(db)
        }
        migrator.registerMigration("v8-order-intents") { db in
            try OrderIntentsMigration.add(db)
        }
        migrator.registerMigration("v9-llm-calls") { db in
            try ModelCallsMigration.add(db)
        }
        migrator.registerMigration("v10-revision-git") { db in
            try RevisionGitMigration.add(db)
        }
        migrator.registerMigration("v11-order-reference") { db in
            try OrderReferenceMigration.add(db)
        }
        migrator.registerMigration("v12-fleet-halt") { db in
            try FleetHaltMigration.add(db)
        }
        return migrator
    }
}
