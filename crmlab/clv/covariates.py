"""Time-invariant covariates in the BG/NBD, MBG/NBD and Pareto/NBD: each customer's own gamma scales.

Form (Fader & Hardie 2007, "Incorporating time-invariant covariates into the
Pareto/NBD and BG/NBD models"; the conventions of CLVTools' ``pnbd`` and
``bgnbd`` with static covariates and of PyMC-Marketing). A customer i with
covariate rows z_i (purchase covariates) and d_i (dropout covariates) has

- Pareto/NBD: λ_i ~ Gamma(r, α_i), α_i = α·exp(−γ_p'z_i), and
  μ_i ~ Gamma(s, β_i), β_i = β·exp(−γ_d'd_i). E[λ_i] = r/α_i = (r/α)·exp(γ_p'z_i)
  and E[μ_i] = (s/β)·exp(γ_d'd_i): a **positive purchase coefficient means
  more purchases**, a **positive dropout coefficient a higher dropout rate**
  (a shorter lifetime).
- BG/NBD and MBG/NBD: λ_i ~ Gamma(r, α_i) as above, and p_i ~ Beta(a_i, b_i)
  with a_i = a·exp(γ_a'd_i), b_i = b·exp(γ_b'd_i) (PyMC-Marketing's form, one
  coefficient vector each for a and b; CLVTools ties them, γ_a = γ_b, which
  keeps E[p] = a/(a+b) fixed). A **positive "dropout a" coefficient raises the
  dropout probability** E[p_i] = a_i/(a_i+b_i), a **positive "dropout b"
  coefficient lowers it**.

With every γ = 0 each model is the model without covariates. The likelihood
of a customer is the model's likelihood at the customer's own (α_i, β_i) or
(α_i, a_i, b_i); so is every prediction.

Fitting. Covariates are standardised for the optimiser (z̃ = (z − mean)/sd, so
the coefficients have comparable scales and the baseline is the average
customer), the coefficients optimised as real numbers and the gamma
parameters on the log scale (:class:`crmlab.stats.ParametricModel`), from the
model without covariates. Estimates and their covariance are then reported on
the user's scale (γ = γ̃/sd, α = α̃·exp(γ̃'mean/sd) and likewise for the
others; the covariance by the Jacobian of that map, which at the maximum is
the observed information on the user's scale). The gradient in the
coefficients is the chain rule of the per-customer gradient in α_i, a_i, b_i
(β_i): ∂ℓ/∂γ = ±Σ_i w_i (∂ℓ_i/∂α_i) α_i z_i.

Checks on the covariates (a :class:`crmlab.data.DataError` naming the column):
a column must exist, be numeric or boolean (categorical variables as dummy
columns, e.g. ``pandas.get_dummies(..., drop_first=True)``), have no missing or
infinite values (the first bad row is named), vary, and not be a linear
combination of the other covariates of the same process (with the constant).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln

from crmlab.data.errors import DataError, Problem
from crmlab.stats.maximum_likelihood import ParametricModel

__all__ = [
    "CovariateDesign",
    "LikelihoodRatioTest",
    "beta_geo_rows",
    "covariate_matrix",
    "fit_with_covariates",
    "forget_covariates",
    "likelihood_ratio_test",
    "simulate_summary_with_covariates",
    "wald_tests",
]

_SOURCE = "DataFrame"
RFT = ("frequency", "recency", "T")
#: Customers on which the model without covariates is fitted for the starting point.
_START_ROWS = 50_000
#: Relative size below which a column's residual on the others (and the constant) counts as collinear.
_COLLINEAR_TOLERANCE = 1e-8


# ----- the design: checks and scaling ------------------------------------------------------------------


def covariate_matrix(
    frame: pd.DataFrame, columns: Sequence[str], *, process: str = "purchase", fitting: bool = True
) -> np.ndarray:
    """The covariate columns of ``frame`` as a float matrix (customers × covariates), checked.

    Refuses, with a :class:`~crmlab.data.DataError` naming the column: a
    missing column, a non-numeric one (categorical variables go in as dummy
    columns, e.g. ``pandas.get_dummies``), missing or infinite values (naming
    the first bad row), and, when ``fitting`` (the data must identify the
    coefficients; not so for customers to predict for), a constant column
    and a column that is a linear combination of the others and the constant
    (perfect collinearity, e.g. every dummy of a categorical variable).
    Booleans count as 0/1.

    >>> frame = pd.DataFrame({"age": [30.0, 41.0, 25.0], "female": [True, False, True]})
    >>> covariate_matrix(frame, ["age", "female"]).tolist()
    [[30.0, 1.0], [41.0, 0.0], [25.0, 1.0]]
    >>> covariate_matrix(frame.assign(region=["n", "s", "n"]), ["region"])
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: DataFrame: 1 problem
      column 'region': purchase covariate is not numeric: turn a categorical variable into dummy columns, e.g. pandas.get_dummies(frame, columns=['region'], drop_first=True) ('n')
    """
    columns = list(columns)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"covariates are columns of the summary DataFrame; got {type(frame).__name__}")
    problems: list[Problem] = []
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            problems.append(Problem(f"{process} covariate listed twice", column=name))
        seen.add(name)
        if name not in frame.columns:
            problems.append(Problem(f"missing column (named as a {process} covariate)", column=name))
    if problems:
        raise DataError(_SOURCE, problems)
    matrix = np.empty((len(frame), len(columns)))
    for j, name in enumerate(columns):
        col = frame[name]
        if pd.api.types.is_bool_dtype(col.dtype) and not col.isna().any():
            matrix[:, j] = col.to_numpy(dtype=float)
            continue
        if not pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            first = next((v for v in col if not isinstance(v, (int, float, np.number)) or isinstance(v, bool)), None)
            problems.append(
                Problem(
                    f"{process} covariate is not numeric: turn a categorical variable into dummy columns, "
                    f"e.g. pandas.get_dummies(frame, columns=[{name!r}], drop_first=True)",
                    column=name,
                    value=first,
                )
            )
            continue
        values = col.to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.argmax(bad))
            what = "missing value" if np.isnan(values[i]) else "infinite value"
            count = f", the first of {int(bad.sum())}" if bad.sum() > 1 else ""
            problems.append(Problem(f"{process} covariate has a {what}{count}", row=frame.index[i], column=name,
                                    value=None if np.isnan(values[i]) else float(values[i])))
            continue
        if fitting and values.min() == values.max():
            problems.append(Problem(f"{process} covariate is constant: it is confounded with the baseline",
                                    column=name, value=float(values[0])))
            continue
        matrix[:, j] = values
    if problems:
        raise DataError(_SOURCE, problems)
    if fitting:
        _check_collinearity(matrix, columns, process)
    return matrix


def _check_collinearity(matrix: np.ndarray, columns: Sequence[str], process: str) -> None:
    """Refuse a column that the constant and the columns before it reproduce (Gram–Schmidt on standardised columns)."""
    z = (matrix - matrix.mean(axis=0)) / matrix.std(axis=0)
    basis: list[np.ndarray] = []
    for j, name in enumerate(columns):
        v = z[:, j].copy()
        for q in basis:
            v -= (q @ v) * q
        norm = float(np.linalg.norm(v))
        if norm <= _COLLINEAR_TOLERANCE * math.sqrt(len(v)):
            earlier = ", ".join(repr(c) for c in columns[:j])
            raise DataError(
                _SOURCE,
                [Problem(f"{process} covariate is perfectly collinear with the constant and {earlier} "
                         "(e.g. every dummy of one categorical variable: drop one)", column=name)],
            )
        basis.append(v / norm)


@dataclass(frozen=True)
class CovariateDesign:
    """The covariates of a fit: names by process, and the means and standard deviations used to standardise.

    ``purchase`` and ``dropout`` are the column names; ``mean`` and ``scale``
    map each process to its columns' means and standard deviations on the
    fitted customers (weighted by the rows' counts).

    >>> frame = pd.DataFrame({"age": [30.0, 40.0], "female": [1.0, 0.0]})
    >>> design = CovariateDesign.from_frame(frame, purchase=["age"], dropout=["female"])
    >>> design.mean["purchase"].tolist(), design.scale["dropout"].tolist()
    ([35.0], [0.5])
    """

    purchase: tuple[str, ...]
    dropout: tuple[str, ...]
    mean: Mapping[str, np.ndarray]
    scale: Mapping[str, np.ndarray]

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, *, purchase: Sequence[str], dropout: Sequence[str], weights: np.ndarray | None = None
    ) -> CovariateDesign:
        """The design of ``frame``'s covariate columns (checked by :func:`covariate_matrix`)."""
        mats = cls.matrices_of(frame, purchase, dropout)
        w = np.ones(len(frame)) if weights is None else np.asarray(weights, dtype=float)
        return cls.from_matrices(purchase, dropout, mats, w)

    @classmethod
    def from_matrices(
        cls, purchase: Sequence[str], dropout: Sequence[str], mats: Mapping[str, np.ndarray], w: np.ndarray
    ) -> CovariateDesign:
        """The design from checked matrices (:meth:`matrices_of`) and the rows' weights."""
        mean, scale = {}, {}
        for process, m in mats.items():
            mu = w @ m / w.sum() if m.shape[1] else np.zeros(0)
            sd = np.sqrt(w @ (m - mu) ** 2 / w.sum()) if m.shape[1] else np.zeros(0)
            mean[process], scale[process] = mu, sd
        return cls(tuple(purchase), tuple(dropout), mean, scale)

    @staticmethod
    def matrices_of(frame: pd.DataFrame, purchase: Sequence[str], dropout: Sequence[str]) -> dict[str, np.ndarray]:
        """The checked covariate matrices of both processes (:func:`covariate_matrix`)."""
        return {
            "purchase": covariate_matrix(frame, purchase, process="purchase") if len(purchase) else np.zeros((len(frame), 0)),
            "dropout": covariate_matrix(frame, dropout, process="dropout") if len(dropout) else np.zeros((len(frame), 0)),
        }

    def matrices(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """This design's columns of another frame (e.g. customers to predict for), checked for presence and values."""
        return {
            process: _prediction_matrix(frame, names, process)
            for process, names in (("purchase", self.purchase), ("dropout", self.dropout))
        }


def _prediction_matrix(frame: Any, names: Sequence[str], process: str) -> np.ndarray:
    """Covariate values to predict with: present, numeric and finite (constant columns are fine here)."""
    if not len(names):
        return np.zeros((len(frame), 0))
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"this model was fitted with {process} covariates {list(names)}: pass the summary DataFrame with those columns"
        )
    return covariate_matrix(frame, names, process=process, fitting=False)


# ----- per-customer likelihoods -------------------------------------------------------------------------


def beta_geo_rows(
    r: float, alpha: Any, a: Any, b: Any, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
    *, first_purchase_dropout: int = 0, grad: bool = False,
) -> dict[str, np.ndarray]:
    """BG/NBD (k = 0) or MBG/NBD (k = 1) log-likelihood per customer at per-customer α_i, a_i, b_i.

    The formula of :class:`crmlab.clv.BetaGeo` (FHL 2005, eq. 6) with the
    scalars replaced by arrays::

        ln L_i = ln Γ(r+x) − ln Γ(r) + r ln α_i + ln B(a_i, b_i+x+k) − ln B(a_i, b_i)
                 − (r+x) ln(α_i+T) + ln(1 + e^{L_i}),
        L_i = ln a_i − ln(b_i+x−1+k) + (r+x)(ln(α_i+T) − ln(α_i+t_x))   (−∞ for x = 0 when k = 0).

    Returns ``ll``, ``log_odds_alive`` (−L_i: P(alive) = expit of it) and,
    with ``grad``, ``grad`` of shape (4, n): ∂ ln L_i / ∂(r, α_i, a_i, b_i).

    >>> out = beta_geo_rows(0.243, 4.414, 0.793, 2.426, np.array([0.0, 2.0]), np.array([0.0, 20.0]),
    ...                     np.array([30.0, 35.0]))
    >>> round(float(out["ll"].sum()), 6)  # crmlab.clv.compiled_likelihoods.beta_geo_totals gives the same
    -9.550053
    """
    k = int(first_purchase_dropout)
    alpha, a, b = (np.asarray(v, dtype=float) for v in (alpha, a, b))
    log_aT, log_at = np.log(alpha + T), np.log(alpha + t_x)
    rx = r + x
    has = (x > 0) | bool(k)
    den = np.where(has, b + x - 1 + k, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        L = np.where(has, np.log(a) - np.log(den) + rx * (log_aT - log_at), -np.inf)
    x_unique, x_index = np.unique(x, return_inverse=True)
    ll = (gammaln(r + x_unique) - gammaln(r))[x_index] + r * np.log(alpha) + betaln(a, b + x + k) - betaln(a, b)
    ll += np.logaddexp(0.0, L) - rx * log_aT
    out = {"ll": ll, "log_odds_alive": -L}
    if grad:
        s = expit(L)
        d_r = (digamma(r + x_unique) - digamma(r))[x_index] + np.log(alpha) - log_aT + s * (log_aT - log_at)
        d_alpha = r / alpha - rx / (alpha + T) + s * rx * (1 / (alpha + T) - 1 / (alpha + t_x))
        psi_ab, psi_abx = digamma(a + b), digamma(a + b + x + k)
        d_a = psi_ab - psi_abx + s / a
        d_b = digamma(b + x + k) - psi_abx - digamma(b) + psi_ab - np.where(has, s / den, 0.0)
        out["grad"] = np.vstack(np.broadcast_arrays(d_r, d_alpha, d_a, d_b))
    return out


def _pareto_nbd_rows(
    model: Any, r: float, alpha: Any, s: float, beta: Any, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, *,
    grad: bool, alive: bool,
) -> dict[str, np.ndarray]:
    """Pareto/NBD ``ll`` and ``grad`` (4, n), or with ``alive`` ``log_odds_alive``, per customer at per-customer
    α_i, β_i: compiled, row by row (:func:`crmlab.clv.compiled_likelihoods.pareto_nbd_rows_at`), the rows it
    cannot sum by the model's own NumPy/SciPy likelihood at that row's parameters."""
    from crmlab.clv.compiled_likelihoods import pareto_nbd_log_odds_alive_at, pareto_nbd_rows_at

    n = len(x)
    alpha, beta = (np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in (alpha, beta))
    if alive:
        odds = pareto_nbd_log_odds_alive_at(r, alpha, s, beta, x, t_x, T)
        left_out = np.flatnonzero(np.isnan(odds))
        out = {"log_odds_alive": odds}
    else:
        ll, g, left_out = pareto_nbd_rows_at(r, alpha, s, beta, x, t_x, T)
        out = {"ll": ll, "grad": g.T}
    single = type(model)()
    for i in left_out:
        params = np.array([r, alpha[i], s, beta[i]])
        parts = single._parts(params, {"frequency": x[i:i + 1], "recency": t_x[i:i + 1], "T": T[i:i + 1]}, grad=not alive)
        if alive:
            out["log_odds_alive"][i] = parts["alive"][0] - parts["dead"][0]
        else:
            out["ll"][i] = parts["ll"][0]
            out["grad"][:, i] = parts["grad"][:, 0]
    return out


# ----- which parameter each process's covariates scale ----------------------------------------------------


@dataclass(frozen=True)
class _Link:
    """Covariates of ``process`` scale the model parameter at ``index``: p_i = p·exp(sign·γ'z_i)."""

    index: int
    sign: float
    label: str
    process: str


_BETA_GEO_LINKS = (_Link(1, -1.0, "purchase", "purchase"), _Link(2, 1.0, "dropout a", "dropout"),
                   _Link(3, 1.0, "dropout b", "dropout"))
_PARETO_LINKS = (_Link(1, -1.0, "purchase", "purchase"), _Link(3, -1.0, "dropout", "dropout"))


def _is_pareto(model: Any) -> bool:
    """Pareto/NBD family (r, α, s, β) or BG/NBD family (r, α, a, b); other models take no covariates."""
    names = tuple(type(model).param_names)
    if names == ("r", "alpha", "s", "beta"):
        return True
    if names == ("r", "alpha", "a", "b") and hasattr(model, "_first_purchase_dropout"):
        return False
    raise TypeError(f"{type(model).__name__} does not take covariates (BetaGeo, ModifiedBetaGeo and ParetoNBD do)")


def _links(model: Any) -> tuple[_Link, ...]:
    return _PARETO_LINKS if _is_pareto(model) else _BETA_GEO_LINKS


def _rows(
    model: Any, per_customer: Sequence[Any], x: np.ndarray, t_x: np.ndarray, T: np.ndarray, *, grad: bool,
    alive: bool = False,
):
    """Per-customer ``ll`` and, with ``grad``, ``grad`` (4, n) of the model's family; with ``alive``, at least
    ``log_odds_alive`` (P(alive) = expit of it)."""
    if _is_pareto(model):
        return _pareto_nbd_rows(model, *per_customer, x, t_x, T, grad=grad, alive=alive)
    k = model._first_purchase_dropout
    if not grad:
        return beta_geo_rows(*per_customer, x, t_x, T, first_purchase_dropout=k)
    from crmlab.clv.compiled_likelihoods import beta_geo_rows_at

    ll, g = beta_geo_rows_at(*per_customer, x, t_x, T, first_purchase_dropout=k)
    return {"ll": ll, "grad": g.T}


def _coefficient_slices(links: Sequence[_Link], sizes: Mapping[str, int], start: int = 4) -> list[slice]:
    out, at = [], start
    for link in links:
        out.append(slice(at, at + sizes[link.process]))
        at += sizes[link.process]
    return out


def _per_customer(params: np.ndarray, links: Sequence[_Link], mats: Mapping[str, np.ndarray]) -> list[Any]:
    """The model's four parameters, those with covariates as one value per customer: p·exp(sign·Zγ)."""
    values: list[Any] = [float(v) for v in params[:4]]
    sizes = {p: m.shape[1] for p, m in mats.items()}
    for link, sl in zip(links, _coefficient_slices(links, sizes), strict=True):
        if sl.stop > sl.start:
            values[link.index] = params[link.index] * np.exp(link.sign * (mats[link.process] @ params[sl]))
    return values


class _CovariateLikelihood(ParametricModel):
    """The likelihood of a model with covariates, on standardised covariates (the optimiser's problem)."""

    def __init__(self, model: Any, links: Sequence[_Link], names: Sequence[str], start: np.ndarray) -> None:
        super().__init__()
        self.model, self.links, self.param_names, self.start = model, tuple(links), tuple(names), start

    def _real_valued_params(self) -> np.ndarray:
        return np.arange(len(self.param_names)) >= 4

    def _initial_params(self, data: Mapping[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
        return self.start

    def _mats(self, data: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"purchase": data["z_purchase"], "dropout": data["z_dropout"]}

    def _log_likelihood_rows(self, params: np.ndarray, data: Mapping[str, np.ndarray]) -> np.ndarray:
        per = _per_customer(params, self.links, self._mats(data))
        return _rows(self.model, per, data["frequency"], data["recency"], data["T"], grad=False)["ll"]

    def _log_likelihood_gradient_rows(self, params, data):  # pragma: no cover - the totals below are used
        """Defined so that :class:`ParametricModel` uses the analytic gradient (of the totals, below)."""
        raise NotImplementedError

    def _log_likelihood_gradient_total(
        self, params: np.ndarray, data: Mapping[str, np.ndarray], weights: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """Σ w·ℓ and its gradient: per-customer gradients in the four parameters, chained to the coefficients."""
        mats = self._mats(data)
        per = _per_customer(params, self.links, mats)
        out = _rows(self.model, per, data["frequency"], data["recency"], data["T"], grad=True)
        g = out["grad"]
        grad = np.empty(len(params))
        grad[:4] = g @ weights
        sizes = {p: m.shape[1] for p, m in mats.items()}
        for link, sl in zip(self.links, _coefficient_slices(self.links, sizes), strict=True):
            if sl.stop == sl.start:
                continue
            scaled = weights * g[link.index] * per[link.index]  # w_i ∂ℓ_i/∂p_i · p_i
            grad[link.index] = scaled.sum() / params[link.index]
            grad[sl] = link.sign * (mats[link.process].T @ scaled)
        return float(weights @ out["ll"]), grad


# ----- fitting ------------------------------------------------------------------------------------------

#: What the summary's caption says about the signs, by model family.
_CONVENTIONS = {
    "pareto": "Covariates (Fader & Hardie 2007): α_i = α·exp(−γ_purchase'z_i), β_i = β·exp(−γ_dropout'z_i); "
              "a positive purchase coefficient means more purchases (E[λ_i] = r/α·exp(γ'z_i)), a positive "
              "dropout coefficient a higher dropout rate (E[μ_i] = s/β·exp(γ'z_i)). Coefficients per unit of "
              "the covariate; r, α, s, β are the customer with every covariate at 0.",
    "beta_geo": "Covariates (Fader & Hardie 2007; PyMC-Marketing's form): α_i = α·exp(−γ_purchase'z_i), "
                "a_i = a·exp(γ_a'z_i), b_i = b·exp(γ_b'z_i); a positive purchase coefficient means more "
                "purchases (E[λ_i] = r/α·exp(γ'z_i)), a positive 'dropout a' coefficient a higher dropout "
                "probability E[p_i] = a_i/(a_i+b_i), a positive 'dropout b' coefficient a lower one. Coefficients "
                "per unit of the covariate; r, α, a, b are the customer with every covariate at 0.",
}

def to_user_scale(
    fitted: np.ndarray,
    covariance: np.ndarray,
    links: Sequence[tuple[int, slice, float, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """Estimates and covariance on the user's scale from those fitted on standardised covariates.

    Each link is (index of the base parameter θ₀, slice of its coefficients,
    sign, the covariates' means μ, their standard deviations s). With
    z̃ = (z − μ)/s, θ̃₀·exp(sign·c̃'z̃) = θ₀·exp(sign·c'z) where c = c̃/s and
    θ₀ = θ̃₀·exp(−sign·c'μ); the covariance follows by the delta method,
    V = J V_fitted Jᵀ with J the Jacobian of that map.

    >>> params, cov = to_user_scale(np.array([2.0, 0.5]), np.eye(2) * 0.01, [(0, slice(1, 2), 1.0, np.array([1.0]), np.array([2.0]))])
    >>> params.round(4).tolist()  # c = 0.5 / 2, θ₀ = 2·exp(−0.25·1)
    [1.5576, 0.25]
    """
    params = np.asarray(fitted, dtype=float).copy()
    jac = np.eye(len(params))
    for base, coefficients, sign, center, scale in links:
        idx = np.arange(len(params))[coefficients]
        params[coefficients] = fitted[coefficients] / scale
        shift = np.exp(-sign * np.sum(params[coefficients] * center))
        params[base] = fitted[base] * shift
        jac[idx, idx] = 1 / scale
        jac[base, base] = shift
        jac[base, idx] = -sign * params[base] * center / scale
    return params, jac @ covariance @ jac.T



def fit_with_covariates(
    model: Any,
    frame: Any,
    *,
    purchase: Sequence[str] = (),
    dropout: Sequence[str] = (),
    weights: Any = None,
    initial_params: Mapping[str, float] | None = None,
) -> Any:
    """Fit ``model`` (BetaGeo, ModifiedBetaGeo, ParetoNBD) with covariates; what ``model.fit(summary,
    purchase_covariates=..., dropout_covariates=...)`` calls. Returns the model.

    >>> from crmlab.clv import BetaGeo
    >>> customers = pd.DataFrame({"z": np.random.default_rng(1).normal(size=1000)})
    >>> summary = simulate_summary_with_covariates("bg_nbd", customers, {"r": 1, "alpha": 5, "a": 1, "b": 3},
    ...                                            {"purchase: z": 0.5}, rng=2)
    >>> model = BetaGeo().fit(summary, purchase_covariates=["z"])
    >>> list(model.params_.index)
    ['r', 'alpha', 'a', 'b', 'purchase: z']
    >>> round(float(model.params_["purchase: z"]), 1)  # planted: 0.5
    0.5
    """
    from crmlab.clv.inputs import as_columns, check_rft, check_weights

    links = _links(model)
    purchase, dropout = list(purchase or ()), list(dropout or ())
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"{type(model).__name__}: covariates are columns of the summary: pass the summary DataFrame "
            "(frequency, recency, T and the covariate columns)"
        )
    cols, labels = as_columns(frame, (None, None), RFT, model=type(model).__name__)
    check_rft(cols["frequency"], cols["recency"], cols["T"], labels, discrete=model.discrete_time)
    w = check_weights(weights, len(labels), labels)
    mats = CovariateDesign.matrices_of(frame, purchase, dropout)
    design = CovariateDesign.from_matrices(purchase, dropout, mats, w)
    links = tuple(link for link in links if mats[link.process].shape[1])
    base_names = tuple(type(model).param_names)
    names = base_names + tuple(f"{link.label}: {c}" for link in links for c in getattr(design, link.process))

    # start: the model without covariates (on at most _START_ROWS customers, a fixed random sample), every
    # coefficient 0 (on the user's scale), then initial_params
    rows = np.arange(len(w))
    if len(rows) > _START_ROWS:
        rows = np.sort(np.random.default_rng(0).choice(len(w), _START_ROWS, replace=False))
    base = type(model)()
    base.fit(cols["frequency"][rows], cols["recency"][rows], cols["T"][rows], weights=w[rows])
    start = dict(zip(names, np.concatenate([base.params_.to_numpy(), np.zeros(len(names) - 4)]), strict=True))
    if initial_params:
        unknown = set(initial_params) - set(names)
        if unknown:
            raise ValueError(f"{type(model).__name__}: unknown initial parameters {sorted(unknown)}; use {list(names)}")
        start.update({k: float(v) for k, v in initial_params.items()})
    sizes = {p: m.shape[1] for p, m in mats.items()}
    slices = _coefficient_slices(links, sizes)
    u0 = np.array([start[n] for n in names])
    v0 = u0.copy()
    for link, sl in zip(links, slices, strict=True):
        mu, sd = design.mean[link.process], design.scale[link.process]
        v0[sl] = u0[sl] * sd
        v0[link.index] = u0[link.index] * np.exp(link.sign * (mu @ u0[sl]))

    standardised = {p: (m - design.mean[p]) / design.scale[p] if m.shape[1] else m for p, m in mats.items()}
    data = {**cols, "z_purchase": standardised["purchase"], "z_dropout": standardised["dropout"]}
    # the helper's class carries the model's name, which its warnings show
    helper = type(type(model).__name__, (_CovariateLikelihood,), {})(model, links, names, v0)
    helper._fit(data, w)

    # back to the user's scale, with the Jacobian of the map for the covariance
    u, cov = to_user_scale(helper.params_.to_numpy(), helper.variance_matrix_.to_numpy(), [
        (link.index, sl, link.sign, design.mean[link.process], design.scale[link.process])
        for link, sl in zip(links, slices, strict=True)
    ])

    model.param_names = names
    model.params_ = pd.Series(u, index=list(names), name="estimate")
    model.variance_matrix_ = pd.DataFrame(cov, index=list(names), columns=list(names))
    model.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)), index=list(names), name="se")
    for attr in ("log_likelihood_", "n_customers_", "n_rows_fitted_", "convergence_", "fit_time_", "_weights"):
        setattr(model, attr, getattr(helper, attr))
    model._data = {**cols, "z_purchase": mats["purchase"], "z_dropout": mats["dropout"]}
    model.covariates_ = design
    model.covariate_caption_ = _CONVENTIONS["pareto" if _is_pareto(model) else "beta_geo"]
    model._covariate_links = links
    _install_predictions(model)
    return model


# ----- predictions with each customer's own parameters -------------------------------------------------

_PREDICTIONS = ("probability_alive", "conditional_expected_transactions", "customer_lifetime_value",
                "expected_transactions")
# every other prediction of the transaction models would silently use the base parameters: refused until wired
_NOT_YET = ("probability_of_purchases", "expected_frequency_histogram", "expected_cumulative_transactions",
            "conditional_probability_of_purchases", "expected_number_alive", "probability_alive_history")
#: Predictions for given customers computed by the class's own method at each customer's parameters, with the
#: number of arguments before the customers (frequency, recency, T or the summary DataFrame).
_BY_CUSTOMER = {"probability_alive_at": 1, "expected_transactions_by_period": 0, "customer_lifetime_value_by_period": 0}


def _install_predictions(model: Any) -> None:
    """Predictions of a model fitted with covariates take the customers' covariates (instance attributes
    over the class's methods, partials of this module's functions so that the model still pickles; removed
    again by :func:`forget_covariates`)."""
    model.probability_alive = functools.partial(_probability_alive, model)
    model.conditional_expected_transactions = functools.partial(_conditional_expected_transactions, model)
    model.customer_lifetime_value = functools.partial(_customer_lifetime_value, model)
    model.expected_transactions = functools.partial(_expected_transactions, model)
    for name, lead in _BY_CUSTOMER.items():
        setattr(model, name, functools.partial(_by_customer, model, name, lead))
    for name in _NOT_YET:
        setattr(model, name, functools.partial(_not_yet, model, name))


def _by_customer(model: Any, name: str, lead: int, *args: Any, **kwargs: Any) -> Any:
    """The class's method ``name`` on a copy whose parameters are the customers' own, the customers (the summary
    DataFrame after ``lead`` arguments) read once with their covariates."""
    given = list(args[lead:]) + [None, None, None]
    summary = given[0] if len(args) > lead else kwargs.get("frequency", kwargs.get("summary"))
    clone, x, t_x, T, labels = _customers(model, summary, given[1], given[2])
    clone._rft = lambda *_: (x, t_x, T, labels)
    return getattr(type(model), name)(clone, *args, **kwargs)


def _not_yet(model: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError(f"{type(model).__name__}.{name} is not available for a model fitted with covariates yet")


def forget_covariates(model: Any) -> None:
    """Undo a fit with covariates (before a fit without): the class's parameters and predictions again."""
    for name in (*_PREDICTIONS, *_BY_CUSTOMER, *_NOT_YET, "param_names", "covariates_", "covariate_caption_", "_covariate_links"):
        model.__dict__.pop(name, None)


def _customers(model: Any, frequency: Any, recency: Any, T: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, pd.Index]:
    """A copy of the model whose parameters are the customers' own (arrays), and the checked (x, t_x, T)."""
    from crmlab.clv.inputs import as_columns, check_rft

    model._check_fitted()
    if not isinstance(frequency, pd.DataFrame) or recency is not None or T is not None:
        raise TypeError(
            f"{type(model).__name__} was fitted with covariates: pass the summary DataFrame with frequency, "
            f"recency, T and the covariate columns {list(model.covariates_.purchase + model.covariates_.dropout)}"
        )
    cols, labels = as_columns(frequency, (None, None), RFT, model=type(model).__name__)
    check_rft(cols["frequency"], cols["recency"], cols["T"], labels, discrete=model.discrete_time)
    clone = _customer_model(model, model.covariates_.matrices(frequency))
    return clone, cols["frequency"], cols["recency"], cols["T"], labels


def _customer_model(model: Any, mats: Mapping[str, np.ndarray]) -> Any:
    """The model's class with one parameter value per customer: its closed forms broadcast over them, and its
    P(alive) is computed from the per-customer likelihood."""
    per = _per_customer(model.params_.to_numpy(), model._covariate_links, mats)
    clone = type(model)()
    # an object Series: the closed forms unpack it into numbers and (for parameters with covariates) arrays
    clone.params_ = pd.Series(per, index=list(type(model).param_names), dtype=object)

    def alive(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        return expit(_rows(model, per, np.asarray(x, float), np.asarray(t_x, float), np.asarray(T, float),
                           grad=False, alive=True)["log_odds_alive"])

    clone._probability_alive_arrays = lambda params, x, t_x, T: alive(x, t_x, T)
    clone.probability_alive = alive
    return clone


def _probability_alive(model: Any, frequency: Any, recency: Any = None, T: Any = None) -> pd.Series:
    clone, x, t_x, T_arr, labels = _customers(model, frequency, recency, T)
    return pd.Series(clone.probability_alive(x, t_x, T_arr), index=labels, name="probability_alive")


def _conditional_expected_transactions(model: Any, t: Any, frequency: Any, recency: Any = None, T: Any = None) -> pd.Series:
    clone, x, t_x, T_arr, labels = _customers(model, frequency, recency, T)
    value = type(model).conditional_expected_transactions(clone, t, x, t_x, T_arr)
    return pd.Series(np.asarray(value, dtype=float), index=labels, name="expected_transactions")


def _customer_lifetime_value(model: Any, frequency: Any, recency: Any = None, T: Any = None, **kwargs: Any) -> pd.Series:
    clone, x, t_x, T_arr, labels = _customers(model, frequency, recency, T)
    value = type(model).customer_lifetime_value(clone, x, t_x, T_arr, **kwargs)
    return pd.Series(np.asarray(value, dtype=float), index=labels, name="clv")


def _expected_transactions(model: Any, t: Any, covariates: Any = None) -> Any:
    """E[X(t)] of a new customer with the given covariate values (a DataFrame: one per row; a Series or a
    mapping: one customer), or, by default, averaged over the fitted customers' own covariates."""
    model._check_fitted()
    design = model.covariates_
    if covariates is None:
        mats = {"purchase": model._data["z_purchase"], "dropout": model._data["z_dropout"]}
        clone = _customer_model(model, mats)
        w = model._weights
        t_arr = model._time(t)
        values = np.array([w @ type(model).expected_transactions(clone, float(tk)) / w.sum()
                           for tk in np.atleast_1d(t_arr)])
        return values if t_arr.ndim else float(values[0])
    frame = covariates if isinstance(covariates, pd.DataFrame) else pd.DataFrame([dict(covariates)])
    clone = _customer_model(model, design.matrices(frame))
    value = np.asarray(type(model).expected_transactions(clone, t), dtype=float)
    if isinstance(covariates, pd.DataFrame):
        return pd.Series(value, index=frame.index, name="expected_transactions")
    return float(value[0])


# ----- tests on the coefficients -------------------------------------------------------------------------


def wald_tests(model: Any) -> pd.DataFrame:
    """Wald tests of the covariate coefficients: z = γ̂ / se(γ̂), two-sided p = 2(1 − Φ(|z|)) (Wald 1943).

    One row per coefficient (named ``"purchase: z1"``, ``"dropout: z2"``, …),
    with the estimate, its standard error, z, p and the 95% interval; the
    frame's ``attrs["caption"]`` states the sign convention. Empty for a model
    without covariates.

    >>> from crmlab.clv import BetaGeo
    >>> customers = pd.DataFrame({"z": np.random.default_rng(1).normal(size=1000)})
    >>> summary = simulate_summary_with_covariates("bg_nbd", customers, {"r": 1, "alpha": 5, "a": 1, "b": 3},
    ...                                            {"purchase: z": 0.5}, rng=2)
    >>> list(wald_tests(BetaGeo().fit(summary, purchase_covariates=["z"])).columns)
    ['coef', 'se(coef)', 'z', 'p', 'lower 95%', 'upper 95%']
    """
    from scipy.stats import norm

    table = model.summary
    rows = table.loc[[n for n in table.index if ": " in n]]
    z = rows["coef"] / rows["se(coef)"]
    out = pd.DataFrame({"coef": rows["coef"], "se(coef)": rows["se(coef)"], "z": z, "p": 2 * norm.sf(np.abs(z)),
                        "lower 95%": rows["lower 95%"], "upper 95%": rows["upper 95%"]})
    out.attrs["caption"] = getattr(model, "covariate_caption_", "")
    return out


class LikelihoodRatioTest(NamedTuple):
    """The result of :func:`likelihood_ratio_test`: the statistic, its degrees of freedom and the p-value."""

    statistic: float
    df: int
    p_value: float


def likelihood_ratio_test(model_with: Any, model_without: Any) -> LikelihoodRatioTest:
    """Likelihood-ratio test of nested fitted models: LR = 2(ℓ_with − ℓ_without) ~ χ²(df) under the smaller
    model, df the difference in the number of parameters (Wilks 1938).

    Both models must be of the same class and fitted to the same customers, the
    first with more parameters (e.g. with covariates against without).

    >>> from crmlab.clv import BetaGeo
    >>> customers = pd.DataFrame({"z": np.random.default_rng(1).normal(size=1000)})
    >>> summary = simulate_summary_with_covariates("bg_nbd", customers, {"r": 1, "alpha": 5, "a": 1, "b": 3},
    ...                                            {"purchase: z": 0.5}, rng=2)
    >>> test = likelihood_ratio_test(BetaGeo().fit(summary, purchase_covariates=["z"]), BetaGeo().fit(summary))
    >>> test.df, 0 <= test.p_value <= 1
    (1, True)
    """
    from scipy.stats import chi2

    for m in (model_with, model_without):
        m._check_fitted()
    if type(model_with) is not type(model_without):
        raise ValueError(f"the models differ: {type(model_with).__name__} and {type(model_without).__name__}")
    if not np.isclose(model_with.n_customers_, model_without.n_customers_):
        raise ValueError(f"the models were fitted to different customers ({model_with.n_customers_:,.0f} and "
                         f"{model_without.n_customers_:,.0f})")
    df = len(model_with.param_names) - len(model_without.param_names)
    if df <= 0 or not set(model_without.param_names) <= set(model_with.param_names):
        raise ValueError("the first model must extend the second (its parameters and more)")
    statistic = max(2.0 * (model_with.log_likelihood_ - model_without.log_likelihood_), 0.0)
    return LikelihoodRatioTest(float(statistic), int(df), float(chi2.sf(statistic, df)))


# ----- a world with known covariate effects ----------------------------------------------------------------


def simulate_summary_with_covariates(
    model: str,
    covariates: pd.DataFrame,
    params: Mapping[str, float],
    coefficients: Mapping[str, float],
    *,
    T: Any = 52.0,
    rng: np.random.Generator | int | None = None,
) -> pd.DataFrame:
    """A customer summary (frequency, recency, T and the covariates) drawn from a model with covariates.

    ``model`` is ``"pareto_nbd"``, ``"bg_nbd"`` or ``"mbg_nbd"``; ``params`` the
    baseline parameters (r, alpha, s, beta or r, alpha, a, b: the customer with
    every covariate at 0); ``coefficients`` the planted effects by summary name
    (``"purchase: z1"``, ``"dropout: z2"`` for the Pareto/NBD, ``"dropout a: z2"``,
    ``"dropout b: z2"`` for the BG/NBD and MBG/NBD), each name's covariate a
    column of ``covariates``; ``T`` the observation length (one or one per customer).

    Each customer draws λ_i ~ Gamma(r, α_i) and either a lifetime
    Exp(μ_i), μ_i ~ Gamma(s, β_i) (Pareto/NBD), or a dropout probability
    p_i ~ Beta(a_i, b_i) applied after each repeat purchase (BG/NBD; also after
    the first purchase in the MBG/NBD), with the scales of
    :mod:`crmlab.clv.covariates`. Given N ~ Poisson(λ_i·w) purchases in the
    customer's active window w, the last one's time is w·U^(1/N); in the
    BG/NBD, when dropout comes after the D-th of N purchases in (0, T], the
    D-th of N uniform times is T·Beta(D, N − D + 1).

    >>> z = pd.DataFrame({"z": np.repeat([0.0, 1.0], 3)})
    >>> world = simulate_summary_with_covariates("pareto_nbd", z, {"r": 1, "alpha": 5, "s": 1, "beta": 50},
    ...                                          {"purchase: z": 0.5}, rng=1)
    >>> list(world.columns)
    ['z', 'frequency', 'recency', 'T']
    """
    rng = np.random.default_rng(rng)
    n = len(covariates)
    kinds = {"pareto_nbd": ("r", "alpha", "s", "beta"), "bg_nbd": ("r", "alpha", "a", "b"), "mbg_nbd": ("r", "alpha", "a", "b")}
    if model not in kinds:
        raise ValueError(f"model must be one of {sorted(kinds)}, got {model!r}")
    base = np.array([float(params[k]) for k in kinds[model]])
    pareto = model == "pareto_nbd"
    links = (_Link(1, -1.0, "purchase", "purchase"), _Link(3, -1.0, "dropout", "dropout")) if pareto else (
        _Link(1, -1.0, "purchase", "purchase"), _Link(2, 1.0, "dropout a", "dropout"), _Link(3, 1.0, "dropout b", "dropout"))
    per: list[Any] = [np.full(n, v) for v in base]
    for name, gamma in coefficients.items():
        label, _, column = name.partition(": ")
        link = next((lk for lk in links if lk.label == label), None)
        if link is None or column not in covariates.columns:
            raise ValueError(f"unknown coefficient {name!r}: use '<{'|'.join(lk.label for lk in links)}>: <column>'")
        per[link.index] = per[link.index] * np.exp(link.sign * gamma * covariates[column].to_numpy(dtype=float))
    T_arr = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(base[0], 1.0 / per[1])
    if pareto:
        mu = rng.gamma(base[2], 1.0 / per[3])
        window = np.minimum(rng.exponential(1.0 / mu), T_arr)
        x = rng.poisson(lam * window)
        recency = np.where(x > 0, window * rng.uniform(size=n) ** (1.0 / np.maximum(x, 1)), 0.0)
    else:
        p = rng.beta(per[2], per[3])
        N = rng.poisson(lam * T_arr)
        D = rng.geometric(np.clip(p, 1e-300, 1.0)) - (model == "mbg_nbd")  # purchases before dropping out
        x = np.minimum(N, D)
        recency = np.where(x > 0, T_arr * rng.beta(np.maximum(x, 1), np.maximum(N - x, 0) + 1), 0.0)
    out = covariates.copy()
    out["frequency"] = x.astype(float)
    out["recency"] = recency
    out["T"] = T_arr
    return out
