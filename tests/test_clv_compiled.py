"""The compiled Pareto/NBD and BG/NBD likelihoods (crmlab.clv.compiled_likelihoods) against the NumPy/SciPy
implementations of crmlab.clv.pareto_nbd and crmlab.clv.beta_geo (a second implementation: scipy's hyp2f1,
its central differences and numerical integration for the Pareto/NBD; whole-array NumPy for the BG/NBD),
against scipy's hyp2f1 and finite differences, and fits of both paths against each other and the
published CDNOW estimates."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from scipy import special

from crmlab.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
from crmlab.clv import compiled_likelihoods as compiled

#: Pareto/NBD parameters: the CDNOW estimates, α ≫ β, α ≪ β, α = β, and a frequent-buyer world.
PARETO_PARAMS = [
    np.array([0.553, 10.58, 0.606, 11.67]),
    np.array([0.3, 50.0, 1.5, 2.0]),
    np.array([2.0, 1.0, 0.2, 80.0]),
    np.array([0.9, 4.0, 0.7, 4.0]),
    np.array([3.0, 1.5, 0.5, 40.0]),
]
BG_PARAMS = [np.array([0.243, 4.414, 0.793, 2.426]), np.array([2.0, 40.0, 0.1, 10.0]), np.array([0.5, 0.3, 3.0, 0.7])]


def random_summaries(n: int, seed: int) -> dict[str, np.ndarray]:
    """Summaries with continuous times: x up to ~60, t_x in (0, T], some t_x = T, x = 0 rows with t_x = 0."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(1.0, 80.0, n)
    x = np.floor(rng.exponential(4.0, n)) * (rng.random(n) < 0.6)
    t_x = np.where(x > 0, T * rng.beta(2.0, 1.0, n), 0.0)
    last_at_end = (x > 0) & (rng.random(n) < 0.05)
    t_x[last_at_end] = T[last_at_end]
    return {"frequency": x, "recency": t_x, "T": T}


def pareto_reference(params, data, weights):
    parts = ParetoNBD()._parts(params, data, grad=True)
    return weights @ parts["ll"], parts["grad"] @ weights


@pytest.mark.parametrize("params", PARETO_PARAMS, ids=["cdnow", "alpha>>beta", "alpha<<beta", "equal", "frequent"])
def test_pareto_nbd_totals_equal_the_numpy_implementation(params):
    """Second implementation: the log-likelihood to 1e-12 and the gradient to 1e-9 relative (the NumPy path's
    b- and c-derivatives of ₂F₁ are central differences of hyp2f1, accurate to about 1e-10)."""
    data = random_summaries(4000, 1)
    weights = np.random.default_rng(2).integers(1, 4, 4000).astype(float)
    ll, grad, left_out = compiled.pareto_nbd_totals(params, data, weights)
    want_ll, want_grad = pareto_reference(params, data, weights)
    assert len(left_out) == 0
    assert ll == pytest.approx(want_ll, rel=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-9, atol=1e-9 * np.abs(want_grad).max())


def test_pareto_nbd_heavy_buyers_where_hyp2f1_fails():
    """Numerical stability: frequent buyers (x up to 1,500) with α/β up to 5,000, where scipy's hyp2f1
    returns NaN and the NumPy path integrates Φ numerically: the continued fraction agrees with the
    integration to 1e-10."""
    x = np.array([0.0, 40.0, 500.0, 500.0, 1500.0, 1500.0])
    t_x = np.array([0.0, 3.0, 1.0, 300.0, 2.0, 399.0])
    data = {"frequency": x, "recency": t_x, "T": np.full(6, 400.0)}
    for params in ([0.5, 100.0, 0.6, 1.0], [0.5, 1.0, 0.6, 100.0], [0.5, 5000.0, 0.6, 1.0]):
        params = np.array(params)
        ll, grad, left_out = compiled.pareto_nbd_totals(params, data, np.ones(6))
        want_ll, want_grad = pareto_reference(params, data, np.ones(6))
        assert len(left_out) == 0
        assert ll == pytest.approx(want_ll, rel=1e-10)
        np.testing.assert_allclose(grad, want_grad, rtol=1e-7)


def test_pareto_nbd_rows_the_fraction_cannot_sum_fall_back(monkeypatch):
    """The fallback: rows whose continued fraction does not converge in the allowed steps are left out of
    the compiled sums and computed by the NumPy path; the fit's totals are unchanged."""
    params = PARETO_PARAMS[1]
    data = random_summaries(3000, 3)
    weights = np.ones(3000)
    monkeypatch.setattr(compiled, "MAX_FRACTION_TERMS", 4)
    _, _, left_out = compiled.pareto_nbd_totals(params, data, weights)
    assert 0 < len(left_out) < 3000
    model = ParetoNBD()
    model.compiled_min_rows = 0
    ll, grad = model._log_likelihood_gradient_total(params, data, weights)
    want_ll, want_grad = pareto_reference(params, data, weights)
    assert ll == pytest.approx(want_ll, rel=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-9)


