"""Per-customer intervals of the CLV models (crmlab.clv.uncertainty and the models' predict).

What each test checks against:

- the interval frame's estimate against the model's own prediction methods at the
  point estimate (a second implementation: the models' closed forms, called directly);
- the simulated counts' mean against ``conditional_expected_transactions`` (closed forms
  of FHL 2005, Batislam et al. 2007, F&H 2005 note, FHS 2010), by Monte Carlo;
- coverage in synthetic worlds with known truth: the count intervals against the
  customers' true holdout counts, the parameter intervals against the planted parameters
  over repeated worlds;
- the bootstrap draws' spread against the Hessian's standard errors (two methods).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BetaGeo, BetaGeoBetaBinom, GammaGamma, ModifiedBetaGeo, ParetoNBD
from crmlab.clv.uncertainty import ParameterDraws, parameter_draws, predict_intervals, simulate_counts

#: BG/NBD truth of the synthetic worlds: the published CDNOW estimates (Fader, Hardie & Lee 2005).
BG_TRUTH = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
#: Pareto/NBD truth: the published CDNOW estimates (Fader, Hardie & Lee 2005b).
PARETO_TRUTH = {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}


def bg_nbd_world(n: int, rng: np.random.Generator, horizon: float = 39.0, params: dict | None = None) -> pd.DataFrame:
    """Calibration summary and true holdout count of n customers drawn from the BG/NBD.

    λ ~ Gamma(r, α), p ~ Beta(a, b); T whole weeks in 30..39; N ~ Poisson(λT) purchases
    if the customer never dropped out, dropout right after repeat purchase J ~ Geometric(p),
    so x = min(N, J) and t_x = T·Beta(x, N − x + 1) (the x-th of N uniform times), rounded
    up to whole days. Alive at T iff J > N; then, by the geometric's lack of memory, the
    holdout count is min(Poisson(λ·horizon), J − N).
    """
    r, alpha, a, b = (params or BG_TRUTH).values()
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    T = rng.integers(30, 40, n).astype(float)
    N = rng.poisson(lam * T)
    J = rng.geometric(p)
    x = np.minimum(N, J)
    t_x = T * rng.beta(np.maximum(x, 1), np.maximum(N - x + 1, 1))
    t_x = np.where(x > 0, np.minimum(np.ceil(t_x * 7) / 7, T), 0.0)
    holdout = np.where(J > N, np.minimum(rng.poisson(lam * horizon), J - N), 0)
    return pd.DataFrame({"frequency": x.astype(float), "recency": t_x, "T": T, "holdout": holdout})


def pareto_nbd_world(n: int, rng: np.random.Generator, horizon: float = 39.0) -> pd.DataFrame:
    """Calibration summary and true holdout count of n customers drawn from the Pareto/NBD.

    λ ~ Gamma(r, α), μ ~ Gamma(s, β), lifetime τ ~ Exp(μ); T whole weeks in 30..39;
    x ~ Poisson(λ min(τ, T)), t_x the last of x uniform times in (0, min(τ, T)];
    holdout ~ Poisson(λ · (min(τ, T + horizon) − T)⁺).
    """
    r, alpha, s, beta = PARETO_TRUTH.values()
    lam = rng.gamma(r, 1 / alpha, n)
    mu = rng.gamma(s, 1 / beta, n)
    tau = rng.exponential(1 / mu)
    T = rng.integers(30, 40, n).astype(float)
    active = np.minimum(tau, T)
    x = rng.poisson(lam * active)
    t_x = np.where(x > 0, active * rng.beta(np.maximum(x, 1), 1), 0.0)
    holdout = rng.poisson(lam * np.maximum(np.minimum(tau, T + horizon) - T, 0.0))
    return pd.DataFrame({"frequency": x.astype(float), "recency": t_x, "T": T, "holdout": holdout})


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    from crmlab.customers import transaction_summary
    from crmlab.data import CDNOW_CONVENTIONS, load_cdnow

    return transaction_summary(load_cdnow(), **CDNOW_CONVENTIONS)


@pytest.fixture(scope="module")
def fitted(cdnow: pd.DataFrame) -> dict:
    models = {cls.__name__: cls().fit(cdnow) for cls in (BetaGeo, ModifiedBetaGeo, ParetoNBD)}
    models["GammaGamma"] = GammaGamma().fit(cdnow)
    return models


@pytest.fixture(scope="module")
def donations() -> tuple[BetaGeoBetaBinom, pd.DataFrame]:
    from crmlab.data import load_donations

    d = load_donations()
    model = BetaGeoBetaBinom().fit(d["frequency"], d["recency"], d["n"], weights=d["n_customers"])
    return model, pd.DataFrame({"frequency": d["frequency"], "recency": d["recency"], "T": d["n"]})


# ----- the estimate is the model's own prediction ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["BetaGeo", "ModifiedBetaGeo", "ParetoNBD"])
@pytest.mark.parametrize("what", ["expected_transactions", "probability_alive", "count"])
def test_estimate_is_the_models_prediction_and_inside_the_interval(fitted, cdnow, name, what):
    model = fitted[name]
    frame = model.predict(cdnow, t=39, what=what, n_draws=30, rng=1)
    expected = model.probability_alive(cdnow) if what == "probability_alive" else model.conditional_expected_transactions(39, cdnow)
    assert frame.index.equals(cdnow.index)
    np.testing.assert_allclose(frame["estimate"], expected, rtol=1e-12, atol=1e-15)
    assert (frame["lower"] <= frame["upper"]).all()
    if what == "count":
        assert (frame[["lower", "upper"]] == np.floor(frame[["lower", "upper"]])).all().all()
        assert (frame["lower"] >= 0).all()
    else:
        # parameter intervals hold the point prediction for nearly every customer (a 90% interval of a smooth
        # function of near-normal draws; the delta method's centre)
        inside = (frame["lower"] <= frame["estimate"] + 1e-12) & (frame["estimate"] <= frame["upper"] + 1e-12)
        assert inside.mean() > 0.95


@pytest.mark.parametrize("name", ["BetaGeo", "ModifiedBetaGeo", "ParetoNBD"])
def test_clv_estimate_is_the_models_clv(fitted, cdnow, name):
    model, spend = fitted[name], fitted["GammaGamma"]
    options = {"discount_rate": 0.01, "horizon": 6, "period_length": 52 / 12}
    frame = model.predict(cdnow, what="clv", spend_model=spend, n_draws=10, rng=1, **options)
    expected = spend.customer_lifetime_value(model, cdnow, **options)
    np.testing.assert_allclose(frame["estimate"], expected, rtol=1e-11, atol=1e-12)
    assert ((frame["lower"] <= frame["estimate"] + 1e-9) | (frame["estimate"] == 0)).mean() > 0.9
    # the same through the spend model, roles swapped, same seed: the same frame
    other = spend.predict(cdnow, what="clv", transaction_model=model, n_draws=10, rng=1, **options)
    pd.testing.assert_frame_equal(frame, other)


def test_bgbb_estimates_are_the_models_predictions(donations):
    model, summary = donations
    for what in ("expected_transactions", "probability_alive", "count"):
        frame = model.predict(summary, t=5, what=what, n_draws=20, rng=1)
        expected = model.probability_alive(summary) if what == "probability_alive" else model.conditional_expected_transactions(5, summary)
        np.testing.assert_allclose(frame["estimate"], expected, rtol=1e-12)


def test_spend_interval_holds_the_conditional_expected_spend(fitted, cdnow):
    spend = fitted["GammaGamma"]
    frame = spend.predict(cdnow, n_draws=50, rng=3)
    np.testing.assert_allclose(frame["estimate"], spend.conditional_expected_average_spend(cdnow), rtol=1e-12)
    assert ((frame["lower"] < frame["estimate"]) & (frame["estimate"] < frame["upper"])).mean() > 0.95
    assert frame.attrs["what"] == "spend"


def test_chunks_do_not_change_the_intervals(fitted, cdnow):
    model = fitted["BetaGeo"]
    draws = parameter_draws(model, n_draws=20, rng=5)
    whole = model.predict(cdnow, t=20, draws=draws)
    chunked = model.predict(cdnow, t=20, draws=draws, chunk_cells=21 * 100)  # 100 rows at a time, the (x, T) factor per chunk
    pd.testing.assert_frame_equal(whole, chunked)


# ----- process uncertainty: the simulated counts -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["BetaGeo", "ModifiedBetaGeo", "ParetoNBD"])
def test_simulated_counts_have_the_conditional_expectation_as_mean(fitted, name):
    """Monte Carlo (200,000 futures per history) against the closed-form E[Y(t) | x, t_x, T], within 4 SE."""
    model = fitted[name]
    params = model.params_.to_numpy()
    rng = np.random.default_rng(11)
    for x, t_x, T in ((0.0, 0.0, 38.0), (2.0, 30.0, 35.0), (7.0, 20.0, 39.0)):
        n = 200_000
        history = (np.full(n, x), np.full(n, t_x), np.full(n, T))
        p_alive = np.full(n, float(np.asarray(model.probability_alive([x], [t_x], [T]))[0]))
        counts = simulate_counts(model, params, history[0], history[2], 26.0, p_alive, rng)
        expected = float(np.asarray(model.conditional_expected_transactions(26.0, [x], [t_x], [T]))[0])
        assert abs(counts.mean() - expected) < 4 * counts.std() / np.sqrt(n) + 1e-9, (x, t_x, T)


def test_bgbb_simulated_counts_have_the_conditional_expectation_as_mean(donations):
    model, summary = donations
    params = model.params_.to_numpy()
    rng = np.random.default_rng(12)
    for i in (0, 7, 20):
        row = summary.iloc[i]
        n = 200_000
        history = tuple(np.full(n, float(row[c])) for c in ("frequency", "recency", "T"))
        p_alive = np.asarray(model.probability_alive(*history))
        counts = simulate_counts(model, params, history[0], history[2], 5.0, p_alive, rng)
        expected = float(model.conditional_expected_transactions(5, *(h[:1] for h in history))[0])
        assert abs(counts.mean() - expected) < 4 * counts.std() / np.sqrt(n) + 1e-9, i
        assert counts.max() <= 5


@pytest.mark.parametrize(("model_class", "world"), [(BetaGeo, bg_nbd_world), (ParetoNBD, pareto_nbd_world)])
def test_count_intervals_cover_the_true_holdout_counts(model_class, world):
    """Synthetic world with known parameters (4,000 customers, seed 2): the fitted model's 90% count
    intervals hold the true holdout count of about 90% of customers. Counts are discrete, so an
    interval covers at least its level: we check that at most 5% + 2 points of customers fall below
    the lower end and at most 5% + 2 points above the upper end (each tail at its nominal 5%), and that
    coverage is at least 88% (binomial SE at n = 4,000 is 0.5 points)."""
    rng = np.random.default_rng(2)
    base = world(4000, rng)
    model = model_class().fit(base)
    frame = model.predict(base, t=39, what="count", interval=0.9, n_draws=200, rng=3)
    y = base["holdout"].to_numpy()
    below = float(np.mean(y < frame["lower"].to_numpy()))
    above = float(np.mean(y > frame["upper"].to_numpy()))
    assert below <= 0.07 and above <= 0.07, (below, above)
    assert 1 - below - above >= 0.88
    # and the expected counts add up to the holdout total (the point prediction is unbiased in this world)
    assert abs(frame["estimate"].sum() / y.sum() - 1) < 0.1


# ----- parameter uncertainty --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_parameter_intervals_cover_the_truth_at_their_nominal_rate():
    """40 BG/NBD worlds of 2,000 customers (seeds 0..39): the 90% intervals of the Hessian draws (400 per
    world) cover each true parameter. Over the 160 intervals the coverage is within 0.08 of 0.90
    (binomial SE 0.024), and for each parameter at least 30 of 40."""
    hits = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        base = bg_nbd_world(2000, rng)
        model = BetaGeo().fit(base)
        table = parameter_draws(model, n_draws=400, rng=rng).intervals(0.9)
        truth = pd.Series(BG_TRUTH)
        hits.append(((table["lower"] <= truth) & (truth <= table["upper"])).to_numpy())
    hits = np.array(hits)
    assert abs(hits.mean() - 0.9) < 0.08, hits.mean(axis=0)
    assert (hits.sum(axis=0) >= 30).all(), hits.sum(axis=0)


@pytest.mark.slow
def test_bootstrap_spread_agrees_with_the_hessian_standard_errors():
    """Second method: on a base of 20,000 customers (whole-week recency, so the fit has a few thousand
    distinct rows) the SD of 100 bootstrap refits is within 25% of the Hessian's standard error for every
    parameter (the SD of 100 draws has a relative SE of about 7%)."""
    rng = np.random.default_rng(7)
    base = bg_nbd_world(20_000, rng)
    base["recency"] = np.ceil(base["recency"])
    base["recency"] = np.minimum(base["recency"], base["T"])
    model = BetaGeo().fit(base)
    draws = parameter_draws(model, n_draws=100, method="bootstrap", rng=8)
    assert draws.method == "bootstrap"
    ratio = draws.values.std(axis=0, ddof=1) / model.standard_errors_.to_numpy()
    assert np.all(np.abs(ratio - 1) < 0.25), ratio


def test_bootstrap_draws_are_refits_to_resampled_customers(donations):
    model, summary = donations
    draws = parameter_draws(model, n_draws=20, method="bootstrap", rng=4)
    assert draws.values.shape == (20, 4) and draws.method == "bootstrap"
    # the refits scatter around the estimate by about its standard error
    z = (draws.values.mean(axis=0) - model.params_.to_numpy()) / model.standard_errors_.to_numpy()
    assert np.all(np.abs(z) < 1.5)
    frame = model.predict(summary, t=5, draws=draws)
    assert frame.attrs["method"] == "bootstrap" and frame.attrs["n_draws"] == 20


def test_hessian_draws_have_the_fitted_covariance_on_the_log_scale(fitted):
    model = fitted["BetaGeo"]
    draws = parameter_draws(model, n_draws=20_000, rng=6)
    p = model.params_.to_numpy()
    expected = model.variance_matrix_.to_numpy() / np.outer(p, p)
    sd = np.sqrt(np.diag(expected))
    # SDs within 3% (the SE of an SD from 20,000 draws is 0.5%), correlations within 0.03 (SE about 0.007)
    np.testing.assert_allclose(np.log(draws.values).std(axis=0, ddof=1), sd, rtol=0.03)
    np.testing.assert_allclose(np.corrcoef(np.log(draws.values).T), expected / np.outer(sd, sd), atol=0.03)


# ----- reproducibility and bad arguments --------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_draws_and_intervals(fitted, cdnow):
    model = fitted["ModifiedBetaGeo"]
    a = model.predict(cdnow, t=10, what="count", n_draws=20, rng=42)
    b = model.predict(cdnow, t=10, what="count", n_draws=20, rng=42)
    pd.testing.assert_frame_equal(a, b)
    np.testing.assert_array_equal(parameter_draws(model, n_draws=5, rng=1).values, parameter_draws(model, n_draws=5, rng=1).values)
    assert not np.array_equal(parameter_draws(model, n_draws=5, rng=1).values, parameter_draws(model, n_draws=5, rng=2).values)


def test_frame_records_what_level_and_method(fitted, cdnow):
    frame = fitted["ParetoNBD"].predict(cdnow, what="probability_alive", interval=0.8, method="fixed", n_draws=2)
    assert frame.attrs == {"what": "probability_alive", "interval": 0.8, "method": "fixed", "n_draws": 2,
                           "model": "ParetoNBD", "t": None}
    assert frame.columns.name == "probability_alive, 80% interval, fixed draws (2)"
    # fixed parameters: no parameter uncertainty, the interval is the point
    np.testing.assert_allclose(frame["lower"], frame["estimate"])
    assert isinstance(parameter_draws(fitted["ParetoNBD"], n_draws=3, method="fixed"), ParameterDraws)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"interval": 0.0}, "interval must be in"),
        ({"interval": 1.0}, "interval must be in"),
        ({"interval": 1.5}, "interval must be in"),
        ({"n_draws": 1}, "n_draws must be a whole number ≥ 2"),
        ({"n_draws": 2.5}, "n_draws must be a whole number"),
        ({"what": "revenue"}, "what must be one of"),
        ({"method": "jackknife"}, "method must be one of"),
        ({"what": "spend"}, "what='spend' is GammaGamma's"),
        ({"what": "clv"}, "needs spend_model="),
        ({"what": "count", "t": None}, "needs the horizon t"),
        ({"t": -1.0}, "t must be ≥ 0"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(fitted, cdnow, options, message):
    options = {"t": 10.0, **options}
    with pytest.raises(ValueError, match=message):
        fitted["BetaGeo"].predict(cdnow, **options)


def test_bad_calls_of_the_spend_model_and_unfitted_models(fitted, cdnow):
    from crmlab.clv import NotFittedError

    with pytest.raises(ValueError, match="needs transaction_model="):
        fitted["GammaGamma"].predict(cdnow, what="clv", discount_rate=0.01, horizon=3)
    with pytest.raises(ValueError, match="GammaGamma predicts"):
        fitted["GammaGamma"].predict(cdnow, what="count")
    with pytest.raises(ValueError, match="needs discount_rate and horizon"):
        fitted["BetaGeo"].predict(cdnow, what="clv", spend_model=fitted["GammaGamma"])
    with pytest.raises(NotFittedError):
        BetaGeo().predict(cdnow, t=10)
    with pytest.raises(TypeError, match="must be a DataFrame"):
        fitted["BetaGeo"].predict(cdnow.to_numpy(), t=10)
    with pytest.raises(ValueError, match="draws of BetaGeo given for ParetoNBD"):
        fitted["ParetoNBD"].predict(cdnow, t=10, draws=parameter_draws(fitted["BetaGeo"], n_draws=3, rng=1))


def test_bad_customer_rows_are_named(fitted, cdnow):
    from crmlab.data import DataError

    bad = cdnow.head(5).copy()
    bad.iloc[2, bad.columns.get_loc("recency")] = bad["T"].iloc[2] + 1
    with pytest.raises(DataError, match="recency is after T"):
        fitted["BetaGeo"].predict(bad, t=10)


def test_predict_intervals_is_the_function_behind_predict(fitted, cdnow):
    a = predict_intervals(fitted["BetaGeo"], cdnow, 10, n_draws=5, rng=1)
    b = fitted["BetaGeo"].predict(cdnow, 10, n_draws=5, rng=1)
    pd.testing.assert_frame_equal(a, b)


def test_interval_figure_draws_the_top_customers_error_bars(fitted, cdnow):
    """The figure shows the top customers of the predict frame, their estimates at the points and the
    interval ends at the bars' ends (read back from the drawn artists)."""
    from crmlab import plots

    frame = fitted["BetaGeo"].predict(cdnow, what="clv", spend_model=fitted["GammaGamma"], discount_rate=0.01,
                                      horizon=12, period_length=52 / 12, n_draws=20, rng=1)
    ax = plots.plot_clv_intervals(frame, top=10, currency="$").axes[0]
    top = frame.sort_values("estimate", ascending=False).head(10).iloc[::-1]
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(i) for i in top.index]
    points = ax.lines[0].get_xdata()
    np.testing.assert_allclose(points, top["estimate"])
    segments = ax.collections[0].get_segments()
    np.testing.assert_allclose([s[0][0] for s in segments], np.minimum(top["lower"], top["estimate"]))
    np.testing.assert_allclose([s[1][0] for s in segments], np.maximum(top["upper"], top["estimate"]))
    assert ax.get_xlabel() == "customer lifetime value ($)" and ax.get_ylabel() == "customer_id"
    assert "90% interval" in ax.get_title()
    with pytest.raises(ValueError, match="no column 'lower'"):
        plots.plot_clv_intervals(frame.drop(columns="lower"))


