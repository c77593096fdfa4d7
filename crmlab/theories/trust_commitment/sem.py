"""The KMV model as a latent-variable structural equation model (optional: needs semopy).

The OLS path analysis on scale scores ignores measurement error, which
attenuates the paths (the more, the less reliable the scales). A full SEM
estimates each construct as a latent variable measured by its items and the
structural paths between the latents, by maximum likelihood, with the usual
fit indices: CFI (Bentler 1990) and TLI (≥ 0.95 good), RMSEA (≤ 0.06) and SRMR (≤ 0.08)
(Hu & Bentler 1999). Estimation uses semopy (Igolkina & Meshcheryakov 2020),
installed with ``pip install crmlab[sem]``; nothing else in crmlab needs it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlab.stats.path_model import PathModel
from crmlab.theories.trust_commitment.kmv import kmv_model
from crmlab.theories.trust_commitment.survey import construct_items

__all__ = ["SEMResult", "comparative_fit_index", "fit_sem", "sem_description"]


@dataclass(frozen=True)
class SEMResult:
    """``paths``: standardised structural paths with SE, z, p; ``loadings``: standardised loadings;
    ``fit``: CFI, TLI, RMSEA, SRMR, χ², df, AIC, BIC; ``model``: the fitted semopy model."""

    paths: pd.DataFrame
    loadings: pd.DataFrame
    fit: pd.Series
    model: Any


def sem_description(model: PathModel, items: Mapping[str, Sequence[str]]) -> str:
    """The model in lavaan/semopy syntax: ``construct =~ items`` and ``outcome ~ predictors``."""
    missing = [v for v in model.variables if v not in items]
    if missing:
        raise ValueError(f"no items for the constructs {missing}")
    lines = [f"{c} =~ {' + '.join(items[c])}" for c in model.variables]
    return "\n".join(lines + list(model.formulas.values()))


def _srmr(sample: np.ndarray, implied: np.ndarray) -> float:
    """Standardised root mean square residual over the lower triangle with the diagonal."""
    d = np.sqrt(np.diag(sample))
    resid = (sample - implied) / np.outer(d, d)
    low = np.tril_indices_from(resid)
    return float(np.sqrt(np.mean(resid[low] ** 2)))


def comparative_fit_index(chi2: float, df: float, chi2_baseline: float, df_baseline: float) -> float:
    """Bentler's (1990) CFI = 1 − max(χ² − df, 0) / max(χ²_b − df_b, χ² − df, 0), in [0, 1].

    The noncentralities of the model and of the baseline (independence) model
    are cut at zero, so a model whose χ² is below its degrees of freedom has
    CFI = 1, not more (semopy's ``CFI`` omits the cut: 1 − (χ² − df)/(χ²_b − df_b)).

    >>> comparative_fit_index(541.998, 571, 6400.29, 630), round(comparative_fit_index(700.0, 571, 6400.29, 630), 4)
    (1.0, 0.9776)
    """
    model = max(chi2 - df, 0.0)
    baseline = max(chi2_baseline - df_baseline, model)
    return 1.0 if baseline == 0 else 1.0 - model / baseline


def fit_sem(
    survey: pd.DataFrame,
    model: PathModel | None = None,
    constructs: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
) -> SEMResult:
    """Fit a path model (default the KMV model) with latent constructs measured by their items.

    ``survey`` holds the items (reverse-coded ones already recoded, e.g. by
    :func:`validate_survey`); rows flagged ``invalid`` are left out.

    Raises
    ------
    ImportError
        When semopy is not installed (``pip install crmlab[sem]``).
    """
    try:
        import semopy
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError("fit_sem needs semopy: pip install 'crmlab[sem]'") from exc
    model = kmv_model() if model is None else model
    data = survey[~survey["invalid"]] if "invalid" in survey.columns else survey
    items = construct_items(data.columns, constructs)
    columns = [i for c in model.variables for i in items.get(c, [])]
    desc = sem_description(model, items)
    sem = semopy.Model(desc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sem.fit(data[columns].astype(float))
        stats = semopy.calc_stats(sem).T.iloc[:, 0]
        table = sem.inspect(std_est=True)
    observed = sem.vars["observed"]
    sample = np.cov(data[observed].astype(float).to_numpy().T, ddof=0)
    implied = sem.calc_sigma()[0]
    fit = pd.Series(
        {
            "CFI": comparative_fit_index(float(stats["chi2"]), float(stats["DoF"]), float(stats["chi2 Baseline"]),
                                         float(stats["DoF Baseline"])),
            "TLI": float(stats["TLI"]),
            "RMSEA": float(stats["RMSEA"]),
            "SRMR": _srmr(sample, implied),
            "chi2": float(stats["chi2"]),
            "df": float(stats["DoF"]),
            "chi2_p": float(stats["chi2 p-value"]),
            "AIC": float(stats["AIC"]),
            "BIC": float(stats["BIC"]),
        },
        name="fit",
    )
    latents = set(model.variables)
    structural = table[(table["op"] == "~") & table["lval"].isin(latents) & table["rval"].isin(latents)]
    paths = pd.DataFrame(
        {
            "outcome": structural["lval"].to_numpy(),
            "predictor": structural["rval"].to_numpy(),
            "std_estimate": pd.to_numeric(structural["Est. Std"]).to_numpy(),
            "se": pd.to_numeric(structural["Std. Err"], errors="coerce").to_numpy(),
            "z": pd.to_numeric(structural["z-value"], errors="coerce").to_numpy(),
            "p": pd.to_numeric(structural["p-value"], errors="coerce").to_numpy(),
        }
    )
    meas = table[(table["op"] == "~") & table["rval"].isin(latents) & ~table["lval"].isin(latents)]
    loadings = pd.DataFrame(
        {"construct": meas["rval"].to_numpy(), "item": meas["lval"].to_numpy(), "loading": pd.to_numeric(meas["Est. Std"]).to_numpy()}
    )
    return SEMResult(paths, loadings, fit, sem)
