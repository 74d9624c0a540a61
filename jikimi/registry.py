"""The registry: the one place where settings choose concrete backends (the composition root).

Every backend kind has a table here, keyed by a setting's name or a URI's scheme, the way Scrapy
picks feed and file stores by scheme:

| kind | chosen by | adapters |
| --- | --- | --- |
| store | `store.backend` | `sqlite`, `elasticsearch` |
| blob store | the URI's scheme (`blobs.uri`) | `file` (and bare paths), `memory`, `s3` |
| evidence locker | the URI's scheme (`evidence.uri`) | `s3` (Object Lock), else a blob store |
| face engine | `faces.engine` | `yunet-sface`, `insightface` |
| face recognizer | `faces.recognizer_dir` | a manifest's ONNX model, the engine's detector |
| browser face models | `faces.engine` | `yunet-sface`'s fixed files; none for the others |
| face search | the store, `index.backend` | the store's own (Elasticsearch kNN), else `int8` |
| signals | `signals.*` switches | provenance, watermark, detector, forensics |
| notifiers | `alerts.*` | outbox, smtp, webhook |
| escalation | `review.escalation_email` | e-mail |
| index admin | `store.backend` | `elasticsearch` (`jikimi es …`, `jikimi kibana export`) |

Adding an adapter is one module in its pipeline package and one line in a table here. Each
factory imports its adapter when called, so an unused backend's libraries (boto3, the
Elasticsearch client, InsightFace) are never loaded. Nothing below this module names an adapter:
library code takes ports (`kernel.ports`) and its own settings section.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse
from urllib.request import url2pathname

from enrichment.signals.suite import SignalSuite
from jikimi import keyring
from kernel.errors import ConfigError
from kernel.ports import (
    AlertCopies,
    BlobStore,
    Escalation,
    EvidenceLocker,
    FaceEngine,
    FaceIndex,
    FaceSearch,
    IndexAdmin,
    IndexedStore,
    MediaSignal,
    Notifier,
    Store,
)
from kernel.settings import FaceSettings, Settings, SignalSettings, get_settings
from search.crypto import TemplateCipher
from search.evidence.sealed import SealedEvidenceLocker

if TYPE_CHECKING:
    from enrichment.workers import EnrichTools
    from search.blobs.s3 import S3BlobStore

T = TypeVar("T")


# ------------------------------------------------------------------------------------ stores ---
def open_cipher(settings: Settings) -> TemplateCipher:
    return keyring.open_cipher(settings)


def _sqlite_store(settings: Settings, cipher: TemplateCipher) -> Store:
    from search.sqlite.store import SqliteStore

    settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteStore(settings.sqlite_path, cipher)


def _elastic_store(settings: Settings, cipher: TemplateCipher) -> Store:
    from search.elastic.store import ElasticStore

    return ElasticStore.open(settings.elasticsearch, cipher)


STORES: dict[str, Callable[[Settings, TemplateCipher], Store]] = {
    "sqlite": _sqlite_store,
    "elasticsearch": _elastic_store,
}


def open_store(settings: Settings, cipher: TemplateCipher | None = None) -> Store:
    """The store; `cipher` replaces the configured key (`jikimi keys rotate` reads with both)."""
    return _choose(STORES, settings.store.backend, "store backend")(
        settings, cipher or open_cipher(settings))


def _int8_index(settings: Settings, store: IndexedStore, fresh: bool) -> FaceIndex:
    from search.faceindex.catch_up import SyncOptions
    from search.faceindex.face_search import IndexedFaceSearch
    from search.faceindex.index import Int8FaceIndex

    index = settings.index
    options = SyncOptions(index.block_rows, index.compact_fraction)
    if getattr(store, "path", None) == ":memory:":  # nothing on disk: built in memory each time
        return IndexedFaceSearch(Int8FaceIndex(None, None, options, index.threads), store)
    cipher = open_cipher(settings) if index.at_rest == "sealed" else None
    folder = settings.face_index_dir.resolve()
    key = (folder, index.at_rest, cipher.block_key_id if cipher else None, options,
           index.threads)
    def load() -> Int8FaceIndex:
        return Int8FaceIndex(folder, cipher, options, index.threads)

    return IndexedFaceSearch(load() if fresh else _cached(_indexes, key, load), store)


FACE_INDEXES: dict[str, Callable[[Settings, IndexedStore, bool], FaceIndex]] = {
    "int8": _int8_index,
}


def open_face_index(settings: Settings, store: IndexedStore, *,
                    fresh: bool = False) -> FaceIndex | None:
    """The face index `index.backend` names over a store with a face feed (None for "none"):
    loaded once per process, or anew with `fresh` (benchmarks time the loading)."""
    make = FACE_INDEXES.get(settings.index.backend)
    return None if make is None else make(settings, store, fresh)


def open_face_search(settings: Settings, store: Store) -> FaceSearch | None:
    """How retroactive matching finds stored faces near new templates: the store's own search
    when it has one (Elasticsearch), else the face index `index.backend` names over a store with
    a face feed (SQLite), else None, and matching scans every face."""
    if isinstance(store, FaceSearch):
        return store
    return open_face_index(settings, store) if isinstance(store, IndexedStore) else None


# ------------------------------------------------------------------------------- blob stores ---
def _local_blobs(uri: str, settings: Settings) -> BlobStore:
    from search.blobs.local import LocalBlobStore

    parsed = urlparse(uri)
    return LocalBlobStore(url2pathname(parsed.path) if parsed.scheme else uri)


def _memory_blobs(uri: str, settings: Settings) -> BlobStore:
    from search.blobs.memory import MemoryBlobStore

    return MemoryBlobStore.named(urlparse(uri).netloc or "default")


def _s3_blobs(uri: str, settings: Settings, *, object_lock: bool = False) -> S3BlobStore:
    from search.blobs.s3 import S3BlobStore
    from search.blobs.s3_client import ensure_bucket, make_client, parse_s3_uri, transfer_config

    location = parse_s3_uri(uri)
    client = make_client(settings.s3)
    if settings.s3.create_buckets:
        ensure_bucket(client, location.bucket, object_lock=object_lock)
    return S3BlobStore(client, location, transfer_config(settings.s3))


BLOB_STORES: dict[str, Callable[[str, Settings], BlobStore]] = {
    "": _local_blobs,
    "file": _local_blobs,
    "memory": _memory_blobs,
    "s3": _s3_blobs,
}


def open_blobs(settings: Settings) -> BlobStore:
    return open_blob_uri(settings.blob_uri, settings)


def open_blob_uri(uri: str, settings: Settings | None = None) -> BlobStore:
    """The blob store a URI names; `s3://` ones connect with `settings.s3` (default: env)."""
    scheme = urlparse(uri).scheme
    if scheme not in BLOB_STORES:
        raise ConfigError(f"unsupported blob store URI scheme: {scheme!r} in {uri}")
    return BLOB_STORES[scheme](uri, settings or get_settings())


def open_crawl_sinks(settings: Settings) -> tuple[Store, BlobStore]:
    """The store and blob store a crawl writes to (called in the crawler's own process)."""
    return open_store(settings), open_blobs(settings)


# -------------------------------------------------------------------------- evidence lockers ---
def _local_locker(uri: str, settings: Settings) -> EvidenceLocker:
    from search.evidence.local_locker import LocalEvidenceLocker

    return LocalEvidenceLocker(open_blob_uri(uri, settings))


def _s3_locker(uri: str, settings: Settings) -> EvidenceLocker:
    from search.evidence.s3_locker import S3EvidenceLocker

    return S3EvidenceLocker(_s3_blobs(uri, settings, object_lock=True), settings.evidence)


# Any other scheme is a blob store URI holding unlocked evidence (a local folder by default).
EVIDENCE_LOCKERS: dict[str, Callable[[str, Settings], EvidenceLocker]] = {
    "s3": _s3_locker,
}


def open_evidence(settings: Settings,
                  cipher: TemplateCipher | None = None) -> SealedEvidenceLocker:
    """The evidence locker: S3 with Object Lock for `s3://`, a local folder (no lock) otherwise;
    either holds only ciphertext, each object under its own data key (envelope encryption)."""
    uri = settings.evidence_uri
    locker = EVIDENCE_LOCKERS.get(urlparse(uri).scheme, _local_locker)(uri, settings)
    keys_uri = settings.evidence.data_keys_uri or (
        settings.data_dir / "evidence-keys").resolve().as_uri()
    return SealedEvidenceLocker(locker, open_blob_uri(keys_uri, settings),
                                cipher or open_cipher(settings))


# ------------------------------------------------------------------------------ face engines ---
def _yunet_sface(faces: FaceSettings, model_cache_dir: Path) -> FaceEngine:
    from enrichment.faces.yunet_sface import YuNetSFaceEngine

    return YuNetSFaceEngine(faces, model_cache_dir)


def _insightface(faces: FaceSettings, model_cache_dir: Path) -> FaceEngine:
    from enrichment.faces.insightface_engine import InsightFaceEngine

    return InsightFaceEngine(faces)


FACE_ENGINES: dict[str, Callable[[FaceSettings, Path], FaceEngine]] = {
    "yunet-sface": _yunet_sface,
    "insightface": _insightface,
}


def _manifest_engine(faces: FaceSettings, model_cache_dir: Path) -> FaceEngine:
    from enrichment.faces.manifest_engine import load_manifest_engine

    return load_manifest_engine(faces, model_cache_dir)


@dataclass(frozen=True)
class EngineKey:
    """What a loaded engine depends on (thresholds are applied later and do not count)."""

    engine: str
    providers: tuple[str, ...] | None
    det_size: int
    min_face_px: int
    det_threshold: float
    model_cache_dir: Path
    insightface_root: str | None
    insightface_pack: str
    insightface_checksums: tuple[tuple[str, str], ...]
    recognizer_dir: Path | None
    embed_batch: int | None
    io_binding: bool | None

    @classmethod
    def of(cls, faces: FaceSettings, model_cache_dir: Path) -> EngineKey:
        return cls(
            faces.engine, None if faces.providers is None else tuple(faces.providers),
            faces.det_size, faces.min_face_px, faces.det_threshold, model_cache_dir.resolve(),
            None if faces.insightface_root is None else str(faces.insightface_root),
            faces.insightface_pack, tuple(sorted(faces.insightface_checksums.items())),
            _resolved(faces.recognizer_dir),
            faces.embed_batch, faces.io_binding,
        )


def open_face_engine(settings: Settings) -> FaceEngine:
    """The configured face engine, loaded once per distinct configuration."""
    faces = settings.faces
    build = _choose(FACE_ENGINES, faces.engine, "face engine")
    if faces.recognizer_dir is not None:  # the engine's detector, the manifest's recognizer
        build = _manifest_engine
    key = EngineKey.of(faces, settings.model_cache_dir)
    return _cached(_engines, key, lambda: build(faces, settings.model_cache_dir))


@dataclass(frozen=True)
class BrowserFaceModels:
    """The model files a browser needs to run the configured engine itself (issue 16: the
    portal's in-browser enrollment, `jikimi.portal.face_models`)."""

    model_id: str
    dims: int
    detector: Path  # YuNet fixed as the server loads it, or the pack's SCRFD
    recognizer: Path  # SFace idem, or the pack's recognizer
    # an InsightFace pack: the pinned SHA-256 the files must still have, and what face.js
    # needs to run them (`enrichment.faces.insightface_browser`); the defaults mean YuNet + SFace
    detector_sha256: str | None = None
    recognizer_sha256: str | None = None
    detector_params: dict[str, Any] | None = None
    recognizer_params: dict[str, Any] | None = None


def browser_face_models(settings: Settings) -> BrowserFaceModels | None:
    """The configured engine's files for the browser, or None when it runs on the server only
    (a brought-in recognizer, a pack face.js cannot reproduce)."""
    faces = settings.faces
    if faces.recognizer_dir is not None:
        return None
    if faces.engine == "insightface":
        return _browser_pack(settings)
    if faces.engine != "yunet-sface":
        return None
    from enrichment.faces.model_fix import fixed_sface, fixed_yunet
    from enrichment.faces.yunet_sface import MODEL_ID, YuNetSFaceEngine

    cache = settings.model_cache_dir
    return BrowserFaceModels(MODEL_ID, YuNetSFaceEngine.dims, fixed_yunet(cache),
                             fixed_sface(cache))


def _browser_pack(settings: Settings) -> BrowserFaceModels | None:
    from enrichment.faces.insightface_browser import pack_for_browser
    from enrichment.faces.insightface_engine import InsightFaceEngine

    engine = open_face_engine(settings)  # loads (and checksum-verifies) the pack once
    if not isinstance(engine, InsightFaceEngine):
        return None
    pack = pack_for_browser(engine.detector.detector, engine.recognizer, settings.faces)
    if pack is None:
        return None
    return BrowserFaceModels(engine.model_id, engine.dims, pack.detector, pack.recognizer,
                             pack.detector_sha256, pack.recognizer_sha256,
                             pack.detector_params, pack.recognizer_params)


@dataclass(frozen=True)
class FaceModel:
    """The configured recognizer's model id and embedding length, as templates record them."""

    model_id: str
    dims: int


_face_models: dict[Hashable, FaceModel] = {}


def face_model(settings: Settings) -> FaceModel:
    """Which model the configured engine embeds with, without loading it where that can be
    read from files alone (the default engine's constants, a recognizer's manifest): checking
    templates computed on her device needs the id and length, not a loaded ONNX session."""
    faces = settings.faces
    key = EngineKey.of(faces, settings.model_cache_dir)
    if faces.recognizer_dir is not None:
        from enrichment.faces.recognizer_manifest import load_recognizer_manifest

        def from_manifest() -> FaceModel:
            manifest, _ = load_recognizer_manifest(faces.recognizer_dir)  # type: ignore[arg-type]
            return FaceModel(manifest.model_id, manifest.output.dims)

        return _cached(_face_models, key, from_manifest)
    if faces.engine == "yunet-sface":
        from enrichment.faces.sface import EMBEDDING_DIMS
        from enrichment.faces.yunet_sface import MODEL_ID

        return FaceModel(MODEL_ID, EMBEDDING_DIMS)
    engine = open_face_engine(settings)  # a pack tells its output length only once loaded
    return FaceModel(engine.model_id, engine.dims)


def open_enrichment_tools(settings: Settings) -> EnrichTools:
    """Engine, signals and store for an enrichment worker process (`enrichment.workers`): the
    stage gets `functools.partial(open_enrichment_tools, settings)`, which pickles."""
    from enrichment.workers import EnrichTools

    return EnrichTools(open_face_engine(settings), open_signal_suite(settings),
                       open_store(settings))


# ----------------------------------------------------------------------------------- signals ---
def _provenance(signals: SignalSettings, providers: list[str] | None) -> MediaSignal | None:
    from enrichment.signals.provenance import ProvenanceSignal

    return ProvenanceSignal(signals) if signals.provenance else None


def _watermark(signals: SignalSettings, providers: list[str] | None) -> MediaSignal | None:
    from enrichment.signals.watermark import WatermarkSignal

    return WatermarkSignal(signals) if signals.watermark else None


def _detector(signals: SignalSettings, providers: list[str] | None) -> MediaSignal | None:
    if signals.detector_dir is None:
        return None
    from enrichment.signals.detector import load_detector

    return load_detector(signals, providers)


def _forensics(signals: SignalSettings, providers: list[str] | None) -> MediaSignal | None:
    from enrichment.signals.forensics import ForensicSignal

    return ForensicSignal(signals) if signals.forensics else None


# In the order they run; each returns None when its switch is off.
SIGNALS: dict[str, Callable[[SignalSettings, list[str] | None], MediaSignal | None]] = {
    "provenance": _provenance,
    "watermark": _watermark,
    "detector": _detector,
    "forensics": _forensics,
}


@dataclass(frozen=True)
class SuiteKey:
    """What a loaded signal suite depends on: every `signals.*` value (paths resolved, as the
    loaders open them) and, only when a detector is installed, the providers its ONNX session
    runs on (no other signal uses them, so changing them does not reload the suite)."""

    provenance: bool
    c2pa_trust_anchors: Path | None
    watermark: bool
    watermark_min_bits: int
    forensics: bool
    detector_dir: Path | None
    detector_batch: int
    assess_faceless: bool
    providers: tuple[str, ...] | None

    @classmethod
    def of(cls, signals: SignalSettings, providers: list[str] | None) -> SuiteKey:
        detector = signals.detector_dir
        return cls(
            signals.provenance, _resolved(signals.c2pa_trust_anchors), signals.watermark,
            signals.watermark_min_bits, signals.forensics, _resolved(detector),
            signals.detector_batch, signals.assess_faceless,
            None if providers is None or detector is None else tuple(providers),
        )


def open_signal_suite(settings: Settings) -> SignalSuite:
    """The enabled synthetic-media signals, loaded once per distinct `SuiteKey` (a detector
    holds an ONNX session on the face engine's providers)."""
    signals, providers = settings.signals, settings.faces.providers
    key = SuiteKey.of(signals, providers)

    def load() -> SignalSuite:
        found = (make(signals, providers) for make in SIGNALS.values())
        return SignalSuite([signal for signal in found if signal is not None],
                           assess_faceless=signals.assess_faceless)

    return _cached(_suites, key, load)


# --------------------------------------------------------------------------------- notifiers ---
def _outbox(settings: Settings) -> Notifier | None:
    from jikimi.alerts.outbox import OutboxNotifier

    return OutboxNotifier(settings.outbox_dir) if settings.alerts.outbox else None


def _smtp(settings: Settings) -> Notifier | None:
    from jikimi.alerts.smtp import SmtpNotifier

    return SmtpNotifier(settings.alerts) if settings.alerts.smtp_host else None


def _webhook(settings: Settings) -> Notifier | None:
    from jikimi.alerts.webhook import WebhookNotifier

    return WebhookNotifier(settings)  # `wants` keeps it to people who gave a webhook


def open_outbox(settings: Settings) -> AlertCopies:
    """The outbox folder's alert copies (also when `alerts.outbox` is now off: old copies
    still expire)."""
    from jikimi.alerts.outbox import OutboxNotifier

    return OutboxNotifier(settings.outbox_dir)


def open_escalation(settings: Settings) -> Escalation:
    """Where "escalate" sends its notice; ConfigError when no escalation contact is set up."""
    from jikimi.alerts.escalation import EmailEscalation

    return EmailEscalation(settings.alerts, settings.review.escalation_email)


NOTIFIERS: dict[str, Callable[[Settings], Notifier | None]] = {
    "outbox": _outbox,
    "smtp": _smtp,
    "webhook": _webhook,
}


def open_notifiers(settings: Settings) -> list[Notifier]:
    """Outbox (if `alerts.outbox`), e-mail (if `alerts.smtp_host`), webhook (`wants` filters)."""
    found = (make(settings) for make in NOTIFIERS.values())
    return [notifier for notifier in found if notifier is not None]


# ------------------------------------------------------------------------------- index admin ---
def _elastic_admin(settings: Settings) -> IndexAdmin:
    from search.elastic.admin import ElasticIndexAdmin

    return ElasticIndexAdmin(settings.elasticsearch, lambda: open_cipher(settings))


INDEX_ADMINS: dict[str, Callable[[Settings], IndexAdmin]] = {
    "elasticsearch": _elastic_admin,
}


def open_index_admin(settings: Settings) -> IndexAdmin:
    """Schema migration, status and dashboards of the search index (Elasticsearch), whatever
    `store.backend` is: an operator may prepare the indices before switching the store over."""
    return INDEX_ADMINS["elasticsearch"](settings)


# ----------------------------------------------------------------------------------- helpers ---
_engines: dict[Hashable, Any] = {}
_indexes: dict[Hashable, Any] = {}  # one loaded face index per folder, key and options
_suites: dict[Hashable, Any] = {}
_lock = threading.Lock()


def _cached(cache: dict[Hashable, Any], key: Hashable, load: Callable[[], T]) -> T:
    with _lock:
        if key not in cache:
            cache[key] = load()
        value: T = cache[key]
        return value


def _resolved(path: Path | None) -> Path | None:
    return None if path is None else path.resolve()


def _choose(table: dict[str, T], name: str, what: str) -> T:
    try:
        return table[name]
    except KeyError:
        raise ConfigError(f"unknown {what}: {name}") from None

