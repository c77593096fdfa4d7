"""Reliability and convergent validity of multi-item scales (used by the KMV survey and the Nordic triplet).

For the items of one construct:

- **Cronbach's α** (Cronbach 1951): α = k/(k−1) · (1 − Σ σ²_i / σ²_X), with k
  items of variances σ²_i and σ²_X the variance of their sum;
- **standardised loadings** λ_i of a one-factor model of the items (maximum
  likelihood, :class:`statsmodels.multivariate.factor.Factor`; with two items
  λ_1 = λ_2 = √r₁₂);
- **composite reliability** (Jöreskog 1971; Fornell & Larcker 1981):
  CR = (Σλ)² / ((Σλ)² + Σ(1 − λ²));
- **average variance extracted** (Fornell & Larcker 1981): AVE = Σλ² / k;
- **corrected item–total correlation**: each item against the sum of the others.

Rules of thumb (Nunnally 1978; Fornell & Larcker 1981; Hair et al.): α and CR
≥ 0.7, AVE ≥ 0.5, item–total ≥ 0.3. :func:`scale_reliability` puts them in one
table, one row per construct, with the Fornell–Larcker check of discriminant validity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

# statsmodels' factor analysis is imported where it is used: importing statsmodels takes about a
# second, and most scale statistics here do not need it.

__all__ = [
    "average_variance_extracted",
    "composite_reliability",
    "cronbach_alpha",
    "item_total_correlations",
    "scale_reliability",
    "standardized_loadings",
]


def _items(items: pd.DataFrame) -> pd.DataFrame:
    data = pd.DataFrame(items).astype(float).dropna()
    if data.shape[1] < 2:
        raise ValueError("a scale needs at least two items")
    if len(data) < 3:
        raise ValueError("a scale needs at least three complete responses")
    return data


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Cronbach's α = k/(k−1) · (1 − Σ var(item) / var(sum of items)) (Cronbach 1951).

    >>> items = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    >>> round(cronbach_alpha(items), 4)   # item variances 2.5 + 2.3 + 1.5 = 6.3, sum's 17.3: 1.5·(1 − 6.3/17.3)
    0.9538
    """
    data = _items(items)
    k = data.shape[1]
    return float(k / (k - 1) * (1 - data.var(ddof=1).sum() / data.sum(axis=1).var(ddof=1)))


def standardized_loadings(items: pd.DataFrame) -> pd.Series:
    """Standardised loadings of a one-factor model (ML factor analysis of the correlations).

    Signs are set so that the loadings are mostly positive. Two items: √r₁₂ each.
    """
    data = _items(items)
    if data.shape[1] == 2:
        r = float(np.corrcoef(data.to_numpy().T)[0, 1])
        value = np.sqrt(max(r, 0.0))
        return pd.Series([value, value], index=data.columns, name="loading")
    from statsmodels.multivariate.factor import Factor

    fit = Factor(data.to_numpy(), n_factor=1, method="ml").fit()
    loadings = np.asarray(fit.loadings).reshape(-1)
    if loadings.sum() < 0:
        loadings = -loadings
    return pd.Series(loadings, index=data.columns, name="loading")


def composite_reliability(loadings: Sequence[float]) -> float:
    """CR = (Σλ)² / ((Σλ)² + Σ(1 − λ²)) from standardised loadings (Jöreskog 1971).

    >>> round(composite_reliability([0.7, 0.8, 0.9]), 4)   # 2.4² / (2.4² + 0.51 + 0.36 + 0.19)
    0.8446
    """
    lam = np.asarray(loadings, dtype=float)
    return float(lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum()))


def average_variance_extracted(loadings: Sequence[float]) -> float:
    """AVE = Σλ² / k from standardised loadings (Fornell & Larcker 1981).

    >>> round(average_variance_extracted([0.7, 0.8, 0.9]), 4)
    0.6467
    """
    lam = np.asarray(loadings, dtype=float)
    return float((lam**2).mean())


def item_total_correlations(items: pd.DataFrame) -> pd.Series:
    """Corrected item–total correlations: each item with the sum of the other items."""
    data = _items(items)
    total = data.sum(axis=1)
    return pd.Series({c: float(np.corrcoef(data[c], total - data[c])[0, 1]) for c in data.columns}, name="item_total")


def scale_reliability(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """One row per construct: items, α, CR, AVE, lowest item–total correlation, and √AVE.

    ``constructs`` maps each construct to its item columns of ``data`` (one
    row per respondent). A construct's scale score is the mean of its items;
    √AVE is compared with the construct's correlations with the other scale
    scores for discriminant validity (Fornell & Larcker 1981): the column
    ``max_correlation`` is its highest absolute correlation with another scale
    score, and ``discriminant_ok`` whether √AVE exceeds it. A construct with
    one item gets only its item count (no reliability can be estimated).

    >>> data = pd.DataFrame({"a_1": [1, 2, 3, 4, 5], "a_2": [2, 2, 3, 5, 5], "b_1": [3, 1, 2, 2, 1]})
    >>> table = scale_reliability(data, {"a": ["a_1", "a_2"], "b": ["b_1"]})
    >>> table[["construct", "items", "cronbach_alpha"]].round(4).values.tolist()   # α = 2·(1 − (2.5 + 2.3)/9.3)
    [['a', 2, 0.9677], ['b', 1, nan]]
    """
    mapping = {name: list(items) for name, items in constructs.items()}
    scores = pd.DataFrame({name: data[items].astype(float).mean(axis=1) for name, items in mapping.items()})
    corr = scores.corr().abs()
    rows = []
    for name, items in mapping.items():
        if len(items) < 2:
            rows.append({"construct": name, "items": len(items)})
            continue
        lam = standardized_loadings(data[items])
        others = corr.loc[name].drop(name)
        ave = average_variance_extracted(lam)
        rows.append(
            {
                "construct": name,
                "items": len(items),
                "cronbach_alpha": cronbach_alpha(data[items]),
                "composite_reliability": composite_reliability(lam),
                "ave": ave,
                "min_item_total": float(item_total_correlations(data[items]).min()),
                "sqrt_ave": float(np.sqrt(ave)),
                "max_correlation": float(others.max()) if len(others) else np.nan,
            }
        )
    table = pd.DataFrame(rows)
    if "sqrt_ave" in table:
        table["discriminant_ok"] = table["sqrt_ave"] > table["max_correlation"]
    return table
