"""Time-invariant covariates on a positive parameter of the models outside the BG/NBD family.

A parameter θ of a model (the Gamma-Gamma's spend scale γ, the sBG's α and β)
is linked to a customer's (or a cohort's) covariates z by

    θ_i = θ₀ · exp(c'z_i)

(the proportional form of Fader & Hardie's note "Incorporating time-invariant
covariates into the Pareto/NBD and BG/NBD models", 2007, and of CLVTools), so
exp(c_k) is the factor by which θ changes per unit of z_k, and c = 0 gives the
model without covariates. :mod:`crmlab.clv.covariates` does the same for the
BG/NBD, MBG/NBD and Pareto/NBD, and its checks of the covariate columns
(:func:`~crmlab.clv.covariates.covariate_matrix`), Wald tests and
likelihood-ratio test serve these models too. :class:`CovariateLinks` holds
what is particular to a model with any set of linked parameters: the
standardisation of the columns for the optimiser (which takes the
coefficients as real-valued parameters), and the way back to the user's scale
of z, estimates and covariance (the delta method, exact at the optimum, where
the map is linear to first order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlab.clv.covariates import covariate_matrix, to_user_scale

__all__ = ["CovariateLinks"]


@dataclass(frozen=True)
class CovariateLinks:
    """Which parameters carry covariates, and how the optimiser sees them.

    ``base`` are the model's own parameter names, ``links`` maps a linked
    parameter to its covariate columns, ``prefixes`` names the coefficient
    rows (``"spend: income"``). ``center`` and ``scale`` standardise each
    link's columns (means and standard deviations over the rows fitted).

    >>> frame = pd.DataFrame({"income": [1.0, 3.0]})
    >>> links, matrices = CovariateLinks.build(("p", "q", "gamma"), {"gamma": ["income"]}, {"gamma": "spend"}, frame)
    >>> links.names
    ('p', 'q', 'gamma', 'spend: income')
    >>> links.standardise("gamma", matrices["gamma"]).ravel().tolist()
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
        links: Mapping[str, Sequence[str]],
        prefixes: Mapping[str, str],
        frame: pd.DataFrame,
        *,
        process: str | None = None,
    ) -> tuple[CovariateLinks, dict[str, np.ndarray]]:
        """The links of the covariate columns of ``frame`` (the rows fitted), and their checked matrices.

        Each link's columns are checked by :func:`~crmlab.clv.covariates.covariate_matrix`
        (present, numeric, finite, not constant, not collinear); its messages
        name the covariate by ``process`` ("spend covariate"), by default the
        link's prefix.
        """
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"covariates are columns of the summary DataFrame; got {type(frame).__name__}")
        matrices = {name: covariate_matrix(frame, list(columns), process=process or prefixes[name])
                    for name, columns in links.items()}
        center = {name: m.mean(axis=0) for name, m in matrices.items()}
        scale = {name: m.std(axis=0) for name, m in matrices.items()}
        return cls(tuple(base), {k: tuple(v) for k, v in links.items()}, dict(prefixes), center, scale), matrices

    def matrix(self, name: str, frame: Any) -> np.ndarray:
        """The covariates of linked parameter ``name`` in another frame (customers to predict for): present and finite."""
        columns = list(self.links[name])
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"this model was fitted with {self.prefixes[name]} covariates {columns}: "
                            "pass a DataFrame with those columns")
        return covariate_matrix(frame, columns, process=self.prefixes[name], fitting=False)

    def real_valued(self) -> np.ndarray:
        """Which parameters the optimiser takes as real numbers: the coefficients."""
        return np.arange(len(self.names)) >= len(self.base)

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

    def decode(self, fitted: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Estimates and covariance on the user's scale from those on standardised covariates
        (:func:`to_user_scale`, every link with sign +1)."""
        links = [(self.base.index(name), self.positions(name), 1.0, self.center[name], self.scale[name])
                 for name in self.links]
        return to_user_scale(fitted, covariance, links)

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

