"""Measurement quality of a fitted PLS model: reliability, convergent and discriminant validity.

Per construct, from its standardised items (Hair et al. 2021, ch. 4; seminr's ``summary``):

- **Cronbach's α** of the standardised items: α = k/(k−1) · (1 − k/ΣR), R the
  items' correlation matrix (Cronbach 1951) — the raw α of z-scored items;
- **ρ_A** (Dijkstra & Henseler 2015, eq. 7): ρ_A = (w'w)² · w'(S − diag S)w /
  w'(ww' − diag ww')w, w the outer weights (1 for mode B, single items and interaction terms);
- **ρ_C**, composite reliability (Jöreskog 1971): (Σλ)² / ((Σλ)² + Σ(1 − λ²)), λ the outer loadings;
- **AVE**, average variance extracted (Fornell & Larcker 1981): Σλ²/k;
- **Fornell–Larcker** criterion: √AVE beside the construct correlations;
- **HTMT**, heterotrait–monotrait ratio (Henseler, Ringle & Sarstedt 2015,
  eq. 6): the mean absolute correlation between the items of two constructs
  over the geometric mean of the mean absolute correlations within each.
  :func:`htmt_from_correlations` works on a stack of correlation matrices, so
  the bootstrap gets HTMT intervals at no extra cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from crmlab.stats.pls.algorithm import Layout, PLSFit

__all__ = ["fornell_larcker", "htmt_from_correlations", "htmt_matrix", "reliability"]


def reliability(fit: PLSFit) -> pd.DataFrame:
    """One row per construct: cronbach_alpha, rho_a, rho_c, ave (formulas in the module docstring).

    A single-item construct gets 1 for each (no reliability can be estimated
    from one item), as seminr reports it.
    """
    layout, S, W = fit.layout, fit._stage.S, fit._stage.weights
    loadings = S @ W
    rows = []
    for j, construct in enumerate(layout.constructs):
        block = np.flatnonzero(layout.membership[:, j])
        k = len(block)
        if k == 1:
            rows.append((construct, 1.0, 1.0, 1.0, 1.0))
            continue
        R = S[np.ix_(block, block)]
        alpha = k / (k - 1) * (1 - k / R.sum())
        if layout.mode_b[j] or layout.interactions[j]:
            rho_a = 1.0
        else:
            w = W[block, j]
            off = ~np.eye(k, dtype=bool)
            rho_a = (w @ w) ** 2 * (w @ (R * off) @ w) / (w @ (np.outer(w, w) * off) @ w)
        lam = loadings[block, j]
        rho_c = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
        rows.append((construct, float(alpha), float(rho_a), float(rho_c), float((lam**2).mean())))
    return pd.DataFrame(rows, columns=["construct", "cronbach_alpha", "rho_a", "rho_c", "ave"]).set_index("construct")


def fornell_larcker(fit: PLSFit) -> pd.DataFrame:
    """√AVE on the diagonal, construct-score correlations below it, NaN above (Fornell & Larcker 1981).

    Discriminant validity holds for a construct when its √AVE exceeds its
    correlations with every other construct.
    """
    corr = fit.construct_correlations.to_numpy().copy()
    corr[np.triu_indices_from(corr, 1)] = np.nan
    np.fill_diagonal(corr, np.sqrt(fit.reliability()["ave"].reindex(fit.constructs).to_numpy()))
    return pd.DataFrame(corr, index=fit.constructs, columns=fit.constructs)


def htmt_from_correlations(S: np.ndarray, layout: Layout) -> np.ndarray:
    """HTMT (B × k × k, upper triangle; NaN elsewhere) from a stack of item correlation matrices (B × p × p).

    >>> from crmlab.stats.pls.algorithm import Layout
    >>> layout = Layout(["a1", "a2", "b1", "b2"], ["A", "B"], np.kron(np.eye(2), np.ones((2, 1))), np.zeros(2, bool), np.zeros((2, 2)))
    >>> S = np.array([[[1, .6, .3, .3], [.6, 1, .3, .3], [.3, .3, 1, .6], [.3, .3, .6, 1]]])
    >>> float(htmt_from_correlations(S, layout)[0, 0, 1])   # 0.3 / √(0.6 · 0.6)
    0.5
    """
    A = np.abs(np.asarray(S, dtype=float))
    M = layout.membership
    sums = M.T @ A @ M  # Σ|r| over the item pairs of constructs k, l
    sizes = M.sum(axis=0)
    within = np.ones((len(A), len(sizes)))
    multi = sizes > 1
    diag = np.einsum("bkk->bk", sums)[:, multi]
    within[:, multi] = (diag - sizes[multi]) / (sizes[multi] * (sizes[multi] - 1))
    out = sums / np.outer(sizes, sizes) / np.sqrt(within[:, :, None] * within[:, None, :])
    lower = np.tril(np.ones((len(sizes), len(sizes)), bool))
    out[:, lower] = np.nan
    return out


def htmt_matrix(fit: PLSFit) -> pd.DataFrame:
    """HTMT of every pair of constructs of a fitted model (upper triangle; Henseler et al. 2015)."""
    values = htmt_from_correlations(fit._stage.S[None], fit.layout)[0]
    return pd.DataFrame(values, index=fit.constructs, columns=fit.constructs)
