"""The Elasticsearch adapter of the Store port: jikimi's records at scale, reviewed in Kibana.

Selected by `store.backend = "elasticsearch"` (see `jikimi.registry`). The indices are described
by versioned JSON mappings in `mappings/`, created and migrated only by `jikimi es migrate`
(`search.elastic.migrate`), and always read and written through aliases, so a schema change can
build a new index beside the old one and switch over atomically.
"""
