"""Time-invariant covariates in the BG/NBD, MBG/NBD and Pareto/NBD (crmlab.clv.covariates).

Checked against: the models without covariates (every γ = 0 gives their published CDNOW log-likelihoods, and
each customer's predictions equal the plain model's at that customer's own parameters), the NumPy
likelihood beside the compiled one and finite differences of the likelihood (gradients), and synthetic
worlds with planted covariate effects (recovery within tolerance; interval coverage over repeated worlds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BetaGeo, BetaGeoBetaBinom, ModifiedBetaGeo, ParetoNBD
from crmlab.clv.covariates import (
    _CovariateLikelihood,
    _links,
    beta_geo_rows,
    covariate_matrix,
    likelihood_ratio_test,
    simulate_summary_with_covariates,
)
from crmlab.data import DataError

MODELS = {"bg_nbd": BetaGeo, "mbg_nbd": ModifiedBetaGeo, "pareto_nbd": ParetoNBD}
BASE = {
    "bg_nbd": {"r": 0.8, "alpha": 5.0, "a": 0.8, "b": 3.0},
    "mbg_nbd": {"r": 0.8, "alpha": 5.0, "a": 0.5, "b": 3.0},
    "pareto_nbd": {"r": 0.8, "alpha": 5.0, "s": 0.7, "beta": 20.0},
}
EFFECTS = {
    "bg_nbd": {"purchase: z1": 0.4, "purchase: d": -0.3, "dropout a: z2": 0.5, "dropout b: d": 0.6},
    "mbg_nbd": {"purchase: z1": 0.4, "purchase: d": -0.3, "dropout a: z2": 0.5, "dropout b: d": 0.6},
    "pareto_nbd": {"purchase: z1": 0.4, "purchase: d": -0.3, "dropout: z2": 0.5, "dropout: d": 0.6},
}


def world(kind: str, n: int, seed: int) -> pd.DataFrame:
    """Customers with a normal, a uniform and a dummy covariate, and their summary drawn from the model."""
    rng = np.random.default_rng(seed)
    customers = pd.DataFrame({"z1": rng.normal(size=n), "z2": rng.uniform(-1, 1, n), "d": rng.integers(0, 2, n) == 1})
    return simulate_summary_with_covariates(kind, customers, BASE[kind], EFFECTS[kind], T=rng.uniform(26, 78, n),
                                            rng=seed + 1)


def fit(kind: str, summary: pd.DataFrame):
    return MODELS[kind]().fit(summary, purchase_covariates=["z1", "d"], dropout_covariates=["z2", "d"])


# ----- nesting: every γ = 0 is the model without covariates ------------------------------------------------


def _total_at(model, summary, params, purchase=("z1",), dropout=("z1",)):
    """Σ ℓ of the covariate likelihood at natural parameters (base four, then the coefficients)."""
    links = _links(model)
    names = list(type(model).param_names) + [f"{lk.label}: {c}" for lk in links
                                              for c in (purchase if lk.process == "purchase" else dropout)]
    helper = _CovariateLikelihood(model, links, names, np.asarray(params))
    data = {c: summary[c].to_numpy(float) for c in ("frequency", "recency", "T")}
    data["z_purchase"] = summary[list(purchase)].to_numpy(float)
    data["z_dropout"] = summary[list(dropout)].to_numpy(float)
    return helper, data


@pytest.mark.parametrize(("model_class", "published"), [(BetaGeo, -9582.43), (ParetoNBD, -9594.98)])
def test_with_every_coefficient_zero_the_likelihood_is_the_models_on_cdnow(cdnow_summary, model_class, published):
    """Nesting: γ = 0 gives the model without covariates, whose CDNOW log-likelihood is published (FHL 2005)."""
    plain = model_class().fit(cdnow_summary)
    summary = cdnow_summary.assign(z1=np.random.default_rng(0).normal(size=len(cdnow_summary)))
    n_coef = len(_links(plain))
    params = np.concatenate([plain.params_.to_numpy(), np.zeros(n_coef)])
    helper, data = _total_at(plain, summary, params)
    total, _ = helper._log_likelihood_gradient_total(params, data, np.ones(len(summary)))
    assert total == pytest.approx(published, abs=0.01)
    assert helper._log_likelihood_rows(params, data).sum() == pytest.approx(plain.log_likelihood_, abs=1e-6)


def test_a_fit_with_a_noise_covariate_is_at_least_as_likely_and_the_lr_test_counts_its_coefficients(cdnow_summary):
    """Nesting: adding a coefficient never lowers the maximum; the LR test has df = the coefficients added."""
    summary = cdnow_summary.assign(noise=np.random.default_rng(2).normal(size=len(cdnow_summary)))
    plain = BetaGeo().fit(summary)
    with_noise = BetaGeo().fit(summary, purchase_covariates=["noise"])
    assert with_noise.log_likelihood_ >= plain.log_likelihood_ - 1e-6
    test = likelihood_ratio_test(with_noise, plain)
    assert test.df == 1 and test.statistic == pytest.approx(2 * (with_noise.log_likelihood_ - plain.log_likelihood_))
    assert 0 <= test.p_value <= 1
    with pytest.raises(ValueError, match="extend"):
        likelihood_ratio_test(plain, with_noise)


# ----- gradients: compiled = NumPy, analytic = numerical -----------------------------------------------------


@pytest.mark.parametrize("kind", ["bg_nbd", "mbg_nbd", "pareto_nbd"])
@pytest.mark.parametrize("alpha", [5.0, 40.0])  # Pareto/NBD: α < β and α > β at the mean customer
def test_the_analytic_gradient_equals_central_differences(kind, alpha):
    summary = world(kind, 300, seed=5)
    model = MODELS[kind]()
    base = np.array(list(BASE[kind].values()))
    base[1] = alpha
    helper, data = _total_at(model, summary, np.zeros(1), purchase=("z1", "d"), dropout=("z2",))
    params = np.concatenate([base, [0.3, -0.2, 0.4, -0.1][: len(helper.param_names) - 4]])
    w = np.ones(len(summary))
    _, grad = helper._log_likelihood_gradient_total(params, data, w)
    numeric = np.empty_like(params)
    for j in range(len(params)):
        h = 1e-6 * max(abs(params[j]), 1.0)
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        numeric[j] = (w @ helper._log_likelihood_rows(up, data) - w @ helper._log_likelihood_rows(down, data)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("k", [0, 1])
def test_the_compiled_per_customer_bgnbd_equals_the_numpy_one(k):
    """Second implementation: the compiled kernel (its own ψ) against SciPy's gammaln/digamma formulas."""
    from crmlab.clv.compiled_likelihoods import beta_geo_rows_at

    rng = np.random.default_rng(7)
    n = 500
    x = rng.poisson(3, n).astype(float)
    T = rng.uniform(10, 80, n)
    t_x = np.where(x > 0, T * rng.uniform(size=n), 0.0)
    alpha, a, b = rng.uniform(0.5, 30, n), rng.uniform(0.05, 5, n), rng.uniform(0.05, 8, n)
    ll, grad = beta_geo_rows_at(0.6, alpha, a, b, x, t_x, T, first_purchase_dropout=k)
    expected = beta_geo_rows(0.6, alpha, a, b, x, t_x, T, first_purchase_dropout=k, grad=True)
    np.testing.assert_allclose(ll, expected["ll"], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grad.T, expected["grad"], rtol=1e-9, atol=1e-10)


