"""The int8 codes' error bound holds for every pair, so the index never misses a face; the
integer product is the same from onnxruntime and from numpy."""

from __future__ import annotations

import numpy as np
import pytest

from search.faceindex.quantize import code_queries, code_rows
from search.faceindex.scan import IntegerProduct


def rows(seed: int, n: int, dims: int, unit: bool = True) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dims)).astype(np.float32)
    x *= rng.laplace(size=(n, 1)).astype(np.float32) if not unit else 1.0  # peaky, any norm
    return x / np.linalg.norm(x, axis=1, keepdims=True) if unit else x


@pytest.mark.parametrize(("dims", "unit"), [(128, True), (512, True), (128, False)])
def test_the_estimate_is_always_within_its_bound(dims: int, unit: bool) -> None:
    faces = rows(1, 3000, dims, unit)
    faces[0] = 0.0  # an all-zero row codes too
    templates = rows(2, 4, dims, unit)
    templates[1] = faces[5]  # a face equal to a template
    codes, queries = code_rows(faces), code_queries(templates)
    estimates = queries.estimates(IntegerProduct()(codes.vectors, queries.matrix), codes.scales)
    error = np.abs(estimates - faces @ templates.T)
    bound = queries.bounds(codes.errors, codes.norms)
    assert np.all(error <= bound)
    if unit:
        assert bound.mean() < 0.008 and bound.max() < 0.015  # tight enough to prune nearly all
        assert error.max() < 0.005


def test_onnxruntime_and_numpy_give_the_same_integers() -> None:
    codes, queries = code_rows(rows(3, 5000, 128)), code_queries(rows(4, 3, 128))
    codes.vectors[0], codes.vectors[1] = 255, 0  # where 16-bit pair sums would saturate
    queries.matrix[:, 0] = 127
    fast = IntegerProduct()
    assert fast.engine == "onnxruntime"
    slow = IntegerProduct()
    slow._numpy_only = True  # what a machine without onnxruntime runs
    assert slow.engine == "numpy"
    np.testing.assert_array_equal(fast(codes.vectors, queries.matrix),
                                  slow(codes.vectors, queries.matrix))
