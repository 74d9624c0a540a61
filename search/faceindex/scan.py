"""One integer matrix product per block: faces' uint8 codes (q + 128) × int8 template codes.

onnxruntime's `MatMulInteger` (a one-node graph built here, no model file, with the faces' zero
point 128) runs it on u8 × s8 GEMM kernels: 1M × 128 faces against 3 templates (6 code
columns) in 0.03-0.05 s on 2 cores, where numpy has to widen the block to float32 first
(~0.4 s). CPUs without VNNI run u8 × s8 through 16-bit pair sums that can saturate, which would
break the index's error bound: so the session is first checked on the worst case, and numpy
(exact: sums of 128 products of 8-bit values fit float32's 24-bit mantissa) answers when it is
not exact, or when onnxruntime cannot load.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


class IntegerProduct:
    """`product(faces int8 (n, d), queries int8 (d, k)) -> int32 (n, k)`."""

    def __init__(self, threads: int = 0) -> None:
        self._threads = threads
        self._session: Any = None
        self._lock = threading.Lock()
        self._numpy_only = False

    def __call__(self, faces: np.ndarray, queries: np.ndarray) -> np.ndarray:
        """(faces uint8 (n, d) − 128) · queries int8 (d, k), exactly, as int32 (n, k)."""
        session = self._open()
        if session is None:
            return numpy_product(faces, queries)
        result: np.ndarray = session.run(None, {"a": faces, "b": queries})[0]
        return result

    @property
    def engine(self) -> str:
        return "numpy" if self._open() is None else "onnxruntime"

    def _open(self) -> Any:
        with self._lock:
            if self._session is None and not self._numpy_only:
                try:
                    self._session = _session(self._threads)
                    _check_exact(self._session)
                except Exception as exc:  # noqa: BLE001 - any failure means: use numpy
                    log.warning("onnxruntime MatMulInteger not usable (%s); scanning with numpy",
                                exc)
                    self._session = None
                    self._numpy_only = True
            return self._session


def numpy_product(faces: np.ndarray, queries: np.ndarray) -> np.ndarray:
    widened = faces.astype(np.float32)
    widened -= 128
    return (widened @ queries.astype(np.float32)).astype(np.int32)


def _check_exact(session: Any) -> None:
    """ValueError unless the session is exact where 16-bit pair sums would saturate."""
    rng = np.random.default_rng(0)
    faces = np.concatenate([np.full((2, 128), 255, np.uint8), np.zeros((2, 128), np.uint8),
                            rng.integers(0, 256, (60, 128), dtype=np.uint8)])
    queries = np.concatenate([np.full((128, 2), 127, np.int8), np.full((128, 2), -127, np.int8),
                              rng.integers(-127, 128, (128, 4), dtype=np.int8)], axis=1)
    if not np.array_equal(session.run(None, {"a": faces, "b": queries})[0],
                          numpy_product(faces, queries)):
        raise ValueError("its u8 x s8 products saturate on this CPU")


def _session(threads: int) -> Any:
    import onnxruntime as ort
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "b", "zero"], ["y"])], "int8_scan",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, ["n", "d"]),
         helper.make_tensor_value_info("b", TensorProto.INT8, ["d", "k"])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, ["n", "k"])],
        initializer=[helper.make_tensor("zero", TensorProto.UINT8, [], [128])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])