def test_the_per_customer_pareto_nbd_equals_the_plain_model_at_each_customers_parameters():
    """Second implementation: each row of the compiled per-customer kernel against ParetoNBD's NumPy likelihood."""
    from crmlab.clv.compiled_likelihoods import pareto_nbd_rows_at

    rng = np.random.default_rng(8)
    n = 40
    x = rng.poisson(3, n).astype(float)
    T = rng.uniform(10, 80, n)
    t_x = np.where(x > 0, T * rng.uniform(size=n), 0.0)
    alpha, beta = rng.uniform(0.5, 30, n), rng.uniform(0.5, 30, n)
    ll, grad, left_out = pareto_nbd_rows_at(0.6, alpha, 0.8, beta, x, t_x, T)
    assert left_out.tolist() == []
    for i in range(n):
        parts = ParetoNBD()._parts(np.array([0.6, alpha[i], 0.8, beta[i]]),
                                   {"frequency": x[i:i + 1], "recency": t_x[i:i + 1], "T": T[i:i + 1]}, grad=True)
        assert ll[i] == pytest.approx(parts["ll"][0], rel=1e-10)
        np.testing.assert_allclose(grad[i], parts["grad"][:, 0], rtol=1e-7, atol=1e-9)


# ----- ground truth ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["bg_nbd", "mbg_nbd", "pareto_nbd"])
def test_planted_effects_are_recovered_on_a_large_world(kind):
    """Ground truth: 20,000 customers; each coefficient within 4 standard errors (and 0.2) of the planted
    value, each baseline parameter within 25%."""
    summary = world(kind, 20_000, seed=11)
    model = fit(kind, summary)
    for name, planted in EFFECTS[kind].items():
        estimate, se = model.params_[name], model.standard_errors_[name]
        assert abs(estimate - planted) < min(4 * se, 0.2), (name, estimate, se)
    for name, planted in BASE[kind].items():
        assert model.params_[name] == pytest.approx(planted, rel=0.25), name
    # a coefficient that is not there is not found either: all four planted ones are significant
    assert (model.wald_tests()["p"] < 0.01).sum() >= 3


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["bg_nbd", "pareto_nbd"])
def test_95_percent_intervals_cover_the_planted_coefficients_at_about_the_nominal_rate(kind):
    """Ground truth over repeated worlds: 30 worlds of 1,500 customers, 4 coefficients each (120 intervals);
    coverage within [0.88, 0.995] (the binomial 99% range around 0.95 for 120 intervals is about [0.89, 0.99])."""
    covered = []
    for seed in range(30):
        model = fit(kind, world(kind, 1_500, seed=100 + seed))
        table = model.summary
        for name, planted in EFFECTS[kind].items():
            covered.append(table.loc[name, "lower 95%"] <= planted <= table.loc[name, "upper 95%"])
    assert 0.88 <= np.mean(covered) <= 0.995, np.mean(covered)


