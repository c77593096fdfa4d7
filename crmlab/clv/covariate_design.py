"""Time-invariant covariates on a positive model parameter: design matrix, coding and tests.

A parameter θ of a CLV model (the Gamma-Gamma's spend scale γ, the sBG's α
and β) is linked to a customer's (or a cohort's) covariates z by

    θ_i = θ₀ · exp(c'z_i)

(the proportional form of Fader & Hardie's note "Incorporating time-invariant
covariates into the Pareto/NBD and BG/NBD models", 2007, and of CLVTools), so
exp(c_k) is the factor by which θ changes per unit of z_k, and c = 0 gives the
model without covariates. This module holds what every such model shares:

- :func:`covariate_matrix` reads the covariate columns of a frame and refuses
  bad ones (missing, non-numeric, constant), naming the column and the row;
- :class:`CovariateLinks` standardises the columns for the optimiser and codes
  each coefficient as the positive number exp(c̃) so that the shared
  maximum-likelihood fitter (which works on log-parameters) optimises c̃
  itself, unbounded; after the fit it turns estimates and their covariance
  back into the user's scale of z by the delta method (exact at the optimum,
  where the transformation is linear to first order);
- :func:`wald_tests` and :func:`likelihood_ratio_test` test the coefficients.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem

__all__ = ["CovariateLinks", "covariate_matrix", "likelihood_ratio_test", "wald_tests"]


def covariate_matrix(frame: Any, columns: Sequence[str], *, source: str = "customer summary") -> np.ndarray:
    """The covariate columns of ``frame`` as a float matrix (rows × columns), refusing bad ones.

    Each column must exist, be numeric (or boolean) and finite in every row;
    a categorical covariate is passed as dummy columns (``pandas.get_dummies``,
    dropping one level). A :class:`~crmlab.data.DataError` names the column,
    and the row and value where one is at fault.

    >>> frame = pd.DataFrame({"age": [30, 41, 25], "member": [True, False, True]})
    >>> covariate_matrix(frame, ["age", "member"]).tolist()
    [[30.0, 1.0], [41.0, 0.0], [25.0, 1.0]]
    >>> covariate_matrix(frame.assign(age=[30, None, 25]), ["age"])
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: customer summary: 1 problem
      row 1, column 'age': covariate is missing or infinite (nan)
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("covariates are columns of the summary DataFrame: pass the summary as a DataFrame")
    if isinstance(columns, str):
        columns = [columns]
    columns = list(columns)
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    problems = [Problem("covariate listed twice", column=c) for c in duplicated]
    problems += [Problem("missing covariate column", column=c) for c in columns if c not in frame.columns]
    if problems:
        raise DataError(source, problems)
    total = 0
    out = np.empty((len(frame), len(columns)))
    for j, name in enumerate(columns):
        values = frame[name]
        if values.dtype == bool or pd.api.types.is_bool_dtype(values):
            values = values.astype(float)
        if not pd.api.types.is_numeric_dtype(values):
            first = next((v for v in values if not isinstance(v, (int, float, np.number))), values.iloc[0])
            problems.append(Problem("covariate is not numeric (pass a categorical one as dummy columns)", column=name, value=first))
            total += 1
            continue
        arr = values.to_numpy(dtype=float, na_value=np.nan)
        bad = np.flatnonzero(~np.isfinite(arr))
        problems += [Problem("covariate is missing or infinite", row=frame.index[i], column=name, value=float(arr[i]))
                     for i in bad[:MAX_PROBLEMS_SHOWN]]
        total += len(bad)
        out[:, j] = arr
    if total:
        raise DataError(source, problems, n_problems=total)
    return out


def _check_varies(matrix: np.ndarray, columns: Sequence[str], source: str) -> None:
    constant = [c for j, c in enumerate(columns) if len(matrix) and np.ptp(matrix[:, j]) == 0]
    if constant:
        raise DataError(source, [Problem("covariate is constant over the rows fitted: its effect cannot be estimated",
                                         column=c) for c in constant])


