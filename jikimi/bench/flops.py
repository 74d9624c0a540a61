"""This CPU's FLOP ceiling for a face model pair: multiply-accumulates counted from the ONNX
graphs, divided into the float32 GEMM rate numpy reaches here.

A ceiling, not a forecast: real convolutions (depthwise ones especially) run well below GEMM
speed, and decoding and alignment are not counted. It says how far from the hardware's limit a
pipeline is, which a ratio between two pipelines cannot.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import onnx
from onnx import shape_inference


def model_macs(path: Path, input_shape: tuple[int, ...]) -> int:
    """Multiply-accumulates of Conv, Gemm and MatMul nodes for one input of `input_shape`."""
    model = onnx.load(str(path))
    graph = model.graph
    initializers = {init.name for init in graph.initializer}
    first = next(i for i in graph.input if i.name not in initializers)
    for dim, size in zip(first.type.tensor_type.shape.dim, input_shape, strict=True):
        dim.Clear()
        dim.dim_value = size
    for output in graph.output:  # let inference fill what the file pinned or freed
        output.type.tensor_type.ClearField("shape")
    inferred = shape_inference.infer_shapes(model)
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
              for v in [*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output]}
    weights = {init.name: list(init.dims) for init in graph.initializer}
    total = 0
    for node in graph.node:
        out = shapes.get(node.output[0])
        if not out or not all(out):
            continue
        if node.op_type == "Conv" and node.input[1] in weights:
            _, per_group, *kernel = weights[node.input[1]]
            total += int(np.prod(out)) * per_group * int(np.prod(kernel))
        elif node.op_type in ("Gemm", "MatMul"):
            left = shapes.get(node.input[0]) or weights.get(node.input[0])
            if left:
                total += int(np.prod(out)) * int(left[-1])
    return total


def gemm_flops_per_s(size: int = 1024, repeats: int = 5) -> float:
    """float32 FLOP/s of numpy's matrix product (best of `repeats`), all threads it uses."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - started)
    return 2.0 * size**3 / best


def ceiling_images_per_s(detector_macs: int, recognizer_macs: int, flops: float,
                         faces_per_image: float = 1.0) -> float:
    """Images/s if every MAC ran at GEMM speed: detection plus `faces_per_image` embeddings."""
    return flops / (2.0 * (detector_macs + faces_per_image * recognizer_macs))