def test_coefficients_are_reported_on_the_users_scale():
    """Standardisation is internal: z' = 10z + 5 gives γ/10, the same likelihood and the same predictions."""
    summary = world("bg_nbd", 2_000, seed=3)
    model = fit("bg_nbd", summary)
    shifted = summary.assign(z1=10 * summary["z1"] + 5)
    rescaled = fit("bg_nbd", shifted)
    assert rescaled.log_likelihood_ == pytest.approx(model.log_likelihood_, abs=1e-4)
    assert rescaled.params_["purchase: z1"] == pytest.approx(model.params_["purchase: z1"] / 10, rel=1e-3)
    assert rescaled.standard_errors_["purchase: z1"] == pytest.approx(model.standard_errors_["purchase: z1"] / 10,
                                                                     rel=1e-2)
    np.testing.assert_allclose(rescaled.probability_alive(shifted), model.probability_alive(summary), rtol=1e-4)


# ----- predictions use each customer's own parameters ----------------------------------------------------


@pytest.mark.parametrize("kind", ["bg_nbd", "mbg_nbd", "pareto_nbd"])
def test_each_customers_predictions_are_the_plain_models_at_that_customers_parameters(kind):
    """Second implementation: the plain model with (r, α_i, a_i, b_i) or (r, α_i, s, β_i) of one customer."""
    summary = world(kind, 1_500, seed=21)
    model = fit(kind, summary)
    p, names = model.params_, type(model).param_names
    customers = summary.iloc[[0, 1, 7, 30]]
    alive = model.probability_alive(customers)
    expected = model.conditional_expected_transactions(10.0, customers)
    clv = model.customer_lifetime_value(customers, monetary_value=20.0, discount_rate=0.01, horizon=4,
                                        period_length=4.0)
    new = model.expected_transactions(26.0, customers[["z1", "z2", "d"]])
    for label, row in customers.iterrows():
        z1, z2, d = row["z1"], row["z2"], float(row["d"])
        own = dict(zip(names, (p[n] for n in names), strict=True))
        own["alpha"] = p["alpha"] * np.exp(-(p["purchase: z1"] * z1 + p["purchase: d"] * d))
        if kind == "pareto_nbd":
            own["beta"] = p["beta"] * np.exp(-(p["dropout: z2"] * z2 + p["dropout: d"] * d))
        else:
            own["a"] = p["a"] * np.exp(p["dropout a: z2"] * z2 + p["dropout a: d"] * d)
            own["b"] = p["b"] * np.exp(p["dropout b: z2"] * z2 + p["dropout b: d"] * d)
        plain = type(model)()
        plain.params_ = pd.Series(own)
        one = row.to_frame().T[["frequency", "recency", "T"]].astype(float)
        assert alive[label] == pytest.approx(float(plain.probability_alive(one).iloc[0]), rel=1e-8)
        assert expected[label] == pytest.approx(float(plain.conditional_expected_transactions(10.0, one).iloc[0]),
                                                rel=1e-8)
        assert clv[label] == pytest.approx(float(plain.customer_lifetime_value(
            one, monetary_value=20.0, discount_rate=0.01, horizon=4, period_length=4.0).iloc[0]), rel=1e-8)
        assert new[label] == pytest.approx(plain.expected_transactions(26.0), rel=1e-8)
    # the base average is the mean over the fitted customers of their own E[X(t)]
    assert model.expected_transactions(26.0) == pytest.approx(model.expected_transactions(26.0, summary).mean())