@dataclass(frozen=True)
class CovariateLinks:
    """Which parameters carry covariates, and how the optimiser sees them.

    ``base`` are the model's own parameter names, ``links`` maps a linked
    parameter to its covariate columns, ``prefixes`` names the coefficient
    rows (``"spend: income"``). ``center`` and ``scale`` standardise each
    link's columns (means and standard deviations over the rows fitted).

    >>> links = CovariateLinks.build(("p", "q", "gamma"), {"gamma": ["income"]}, {"gamma": "spend"},
    ...                              {"gamma": np.array([[1.0], [3.0]])})
    >>> links.names
    ('p', 'q', 'gamma', 'spend: income')
    >>> links.standardise("gamma", np.array([[1.0], [3.0]])).ravel().tolist()
    [-1.0, 1.0]
    """

    base: tuple[str, ...]
    links: dict[str, tuple[str, ...]]
    prefixes: dict[str, str]
    center: dict[str, np.ndarray]
    scale: dict[str, np.ndarray]

    @classmethod
    def build(
        cls,
        base: Sequence[str],
        links: dict[str, Sequence[str]],
        prefixes: dict[str, str],
        matrices: dict[str, np.ndarray],
        *,
        source: str = "customer summary",
    ) -> CovariateLinks:
        """Links with the standardisation of the rows fitted; refuses columns constant over them."""
        center, scale = {}, {}
        for name, columns in links.items():
            _check_varies(matrices[name], columns, source)
            center[name] = matrices[name].mean(axis=0)
            scale[name] = matrices[name].std(axis=0)
        return cls(tuple(base), {k: tuple(v) for k, v in links.items()}, dict(prefixes), center, scale)

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names: the model's own, then the coefficients of each link in turn."""
        return self.base + tuple(f"{self.prefixes[p]}: {c}" for p, cols in self.links.items() for c in cols)

    def positions(self, name: str) -> slice:
        """Where the coefficients of linked parameter ``name`` sit in the parameter vector."""
        start = len(self.base)
        for other, cols in self.links.items():
            if other == name:
                return slice(start, start + len(cols))
            start += len(cols)
        raise KeyError(name)

    def standardise(self, name: str, matrix: np.ndarray) -> np.ndarray:
        """Columns of ``matrix`` centred and scaled as in the fit (what the optimiser's coefficients multiply)."""
        return (matrix - self.center[name]) / self.scale[name]

    def decode(self, coded: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Estimates and covariance on the user's scale from the optimiser's (θ̃₀, exp(c̃)) ones.

        With standardised z̃ = (z − μ)/s, θ̃₀·exp(c̃'z̃) = θ₀·exp(c'z) where
        c = c̃/s and θ₀ = θ̃₀·exp(−Σ c̃_k μ_k/s_k); the covariance follows by the
        delta method, V = J V_coded Jᵀ with J the Jacobian of that map.
        """
        k = len(coded)
        params = coded.astype(float).copy()
        jac = np.eye(k)
        for name in self.links:
            pos = self.positions(name)
            idx = np.arange(k)[pos]
            base = self.base.index(name)
            c_std = np.log(coded[pos])
            # d c̃ / d exp(c̃) = 1 / exp(c̃), then c = c̃ / s
            params[pos] = c_std / self.scale[name]
            jac[idx, idx] = 1 / (coded[pos] * self.scale[name])
            shift = np.exp(-np.sum(c_std * self.center[name] / self.scale[name]))
            params[base] = coded[base] * shift
            jac[base, base] = shift
            jac[base, idx] = -params[base] * self.center[name] / self.scale[name] / coded[pos]
        return params, jac @ covariance @ jac.T

    def decode_fitted(self, model: Any) -> None:
        """Replace a just-fitted model's coded estimates, covariance and standard errors by the user-scale ones."""
        params, cov = self.decode(model.params_.to_numpy(), model.variance_matrix_.to_numpy())
        names = list(self.names)
        model.params_ = pd.Series(params, index=names, name="estimate")
        model.variance_matrix_ = pd.DataFrame(cov, index=names, columns=names)
        model.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)), index=names, name="se")

    def linear_predictor(self, name: str, params: np.ndarray, matrix: np.ndarray) -> np.ndarray:
        """c'z_i of linked parameter ``name`` for each row of ``matrix`` (user-scale estimates and covariates)."""
        return matrix @ params[self.positions(name)]


def wald_tests(model: Any) -> pd.DataFrame:
    """Wald test of each covariate coefficient: z = c / se(c), two-sided p-value (Wald 1943).

    Returns one row per coefficient (the parameters named ``"<part>: <covariate>"``)
    with ``coef``, ``se(coef)``, ``z``, ``p``, and ``exp(coef)``, the factor by which
    the linked parameter changes per unit of the covariate.

    >>> class Fitted:
    ...     params_ = pd.Series({"gamma": 15.0, "spend: income": 0.5})
    ...     standard_errors_ = pd.Series({"gamma": 1.0, "spend: income": 0.25})
    >>> wald_tests(Fitted()).round(3).loc["spend: income"].to_dict()
    {'coef': 0.5, 'se(coef)': 0.25, 'z': 2.0, 'p': 0.046, 'exp(coef)': 1.649}
    """
    from scipy.stats import norm

    names = [n for n in model.params_.index if ": " in str(n)]
    coef = model.params_[names].to_numpy(dtype=float)
    se = model.standard_errors_[names].to_numpy(dtype=float)
    z = coef / se
    return pd.DataFrame(
        {"coef": coef, "se(coef)": se, "z": z, "p": 2 * norm.sf(np.abs(z)), "exp(coef)": np.exp(coef)},
        index=pd.Index(names, name="parameter"),
    )


def likelihood_ratio_test(model_with: Any, model_without: Any) -> pd.Series:
    """Likelihood-ratio test of a model against the nested one it extends (Wilks 1938).

    LR = 2(ℓ_with − ℓ_without), asymptotically χ² with as many degrees of
    freedom as the extra parameters when the smaller model is true. Both
    models must be fitted to the same customers.

    >>> class Big:
    ...     log_likelihood_, n_customers_, params_ = -100.0, 50.0, pd.Series(range(4))
    >>> class Small:
    ...     log_likelihood_, n_customers_, params_ = -103.0, 50.0, pd.Series(range(3))
    >>> likelihood_ratio_test(Big(), Small()).round(4).to_dict()
    {'statistic': 6.0, 'df': 1.0, 'p_value': 0.0143}
    """
    from scipy.stats import chi2

    for m in (model_with, model_without):
        if getattr(m, "params_", None) is None:
            raise ValueError("likelihood_ratio_test: both models must be fitted")
    df = len(model_with.params_) - len(model_without.params_)
    if df <= 0:
        raise ValueError(f"likelihood_ratio_test: the first model must have more parameters than the second (got {df:+d})")
    if not np.isclose(model_with.n_customers_, model_without.n_customers_):
        raise ValueError(
            "likelihood_ratio_test: the models were fitted to different data "
            f"({model_with.n_customers_:,.0f} and {model_without.n_customers_:,.0f} customers)"
        )
    statistic = max(2 * (model_with.log_likelihood_ - model_without.log_likelihood_), 0.0)
    return pd.Series({"statistic": statistic, "df": float(df), "p_value": float(chi2.sf(statistic, df))}, name="likelihood ratio test")
