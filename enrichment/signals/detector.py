"""The pluggable ONNX synthetic-media detector: runs an operator-installed model, says what it is.

No pretrained detector is both good and freely licensed, and detectors age fast, so jikimi ships
a slot rather than a model: an operator points `signals.detector_dir` at a folder with an ONNX
file and a manifest (see :mod:`enrichment.signals.detector_manifest`). The signal crops faces (or
takes whole frames) as the manifest says, runs them in batches on the configured providers, and
reports the highest and mean fake score over the media. An uncalibrated detector's number only
ranks media; the evidence says so plainly and never calls it a probability.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from enrichment.faces.sessions import get_session, resolve_providers
from enrichment.onnx_input import pick_node
from enrichment.signals.detector_inputs import face_crops, to_tensor
from enrichment.signals.detector_manifest import DetectorManifest, load_manifest
from kernel.errors import ConfigError, ModelError
from kernel.ports import SignalInput
from kernel.records import Evidence
from kernel.settings import SignalSettings


class OnnxSession(Protocol):
    """The part of onnxruntime.InferenceSession the detector uses."""

    def run(self, output_names: list[str], input_feed: dict[str, np.ndarray]) -> list[Any]: ...

    def get_inputs(self) -> list[Any]: ...

    def get_outputs(self) -> list[Any]: ...


class DetectorSignal:
    """jikimi MediaSignal that scores face crops and/or frames with a manifest-described model."""

    name = "detector"
    score_basis = "detector"  # the strongest basis it can give (signals.suite)

    def __init__(self, manifest: DetectorManifest, session: OnnxSession, batch: int = 32) -> None:
        if batch < 1:
            raise ConfigError(f"signals.detector_batch must be at least 1, not {batch}")
        self.manifest = manifest
        self.session = session
        model_input = pick_node(session.get_inputs(), manifest.input.name, "input",
                                f"detector {manifest.label}")
        model_output = pick_node(session.get_outputs(), manifest.output.name, "output",
                                 f"detector {manifest.label}")
        _check_input(model_input, manifest)
        self.input_name: str = model_input.name
        self.output_name: str = model_output.name
        fixed = model_input.shape[0]
        self.fixed_batch = fixed if isinstance(fixed, int) and fixed > 0 else None
        self.batch = self.fixed_batch or batch

    def assess(self, subject: SignalInput) -> list[Evidence]:
        manifest = self.manifest
        images: list[np.ndarray] = []
        if manifest.applies_to in ("face", "both"):
            images += face_crops(subject.frames, subject.faces, manifest.face_margin)
        n_faces = len(images)
        if manifest.applies_to in ("image", "both"):
            images += [frame.rgb for frame in subject.frames]
        if not images:
            return []
        scores = self.fake_scores(images)
        return [self._evidence(scores, n_faces, len(images) - n_faces)]

    def fake_scores(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """Per image: calibrated probability if the manifest calibrates, else the raw 0–1 score."""
        raw = self._raw_fake(images)
        calibration = self.manifest.calibration
        if calibration is not None:
            return np.clip(calibration.apply(raw), 0.0, 1.0)
        if self.manifest.output.meaning == "logit_fake":
            return 1.0 / (1.0 + np.exp(-raw))
        return np.clip(raw, 0.0, 1.0)

    def _raw_fake(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """The model's fake output per image in its own units (the calibration's input)."""
        column = self.manifest.output.index
        values: list[np.ndarray] = []
        for start in range(0, len(images), self.batch):
            chunk = images[start:start + self.batch]
            tensor = to_tensor(chunk, self.manifest.input)
            if self.fixed_batch is not None and len(chunk) < self.fixed_batch:
                padding = np.zeros((self.fixed_batch - len(chunk), *tensor.shape[1:]), np.float32)
                tensor = np.concatenate([tensor, padding])
            output = np.asarray(self.session.run([self.output_name], {self.input_name: tensor})[0])
            rows = output.reshape(output.shape[0], -1) if output.ndim else output.reshape(1, 1)
            if rows.shape[0] < len(chunk) or rows.shape[1] <= column:
                raise ModelError(f"detector {self.manifest.label}: output {self.output_name} "
                                 f"has shape {list(output.shape)}, no column {column}")
            values.append(rows[: len(chunk), column].astype(np.float64))
        raw = np.concatenate(values)
        if not np.all(np.isfinite(raw)):
            raise ModelError(f"detector {self.manifest.label} returned non-finite scores")
        return 1.0 - raw if self.manifest.output.meaning == "p_real" else raw

    def _evidence(self, scores: np.ndarray, n_faces: int, n_frames: int) -> Evidence:
        manifest = self.manifest
        top, mean, n = float(scores.max()), float(scores.mean()), len(scores)
        what = _inputs_phrase(n_faces, n_frames)
        if manifest.calibration is not None:
            method = manifest.calibration.describe()
            explanation = (
                f"Detector {manifest.label}: calibrated probability {top:.2f} ({method}) that "
                f"the most suspicious of {what} is synthetic; a detector can be wrong and never "
                "decides a takedown alone."
            )
        else:
            method = "none"
            explanation = (
                f"Detector {manifest.label} rates the most suspicious of {what} at {top:.2f}: "
                "an uncalibrated ranking number, not a probability that the media is fake."
            )
        value = {
            "max": round(top, 4), "mean": round(mean, 4), "n": n,
            "faces": n_faces, "frames": n_frames, "model": manifest.label,
            "calibrated": manifest.calibrated, "calibration": method,
            "licence": manifest.licence, "model_card": manifest.model_card,
        }
        return Evidence(kind="detector", name=f"detector:{manifest.name}", value=value,
                        explanation=explanation, synthetic=None, score=top)


def load_detector(
    signals: SignalSettings, providers: Sequence[str] | None
) -> DetectorSignal | None:
    """The detector installed in `signals.detector_dir` on `providers` (None: the best available),
    or None when no slot is configured."""
    folder = signals.detector_dir
    if folder is None:
        return None
    manifest, model = load_manifest(folder)
    session = get_session(model, resolve_providers(providers))
    return DetectorSignal(manifest, session, batch=signals.detector_batch)


def _inputs_phrase(n_faces: int, n_frames: int) -> str:
    parts = [f"{count} {noun}{'' if count == 1 else 's'}"
             for count, noun in ((n_faces, "face crop"), (n_frames, "frame")) if count]
    return " and ".join(parts)


def _check_input(node: Any, manifest: DetectorManifest) -> None:
    spec = manifest.input
    if node.type != "tensor(float)":
        raise ConfigError(f"detector {manifest.label}: input: the model's input {node.name} is "
                          f"{node.type}; the slot feeds float32")
    shape = list(node.shape)
    expected = [3, spec.height, spec.width] if spec.layout == "NCHW" else \
        [spec.height, spec.width, 3]
    if len(shape) != 4 or any(isinstance(have, int) and have != want
                              for have, want in zip(shape[1:], expected, strict=True)):
        raise ConfigError(f"detector {manifest.label}: input: the model's input {node.name} has "
                          f"shape {shape}; the manifest describes N×{'×'.join(map(str, expected))}")