def test_a_positive_purchase_coefficient_means_more_purchases():
    """The sign convention of the docstring and the caption."""
    summary = world("pareto_nbd", 3_000, seed=4)
    model = fit("pareto_nbd", summary)
    low, high = model.expected_transactions(52.0, {"z1": -1, "z2": 0, "d": 0}), model.expected_transactions(
        52.0, {"z1": 1, "z2": 0, "d": 0})
    assert model.params_["purchase: z1"] > 0 and high > low
    assert "positive purchase coefficient means more purchases" in model.summary.attrs["caption"]


def test_summary_names_the_coefficients_with_standard_errors_and_wald_tests():
    summary = world("bg_nbd", 2_000, seed=6)
    model = fit("bg_nbd", summary)
    assert list(model.summary.index) == ["r", "alpha", "a", "b", "purchase: z1", "purchase: d", "dropout a: z2",
                                         "dropout a: d", "dropout b: z2", "dropout b: d"]
    assert model.summary["se(coef)"].notna().all()
    tests = model.wald_tests()
    assert list(tests.index) == list(model.summary.index[4:])
    assert tests["z"].to_numpy() == pytest.approx((tests["coef"] / tests["se(coef)"]).to_numpy())


def test_a_refit_without_covariates_is_the_plain_model_again(cdnow_summary):
    summary = cdnow_summary.assign(z=np.random.default_rng(0).normal(size=len(cdnow_summary)))
    model = BetaGeo().fit(summary, purchase_covariates=["z"])
    model.fit(summary)
    plain = BetaGeo().fit(summary)
    assert list(model.params_.index) == ["r", "alpha", "a", "b"]
    assert model.log_likelihood_ == pytest.approx(plain.log_likelihood_)
    np.testing.assert_allclose(model.probability_alive(summary), plain.probability_alive(summary))


