"""Markov-chain CLV (Pfeifer & Carraway 2000): closed forms and a second implementation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import simple_clv
from crmlab.clv.markov import MarkovCLV, estimate_transition_matrix


@pytest.mark.parametrize("timing", ["start", "end"])
def test_two_state_chain_is_the_retention_formula(timing):
    """Second implementation: active/lost with retention r equals simple_clv (Gupta & Lehmann),
    infinite and finite horizons, in both timing conventions."""
    r, m, d = 0.75, 40.0, 0.12
    chain = MarkovCLV.from_retention(r, margin=m, discount_rate=d, timing=timing)
    assert chain.value()["active"] == pytest.approx(simple_clv(m, r, d, timing=timing))
    # a horizon H counts H margins in simple_clv: t = 0..H−1 ("start"), t = 1..H ("end")
    horizon = 6
    finite = chain.value(horizon - 1 if timing == "start" else horizon)["active"]
    assert finite == pytest.approx(simple_clv(m, r, d, horizon=horizon, timing=timing))
    assert chain.value()["lost"] == 0


def test_three_state_example_by_hand():
    """Closed form: a 3-state chain solved by hand. States new (reward 10), loyal (reward 20),
    lost (0, absorbing). With d = 0: V_loyal = 20/(1 − 0.9) = 200, V_new = 10 + 0.5·200 = 110
    (new customers stay new for one period only)."""
    P = [[0.0, 0.5, 0.5], [0.0, 0.9, 0.1], [0.0, 0.0, 1.0]]
    chain = MarkovCLV(P, [10, 20, 0], 0.0, states=["new", "loyal", "lost"])
    np.testing.assert_allclose(chain.value().to_numpy(), [110.0, 200.0, 0.0])
    assert chain.expected_value({"new": 2, "loyal": 2}) == pytest.approx(2 * 110 + 2 * 200)


def test_finite_horizons_converge_to_the_infinite_value():
    """Closed form: V_T → V = (I − P/(1+d))^−1 R, and V_T = Σ_t (P/(1+d))^t R with matrix powers."""
    chain = MarkovCLV.from_recency([0.3, 0.2, 0.15, 0.05], margin=40, marketing_cost=4, discount_rate=0.2)
    P, R = chain.transition_matrix.to_numpy(), chain.rewards.to_numpy()
    direct = sum(np.linalg.matrix_power(P / 1.2, t) @ R for t in range(11))
    np.testing.assert_allclose(chain.value(10).to_numpy(), direct)
    np.testing.assert_allclose(chain.value(400).to_numpy(), chain.value().to_numpy(), rtol=1e-10)


def test_recency_model_structure():
    """Definitions of the P&C recency model: buy → state 1, else one state older; the former
    customer is absorbing and costs nothing; recent buyers are worth more than lapsed ones."""
    p = [0.3, 0.2, 0.15, 0.05]
    chain = MarkovCLV.from_recency(p, margin=40, marketing_cost=4, discount_rate=0.2)
    P = chain.transition_matrix
    assert P.loc["recency 2", "recency 1"] == 0.2 and P.loc["recency 2", "recency 3"] == 0.8
    assert P.loc["recency 4", "former"] == 0.95 and P.loc["former", "former"] == 1.0
    np.testing.assert_allclose(chain.rewards.to_numpy(), [36, -4, -4, -4, 0])
    v = chain.value()
    assert v.is_monotonic_decreasing or v.iloc[:4].is_monotonic_decreasing
    assert v["former"] == 0


def test_state_distribution_rows_sum_to_one():
    chain = MarkovCLV.from_recency([0.4, 0.2], margin=10, marketing_cost=1, discount_rate=0.1)
    dist = chain.state_distribution("recency 1", 20)
    np.testing.assert_allclose(dist.sum(axis=1), 1.0)
    assert dist.iloc[0].tolist() == [1.0, 0.0, 0.0]
    assert dist["former"].is_monotonic_increasing


def test_estimate_transition_matrix_recovers_a_known_chain():
    """Ground truth: a seeded simulation of 3,000 customers over 30 periods on a known P."""
    P = np.array([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.0, 0.0, 1.0]])
    rng = np.random.default_rng(8)
    n, periods = 3000, 30
    states = np.zeros((n, periods), dtype=int)
    for t in range(1, periods):
        u = rng.random(n)
        cum = P[states[:, t - 1]].cumsum(axis=1)
        states[:, t] = (u[:, None] > cum).sum(axis=1)
    names = np.array(["a", "b", "z"])
    panel = pd.DataFrame({
        "customer_id": np.repeat(np.arange(n), periods),
        "period": np.tile(np.arange(periods), n),
        "state": names[states.ravel()],
    })
    est = estimate_transition_matrix(panel)
    np.testing.assert_allclose(est.to_numpy(), P, atol=0.01)
    assert est.attrs["counts"].to_numpy().sum() == n * (periods - 1)
    # a gap in the periods is not a one-period move
    gappy = panel[~((panel["customer_id"] == 0) & (panel["period"] == 5))]
    assert est.attrs["counts"].to_numpy().sum() - estimate_transition_matrix(gappy).attrs["counts"].to_numpy().sum() == 2


def test_invalid_chains_are_rejected():
    with pytest.raises(ValueError, match="sum to 1"):
        MarkovCLV([[0.5, 0.4], [0, 1]], [1, 0], 0.1)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        MarkovCLV([[1.2, -0.2], [0, 1]], [1, 0], 0.1)
    with pytest.raises(ValueError, match="rewards has 3 values"):
        MarkovCLV([[1, 0], [0, 1]], [1, 0, 0], 0.1)
    with pytest.raises(ValueError, match="discount_rate"):
        MarkovCLV([[1, 0], [0, 1]], [1, 0], -1)
    with pytest.raises(ValueError, match="diverges"):
        MarkovCLV([[1, 0], [0, 1]], [1, 0], 0.0).value()
    with pytest.raises(ValueError, match="unknown state"):
        MarkovCLV.from_retention(0.5, margin=1, discount_rate=0.1).expected_value("gone")
    with pytest.raises(ValueError, match="several rows"):
        estimate_transition_matrix(pd.DataFrame({"customer_id": [1, 1], "period": [1, 1], "state": ["a", "b"]}))


def test_zero_reward_recurrent_states_without_discounting_are_worth_nothing():
    """Closed form: with d = 0 a customer who moves (new → regular → a closed two-state cycle
    without rewards) earns 1 + ½·2 = 2 from "new" and 2 from "regular"; the zero-reward
    cycle (not an absorbing state) is worth 0, so the value is finite."""
    P = [[0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5], [0, 0, 0, 1], [0, 0, 1, 0]]
    chain = MarkovCLV(P, [1, 2, 0, 0], 0.0, states=["new", "regular", "dormant a", "dormant b"])
    np.testing.assert_allclose(chain.value().to_numpy(), [1 / 0.5 + 0.5 / 0.5 * 2, 2, 0, 0])


@pytest.mark.parametrize("retention", [0.5, 0.7])
def test_negative_discount_rate_converges_only_below_one(retention):
    """Closed form: with d = −0.2 the retention chain's value is m(1+d)/(1+d−r) for r < 1+d = 0.8
    (r = 0.5, 0.7); for r = 0.9 the series diverges and value() says so, rather than returning the
    meaningless solution of the linear system (−8)."""
    chain = MarkovCLV.from_retention(retention, margin=1.0, discount_rate=-0.2)
    assert chain.value()["active"] == pytest.approx(simple_clv(1.0, retention, -0.2, timing="start"))
    with pytest.raises(ValueError, match="diverges"):
        MarkovCLV.from_retention(0.9, margin=1.0, discount_rate=-0.2).value()


def test_end_timing_is_one_discounted_step_of_start_timing():
    """Definition: V_end = P/(1+d) · V_start (rewards from the next period on), for both horizons."""
    kwargs = {"margin": 40, "marketing_cost": 4, "discount_rate": 0.2}
    start = MarkovCLV.from_recency([0.3, 0.2, 0.15, 0.05], **kwargs)
    end = MarkovCLV(start.transition_matrix, start.rewards, 0.2, states=start.states, timing="end")
    M = start.transition_matrix.to_numpy() / 1.2
    np.testing.assert_allclose(end.value().to_numpy(), M @ start.value().to_numpy())
    np.testing.assert_allclose(end.value(8).to_numpy(), M @ start.value(7).to_numpy())
    assert end.value(0).abs().sum() == 0


def test_state_distribution_is_the_matrix_power_and_expected_value_the_mix():
    """Closed form: π_t = π_0 P^t; the value of a mix is Σ_s π_0(s) V(s)."""
    chain = MarkovCLV.from_recency([0.3, 0.2, 0.15], margin=40, marketing_cost=4, discount_rate=0.1)
    pi0 = np.array([0.5, 0.3, 0.2, 0.0])
    dist = chain.state_distribution(pi0, 6)
    P = chain.transition_matrix.to_numpy()
    np.testing.assert_allclose(dist.loc[6].to_numpy(), pi0 @ np.linalg.matrix_power(P, 6))
    assert chain.expected_value(pi0) == pytest.approx(pi0 @ chain.value().to_numpy())
    assert chain.expected_value(pi0, horizon=3) == pytest.approx(pi0 @ chain.value(3).to_numpy())


def test_more_invalid_inputs():
    with pytest.raises(ValueError, match="discount_rate must be > -1"):
        MarkovCLV([[1.0]], [1.0], -1.5)
    with pytest.raises(ValueError, match="square"):
        MarkovCLV([[0.5, 0.5]], [1.0], 0.1)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        MarkovCLV([[1.5, -0.5], [0.0, 1.0]], [1, 0], 0.1)
    with pytest.raises(ValueError, match="rows \\[1\\]"):
        MarkovCLV([[0.5, 0.5], [0.2, 0.7]], [1, 0], 0.1)
    with pytest.raises(ValueError, match="horizon"):
        MarkovCLV.from_retention(0.5, margin=1, discount_rate=0.1).value(2.5)
    with pytest.raises(ValueError, match="purchase_probabilities"):
        MarkovCLV.from_recency([0.3, 1.2], margin=1, marketing_cost=0.1, discount_rate=0.1)


def _brute_force_optimum(chain):
    """Second implementation: the value of every one of the 2^k stationary policies (market in a
    subset S of the states, stop elsewhere: V_S = (I − P_SS/(1+d))^−1 R_S, 0 outside S), and the
    best of them state by state (Pfeifer & Carraway 2000: stopping makes the customer worth 0)."""
    import itertools

    P, R = chain.transition_matrix.to_numpy(), chain.rewards.to_numpy()
    M = P / (1 + chain.discount_rate)
    k = len(R)
    best, values = np.full(k, -np.inf), {}
    for subset in itertools.product([False, True], repeat=k):
        S = np.array(subset)
        v = np.zeros(k)
        if S.any():
            v[S] = np.linalg.solve(np.eye(S.sum()) - M[np.ix_(S, S)], R[S])
        values[subset] = v
        best = np.maximum(best, v)
    return best, values


@pytest.mark.parametrize("seed", range(6))
def test_optimal_stopping_policy_is_the_best_of_all_policies(seed):
    """Brute force over all 2^k policies on random 5-state chains (seeded), with marketing costs
    in most states: policy iteration finds the state-by-state best value, the policy it returns
    attains it, and it is never below 0 nor below marketing for ever."""
    rng = np.random.default_rng(seed)
    k = 5
    P = rng.dirichlet(np.ones(k) * 0.7, size=k)
    R = np.where(rng.random(k) < 0.4, rng.uniform(5, 30, k), -rng.uniform(0.5, 6, k))
    chain = MarkovCLV(P, R, 0.05 + 0.2 * rng.random())
    policy = chain.optimal_policy()
    best, values = _brute_force_optimum(chain)
    np.testing.assert_allclose(policy["value"].to_numpy(), best, atol=1e-9)
    np.testing.assert_allclose(values[tuple(policy["market"])], best, atol=1e-9)
    assert (policy["value"] >= -1e-12).all()
    assert (policy["value"] >= policy["value_marketed"] - 1e-9).all()


def test_stopping_at_lapsed_states_by_hand():
    """Closed form: recency chain p = (0.3, 0.1, 0.02), M = 40, K = 4, d = 0.2. Marketing the lapsed
    states for ever is worth less than 0; stopping after one period without a purchase gives
    V_1 = 36 + 0.3 V_1 / 1.2, i.e. V_1 = 48, and the lapsed states are worth 0."""
    chain = MarkovCLV.from_recency([0.3, 0.1, 0.02], margin=40, marketing_cost=4, discount_rate=0.2)
    policy = chain.optimal_policy()
    assert policy["market"].tolist() == [True, False, False, False]
    np.testing.assert_allclose(policy["value"].to_numpy(), [48.0, 0, 0, 0])
    assert (policy["value_marketed"].iloc[1:3] < 0).all()
    # With nothing to lose (no marketing cost) every recency state is worth marketing to.
    free = MarkovCLV.from_recency([0.3, 0.1, 0.02], margin=40, marketing_cost=0, discount_rate=0.2).optimal_policy()
    assert free["market"].tolist()[:3] == [True, True, True]
    np.testing.assert_allclose(free["value"], free["value_marketed"])


def test_finite_horizon_policy_by_brute_force_and_its_limit():
    """Brute force over every period-by-period policy of a 3-state chain for 3 periods (2^9), and
    the finite-horizon optimum tends to the infinite one."""
    import itertools

    P = np.array([[0.5, 0.5, 0.0], [0.2, 0.5, 0.3], [0.05, 0.0, 0.95]])
    R = np.array([20.0, -3.0, -2.0])
    chain = MarkovCLV(P, R, 0.1)
    M = P / 1.1
    best = np.full(3, -np.inf)
    for flat in itertools.product([False, True], repeat=9):
        plan = np.array(flat).reshape(3, 3)
        v = np.zeros(3)
        for t in (2, 1, 0):  # periods t = 0, 1, 2 (horizon 2), solved backwards
            v = np.where(plan[t], R + (M @ v if t < 2 else 0), 0.0)
        best = np.maximum(best, v)
    np.testing.assert_allclose(chain.optimal_policy(2)["value"].to_numpy(), best)
    np.testing.assert_allclose(chain.optimal_policy(300)["value"], chain.optimal_policy()["value"], atol=1e-8)
    with pytest.raises(ValueError, match="timing"):
        MarkovCLV(P, R, 0.1, timing="end").optimal_policy()
