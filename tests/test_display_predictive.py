"""Notebook 02's predictions beyond the means, as readers see them: the heavy and the light buyer, their count
distribution and P(alive) history, CLV by month, customers alive now and later, the top customers' CLV intervals.

Every sentence is tested on frames where its answer flips. The frames are checked against something computed
another way: the inverted empirical CDF by sorting, the count distribution's mean against the model's closed-form
conditional expectation (Fader, Hardie & Lee 2005, eq. 10), the P(alive) history's end against P(alive) of the
summary that ``transaction_summary`` computes from the same purchases, the monthly values against the model's
CLV, the expected number alive against the sum of P(alive), and the planted CLV against the Gamma-Gamma's CLV of
a model holding the same parameters.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BetaGeo, GammaGamma, ParetoNBD
from crmlab.customers import transaction_summary
from crmlab.display import value as say
from crmlab.plots import plot_clv_by_period, plot_count_distribution

matplotlib.use("Agg")

BG_CDNOW = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # published CDNOW estimates (FHL 2005)
GG_CDNOW = {"p": 6.25, "q": 3.74, "gamma": 15.44}  # published CDNOW Gamma-Gamma (Fader, Hardie & Lee 2005b)


def fixed(cls, params):
    model = cls()
    model.params_ = pd.Series(params)
    return model


@pytest.fixture
def summary():
    rng = np.random.default_rng(11)
    n = 60
    x = rng.poisson(2.0, n)
    T = rng.uniform(20, 39, n)
    t_x = np.where(x > 0, T * rng.uniform(0.2, 1.0, n), 0.0)
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": T, "monetary_value": np.where(x > 0, rng.gamma(5, 8, n), 0)},
                        index=pd.Index([f"c{i:02d}" for i in range(n)], name="customer_id"))


# ----- the heavy and the light buyer --------------------------------------------------------------------------

def test_customers_at_quantiles_follow_the_inverted_cdf_computed_by_sorting():
    """The value at quantile q is the ⌈q·n⌉-th smallest (Hyndman & Fan's definition 1), and the customer holds it."""
    rng = np.random.default_rng(3)
    expected = pd.Series(rng.gamma(0.5, 2.0, 501), index=[f"k{i}" for i in range(501)])
    chosen = say.customers_at_quantiles(expected, {"heavy": 0.99, "light": 0.5, "lightest": 0.0})
    ordered = np.sort(expected.to_numpy())
    for role, q in (("heavy", 0.99), ("light", 0.5)):
        assert chosen.loc[role, "expected"] == ordered[int(np.ceil(q * len(ordered))) - 1]
        assert expected[chosen.loc[role, "customer"]] == chosen.loc[role, "expected"]
    assert chosen.loc["lightest", "expected"] == ordered[0]


def test_customers_at_quantiles_take_the_first_customer_among_ties():
    expected = pd.Series([0.3, 0.1, 0.1, 0.1], index=["a", "b", "c", "d"])
    assert say.customers_at_quantiles(expected, {"light": 0.5}).loc["light", "customer"] == "b"


def test_count_distribution_mean_is_the_closed_form_conditional_expectation(summary):
    """Σ n·P(Y = n) over the table (run to near-certain coverage) is E[Y(t) | x, t_x, T] (FHL 2005, eq. 10)."""
    model = fixed(BetaGeo, BG_CDNOW)
    chosen = say.customers_at_quantiles(model.conditional_expected_transactions(39, summary))
    counts = say.count_distribution_table(model, summary, chosen, 39, coverage=1 - 1e-9, max_count=300)
    for _role, group in counts.groupby("role"):
        assert group["probability"].sum() == pytest.approx(1.0, abs=1e-8)
        mean = float((group["n"] * group["probability"]).sum())
        assert mean == pytest.approx(group["expected_transactions"].iloc[0], rel=1e-6)
    assert counts.attrs["t"] == 39.0


def test_count_distribution_stops_once_every_customer_reaches_the_coverage(summary):
    model = fixed(BetaGeo, BG_CDNOW)
    chosen = say.customers_at_quantiles(model.conditional_expected_transactions(39, summary))
    counts = say.count_distribution_table(model, summary, chosen, 39, coverage=0.99)
    reached = counts.groupby("role")["probability"].sum()
    assert (reached >= 0.99 - 1e-12).all()
    shorter = counts[counts["n"] < counts["n"].max()].groupby("role")["probability"].sum()
    assert (shorter < 0.99).any()  # one count fewer and some customer falls short
    for role, beyond in counts.attrs["beyond"].items():
        assert beyond == pytest.approx(1 - reached[role])


def _counts(heavy, light=(0.62, 0.3, 0.08)):
    return pd.DataFrame({"role": ["heavy"] * 3 + ["light"] * 3, "customer": ["h"] * 3 + ["l"] * 3,
                         "n": [0, 1, 2] * 2, "probability": [*heavy, *light],
                         "expected_transactions": [1.5] * 3 + [0.46] * 3})


def test_count_sentence_flips_with_the_most_likely_count():
    likely_two = say.count_distribution_sentence(_counts((0.1, 0.3, 0.6)), horizon="the next 39 weeks").plain
    assert "Customer h (the heavy buyer) has a 10.0% chance of buying nothing in the next 39 weeks; their most " \
           "likely count is 2 (60.0%)" in likely_two
    assert "Customer l (the light buyer) has a 62.0% chance of buying nothing in the next 39 weeks, the most " \
           "likely outcome" in likely_two
    spread = say.count_distribution_sentence(_counts((0.2, 0.15, 0.1)), horizon="the next 39 weeks").plain
    assert "nothing is the single most likely count only because the chance of buying is spread" in spread
    assert "(the likeliest of them 1, at 15.0%)" in spread


# ----- P(alive) histories -------------------------------------------------------------------------------------

def test_probability_alive_history_ends_at_the_summary_probability_alive():
    """The history's last point is P(alive | x, t_x, T) of the summary transaction_summary makes from the same data."""
    tx = pd.DataFrame({
        "customer_id": ["a"] * 4 + ["b"],
        "date": pd.to_datetime(["2020-01-01", "2020-01-20", "2020-03-02", "2020-08-01", "2020-02-10"]),
        "amount": [10.0, 20.0, 15.0, 30.0, 12.0],
    })
    calibration_end, observation_end = pd.Timestamp("2020-06-30"), pd.Timestamp("2020-12-31")
    summary = transaction_summary(tx, observation_end=observation_end, calibration_end=calibration_end, freq="D",
                                  time_unit="W")
    model = fixed(BetaGeo, BG_CDNOW)
    chosen = pd.DataFrame({"customer": ["a", "b"]}, index=pd.Index(["heavy", "light"], name="role"))
    histories = say.probability_alive_histories(model, tx, summary, chosen, time_unit="W", points=50)
    for role, customer in chosen["customer"].items():
        history = histories[role]
        row = summary.loc[customer]
        assert history["t"].iloc[-1] == pytest.approx(row["T"])
        assert history["frequency"].iloc[-1] == row["frequency"]  # the purchase after calibration is left out
        assert history["probability_alive"].iloc[-1] == pytest.approx(
            np.asarray(model.probability_alive(summary.loc[[customer]]), dtype=float)[0])
        assert history.attrs["customer"] == customer
    assert (histories["light"]["probability_alive"] == 1.0).all()  # BG/NBD: no repeat purchase, alive for sure


def _history(customer, t, x, p):
    frame = pd.DataFrame({"t": t, "frequency": x, "probability_alive": p})
    frame.attrs["customer"] = customer
    return frame


def test_probability_alive_history_sentence_flips_with_where_the_low_point_is():
    steady = _history("s", [1.0, 20.0], [0, 0], [1.0, 1.0])
    lifted = _history("l", [1.0, 10.0, 12.0, 30.0], [1, 1, 2, 2], [0.9, 0.4, 0.8, 0.5])
    fading = _history("f", [1.0, 10.0, 30.0], [1, 1, 1], [0.9, 0.6, 0.3])
    text = say.probability_alive_history_sentence({"light": steady, "heavy": lifted}).plain
    assert "Customer s (the light buyer) made no repeat purchase in the calibration period, and the model keeps " \
           "their P(alive) at 100.0% throughout." in text
    assert "fell to 40.0% by week 10 before a purchase lifted it, and stood at 50.0%" in text
    text = say.probability_alive_history_sentence({"heavy": fading}, unit="days").plain
    assert "Customer f (the heavy buyer) made 1 repeat purchase; their P(alive) has fallen ever since the last, to " \
           "30.0% at the end of the calibration period (day 30), its lowest point." == text


# ----- value by month -----------------------------------------------------------------------------------------

def test_monthly_values_add_up_to_the_models_clv(summary):
    """Σ over months of the base's discounted value = Σ customers' CLV (TransactionModel.customer_lifetime_value)."""
    model = fixed(BetaGeo, BG_CDNOW)
    spend = np.full(len(summary), 35.0)
    args = {"discount_rate": 0.01, "horizon": 12, "period_length": 52 / 12}
    by_period = model.customer_lifetime_value_by_period(summary, monetary_value=spend, **args)
    months = say.clv_by_month_table(by_period, top=5)
    clv = np.asarray(model.customer_lifetime_value(summary, monetary_value=spend, **args), dtype=float)
    assert months["base_value"].sum() == pytest.approx(clv.sum())
    assert months["top_value"].sum() == pytest.approx(np.sort(clv)[-5:].sum())
    assert months["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    everyone = say.clv_by_month_table(by_period, top=len(summary))
    assert np.allclose(everyone["top_share"], 1.0) and everyone.attrs["top"] == len(summary)


def _months(values):
    values = np.asarray(values, dtype=float)
    frame = pd.DataFrame({"period": np.arange(1, len(values) + 1), "base_value": values, "top_value": values / 4,
                          "top_share": 0.25, "cumulative_share": np.cumsum(values) / values.sum()})
    frame.attrs["top"] = 10
    return frame


def test_clv_by_month_sentence_flips_with_when_the_value_comes():
    front = say.clv_by_month_sentence(_months([40, 30, 20, 10])).plain
    assert "Over 4 months the base's discounted value is $100.00: $40.00 in the first month and $10.00 in the last." \
           in front
    assert "Half of it comes by month 2: the value is front-loaded" in front
    assert "The top 10 customers bring 25.0% of it." in front
    late = say.clv_by_month_sentence(_months([10, 20, 30, 40]), currency="€").plain
    assert "Half of it comes by month 3: the value is spread over the horizon" in late


# ----- customers alive now and in a year ----------------------------------------------------------------------

def test_alive_now_is_the_sum_of_probability_alive_and_fades_with_time(summary):
    models = {"BG/NBD": fixed(BetaGeo, BG_CDNOW),
              "Pareto/NBD": fixed(ParetoNBD, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669})}
    table = say.alive_now_and_later_table(models, summary, later=52)
    for _, row in table.iterrows():
        p_alive = np.asarray(models[row["model"]].probability_alive(summary), dtype=float)
        assert row["alive_now"] == pytest.approx(p_alive.sum())
        assert row["alive_later"] < row["alive_now"]
        assert row["alive_now_share"] == pytest.approx(row["alive_now"] / len(summary))
    assert (table["customers"] == len(summary)).all()


def test_alive_sentence_flips_between_agreeing_and_differing_models():
    table = pd.DataFrame({"model": ["BG/NBD", "MBG/NBD"], "customers": [100, 100], "alive_now": [80.0, 78.0],
                          "alive_now_share": [0.8, 0.78], "alive_later": [60.0, 58.0], "alive_later_share": [0.6, 0.58]})
    assert say.alive_now_and_later_sentence(table).plain.endswith("a year later: the models agree.")
    table.loc[1, ["alive_now", "alive_later"]] = [50.0, 30.0]
    text = say.alive_now_and_later_sentence(table).plain
    assert "from 50 (MBG/NBD) to 80 (BG/NBD) to be alive at the end of the calibration period" in text
    assert "the lenses differ" in text


# ----- intervals for the top customers' CLV -------------------------------------------------------------------

def test_planted_clv_is_the_gamma_gamma_clv_at_each_channels_parameters(summary):
    """One channel per set of parameters: each customer's planted CLV is GammaGamma.customer_lifetime_value of a
    BG/NBD and a Gamma-Gamma holding their channel's parameters."""
    other = {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 3.0}
    channels = pd.DataFrame([{"channel": "search", **BG_CDNOW, "p_spend": 6.25, "q": 3.74, "gamma": 15.44},
                             {"channel": "social", **other, "p_spend": 4.0, "q": 3.0, "gamma": 10.0}])
    channel_of = pd.Series(np.where(np.arange(len(summary)) % 2 == 0, "search", "social"), index=summary.index)
    args = {"discount_rate": 0.01, "horizon": 12, "period_length": 52 / 12, "margin": 0.3}
    planted = say.planted_customer_lifetime_value(channels, channel_of, summary, **args)
    search = channel_of == "search"
    direct = fixed(GammaGamma, GG_CDNOW).customer_lifetime_value(fixed(BetaGeo, BG_CDNOW), summary[search], **args)
    assert np.allclose(planted[search], np.asarray(direct, dtype=float))
    direct = fixed(GammaGamma, {"p": 4.0, "q": 3.0, "gamma": 10.0}).customer_lifetime_value(
        fixed(BetaGeo, other), summary[~search], **args)
    assert np.allclose(planted[~search], np.asarray(direct, dtype=float))


def _intervals():
    frame = pd.DataFrame({"estimate": [100.0, 50.0], "lower": [90.0, 45.0], "upper": [112.0, 60.0]},
                         index=pd.Index(["b", "a"], name="customer_id"))
    frame.attrs.update(what="clv", interval=0.9, method="hessian", n_draws=200)
    return frame


def test_interval_table_sorts_by_estimate_and_marks_the_planted_value_inside():
    summary = pd.DataFrame({"frequency": [1, 5], "recency": [3.0, 30.0], "T": [38.0, 38.0]}, index=["a", "b"])
    table = say.clv_interval_table(_intervals().iloc[::-1], summary, planted=pd.Series({"a": 61.0, "b": 90.0}))
    assert table.index.tolist() == ["b", "a"]
    assert table["planted_inside"].tolist() == [True, False]  # the ends belong to the interval
    assert table.attrs["method"] == "hessian"
    assert "planted" not in say.clv_interval_table(_intervals(), summary).columns


def test_interval_caption_states_the_method():
    caption = say.clv_interval_caption(_intervals(), n=2)
    assert caption.startswith("The 2 most valuable customers' CLV with 90% intervals (parameter uncertainty only: "
                              "draws from the asymptotic normal of the log-parameters")
    frame = _intervals()
    frame.attrs["method"] = "bootstrap"
    assert "refitted to bootstrap resamples" in say.clv_interval_caption(frame, n=2)


def test_interval_sentence_flips_with_width_and_with_where_the_truth_lies():
    table = say.clv_interval_table(_intervals(), pd.DataFrame({"frequency": [1, 5], "recency": [3.0, 30.0],
                                                               "T": [38.0, 38.0]}, index=["a", "b"]))
    narrow = say.clv_interval_sentence(table).plain
    assert narrow.startswith("The 90% intervals of the 2 customers' CLV are narrow: from ±11.0% of the estimate "
                             "(customer b, $90.00 to $112.00) to ±15.0% (customer a).")
    assert "are wide" in say.clv_interval_sentence(table, wide=0.12).plain
    table["planted"], table["planted_inside"] = [95.0, 70.0], [True, False]
    one_missed = say.clv_interval_sentence(table).plain
    assert "1 of the 2 planted values (the CLV at the customer's channel's planted parameters) lies inside its " \
           "interval." in one_missed and "bias" not in one_missed
    table["planted"], table["planted_inside"] = [80.0, 40.0], [False, False]
    below = say.clv_interval_sentence(table, cause="the channels differ").plain
    assert "0 of the 2 planted values" in below
    assert "every one missed lies below its estimate, so the gap is a bias of the fitted models" in below
    assert below.endswith(": the channels differ.")
    table["planted"] = [130.0, 40.0]
    both = say.clv_interval_sentence(table).plain
    assert "bias" not in both and both.endswith("lie inside their interval.")


# ----- figures ------------------------------------------------------------------------------------------------

def test_count_distribution_figure_draws_one_bar_per_customer_and_count(summary):
    model = fixed(BetaGeo, BG_CDNOW)
    chosen = say.customers_at_quantiles(model.conditional_expected_transactions(39, summary))
    counts = say.count_distribution_table(model, summary, chosen, 39)
    ax = plot_count_distribution(counts, unit="W").axes[0]
    assert len(ax.patches) == len(counts)
    assert ax.get_xlabel() == "repeat purchases in the next 39 weeks" and ax.get_ylabel() == "probability"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        f"customer {c} ({r})" for r, c in chosen["customer"].items()]


