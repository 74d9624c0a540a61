"""The one `Settings` object: nested, read from `JIKIMI_*` env vars and an optional TOML/YAML file.

Precedence (highest first): explicit overrides (CLI flags) > environment (`JIKIMI_…`, nested with
`__`, e.g. `JIKIMI_CRAWL__ALLOW_PRIVATE=1`) > config file (`--config` or `JIKIMI_CONFIG`) >
defaults.
Nothing is read at import time: call :func:`load_settings` (the CLI does) or :func:`get_settings`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
    YamlConfigSettingsSource,
)

from jikimi.errors import ConfigError

# Cosine-similarity thresholds per face model id. SFace: OpenCV's published operating point is
# 0.363; jikimi is stricter because a false alert tells a victim her face is somewhere it is not.
# 0.45 is the lowest threshold with zero false accepts on the mixed dev set (TAR 1.0 there);
# Korean faces need more than a global threshold (issue 6).
DEFAULT_THRESHOLDS: dict[str, float] = {
    "yunet-2023mar+sface-2021dec": 0.45,
    "insightface-buffalo_l": 0.40,
}
DEFAULT_THRESHOLD = 0.45


class _Section(BaseModel):
    """A settings section: unknown keys are errors, so a typo never silently means a default."""

    model_config = ConfigDict(extra="forbid")


class CrawlSettings(_Section):
    allow_private: bool = False  # loopback/private/link-local/metadata addresses refused unless set
    user_agent: str = "jikimi-crawler/0.1 (+https://github.com/jikimi; takedown of NCII)"
    max_media_bytes: int = 50 * 1024 * 1024
    max_page_bytes: int = 5 * 1024 * 1024
    default_max_depth: int = 3
    default_max_pages: int = 200
    download_timeout: float = 30.0
    media_refresh_days: float = 30.0  # a known media URL is re-checked (conditionally) after this


class MediaSettings(_Section):
    keep_media: bool = False  # raw crawled media is deleted after enrichment unless set
    max_pixels: int = 64_000_000  # decompression-bomb guard
    max_bytes: int = 50 * 1024 * 1024


class VideoSettings(_Section):
    """Frame sampling: the same exact timestamps every run, so results are reproducible."""

    sample_fps: float = Field(default=1.0, gt=0, le=30)  # frames/s sampled at exact timestamps
    scene_changes: bool = True  # add frames where the picture changes (cuts)
    scene_threshold: float = 0.35  # 0–1 change between consecutive decoded frames
    max_frames: int = Field(default=120, ge=1)  # sampled frames per video, scene changes included
    max_decode_seconds: float = 60.0  # wall-clock cap per video (endless or pathological streams)
    max_duration: float = 4 * 3600.0  # only the first this-many seconds of a stream are sampled
    max_bytes: int = 500 * 1024 * 1024  # videos larger than this are refused (crawl and enrich)
    max_pixels: int = 8_300_000  # per frame (4K UHD); larger frames are refused
    track_similarity: float = 0.5  # embedding cosine that joins a face to an existing track


class SignalSettings(_Section):
    """Synthetic-media signals. None of them alone ever triggers a takedown."""

    provenance: bool = True  # C2PA, IPTC/XMP DigitalSourceType, EXIF Software, PNG chunks
    c2pa_trust_anchors: Path | None = None  # PEM bundle of trusted C2PA signing roots
    watermark: bool = True  # Stable Diffusion DWT-DCT invisible watermark
    watermark_min_bits: int = 46  # of 48 bits that must agree before a watermark is reported
    forensics: bool = True  # spectral peaks, sharpness/noise mismatch, blend boundary, jitter
    detector_dir: Path | None = None  # ONNX detector slot: a folder with manifest.yaml
    detector_batch: int = 32


class FaceSettings(_Section):
    engine: Literal["yunet-sface", "insightface"] = "yunet-sface"
    insightface_root: Path | None = None  # folder holding the pack, e.g. <root>/models/buffalo_l
    insightface_pack: str = "buffalo_l"
    insightface_checksums: dict[str, str] = Field(default_factory=dict)  # file name -> sha256
    providers: list[str] | None = None  # None: CUDA when available, else CPU
    det_size: int = 640
    min_face_px: int = 24
    det_threshold: float = 0.6
    thresholds: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    cache_dir: Path | None = None  # fixed model files; default <data-dir>/models

    def threshold_for(self, model_id: str) -> float:
        return self.thresholds.get(model_id, DEFAULT_THRESHOLDS.get(model_id, DEFAULT_THRESHOLD))


class MatchingSettings(_Section):
    """How a similarity becomes a decision: per-person calibration, fusion, quality (issue 6).

    "calibrated": each enrolled person's threshold is read from her own similarity distribution
    against the background (the faces already in the store, almost all strangers) for
    `target_far` false accepts per comparison; "global": the model's threshold for everyone.
    Both record bands; an "uncertain" hit goes to operator review and never alerts the person.
    """

    # "global" until calibration beats it at the same TAR (benchmarks/eval_calibration.py)
    mode: Literal["calibrated", "global"] = "global"
    target_far: float = Field(default=1e-4, gt=0, lt=1)  # per comparison, per person
    min_background: int = Field(default=1000, ge=1)  # fewer background faces: global threshold
    allow_below_global: bool = False  # calibration may only make alerting stricter
    max_raise: float = Field(default=0.15, ge=0)  # a person's threshold ≤ global + this
    fusion: Literal["max", "topk_mean"] = "max"  # over one person's templates
    fusion_k: int = Field(default=2, ge=1)
    strong_margin: float = Field(default=0.08, ge=0)  # "strong" from threshold + this
    review_margin: float = Field(default=0.0, ge=0)  # "uncertain" hits this far below threshold
    # probe side: faces below these need `probe_quality_margin` more, or go to review
    probe_min_face_px: int = 40
    probe_max_yaw: float = 0.45  # nose offset from the eyes' midpoint, in eye distances
    probe_min_det_score: float = 0.75
    probe_quality_margin: float = Field(default=0.05, ge=0)
    # enrollment photos below these are refused with a request for a better photo
    enroll_min_face_px: int = 64
    enroll_max_yaw: float = 0.3
    enroll_min_det_score: float = 0.85
    enroll_min_sharpness: float = 60.0  # variance of the Laplacian of the aligned 112×112 crop


class StoreSettings(_Section):
    backend: Literal["sqlite", "elasticsearch"] = "sqlite"
    sqlite_path: Path | None = None  # default <data-dir>/jikimi.sqlite3


class ElasticsearchSettings(_Section):
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


class BlobSettings(_Section):
    uri: str | None = None  # file:///path, memory://name, s3://bucket/prefix; <data-dir>/blobs


class S3Settings(_Section):
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


class EvidenceSettings(_Section):
    """Preserved evidence: media bytes, page HTML and a capture record per sighting of a hit."""

    uri: str | None = None  # s3://bucket/prefix (Object Lock) or file:///path; <data-dir>/evidence
    retention_days: float = Field(default=5 * 365, gt=0)  # S3 Object Lock COMPLIANCE retention
    kms_key_id: str | None = None  # SSE-KMS key id for every evidence object
    sse_customer_key: SecretStr | None = None  # SSE-C: base64 of 32 bytes (not with kms_key_id)
    fetch_timeout: float = 30.0


class AlertSettings(_Section):
    outbox: bool = True  # write every alert to <data-dir>/outbox as JSON + text
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_from: str = "jikimi@localhost"
    smtp_timeout: float = 20.0
    webhook_secret: SecretStr | None = None
    webhook_timeout: float = 10.0
    max_attempts: int = 5  # failed channel attempts before an alert is marked "failed"
    smtp_ssl: bool = False  # implicit TLS (port 465) instead of plain/STARTTLS
    smtp_ca_file: Path | None = None  # CA bundle for a private SMTP server's certificate
    support_text: str = (
        "디지털성범죄피해자지원센터 (Korean Digital Sex Crime Victim Support Center): 02-735-8994"
    )


class SecuritySettings(_Section):
    # Fernet key for templates and contact details; default: generated once in <data-dir>/keys.
    template_key: SecretStr | None = None


class SchedulerSettings(_Section):
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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="JIKIMI_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    data_dir: Path = Path("./jikimi-data")
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    media: MediaSettings = Field(default_factory=MediaSettings)
    faces: FaceSettings = Field(default_factory=FaceSettings)
    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    video: VideoSettings = Field(default_factory=VideoSettings)
    signals: SignalSettings = Field(default_factory=SignalSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    elasticsearch: ElasticsearchSettings = Field(default_factory=ElasticsearchSettings)
    blobs: BlobSettings = Field(default_factory=BlobSettings)
    s3: S3Settings = Field(default_factory=S3Settings)
    evidence: EvidenceSettings = Field(default_factory=EvidenceSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)

    # -- derived paths -------------------------------------------------------------------------
    @property
    def sqlite_path(self) -> Path:
        return self.store.sqlite_path or self.data_dir / "jikimi.sqlite3"

    @property
    def blob_uri(self) -> str:
        return self.blobs.uri or (self.data_dir / "blobs").resolve().as_uri()

    @property
    def evidence_uri(self) -> str:
        return self.evidence.uri or (self.data_dir / "evidence").resolve().as_uri()

    @property
    def sites_dir(self) -> Path:
        return self.data_dir / "sites"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def model_cache_dir(self) -> Path:
        return self.faces.cache_dir or self.data_dir / "models"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _CONFIG_FILE.get("path")
        if config_file is not None:
            if config_file.suffix in {".yaml", ".yml"}:
                sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=config_file))
            else:
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)


_CONFIG_FILE: dict[str, Path | None] = {"path": None}


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build settings from overrides, env and an optional config file; raise ConfigError if bad."""
    path = config_file or os.environ.get("JIKIMI_CONFIG")
    resolved = Path(path) if path else None
    if resolved is not None and not resolved.is_file():
        raise ConfigError(f"config file not found: {resolved}")
    _CONFIG_FILE["path"] = resolved
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"invalid setting {where}: {first['msg']}") from None
    finally:
        _CONFIG_FILE["path"] = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once on first use (for DAGs and library defaults)."""
    return load_settings()
