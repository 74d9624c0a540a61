"""onnxruntime sessions for face models: tuned options, chosen providers, created once per process.

Measured on 2-core machines (see shared notes): with a detector and a recognizer session side by
side, idle intra-op threads that spin fight over the cores, so spinning is turned off (the single
biggest speed-up, 1.5×); full graph optimisation is 1.7× faster than lower levels; parallel
execution mode is 3× slower than sequential. Sessions are expensive (model parsing, graph
optimisation), so they are cached per (model file, providers) and shared; `run` is thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import onnxruntime as ort

from kernel.errors import ModelError, one_line

_CUDA = "CUDAExecutionProvider"
_CPU = "CPUExecutionProvider"

_sessions: dict[tuple[str, tuple[str, ...]], ort.InferenceSession] = {}
_lock = threading.Lock()


def resolve_providers(configured: Sequence[str] | None) -> tuple[str, ...]:
    """The configured providers, else CUDA first when this onnxruntime build has it, else CPU."""
    if configured:
        return tuple(configured)
    available = ort.get_available_providers()
    return (_CUDA, _CPU) if _CUDA in available else (_CPU,)


def session_options() -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # warnings about unused initializers etc. are noise here
    return options


def get_session(model: Path, providers: Sequence[str]) -> ort.InferenceSession:
    """A shared session for `model` on `providers`; raises ModelError if it cannot be loaded."""
    key = (str(Path(model).resolve()), tuple(providers))
    with _lock:
        session = _sessions.get(key)
        if session is None:
            try:
                session = ort.InferenceSession(key[0], sess_options=session_options(),
                                               providers=list(providers))
            except Exception as exc:  # onnxruntime raises its own untyped Fail/InvalidGraph
                raise ModelError(f"cannot load {Path(model).name}: {one_line(exc)}") from None
            _sessions[key] = session
        return session
