"""Predictions beyond the means: the count distribution given a history, customers alive, P(alive) through
time and CLV by period (BetaGeo, ModifiedBetaGeo, ParetoNBD, BetaGeoBetaBinom).

What each test checks against is said in its docstring: identities between predictions, closed forms,
numerical integration, or Monte Carlo from the model's generative story (seeded; tolerances in
standard errors of the simulation)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special

from crmlab.clv import BetaGeo, BetaGeoBetaBinom, ModifiedBetaGeo, ParetoNBD
from crmlab.data import DataError
from crmlab.plots import plot_probability_alive_history
from tests.test_clv_beta_geo_beta_binom import PUBLISHED as BGBB_DONATIONS, simulate_bgbb, summarise

matplotlib.use("Agg")

#: Parameters: published CDNOW estimates (FHL 2005; Fader, Hardie & Lee 2005b), crmlab's MBG/NBD CDNOW fit,
#: a Pareto/NBD with α < β (the other branch of its closed forms), and the published donations BG/BB.
PARAMS = {
    "BetaGeo": (BetaGeo, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}),
    "ModifiedBetaGeo": (ModifiedBetaGeo, {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}),
    "ParetoNBD": (ParetoNBD, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}),
    "ParetoNBD_alpha_below_beta": (ParetoNBD, {"r": 0.8, "alpha": 4.0, "s": 0.5, "beta": 15.0}),
}
CONTINUOUS = list(PARAMS)


def model_with(name: str):
    cls, params = PARAMS[name]
    model = cls()
    model.params_ = pd.Series(params)
    return model


def bgbb_model() -> BetaGeoBetaBinom:
    model = BetaGeoBetaBinom()
    model.params_ = pd.Series(BGBB_DONATIONS)
    return model


def close(sample, value, k: float = 4.0) -> bool:
    """Whether the mean of ``value`` is within k simulation standard errors of the mean of ``sample``."""
    sample = np.asarray(sample, dtype=float)
    se = max(np.std(sample), 1e-12) / np.sqrt(len(sample))
    return abs(sample.mean() - np.mean(value)) < k * se


# Histories (x, t_x, T) in weeks: none, light, recent heavy, lapsed heavy, very heavy.
HISTORIES = np.array([[0, 0, 38.0], [1, 5.0, 38.0], [6, 36.0, 38.0], [6, 8.0, 38.0], [40, 37.5, 38.0]])


# ----- the conditional PMF: identities ------------------------------------------------------------------


@pytest.mark.parametrize("name", CONTINUOUS)
def test_conditional_pmf_sums_to_one_with_mean_the_conditional_expectation(name):
    """Identities: Σ_n P(Y(t) = n | history) = 1 and Σ_n n·P(Y(t) = n | history) = E[Y(t) | history], for histories
    from none to 40 repeat purchases (to 1e-9; the counts run far enough into the tail)."""
    model = model_with(name)
    x, t_x, T = HISTORIES.T
    n = np.arange(600)
    probs = model.conditional_probability_of_purchases(39.0, n, x, t_x, T)
    assert probs.shape == (len(x), len(n)) and np.all(probs >= 0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(probs @ n, model.conditional_expected_transactions(39.0, x, t_x, T), rtol=1e-8)


def test_bgbb_conditional_pmf_sums_to_one_with_mean_the_conditional_expectation():
    """Identities for the BG/BB (FHS 2010, eq. 12 against eq. 13), over every donations pattern after 6 opportunities."""
    model = bgbb_model()
    x = np.array([0, 1, 1, 2, 3, 3, 6], dtype=float)
    t_x = np.array([0, 1, 6, 4, 3, 6, 6], dtype=float)
    n = np.full(len(x), 6.0)
    counts = np.arange(0, 8)
    probs = model.conditional_probability_of_purchases(5, counts, x, t_x, n)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(probs @ counts, model.conditional_expected_transactions(5, x, t_x, n), rtol=1e-10)
    assert np.all(probs[:, 6:] == 0)  # no more transactions than opportunities


@pytest.mark.parametrize("name", CONTINUOUS)
def test_conditional_pmf_without_history_is_the_unconditional_pmf(name):
    """Identity: with no history (x = 0, t_x = 0, T = 0; the summary check refuses T = 0, so through the arrays) the
    predictive distribution is the unconditional P(X(t) = n) of a new customer."""
    model = model_with(name)
    n = np.arange(12.0)
    got = model._conditional_probability_of_purchases_arrays(np.array([20.0]), n, np.zeros(1), np.zeros(1), np.zeros(1))
    expected = [model.probability_of_purchases(20.0, int(k)) for k in n]
    np.testing.assert_allclose(got[0], expected, rtol=1e-10, atol=1e-15)


def test_bgbb_conditional_pmf_without_history_is_the_unconditional_pmf():
    """Identity for the BG/BB: with n = 0 opportunities observed, FHS (2010) eq. 12 is eq. 8."""
    model = bgbb_model()
    got = model._conditional_probability_of_purchases_arrays(np.array([6.0]), np.arange(7.0), np.zeros(1), np.zeros(1), np.zeros(1))
    np.testing.assert_allclose(got[0], [model.probability_of_purchases(6, k) for k in range(7)], rtol=1e-12)


def test_conditional_pmf_shapes_and_labels():
    """Output forms: one n gives one probability per customer (a Series over the summary's labels), an array of n a
    frame customers × n; t may differ by customer; t = 0 puts all the mass on n = 0."""
    model = model_with("BetaGeo")
    summary = pd.DataFrame({"frequency": [0, 3], "recency": [0, 20.0], "T": [30.0, 30.0]}, index=["A", "B"])
    one = model.conditional_probability_of_purchases(10.0, 1, summary)
    assert isinstance(one, pd.Series) and list(one.index) == ["A", "B"]
    table = model.conditional_probability_of_purchases([10.0, 20.0], [0, 1, 2], summary)
    assert list(table.columns) == [0, 1, 2] and list(table.index) == ["A", "B"]
    assert table.loc["B", 1] == pytest.approx(model.conditional_probability_of_purchases(20.0, 1, [3], [20.0], [30.0])[0])
    np.testing.assert_allclose(model.conditional_probability_of_purchases(0.0, [0, 1], summary).to_numpy(), [[1, 0], [1, 0]])


@pytest.mark.parametrize(("n", "message"), [(-1, "n must be a whole number ≥ 0"), (1.5, "n must be a whole number"),
                                            ([[1, 2]], "n must be one number or a 1-D array")])
def test_conditional_pmf_refuses_impossible_counts(n, message):
    """Bad input: counts that are not whole numbers ≥ 0 are refused with a message naming n."""
    with pytest.raises(ValueError, match=message):
        model_with("BetaGeo").conditional_probability_of_purchases(10.0, n, [1], [2.0], [30.0])


def test_conditional_pmf_refuses_impossible_histories():
    """Bad input: a history with recency after T stops with a DataError naming the row and column."""
    with pytest.raises(DataError, match="recency is after T"):
        model_with("ParetoNBD").conditional_probability_of_purchases(10.0, 1, [1, 2], [2.0, 40.0], [30.0, 30.0])


# ----- the PMFs against Monte Carlo ----------------------------------------------------------------------


def simulate_continuous(name: str, params: dict, n: int, T: float, horizon: float, rng: np.random.Generator) -> dict:
    """Whole customers from the model's generative story, observed over (0, T] and (T, T + horizon].

    BG/NBD: λ ~ Gamma(r, α), p ~ Beta(a, b); while alive, purchases are a Poisson process; the customer
    drops out right after the K-th repeat purchase, K ~ Geometric(p) on 1, 2, …; the MBG/NBD adds a dropout
    opportunity at the first purchase (K − 1 repeat purchases). Pareto/NBD: μ ~ Gamma(s, β), lifetime
    ~ Exp(μ). Given a count on an interval, Poisson arrival times are uniform: t_x is the largest of x
    uniforms on the time bought in.
    """
    lam = rng.gamma(params["r"], 1 / params["alpha"], n)
    if "s" in params:
        lifetime = rng.exponential(1 / rng.gamma(params["s"], 1 / params["beta"], n))
        active = np.minimum(lifetime, T)
        x = rng.poisson(lam * active)
        t_x = np.where(x > 0, active * rng.beta(np.maximum(x, 1), 1), 0.0)
        future = rng.poisson(lam * np.clip(lifetime - T, 0, horizon))
        return {"x": x, "t_x": t_x, "future": future, "alive_T": lifetime > T, "alive_end": lifetime > T + horizon}
    p = rng.beta(params["a"], params["b"], n)
    repeat_before_dropout = rng.geometric(p) - (name == "ModifiedBetaGeo")  # repeat purchases the customer makes
    n_cal, n_future = rng.poisson(lam * T), rng.poisson(lam * horizon)
    x = np.minimum(n_cal, repeat_before_dropout)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(n_cal - x + 1, 1)), 0.0)
    future = np.clip(np.minimum(n_cal + n_future, repeat_before_dropout) - n_cal, 0, None)
    return {"x": x, "t_x": t_x, "future": future, "alive_T": repeat_before_dropout > n_cal,
            "alive_end": repeat_before_dropout > n_cal + n_future}


@pytest.mark.parametrize("name", CONTINUOUS)
def test_pmfs_match_whole_simulated_customers(name):
    """Monte Carlo, whole customers (200,000, T = 26 weeks, holdout 39 weeks): P(X(T) = n) for n = 0…4 and, among
    the customers with no repeat purchase in (0, T] (an exact conditioning: x = 0 fixes t_x = 0), the predictive
    P(Y(39) = n | 0, 0, T) for n = 0…3 agree with the simulated frequencies within 4 simulation SEs (≤ 0.5 points)."""
    model = model_with(name)
    T, horizon = 26.0, 39.0
    sim = simulate_continuous(name, PARAMS[name][1], 200_000, T, horizon, np.random.default_rng(1901))
    for k in range(5):
        assert close(sim["x"] == k, model.probability_of_purchases(T, k)), k
    silent = sim["x"] == 0
    predicted = model.conditional_probability_of_purchases(horizon, np.arange(4), [0], [0.0], [T])[0]
    for k in range(4):
        assert close(sim["future"][silent] == k, predicted[k]), k


def simulate_posterior_future(name: str, params: dict, history: np.ndarray, p_alive: float, horizon: float, n: int,
                              rng: np.random.Generator) -> np.ndarray:
    """Future counts in (T, T + horizon] drawn from the exact posterior of one history: dead with probability
    1 − P(alive); alive, λ ~ Gamma(r+x, α+T) and p ~ Beta(a, b+x(+1)) (BG/NBD, MBG/NBD) or μ ~ Gamma(s, β+T)
    (Pareto/NBD), then the model's own process forward (dropout after purchases, or an exponential lifetime)."""
    x, _, T = history
    alive = rng.random(n) < p_alive
    lam = rng.gamma(params["r"] + x, 1 / (params["alpha"] + T), n)
    if "s" in params:
        lifetime = rng.exponential(1 / rng.gamma(params["s"], 1 / (params["beta"] + T), n))
        future = rng.poisson(lam * np.minimum(lifetime, horizon))
    else:
        p = rng.beta(params["a"], params["b"] + x + (name == "ModifiedBetaGeo"), n)
        future = np.minimum(rng.poisson(lam * horizon), rng.geometric(p))
    return np.where(alive, future, 0)


@pytest.mark.parametrize("name", CONTINUOUS)
def test_conditional_pmf_matches_futures_simulated_from_the_posterior(name):
    """Monte Carlo from the exact posterior (100,000 futures per history, for a light, a recent heavy, a lapsed heavy
    and a very heavy buyer): P(Y(39) = n | x, t_x, T) for n up to 8 (and the mass beyond) within 4 simulation SEs."""
    model = model_with(name)
    rng = np.random.default_rng(1902)
    for history in HISTORIES[1:]:
        x, t_x, T = history
        p_alive = float(model.probability_alive([x], [t_x], [T])[0])
        future = simulate_posterior_future(name, PARAMS[name][1], history, p_alive, 39.0, 100_000, rng)
        predicted = model.conditional_probability_of_purchases(39.0, np.arange(9), [x], [t_x], [T])[0]
        for k in range(9):
            assert close(future == k, predicted[k]), (history, k)
        assert close(future > 8, 1 - predicted.sum()), history


def test_bgbb_pmfs_match_simulated_supporters():
    """Monte Carlo, whole customers (300,000 donations supporters, 6 + 5 opportunities): P(X(6) = x) and, by exact
    conditioning on the pattern (x, t_x), P(X(6, 11) = x* | x, t_x, 6) within 4 simulation SEs."""
    model = bgbb_model()
    buys, _ = simulate_bgbb(300_000, np.array(list(BGBB_DONATIONS.values())), 11, np.random.default_rng(1903))
    x, t_x = summarise(buys[:, :6])
    future = buys[:, 6:].sum(axis=1)
    for k in range(7):
        assert close(x == k, model.probability_of_purchases(6, k)), k
    for pattern in [(0, 0), (1, 2), (3, 6), (3, 4), (6, 6)]:
        keep = (x == pattern[0]) & (t_x == pattern[1])
        predicted = model.conditional_probability_of_purchases(5, np.arange(6), [pattern[0]], [pattern[1]], [6])[0]
        for k in range(6):
            assert close(future[keep] == k, predicted[k]), (pattern, k)


def test_pareto_pmf_for_very_frequent_buyers_matches_integration():
    """Second implementation: for a buyer with 200 repeat purchases the alive part of the predictive PMF, a new
    customer's P(X(t) = n) at the posterior parameters (r+x, α+T, s, β+T), agrees with its definition integrated
    numerically: NBD(n; r', α'/(α'+t))·(β'/(β'+t))^s + ∫_0^t NBD(n; r', α'/(α'+ω)) s β'^s (β'+ω)^−(s+1) dω."""
    from crmlab.clv.pareto_nbd import _probability_of_purchases

    r, alpha, s, beta = PARAMS["ParetoNBD"][1].values()
    x, T, t = 200, 38.0, 20.0
    r1, a1, b1 = r + x, alpha + T, beta + T

    def nbd(n, w):
        return np.exp(special.gammaln(r1 + n) - special.gammaln(r1) - special.gammaln(n + 1)
                      + r1 * np.log(a1 / (a1 + w)) + special.xlogy(n, w / (a1 + w)))

    for n in (50, 100, 150):
        dead, _ = integrate.quad(lambda w: nbd(n, w) * s * b1**s * (b1 + w) ** (-s - 1), 0, t, epsabs=0, epsrel=1e-10)
        direct = nbd(n, t) * (b1 / (b1 + t)) ** s + dead
        got = _probability_of_purchases(np.array([t]), n, r1, a1, s, b1, alpha_at_least_beta=True)[0]
        assert got == pytest.approx(direct, rel=1e-7), n


# ----- customers alive ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CONTINUOUS)
def test_expected_number_alive_and_future_probability_alive_match_simulated_customers(name):
    """Monte Carlo, whole customers (200,000, T = 26, gap 39 weeks), against the simulated truth within 4 SEs:
    the expected number alive at T and at T + 39 (whatever they buy in between), overall and among customers with
    a given calibration frequency; and P(alive at T + 39 | history, no purchase in the gap) among the customers who
    bought nothing in the gap."""
    model = model_with(name)
    T, gap = 26.0, 39.0
    sim = simulate_continuous(name, PARAMS[name][1], 200_000, T, gap, np.random.default_rng(1904))
    summary = pd.DataFrame({"frequency": sim["x"].astype(float), "recency": sim["t_x"], "T": T})
    at_T, later = model.expected_number_alive(summary), model.expected_number_alive(summary, t=gap)
    assert at_T == pytest.approx(float(np.sum(model.probability_alive(summary))), rel=1e-12)
    n = len(summary)
    assert close(sim["alive_T"], at_T / n) and close(sim["alive_end"], later / n)
    per_customer = model._probability_alive_later(np.full(n, gap), sim["x"].astype(float), sim["t_x"], np.full(n, T))
    for k in (0, 1, 4):
        assert close(sim["alive_end"][sim["x"] == k], per_customer[sim["x"] == k]), k
    quiet = sim["future"] == 0
    predicted = model.probability_alive_at(gap, summary[quiet])
    assert close(sim["alive_end"][quiet], predicted)
    for k in (0, 1, 4):
        sel = sim["x"][quiet] == k
        assert close(sim["alive_end"][quiet][sel], predicted[sel]), k


@pytest.mark.parametrize("name", ["BetaGeo", "ModifiedBetaGeo"])
def test_bgnbd_survival_over_a_gap_matches_integration(name):
    """Second implementation: alive at T, the BG/NBD customer survives the next t with probability
    E[e^{−λpt}] = ∫ (α'/(α'+pt))^{r'} dBeta(p; a, b') (here by quadrature), which the closed form gives through
    Pfaff's transformation of ₂F₁; for histories from none to 300 repeat purchases."""
    model = model_with(name)
    r, alpha, a, b = PARAMS[name][1].values()
    k = name == "ModifiedBetaGeo"
    for x, t in [(0, 10.0), (3, 52.0), (300, 104.0)]:
        T, t_x = 40.0, 40.0 if x else 0.0
        survive = model._probability_alive_later(np.array([t]), np.array([x]), np.array([t_x]), np.array([T]))[0]
        survive /= model.probability_alive([x], [t_x], [T])[0]
        r1, a1, b1 = r + x, alpha + T, b + x + k
        integral, _ = integrate.quad(lambda p: (a1 / (a1 + p * t)) ** r1 * np.exp(
            (a - 1) * np.log(p) + (b1 - 1) * np.log1p(-p) - special.betaln(a, b1)), 0, 1, epsabs=0, epsrel=1e-11)
        assert survive == pytest.approx(integral, rel=1e-8), x


def test_bgbb_expected_number_alive_matches_simulated_supporters():
    """Monte Carlo (300,000 supporters): the expected number alive at opportunity n+1 (t = 0, P(alive) of FHS 2010
    eq. 11) and at n+1+4, and P(alive at n+1+4 | no transaction in opportunities 7…10), within 4 SEs."""
    model = bgbb_model()
    buys, death = simulate_bgbb(300_000, np.array(list(BGBB_DONATIONS.values())), 10, np.random.default_rng(1905))
    x, t_x = summarise(buys[:, :6])
    summary = pd.DataFrame({"frequency": x, "recency": t_x, "T": 6.0})
    n = len(summary)
    assert close(death > 7, model.expected_number_alive(summary) / n)
    assert close(death > 11, model.expected_number_alive(summary, t=4) / n)
    quiet = buys[:, 6:10].sum(axis=1) == 0
    assert close((death > 11)[quiet], model.probability_alive_at(4, summary[quiet]))


def test_expected_number_alive_over_several_horizons():
    """Forms: an array of t gives a Series indexed by t, decreasing, equal to the one-t results; the summary may be
    given as a tuple of columns."""
    model = model_with("ParetoNBD")
    x, t_x, T = HISTORIES.T
    series = model.expected_number_alive((x, t_x, T), t=[0, 26, 52])
    assert list(series.index) == [0, 26, 52] and series.is_monotonic_decreasing
    assert series[52] == pytest.approx(model.expected_number_alive((x, t_x, T), t=52))


# ----- P(alive) history --------------------------------------------------------------------------------------


def test_probability_alive_history_of_a_hand_computed_customer():
    """Hand computation: BG/NBD customer with purchases at weeks 0, 2 and 5 (FHL 2005 CDNOW parameters). Before the
    first repeat purchase P(alive) = 1; then P(alive at τ) = 1 / (1 + a/(b+x−1) · ((α+τ)/(α+t_x))^(r+x)) with the
    history so far: at τ = 3, x = 1, t_x = 2; at τ = 6 and 20, x = 2, t_x = 5."""
    model = model_with("BetaGeo")
    r, alpha, a, b = PARAMS["BetaGeo"][1].values()
    history = model.probability_alive_history([10.0, 12.0, 15.0, 12.0], [1, 3, 6, 20])  # any origin; a repeat counts once
    by_hand = [1.0,
               1 / (1 + a / b * ((alpha + 3) / (alpha + 2)) ** (r + 1)),
               1 / (1 + a / (b + 1) * ((alpha + 6) / (alpha + 5)) ** (r + 2)),
               1 / (1 + a / (b + 1) * ((alpha + 20) / (alpha + 5)) ** (r + 2))]
    np.testing.assert_allclose(history["probability_alive"], by_hand, rtol=1e-12)
    assert history["frequency"].tolist() == [0, 1, 2, 2] and history["recency"].tolist() == [0, 2, 5, 5]


def test_probability_alive_history_from_dates():
    """Second input form: dates with time_unit "W" give the same path as the times in weeks (days / 7)."""
    model = model_with("ParetoNBD")
    dates = pd.to_datetime(["2021-01-04", "2021-01-18", "2021-02-08"])
    from_dates = model.probability_alive_history(pd.Series(dates), [1, 2.5, 6], time_unit="W")
    from_weeks = model.probability_alive_history([0, 2, 5], [1, 2.5, 6])
    pd.testing.assert_frame_equal(from_dates, from_weeks)
    with pytest.raises(ValueError, match="time_unit"):
        model.probability_alive_history(dates, [1, 2])
    with pytest.raises(ValueError, match="grid must be > 0"):
        model.probability_alive_history([0, 2], [0, 1])


def test_probability_alive_history_figure_marks_the_purchases():
    """The figure: labelled axes, P(alive) as drawn, and a mark at each purchase (0, 2, 5 and 8 weeks); from a frame
    without its attrs, the marks come from recency (purchases up to the grid's end, here t = 3: 0 and 2)."""
    model = model_with("BetaGeo")
    history = model.probability_alive_history([0, 2, 5, 8], np.linspace(0.1, 20, 200))
    ax = plot_probability_alive_history(history).axes[0]
    assert "weeks" in ax.get_xlabel() and "alive" in ax.get_ylabel()
    np.testing.assert_allclose(ax.lines[0].get_ydata(), history["probability_alive"])
    assert sorted(float(line.get_xdata()[0]) for line in ax.lines[1:]) == [0.0, 2.0, 5.0, 8.0]
    bare = pd.DataFrame(history[history["t"] <= 3].to_dict("list"))
    ax = plot_probability_alive_history(bare).axes[0]
    assert sorted(float(line.get_xdata()[0]) for line in ax.lines[1:]) == [0.0, 2.0]


# ----- value by period --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*CONTINUOUS, "BetaGeoBetaBinom"])
def test_value_by_period_sums_to_the_customer_lifetime_value(name):
    """Identity: for each customer, Σ_k discounted value of period k = customer_lifetime_value, Σ_k value_k = m·E[Y(HΔ)]
    and Σ_k expected transactions = E[Y(HΔ) | history]; the frame is tidy (customer × period, labels kept)."""
    model = bgbb_model() if name == "BetaGeoBetaBinom" else model_with(name)
    x, t_x, T = (HISTORIES if name != "BetaGeoBetaBinom" else np.array([[0, 0, 6.0], [2, 5, 6.0], [6, 6, 6.0]])).T
    summary = pd.DataFrame({"frequency": x, "recency": t_x, "T": T}, index=pd.Index([f"c{i}" for i in range(len(x))]))
    spend = np.linspace(20, 80, len(x))
    args = dict(monetary_value=spend, discount_rate=0.01, horizon=12, period_length=4.0 if name != "BetaGeoBetaBinom" else 1.0)
    frame = model.customer_lifetime_value_by_period(summary, **args)
    assert len(frame) == 12 * len(x) and list(frame["period"][:12]) == list(range(1, 13))
    totals = frame.groupby("customer", sort=False)[["expected_transactions", "value", "discounted_value"]].sum()
    assert list(totals.index) == list(summary.index)
    np.testing.assert_allclose(totals["discounted_value"], model.customer_lifetime_value(summary, **args), rtol=1e-12)
    horizon_end = 12 * args["period_length"]
    expected = model.conditional_expected_transactions(horizon_end, summary)
    np.testing.assert_allclose(totals["expected_transactions"], expected, rtol=1e-10)
    np.testing.assert_allclose(totals["value"], spend * expected, rtol=1e-10)
    by_period = model.expected_transactions_by_period(summary, horizon=12, period_length=args["period_length"])
    np.testing.assert_allclose(by_period["expected_transactions"], frame["expected_transactions"], rtol=1e-15)
    assert by_period["period_end"].iloc[-1] == horizon_end


def test_value_by_period_of_an_empty_horizon_and_bad_arguments():
    """Edge and bad input: horizon 0 gives no rows (and CLV 0); a negative discount rate is refused by name."""
    model = model_with("BetaGeo")
    frame = model.customer_lifetime_value_by_period([1], [2.0], [10.0], monetary_value=10, discount_rate=0.1, horizon=0)
    assert frame.empty and list(frame.columns) == ["customer", "period", "period_end", "expected_transactions", "value",
                                                   "discounted_value"]
    assert model.customer_lifetime_value([1], [2.0], [10.0], monetary_value=10, discount_rate=0.1, horizon=0)[0] == 0
    with pytest.raises(ValueError, match="discount_rate must be ≥ 0"):
        model.customer_lifetime_value_by_period([1], [2.0], [10.0], monetary_value=10, discount_rate=-0.1, horizon=3)


def test_bgbb_probability_alive_history_counts_every_transaction():
    """Discrete time: for a supporter who gave at opportunities 2 and 3, the path at n = 1…6 is P(alive) of the
    patterns (x, t_x, n) = (0, 0, 1), (1, 2, 2), (2, 3, 3), (2, 3, 4), … (FHS 2010, eq. 11)."""
    model = bgbb_model()
    history = model.probability_alive_history([2, 3], [1, 2, 3, 4, 5, 6])
    x, t_x, n = [0, 1, 2, 2, 2, 2], [0, 2, 3, 3, 3, 3], [1, 2, 3, 4, 5, 6]
    np.testing.assert_allclose(history["probability_alive"], model.probability_alive(x, t_x, n), rtol=1e-14)
    assert history["frequency"].tolist() == x
