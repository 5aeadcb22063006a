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
        return migrator
    }
}
