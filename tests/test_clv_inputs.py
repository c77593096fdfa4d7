"""Compression of identical summaries: the numpy sort (small inputs) and the pandas groupby (large
inputs) are two implementations of the same thing and must agree exactly. The argument check of the
predictions: its messages name the argument, the rule and the offending value (and where it is)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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


@pytest.mark.parametrize(
    ("value", "bounds", "message"),
    [
        (-5, {"at_least": 0}, r"^t must be ≥ 0 \(got -5\.0\)$"),
        (1.0, {"at_least": 0, "below": 1}, r"^t must be in \[0, 1\) \(got 1\.0\)$"),
        (0.0, {"above": 0, "at_most": 1}, r"^t must be in \(0, 1\] \(got 0\.0\)$"),
        (2.5, {"whole": True}, r"^t must be a whole number \(got 2\.5\)$"),
        (np.nan, {"infinite": True}, r"^t must not be NaN \(got nan\)$"),
        ([[1.0, 2.0], [3.0, -1.0]], {"at_least": 0}, r"^t must be ≥ 0 \(got -1\.0 at position \(1, 1\)\)$"),
        ([1, [2, 3]], {}, r"^t must be a number or an array of numbers \(got \[1, \[2, 3\]\]\)$"),
        (pd.Series([1.0, None], dtype="Float64"), {}, r"^t must be finite \(got nan at position 1\)$"),
        (pd.Series(["a"]), {}, r"^t must be a number or an array of numbers"),
        (pd.Timestamp("2020-01-01"), {}, r"^t must be a number or an array of numbers"),
    ],
)
def test_check_argument_names_the_argument_the_rule_and_the_value(value, bounds, message):
    with pytest.raises(ValueError, match=message):
        inputs.check_argument(value, "t", **bounds)


def test_check_argument_returns_floats_of_the_input_shape():
    assert inputs.check_argument(np.int64(3), "t", scalar=True) == 3.0
    assert isinstance(inputs.check_argument(3, "t", scalar=True), float)
    np.testing.assert_array_equal(inputs.check_argument(pd.Series([1, 2]), "t", length=2), [1.0, 2.0])
    assert inputs.check_argument([[1, 2]], "t").shape == (1, 2)
    assert inputs.check_argument(np.inf, "horizon", at_least=0, whole=True, infinite=True) == np.inf
    np.testing.assert_array_equal(inputs.check_argument([1.0, 2.0, 3.0], "t", length=1), [1.0, 2.0, 3.0])  # one customer, three horizons