def test_identical_customers_are_evaluated_once():
    """The distinct rows behind the speed: identical (x, t_x, T) rows merge, every customer maps back to its row."""
    from crmlab.clv.uncertainty import _distinct

    x = np.array([2.0, 0.0, 2.0, 1.0, 0.0])
    T = np.array([30.0, 30.0, 30.0, 30.0, 31.0])
    t_x = np.array([10.0, 0.0, 10.0, 5.0, 0.0])
    (dx, dT, dt), inverse = _distinct([x, T, t_x])
    assert list(zip(dx, dT, dt, strict=True)) == [(0, 30, 0), (0, 31, 0), (1, 30, 5), (2, 30, 10)]
    np.testing.assert_array_equal(dx[inverse], x)
    np.testing.assert_array_equal(dt[inverse], t_x)


def test_threads_do_not_change_the_intervals(fitted, cdnow):
    """Chunks in threads with their own spawned streams: one thread and three give the same frame, counts too."""
    model = fitted["ParetoNBD"]
    one = model.predict(cdnow, t=20, what="count", n_draws=20, rng=9, chunk_cells=21 * 500, n_jobs=1)
    three = model.predict(cdnow, t=20, what="count", n_draws=20, rng=9, chunk_cells=21 * 500, n_jobs=3)
    pd.testing.assert_frame_equal(one, three)


def test_clv_margin_scales_the_estimate_and_the_interval(fitted, cdnow):
    """CLV is linear in the margin (TransactionModel.customer_lifetime_value): a 30% margin scales all three columns."""
    model, spend = fitted["BetaGeo"], fitted["GammaGamma"]
    options = {"spend_model": spend, "discount_rate": 0.01, "horizon": 3, "n_draws": 10, "rng": 2}
    full = model.predict(cdnow, what="clv", **options)
    part = model.predict(cdnow, what="clv", margin=0.3, **options)
    np.testing.assert_allclose(part.to_numpy(), 0.3 * full.to_numpy(), rtol=1e-12)
