"""Evidence lockers: write-once storage with retention and legal hold, for what a hit looked like
on the web, so a takedown or a court can rely on it.

`s3_locker` keeps it in S3 with Object Lock in COMPLIANCE mode (nobody, root account included,
can delete or shorten it before the retention ends); `local_locker` in a plain folder without any
lock (the embedded default). `audited` wraps either so every read and write is audit-logged in
the Store with its operator. Preserving a hit (fetch again, verify, capture) is the application's
use case, `jikimi.evidence`.
"""
