"""The percentile bootstrap of a fitted PLS model, seeded and vectorised.

Respondents are resampled with replacement (Efron & Tibshirani 1993); each
resample is re-estimated with the fit's scheme and settings, and every
estimate's standard error is the standard deviation of its resampled values,
t = estimate / SE, and the interval the (1 − level)/2 and (1 + level)/2
percentiles (the percentile interval of PLS-SEM practice: Hair et al. 2021,
ch. 5–6; Henseler et al. 2014).

All resamples are drawn from one generator before any is estimated, so the
result depends on the seed only, not on ``batch_size``. A model of plain
blocks is estimated for a whole batch at once: the item correlation matrices of
the batch form one (B × p × p) array that :func:`crmlab.stats.pls.algorithm.outer_weights`
iterates together. A model with interaction terms or higher-order constructs
(two stages) is re-estimated resample by resample. A resample in which an item
is constant cannot be estimated; it is left out and counted (``n_failed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab.stats.generators import as_generator
from crmlab.stats.pls.algorithm import fit_pls, outer_weights, structural_paths
from crmlab.stats.pls.effects import total_effects
from crmlab.stats.pls.items import ItemDataError
from crmlab.stats.pls.quality import htmt_from_correlations

if TYPE_CHECKING:
    from crmlab.stats.pls.algorithm import PLSFit

__all__ = ["PLSBootstrap", "bootstrap_fit"]

_KINDS = ("paths", "loadings", "weights", "htmt", "total_effects")


@dataclass
class PLSBootstrap:
    """Bootstrap draws of a fitted model and their tidy summaries.

    ``paths``, ``total_effects`` and ``htmt`` have columns from, to; ``loadings``
    and ``weights`` construct, item; all then estimate (the full-sample value),
    mean, se, t, lower, upper. ``draws`` holds the raw arrays (resample × …);
    ``n_resamples`` those estimated, ``n_failed`` those left out,
    ``n_not_converged`` those that hit ``max_iter``.
    """

    fit: PLSFit
    draws: dict[str, np.ndarray]
    level: float
    n_resamples: int
    n_failed: int
    n_not_converged: int

    def _summary(self, kind: str, estimate: np.ndarray, cells: list[tuple[int, int]], labels: list[tuple[str, str]],
                 names: tuple[str, str]) -> pd.DataFrame:
        draws = self.draws[kind]
        rows = []
        alpha = (1 - self.level) / 2
        for (i, j), label in zip(cells, labels, strict=True):
            values = draws[:, i, j]
            values = values[np.isfinite(values)]
            se = float(values.std(ddof=1)) if len(values) > 1 else np.nan
            lower, upper = np.quantile(values, [alpha, 1 - alpha]) if len(values) else (np.nan, np.nan)
            est = float(estimate[i, j])
            rows.append((*label, est, float(values.mean()) if len(values) else np.nan, se,
                         est / se if se and np.isfinite(se) else np.nan, float(lower), float(upper)))
        return pd.DataFrame(rows, columns=[*names, "estimate", "mean", "se", "t", "lower", "upper"])

    @property
    def paths(self) -> pd.DataFrame:
        """One row per structural path: from, to, estimate, mean, se, t, lower, upper."""
        k = self.fit.constructs
        cells = [(k.index(s), k.index(t)) for s, t in self.fit._stage_model.structure]
        return self._summary("paths", self.fit._B, cells, [(k[i], k[j]) for i, j in cells], ("from", "to"))

    @property
    def total_effects(self) -> pd.DataFrame:
        """One row per pair joined by a directed path: from, to, estimate, mean, se, t, lower, upper."""
        k = self.fit.constructs
        reach = np.linalg.matrix_power(np.eye(len(k)) + self.fit.layout.paths, len(k)) - np.eye(len(k))
        cells = [(i, j) for i in range(len(k)) for j in range(len(k)) if i != j and reach[i, j] > 0]
        return self._summary("total_effects", total_effects(self.fit._B), cells, [(k[i], k[j]) for i, j in cells], ("from", "to"))

    def _measurement(self, kind: str, estimate: np.ndarray) -> pd.DataFrame:
        layout = self.fit.layout
        cells = [(int(i), int(j)) for j in range(len(layout.constructs)) for i in np.flatnonzero(layout.membership[:, j])]
        labels = [(layout.constructs[j], layout.items[i]) for i, j in cells]
        return self._summary(kind, estimate, cells, labels, ("construct", "item"))

    @property
    def loadings(self) -> pd.DataFrame:
        """One row per item: construct, item, estimate, mean, se, t, lower, upper."""
        return self._measurement("loadings", self.fit.outer_loadings.to_numpy())

    @property
    def weights(self) -> pd.DataFrame:
        """One row per item: construct, item, estimate, mean, se, t, lower, upper."""
        return self._measurement("weights", self.fit.outer_weights.to_numpy())

    @property
    def htmt(self) -> pd.DataFrame:
        """One row per pair of constructs: from, to, estimate, mean, se, t, lower, upper (Henseler et al. 2015)."""
        k = self.fit.constructs
        cells = [(i, j) for i in range(len(k)) for j in range(i + 1, len(k))]
        return self._summary("htmt", self.fit.htmt().to_numpy(), cells, [(k[i], k[j]) for i, j in cells], ("from", "to"))

    def __repr__(self) -> str:
        return f"<PLSBootstrap: {self.n_resamples} resamples, {self.level:.0%} percentile intervals, {self.n_failed} failed>"


def _batch(fit: PLSFit, values: np.ndarray, rows: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    layout = fit.layout
    sample = values[rows]  # (B, n, p)
    centred = sample - sample.mean(axis=1, keepdims=True)
    sd = centred.std(axis=1, ddof=1)
    ok = (sd > 0).all(axis=1)
    S = np.swapaxes(centred, 1, 2) @ centred / (len(values) - 1)
    S = S / sd[:, :, None] / sd[:, None, :]
    S[~ok] = np.eye(S.shape[1])
    W, _, converged = outer_weights(S, layout, fit.scheme, tolerance=fit.settings["tolerance"], max_iter=fit.settings["max_iter"])
    C = np.swapaxes(W, 1, 2) @ S @ W
    B, _ = structural_paths(C, layout)
    out = {"paths": B, "loadings": S @ W * layout.membership, "weights": W,
           "htmt": htmt_from_correlations(S, layout), "total_effects": total_effects(B)}
    for value in out.values():
        value[~ok] = np.nan
    return out, ok, converged


def _one_by_one(fit: PLSFit, rows: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    k, p = len(fit.constructs), len(fit.layout.items)
    shapes = {"paths": (k, k), "loadings": (p, k), "weights": (p, k), "htmt": (k, k), "total_effects": (k, k)}
    out = {kind: np.full((len(rows), *shape), np.nan) for kind, shape in shapes.items()}
    ok = np.zeros(len(rows), bool)
    converged = np.zeros(len(rows), bool)
    for r, sample in enumerate(rows):
        try:
            refit = fit_pls(fit.model, fit.data.iloc[sample].reset_index(drop=True), scheme=fit.scheme,
                            tolerance=fit.settings["tolerance"], max_iter=fit.settings["max_iter"])
        except (ItemDataError, np.linalg.LinAlgError):
            continue
        if refit.constructs != fit.constructs or refit.layout.items != fit.layout.items:
            continue
        out["paths"][r] = refit._B
        out["loadings"][r] = refit.outer_loadings.to_numpy()
        out["weights"][r] = refit.outer_weights.to_numpy()
        out["htmt"][r] = refit.htmt().to_numpy()
        out["total_effects"][r] = total_effects(refit._B)
        ok[r], converged[r] = True, refit.converged
    return out, ok, converged


def bootstrap_fit(fit: PLSFit, n_resamples: int = 5000, rng: np.random.Generator | int | None = None, *,
                  level: float = 0.95, batch_size: int = 500) -> PLSBootstrap:
    """Percentile bootstrap of a fitted PLS model (see the module docstring); ``rng`` seeds the resampling.

    >>> from crmlab.stats.pls.examples import TWO_CONSTRUCT_MODEL, two_construct_items
    >>> fit = TWO_CONSTRUCT_MODEL.fit(two_construct_items(200, 0.6, rng=1))
    >>> boot = fit.bootstrap(n_resamples=200, rng=5)
    >>> row = boot.paths.iloc[0]
    >>> bool(row["lower"] < row["estimate"] < row["upper"]), boot.n_resamples
    (True, 200)
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    if int(n_resamples) < 2:
        raise ValueError(f"n_resamples must be at least 2, got {n_resamples!r}")
    generator = as_generator(rng)
    n = fit.n_obs
    rows = generator.integers(0, n, size=(int(n_resamples), n))
    two_stage = bool(fit.first_stages)
    values = fit._stage.items[fit.layout.items].to_numpy(dtype=float)
    parts = []
    for start in range(0, len(rows), max(1, int(batch_size))):
        chunk = rows[start : start + max(1, int(batch_size))]
        parts.append(_one_by_one(fit, chunk) if two_stage else _batch(fit, values, chunk))
    draws = {kind: np.concatenate([part[0][kind] for part in parts]) for kind in _KINDS}
    ok = np.concatenate([part[1] for part in parts])
    converged = np.concatenate([part[2] for part in parts])
    return PLSBootstrap(fit, draws, level, int(n_resamples), int((~ok).sum()), int((ok & ~converged).sum()))
