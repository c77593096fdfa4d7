"""BG/BB likelihood on the (x, m) grid and its analytic gradient (crmlab.clv.BetaGeoBetaBinom): against the
term-by-term likelihood of FHS (2010, eq. 5), finite differences, the finite-difference fit, the published
donations estimates and a simulated many-opportunity base with known parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln, hyp2f1
from statsmodels.tools.numdiff import approx_fprime

import crmlab.clv.beta_geo_beta_binom as bgbb
from crmlab.clv.beta_geo_beta_binom import BetaGeoBetaBinom
from crmlab.data import load_donations
from tests.test_clv_beta_geo_beta_binom import PUBLISHED, simulate_bgbb, summarise

TRUTH = np.array([1.2, 0.75, 0.66, 2.8])
#: Parameter points: the donations estimates, and corners where p or θ are near 0 or 1 for most customers.
POINTS = [
    np.array([1.204, 0.750, 0.657, 2.783]),
    np.array([0.3, 5.0, 3.0, 0.4]),
    np.array([20.0, 0.2, 0.1, 30.0]),
    np.array([0.05, 0.05, 8.0, 8.0]),
]


def many_opportunities(n_customers, max_n, seed, params=TRUTH):
    """Customers drawn from the BG/BB story, each observed for n ~ uniform{1..max_n} opportunities."""
    rng = np.random.default_rng(seed)
    buys, _ = simulate_bgbb(n_customers, params, max_n, rng)
    n = rng.integers(1, max_n + 1, n_customers)
    x, t_x = summarise(buys & (np.arange(1, max_n + 1)[None, :] <= n[:, None]))
    return {"frequency": x, "recency": t_x, "T": n.astype(float)}


@pytest.fixture(scope="module")
def base():
    return many_opportunities(20_000, 52, seed=5)


@pytest.mark.parametrize("point", range(len(POINTS)))
def test_grid_likelihood_equals_term_by_term(base, point):
    """Second implementation: the grid's log-likelihood equals eq. 5 summed term by term (each term a log-Beta)."""
    params = POINTS[point]
    grid = bgbb._log_likelihood_grid(params, base, gradient=False)[0]
    direct = bgbb._log_likelihood_term_by_term(params, base)
    np.testing.assert_allclose(grid, direct, rtol=1e-12, atol=1e-11)


@pytest.mark.parametrize("point", range(len(POINTS)))
def test_gradient_equals_finite_differences(base, point):
    """Finite differences: every pattern's analytic gradient equals central differences of the term-by-term
    log-likelihood (relative steps, so the error is of order 1e-8 of the gradient's scale)."""
    params = POINTS[point]
    rows = {k: v[:400] for k, v in base.items()}
    grad = bgbb._log_likelihood_grid(params, rows, gradient=True)[1]
    # relative steps: differentiate in u, params = p·(1 + u), then divide by p
    numeric = approx_fprime(np.zeros(4), lambda u: bgbb._log_likelihood_term_by_term(params * (1 + u), rows),
                            epsilon=1e-6, centered=True).T / params[:, None]
    scale = np.abs(numeric).max(axis=1, keepdims=True)
    np.testing.assert_allclose(grad, numeric, rtol=0, atol=1e-6 * float(scale.max()))


def test_grid_in_blocks_and_long_horizons(monkeypatch):
    """Second implementation at n up to 1,000 (where terms span hundreds of orders of magnitude): the grid
    worked on whole and in many small blocks gives the term-by-term likelihood, and finite gradients."""
    data = many_opportunities(150, 1_000, seed=9, params=np.array([2.0, 0.5, 0.2, 40.0]))
    params = np.array([2.0, 0.5, 0.2, 40.0])
    whole = bgbb._log_likelihood_grid(params, data, gradient=True)
    monkeypatch.setattr(bgbb, "_GRID_BLOCK_CELLS", 5_000)
    assert len(bgbb._prepare_grid(data)["block_rows"]) > 10
    blocks = bgbb._log_likelihood_grid(params, data, gradient=True)
    np.testing.assert_array_equal(whole[0], blocks[0])
    np.testing.assert_array_equal(whole[1], blocks[1])
    assert np.all(np.isfinite(whole[1]))
    np.testing.assert_allclose(whole[0], bgbb._log_likelihood_term_by_term(params, data), rtol=1e-11)


def test_patterns_without_dead_terms():
    """Closed form: a customer who bought at every one of n opportunities (t_x = n) has L = A alone,
    B(α+n, β)/B(α,β) · B(γ, δ+n)/B(γ,δ), and the gradient is that of log A."""
    params = np.array([1.2, 0.8, 0.7, 2.5])
    data = {"frequency": np.array([3.0, 0.0]), "recency": np.array([3.0, 0.0]), "T": np.array([3.0, 3.0])}
    ll, grad, _ = bgbb._log_likelihood_grid(params, data, gradient=True)

    def log_a(p):
        return betaln(p[0] + 3, p[1]) - betaln(p[0], p[1]) + betaln(p[2], p[3] + 3) - betaln(p[2], p[3])

    assert ll[0] == pytest.approx(log_a(params), rel=1e-13)
    np.testing.assert_allclose(grad[:, 0], approx_fprime(params, log_a, centered=True), rtol=1e-6)
    assert np.all(np.isfinite(grad))


def _fit(data, weights=None, *, finite_differences):
    model = BetaGeoBetaBinom()
    model._finite_differences = finite_differences
    return model.fit(data["frequency"], data["recency"], data["T"], weights=weights)


