"""A brought-in recognizer run as its manifest says: align, order, normalise, lay out, batch.

The model is checked against its manifest when the session opens (input rank, size and channels,
output length where the graph states them), so a manifest that describes another model fails at
load time with the field to fix, not later as embeddings that quietly match nobody. Batches follow
the graph: a fixed batch dimension is honoured, a free one takes up to `MAX_BATCH` faces at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from enrichment.faces.align import align_to
from enrichment.faces.recognizer_manifest import RecognizerManifest
from enrichment.faces.sessions import get_session
from enrichment.faces.sface import l2_normalise
from enrichment.onnx_input import pick_node, pixel_tensor
from kernel.errors import ConfigError, ModelError
from kernel.ports import DetectedFace

MAX_BATCH = 16  # a crowd photo must not allocate an unbounded tensor


class ManifestRecognizer:
    """Aligned crops → L2-normalised embeddings of `manifest.output.dims` floats."""

    def __init__(self, manifest: RecognizerManifest, model: Path,
                 providers: Sequence[str]) -> None:
        self.manifest = manifest
        self.session = get_session(model, providers)
        node = pick_node(self.session.get_inputs(), manifest.input.name, "input",
                         f"recognizer {manifest.model_id}")
        output = pick_node(self.session.get_outputs(), manifest.output.name, "output",
                           f"recognizer {manifest.model_id}")
        _check_input(node, manifest)
        _check_output(output, manifest)
        self.input_name, self.output_name = node.name, output.name
        first = node.shape[0]
        self.fixed_batch = isinstance(first, int) and first > 0  # e.g. exported with batch 1
        self.batch = first if self.fixed_batch else MAX_BATCH
        self.template = manifest.template()

    @property
    def dims(self) -> int:
        return self.manifest.output.dims

    def crops(self, rgb: np.ndarray, faces: Sequence[DetectedFace]) -> list[np.ndarray]:
        size = self.manifest.input.size
        return [align_to(rgb, face.landmarks, self.template, size) for face in faces]

    def embed(self, rgb: np.ndarray, faces: Sequence[DetectedFace]) -> np.ndarray:
        """(len(faces), dims) float32 unit vectors of the faces of one RGB uint8 image."""
        return self.embed_crops(self.crops(rgb, faces))

    def embed_crops(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        if not crops:
            return np.zeros((0, self.dims), dtype=np.float32)
        parts = []
        for start in range(0, len(crops), self.batch):
            tensor = to_tensor(crops[start : start + self.batch], self.manifest)
            if self.fixed_batch and len(tensor) < self.batch:  # fill the fixed batch
                padding = np.zeros((self.batch - len(tensor), *tensor.shape[1:]), np.float32)
                tensor = np.concatenate([tensor, padding])
            output = self.session.run([self.output_name], {self.input_name: tensor})[0]
            parts.append(np.asarray(output, dtype=np.float32).reshape(len(tensor), -1))
        vectors = np.concatenate(parts)[: len(crops)]
        if vectors.shape[1] != self.dims:
            raise ModelError(f"recognizer {self.manifest.model_id}: the model gave "
                             f"{vectors.shape[1]} numbers per face, the manifest says "
                             f"output.dims {self.dims}")
        return l2_normalise(vectors)


def to_tensor(crops: Sequence[np.ndarray], manifest: RecognizerManifest) -> np.ndarray:
    """A float32 batch of RGB uint8 crops: channel-ordered, (pixel · scale − mean) / std."""
    return pixel_tensor(np.stack(crops), manifest.input)


def _check_input(node: Any, manifest: RecognizerManifest) -> None:
    spec = manifest.input
    if node.type != "tensor(float)":
        raise ConfigError(f"recognizer {manifest.model_id}: input: the model's input {node.name} "
                          f"is {node.type}; jikimi feeds float32")
    shape = list(node.shape)
    expected = [3, spec.size, spec.size] if spec.layout == "NCHW" else [spec.size, spec.size, 3]
    if len(shape) != 4 or any(isinstance(have, int) and have != want
                              for have, want in zip(shape[1:], expected, strict=True)):
        raise ConfigError(f"recognizer {manifest.model_id}: input: the model's input "
                          f"{node.name} has shape {shape}; the manifest describes "
                          f"N×{'×'.join(map(str, expected))} ({spec.layout}, size {spec.size})")


def _check_output(node: Any, manifest: RecognizerManifest) -> None:
    rest = list(node.shape)[1:]
    static = bool(rest) and all(isinstance(d, int) for d in rest)
    if static and int(np.prod(rest)) != manifest.output.dims:
        raise ConfigError(f"recognizer {manifest.model_id}: output.dims: the model's output "
                          f"{node.name} has shape {list(node.shape)}, not "
                          f"{manifest.output.dims} numbers per face")
