"""Statistical process control of the relationship: every interaction under control, improved continuously.

Gummesson (2008) carries total quality management into relationship
marketing: service interactions are a process to be measured, controlled and
improved. This module holds the standard control charts of Montgomery (2009),
on complaint or failure counts (p-chart) and satisfaction scores (EWMA,
CUSUM), the run rules that flag a process out of control (Western Electric
1956; Nelson 1984), and a before/after comparison of an improvement.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

# statsmodels (about a second to import) is imported by the one chart that runs its test.

__all__ = ["before_after_p_chart", "cusum_chart", "ewma_chart", "nelson_rules", "p_chart", "western_electric_rules"]

#: d2 for moving ranges of two observations (Montgomery 2009, Appendix VI): σ̂ = MR̄ / 1.128.
D2_TWO = 1.128


def _counts(defects: Any, n: Any) -> tuple[np.ndarray, np.ndarray]:
    d = np.asarray(defects, dtype=float).ravel()
    size = np.broadcast_to(np.asarray(n, dtype=float), d.shape).copy()
    if d.size == 0:
        raise ValueError("no samples")
    if np.any(~np.isfinite(d)) or np.any(d < 0) or np.any(~np.isfinite(size)) or np.any(size <= 0) or np.any(d > size):
        bad = int(np.flatnonzero(~np.isfinite(d) | (d < 0) | ~np.isfinite(size) | (size <= 0) | (d > size))[0])
        raise ValueError(f"sample {bad + 1}: need 0 ≤ nonconforming ≤ n and n > 0, got {d[bad]!r} of {size[bad]!r}")
    return d, size


def p_chart(defects: Any, n: Any, *, center: float | None = None) -> pd.DataFrame:
    """Control chart for the fraction nonconforming (complaints, failed interactions) per sample.

    With p̄ = Σ dᵢ / Σ nᵢ (or a given standard ``center``), sample i has
    p̂ᵢ = dᵢ / nᵢ, σᵢ = √(p̄(1 − p̄)/nᵢ) and 3-sigma limits p̄ ± 3σᵢ (LCL floored at
    0), so limits widen for small samples (Montgomery 2009, ch. 7, also for
    variable sample sizes). ``z`` is (p̂ᵢ − p̄)/σᵢ, the input of the run rules.

    Source: Montgomery, D. C. (2009), *Introduction to Statistical Quality
    Control*, 6th ed., Wiley, ch. 7.

    >>> chart = p_chart([12, 15, 8], 50)
    >>> chart[["p", "center", "ucl"]].round(4).values.tolist()[0]    # p̄ = 35/150
    [0.24, 0.2333, 0.4127]
    """
    d, size = _counts(defects, n)
    pbar = d.sum() / size.sum() if center is None else float(center)
    sigma = np.sqrt(pbar * (1 - pbar) / size)
    p = d / size
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sigma > 0, (p - pbar) / sigma, 0.0)
    out = pd.DataFrame({"sample": np.arange(1, d.size + 1), "n": size, "nonconforming": d, "p": p, "center": pbar,
                        "sigma": sigma, "lcl": np.maximum(pbar - 3 * sigma, 0.0), "ucl": np.minimum(pbar + 3 * sigma, 1.0), "z": z})
    out["out_of_control"] = (out["p"] > out["ucl"]) | (out["p"] < out["lcl"])
    return out


def ewma_chart(x: Any, *, target: float | None = None, sigma: float | None = None, lam: float = 0.2, L: float = 3.0) -> pd.DataFrame:
    """Exponentially weighted moving average chart, e.g. for mean satisfaction per period.

    zᵢ = λ xᵢ + (1 − λ) zᵢ₋₁ with z₀ = μ₀ (``target``), and exact limits
    μ₀ ± L σ √(λ/(2 − λ) [1 − (1 − λ)^{2i}]) (Montgomery 2009, ch. 9).
    Without ``target`` μ₀ is the mean of x; without ``sigma`` σ is estimated
    by the average moving range / d₂ (1.128). ``signal`` marks zᵢ outside the limits.

    Source: Roberts, S. W. (1959), "Control Chart Tests Based on Geometric Moving
    Averages", Technometrics 1(3); Montgomery (2009), ch. 9.

    >>> ewma_chart([10.0, 10.0, 13.0], target=10, sigma=1, lam=0.1, L=2.7)[["ewma", "ucl"]].round(4).values.tolist()
    [[10.0, 10.27], [10.0, 10.3632], [10.3, 10.424]]
    """
    values = np.asarray(x, dtype=float).ravel()
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError("x must be a non-empty series of finite numbers")
    if not 0 < lam <= 1:
        raise ValueError(f"lam must be in (0, 1], got {lam!r}")
    mu = float(values.mean()) if target is None else float(target)
    s = float(np.abs(np.diff(values)).mean() / D2_TWO) if sigma is None else float(sigma)
    z = np.empty_like(values)
    prev = mu
    for i, v in enumerate(values):
        prev = lam * v + (1 - lam) * prev
        z[i] = prev
    i = np.arange(1, values.size + 1)
    width = L * s * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * i)))
    out = pd.DataFrame({"sample": i, "x": values, "ewma": z, "center": mu, "lcl": mu - width, "ucl": mu + width})
    out["signal"] = (out["ewma"] > out["ucl"]) | (out["ewma"] < out["lcl"])
    return out


def cusum_chart(x: Any, *, target: float | None = None, sigma: float | None = None, k: float = 0.5, h: float = 5.0) -> pd.DataFrame:
    """Tabular CUSUM: C⁺ᵢ = max(0, xᵢ − (μ₀ + K) + C⁺ᵢ₋₁), C⁻ᵢ = max(0, (μ₀ − K) − xᵢ + C⁻ᵢ₋₁), C₀ = 0.

    K = kσ (half the shift to detect, k = 0.5 for one σ), decision interval
    H = hσ (h = 4 or 5); a signal when C⁺ or C⁻ exceeds H. ``n_plus`` /
    ``n_minus`` count the consecutive periods the sum has been positive, so the
    shift began after sample i − N (Montgomery 2009, ch. 9). Target and σ are
    estimated as in :func:`ewma_chart` when not given.

    Source: Page, E. S. (1954), "Continuous Inspection Schemes", Biometrika 41;
    Montgomery (2009), ch. 9.

    >>> cusum_chart([10.0, 12.0, 12.0], target=10, sigma=1)[["c_plus", "c_minus"]].values.tolist()
    [[0.0, 0.0], [1.5, 0.0], [3.0, 0.0]]
    """
    values = np.asarray(x, dtype=float).ravel()
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError("x must be a non-empty series of finite numbers")
    mu = float(values.mean()) if target is None else float(target)
    s = float(np.abs(np.diff(values)).mean() / D2_TWO) if sigma is None else float(sigma)
    K, H = k * s, h * s
    cp, cm = np.zeros_like(values), np.zeros_like(values)
    npl, nmi = np.zeros(values.size, dtype=int), np.zeros(values.size, dtype=int)
    up = down = 0.0
    nu = nd = 0
    for i, v in enumerate(values):
        up = max(0.0, v - (mu + K) + up)
        down = max(0.0, (mu - K) - v + down)
        nu = nu + 1 if up > 0 else 0
        nd = nd + 1 if down > 0 else 0
        cp[i], cm[i], npl[i], nmi[i] = up, down, nu, nd
    out = pd.DataFrame({"sample": np.arange(1, values.size + 1), "x": values, "c_plus": cp, "c_minus": cm,
                        "n_plus": npl, "n_minus": nmi, "h": H})
    out["signal"] = (out["c_plus"] > H) | (out["c_minus"] > H)
    return out


def _k_of_m(flag: np.ndarray, k: int, m: int) -> np.ndarray:
    """True at i when at least k of the m points ending at i have the flag (point i among them)."""
    counts = pd.Series(flag.astype(float)).rolling(m, min_periods=m).sum().to_numpy()
    return (counts >= k) & flag


def _run(flag: np.ndarray, length: int) -> np.ndarray:
    return pd.Series(flag.astype(float)).rolling(length, min_periods=length).sum().to_numpy() == length


def western_electric_rules(z: Any) -> pd.DataFrame:
    """The four Western Electric rules on standardised points z = (x − center) / σ.

    1. one point beyond 3σ; 2. two of three consecutive points beyond 2σ on the
    same side; 3. four of five beyond 1σ on the same side; 4. eight consecutive
    points on one side of the center line. A rule is flagged at the point that
    completes it; ``any`` is their union.

    Source: Western Electric (1956), *Statistical Quality Control Handbook*;
    Montgomery (2009), ch. 5.

    >>> western_electric_rules([0.5, 2.5, 2.2, -3.5])[["rule_1", "rule_2"]].values.tolist()
    [[False, False], [False, False], [False, True], [True, False]]
    """
    v = np.asarray(z, dtype=float).ravel()
    out = pd.DataFrame({"rule_1": np.abs(v) > 3})
    out["rule_2"] = _k_of_m(v > 2, 2, 3) | _k_of_m(v < -2, 2, 3)
    out["rule_3"] = _k_of_m(v > 1, 4, 5) | _k_of_m(v < -1, 4, 5)
    out["rule_4"] = _run(v > 0, 8) | _run(v < 0, 8)
    out["any"] = out.any(axis=1)
    out.index = pd.RangeIndex(1, v.size + 1, name="sample")
    return out


def nelson_rules(z: Any) -> pd.DataFrame:
    """Nelson's eight tests for special causes on standardised points z = (x − center) / σ.

    1. a point beyond 3σ; 2. nine in a row on one side; 3. six in a row steadily
    increasing or decreasing; 4. fourteen in a row alternating up and down; 5.
    two of three beyond 2σ, same side; 6. four of five beyond 1σ, same side; 7.
    fifteen in a row within 1σ (stratification); 8. eight in a row beyond 1σ on
    either side. Flagged at the point that completes the pattern.

    Source: Nelson, L. S. (1984), "The Shewhart Control Chart — Tests for
    Special Causes", Journal of Quality Technology 16(4), 237–239.

    >>> int(nelson_rules([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])["rule_3"].sum())   # six rising points
    1
    """
    v = np.asarray(z, dtype=float).ravel()
    step = np.sign(np.diff(v, prepend=np.nan))
    out = pd.DataFrame({"rule_1": np.abs(v) > 3})
    out["rule_2"] = _run(v > 0, 9) | _run(v < 0, 9)
    # six points in a row rising: five consecutive increases
    out["rule_3"] = _run(step > 0, 5) | _run(step < 0, 5)
    alternate = np.concatenate([[False], (step[1:] * step[:-1]) < 0])
    out["rule_4"] = _run(alternate, 12)  # 14 points: 13 steps, 12 sign changes
    out["rule_5"] = _k_of_m(v > 2, 2, 3) | _k_of_m(v < -2, 2, 3)
    out["rule_6"] = _k_of_m(v > 1, 4, 5) | _k_of_m(v < -1, 4, 5)
    out["rule_7"] = _run(np.abs(v) < 1, 15)
    out["rule_8"] = _run(np.abs(v) > 1, 8)
    out["any"] = out.any(axis=1)
    out.index = pd.RangeIndex(1, v.size + 1, name="sample")
    return out


def before_after_p_chart(defects: Any, n: Any, change_at: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A p-chart with separate limits before and after an improvement, and the test of the change.

    Samples 1..``change_at`` − 1 are the *before* phase, ``change_at``.. the
    *after* phase; each phase gets its own p̄ and limits (Montgomery 2009,
    ch. 7, on revising limits after a process change). The second frame
    compares the phases: fraction nonconforming, its change (after − before),
    and the pooled two-proportion z-test of the change (statsmodels
    ``proportions_ztest``; z < 0 when the fraction fell).

    >>> chart, test = before_after_p_chart([10, 12, 11, 4, 5, 3], 100, change_at=4)
    >>> test[["p", "samples"]].values.tolist()
    [[0.11, 3.0], [0.04, 3.0]]
    """
    from statsmodels.stats.proportion import proportions_ztest

    d, size = _counts(defects, n)
    if not 2 <= change_at <= d.size:
        raise ValueError(f"change_at must be a sample number in 2..{d.size}, got {change_at!r}")
    cut = change_at - 1
    parts = []
    for phase, sl in (("before", slice(0, cut)), ("after", slice(cut, None))):
        part = p_chart(d[sl], size[sl])
        part["sample"] += sl.start
        part.insert(1, "phase", phase)
        parts.append(part)
    chart = pd.concat(parts, ignore_index=True)
    counts = np.array([d[:cut].sum(), d[cut:].sum()])
    totals = np.array([size[:cut].sum(), size[cut:].sum()])
    stat, pvalue = proportions_ztest(counts[::-1], totals[::-1])  # z of after − before
    test = pd.DataFrame({"phase": ["before", "after"], "samples": [float(cut), float(d.size - cut)], "nonconforming": counts,
                         "n": totals, "p": counts / totals})
    test["change"] = [np.nan, test["p"].iloc[1] - test["p"].iloc[0]]
    test["z"] = [np.nan, stat]
    test["p_value"] = [np.nan, pvalue]
    return chart, test.set_index("phase")
