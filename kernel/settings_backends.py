"""Settings sections for backends and scale: stores, blob stores, S3, evidence, scheduling.

Each section is a strict model (unknown keys are errors) nested in `kernel.settings.Settings`,
which re-exports every section class; import them from there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from kernel.settings_pipeline import Section


class StoreSettings(Section):
    backend: Literal["sqlite", "elasticsearch"] = "sqlite"
    sqlite_path: Path | None = None  # default <data-dir>/jikimi.sqlite3


class IndexSettings(Section):
    """The embedded face index behind retroactive search on the SQLite store (search/faceindex).

    Streaming and decrypting every stored face took 34-45 s per enrollment at 1M faces; an int8
    copy scanned with one integer matrix product per block takes well under a second
    (benchmarks/bench_face_index.py). Elasticsearch keeps its own search and ignores this.
    """

    backend: Literal["int8", "none"] = "int8"  # none: every stored face is streamed and decided
    folder: Path | None = None  # default: <sqlite file>-faceindex beside the database
    # "sealed": each block AES-GCM encrypted under the template key (the vectors are strangers'
    # biometrics) and decrypted into memory when loaded; "plain": memory-mapped files, for
    # deployers whose volume is encrypted already (less memory, faster first search)
    at_rest: Literal["sealed", "plain"] = "sealed"
    block_rows: int = Field(default=131072, ge=1024)  # faces per block file (16 MiB at 128-d)
    threads: int = Field(default=0, ge=0)  # onnxruntime intra-op threads; 0: one per core
    # blocks whose removed rows reach this fraction are rewritten at once (housekeeping rewrites
    # every block holding a removed row, so deleted vectors leave the disk the same night)
    compact_fraction: float = Field(default=0.2, gt=0, le=1)


class ElasticsearchSettings(Section):
    """The hit index at scale (`store.backend = "elasticsearch"`)."""

    url: str = "http://127.0.0.1:9200"
    api_key: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    ca_certs: Path | None = None
    verify_certs: bool = True
    index_prefix: str = "jikimi"
    request_timeout: float = 30.0
    # Compatibility: send plain `application/json` instead of the client's versioned media type
    # (needed by osmem-server and some OpenSearch-compatible servers). Off for real clusters.
    plain_json_headers: bool = False
    # Bulk writes: documents per request, and retries of documents the cluster rejects with 429
    # (back-off doubles from `bulk_initial_backoff` up to `bulk_max_backoff` seconds).
    bulk_chunk_size: int = Field(default=500, ge=1)
    bulk_max_retries: int = Field(default=5, ge=0)
    bulk_initial_backoff: float = Field(default=0.5, ge=0)
    bulk_max_backoff: float = Field(default=30.0, ge=0)
    # Retroactive search with kNN: nearest faces asked per template; when all of them match, the
    # adapter cannot know what lies beyond and scans exactly instead.
    knn_k: int = Field(default=1000, ge=1, le=10000)
    # How the faces index stores its kNN vectors (`jikimi es migrate` builds the index with it).
    # int8_hnsw keeps a quarter of float32's memory per vector (128 bytes for 128-d) with
    # recall close to float HNSW; bbq_hnsw keeps 1 bit per dimension (32x smaller) but needs
    # rescoring and at least 64 dims (other dims get int8_hnsw, logged); hnsw is unquantized;
    # flat and int8_flat scan every vector (exact, for small indices). Changing it takes effect
    # when the faces index is next built (a new schema version); migrate warns about the drift.
    knn_index_type: Literal["int8_hnsw", "bbq_hnsw", "hnsw", "int8_flat", "flat"] = "int8_hnsw"
    # Candidates each shard explores per template, as a multiple of knn_k (capped at 10,000,
    # Elasticsearch's limit): more candidates, better recall, slower search.
    knn_num_candidates_factor: float = Field(default=2.0, ge=1.0)
    # Quantized indices only: Elasticsearch (8.18+) gathers knn_k × oversample nearest faces on
    # the quantized vectors and re-ranks them on the float ones (`rescore_vector`), recovering
    # the recall quantization loses. 0 turns it off; else 1-10. jikimi re-scores every answer
    # exactly from the stored embedding either way, so this only changes which faces come back.
    knn_oversample: float = Field(default=3.0, ge=0.0, le=10.0)

    @field_validator("knn_oversample")
    @classmethod
    def _oversample_range(cls, value: float) -> float:
        if 0 < value < 1:
            raise ValueError("knn_oversample is 0 (off) or between 1 and 10")
        return value


class BlobSettings(Section):
    uri: str | None = None  # file:///path, memory://name, s3://bucket/prefix; <data-dir>/blobs


class S3Settings(Section):
    """S3 or an S3-compatible server (Ceph radosgw, MinIO): blobs, evidence and export batches."""

    endpoint_url: str | None = None  # None: AWS; e.g. http://127.0.0.1:7480 (radosgw)
    region: str = "us-east-1"
    access_key_id: str | None = None  # None: boto3's own chain (env, profile, instance role)
    secret_access_key: SecretStr | None = None
    session_token: SecretStr | None = None
    addressing_style: Literal["auto", "path", "virtual"] = "auto"  # auto: path for endpoint_url
    verify_tls: bool = True
    ca_bundle: Path | None = None
    create_buckets: bool = False  # create missing buckets (evidence ones with Object Lock)
    # Multipart above this size (parts retried one by one); on a local radosgw one PUT of a 64 MiB
    # video ran at 180 MiB/s and 8 MiB parts at 42 (benchmarks/bench_s3_blobs.py).
    multipart_threshold: int = Field(default=64 * 1024 * 1024, ge=5 * 1024 * 1024)
    multipart_chunksize: int = Field(default=16 * 1024 * 1024, ge=5 * 1024 * 1024)
    max_concurrency: int = Field(default=4, ge=1)
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_attempts: int = 5
    presigned_url_expiry: int = Field(default=7 * 86400, ge=1, le=7 * 86400)  # seconds (SigV4 max)


class EvidenceSettings(Section):
    """Preserved evidence: media bytes, page HTML and a capture record per sighting of a hit."""

    uri: str | None = None  # s3://bucket/prefix (Object Lock) or file:///path; <data-dir>/evidence
    retention_days: float = Field(default=5 * 365, gt=0)  # S3 Object Lock COMPLIANCE retention
    kms_key_id: str | None = None  # SSE-KMS key id for every evidence object
    sse_customer_key: SecretStr | None = None  # SSE-C: base64 of 32 bytes (not with kms_key_id)
    fetch_timeout: float = 30.0
    # Wrapped per-object data keys (envelope encryption); erasure deletes them. A local folder
    # or an UNversioned bucket without Object Lock (a deleted key must really be gone).
    data_keys_uri: str | None = None  # default <data-dir>/evidence-keys
    # evidence and takedown re-fetches only (preserve, bundle, recheck): loopback/private allowed
    allow_private: bool = False


class SchedulerSettings(Section):
    """The Airflow DAGs (dags/) and the nightly housekeeping they run: batching, pools, schedules,
    retention. Pools and queues must exist in Airflow (infra/airflow/pools.json)."""

    enrich_batch: int = Field(default=32, ge=1)  # media ids per mapped enrichment task
    max_enrich_batches: int = Field(default=256, ge=1)  # beyond this, batches grow instead
    gpu_pool: str = "gpu"  # bounds concurrent enrichment tasks (GPU memory), across all DAGs
    gpu_queue: str = "default"  # executor queue the GPU workers listen on (Celery: "gpu")
    match_pool: str = "jikimi_match"  # one slot: matching and delivery never run twice at once
    match_schedule: str = "*/30 * * * *"  # catch-up matching and delivery retries
    housekeeping_schedule: str = "30 3 * * *"  # erasure requests, export batch, retention
    crawl_timeout_minutes: float = Field(default=240, gt=0)
    export_format: Literal["csv", "json"] = "json"
    export_prefix: str = "exports/"  # blob key prefix of nightly takedown batches
    export_retention_days: float = Field(default=90, gt=0)
    outbox_retention_days: float = Field(default=30, gt=0)  # outbox copies of delivered alerts
    kept_media_retention_days: float = Field(default=30, gt=0)  # kept raw bytes without a hit
    # media of strangers (no hit, no alert), its sightings, faces, fetches and any kept bytes
    stranger_media_retention_days: float = Field(default=180, gt=0)



class PortalSettings(Section):
    """The web portal (`jikimi serve`): where it listens and how it shows media to reviewers.
    Its cookies are always `Secure`: serve it over HTTPS (`tls_cert`/`tls_key`, or a proxy)."""

    host: str = "127.0.0.1"
    port: int = 8000
    tls_cert: Path | None = None  # PEM certificate and key for `jikimi serve` to speak HTTPS
    tls_key: Path | None = None
    base_url: str = "https://127.0.0.1:8000"  # how people reach it (links in Kibana, e-mails)
    blur_radius: float = 18.0  # Gaussian blur of previews, in preview pixels (480 px side)
    break_minutes: int = 25  # a reviewer is reminded to take a break after this long
    # Reviewers' previews fetch the media again through the address guard; loopback and private
    # addresses only when this is set (the demo's local site, tests).
    allow_private_media: bool = False
