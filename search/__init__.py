"""Search: keep and find — stores (`sqlite/`, `elastic/`), blob stores (`blobs/`), evidence
lockers (`evidence/`), template encryption, and matching crawled faces against the templates of
enrolled people. Stores keep vectors; they never compute them."""
