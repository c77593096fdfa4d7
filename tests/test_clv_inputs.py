"""Compression of identical summaries: the numpy sort (small inputs) and the pandas groupby (large
inputs) are two implementations of the same thing and must agree exactly."""

from __future__ import annotations

import numpy as np

import crmlab.clv.inputs as inputs


def test_sort_and_groupby_compression_agree(monkeypatch):
    rng = np.random.default_rng(1)
    n = 5000
    cols = {"frequency": rng.integers(0, 6, n).astype(float), "recency": rng.integers(0, 4, n) / 7, "T": rng.integers(1, 4, n) / 7}
    weights = rng.integers(0, 3, n).astype(float)
    small_cols, small_w = inputs.compress(cols, weights)
    monkeypatch.setattr(inputs, "_SORT_LIMIT", 0)
    large_cols, large_w = inputs.compress(cols, weights)
    for key in cols:
        np.testing.assert_array_equal(small_cols[key], large_cols[key])
    np.testing.assert_array_equal(small_w, large_w)
    assert small_w.sum() == weights.sum() and (small_w > 0).all()
