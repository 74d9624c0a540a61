"""onnxruntime sessions for face models: tuned options, chosen providers, created once per process.

Measured on 2-core machines (see shared notes): with a detector and a recognizer session side by
side, idle intra-op threads that spin fight over the cores, so spinning is turned off (the single
biggest speed-up, 1.5×); full graph optimisation is 1.7× faster than lower levels; parallel
execution mode is 3× slower than sequential. Sessions are expensive (model parsing, graph
optimisation), so they are cached per (model file, providers, threads) and shared; `run` is
thread-safe.

Threads: ORT's default intra-op pool takes every core, right for one process. Enrichment's
data-parallel workers (`enrichment.workers`) call `set_process_threads(1)` first: N processes of
one thread each beat one process of N threads (2.1× vs 1.9× on 2 cores, shared notes).

GPU: with `onnxruntime-gpu` installed (`pip install 'jikimi[gpu]'`), CUDA comes first. cuDNN's
exhaustive algorithm search runs once per new input shape, and the detector's fitted input has a
new shape for most images, so the heuristic search is chosen. TensorRT builds one engine per
input shape, which suits the recognizer (fixed 112×112 crops; one batch profile) and not the
detector, so a session that asks for it to be left out (`tensorrt=False`) never gets it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import onnxruntime as ort

from kernel.errors import ModelError, one_line

CUDA = "CUDAExecutionProvider"
TENSORRT = "TensorrtExecutionProvider"
CPU = "CPUExecutionProvider"
GPU_PROVIDERS = frozenset({CUDA, TENSORRT})

ProviderSpec = str | tuple[str, dict[str, Any]]

_sessions: dict[tuple[object, ...], ort.InferenceSession] = {}
_lock = threading.Lock()
_threads = 0  # 0: onnxruntime's default (one per core)


def set_process_threads(threads: int) -> None:
    """Intra-op threads of every session this process creates from now on (0: ORT's default)."""
    global _threads
    _threads = max(0, int(threads))


def process_threads() -> int:
    return _threads


def resolve_providers(configured: Sequence[str] | None) -> tuple[str, ...]:
    """The configured providers, else CUDA first when this onnxruntime build has it, else CPU.
    TensorRT is never chosen unasked: its engine builds take minutes on first use."""
    if configured:
        return tuple(configured)
    available = ort.get_available_providers()
    return (CUDA, CPU) if CUDA in available else (CPU,)


def on_gpu(providers: Sequence[str]) -> bool:
    """Whether the first provider runs on an NVIDIA GPU (where batches should be large)."""
    return bool(providers) and providers[0] in GPU_PROVIDERS


def session_options(threads: int | None = None) -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    count = _threads if threads is None else threads
    if count > 0:
        options.intra_op_num_threads = count
        options.inter_op_num_threads = 1
    options.log_severity_level = 3  # warnings about unused initializers etc. are noise here
    return options


def provider_specs(providers: Sequence[str], *, tensorrt: bool = True,
                   tensorrt_options: dict[str, Any] | None = None) -> list[ProviderSpec]:
    """`providers` with the options jikimi sets for CUDA and TensorRT (see the docstring)."""
    specs: list[ProviderSpec] = []
    for name in providers:
        if name == CUDA:
            specs.append((CUDA, {"cudnn_conv_algo_search": "HEURISTIC"}))
        elif name == TENSORRT:
            if tensorrt:
                specs.append((TENSORRT, dict(tensorrt_options or {})))
        else:
            specs.append(name)
    return specs


def get_session(model: Path, providers: Sequence[str], *, tensorrt: bool = True,
                tensorrt_options: dict[str, Any] | None = None) -> ort.InferenceSession:
    """A shared session for `model` on `providers`; raises ModelError if it cannot be loaded."""
    specs = provider_specs(providers, tensorrt=tensorrt, tensorrt_options=tensorrt_options)
    key = (str(Path(model).resolve()), repr(specs), _threads)
    with _lock:
        session = _sessions.get(key)
        if session is None:
            try:
                session = ort.InferenceSession(str(key[0]), sess_options=session_options(),
                                               providers=specs)
            except Exception as exc:  # onnxruntime raises its own untyped Fail/InvalidGraph
                raise ModelError(f"cannot load {Path(model).name}: {one_line(exc)}") from None
            _sessions[key] = session
        return session
