"""Customer value tables and LTV by acquisition channel (crmlab.clv.value)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv.beta_geo import BetaGeo
from crmlab.clv.spend import GammaGamma
from crmlab.clv.value import clv_by_channel, customer_value_table
from crmlab.customers import transaction_summary
from crmlab.data import simulate_transactions


@pytest.fixture(scope="module")
def world_values():
    world = simulate_transactions(6000, start="2020-01-01", end="2021-12-31", acquisition_end="2020-06-30", rng=3)
    summary = transaction_summary(world.transactions, observation_end=world.end, freq="D", time_unit="W")
    bg, gg = BetaGeo().fit(summary), GammaGamma().fit(summary)
    values = customer_value_table(summary, bg, gg, discount_rate=0.01, horizon=24, period_length=52 / 12, margin=0.3)
    channels = world.customers.set_index("customer_id")["channel"]
    return world, summary, values.assign(channel=channels.reindex(values.index))


def test_value_table_columns_and_definition(world_values):
    """Definition: with d = 0 and margin 1 the CLV is expected transactions × expected spend."""
    _, summary, values = world_values
    assert values.index.equals(summary.index)
    bg, gg = BetaGeo().fit(summary), GammaGamma().fit(summary)
    flat = customer_value_table(summary.head(200), bg, gg, discount_rate=0.0, horizon=12, period_length=4.0)
    np.testing.assert_allclose(flat["clv"], flat["expected_transactions"] * flat["expected_spend"], rtol=1e-9)
    assert values["probability_alive"].between(0, 1).all()


def test_referral_channel_is_worth_most(world_values):
    """Ground truth: the synthetic world's referral customers buy more often and drop out less
    (default_channels), so their CLV is highest and social's lowest, with separated intervals."""
    _, _, values = world_values
    table = clv_by_channel(values, acquisition_costs={"search": 5.0, "referral": 5.0, "social": 5.0}, rng=1)
    assert table["channel"].tolist() == ["referral", "search", "social"]
    referral, social = table.iloc[0], table.iloc[-1]
    assert referral["mean_clv_low"] > social["mean_clv_high"]
    np.testing.assert_allclose(table["net_value"], table["mean_clv"] - 5.0)
    np.testing.assert_allclose(table["ltv_cac"], table["mean_clv"] / 5.0)
    assert table["n_customers"].sum() == len(values)


def test_bootstrap_interval_covers_the_true_mean():
    """Ground truth: 95% intervals for the mean of seeded exponential samples (true mean 50) cover
    it in about 95% of 200 replications, and narrow as n grows."""
    rng = np.random.default_rng(12)
    covered, widths = 0, {}
    for rep in range(200):
        x = rng.exponential(50.0, 200)
        t = clv_by_channel(pd.DataFrame({"channel": "c", "clv": x}), n_boot=500, rng=rep)
        covered += t.loc[0, "mean_clv_low"] <= 50 <= t.loc[0, "mean_clv_high"]
    assert 0.89 <= covered / 200 <= 0.99
    for n in (100, 1600):
        x = rng.exponential(50.0, n)
        t = clv_by_channel(pd.DataFrame({"channel": "c", "clv": x}), rng=0)
        widths[n] = t.loc[0, "mean_clv_high"] - t.loc[0, "mean_clv_low"]
    assert widths[1600] < widths[100] / 3


def test_same_seed_same_intervals(world_values):
    _, _, values = world_values
    a = clv_by_channel(values, rng=7)
    b = clv_by_channel(values, rng=7)
    pd.testing.assert_frame_equal(a, b)


def test_bad_input(world_values):
    _, _, values = world_values
    with pytest.raises(ValueError, match="no acquisition cost for channel"):
        clv_by_channel(values, acquisition_costs={"search": 1.0})
    with pytest.raises(ValueError, match="no column 'value'"):
        clv_by_channel(values, clv="value")
    with pytest.raises(ValueError, match="missing channel or CLV"):
        clv_by_channel(pd.DataFrame({"channel": ["a", None], "clv": [1.0, 2.0]}))
