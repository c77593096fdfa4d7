"""Referrals and word of mouth (crmlab.theories.referral): a hand-worked referral tree and its referral
value, the Bass model against its closed forms, a second estimator and simulated markets, and the
control charts against Montgomery's (2009) worked examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from crmlab.clv import simple_clv
from crmlab.data import DataError
from crmlab.theories.referral import (
    BassDiffusion,
    advertising_vs_referral_roi,
    bass_adoptions,
    bass_cdf,
    bass_external_cumulative,
    bass_ols,
    bass_peak,
    before_after_p_chart,
    customer_referral_value,
    cusum_chart,
    ewma_chart,
    nelson_rules,
    p_chart,
    read_adoptions,
    read_referrals,
    read_service_quality,
    referral_chain,
    referral_feed,
    referral_generations,
    referral_trees,
    referral_value_table,
    simulate_bass_adoptions,
    simulate_referral_world,
    western_electric_rules,
)
from crmlab.theories.referral.bass import bass_pdf

# a → b, a → c, b → d, d → e; x → y (two trees)
TREE = pd.DataFrame({
    "referrer_id": ["a", "a", "b", "d", "x"],
    "referred_id": ["b", "c", "d", "e", "y"],
    "date": ["2024-01-01", "2024-03-01", "2024-02-01", "2024-04-01", "2024-01-15"],
    "reward": [10, 10, 10, 0, 5],
})


def test_hand_worked_tree():
    """Hand-worked: tree a has generations a:0, b,c:1, d:2, e:3 (5 customers, depth 3, widest
    generation 2, referrers a, b, d); tree x has x:0, y:1. Chain to e is a → b → d → e. Of the
    5 referred customers 3 are generation 1 (b, c, y), 1 generation 2 (d), 1 generation 3 (e)."""
    log = read_referrals(TREE)
    gens = referral_generations(log).set_index("customer_id")
    assert gens["generation"].to_dict() == {"a": 0, "b": 1, "c": 1, "d": 2, "e": 3, "x": 0, "y": 1}
    assert gens.loc["a", "n_referred"] == 2 and gens.loc["a", "n_descendants"] == 4 and gens.loc["e", "root_id"] == "a"
    assert pd.isna(gens.loc["a", "joined"]) and gens.loc["d", "joined"] == pd.Timestamp("2024-02-01")
    trees = referral_trees(log).set_index("root_id")
    assert trees.loc["a", ["size", "acquired", "depth", "max_breadth", "n_referrers"]].tolist() == [5, 4, 3, 2, 3]
    assert trees.loc["x", ["size", "depth"]].tolist() == [2, 1]
    assert referral_chain(log, "e") == ["a", "b", "d", "e"]
    feed = referral_feed(log, n_customers=20)
    assert feed["customers"].tolist() == [3, 1, 1]
    assert feed["share_of_referred"].tolist() == pytest.approx([0.6, 0.2, 0.2])
    assert feed["share_of_base"].tolist() == pytest.approx([0.15, 0.05, 0.05])


def test_bad_referral_logs_are_named_by_row_and_column(tmp_path):
    bad = TREE.copy()
    bad.loc[1, "referred_id"] = "a"            # a refers a
    bad.loc[3, "date"] = "2023-12-01"          # d refers e before d was referred (2024-02-01)
    bad.loc[4, "date"] = "2024-13-40"
    bad.loc[4, "reward"] = -5
    with pytest.raises(DataError) as info:
        read_referrals(bad)
    text = str(info.value)
    assert "row 1, column 'referred_id': a customer cannot refer themselves ('a')" in text
    assert "row 4, column 'date': unparseable or missing date ('2024-13-40')" in text
    assert "row 3, column 'date': the referrer recommended someone before being acquired themselves" in text
    assert "row 4, column 'reward': negative value (-5)" in text  # the lab's one wording of a bound
    assert info.value.n_problems == 4
    twice = pd.concat([TREE, TREE.iloc[[2]].assign(referrer_id="c")], ignore_index=True)
    with pytest.raises(DataError, match="row 5, column 'referred_id': customer referred more than once"):
        read_referrals(twice)
    cycle = pd.DataFrame({"referrer_id": ["p", "q"], "referred_id": ["q", "p"], "date": ["2024-01-01", "2024-01-01"]})
    with pytest.raises(DataError, match="referral cycle"):
        read_referrals(cycle)
    path = tmp_path / "referrals.csv"
    TREE.drop(columns="date").assign(when=TREE["date"]).to_csv(path, index=False)
    with pytest.raises(DataError, match="referrals.csv: 1 problem\n  column 'date': missing column"):
        read_referrals(path)
    renamed = read_referrals(path, columns={"when": "date"})
    assert len(renamed) == 5
    broken = TREE.copy()
    broken.loc[2, "referrer_id"] = None
    broken.to_csv(path, index=False)
    with pytest.raises(DataError, match="row 3, column 'referrer_id': missing customer id"):  # file rows count from 1
        read_referrals(path)


def test_adoption_counts_and_service_logs_are_checked(tmp_path):
    """Hand-made tables: counts come back ordered by period (numbers or dates); bad cells are named by
    row (1-based in files) and column."""
    assert read_adoptions(pd.DataFrame({"period": ["2024-02", "2024-01"], "adoptions": [7, 3]})).tolist() == [3, 7]
    path = tmp_path / "adoptions.csv"
    pd.DataFrame({"period": [1, 2, 2, 4], "adoptions": ["5", "-1", "2.5", "x"]}).to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        read_adoptions(path)
    text = str(info.value)
    assert "row 2, column 'adoptions': negative value ('-1')" in text  # the value as found in the file
    assert "row 3, column 'period': duplicate period ('2')" in text
    assert "row 3, column 'adoptions': not a whole number" in text
    assert "row 4, column 'adoptions': not a number ('x')" in text
    service = pd.DataFrame({"period": [1, 2, 3], "interactions": [100, 0, 50], "complaints": [5, 0, 60],
                            "satisfaction": [4.1, 4.0, "good"]})
    with pytest.raises(DataError) as info:
        read_service_quality(service)
    text = str(info.value)
    assert "row 1, column 'interactions': must be ≥ 1 (0)" in text
    assert "row 2, column 'complaints': more complaints than interactions (60)" in text
    assert "row 2, column 'satisfaction': not a number ('good')" in text
    ok = read_service_quality(service.iloc[[0]])
    assert ok[["interactions", "complaints", "satisfaction"]].values.tolist() == [[100, 5, 4.1]]


def test_customer_referral_value_on_a_hand_worked_tree():
    """Hand-worked CRV (monthly periods, r = 1% per month, ACQ = 20, rewards from the log):
    own CLV of each customer = simple_clv(margin, 0.8, 0.01) = margin · 0.8 / 0.21.
    a joined 2023-12-01 (given), refers b on 2024-01-01 (t = 31 days) and c on 2024-03-01 (t = 91 days),
    b would have joined anyway with probability 0.5:
      CRV_a = [(1 − .5)(V_b − 10) + 20] / 1.01^(31/30.4375) + [(V_c − 10) + 20] / 1.01^(91/30.4375);
    b joined 2024-01-01 and refers d on 2024-02-01: CRV_b = [(V_d − 10) + 20] / 1.01^(31/30.4375);
    d (joined 2024-02-01) refers e on 2024-04-01 with no reward: CRV_d = (V_e + 20) / 1.01^(60/30.4375);
    x, a seed with no join date, starts at its first referral: CRV_x = V_y − 5 + 20."""
    log = read_referrals(TREE)
    margins = pd.Series({"a": 30.0, "b": 10.0, "c": 50.0, "d": 20.0, "e": 5.0, "x": 8.0, "y": 12.0})
    clv = simple_clv(margins, 0.8, 0.01)
    V = margins * 0.8 / 0.21
    np.testing.assert_allclose(clv, V)
    crv = customer_referral_value(log, clv, would_join_anyway=pd.Series({"b": 0.5, "c": 0, "d": 0, "e": 0, "y": 0}),
                                  acquisition_cost=20.0, discount_rate=0.01, period="M",
                                  join_dates=pd.Series({"a": "2023-12-01"})).set_index("referrer_id")
    month = 365.25 / 12
    expected_a = (0.5 * (V["b"] - 10) + 20) / 1.01 ** (31 / month) + (V["c"] - 10 + 20) / 1.01 ** (91 / month)
    expected_b = (V["d"] - 10 + 20) / 1.01 ** (31 / month)
    expected_d = (V["e"] + 20) / 1.01 ** (60 / month)
    expected_x = (V["y"] - 5 + 20) / 1.0  # a seed without join date: its first referral is period 0
    assert crv.loc["a", "crv"] == pytest.approx(expected_a)
    assert crv.loc["b", "crv"] == pytest.approx(expected_b)
    assert crv.loc["d", "crv"] == pytest.approx(expected_d)
    assert crv.loc["x", "crv"] == pytest.approx(expected_x)
    assert crv.loc["a", ["n_referred", "n_incremental"]].tolist() == [2, 1.5]
    table = referral_value_table(clv, crv.reset_index())
    assert table.loc["c", "crv"] == 0 and table.loc["a", "total_value"] == pytest.approx(V["a"] + expected_a)
    # medians over the 7 customers: CLV V_y = 45.71 (y's); CRV = CRV_d = 38.8 (the smallest positive one, after
    # three zeros): a (CLV 114.3, CRV > CRV_d) champion, c (190.5, 0) affluent, b (38.1, 85.3) advocate, e miser
    assert table.loc["d", "segment"] == "affluent"
    assert table.loc["a", "segment"] == "champion" and table.loc["c", "segment"] == "affluent"
    assert table.loc["e", "segment"] == "miser" and table.loc["b", "segment"] == "advocate"
    with pytest.raises(ValueError, match="referred_value has no value"):
        customer_referral_value(log, clv.drop("e"))


def test_bass_closed_forms_against_numerical_solutions():
    """Second implementation: F(t) solves dF/dt = (p + qF)(1 − F), F(0) = 0 (scipy solve_ivp); the
    cumulative external adoptions equal the quadrature of p m (1 − F); the peak time and rate equal the
    numerical maximum of m f(t); the shares (p/q) ln(1 + q/p) tend to all-external as q → 0."""
    p, q, m = 0.03, 0.38, 1000.0
    t = np.linspace(0, 25, 251)
    ode = integrate.solve_ivp(lambda _, F: (p + q * F) * (1 - F), (0, 25), [0.0], t_eval=t, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bass_cdf(t, p, q), ode.y[0], atol=1e-8)
    for horizon in (1.0, 5.0, 12.0):
        quad = integrate.quad(lambda s: p * m * (1 - bass_cdf(s, p, q)), 0, horizon)[0]
        assert bass_external_cumulative(horizon, p, q, m) == pytest.approx(quad, rel=1e-9)
    grid = np.linspace(0, 20, 200001)
    density = m * (p + q * bass_cdf(grid, p, q)) * (1 - bass_cdf(grid, p, q))
    peak = bass_peak(p, q, m)
    assert peak["time"] == pytest.approx(grid[density.argmax()], abs=1e-3)
    assert peak["rate"] == pytest.approx(density.max(), rel=1e-8)
    assert peak["cumulative"] == pytest.approx(m * bass_cdf(peak["time"], p, q), rel=1e-9)
    curve = bass_adoptions(p, q, m, 60)
    np.testing.assert_allclose(curve["external"] + curve["word_of_mouth"], curve["adoptions"])
    assert curve["adoptions"].sum() == pytest.approx(m * bass_cdf(60, p, q))
    assert bass_external_cumulative(1e4, 0.05, 1e-8, m) == pytest.approx(m, rel=1e-6)


def test_bass_estimators_recover_known_curves():
    """Exact recovery (noise-free): Bass's OLS (1969) on the discrete difference equation and the NLS fit
    on continuous-time expected counts return the p, q, m that generated them (to 1e-6 relative);
    the NLS fit of kind="discrete" recovers the difference equation too."""
    discrete = bass_adoptions(0.02, 0.45, 5000, 15, kind="discrete")["adoptions"]
    ols = bass_ols(discrete)
    assert ols[["p", "q", "m"]].tolist() == pytest.approx([0.02, 0.45, 5000], rel=1e-6)
    assert BassDiffusion("discrete").fit(discrete).params_.tolist() == pytest.approx([0.02, 0.45, 5000], rel=1e-6)
    continuous = bass_adoptions(0.01, 0.3, 20000, 25)["adoptions"]
    model = BassDiffusion().fit(continuous)
    assert model.params_.tolist() == pytest.approx([0.01, 0.3, 20000], rel=1e-6)
    assert model.r_squared_ == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least 4 periods"):
        BassDiffusion().fit([1, 2, 3])


@pytest.mark.slow
def test_bass_standard_errors_cover_the_truth_in_simulated_markets():
    """Synthetic ground truth: adoption times drawn from the Bass distribution (p = .03, q = .38,
    m = 5000, 20 periods). Over 40 seeded markets the estimates centre on the truth (mean within
    2% for q and m, 5% for p) and the 95% intervals cover each parameter in at least 80% of the markets."""
    truth = np.array([0.03, 0.38, 5000])
    estimates, covered = [], []
    for seed in range(40):
        model = BassDiffusion().fit(simulate_bass_adoptions(*truth, 20, rng=seed))
        estimates.append(model.params_.to_numpy())
        covered.append(((model.summary["lower 95%"] <= truth) & (truth <= model.summary["upper 95%"])).to_numpy())
    relative_error = np.abs(np.mean(estimates, axis=0) / truth - 1)
    assert (relative_error <= [0.05, 0.02, 0.02]).all(), relative_error
    assert (np.mean(covered, axis=0) >= 0.8).all(), np.mean(covered, axis=0)


#: The 10 periods of sales of the widely cited R worked example of the Bass model (Chengjun Wang, 2012,
#: "Bass diffusion model", RPubs; the same vector is the example data of the R package DIMORA's BASS.standard).
BASS_EXAMPLE_SALES = [840, 1470, 2110, 4000, 7590, 10950, 10530, 9470, 7790, 5890]


def _significant(value: float, digits: int = 3) -> float:
    return float(f"{value:.{digits}g}")


def test_bass_density_form_reproduces_the_published_nls_example():
    """Published: the R worked example fits the density form, nls(Sales ~ M*(((P+Q)^2/P)*exp(-(P+Q)*T79))/
    (1+(Q/P)*exp(-(P+Q)*T79))^2) at T79 = 1..10, and R's summary.nls reports M = 6.80e+04 (SE 3.13e+03),
    P = 6.59e-03 (SE 1.43e-03), Q = 6.38e-01 (SE 4.14e-02) and a residual standard error of 727 on 7
    degrees of freedom (Wang 2012; the same table in the tecdat write-up of the example). Equal here to
    every digit published; the interval form, fitted to the same sales, gives a different p (8.8e-3)."""
    model = BassDiffusion("density").fit(BASS_EXAMPLE_SALES)
    published = {"m": (6.80e4, 3.13e3), "p": (6.59e-3, 1.43e-3), "q": (6.38e-1, 4.14e-2)}
    for name, (estimate, se) in published.items():
        assert _significant(model.params_[name]) == estimate, model.summary
        assert _significant(model.standard_errors_[name]) == se, model.summary
    assert round(np.sqrt(model.rss_ / 7)) == 727
    assert model.converged_
    interval = BassDiffusion().fit(BASS_EXAMPLE_SALES)
    assert _significant(interval.params_["p"], 2) == 8.8e-3


def test_bass_density_is_the_derivative_of_the_cdf_and_splits_into_its_sources():
    """Second implementation: f = dF/dt (central differences of bass_cdf) = (p + qF)(1 − F), the Bass
    hazard equation; the density form's adoptions are m f(k), their parts p m (1 − F) and q m F (1 − F)
    add up to them, and its cumulative column is m F(k)."""
    p, q, m = 0.03, 0.38, 1000.0
    t = np.linspace(0.0, 25.0, 101)
    h = 1e-6
    numeric = (np.asarray(bass_cdf(t + h, p, q)) - np.asarray(bass_cdf(t - h, p, q))) / (2 * h)
    np.testing.assert_allclose(bass_pdf(t, p, q), numeric, rtol=1e-6, atol=1e-9)  # rounding of the differences
    F = np.asarray(bass_cdf(t, p, q))
    np.testing.assert_allclose(bass_pdf(t, p, q), (p + q * F) * (1 - F), rtol=1e-12)
    curve = bass_adoptions(p, q, m, 12, kind="density")
    k = np.arange(1, 13)
    np.testing.assert_allclose(curve["adoptions"], m * np.asarray(bass_pdf(k, p, q)))
    np.testing.assert_allclose(curve["external"] + curve["word_of_mouth"], curve["adoptions"])
    np.testing.assert_allclose(curve["cumulative"], m * np.asarray(bass_cdf(k, p, q)))
    exact = bass_adoptions(0.01, 0.3, 20000, 25, kind="density")["adoptions"]
    assert BassDiffusion("density").fit(exact).params_.tolist() == pytest.approx([0.01, 0.3, 20000], rel=1e-6)
    with pytest.raises(ValueError, match="kind must be one of 'continuous', 'discrete', 'density'"):
        BassDiffusion("rate")


@pytest.fixture(scope="module")
def world():
    return simulate_referral_world(3000, 0.02, 0.4, 24, rng=3)


def test_referral_world_ground_truth(world):
    """Synthetic ground truth: the log holds exactly the word-of-mouth joiners, each after its referrer;
    the discrete Bass fit recovers p and q within 3 standard errors, and its external share of the
    adoptions is within 0.03 of the simulated one."""
    log = read_referrals(world.referrals)
    wom = world.customers[world.customers["source"] == "word_of_mouth"]
    assert sorted(log["referred_id"]) == sorted(wom["customer_id"])
    assert world.adoptions["total"].sum() == len(world.customers)
    model = BassDiffusion("discrete").fit(world.adoptions["total"])
    for name in ("p", "q"):
        assert abs(model.params_[name] - world.truth[name]) < 3 * model.standard_errors_[name], model.summary
    simulated = world.adoptions["external"].sum() / world.adoptions["total"].sum()
    assert model.adoption_split(24)["external"] == pytest.approx(simulated, abs=0.03)
    gens = referral_generations(log)
    assert set(gens.loc[gens["generation"] == 0, "customer_id"]) <= set(world.customers.loc[world.customers["source"] == "external", "customer_id"])


def test_advertising_vs_referral_roi_by_hand():
    """Hand-worked with the closed-form F over one period (m = 1000): the campaign (p .01 → .02, cost 500)
    adds 1000 [F(1; .02, .3) − F(1; .01, .3)] adopters worth 100 each; the referral programme (q .3 → .5,
    fixed cost 100, reward 2 per word-of-mouth adoption) adds 1000 [F(1; .01, .5) − F(1; .01, .3)]."""
    table = advertising_vs_referral_roi(0.01, 0.3, 1000, horizon=1, value_per_adopter=100, advertising_cost=500,
                                        advertising_lift=0.01, referral_fixed_cost=100, referral_reward=2, referral_lift=0.2)
    ad = 1000 * (bass_cdf(1, 0.02, 0.3) - bass_cdf(1, 0.01, 0.3))
    ref = 1000 * (bass_cdf(1, 0.01, 0.5) - bass_cdf(1, 0.01, 0.3))
    wom = 1000 * bass_cdf(1, 0.01, 0.5) - bass_external_cumulative(1, 0.01, 0.5, 1000)
    assert table.loc["advertising", "incremental_adoptions"] == pytest.approx(ad)
    assert table.loc["advertising", "roi"] == pytest.approx((100 * ad - 500) / 500)
    assert table.loc["referral", "cost"] == pytest.approx(100 + 2 * wom)
    assert table.loc["referral", "roi"] == pytest.approx((100 * ref - 100 - 2 * wom) / (100 + 2 * wom))


#: Montgomery (2009), Introduction to Statistical Quality Control, 6th ed., Table 7.1 / Example 7.1:
#: nonconforming orange-juice cans in 30 samples of 50.
MONTGOMERY_7_1 = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6]
#: Montgomery (2009), Table 9.1 (used in Examples 9.1 and 9.2): x₁..x₂₀ ~ N(10, 1), x₂₁..x₃₀ ~ N(11, 1).
MONTGOMERY_9_1 = [9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34, 9.03, 11.47, 10.51, 9.40, 10.08,
                  9.37, 10.62, 10.31, 8.52, 10.84, 10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52]


def test_p_chart_reproduces_montgomery_example_7_1():
    """Textbook: p̄ = 347/1500 = 0.2313, UCL = 0.4102, LCL = 0.0524 (published to 4 decimals), and samples
    15 and 23 plot above the UCL; with variable n the limits follow p̄ ± 3√(p̄(1 − p̄)/nᵢ)."""
    chart = p_chart(MONTGOMERY_7_1, 50)
    assert chart["center"].iloc[0] == pytest.approx(0.2313, abs=5e-5)
    assert chart["ucl"].iloc[0] == pytest.approx(0.4102, abs=5e-5)
    assert chart["lcl"].iloc[0] == pytest.approx(0.0524, abs=5e-5)
    assert chart.loc[chart["out_of_control"], "sample"].tolist() == [15, 23]
    assert western_electric_rules(chart["z"])["rule_1"].to_numpy().nonzero()[0].tolist() == [14, 22]
    varying = p_chart([5, 10], [50, 200])
    pbar = 15 / 250
    assert varying["ucl"].tolist() == pytest.approx([pbar + 3 * np.sqrt(pbar * (1 - pbar) / n) for n in (50, 200)])
    assert varying["lcl"].tolist() == [0.0, pytest.approx(pbar - 3 * np.sqrt(pbar * (1 - pbar) / 200))]
    with pytest.raises(ValueError, match="sample 2"):
        p_chart([1, 60], 50)


def test_cusum_and_ewma_against_montgomery_chapter_9():
    """Textbook Example 9.1 (μ₀ = 10, σ = 1, k = 0.5, h = 5): the tabular CUSUM first signals at sample 29
    with C⁺₂₉ = 5.28 and N⁺ = 7 (the shift began after sample 22). EWMA (λ = 0.1, L = 2.7): the recursion
    equals its closed form zᵢ = λ Σ (1 − λ)^j x_{i−j} + (1 − λ)^i μ₀, and the limits are 10 ± 0.27 at
    i = 1 and tend to 10 ± 2.7 √(0.1/1.9) = 10 ± 0.6194."""
    cusum = cusum_chart(MONTGOMERY_9_1, target=10, sigma=1, k=0.5, h=5)
    assert cusum["signal"].idxmax() + 1 == 29
    assert cusum.loc[28, "c_plus"] == pytest.approx(5.28, abs=1e-9) and cusum.loc[28, "n_plus"] == 7
    ewma = ewma_chart(MONTGOMERY_9_1, target=10, sigma=1, lam=0.1, L=2.7)
    x = np.array(MONTGOMERY_9_1)
    closed = [0.1 * sum(0.9**j * x[i - j] for j in range(i + 1)) + 0.9 ** (i + 1) * 10 for i in range(len(x))]
    np.testing.assert_allclose(ewma["ewma"], closed)
    assert ewma["ucl"].iloc[0] == pytest.approx(10.27) and ewma["lcl"].iloc[0] == pytest.approx(9.73)
    assert ewma_chart(np.full(500, 10.0), target=10, sigma=1, lam=0.1, L=2.7)["ucl"].iloc[-1] == pytest.approx(10 + 2.7 * np.sqrt(0.1 / 1.9))
    # the estimated σ is the mean moving range / 1.128
    assert cusum_chart([1.0, 3.0, 2.0])["h"].iloc[0] == pytest.approx(5 * 1.5 / 1.128)


def test_run_rules_on_constructed_sequences():
    """Hand-constructed sequences, one per rule: each flags exactly where the pattern completes."""
    we = western_electric_rules([0.5, 2.5, 0.3, 2.2, -0.5])
    assert we["rule_2"].tolist() == [False, False, False, True, False]      # 2 of 3 above 2σ at sample 4
    we = western_electric_rules([1.5, 1.2, 0.2, 1.1, 1.8, -1])
    assert we["rule_3"].tolist() == [False, False, False, False, True, False]
    we = western_electric_rules([0.1] * 8 + [-0.1])
    assert we["rule_4"].tolist() == [False] * 7 + [True, False]
    assert not western_electric_rules([2.5, -2.5, 0.0])["rule_2"].any()     # opposite sides do not count
    nelson = nelson_rules([0.1] * 9)
    assert nelson["rule_2"].tolist() == [False] * 8 + [True]
    assert nelson_rules([-1, -0.5, 0, 0.5, 1, 1.5])["rule_3"].tolist() == [False] * 5 + [True]
    zigzag = [0.5 * (-1) ** k for k in range(14)]
    assert nelson_rules(zigzag)["rule_4"].tolist() == [False] * 13 + [True]
    assert nelson_rules([0.1] * 15)["rule_7"].iloc[-1] and not nelson_rules([0.1] * 14)["rule_7"].any()
    assert nelson_rules([1.5, -1.5] * 4)["rule_8"].tolist() == [False] * 7 + [True]


def test_before_after_comparison_by_hand():
    """Hand-worked pooled two-proportion z: before 33/300, after 12/300, p̂ = 45/600,
    z = (0.04 − 0.11) / √(p̂(1 − p̂)(2/300)); each phase gets its own p̄ and limits."""
    chart, test = before_after_p_chart([10, 12, 11, 4, 5, 3], 100, change_at=4)
    pooled = 45 / 600
    z = (0.04 - 0.11) / np.sqrt(pooled * (1 - pooled) * (2 / 300))
    assert test.loc["after", "change"] == pytest.approx(-0.07)
    assert test.loc["after", "z"] == pytest.approx(z)
    assert chart.groupby("phase")["center"].first().to_dict() == pytest.approx({"after": 0.04, "before": 0.11})
    assert chart["sample"].tolist() == [1, 2, 3, 4, 5, 6]


def test_referral_figures_draw(world):
    from crmlab import plots

    model = BassDiffusion("discrete").fit(world.adoptions["total"])
    fig = plots.plot_bass_fit(model.predict())
    assert fig.axes[0].get_ylabel() == "adoptions"
    log = read_referrals(world.referrals)
    feed = referral_feed(log)
    bars = sorted(p.get_height() for p in plots.plot_referral_generations(feed).axes[0].patches)
    assert bars == sorted(feed["customers"])
    clv = world.customers.set_index("customer_id")["clv"]
    table = referral_value_table(clv, customer_referral_value(log, clv))
    assert plots.plot_value_quadrants(table).axes[0].get_xlabel() == "own customer lifetime value (CLV)"
    chart = p_chart(MONTGOMERY_7_1, 50)
    ax = plots.plot_control_chart(chart).axes[0]
    assert len(ax.collections[0].get_offsets()) == 2   # the two out-of-control samples


def test_missing_and_numeric_ids_are_shown_as_written(tmp_path):
    """Definition: a missing id shows what the cell holds (None, or the marker 'NA'), and ids are compared
    by value: a referrer written 7 (a whole-number column) is the customer referred as "7"."""
    log = TREE.astype({"referrer_id": object})
    log.loc[1, "referrer_id"] = None
    log.loc[2, "referrer_id"] = "NA"
    with pytest.raises(DataError) as info:
        read_referrals(log)
    text = str(info.value)
    assert "row 1, column 'referrer_id': missing customer id (None)" in text
    assert "row 2, column 'referrer_id': missing customer id ('NA')" in text
    numeric = pd.DataFrame({"referrer_id": [1, 7], "referred_id": ["7", "8.0"], "date": ["2024-01-01", "2024-02-01"]})
    assert referral_chain(read_referrals(numeric), "8") == ["1", "7", "8"]
    path = tmp_path / "referrals.csv"
    TREE.assign(date=["01/01/2024", "01/03/2024", "01/02/2024", "01/04/2024", "15/01/2024"]).to_csv(path, index=False)
    # day-first join dates: d was acquired on 1 Feb and referred e on 1 Apr (per-value parsing read
    # 01/04/2024 as 4 January and called it a referral before d was acquired)
    assert read_referrals(path).set_index("referred_id").loc["e", "date"] == pd.Timestamp("2024-04-01")


def test_service_quality_reports_a_bad_count_once():
    """Hand-made table: a negative interaction count is one problem; it is not also compared with the
    complaints (which a valid count would exceed)."""
    from crmlab.theories.referral import read_service_quality

    with pytest.raises(DataError) as info:
        read_service_quality(pd.DataFrame({"period": ["2024-01", "2024-02"], "interactions": [-3, 10], "complaints": [2, 1]}))
    assert info.value.n_problems == 1 and "row 0, column 'interactions'" in str(info.value)
