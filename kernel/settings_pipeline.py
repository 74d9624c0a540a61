"""Settings sections for the pipeline: how media is crawled, analysed, matched and alerted.

Each section is a strict model (unknown keys are errors) nested in `kernel.settings.Settings`,
which re-exports every section class; import them from there.
"""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from kernel.measured_thresholds import read_measured

# Cosine-similarity thresholds per face model id. SFace: OpenCV's published operating point is
# 0.363; jikimi is stricter because a false alert tells a victim her face is somewhere it is not.
# 0.45 is the lowest threshold with zero false accepts on the mixed dev set (TAR 1.0 there);
# Korean faces need more than a global threshold (issue 6).
DEFAULT_THRESHOLDS: dict[str, float] = {
    "yunet-2023mar+sface-2021dec": 0.45,
    "insightface-buffalo_l": 0.40,
}
DEFAULT_THRESHOLD = 0.45


class Section(BaseModel):
    """A settings section: unknown keys are errors, so a typo never silently means a default."""

    model_config = ConfigDict(extra="forbid")


class CrawlSettings(Section):
    # crawl targets only: loopback/private/link-local/metadata addresses refused unless set
    allow_private: bool = False
    dns_timeout: float = Field(default=5.0, gt=0)  # the address guard's lookup, off the reactor
    user_agent: str = "jikimi-crawler/0.1 (+https://github.com/jikimi; takedown of NCII)"
    max_media_bytes: int = 50 * 1024 * 1024
    max_page_bytes: int = 5 * 1024 * 1024
    default_max_depth: int = 3
    default_max_pages: int = 200
    download_timeout: float = 30.0
    media_refresh_days: float = 30.0  # a known media URL is re-checked (conditionally) after this
    # Bounded work per page and crawl (a hostile page can list 5,000 images × 10 srcset sizes).
    # A big real gallery page shows ~100–300 images; 500 leaves room. Cuts are counted in the
    # crawl report.
    max_media_per_page: int = Field(default=500, ge=1)  # distinct media URLs taken from one page
    max_media_per_crawl: int = Field(default=20_000, ge=1)  # media requests in one crawl
    max_srcset_candidates: int = Field(default=8, ge=1)  # per srcset, the largest are kept
    chromium_path: str = "/usr/bin/chromium"  # renders `render: browser` sites (Debian's chromium)
    # HLS/DASH streams (crawlers/streams): segments fetched per stream (4 h of 4 s segments) and
    # the wall-clock time one stream's download may take; its bytes, duration and frame size are
    # bounded by video.max_bytes, video.max_duration and video.max_pixels.
    max_stream_segments: int = Field(default=3600, ge=1)
    max_stream_seconds: float = Field(default=900.0, gt=0)
    # Child sitemaps read in one crawl (an index may list 50,000); not counted in max_pages.
    max_sitemaps_per_crawl: int = Field(default=500, ge=1)


class MediaSettings(Section):
    keep_media: bool = False  # raw crawled media is deleted after enrichment unless set
    max_pixels: int = 64_000_000  # decompression-bomb guard
    max_bytes: int = 50 * 1024 * 1024
    # PDQ of a copy reduced to this long side (INTER_AREA), as Meta's own C++ and Python PDQ
    # hashers do at 512: ~5x faster on photos, hashes a median 8 bits (max 14 on 60 photos) from
    # full-resolution ones. None: full resolution, identical to ThreatExchange's HMA (pdqhash).
    pdq_long_side: int | None = Field(default=None, ge=64)
    # Decode memory, estimated from the header before decoding (enrichment/decode_budget.py).
    # Sized for 2 cores / 24 GB running two enrichment workers: a whole analysis peaks at ~3× its
    # decode estimate (measured: +345 MB for an 8000² JPEG drafted to 4000², 112 MB estimated),
    # so a round (2 GiB of decodes) is ≤ ~6 GB per worker, ~12 GB for both, leaving half the
    # machine to the OS, face models, store and crawler. One item: RGB up to ~76 Mpx (so every image
    # within max_pixels; JPEG is draft-decoded anyway), RGBA up to ~33 Mpx, 8-bit gray ~48 Mpx.
    max_decode_bytes: int = Field(default=512 * 1024 * 1024, ge=1)  # per item
    batch_decode_bytes: int = Field(default=2 * 1024 * 1024 * 1024, ge=1)  # per enrichment round
    # JPEG is DCT-decoded at 1/2–1/8 scale down to this long side: faces.det_size 640 × SFace's
    # 112 px crop / faces.min_face_px 24 ≈ 2,987, so every detectable face keeps ≥ 112 px.
    decode_long_side: int = Field(default=3000, ge=64)
    # Enrichment worker processes (decode, faces, hashes, signals; the parent only stores).
    # None: one per usable core (measured 2.1× on 2 cores with 1 onnxruntime thread each);
    # 1: everything in the calling process. Small runs stay in-process (enrichment.workers).
    enrich_workers: int | None = Field(default=None, ge=1)
    # Images analysed together, so their faces share recognizer batches (faces.embed_batch);
    # on a GPU raise both (e.g. 128 images, 256 faces).
    enrich_chunk: int = Field(default=16, ge=1)
    # Reuse the faces of an already enriched image with the same PDQ, size and decoded-pixel
    # digest instead of detecting them again (enrichment.reuse says why PDQ alone is not enough).
    reuse_identical: bool = True


