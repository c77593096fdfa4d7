"""simple_clv: the retention-based CLV of Gupta & Lehmann (2003).

Checked against values worked out by hand, against the explicit discounted
sum Σ m r^t / (1 + d)^t (a second implementation of the closed forms), and
against the limit of the finite horizon as it grows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import simple_clv


def explicit_sum(m, r, d, horizon, timing):
    """The definition, term by term: margins at t = 1..H (end) or t = 0..H-1 (start)."""
    t = np.arange(1, horizon + 1) if timing == "end" else np.arange(0, horizon)
    return float(np.sum(m * r**t / (1 + d) ** t))


def test_by_hand():
    # m = 100, r = 0.8, d = 0.1: end 100 * 0.8 / 0.3; start 100 * 1.1 / 0.3.
    assert simple_clv(100, 0.8, 0.1) == pytest.approx(800 / 3)
    assert simple_clv(100, 0.8, 0.1, timing="start") == pytest.approx(1100 / 3)
    # Margin multiple r / (1 + d - r) = 0.9 / 0.2 = 4.5 for r = 0.9, d = 0.1.
    assert simple_clv(1, 0.9, 0.1) == pytest.approx(4.5)
    # Finite: one margin 100 * 0.8 / 1.1; two: + 100 * 0.64 / 1.21.
    assert simple_clv(100, 0.8, 0.1, horizon=1) == pytest.approx(80 / 1.1)
    assert simple_clv(100, 0.8, 0.1, horizon=2) == pytest.approx(80 / 1.1 + 64 / 1.21)
    assert simple_clv(100, 0.8, 0.1, horizon=2, timing="start") == pytest.approx(100 + 80 / 1.1)
    assert simple_clv(100, 0.8, 0.1, horizon=0) == 0.0
    # No discounting, r = 0.5: 0.5 / 0.5 = 1 margin expected.
    assert simple_clv(100, 0.5, 0.0) == pytest.approx(100)
    # Zero retention: nothing after now.
    assert simple_clv(100, 0.0, 0.1) == 0.0 and simple_clv(100, 0.0, 0.1, timing="start") == pytest.approx(100)


def test_start_is_end_plus_one_margin():
    for r, d in [(0.3, 0.05), (0.9, 0.12), (0.6, 0.0)]:
        assert simple_clv(50, r, d, timing="start") == pytest.approx(50 + simple_clv(50, r, d))


@pytest.mark.parametrize("timing", ["end", "start"])
def test_closed_form_matches_explicit_sum(timing):
    rng = np.random.default_rng(5)
    for _ in range(50):
        m, r, d, h = rng.uniform(-50, 200), rng.uniform(0, 0.99), rng.uniform(-0.2, 0.5), int(rng.integers(0, 40))
        assert simple_clv(m, r, d, horizon=h, timing=timing) == pytest.approx(explicit_sum(m, r, d, h, timing), rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("timing", ["end", "start"])
def test_finite_horizon_tends_to_infinite(timing):
    infinite = simple_clv(100, 0.85, 0.1, timing=timing)
    values = [simple_clv(100, 0.85, 0.1, horizon=h, timing=timing) for h in (1, 5, 20, 100, 1000)]
    assert all(a < b for a, b in zip(values, values[1:]))
    assert values[-1] == pytest.approx(infinite, rel=1e-12)
    assert simple_clv(100, 0.85, 0.1, horizon=np.inf, timing=timing) == pytest.approx(infinite)


def test_retention_equal_to_one_plus_discount_finite_only():
    # q = r / (1 + d) = 1: every margin is worth m; the infinite sum diverges.
    assert simple_clv(10, 0.8, -0.2, horizon=3) == pytest.approx(30)
    with pytest.raises(ValueError, match=r"infinite-horizon CLV diverges when retention >= 1 \+ discount"):
        simple_clv(10, 0.9, -0.2)


def test_vectorised():
    r = np.array([0.5, 0.8, 0.9])
    np.testing.assert_allclose(simple_clv(100, r, 0.1), 100 * r / (1.1 - r))
    grid = simple_clv(np.array([[1.0], [2.0]]), r, 0.1)
    assert grid.shape == (2, 3)
    s = pd.Series([0.5, 0.8], index=["x", "y"])
    out = simple_clv(100, s, 0.1, horizon=np.array([1, 2]))
    assert isinstance(out, pd.Series) and out.index.tolist() == ["x", "y"]
    assert out.tolist() == pytest.approx([50 / 1.1, 80 / 1.1 + 64 / 1.21])
    assert isinstance(simple_clv(100, 0.8, 0.1), float)


def test_errors():
    with pytest.raises(ValueError, match=r"retention must be in \[0, 1\) .*got 1\.0"):
        simple_clv(100, 1.0, 0.1)
    with pytest.raises(ValueError, match=r"retention must be in \[0, 1\) .*got -0\.1"):
        simple_clv(100, np.array([0.5, -0.1]), 0.1)
    with pytest.raises(ValueError, match=r"discount must be > -1 .*got -1\.0"):
        simple_clv(100, 0.5, -1)
    with pytest.raises(ValueError, match=r"horizon must be a whole number ≥ 0 \(got 2\.5\)"):
        simple_clv(100, 0.5, 0.1, horizon=2.5)
    with pytest.raises(ValueError, match=r"horizon must be a whole number ≥ 0 \(got -1\.0\)"):
        simple_clv(100, 0.5, 0.1, horizon=-1)
    with pytest.raises(ValueError, match=r"unknown timing 'middle'"):
        simple_clv(100, 0.5, 0.1, timing="middle")
    with pytest.raises(ValueError, match=r"margin must be finite \(got nan\)"):
        simple_clv(np.nan, 0.5, 0.1)
    with pytest.raises(ValueError, match=r"retention must be a number or an array of numbers"):
        simple_clv(100, "high", 0.1)