# ----- bad covariates are refused, naming the column ---------------------------------------------------


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return world("bg_nbd", 200, seed=9)


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        (lambda f: f.assign(region=np.where(f["d"], "north", "south")), "region", "pandas.get_dummies"),
        (lambda f: f.assign(region=f["z1"].where(f.index != f.index[4])), "region", "missing value"),
        (lambda f: f.assign(region=3.0), "region", "constant"),
        (lambda f: f.assign(region=2 * f["z1"] - 1), "region", "collinear"),
        (lambda f: f, "region", "missing column"),
    ],
    ids=["text", "missing value", "constant", "collinear", "absent"],
)
def test_bad_covariates_are_refused_naming_the_column(small, change, column, message):
    with pytest.raises(DataError, match=message) as caught:
        BetaGeo().fit(change(small), purchase_covariates=["z1", column])
    assert any(p.column == column for p in caught.value.problems)


def test_a_missing_value_names_its_row(small):
    bad = small.assign(z2=small["z2"].where(small.index != 17))
    with pytest.raises(DataError) as caught:
        covariate_matrix(bad, ["z2"], process="dropout")
    assert caught.value.problems[0].row == 17 and caught.value.problems[0].column == "z2"


def test_every_dummy_of_a_categorical_variable_is_collinear_with_the_constant(small):
    dummies = pd.get_dummies(pd.Series(np.arange(len(small)) % 3, index=small.index).astype(str), prefix="g")
    with pytest.raises(DataError, match="collinear"):
        BetaGeo().fit(small.join(dummies), dropout_covariates=list(dummies.columns))
    model = BetaGeo().fit(small.join(dummies), dropout_covariates=list(dummies.columns[1:]))
    assert "dropout a: g_1" in model.params_.index


def test_predictions_need_the_covariate_columns(small):
    model = BetaGeo().fit(small, purchase_covariates=["z1"])
    with pytest.raises(DataError, match="missing column") as caught:
        model.probability_alive(small.drop(columns="z1"))
    assert caught.value.problems[0].column == "z1"
    with pytest.raises(TypeError, match="summary DataFrame"):
        model.conditional_expected_transactions(4.0, small["frequency"], small["recency"], small["T"])


def test_models_without_a_covariate_form_refuse_covariates(small):
    with pytest.raises(TypeError, match="does not take covariates"):
        BetaGeoBetaBinom().fit(small.assign(frequency=0, recency=0, T=6), purchase_covariates=["z1"])


def test_a_model_fitted_with_covariates_pickles_with_its_predictions(small):
    import pickle

    model = ParetoNBD().fit(small, purchase_covariates=["z1"], dropout_covariates=["d"])
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(copy.probability_alive(small), model.probability_alive(small))
    assert list(copy.params_.index) == list(model.params_.index)


def test_a_horizon_per_customer_is_taken_with_the_summary(small):
    """As for holdout periods of different lengths: one horizon per customer equals each customer's own."""
    model = BetaGeo().fit(small, purchase_covariates=["z1"], dropout_covariates=["d"])
    horizons = pd.Series(np.linspace(4, 40, len(small)), index=small.index)
    together = model.conditional_expected_transactions(horizons, small)
    one_by_one = [model.conditional_expected_transactions(float(horizons.iloc[i]), small.iloc[[i]]).iloc[0]
                  for i in (0, 50, 199)]
    np.testing.assert_allclose(together.iloc[[0, 50, 199]].to_numpy(), one_by_one, rtol=1e-10)


@pytest.mark.parametrize(
    "call",
    [
        lambda m, s: m.conditional_probability_of_purchases(4.0, 1, s),
        lambda m, s: m.expected_number_alive(s),
        lambda m, s: m.probability_alive_history([0.0, 2.0], [1.0, 3.0]),
    ],
    ids=["conditional pmf", "number alive", "P(alive) history"],
)
def test_predictions_not_yet_wired_to_covariates_refuse_rather_than_use_the_base_parameters(small, call):
    """A prediction at the base parameters would be a silent wrong answer for a customer with covariates."""
    model = BetaGeo().fit(small, purchase_covariates=["z1"], dropout_covariates=["d"])
    with pytest.raises(NotImplementedError, match="fitted with covariates"):
        call(model, small)