class VideoSettings(Section):
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


class SignalSettings(Section):
    """Synthetic-media signals. None of them alone ever triggers a takedown."""

    provenance: bool = True  # C2PA, IPTC/XMP DigitalSourceType, EXIF Software, PNG chunks
    c2pa_trust_anchors: Path | None = None  # PEM bundle of trusted C2PA signing roots
    watermark: bool = True  # Stable Diffusion DWT-DCT invisible watermark
    watermark_min_bits: int = 46  # of 48 bits that must agree before a watermark is reported
    forensics: bool = True  # spectral peaks, sharpness/noise mismatch, blend boundary, jitter
    detector_dir: Path | None = None  # ONNX detector slot: a folder with manifest.yaml
    detector_batch: int = 32
    # Signals that read the pixels (watermark, detector, forensics) also for media with no face:
    # off, such media can never match anyone, and the three cost ~65 ms per photo.
    assess_faceless: bool = False


class FaceSettings(Section):
    engine: Literal["yunet-sface", "insightface"] = "yunet-sface"
    insightface_root: Path | None = None  # folder holding the pack, e.g. <root>/models/buffalo_l
    insightface_pack: str = "buffalo_l"
    insightface_checksums: dict[str, str] = Field(default_factory=dict)  # file name -> sha256
    # None: CUDA when available (pip install 'jikimi[gpu]'), else CPU. TensorRT only when listed,
    # e.g. ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
    providers: list[str] | None = None
    # Faces per recognizer run, across images (enrichment batches a round's faces): None picks
    # 16 on CPU (the measured knee on 2 cores) and 128 on a GPU (which wants large batches).
    embed_batch: int | None = Field(default=None, ge=1)
    # The recognizer batch through onnxruntime IO binding; None: on when a GPU provider leads.
    io_binding: bool | None = None
    det_size: int = 640
    min_face_px: int = 24
    det_threshold: float = 0.6
    thresholds: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    cache_dir: Path | None = None  # fixed model files; default <data-dir>/models
    # A brought-in ONNX recognizer: a folder with manifest.yaml and the model (see
    # enrichment/faces/recognizer_manifest.py); it replaces the engine's recognizer and keeps its
    # detector. No registry package ships a recognizer stronger than SFace, so deployers bring one.
    recognizer_dir: Path | None = None

    def threshold_for(self, model_id: str) -> float:
        """`thresholds` when it names the model, else the threshold measured beside a brought-in
        recognizer (thresholds.yaml), else the built-in default."""
        if model_id in self.thresholds:
            return self.thresholds[model_id]
        measured = read_measured(self.recognizer_dir)
        if measured is not None and measured.model_id == model_id:
            return measured.threshold
        return DEFAULT_THRESHOLDS.get(model_id, DEFAULT_THRESHOLD)


class MatchingSettings(Section):
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



