"""SFace recognizer: aligned 112×112 RGB crops → L2-normalised 128-d float32 embeddings, batched.

The graph normalises pixels itself ((x − 127.5) / 128), so crops go in as raw 0–255 RGB floats,
exactly what OpenCV's `FaceRecognizerSF.feature` feeds it. The fixed model has a free batch
dimension, so the faces of one image, or of several (`FaceEngine.embed_many`), run as one batch;
batches are capped (`faces.embed_batch`) so that a crowd photo does not allocate an unbounded
tensor. On a GPU the batch goes through IO binding (`faces.io_binding`): the input is copied to
the device once and the output is bound there, instead of onnxruntime staging both per run. IO
binding works on the CPU provider too, which is how the path is tested without a GPU.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort

from enrichment.faces.align import CROP_SIZE
from enrichment.faces.sessions import TENSORRT, get_session, on_gpu

EMBEDDING_DIMS = 128
CPU_BATCH = 16  # measured: 16 is the knee on 2 cores (1 → 16 faces: 26 → 20 ms per face)
GPU_BATCH = 128


def default_batch(providers: Sequence[str]) -> int:
    return GPU_BATCH if on_gpu(providers) else CPU_BATCH


class SFaceEmbedder:
    def __init__(self, model: Path, providers: Sequence[str], *, max_batch: int | None = None,
                 io_binding: bool | None = None) -> None:
        self.max_batch = max_batch or default_batch(providers)
        # TensorRT needs a batch profile naming the input: read the name off a session without it
        self.session = get_session(model, providers, tensorrt=False)
        self.input_name = self.session.get_inputs()[0].name
        if TENSORRT in providers:
            self.session = get_session(model, providers,
                                       tensorrt_options=self._tensorrt_options(model))
        self.output_name = self.session.get_outputs()[0].name
        # what the session really runs on: an unusable CUDA install falls back to the CPU
        gpu = on_gpu(self.session.get_providers())
        self.io_binding = gpu if io_binding is None else io_binding
        self.device = "cuda" if gpu else "cpu"

    def _tensorrt_options(self, model: Path) -> dict[str, str]:
        shape = f"{self.input_name}:{{}}x3x{CROP_SIZE}x{CROP_SIZE}"
        return {"trt_profile_min_shapes": shape.format(1),
                "trt_profile_max_shapes": shape.format(self.max_batch),
                "trt_profile_opt_shapes": shape.format(self.max_batch),
                "trt_engine_cache_enable": "True",
                "trt_engine_cache_path": str(model.parent / "tensorrt")}

    def embed(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """(len(crops), 128) float32 unit vectors for (112, 112, 3) uint8 RGB aligned crops."""
        if not crops:
            return np.zeros((0, EMBEDDING_DIMS), dtype=np.float32)
        for crop in crops:
            if crop.shape != (CROP_SIZE, CROP_SIZE, 3):
                raise ValueError(f"SFace needs {CROP_SIZE}x{CROP_SIZE} RGB crops, got {crop.shape}")
        parts = []
        for start in range(0, len(crops), self.max_batch):
            batch = np.stack(crops[start : start + self.max_batch]).astype(np.float32)
            blob = np.ascontiguousarray(batch.transpose(0, 3, 1, 2))
            parts.append(self._bound(blob) if self.io_binding else self._plain(blob))
        return l2_normalise(np.concatenate(parts).astype(np.float32))

    def _plain(self, blob: np.ndarray) -> np.ndarray:
        return np.asarray(self.session.run([self.output_name], {self.input_name: blob})[0])

    def _bound(self, blob: np.ndarray) -> np.ndarray:
        binding = self.session.io_binding()
        binding.bind_ortvalue_input(self.input_name,
                                    ort.OrtValue.ortvalue_from_numpy(blob, self.device, 0))
        binding.bind_output(self.output_name, self.device)
        self.session.run_with_iobinding(binding)
        return np.asarray(binding.copy_outputs_to_cpu()[0])


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def split_rows(vectors: np.ndarray, counts: Sequence[int]) -> list[np.ndarray]:
    """`vectors` cut into consecutive blocks of `counts` rows (copies, so each owns its memory)."""
    bounds = np.cumsum([0, *counts])
    return [vectors[a:b].copy() for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

