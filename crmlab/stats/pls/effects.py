"""Effects in a recursive structural model: total and indirect effects, and Cohen's f².

With B the path coefficients (from × to) of a recursive model, B is nilpotent
and the total effect of i on j sums the products of coefficients along every
directed path: T = B + B² + … = (I − B)⁻¹ − I; the indirect effects are T − B
(Alwin & Hauser 1975; Bollen 1987). The effect size of a path i → j is
f² = (R²_incl − R²_excl) / (1 − R²_incl), R²_excl from the model re-estimated
without the path (Cohen 1988; Hair et al. 2021, ch. 6; seminr's ``fSquared``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from crmlab.stats.pls.algorithm import PLSFit

__all__ = ["f_squared", "total_effects"]


def total_effects(paths: np.ndarray) -> np.ndarray:
    """Total effects (I − B)⁻¹ − I of a recursive path matrix B (from × to), or a stack of them (… × k × k).

    >>> B = np.array([[0, 0.5, 0.2], [0, 0, 0.4], [0, 0, 0]])   # X → M → Y and X → Y
    >>> round(float(total_effects(B)[0, 2]), 10)   # 0.2 direct + 0.5 · 0.4 indirect
    0.4
    """
    B = np.asarray(paths, dtype=float)
    identity = np.eye(B.shape[-1])
    return np.linalg.inv(identity - B) - identity


def f_squared(fit: PLSFit) -> pd.DataFrame:
    """Cohen's f² of every path of a fitted model (from × to, NaN where there is no path); see the module docstring.

    Each path costs one re-estimation of the model without it (same scheme,
    data and settings); a construct left without paths is dropped from that
    re-estimation, and an outcome left without antecedents has R²_excl = 0.
    """
    from crmlab.stats.pls.algorithm import Layout, _estimate, structural_paths

    model = fit._stage_model
    constructs = fit.constructs
    out = pd.DataFrame(np.nan, index=constructs, columns=constructs)
    r2 = fit.r_squared
    items = fit._stage.items
    for source, target in model.structure:
        rest = [p for p in model.structure if p != (source, target)]
        excluded = 0.0
        if any(t == target for _, t in rest):
            reduced = model._with_structure(rest)
            layout = Layout.of(reduced, {c for c in fit.layout.constructs if fit.layout.interactions[fit.constructs.index(c)]})
            stage = _estimate(layout, items, fit.scheme, fit.settings["tolerance"], fit.settings["max_iter"])
            covariance = stage.weights.T @ stage.S @ stage.weights * np.outer(stage.scales, stage.scales)
            excluded = float(structural_paths(covariance[None], layout)[1][0, layout.constructs.index(target)])
        out.loc[source, target] = (r2[target] - excluded) / (1 - r2[target])
    return out
