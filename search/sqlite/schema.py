"""The SQLite schema as an ordered list of migrations, tracked with `PRAGMA user_version`.

Later issues add columns by appending a migration, never by editing one that has shipped: a
database created by any earlier jikimi is brought up to date on open, and one created by a newer
jikimi is refused rather than silently misread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from kernel.errors import StoreError

# Each migration is a tuple of single statements (not a script: `executescript` would commit the
# surrounding transaction, and two processes opening a fresh file must not both migrate it).
MIGRATIONS: list[tuple[str, ...]] = [
    (
        """CREATE TABLE media (
            media_id TEXT PRIMARY KEY, kind TEXT NOT NULL, content_type TEXT NOT NULL,
            size INTEGER NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
            status TEXT NOT NULL, error TEXT, width INTEGER, height INTEGER, pdq TEXT,
            pdq_quality INTEGER, face_count INTEGER NOT NULL DEFAULT 0, blob_key TEXT,
            info TEXT NOT NULL DEFAULT '{}')""",
        "CREATE INDEX media_status ON media (status, first_seen)",
        """CREATE TABLE sightings (
            media_id TEXT NOT NULL, media_url TEXT NOT NULL, page_url TEXT NOT NULL,
            site TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
            PRIMARY KEY (media_id, media_url, page_url))""",
        """CREATE TABLE fetches (
            url TEXT PRIMARY KEY, media_id TEXT, fetched_at TEXT NOT NULL, etag TEXT,
            last_modified TEXT, error TEXT)""",
        """CREATE TABLE faces (
            face_id TEXT PRIMARY KEY, media_id TEXT NOT NULL, model_id TEXT NOT NULL,
            idx INTEGER NOT NULL, bbox TEXT NOT NULL, landmarks TEXT NOT NULL,
            det_score REAL NOT NULL, embedding BLOB NOT NULL, frame_ts REAL,
            matched INTEGER NOT NULL DEFAULT 0)""",
        # keyset pagination of faces() needs face_id order within a model, with and without
        # the matched filter; one index each keeps every batch a range scan
        "CREATE INDEX faces_model ON faces (model_id, face_id)",
        "CREATE INDEX faces_model_unmatched ON faces (model_id, matched, face_id)",
        "CREATE INDEX faces_media ON faces (media_id)",
        """CREATE TABLE persons (
            person_id TEXT PRIMARY KEY, name BLOB NOT NULL, ref TEXT NOT NULL, email BLOB,
            webhook BLOB, created_at TEXT NOT NULL)""",
        """CREATE TABLE templates (
            template_id TEXT PRIMARY KEY, person_id TEXT NOT NULL, model_id TEXT NOT NULL,
            embedding BLOB NOT NULL, created_at TEXT NOT NULL)""",
        "CREATE INDEX templates_person ON templates (person_id)",
        "CREATE INDEX templates_model ON templates (model_id)",
        """CREATE TABLE hits (
            hit_id TEXT PRIMARY KEY, person_id TEXT NOT NULL, face_id TEXT NOT NULL,
            media_id TEXT NOT NULL, model_id TEXT NOT NULL, similarity REAL NOT NULL,
            threshold REAL NOT NULL, template_id TEXT NOT NULL, created_at TEXT NOT NULL,
            review_state TEXT NOT NULL DEFAULT 'new', reviewer TEXT, review_note TEXT,
            reviewed_at TEXT)""",
        "CREATE INDEX hits_person ON hits (person_id)",
        """CREATE TABLE alerts (
            alert_id TEXT PRIMARY KEY, person_id TEXT NOT NULL, media_id TEXT NOT NULL,
            similarity REAL NOT NULL, model_id TEXT NOT NULL, media_url TEXT NOT NULL,
            page_url TEXT NOT NULL, created_at TEXT NOT NULL, status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
            UNIQUE (person_id, media_id))""",
        """CREATE TABLE deliveries (
            delivery_id INTEGER PRIMARY KEY AUTOINCREMENT, alert_id TEXT NOT NULL,
            channel TEXT NOT NULL, ok INTEGER NOT NULL, error TEXT, at TEXT NOT NULL)""",
        "CREATE INDEX deliveries_alert ON deliveries (alert_id)",
    ),
    (  # issue 3: video, synthetic-media assessment, face tracks, video hits
        "ALTER TABLE media ADD COLUMN duration REAL",
        "ALTER TABLE media ADD COLUMN codec TEXT",
        "ALTER TABLE media ADD COLUMN frame_count INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE media ADD COLUMN fake_score REAL",
        "ALTER TABLE media ADD COLUMN score_basis TEXT NOT NULL DEFAULT 'none'",
        "ALTER TABLE media ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE media ADD COLUMN family_id TEXT",
        "CREATE INDEX media_sequences ON media (status, duration)",
        "ALTER TABLE faces ADD COLUMN track INTEGER",
        "ALTER TABLE hits ADD COLUMN track INTEGER",
        "ALTER TABLE hits ADD COLUMN frame_times TEXT NOT NULL DEFAULT '[]'",
        "CREATE INDEX hits_media ON hits (media_id, person_id)",
    ),
    (  # calibrated per-person matching; the audit log
        "ALTER TABLE hits ADD COLUMN score REAL",
        "ALTER TABLE hits ADD COLUMN person_threshold REAL",
        "ALTER TABLE hits ADD COLUMN band TEXT",
        "ALTER TABLE alerts ADD COLUMN score REAL",
        "ALTER TABLE alerts ADD COLUMN person_threshold REAL",
        "ALTER TABLE alerts ADD COLUMN band TEXT",
        """CREATE TABLE audit (
            event_id TEXT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,
            action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL)""",
        "CREATE INDEX audit_subject ON audit (subject, at)",
    ),
    (  # issue 6: one calibration record (background score sketch) per enrolled person and model
        """CREATE TABLE calibrations (
            person_id TEXT NOT NULL, model_id TEXT NOT NULL, data BLOB NOT NULL,
            updated_at TEXT NOT NULL, PRIMARY KEY (person_id, model_id))""",
    ),
    (  # retention of stranger media: find expired media, and what points at it, by index
        "CREATE INDEX media_last_seen ON media (last_seen)",
        "CREATE INDEX alerts_media ON alerts (media_id)",
        "CREATE INDEX fetches_media ON fetches (media_id)",
    ),
    (  # issue 11: accounts
        # username and password hash are Fernet ciphertext; username_key is the blind index
        # (HMAC) of the normalised username, which makes usernames unique case-insensitively
        """CREATE TABLE accounts (
            account_id TEXT PRIMARY KEY, username BLOB NOT NULL,
            username_key TEXT NOT NULL UNIQUE, role TEXT NOT NULL, password_hash BLOB NOT NULL,
            case_id TEXT, created_at TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,
            failed_logins INTEGER NOT NULL DEFAULT 0, locked_until TEXT, last_login TEXT)""",
        """CREATE TABLE api_tokens (
            token_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,
            account_id TEXT NOT NULL, label TEXT NOT NULL, created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL, last_used TEXT, revoked_at TEXT)""",
        "CREATE INDEX api_tokens_account ON api_tokens (account_id, created_at)",
        """CREATE TABLE web_sessions (
            session_hash TEXT PRIMARY KEY, account_id TEXT NOT NULL, csrf_token TEXT NOT NULL,
            created_at TEXT NOT NULL, last_seen TEXT NOT NULL, expires_at TEXT NOT NULL)""",
        "CREATE INDEX web_sessions_account ON web_sessions (account_id)",
    ),
    (  # issue 11: cases and consent
        """CREATE TABLE cases (
            case_id TEXT PRIMARY KEY, person_id TEXT, status TEXT NOT NULL,
            verification_method TEXT NOT NULL, verified_by TEXT NOT NULL,
            verified_at TEXT NOT NULL, consent_version TEXT NOT NULL,
            consent_channel TEXT NOT NULL, consent_accepted_at TEXT NOT NULL, note BLOB,
            created_at TEXT NOT NULL, closed_at TEXT)""",
        "CREATE INDEX cases_person ON cases (person_id)",
        "CREATE INDEX cases_created ON cases (created_at, case_id)",
    ),
    (  # issue 11: takedown batches
        # filters is JSON of the filters given (host, site, case ref, dates); an item's hits
        # are rows of takedown_item_hits, so erasing a person finds her items by index
        """CREATE TABLE takedown_batches (
            batch_id TEXT PRIMARY KEY, created_by TEXT NOT NULL, created_at TEXT NOT NULL,
            filters TEXT NOT NULL, item_count INTEGER NOT NULL)""",
        """CREATE TABLE takedown_items (
            item_id TEXT PRIMARY KEY, batch_id TEXT NOT NULL, media_url TEXT NOT NULL,
            page_url TEXT NOT NULL, host TEXT NOT NULL, media_sha256 TEXT NOT NULL,
            status TEXT NOT NULL, sent_at TEXT, removed_at TEXT, refused_at TEXT, note TEXT)""",
        "CREATE INDEX takedown_items_batch ON takedown_items (batch_id, host, media_url)",
        "CREATE INDEX takedown_items_media_url ON takedown_items (media_url)",
        "CREATE INDEX takedown_items_page_url ON takedown_items (page_url)",
        """CREATE TABLE takedown_item_hits (
            hit_id TEXT NOT NULL, item_id TEXT NOT NULL, PRIMARY KEY (hit_id, item_id))""",
        "CREATE INDEX takedown_item_hits_item ON takedown_item_hits (item_id)",
    ),
    (  # issue 11: notification preferences
        """CREATE TABLE notification_prefs (
            case_id TEXT PRIMARY KEY, email INTEGER NOT NULL, webhook INTEGER NOT NULL,
            mode TEXT NOT NULL, digest_hour INTEGER NOT NULL, quiet_start INTEGER,
            quiet_end INTEGER, timezone TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    ),
    (  # issue 12: recipients and legal basis per batch; follow-up of each URL
        "ALTER TABLE takedown_batches ADD COLUMN legal_basis TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE takedown_batches ADD COLUMN recipients TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE takedown_items ADD COLUMN acknowledged_at TEXT",
        "ALTER TABLE takedown_items ADD COLUMN sent_to TEXT",
        "ALTER TABLE takedown_items ADD COLUMN escalation TEXT NOT NULL DEFAULT 'hosting'",
        "ALTER TABLE takedown_items ADD COLUMN origin TEXT NOT NULL DEFAULT 'review'",
        "ALTER TABLE takedown_items ADD COLUMN family_of TEXT",
        "ALTER TABLE takedown_items ADD COLUMN checked_at TEXT",
        "ALTER TABLE takedown_items ADD COLUMN check_result TEXT",
        "CREATE INDEX takedown_items_status ON takedown_items (status)",
    ),
    (  # issue 13: each person's own webhook signing secret (encrypted like her contacts)
        "ALTER TABLE persons ADD COLUMN webhook_secret BLOB",
    ),
    (  # issue 14: notes a crawl leaves for the next one (newest post per channel, lastmod)
        """CREATE TABLE crawl_marks (
            site TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
            updated_at TEXT NOT NULL, PRIMARY KEY (site, key))""",
    ),
    (  # issue 15: the face feed a derived face index follows (kernel/ports/face_index.py)
        # `mark` numbers every change to faces; a face's `seq` is the mark of its last write, and
        # each removal (delete, or embedding replaced) is logged under its own mark with the seq
        # it removed; face_counts keeps each model's count (COUNT(*) took ~30 ms per search at
        # 1M faces). Triggers keep all three, so no writer can forget the index.
        """CREATE TABLE face_feed (
            id INTEGER PRIMARY KEY CHECK (id = 1), mark INTEGER NOT NULL,
            feed_id TEXT NOT NULL, trimmed INTEGER NOT NULL DEFAULT 0)""",
        "INSERT INTO face_feed (id, mark, feed_id) SELECT 1, COALESCE(MAX(rowid), 0), "
        "lower(hex(randomblob(16))) FROM faces",
        "ALTER TABLE faces ADD COLUMN seq INTEGER",
        "UPDATE faces SET seq = rowid",
        "CREATE INDEX faces_model_seq ON faces (model_id, seq)",
        """CREATE TABLE face_removals (
            mark INTEGER PRIMARY KEY, model_id TEXT NOT NULL, seq INTEGER NOT NULL)""",
        "CREATE INDEX face_removals_model ON face_removals (model_id, mark)",
        "CREATE TABLE face_counts (model_id TEXT PRIMARY KEY, n INTEGER NOT NULL)",
        "INSERT INTO face_counts SELECT model_id, COUNT(*) FROM faces GROUP BY model_id",
        """CREATE TRIGGER faces_added AFTER INSERT ON faces BEGIN
            UPDATE face_feed SET mark = mark + 1;
            UPDATE faces SET seq = (SELECT mark FROM face_feed) WHERE rowid = NEW.rowid;
            INSERT INTO face_counts SELECT NEW.model_id, 0 WHERE NOT EXISTS
                (SELECT 1 FROM face_counts WHERE model_id = NEW.model_id);
            UPDATE face_counts SET n = n + 1 WHERE model_id = NEW.model_id;
        END""",
        """CREATE TRIGGER faces_replaced AFTER UPDATE OF embedding, model_id ON faces BEGIN
            UPDATE face_feed SET mark = mark + 1;
            INSERT INTO face_removals SELECT mark, OLD.model_id, OLD.seq FROM face_feed;
            UPDATE face_feed SET mark = mark + 1;
            UPDATE faces SET seq = (SELECT mark FROM face_feed) WHERE rowid = NEW.rowid;
            UPDATE face_counts SET n = n - 1 WHERE model_id = OLD.model_id;
            INSERT INTO face_counts SELECT NEW.model_id, 0 WHERE NOT EXISTS
                (SELECT 1 FROM face_counts WHERE model_id = NEW.model_id);
            UPDATE face_counts SET n = n + 1 WHERE model_id = NEW.model_id;
        END""",
        """CREATE TRIGGER faces_removed AFTER DELETE ON faces BEGIN
            UPDATE face_feed SET mark = mark + 1;
            INSERT INTO face_removals SELECT mark, OLD.model_id, OLD.seq FROM face_feed;
            UPDATE face_counts SET n = n - 1 WHERE model_id = OLD.model_id;
        END""",
    ),
    (  # issue 15: enrichment finds an already enriched image with the same PDQ by index
        "CREATE INDEX media_pdq ON media (pdq)",
    ),
]

SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: Sequence[tuple[str, ...]] = MIGRATIONS) -> None:
    """Apply the migrations this database lacks, each in its own write transaction.

    `conn` must be in autocommit mode (isolation_level=None). The version is re-read after taking
    the write lock, so concurrent openers of a fresh file apply each migration exactly once.
    """
    latest = len(migrations)
    found = schema_version(conn)
    if found > latest:
        raise StoreError(
            f"database schema v{found} is newer than this jikimi understands (v{latest})"
        )
    for target in range(found + 1, latest + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) < target:
                for statement in migrations[target - 1]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