class AlertSettings(Section):
    outbox: bool = True  # write every alert to <data-dir>/outbox as JSON + text
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    # "starttls" (default; fails when the server does not offer it), "tls" (implicit, port 465)
    # or "insecure": plaintext, only to a loopback test server and never with a login
    smtp_security: Literal["starttls", "tls", "insecure"] = "starttls"
    smtp_starttls: bool | None = None  # deprecated (one release): use smtp_security
    smtp_from: str = "jikimi@localhost"
    smtp_timeout: float = 20.0
    webhook_secret: SecretStr | None = None
    webhook_timeout: float = 10.0
    # webhook targets only (tests): loopback/private receivers and plain http allowed when set
    webhook_allow_private: bool = False
    max_attempts: int = 5  # failed channel attempts before an alert is marked "failed"
    smtp_ssl: bool | None = None  # deprecated (one release): use smtp_security = "tls"
    smtp_ca_file: Path | None = None  # CA bundle for a private SMTP server's certificate
    support_text: str = (
        "디지털성범죄피해자지원센터 (Korean Digital Sex Crime Victim Support Center): 02-735-8994"
    )

    @model_validator(mode="after")
    def _smtp_security(self) -> AlertSettings:
        """Migrate the deprecated booleans, then refuse plaintext SMTP that could leak."""
        if self.smtp_ssl is not None or self.smtp_starttls is not None:
            if "smtp_security" not in self.model_fields_set:
                self.smtp_security = "tls" if self.smtp_ssl else "starttls"
            logging.getLogger(__name__).warning(
                "alerts.smtp_starttls and alerts.smtp_ssl are deprecated and will be removed in "
                "the next release; using alerts.smtp_security=%s (set that instead; plaintext "
                "is no longer a default)", self.smtp_security)
        problem = smtp_security_problem(self)
        if problem:
            raise ValueError(problem)
        return self


def smtp_security_problem(alerts: AlertSettings) -> str | None:
    """Why these SMTP settings could send mail or a password in plaintext off this machine, or
    None. "insecure" is for a loopback test server only, and never carries credentials."""
    if alerts.smtp_security != "insecure":
        return None
    if alerts.smtp_user or (alerts.smtp_password and alerts.smtp_password.get_secret_value()):
        return ("alerts.smtp_security=insecure cannot be used with a login "
                "(smtp_user/smtp_password): credentials are only ever sent over TLS")
    if alerts.smtp_host and not is_loopback_host(alerts.smtp_host):
        return (f"alerts.smtp_security=insecure is only allowed for a loopback SMTP server, "
                f"not {alerts.smtp_host!r}; use starttls or tls")
    return None


def is_loopback_host(host: str) -> bool:
    """`localhost` or a loopback address literal (127.0.0.0/8, ::1); names are not resolved."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class ReviewSettings(Section):
    """Who sees a hit first. "review_first" (default): a person is alerted only after an operator
    confirms the hit. "strong_direct": hits in the "strong" band alert her at once (and still go
    to review); every other hit waits for an operator. Nobody else is ever alerted unreviewed."""

    policy: Literal["review_first", "strong_direct"] = "review_first"
    # Where "escalate" (a suspected minor) sends its notice: an e-mail address (needs SMTP).
    escalation_email: str | None = None


class SecuritySettings(Section):
    """Where the key for templates, contacts, face embeddings and evidence data keys comes from:
    `template_key`, else `template_key_command` (a program, e.g. a KMS or secret manager's CLI,
    that prints the key: run once per process start, as an argv list without a shell, so the key
    never lies on the data host's disk), else `template_key_file` (outside the data folder: one
    inside it is refused, so a copy of the folder decrypts nothing). Without any of them, a key
    is generated into <data-dir>/keys only when `allow_key_in_data_dir` is set (the demo, tests).
    From the environment the command is JSON: JIKIMI_SECURITY__TEMPLATE_KEY_COMMAND='["vault",
    "kv", "get", "-field=key", "secret/jikimi"]'."""

    template_key: SecretStr | None = None  # a Fernet key (base64 of 32 bytes)
    # argv of a command printing the key (see jikimi.key_command for what it may print)
    template_key_command: list[str] | None = Field(default=None, min_length=1)
    key_command_timeout: float = Field(default=30.0, gt=0)  # seconds for that command
    template_key_file: Path | None = None  # created (mode 0600) on first use
    # During `jikimi keys rotate`: the old key file, so both keys read until rotation ends.
    previous_key_file: Path | None = None
    allow_key_in_data_dir: bool = False