def test_donations_same_maximum_as_finite_differences():
    """Published result and second optimiser: FHS (2010) report α 1.204, β 0.750, γ 0.657, δ 2.783, LL −33,225.6;
    the analytic-gradient fit reaches them and the finite-difference fit's maximum, with the same standard errors
    (Hessian from differences of the gradient vs. from the likelihood)."""
    d = load_donations()
    data = {"frequency": d["frequency"], "recency": d["recency"], "T": d["n"]}
    fast = _fit(data, d["n_customers"], finite_differences=False)
    slow = _fit(data, d["n_customers"], finite_differences=True)
    assert fast._has_gradient() and not slow._has_gradient()
    assert fast.params_.round(3).to_dict() == PUBLISHED
    assert fast.log_likelihood_ == pytest.approx(-33225.6, abs=0.05)
    assert fast.log_likelihood_ >= slow.log_likelihood_ - 1e-6
    np.testing.assert_allclose(fast.params_, slow.params_, rtol=1e-4)
    np.testing.assert_allclose(fast.standard_errors_, slow.standard_errors_, rtol=1e-3)
    assert fast.convergence_.nfev < slow.convergence_.nfev


def test_many_opportunities_same_maximum_as_finite_differences():
    """Second optimiser: on 3,000 simulated customers with up to 20 opportunities both fits reach one maximum."""
    data = many_opportunities(3_000, 20, seed=21)
    fast = _fit(data, finite_differences=False)
    slow = _fit(data, finite_differences=True)
    assert fast.log_likelihood_ == pytest.approx(slow.log_likelihood_, abs=1e-6)
    np.testing.assert_allclose(fast.params_, slow.params_, rtol=1e-4)
    np.testing.assert_allclose(fast.standard_errors_, slow.standard_errors_, rtol=1e-3)


def test_recovers_parameters_with_many_opportunities(base):
    """Ground truth: 20,000 customers drawn with known (α, β, γ, δ), n from 1 to 52; estimates within 3 SE."""
    model = BetaGeoBetaBinom().fit(base["frequency"], base["recency"], base["T"])
    assert model.n_rows_fitted_ < 20_000 and model.convergence_.success
    est, se = model.params_.to_numpy(), model.standard_errors_.to_numpy()
    assert np.all(np.abs(est - TRUTH) < 3 * se), (est, se)


def test_predictions_equal_the_published_formulas(base):
    """Second implementation: P(alive) (eq. 11) and DERT (eq. 14) written as published, per customer, with
    log-Beta functions and the term-by-term likelihood, equal the model's vectorised ones."""
    params = POINTS[0]
    model = BetaGeoBetaBinom()
    model.params_ = pd.Series(dict(zip(model.param_names, params, strict=True)))
    alpha, beta, gamma, delta = params
    x, t_x, n = base["frequency"], base["recency"], base["T"]
    ll = bgbb._log_likelihood_term_by_term(params, base)
    p_alive = np.exp(
        betaln(alpha + x, beta + n - x) + betaln(gamma, delta + n + 1) - betaln(alpha, beta) - betaln(gamma, delta) - ll
    )
    np.testing.assert_allclose(model.probability_alive(x, t_x, n), p_alive, rtol=1e-11)
    z = 1 / 1.1
    dert = np.exp(
        betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta) + betaln(gamma, delta + n + 1) - betaln(gamma, delta) - ll
    ) * z * hyp2f1(1.0, delta + n + 1, gamma + delta + n + 1, z)
    np.testing.assert_allclose(model.discounted_expected_residual_transactions(0.1, x, t_x, n), dert, rtol=1e-11)


def _benchmark():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "clv_fit.py"
    spec = importlib.util.spec_from_file_location("clv_fit_bgbb", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_base_is_the_bgbb_with_donations_parameters():
    """Ground truth: the benchmark's many-opportunity base (30,000 customers) gives back its parameters within 3 SE."""
    bench = _benchmark()
    data = bench.bgbb_many_opportunities_summary(30_000, seed=3)
    assert data["T"].min() == 1 and data["T"].max() == 52
    assert ((data["frequency"] <= data["recency"]) & (data["recency"] <= data["T"])).all()
    model = BetaGeoBetaBinom().fit(data)
    truth = np.array(list(bench.BGBB_TRUTH.values()))
    assert np.all(np.abs(model.params_.to_numpy() - truth) < 3 * model.standard_errors_.to_numpy())


@pytest.mark.slow
def test_benchmark_bgbb_case_writes_its_table(tmp_path):
    """The benchmark's BG/BB case runs end to end at a small size (crmlab only) and says whether the goal is met."""
    out = tmp_path / "clv_bgbb.md"
    args = ["--bgbb-many-opportunities", str(out), "--bgbb-customers", "500", "--repeats", "1",
            "--bgbb-reference-repeats", "1"]
    assert _benchmark().main(args) == 0
    text = out.read_text()
    assert "| crmlab, analytic gradient (grid likelihood) | 1 |" in text and "finite differences" in text
    assert "fitted in under 1 s" in text


def test_grid_rows_are_the_distinct_frequencies():
    """Second implementation: with x far apart (0, 7, 300 of n up to 400) the grid has one row per distinct x
    and gives the term-by-term likelihood."""
    data = {"frequency": np.array([0.0, 7.0, 300.0, 7.0]), "recency": np.array([0.0, 9.0, 350.0, 7.0]),
            "T": np.array([5.0, 400.0, 380.0, 12.0])}
    prepared = bgbb._prepare_grid(data)
    assert prepared["x_values"].tolist() == [0, 7, 300] and prepared["row"].tolist() == [0, 1, 2, 1]
    params = np.array([1.5, 0.9, 0.8, 3.0])
    np.testing.assert_allclose(bgbb._log_likelihood_grid(params, data, gradient=False)[0],
                               bgbb._log_likelihood_term_by_term(params, data), rtol=1e-12)
