"""Proactive against reactive retention: who to contact before they leave, and what it returns.

Proactive retention contacts the customers most at risk before they decide;
reactive retention waits for a churner to voice the intent to leave and then
makes an offer (Ascarza, Iyengar & Schleicher 2016, "The perils of proactive
churn prevention", Journal of Marketing Research 53(1)).
:func:`expected_retention_outcome` gives the expectations in closed form,
:func:`simulate_retention_strategies` their distribution by Monte Carlo.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab.data.errors import DataError, Problem
from crmlab.stats.generators import as_generator

__all__ = ["expected_retention_outcome", "simulate_retention_strategies"]


def _retention_inputs(churn_probability: Any, value: Any, risk_score: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Churn probabilities, values and risk scores as float arrays, one per customer; a DataError names
    every missing or infinite entry (a NaN risk score would otherwise sort last and never be contacted)."""
    p = np.asarray(churn_probability, dtype=float)
    if p.ndim != 1:
        raise ValueError(f"churn_probability must hold one probability per customer (1-D), got shape {p.shape}")
    try:
        v = np.broadcast_to(np.asarray(value, dtype=float), p.shape)
    except ValueError:
        raise ValueError(f"value must be one number or one per customer ({p.shape[0]}), got shape {np.shape(value)}") from None
    score = p if risk_score is None else np.asarray(risk_score, dtype=float)
    problems = [Problem("churn probability missing or not finite", row=int(i), column="churn_probability", value=float(p[i]))
                for i in np.flatnonzero(~np.isfinite(p))]
    problems += [Problem("churn probability outside [0, 1]", row=int(i), column="churn_probability", value=float(p[i]))
                 for i in np.flatnonzero(np.isfinite(p) & ~((p >= 0) & (p <= 1)))]
    problems += [Problem("customer value missing or not finite", row=int(i), column="value", value=float(v[i]))
                 for i in np.flatnonzero(~np.isfinite(v))]
    if score.shape != p.shape:
        problems.append(Problem(f"one risk score per customer needed ({p.shape[0]}), got {score.shape}", column="risk_score"))
    elif risk_score is not None:
        problems += [Problem("risk score missing or not finite", row=int(i), column="risk_score", value=float(score[i]))
                     for i in np.flatnonzero(~np.isfinite(score))]
    if problems:
        raise DataError("DataFrame", problems)
    return p, v, score


def _check_contacts(proactive_contacts: Any, n: int) -> int:
    """The number of proactive contacts as an int: a whole number between 0 and the number of customers."""
    try:
        k = float(proactive_contacts)
    except (TypeError, ValueError):
        raise ValueError(f"proactive_contacts must be a whole number, got {proactive_contacts!r}") from None
    if isinstance(proactive_contacts, bool) or not np.isfinite(k) or k != int(k):
        raise ValueError(f"proactive_contacts must be a whole number of customers, got {proactive_contacts!r}")
    if not 0 <= k <= n:
        raise ValueError(f"proactive_contacts must be between 0 and the number of customers ({n}), got {proactive_contacts}")
    return int(k)


def _check_rates(**rates: float) -> None:
    for name, value in rates.items():
        if name.endswith("cost"):
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a cost ≥ 0, got {value!r}")
        elif not 0 <= value <= 1:
            raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")


def expected_retention_outcome(
    churn_probability: Any,
    value: Any,
    *,
    proactive_contacts: int,
    proactive_cost: float,
    proactive_success: float,
    voice_rate: float,
    reactive_cost: float,
    reactive_success: float,
    risk_score: Any = None,
) -> pd.DataFrame:
    """Expected customers saved, cost and retained value of proactive and reactive retention (closed form).

    Proactive: the firm contacts the ``proactive_contacts`` customers with the highest risk score
    before they decide, at ``proactive_cost`` each; a contacted would-be churner stays with
    probability ``proactive_success``: E[saved] = Σ_contacted pᵢ·s_p, cost = K·c_p. Reactive: a
    churner says so (calls to cancel) with probability ``voice_rate`` and is made an offer at
    ``reactive_cost``, accepted with probability ``reactive_success``: E[saved] = Σ pᵢ·v·s_r,
    E[cost] = Σ pᵢ·v·c_r (Ascarza, Iyengar & Schleicher 2016, "The perils of proactive churn
    prevention", Journal of Marketing Research 53(1), contrast both). Value saved = Σ pᵢ·(…)·CLVᵢ.
    A missing or infinite churn probability, value or risk score raises a DataError naming the
    customer (by position); ``proactive_contacts`` must be a whole number (ValueError otherwise).

    >>> expected_retention_outcome([0.5, 0.1], [100.0, 100.0], proactive_contacts=1, proactive_cost=5.0,
    ...     proactive_success=0.4, voice_rate=0.5, reactive_cost=10.0, reactive_success=0.6)[["expected_saved", "expected_cost"]].round(2).to_numpy().tolist()
    [[0.2, 5.0], [0.18, 3.0]]
    """
    p, v, score = _retention_inputs(churn_probability, value, risk_score)
    _check_rates(proactive_cost=proactive_cost, reactive_cost=reactive_cost, proactive_success=proactive_success,
                 reactive_success=reactive_success, voice_rate=voice_rate)
    proactive_contacts = _check_contacts(proactive_contacts, len(p))
    targeted = np.zeros(len(p), bool)
    targeted[np.argsort(-score, kind="stable")[:proactive_contacts]] = True
    rows = [
        {"strategy": "proactive", "expected_saved": float((p * targeted).sum() * proactive_success),
         "expected_cost": float(proactive_contacts * proactive_cost),
         "expected_value_saved": float((p * v * targeted).sum() * proactive_success)},
        {"strategy": "reactive", "expected_saved": float((p * voice_rate).sum() * reactive_success),
         "expected_cost": float((p * voice_rate).sum() * reactive_cost),
         "expected_value_saved": float((p * v).sum() * voice_rate * reactive_success)},
    ]
    out = pd.DataFrame(rows)
    out["expected_net_value"] = out["expected_value_saved"] - out["expected_cost"]
    return out


