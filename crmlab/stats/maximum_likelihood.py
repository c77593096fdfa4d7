"""Maximum-likelihood fitting shared by the parametric models (the CLV models, and any other).

A model class says what its parameters are called (``param_names``), how to
compute the log-likelihood of each (compressed) data row, optionally its
gradient (or directly their weighted sums, ``_log_likelihood_gradient_total``,
which large data need without per-row arrays), and a starting point. :class:`ParametricModel` does the rest, the
same way for every model:

- all parameters of these models are positive, so the optimiser works on
  θ = log(parameter), which removes the bounds and evens out the scales; a
  model may mark some parameters real-valued (``_real_valued_params``, e.g.
  covariate coefficients), which the optimiser then takes as they are;
- the objective is the weighted mean negative log-likelihood (weights are the
  counts of identical rows, e.g. identical customers merged by
  :func:`crmlab.clv.inputs.compress`);
- L-BFGS-B with the analytic gradient where the model gives one, else with
  finite differences, and tight tolerances; if it stops without converging, Nelder–Mead restarts
  from where it stopped, and if that fails too a :class:`ConvergenceWarning`
  carries the optimiser's message (parameters are never silently NaN);
- standard errors from the inverse of the observed information, the Hessian
  of the negative log-likelihood in the *natural* parameters at the optimum,
  computed by finite differences (of the analytic gradient where there is one,
  else of the log-likelihood, with :func:`statsmodels.tools.numdiff.approx_hess3`);
  95% Wald intervals;
- AIC = 2k − 2ℓ and BIC = k·ln(n) − 2ℓ with n the (weighted) number of customers
  (Akaike 1974; Schwarz 1978).

Every fitted model has the same face (the lifelines convention): ``fit()``
returns the model, ``params_`` is a Series named by parameter, ``summary`` a
DataFrame (estimate, standard error, 95% interval) and ``print_summary()``
prints the model, the data size, the log-likelihood and the rounded table.
"""

from __future__ import annotations

import functools
import time
import warnings
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

# SciPy's optimisers and distributions, statsmodels and threadpoolctl take about a second to import:
# they are imported where a model is fitted or summarised, so importing a model costs none of it.

__all__ = ["ConvergenceWarning", "NotFittedError", "ParametricModel"]


@functools.cache
def _blas():
    """BLAS thread pools of the loaded libraries (read once, at the first fit, when SciPy's are loaded).

    The likelihoods are small vector operations, and scipy's OpenBLAS keeps a second thread spinning
    during L-BFGS-B: one BLAS thread is faster on an idle machine and much faster on a busy one
    (benchmarks/clv_fit.py)."""
    import scipy.optimize  # noqa: F401 (its OpenBLAS must be loaded to be seen)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


class ConvergenceWarning(UserWarning):
    """The optimiser did not report convergence; the estimates may not be the maximum.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("stopped early", ConvergenceWarning)
    >>> caught[0].category.__name__
    'ConvergenceWarning'
    """


class NotFittedError(RuntimeError):
    """A prediction or summary was asked of a model that has not been fitted.

    >>> str(NotFittedError("BetaGeo is not fitted yet: call fit() first"))
    'BetaGeo is not fitted yet: call fit() first'
    """


