"""Search: stores (embedded SQLite, later Elasticsearch), blob stores, matching and exports."""
