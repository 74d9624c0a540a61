"""What a browser needs to run a loaded InsightFace pack itself (issue 16: in-browser enrollment).

The portal's `face.js` reproduces the pack's SCRFD detector and ArcFace-style recognizer on
onnxruntime-web. Everything it must agree on is read here from the objects InsightFace built when
the server loaded the pack (`InsightFaceEngine`), never restated: the input sizes `prepare` chose,
the normalisation SCRFD and ArcFaceONNX apply (ArcFaceONNX decides it by inspecting the graph's
first nodes), the output layout SCRFD inferred from the output count (strides, anchors per cell,
landmarks, batch axis), and the NMS and score thresholds. The files are those the engine loaded,
which `load_pack_app` verified against `faces.insightface_checksums`; their pins travel along so
that the portal serves them only while they still match.

None means the browser cannot reproduce this pack: a detector without landmarks (the server then
finds no usable face either), or a recognizer whose input is not the 112-pixel aligned crop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from enrichment.faces.align import CROP_SIZE
from kernel.settings import FaceSettings


@dataclass(frozen=True)
class PackForBrowser:
    detector: Path
    recognizer: Path
    detector_sha256: str  # the pinned checksums the served bytes must still have
    recognizer_sha256: str
    detector_params: dict[str, Any]  # face.js `detector` config beyond url and sha256
    recognizer_params: dict[str, Any]


def pack_for_browser(detector: Any, recognizer: Any, faces: FaceSettings) -> PackForBrowser | None:
    """The browser's view of a loaded pack: `detector` is InsightFace's SCRFD, `recognizer` its
    ArcFaceONNX, both as `InsightFaceEngine` holds them after `prepare`."""
    if not getattr(detector, "use_kps", False) or tuple(recognizer.input_size) != (
            CROP_SIZE, CROP_SIZE):
        return None
    static = getattr(detector, "static_input_size", None)
    sizes = [static] if static else list(getattr(detector, "input_sizes", None)
                                         or [detector.input_size])
    pins = {name: digest.strip().lower() for name, digest in faces.insightface_checksums.items()}
    det_file, rec_file = Path(detector.model_file), Path(recognizer.model_file)
    if det_file.name not in pins or rec_file.name not in pins:
        return None  # load_pack_app refuses unpinned files; this is only a second look
    strides = [int(s) for s in detector._feat_stride_fpn]
    return PackForBrowser(
        det_file, rec_file, pins[det_file.name], pins[rec_file.name],
        detector_params={
            "kind": "scrfd",
            "input_sizes": [[int(w), int(h)] for w, h in sizes],  # (width, height) each
            "input_mean": float(detector.input_mean), "input_std": float(detector.input_std),
            "strides": strides, "num_anchors": int(detector._num_anchors),
            "output_names": list(detector.output_names), "batched": bool(detector.batched),
            # SCRFD keeps candidates from its det_thresh, InsightFaceDetector from the setting
            "score_threshold": max(float(detector.det_thresh), faces.det_threshold),
            "nms_threshold": float(detector.nms_thresh),
            "min_face_px": faces.min_face_px,
        },
        recognizer_params={
            "input_mean": float(recognizer.input_mean),
            "input_std": float(recognizer.input_std),
            "channels": "rgb",  # get_feat: blobFromImages(swapRB=True) of the BGR aligned crop
        },
    )
