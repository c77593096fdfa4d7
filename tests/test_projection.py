"""Customer-base projection under acquisition and churn.

Checked against the closed form N_t = N_0 (1 − c)^t + A (1 − (1 − c)^t) / c
(derived independently of the code, which runs the recursion), against
numbers worked out by hand (including the two-firm example: 1,000 new
customers a year, 5% versus 10% yearly churn, over 10 years), and against the
steady state A / c.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.customers import compare_churn_scenarios, customer_base_closed_form, project_customer_base, steady_state_base


def test_recursion_by_hand():
    p = project_customer_base(100, 10, 0.2, 3)
    assert p.columns.tolist() == ["period", "customers_start", "acquired", "lost", "customers_end", "churn_rate"]
    # 100 -> 100 - 20 + 10 = 90 -> 90 - 18 + 10 = 82 -> 82 - 16.4 + 10 = 75.6
    assert p["customers_end"].tolist() == pytest.approx([100, 90, 82, 75.6])
    assert p["customers_start"].tolist() == pytest.approx([100, 100, 90, 82])
    assert p["lost"].tolist() == pytest.approx([0, 20, 18, 16.4])
    assert p["acquired"].tolist() == [0, 10, 10, 10]
    assert p["period"].tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize(("n0", "a", "c"), [(0, 1000, 0.05), (5000, 200, 0.3), (100, 0, 0.5), (10, 10, 1.0), (50, 7, 0.0)])
def test_recursion_matches_closed_form(n0, a, c):
    p = project_customer_base(n0, a, c, 25)
    t = np.arange(26)
    closed = n0 + a * t if c == 0 else n0 * (1 - c) ** t + a * (1 - (1 - c) ** t) / c
    np.testing.assert_allclose(p["customers_end"], closed, rtol=1e-12)
    np.testing.assert_allclose(customer_base_closed_form(n0, a, c, t), closed, rtol=1e-12)
    # Accounting identity, every period.
    np.testing.assert_allclose(p["customers_end"], p["customers_start"] - p["lost"] + p["acquired"])


def test_converges_to_steady_state_from_any_start():
    for n0 in (0, 5000, 50_000):
        p = project_customer_base(n0, 1000, 0.1, 300)
        assert p["customers_end"].iloc[-1] == pytest.approx(10_000, rel=1e-9)
    assert steady_state_base(1000, 0.1) == 10_000
    # At the steady state the base does not move.
    flat = project_customer_base(10_000, 1000, 0.1, 5)["customers_end"]
    np.testing.assert_allclose(flat, 10_000)
    assert steady_state_base(1000, 0.0) == np.inf and steady_state_base(0, 0.0) == 0.0


def test_two_firms_textbook_example():
    out = compare_churn_scenarios(0, 1000, {"5% churn": 0.05, "10% churn": 0.10}, 10)
    assert out.columns[0] == "scenario" and out["scenario"].unique().tolist() == ["5% churn", "10% churn"]
    end = out[out["period"] == 10].set_index("scenario")["customers_end"]
    # By hand: 1000 (1 - 0.95^10) / 0.05 = 20000 (1 - 0.598737) = 8025.26;
    #          1000 (1 - 0.90^10) / 0.10 = 10000 (1 - 0.348678) = 6513.22.
    assert end["5% churn"] == pytest.approx(8025.26, abs=0.005)
    assert end["10% churn"] == pytest.approx(6513.22, abs=0.005)
    # Year 1: both have 1000 (acquisitions are not at risk in their first year).
    first = out[out["period"] == 1]["customers_end"].tolist()
    assert first == [1000.0, 1000.0]
    # The steady states are 20,000 and 10,000: half the churn, twice the base.
    assert steady_state_base(1000, 0.05) / steady_state_base(1000, 0.10) == pytest.approx(2.0)
    long_run = compare_churn_scenarios(0, 1000, {"5%": 0.05, "10%": 0.10}, 600)
    last = long_run[long_run["period"] == 600].set_index("scenario")["customers_end"]
    assert last["5%"] / last["10%"] == pytest.approx(2.0, rel=1e-9)


def test_per_period_sequences_by_hand():
    # N0 = 100; period 1: churn 10%, +10 -> 100; period 2: churn 50%, +20 -> 70.
    p = project_customer_base(100, [10, 20], [0.1, 0.5], 2)
    assert p["customers_end"].tolist() == pytest.approx([100, 100, 70])
    assert p["lost"].tolist() == pytest.approx([0, 10, 50])
    assert p["churn_rate"].iloc[1:].tolist() == [0.1, 0.5] and np.isnan(p["churn_rate"].iloc[0])
    # A scenario may itself be a sequence: 100 * 0.9 + 10 = 100, then 100 * 0.5 + 10 = 60.
    out = compare_churn_scenarios(100, 10, {"flat": 0.1, "rising": [0.1, 0.5]}, 2)
    assert out[out["scenario"] == "rising"]["customers_end"].tolist() == pytest.approx([100, 100, 60])


def test_zero_periods():
    p = project_customer_base(42, 5, 0.1, 0)
    assert p["customers_end"].tolist() == [42.0] and len(p) == 1


def test_errors():
    with pytest.raises(ValueError, match=r"churn_rate must be a share between 0 and 1, got 1\.5"):
        project_customer_base(0, 10, 1.5, 3)
    with pytest.raises(ValueError, match=r"churn_rate must be >= 0, got -0\.1"):
        project_customer_base(0, 10, -0.1, 3)
    with pytest.raises(ValueError, match=r"churn_rate must be a number or a sequence of 3 values \(one per period\)"):
        project_customer_base(0, 10, [0.1, 0.2], 3)
    with pytest.raises(ValueError, match=r"acquisitions_per_period must be >= 0"):
        project_customer_base(0, -5, 0.1, 3)
    with pytest.raises(ValueError, match=r"periods must be a whole number >= 0, got -1"):
        project_customer_base(0, 10, 0.1, -1)
    with pytest.raises(ValueError, match=r"initial must be a number of customers >= 0"):
        project_customer_base(-1, 10, 0.1, 3)
    with pytest.raises(ValueError, match=r"churn_rates must be a non-empty mapping"):
        compare_churn_scenarios(0, 10, [0.1, 0.2], 3)
    assert isinstance(project_customer_base(1, 1, 0.5, 1), pd.DataFrame)
