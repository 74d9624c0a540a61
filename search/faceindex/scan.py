"""One integer matrix product per block: int8 faces × int8 template codes → int32.

onnxruntime's `MatMulInteger` (a one-node graph built here, no model file) runs it on int8 GEMM
kernels: 1M × 128 faces against 3 templates in ~0.06 s on 2 cores, where numpy has to widen the
block to float32 first (~0.4 s). numpy is the fallback when onnxruntime cannot load; both give
the same exact integers (sums of 128 products of int8 fit float32's 24-bit mantissa).
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
        session = self._open()
        if session is None:
            return (faces.astype(np.float32) @ queries.astype(np.float32)).astype(np.int32)
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
                except Exception as exc:  # noqa: BLE001 - any load failure means: use numpy
                    log.warning("onnxruntime MatMulInteger unavailable (%s); scanning with numpy",
                                exc)
                    self._numpy_only = True
            return self._session


def _session(threads: int) -> Any:
    import onnxruntime as ort
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "b"], ["y"])], "int8_scan",
        [helper.make_tensor_value_info("a", TensorProto.INT8, ["n", "d"]),
         helper.make_tensor_value_info("b", TensorProto.INT8, ["d", "k"])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, ["n", "k"])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])