def test_clv_by_period_figure_labels_its_axes():
    ax = plot_clv_by_period(_months([40, 30, 20, 10]), currency="€").axes[0]
    assert ax.get_xlabel() == "month after the end of the calibration period"
    assert ax.get_ylabel() == "discounted value (€)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["all customers", "the top 10 customers"]


# ----- the truth beside the predictions -----------------------------------------------------------------------

def test_count_sentence_sets_the_holdout_count_beside_the_distribution():
    counts = _counts((0.1, 0.3, 0.6), light=(0.83, 0.12, 0.05))
    text = say.count_distribution_sentence(counts, horizon="the next 39 weeks", actual={"heavy": 1, "light": 9}).plain
    assert "In the holdout period they made 1, a count the model gave 30.0%." in text
    assert "In the holdout period they made 9, beyond the counts shown (the model gave them all together 0.0%)." in text
    assert "Customer l (the light buyer) has an 83.0% chance" in text  # the article follows the number as spoken


def test_planted_dropout_is_the_last_purchase_of_a_customer_who_left():
    """In a simulated BG/NBD world a customer drops out right after a purchase and never buys again, so the planted
    dropout time (from the world's truth) is the time of their last purchase (from the transactions)."""
    from crmlab.data import simulate_transactions

    world = simulate_transactions(200, acquisition_end="2020-03-31", end="2021-12-31", rng=5)
    calibration_end = pd.Timestamp("2021-06-30")
    truth = world.customers.set_index("customer_id")
    ids = truth.index[:80]
    chosen = pd.DataFrame({"customer": ids}, index=pd.Index([f"r{i}" for i in range(len(ids))], name="role"))
    planted = say.planted_dropout_times(world.customers, chosen, calibration_end=calibration_end, time_unit="W")
    last = world.transactions.groupby("customer_id")["date"].max()
    first = world.transactions.groupby("customer_id")["date"].min()
    dropped = 0
    for role, customer in chosen["customer"].items():
        gone = pd.notna(truth.loc[customer, "dropout_time"]) and truth.loc[customer, "dropout_time"] <= calibration_end
        assert np.isnan(planted[role]) != gone
        if gone:
            dropped += 1
            assert planted[role] == pytest.approx((last[customer] - first[customer]).days / 7, abs=1 / 7)
    assert 0 < dropped < len(ids)  # both kinds present


def test_history_sentence_sets_the_planted_truth_beside_it():
    fading = _history("f", [1.0, 10.0, 30.0], [1, 1, 1], [0.9, 0.6, 0.3])
    gone = say.probability_alive_history_sentence({"heavy": fading}, planted={"heavy": 10.0}).plain
    assert gone.endswith("In the planted world they had dropped out at week 10, right after that purchase.")
    alive = say.probability_alive_history_sentence({"heavy": fading}, planted={"heavy": np.nan}).plain
    assert alive.endswith("In the planted world they were still alive at the end of the calibration period.")
