"""Multigroup analysis of a PLS path model: do two groups (channels, countries) differ?

**Permutation test of path differences** (Chin & Dibbern 2010, "An
introduction to a permutation based procedure for multi-group PLS analysis",
in Esposito Vinzi et al., *Handbook of Partial Least Squares*, 171–193). The
model is fitted in each group and the observed difference of each path
coefficient, d = β₁ − β₂, is compared with its distribution when the group
labels are shuffled (the same group sizes), which holds if the groups do not
differ. The two-sided p value is (1 + #{|d*| ≥ |d|}) / (1 + B) over B
permutations (Phipson & Smyth 2010), so it is never zero.

**MICOM**, measurement invariance of composite models (Henseler, Ringle &
Sarstedt 2016, "Testing measurement invariance of composites using partial
least squares", International Marketing Review 33(3), 405–431), which a
comparison of paths presupposes:

1. *configural invariance*: the same items, treatment and algorithm in both
   groups (checked here: every item present and not constant in each group);
2. *compositional invariance*: c = corr(X·w₁, X·w₂), the correlation over the
   pooled (standardised) data of the composite built with each group's
   weights, is not below the 5 % quantile of its permutation distribution
   (one-sided p = share of permuted c* ≤ c);
3. *equal composite means and variances*: with the pooled weights, the
   difference of the groups' composite means and the log ratio of their
   variances lie inside the 95 % permutation interval (two-sided p as above).

Steps 1–2 hold: partial invariance (group paths may be compared); step 3 too:
full invariance (the data may be pooled). Every permutation refits the model
in the two groups (for the paths and for step 2) once; step 3 needs no refit
(the pooled weights do not depend on the labels), so its permutations are
one matrix product.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlab.stats.generators import as_generator
from crmlab.stats.pls.algorithm import SCHEMES, Layout, outer_weights, structural_paths
from crmlab.stats.pls.items import ItemDataError, checked_items
from crmlab.stats.pls.spec import MeasurementBlock, PLSModel

__all__ = ["MultigroupAnalysis", "multigroup_analysis"]


@dataclass(frozen=True)
class MultigroupAnalysis:
    """The result of :func:`multigroup_analysis`.

    ``paths``: one row per path (index predictor, outcome) with the estimate in
    each group (columns named by the groups), ``difference`` (first − second)
    and the permutation ``p_value``; ``micom``: one row per construct with
    ``configural``; ``c``, its permutation 5 % quantile ``c_5pct``,
    ``p_compositional`` and ``compositional`` (bool); ``mean_difference`` with
    its permutation interval (``mean_lower``, ``mean_upper``) and ``p_mean``;
    ``log_variance_ratio`` with ``variance_lower``, ``variance_upper`` and
    ``p_variance``; and ``invariance`` ("full", "partial" or "none").
    ``groups`` (the two labels), ``sizes`` (respondents in each),
    ``n_permutations``, ``alpha``, and ``permuted_differences`` (B × paths).
    """

    paths: pd.DataFrame
    micom: pd.DataFrame
    groups: tuple[Hashable, Hashable]
    sizes: tuple[int, int]
    n_permutations: int
    alpha: float
    permuted_differences: np.ndarray


def multigroup_analysis(
    model: PLSModel,
    data: pd.DataFrame,
    group: str,
    *,
    groups: Sequence[Hashable] | None = None,
    n_permutations: int = 1000,
    scheme: str = "path",
    alpha: float = 0.05,
    batch_size: int = 500,
    rng: np.random.Generator | int | None = None,
) -> MultigroupAnalysis:
    """Permutation test of path differences and MICOM between two groups (see the module docstring).

    ``model`` is a :class:`~crmlab.stats.pls.PLSModel` of constructs measured
    by items (interaction terms and higher-order constructs are refused);
    ``data`` holds its items and the ``group`` column; ``groups`` picks two of
    its values (default: the column's two values, sorted); ``alpha`` is the
    level of the MICOM decisions. The permutations are estimated
    ``batch_size`` at a time as stacks of item correlation matrices
    (:func:`crmlab.stats.pls.algorithm.outer_weights`), the same algorithm as
    :meth:`PLSModel.fit <crmlab.stats.pls.PLSModel.fit>`.

    >>> from crmlab.stats.pls import PLSModel, reflective
    >>> from crmlab.theories.satisfaction import simulate_satisfaction_survey
    >>> survey = simulate_satisfaction_survey(400, rng=1)   # Satisfaction → Loyalty 0.5 at branches, 0.2 online
    >>> model = PLSModel({c: reflective(survey.constructs[c]) for c in ("Satisfaction", "Loyalty")},
    ...                  [("Satisfaction", "Loyalty")])
    >>> mga = multigroup_analysis(model, survey.responses, "channel", n_permutations=199, rng=1)
    >>> mga.groups, bool(mga.paths.loc[("Satisfaction", "Loyalty"), "p_value"] < 0.05)
    (('branch', 'online'), True)
    >>> mga.micom["invariance"].tolist()
    ['full', 'full']
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    if int(n_permutations) != n_permutations or n_permutations < 19:
        raise ValueError(f"n_permutations must be a whole number ≥ 19, got {n_permutations}")
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must be in (0, 0.5), got {alpha}")
    two_stage = [n for n, s in model.measurement.items() if not isinstance(s, MeasurementBlock)]
    if two_stage:
        raise ValueError(f"multigroup analysis needs constructs measured by items; {', '.join(two_stage)} are "
                         "interaction or higher-order constructs (estimate their scores first and model them as items)")
    if not isinstance(data, pd.DataFrame) or group not in data.columns:
        raise ItemDataError("DataFrame", [("no such group column", None, group, None)])
    labels = data[group]
    first, second = _two_groups(labels, group, groups)
    keep = labels.isin([first, second]).to_numpy()
    layout = Layout.of(model)
    items = checked_items(data.loc[keep], layout.items)
    x = items.to_numpy(dtype=float)
    is_first = (labels[keep] == first).to_numpy()
    configural = _configural(x, is_first, layout)
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    pooled_s = np.corrcoef(z, rowvar=False)[None]
    pooled_w = outer_weights(pooled_s, layout, scheme)[0][0]
    sources, targets = np.nonzero(layout.paths)
    index = pd.MultiIndex.from_arrays([[layout.constructs[i] for i in sources], [layout.constructs[j] for j in targets]],
                                      names=["predictor", "outcome"])

    def estimate(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Paths of each group and the composite correlation c, for each row of ``masks`` (True: first group)."""
        fits = []
        for m in (masks, ~masks):
            s = _group_correlations(z, m)
            w = outer_weights(s, layout, scheme)[0]
            c = np.einsum("bpk,bpq,bql->bkl", w, s, w)
            fits.append((structural_paths(c, layout)[0][:, sources, targets], w))
        (paths_a, w_a), (paths_b, w_b) = fits
        return paths_a, paths_b, paths_a - paths_b, _composite_correlations(pooled_s[0], w_a, w_b)

    paths_a, paths_b, observed, c_observed = estimate(is_first[None])
    generator = as_generator(rng)
    b = int(n_permutations)
    order = np.stack([generator.permutation(is_first) for _ in range(b)])
    permuted = np.empty((b, len(sources)))
    c_permuted = np.empty((b, len(layout.constructs)))
    for start in range(0, b, int(batch_size)):
        rows = slice(start, min(start + int(batch_size), b))
        _, _, permuted[rows], c_permuted[rows] = estimate(order[rows])
    paths = pd.DataFrame(
        {first: paths_a[0], second: paths_b[0], "difference": observed[0], "p_value": _p_two_sided(observed, permuted)},
        index=index,
    )
    # Step 3 with the pooled weights: the composite scores stay, only the labels move.
    pooled = z @ pooled_w
    pooled = (pooled - pooled.mean(axis=0)) / pooled.std(axis=0, ddof=1)
    mean_obs, logvar_obs = _mean_and_log_variance(pooled, is_first[None])
    mean_perm, logvar_perm = _mean_and_log_variance(pooled, order)
    p_comp = (1 + (c_permuted <= c_observed + 1e-12).sum(axis=0)) / (1 + b)
    micom = pd.DataFrame(
        {
            "configural": configural,
            "c": c_observed[0],
            "c_5pct": np.quantile(c_permuted, alpha, axis=0),
            "p_compositional": p_comp,
            "compositional": configural & (p_comp > alpha),
            "mean_difference": mean_obs[0],
            "mean_lower": np.quantile(mean_perm, alpha / 2, axis=0),
            "mean_upper": np.quantile(mean_perm, 1 - alpha / 2, axis=0),
            "p_mean": _p_two_sided(mean_obs, mean_perm),
            "log_variance_ratio": logvar_obs[0],
            "variance_lower": np.quantile(logvar_perm, alpha / 2, axis=0),
            "variance_upper": np.quantile(logvar_perm, 1 - alpha / 2, axis=0),
            "p_variance": _p_two_sided(logvar_obs, logvar_perm),
        },
        index=pd.Index(layout.constructs, name="construct"),
    )
    equal = (micom["p_mean"] > alpha) & (micom["p_variance"] > alpha)
    micom["invariance"] = np.where(micom["compositional"], np.where(equal, "full", "partial"), "none")
    sizes = (int(is_first.sum()), int((~is_first).sum()))
    return MultigroupAnalysis(paths, micom, (first, second), sizes, b, float(alpha), permuted)


def _two_groups(labels: pd.Series, group: str, groups: Sequence[Hashable] | None) -> tuple[Hashable, Hashable]:
    """The two groups compared: as given (each must occur), else the column's only two values, sorted."""
    present = sorted(labels.dropna().unique().tolist(), key=str)
    if groups is None:
        if len(present) != 2:
            raise ItemDataError("DataFrame", [("multigroup analysis needs exactly two groups; pass groups= to pick two",
                                               None, group, present)])
        return present[0], present[1]
    if len(groups) != 2 or groups[0] == groups[1]:
        raise ValueError(f"groups must name two different groups, got {groups!r}")
    for g in groups:
        if g not in present:
            raise ItemDataError("DataFrame", [(f"no respondent in group {g!r}; the groups are {present!r}", None, group, None)])
    return groups[0], groups[1]


def _group_correlations(z: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Item correlation matrices (B × p × p) of the rows of ``z`` selected by each row of ``masks``."""
    m = masks.astype(float)
    n = m.sum(axis=1)
    mean = m @ z / n[:, None]
    cross = np.einsum("bn,np,nq->bpq", m, z, z, optimize=True)
    cov = (cross - n[:, None, None] * mean[:, :, None] * mean[:, None, :]) / (n - 1)[:, None, None]
    sd = np.sqrt(np.einsum("bpp->bp", cov))
    return cov / sd[:, :, None] / sd[:, None, :]


def _composite_correlations(s: np.ndarray, w_a: np.ndarray, w_b: np.ndarray) -> np.ndarray:
    """c = corr(Z·w_a, Z·w_b) per construct over the pooled standardised items Z (item correlations ``s``), B × k."""
    cross = np.einsum("bpk,pq,bqk->bk", w_a, s, w_b)
    var_a = np.einsum("bpk,pq,bqk->bk", w_a, s, w_a)
    var_b = np.einsum("bpk,pq,bqk->bk", w_b, s, w_b)
    return cross / np.sqrt(var_a * var_b)


def _mean_and_log_variance(scores: np.ndarray, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each label vector (rows of ``masks``): the first group's composite mean minus the second's, and the log
    ratio of their variances (B × k)."""
    a = masks.astype(float)
    na, nb = a.sum(axis=1, keepdims=True), (1 - a).sum(axis=1, keepdims=True)
    mean_a, mean_b = a @ scores / na, (1 - a) @ scores / nb
    var_a = (a @ scores**2 - na * mean_a**2) / (na - 1)
    var_b = ((1 - a) @ scores**2 - nb * mean_b**2) / (nb - 1)
    return mean_a - mean_b, np.log(var_a / var_b)


def _p_two_sided(observed: np.ndarray, permuted: np.ndarray) -> np.ndarray:
    """(1 + #{|permuted| ≥ |observed|}) / (1 + B) per column (Phipson & Smyth 2010); ``observed`` is 1 × columns."""
    exceed = (np.abs(permuted) >= np.abs(observed) - 1e-12).sum(axis=0)
    return (1 + exceed) / (1 + permuted.shape[0])


def _configural(x: np.ndarray, is_first: np.ndarray, layout: Layout) -> np.ndarray:
    """MICOM step 1 per construct: the same items, each answered with more than one value, in both groups (the
    model, item treatment and algorithm settings are the same by construction)."""
    varies = np.array([[np.ptp(x[m, i]) > 0 for i in range(x.shape[1])] for m in (is_first, ~is_first)]).all(axis=0)
    return np.array([bool(varies[layout.membership[:, j] > 0].all()) for j in range(len(layout.constructs))])
