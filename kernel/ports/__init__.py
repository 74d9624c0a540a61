"""Ports: the interfaces that library code depends on; `jikimi.registry` picks the adapters.

Library code takes these as arguments and never imports a concrete backend. One module per
kind of port; everything is re-exported here, so `from kernel.ports import Store` is the way in.
"""

from kernel.ports.admin import IndexAdmin
from kernel.ports.alerts import AlertCopies, AlertMessage, Escalation, Notifier
from kernel.ports.evidence import EvidenceLocker, LockStatus
from kernel.ports.face_index import FaceFeed, FaceIndex, FedFaces, FeedState, IndexedStore
from kernel.ports.faces import BatchFaceEngine, DetectedFace, FaceEngine
from kernel.ports.signals import MediaSignal, SignalInput
from kernel.ports.stores import (
    AccountStore,
    BlobStore,
    CaseStore,
    CrawlMarkStore,
    FaceSearch,
    HitStore,
    MediaStore,
    PdqLookup,
    PersonStore,
    PreferenceStore,
    Reencryptable,
    Store,
    TakedownStore,
)

__all__ = [
    "AccountStore",
    "AlertCopies",
    "AlertMessage",
    "BatchFaceEngine",
    "BlobStore",
    "CaseStore",
    "DetectedFace",
    "Escalation",
    "EvidenceLocker",
    "FaceEngine",
    "FaceFeed",
    "FaceIndex",
    "FaceSearch",
    "FedFaces",
    "FeedState",
    "HitStore",
    "IndexAdmin",
    "IndexedStore",
    "LockStatus",
    "MediaSignal",
    "MediaStore",
    "Notifier",
    "PdqLookup",
    "PersonStore",
    "CrawlMarkStore",
    "PreferenceStore",
    "Reencryptable",
    "SignalInput",
    "Store",
    "TakedownStore",
]
