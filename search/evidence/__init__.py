"""Evidence: what a hit looked like on the web, preserved so a takedown or a court can rely on it.

Preserving a hit fetches its media and page again through the crawler's address guard, checks
the media's SHA-256 against the hit, and writes the bytes, the HTML and a capture record (UTC
time, URLs, HTTP status and headers, hashes, tool version, operator) under content-addressed keys
in an evidence locker: S3 with Object Lock in COMPLIANCE mode (nobody, root account included, can
delete or shorten it before the retention ends) or, for the embedded default, a local folder
without any lock. Every read and write is audit-logged in the Store.
"""