def simulate_retention_strategies(
    churn_probability: Any,
    value: Any,
    *,
    proactive_contacts: int,
    proactive_cost: float,
    proactive_success: float,
    voice_rate: float,
    reactive_cost: float,
    reactive_success: float,
    risk_score: Any = None,
    n_simulations: int = 1000,
    rng: np.random.Generator | int | None = None,
) -> pd.DataFrame:
    """Proactive against reactive retention (and doing nothing), by Monte Carlo simulation.

    In each simulated period every customer churns with probability pᵢ (Bernoulli). *Proactive*:
    the top ``proactive_contacts`` by ``risk_score`` (default: the churn probabilities, a perfect
    ranking) are contacted first at ``proactive_cost`` each, and a contacted churner is kept with
    probability ``proactive_success``. *Reactive*: a churner voices the intent to leave with
    probability ``voice_rate``, gets an offer at ``reactive_cost`` and stays with probability
    ``reactive_success``. Returns per strategy the mean and standard deviation over simulations of
    customers lost and saved, cost, value saved (Σ CLV of the saved), net value and ROI, next to the
    closed-form expectations of :func:`expected_retention_outcome`.

    >>> sims = simulate_retention_strategies([0.5] * 100, 10.0, proactive_contacts=50, proactive_cost=1.0,
    ...     proactive_success=0.5, voice_rate=0.5, reactive_cost=2.0, reactive_success=0.5, n_simulations=200, rng=1)
    >>> sims["strategy"].tolist()
    ['none', 'proactive', 'reactive']
    """
    p, v, score = _retention_inputs(churn_probability, value, risk_score)
    proactive_contacts = _check_contacts(proactive_contacts, len(p))
    expected = expected_retention_outcome(p, v, proactive_contacts=proactive_contacts, proactive_cost=proactive_cost,
                                          proactive_success=proactive_success, voice_rate=voice_rate,
                                          reactive_cost=reactive_cost, reactive_success=reactive_success, risk_score=score)
    if int(n_simulations) != n_simulations or n_simulations < 2:
        raise ValueError(f"n_simulations must be a whole number ≥ 2, got {n_simulations}")
    gen = as_generator(rng)
    n = len(p)
    targeted = np.zeros(n, bool)
    targeted[np.argsort(-score, kind="stable")[:proactive_contacts]] = True
    churn = gen.random((int(n_simulations), n)) < p
    kept_proactive = churn & targeted & (gen.random(churn.shape) < proactive_success)
    voiced = churn & (gen.random(churn.shape) < voice_rate)
    kept_reactive = voiced & (gen.random(churn.shape) < reactive_success)
    outcomes = {
        "none": (np.zeros_like(churn), np.zeros(len(churn))),
        "proactive": (kept_proactive, np.full(len(churn), proactive_contacts * proactive_cost, dtype=float)),
        "reactive": (kept_reactive, voiced.sum(axis=1) * reactive_cost),
    }
    rows = []
    for name, (kept, cost) in outcomes.items():
        saved = kept.sum(axis=1)
        value_saved = (kept * v).sum(axis=1)
        net = value_saved - cost
        with np.errstate(divide="ignore", invalid="ignore"):
            roi = np.where(cost > 0, net / cost, np.nan)
        rows.append({"strategy": name, "lost": float((churn.sum(axis=1) - saved).mean()), "saved": float(saved.mean()),
                     "saved_sd": float(saved.std(ddof=1)), "cost": float(cost.mean()), "value_saved": float(value_saved.mean()),
                     "net_value": float(net.mean()), "net_value_sd": float(net.std(ddof=1)),
                     "roi": float(np.nanmean(roi)) if np.isfinite(roi).any() else np.nan})
    out = pd.DataFrame(rows)
    out = out.merge(expected, on="strategy", how="left")
    none = out["strategy"] == "none"
    out.loc[none, ["expected_saved", "expected_cost", "expected_value_saved", "expected_net_value"]] = 0.0
    return out
