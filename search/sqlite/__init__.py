"""The embedded store: SQLite, one file, one connection under a lock (`store.SqliteStore`)."""