class ParametricModel:
    """Base class: maximum likelihood on log-parameters, standard errors, summary, AIC/BIC.

    Subclasses set ``param_names`` and implement ``_log_likelihood_rows``
    (per-row log-likelihood, natural parameters) and ``_initial_params``;
    they may implement ``_log_likelihood_gradient_rows`` (per-row gradient
    with respect to the natural parameters, shape (k, n)) for speed and
    accuracy. ``fit`` of the subclass prepares the data and calls ``_fit``.

    Example: the exponential distribution of waiting times, whose maximum-likelihood
    rate has the closed form 1 / mean (Fisher information n/λ², so SE = λ/√n).

    >>> class Exponential(ParametricModel):
    ...     '''Exponential waiting times with rate λ.'''
    ...     param_names = ("rate",)
    ...     def _log_likelihood_rows(self, params, data):
    ...         return np.log(params[0]) - params[0] * data["t"]
    ...     def fit(self, t):
    ...         t = np.asarray(t, dtype=float)
    ...         return self._fit({"t": t}, np.ones(len(t)))
    >>> model = Exponential().fit([1.0, 2.0, 3.0, 2.0])
    >>> round(float(model.params_["rate"]), 4), round(float(model.standard_errors_["rate"]), 4)
    (0.5, 0.25)
    >>> list(model.summary.columns)
    ['coef', 'se(coef)', 'lower 95%', 'upper 95%']
    """

    param_names: ClassVar[tuple[str, ...]] = ()
    #: Data column names the likelihood needs (keys of ``self._data``).
    data_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.params_: pd.Series | None = None

    # ----- to be provided by subclasses --------------------------------------------------
    def _log_likelihood_rows(self, params: np.ndarray, data: Mapping[str, np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def _log_likelihood_gradient_rows(
        self, params: np.ndarray, data: Mapping[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """(per-row log-likelihood, per-row gradient of shape (k, n)), or None if not available."""
        return None

    def _log_likelihood_gradient_total(
        self, params: np.ndarray, data: Mapping[str, np.ndarray], weights: np.ndarray
    ) -> tuple[float, np.ndarray] | None:
        """(Σ w·ℓ, Σ w·∇ℓ) over the rows, or None without a gradient; a model may sum without per-row arrays."""
        got = self._log_likelihood_gradient_rows(params, data)
        if got is None:
            return None
        ll, grad = got
        return weights @ ll, grad @ weights

    def _initial_params(self, data: Mapping[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
        return np.ones(len(self.param_names))

    def _real_valued_params(self) -> np.ndarray:
        """Which parameters may take any real value (optimised as they are, not on the log scale): none here."""
        return np.zeros(len(self.param_names), dtype=bool)

    # ----- fitting ---------------------------------------------------------------------------
    def _has_gradient(self) -> bool:
        return type(self)._log_likelihood_gradient_rows is not ParametricModel._log_likelihood_gradient_rows

    def _fit(
        self,
        data: Mapping[str, np.ndarray],
        weights: np.ndarray,
        *,
        initial_params: Mapping[str, float] | None = None,
        n_customers: float | None = None,
    ) -> ParametricModel:
        start_time = time.perf_counter()
        names = self.param_names
        if initial_params is None:
            x0 = np.asarray(self._initial_params(data, weights), dtype=float)
        else:
            unknown = set(initial_params) - set(names)
            if unknown:
                raise ValueError(f"{type(self).__name__}: unknown initial parameters {sorted(unknown)}; use {list(names)}")
            defaults = dict(zip(names, self._initial_params(data, weights), strict=True))
            defaults.update(initial_params)
            x0 = np.array([float(defaults[n]) for n in names])
            if np.any(~np.isfinite(x0)) or np.any((x0 <= 0) & ~self._real_valued_params()):
                raise ValueError(f"{type(self).__name__}: initial parameters must be positive, got {defaults}")
        total = float(weights.sum())
        use_grad = self._has_gradient()
        real = self._real_valued_params()

        def natural(theta: np.ndarray) -> np.ndarray:
            return np.where(real, theta, np.exp(theta))

        def objective(theta: np.ndarray) -> Any:
            p = natural(theta)
            if use_grad:
                got = self._log_likelihood_gradient_total(p, data, weights)
                assert got is not None
                ll_total, grad_total = got
                value = -ll_total / total
                g = -grad_total * np.where(real, 1.0, p) / total
                if not np.isfinite(value) or not np.all(np.isfinite(g)):
                    return np.inf, np.zeros_like(theta)
                return value, g
            value = -(weights @ self._log_likelihood_rows(p, data)) / total
            return value if np.isfinite(value) else np.inf

        def scalar(theta: np.ndarray) -> float:
            out = objective(theta)
            return float(out[0] if use_grad else out)

        from scipy import optimize

        with np.errstate(all="ignore"), _blas().limit(limits=1, user_api="blas"):
            # tight tolerances: the likelihoods are flat in some directions (e.g. the BG/BB's δ),
            # where the default ones stop a visible distance from the maximum
            result = optimize.minimize(
                objective,
                np.where(real, x0, np.log(np.where(real, 1.0, x0))),
                jac=True if use_grad else "2-point",
                method="L-BFGS-B",
                options={"maxiter": 2000, "gtol": 1e-10, "ftol": 1e-13},
            )
            if not result.success:
                polish = optimize.minimize(
                    scalar, result.x, method="Nelder-Mead", options={"maxiter": 20000, "xatol": 1e-8, "fatol": 1e-12}
                )
                if polish.fun <= result.fun or not np.isfinite(result.fun):
                    polish.message = f"L-BFGS-B: {result.message}; Nelder-Mead: {polish.message}"
                    result = polish
        if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
            raise RuntimeError(
                f"{type(self).__name__}: the optimiser found no finite log-likelihood ({result.message}); "
                "try other initial_params"
            )
        if not result.success:
            warnings.warn(
                f"{type(self).__name__}: the optimiser did not converge: {result.message}",
                ConvergenceWarning,
                stacklevel=3,
            )
        params = natural(result.x)
        self._data = dict(data)
        self._weights = weights
        self.params_ = pd.Series(params, index=list(names), name="estimate")
        self.log_likelihood_ = float(-result.fun * total)
        self.n_customers_ = float(total if n_customers is None else n_customers)
        self.n_rows_fitted_ = len(weights)
        self.convergence_ = result
        self.variance_matrix_ = self._variance_matrix(params, data, weights)
        self.standard_errors_ = pd.Series(
            np.sqrt(np.diag(self.variance_matrix_.to_numpy())), index=list(names), name="se"
        )
        self.fit_time_ = time.perf_counter() - start_time
        return self

    def _negative_hessian_ll(self, params: np.ndarray, data: Mapping[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
        """Observed information: Hessian of −ℓ in the natural parameters, by finite differences."""
        k = len(params)
        # relative steps for positive parameters, absolute ones (at least) for real-valued ones
        scale = np.where(self._real_valued_params(), np.maximum(np.abs(params), 1.0), params)
        if self._has_gradient():
            def grad(p: np.ndarray) -> np.ndarray:
                got = self._log_likelihood_gradient_total(p, data, weights)
                assert got is not None
                return -got[1]

            hess = np.empty((k, k))
            for j in range(k):
                h = 1e-5 * scale[j]
                up, down = params.copy(), params.copy()
                up[j] += h
                down[j] -= h
                hess[:, j] = (grad(up) - grad(down)) / (2 * h)
            return (hess + hess.T) / 2
        # relative steps: approx_hess3 takes absolute ones, so work in p = params + scale * u
        def nll_scaled(u: np.ndarray) -> float:
            return float(-(weights @ self._log_likelihood_rows(params + scale * u, data)))

        from statsmodels.tools.numdiff import approx_hess3

        hess_u = approx_hess3(np.zeros(k), nll_scaled, epsilon=1e-4)
        return hess_u / np.outer(scale, scale)

    def _variance_matrix(self, params: np.ndarray, data: Mapping[str, np.ndarray], weights: np.ndarray) -> pd.DataFrame:
        names = list(self.param_names)
        with np.errstate(all="ignore"), _blas().limit(limits=1, user_api="blas"):
            info = self._negative_hessian_ll(params, data, weights)
        try:
            cov = np.linalg.inv(info)
            if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) <= 0):
                raise np.linalg.LinAlgError("not positive definite")
        except np.linalg.LinAlgError:
            warnings.warn(
                f"{type(self).__name__}: the Hessian at the estimate is singular or not positive definite; "
                "standard errors are not available (NaN)",
                ConvergenceWarning,
                stacklevel=4,
            )
            cov = np.full((len(names), len(names)), np.nan)
        return pd.DataFrame(cov, index=names, columns=names)

    # ----- reporting -------------------------------------------------------------------------
    def _check_fitted(self) -> np.ndarray:
        if self.params_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit() first")
        return self.params_.to_numpy()

    @property
    def AIC_(self) -> float:
        """Akaike's information criterion, 2k − 2ℓ."""
        self._check_fitted()
        return 2 * len(self.param_names) - 2 * self.log_likelihood_

    @property
    def BIC_(self) -> float:
        """Bayesian information criterion, k·ln(n) − 2ℓ, n the number of customers."""
        self._check_fitted()
        return len(self.param_names) * np.log(self.n_customers_) - 2 * self.log_likelihood_

    @property
    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% Wald confidence intervals, one row per parameter."""
        params = self._check_fitted()
        se = self.standard_errors_.to_numpy()
        from scipy.stats import norm

        z = norm.ppf(0.975)
        return pd.DataFrame(
            {
                "coef": params,
                "se(coef)": se,
                "lower 95%": params - z * se,
                "upper 95%": params + z * se,
            },
            index=pd.Index(list(self.param_names), name="parameter"),
        )

    def print_summary(self, decimals: int = 4) -> None:
        """Print the model, its fit statistics and the parameter table."""
        self._check_fitted()
        lines = [
            f"{type(self).__name__}: {self.__doc__.strip().splitlines()[0] if self.__doc__ else ''}",
            f"customers = {self.n_customers_:,.0f} (distinct rows fitted: {self.n_rows_fitted_:,})",
            f"log-likelihood = {self.log_likelihood_:.{decimals}f}, AIC = {self.AIC_:.{decimals}f}, "
            f"BIC = {self.BIC_:.{decimals}f}",
            f"converged: {bool(self.convergence_.success)} ({self.convergence_.message})",
            "",
            self.summary.round(decimals).to_string(),
        ]
        if self.summary.attrs.get("caption"):
            lines += ["", self.summary.attrs["caption"]]
        print("\n".join(lines))

    def __repr__(self) -> str:
        if self.params_ is None:
            return f"<{type(self).__name__}: not fitted>"
        values = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"<{type(self).__name__}: fitted on {self.n_customers_:,.0f} customers, {values}>"