def test_hypergeometric_function_and_derivatives_match_scipy():
    """Second implementation: ln ₂F₁(1, b; c; z) from the series (z ≤ 1/4) and the continued fraction
    (z > 1/4, up to 0.9999) equals scipy's hyp2f1 to 1e-12; its derivatives in b, c and z equal
    central differences of hyp2f1 (and the closed form of the z-derivative) to 1e-7."""
    rng = np.random.default_rng(4)
    b = rng.uniform(0.01, 60, 2000)
    c = b + rng.uniform(0.02, 6, 2000)
    z = np.concatenate([rng.uniform(0, 0.25, 1000), 1 - 10 ** rng.uniform(-4, np.log10(0.75), 1000)])
    got = np.array([compiled._log_hyp(bi, ci, zi, compiled.MAX_FRACTION_TERMS, 1e-15) for bi, ci, zi in zip(b, c, z, strict=True)])
    assert got[:, 4].all()
    h = special.hyp2f1(1.0, b, c, z)
    near_one = z > 0.99  # where hyp2f1 itself is off by up to ~1e-10 (see the mpmath test below)
    np.testing.assert_allclose(got[~near_one, 0], np.log(h[~near_one]), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(got[near_one, 0], np.log(h[near_one]), rtol=1e-9)
    step_b, step_c = 1e-6 * b, 1e-6 * c
    d_b = (np.log(special.hyp2f1(1.0, b + step_b, c, z)) - np.log(special.hyp2f1(1.0, b - step_b, c, z))) / (2 * step_b)
    d_c = (np.log(special.hyp2f1(1.0, b, c + step_c, z)) - np.log(special.hyp2f1(1.0, b, c - step_c, z))) / (2 * step_c)
    d_z = b / c * special.hyp2f1(2.0, b + 1, c + 1, z) / h
    ok = ~near_one  # the differences of hyp2f1 near 1 are not accurate enough: mpmath below
    np.testing.assert_allclose(got[ok, 1], d_b[ok], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got[ok, 2], d_c[ok], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got[ok, 3], d_z[ok], rtol=1e-11)


def test_hypergeometric_function_near_one_matches_arbitrary_precision():
    """Third implementation: near z = 1 (1 − z down to 1e-5), where scipy's hyp2f1 loses digits,
    ln ₂F₁(1, b; c; z) from the continued fraction equals mpmath's 30-digit value to 1e-12, and its
    derivatives in b, c and z mpmath's numerical derivatives to 1e-10."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30

    def log_hyp(b, c, z):
        return mpmath.log(mpmath.hyp2f1(1, b, c, z))

    for b, c, z in [(48.7, 52.36, 0.999), (57.6, 62.3, 0.99975), (0.3, 1.9, 0.9999), (1000.5, 1001.6, 0.99999), (1.6, 2.2, 0.99)]:
        got = compiled._log_hyp(b, c, z, compiled.MAX_FRACTION_TERMS, 1e-15)
        assert got[4] and got[0] == pytest.approx(float(log_hyp(b, c, z)), rel=1e-12), (b, c, z)
        want = [float(mpmath.diff(log_hyp, (b, c, z), order)) for order in ((1, 0, 0), (0, 1, 0), (0, 0, 1))]
        np.testing.assert_allclose(got[1:4], want, rtol=1e-10)


@pytest.mark.parametrize("params", PARETO_PARAMS[:3], ids=["cdnow", "alpha>>beta", "alpha<<beta"])
def test_pareto_nbd_gradient_matches_finite_differences(params):
    """Closed form against numbers: the compiled gradient equals central differences of the compiled
    log-likelihood to 1e-6."""
    data = random_summaries(2000, 5)
    weights = np.ones(2000)

    def total(p):
        return compiled.pareto_nbd_totals(p, data, weights)[0]

    grad = compiled.pareto_nbd_totals(params, data, weights)[1]
    steps = 1e-6 * params
    numeric = [(total(params + e) - total(params - e)) / (2 * e[j]) for j, e in enumerate(np.diag(steps))]
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6 * np.abs(grad).max())


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo])
@pytest.mark.parametrize("params", BG_PARAMS, ids=["cdnow", "slow-dropout", "fast-dropout"])
def test_beta_geo_totals_equal_the_numpy_implementation(cls, params):
    """Second implementation: the BG/NBD (FHL 2005, eq. 6) and MBG/NBD log-likelihood and gradient of the
    compiled pass equal the whole-array NumPy ones to 1e-12."""
    data = random_summaries(4000, 6)
    weights = np.random.default_rng(7).integers(1, 4, 4000).astype(float)
    model = cls()
    ll_rows, grad_rows = model._log_likelihood_gradient_rows(params, model._prepare(dict(data)))
    ll, grad = compiled.beta_geo_totals(params, data, weights, model._first_purchase_dropout)
    assert ll == pytest.approx(weights @ ll_rows, rel=1e-12)
    np.testing.assert_allclose(grad, grad_rows @ weights, rtol=1e-11, atol=1e-11 * np.abs(grad).max())


def test_chunks_and_threads_do_not_change_the_sums(monkeypatch):
    """The rows cut in chunks summed in parallel threads give the sums of one pass to rounding, the same
    numbers on every run, and the same numbers when two fits' evaluations run at once in two threads."""
    data = random_summaries(5000, 8)
    weights = np.ones(5000)
    params = PARETO_PARAMS[0]
    whole = compiled.pareto_nbd_totals(params, data, weights)
    monkeypatch.setattr(compiled, "CHUNK_ROWS", 700)
    chunked = compiled.pareto_nbd_totals(params, data, weights)
    assert chunked[0] == pytest.approx(whole[0], rel=1e-13)
    np.testing.assert_allclose(chunked[1], whole[1], rtol=1e-12)
    again = compiled.pareto_nbd_totals(params, data, weights)
    assert again[0] == chunked[0] and np.array_equal(again[1], chunked[1])
    results: list = [None, None]

    def run(i: int) -> None:
        results[i] = compiled.beta_geo_totals(BG_PARAMS[0], data, weights) if i else compiled.pareto_nbd_totals(params, data, weights)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    alone = compiled.beta_geo_totals(BG_PARAMS[0], data, weights)
    assert results[0][0] == chunked[0] and np.array_equal(results[0][1], chunked[1])
    assert results[1][0] == alone[0] and np.array_equal(results[1][1], alone[1])


@pytest.mark.parametrize("cls", [ParetoNBD, BetaGeo])
def test_compiled_fit_equals_the_numpy_fit_on_cdnow(cls, cdnow_summary):
    """Second implementation: on the CDNOW calibration data the compiled path (forced) finds the NumPy
    path's maximum: the log-likelihood to 1e-10, the estimates to 1e-6 (the Pareto/NBD's likelihood is
    so flat along r/α that gradients differing by 1e-10 stop the optimiser 4e-7 apart) and the standard
    errors to 1e-4."""
    numpy_fit = cls().fit(cdnow_summary)
    forced = cls()
    forced.compiled_min_rows = 0
    forced.fit(cdnow_summary)
    np.testing.assert_allclose(forced.params_.to_numpy(), numpy_fit.params_.to_numpy(), rtol=1e-6)
    assert forced.log_likelihood_ == pytest.approx(numpy_fit.log_likelihood_, rel=1e-10)
    np.testing.assert_allclose(forced.standard_errors_.to_numpy(), numpy_fit.standard_errors_.to_numpy(), rtol=1e-4)


@pytest.mark.parametrize("cls", [ParetoNBD, BetaGeo])
def test_small_data_do_not_load_the_kernels(cls, cdnow_summary, monkeypatch):
    """Below ``compiled_min_rows`` distinct rows (CDNOW: 1,016) the fit is the NumPy one: the compiled
    pass is never called."""

    def refuse(*args, **kwargs):
        raise AssertionError("the compiled pass was used on small data")

    monkeypatch.setattr(compiled, "pareto_nbd_totals", refuse)
    monkeypatch.setattr(compiled, "beta_geo_totals", refuse)
    assert cls().fit(cdnow_summary).n_rows_fitted_ < cls.compiled_min_rows


@pytest.mark.parametrize("params", PARETO_PARAMS + [np.array([0.5, 5000.0, 0.6, 1.0])])
def test_pareto_nbd_predictions_equal_the_numpy_implementation(params):
    """Second implementation: P(alive) and E[Y(10) | x, t_x, T] row by row through the compiled kernel
    equal those from the NumPy path's distinct points (hyp2f1, integration where it fails) to 1e-12."""
    data = random_summaries(3000, 9)
    x, t_x, T = data["frequency"], data["recency"], data["T"]
    compiled_model, numpy_model = ParetoNBD(), ParetoNBD()
    compiled_model.compiled_min_rows, numpy_model.compiled_min_rows = 0, 10**12
    for model in (compiled_model, numpy_model):
        model.params_ = pd.Series(params, index=list(ParetoNBD.param_names))
    np.testing.assert_allclose(compiled_model.probability_alive(x, t_x, T), numpy_model.probability_alive(x, t_x, T),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(compiled_model.conditional_expected_transactions(10.0, x, t_x, T),
                               numpy_model.conditional_expected_transactions(10.0, x, t_x, T), rtol=1e-11, atol=1e-14)
