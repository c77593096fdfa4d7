"""Recursive path models: one OLS regression per endogenous variable, effects and their bootstrap.

A path model (Wright 1934; Duncan 1966) writes a theory as a set of
regressions in causal order, e.g. satisfaction → retention → profit, or the
antecedents → trust, commitment → outcomes of Morgan & Hunt's (1994) KMV
model (:mod:`crmlab.theories.trust_commitment`) and Christopher, Payne &
Ballantyne's satisfaction chain (:mod:`crmlab.theories.stakeholders`).

Each equation is an OLS regression on scale scores (statsmodels; ``formulas``
shows each as a formula), raw and standardised (z-scores); for a recursive path model with independent
disturbances, OLS equation by equation is the maximum-likelihood estimate
and the system log-likelihood is the sum of the equations' (Bollen 1989,
ch. 4). Indirect effects follow from the coefficient matrices: with B the
effects among endogenous variables and Γ those of the exogenous ones, total
effects are (I − B)⁻¹Γ and (I − B)⁻¹ − I, indirect = total − direct (Bollen
1987); their confidence intervals come from a percentile bootstrap of
respondents (seeded).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

# statsmodels and scipy.stats take a second or more to import: they are imported where a model is
# fitted, so that importing a school that builds path models costs none of it.

from crmlab.stats.generators import as_generator
from crmlab.stats.maximum_likelihood import NotFittedError

__all__ = ["Hypothesis", "PathModel", "simulate_standardised_scores"]


@dataclass(frozen=True)
class Hypothesis:
    """A hypothesised path: ``predictor`` → ``outcome`` with the expected sign (+1/−1).

    >>> Hypothesis("H7", "trust", "commitment", +1).predictor
    'trust'
    """

    label: str
    predictor: str
    outcome: str
    sign: int


class PathModel:
    """A recursive path model: one OLS regression per endogenous variable.

    Parameters
    ----------
    equations : mapping
        outcome → list of predictors, in causal order (an outcome's predictors
        are exogenous or earlier outcomes).
    hypotheses : sequence of Hypothesis, optional
        The paths the theory predicts, with signs; others are estimated but
        not counted as hypotheses.
    name : str

    After :meth:`fit` (raw scale scores) or :meth:`fit_correlations` (a
    published correlation matrix and N), the lifelines face of every fitted
    model in crmlab: ``params_`` (the standardised path coefficients β, a
    Series indexed by (outcome, predictor)), ``summary`` (one row per path:
    raw and standardised estimate, SE, t, p, 95% interval, the equation's R²,
    the hypothesis and whether it is supported), :meth:`print_summary`; and
    ``results_`` (statsmodels results per equation, standardised),
    ``raw_results_``, ``r_squared_``, ``log_likelihood_``, ``aic_``, ``bic_``,
    ``n_obs_``. ``table`` is the same frame as ``summary`` (the name the
    notebooks use), None before fitting.

    Examples
    --------
    A chain x → m → y with planted standardised paths 0.6 and 0.5:

    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=2000)
    >>> m = 0.6 * x + np.sqrt(1 - 0.36) * rng.normal(size=2000)
    >>> y = 0.5 * m + np.sqrt(1 - 0.25) * rng.normal(size=2000)
    >>> chain = PathModel({"m": ["x"], "y": ["m"]}, [Hypothesis("H1", "x", "m", +1), Hypothesis("H2", "m", "y", +1)])
    >>> chain = chain.fit(pd.DataFrame({"x": x, "m": m, "y": y}))
    >>> chain.formulas["y"]
    'y ~ m'
    >>> chain.params_.round(1).tolist(), int(chain.summary["supported"].sum())
    ([0.6, 0.5], 2)
    """

    def __init__(self, equations: Mapping[str, Sequence[str]], hypotheses: Sequence[Hypothesis] = (), name: str = "path model"):
        self.equations = {outcome: list(preds) for outcome, preds in equations.items()}
        self.hypotheses = tuple(hypotheses)
        self.name = name
        seen: set[str] = set()
        endogenous = list(self.equations)
        for outcome, preds in self.equations.items():
            later = [p for p in preds if p in endogenous and p not in seen]
            if later or outcome in preds:
                raise ValueError(f"{name}: equation {outcome!r} uses {later or [outcome]} before it is explained; order the equations causally")
            seen.add(outcome)
        for h in self.hypotheses:
            if h.predictor not in self.equations.get(h.outcome, []):
                raise ValueError(f"{name}: hypothesis {h.label} ({h.predictor} → {h.outcome}) is not a path of the model")
        self.formulas = {o: f"{o} ~ {' + '.join(p)}" for o, p in self.equations.items()}
        self._table: pd.DataFrame | None = None
        self.params_: pd.Series | None = None

    @property
    def variables(self) -> list[str]:
        names = list(dict.fromkeys([p for preds in self.equations.values() for p in preds] + list(self.equations)))
        return names

    @property
    def n_parameters(self) -> int:
        """Coefficients, intercepts and disturbance variances of all equations."""
        return sum(len(p) + 2 for p in self.equations.values())

    def _check(self, scores: pd.DataFrame) -> pd.DataFrame:
        missing = [v for v in self.variables if v not in scores.columns]
        if missing:
            raise ValueError(f"{self.name}: no scores for {missing} (columns: {list(scores.columns)})")
        data = scores[self.variables].astype(float)
        incomplete = data.index[data.isna().any(axis=1)]
        if len(incomplete):
            raise ValueError(f"{self.name}: missing scores in rows {list(incomplete[:20])}")
        if len(data) <= max(len(p) for p in self.equations.values()) + 2:
            raise ValueError(f"{self.name}: too few respondents ({len(data)}) for the largest equation")
        return data

    def fit(self, scores: pd.DataFrame) -> PathModel:
        """Estimate every equation by OLS on the scale scores (raw) and on their z-scores (standardised)."""
        data = self._check(scores)
        z = (data - data.mean()) / data.std(ddof=1)
        from statsmodels.regression.linear_model import OLS
        from statsmodels.tools.tools import add_constant

        # the same regressions as smf.ols(self.formulas[o], data), without re-parsing formulas
        self.raw_results_ = {o: OLS(data[o], add_constant(data[p])).fit() for o, p in self.equations.items()}
        self.results_ = {o: OLS(z[o], add_constant(z[p])).fit() for o, p in self.equations.items()}
        self.n_obs_ = len(data)
        self._data = data
        return self._summarise()

    def fit_correlations(self, correlations: pd.DataFrame, n_obs: int, std: Mapping[str, float] | None = None) -> PathModel:
        """Estimate from a published correlation matrix and sample size (standardised paths).

        β = R_xx⁻¹ r_xy, R² = r_xy'β, SE(β_j) = √((1 − R²)/(N − p − 1) · (R_xx⁻¹)_jj): the same
        standardised estimates, standard errors, t and p as OLS on the z-scored raw data.
        With ``std`` (standard deviations) the raw slopes b = β·s_y/s_x are reported too.
        """
        R = pd.DataFrame(correlations).astype(float)
        missing = [v for v in self.variables if v not in R.index or v not in R.columns]
        if missing:
            raise ValueError(f"{self.name}: the correlation matrix lacks {missing}")
        R = R.loc[self.variables, self.variables]
        if not np.allclose(R.to_numpy(), R.to_numpy().T, atol=1e-8) or not np.allclose(np.diag(R), 1):
            raise ValueError(f"{self.name}: not a correlation matrix (symmetric, unit diagonal)")
        if np.linalg.eigvalsh(R.to_numpy()).min() <= 0:
            raise ValueError(f"{self.name}: the correlation matrix is not positive definite")
        self.n_obs_ = int(n_obs)
        self.results_ = {o: _CorrelationResult(R, o, p, self.n_obs_) for o, p in self.equations.items()}
        self.raw_results_ = None
        self._std = dict(std) if std is not None else None
        self._data = None
        return self._summarise()

    def _summarise(self) -> PathModel:
        rows = []
        expected = {(h.predictor, h.outcome): h for h in self.hypotheses}
        for outcome, preds in self.equations.items():
            res = self.results_[outcome]
            raw = self.raw_results_[outcome] if self.raw_results_ is not None else None
            ci = res.conf_int()
            for p in preds:
                h = expected.get((p, outcome))
                estimate = float(raw.params[p]) if raw is not None else (
                    float(res.params[p] * self._std[outcome] / self._std[p]) if self._std else np.nan
                )
                rows.append(
                    {
                        "outcome": outcome,
                        "predictor": p,
                        "hypothesis": h.label if h else "",
                        "expected_sign": h.sign if h else 0,
                        "estimate": estimate,
                        "std_estimate": float(res.params[p]),
                        "se": float(res.bse[p]),
                        "t": float(res.tvalues[p]),
                        "p": float(res.pvalues[p]),
                        "ci_low": float(ci.loc[p, 0]),
                        "ci_high": float(ci.loc[p, 1]),
                        "r_squared": float(res.rsquared),
                    }
                )
        table = pd.DataFrame(rows)
        table["supported"] = (table["expected_sign"] != 0) & (np.sign(table["std_estimate"]) == table["expected_sign"]) & (table["p"] < 0.05)
        self._table = table
        self.params_ = pd.Series(table["std_estimate"].to_numpy(),
                                 index=pd.MultiIndex.from_frame(table[["outcome", "predictor"]]), name="std_estimate")
        self.r_squared_ = pd.Series({o: float(r.rsquared) for o, r in self.results_.items()}, name="r_squared")
        self.log_likelihood_ = float(sum(r.llf for r in self.results_.values()))
        self.aic_ = -2 * self.log_likelihood_ + 2 * self.n_parameters
        self.bic_ = -2 * self.log_likelihood_ + np.log(self.n_obs_) * self.n_parameters
        return self

    # ----- the fitted model's face ----------------------------------------------------------------
    @property
    def summary(self) -> pd.DataFrame:
        """One row per path: estimates (raw, standardised), SE, t, p, 95% interval, R², hypothesis, supported."""
        return self._check_fitted()

    def _check_fitted(self) -> pd.DataFrame:
        if self._table is None:
            raise NotFittedError(f"{self.name} is not fitted yet: call fit() or fit_correlations() first")
        return self._table

    def print_summary(self, decimals: int = 3) -> None:
        """Print the model, the number of respondents, R² per equation, log-likelihood, AIC/BIC and the paths."""
        table = self.summary
        columns = ["outcome", "predictor", "hypothesis", "estimate", "std_estimate", "se", "p", "ci_low", "ci_high", "supported"]
        lines = [
            f"PathModel: {self.name} ({len(self.equations)} equations, {len(table)} paths)",
            f"respondents = {self.n_obs_:,}",
            "R² = " + ", ".join(f"{o} {r:.{decimals}f}" for o, r in self.r_squared_.items()),
            f"log-likelihood = {self.log_likelihood_:.{decimals}f}, AIC = {self.aic_:.{decimals}f}, "
            f"BIC = {self.bic_:.{decimals}f}",
            "",
            table[columns].round(decimals).to_string(index=False),
        ]
        print("\n".join(lines))

    def __repr__(self) -> str:
        state = "not fitted" if self._table is None else f"fitted on {self.n_obs_:,} respondents"
        return f"<PathModel {self.name!r}: {len(self.equations)} equations, {state}>"

    # ----- effects ---------------------------------------------------------------------------------
    def direct_effect_matrix(self, coef: Mapping[str, Mapping[str, float]]) -> tuple[np.ndarray, list[str]]:
        """(D, variables): D[i, j] the direct effect of variable j on variable i, from ``coef[outcome][predictor]``."""
        names = self.variables
        idx = {v: i for i, v in enumerate(names)}
        D = np.zeros((len(names), len(names)))  # D[i, j]: direct effect of j on i
        for outcome, preds in self.equations.items():
            for p in preds:
                D[idx[outcome], idx[p]] = coef[outcome][p]
        return D, names

    @staticmethod
    def total_effect_matrix(D: np.ndarray) -> np.ndarray:
        """Total effects (I − D)⁻¹ − I of a recursive model with direct effects D (Bollen 1987)."""
        return np.linalg.inv(np.eye(len(D)) - D) - np.eye(len(D))

    def effects(self) -> pd.DataFrame:
        """Standardised direct, indirect and total effects of every variable on every outcome.

        Total = (I − D)⁻¹ − I with D the matrix of direct paths (recursive
        model), indirect = total − direct (Bollen 1987). Rows with all three
        zero are left out.
        """
        self._check_fitted()
        coef = {o: self.results_[o].params for o in self.equations}
        D, names = self.direct_effect_matrix(coef)
        T = self.total_effect_matrix(D)
        rows = []
        for i, outcome in enumerate(names):
            for j, cause in enumerate(names):
                if outcome in self.equations and (D[i, j] != 0 or abs(T[i, j]) > 1e-15):
                    rows.append({"cause": cause, "outcome": outcome, "direct": D[i, j], "indirect": T[i, j] - D[i, j], "total": T[i, j]})
        return pd.DataFrame(rows)

    def indirect_effects(self, *, n_boot: int = 1000, confidence: float = 0.95, rng: np.random.Generator | int | None = None) -> pd.DataFrame:
        """Standardised indirect effects with percentile bootstrap confidence intervals (respondents resampled).

        Each resample is re-standardised and every equation re-estimated
        (least squares); the interval is the percentile interval of the
        resampled indirect effects (Preacher & Hayes 2008). Needs raw scores
        (:meth:`fit`). Only cause–outcome pairs with an indirect path are listed.
        """
        if self._data is None:
            raise RuntimeError("indirect_effects needs raw scores: fit(scores), not fit_correlations")
        if int(n_boot) != n_boot or n_boot < 100:
            raise ValueError(f"n_boot must be a whole number ≥ 100, got {n_boot}")
        effects = self.effects()
        effects = effects[effects["indirect"].abs() > 1e-15].reset_index(drop=True)
        names = self.variables
        idx = {v: i for i, v in enumerate(names)}
        data = self._data[names].to_numpy()
        generator = as_generator(rng)
        n = len(data)
        draws = np.empty((int(n_boot), len(effects)))
        pairs = [(idx[o], idx[c]) for c, o in zip(effects["cause"], effects["outcome"], strict=True)]
        for b in range(int(n_boot)):
            sample = data[generator.integers(0, n, n)]
            z = (sample - sample.mean(axis=0)) / sample.std(axis=0, ddof=1)
            D = np.zeros((len(names), len(names)))
            for outcome, preds in self.equations.items():
                X = np.column_stack([np.ones(n), z[:, [idx[p] for p in preds]]])
                beta = np.linalg.lstsq(X, z[:, idx[outcome]], rcond=None)[0][1:]
                D[idx[outcome], [idx[p] for p in preds]] = beta
            T = self.total_effect_matrix(D)
            draws[b] = [T[i, j] - D[i, j] for i, j in pairs]
        alpha = (1 - confidence) / 2
        effects = effects.drop(columns=["direct", "total"])
        effects["ci_low"] = np.quantile(draws, alpha, axis=0)
        effects["ci_high"] = np.quantile(draws, 1 - alpha, axis=0)
        effects["significant"] = (effects["ci_low"] > 0) | (effects["ci_high"] < 0)
        return effects


class _CorrelationResult:
    """The parts of a statsmodels OLS result that the path table uses, from a correlation matrix."""

    def __init__(self, R: pd.DataFrame, outcome: str, predictors: Sequence[str], n: int):
        from scipy import stats

        Rxx = R.loc[predictors, predictors].to_numpy()
        rxy = R.loc[predictors, outcome].to_numpy()
        inv = np.linalg.inv(Rxx)
        beta = inv @ rxy
        k = len(predictors)
        self.rsquared = float(rxy @ beta)
        df = n - k - 1
        se = np.sqrt((1 - self.rsquared) / df * np.diag(inv))
        self.params = pd.Series(beta, index=list(predictors))
        self.bse = pd.Series(se, index=list(predictors))
        self.tvalues = self.params / self.bse
        self.pvalues = pd.Series(2 * stats.t.sf(np.abs(self.tvalues), df), index=list(predictors))
        q = stats.t.ppf(0.975, df)
        self._ci = pd.DataFrame({0: self.params - q * self.bse, 1: self.params + q * self.bse})
        # z-scored data: SSR = (n − 1)(1 − R²); Gaussian log-likelihood at the ML variance SSR/n
        ssr = (n - 1) * (1 - self.rsquared)
        self.llf = float(-n / 2 * (np.log(2 * np.pi * ssr / n) + 1))

    def conf_int(self) -> pd.DataFrame:
        return self._ci




def simulate_standardised_scores(
    names: Sequence[str],
    exogenous: Sequence[str],
    equations: Mapping[str, Sequence[str]],
    paths: Mapping[tuple[str, str], float],
    n: int,
    *,
    exogenous_correlation: float = 0.0,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Scores (n × len(names)) of a recursive path model whose ``paths`` are the standardised paths.

    The ``exogenous`` variables are standard normal with pairwise correlation
    ``exogenous_correlation`` (drawn jointly, in the order given); each
    outcome of ``equations`` (in causal order) is Σ γ·(its predictors) + ζ
    with Var(ζ) = 1 − γ′Σγ, so every variable has variance 1 and the γ are
    the population standardised paths (the covariance algebra of recursive
    models, Duncan 1975, ch. 5). A value error names an outcome whose paths
    explain all its variance or more.

    >>> x = simulate_standardised_scores(["a", "b"], ["a"], {"b": ["a"]}, {("a", "b"): 0.6}, 50_000, rng=1)
    >>> round(float(np.corrcoef(x.T)[0, 1]), 2), round(float(x[:, 1].std()), 2)
    (0.6, 1.0)
    """
    generator = as_generator(rng)
    idx = {v: i for i, v in enumerate(names)}
    exo = [idx[a] for a in exogenous]
    cov = np.eye(len(names))
    cov[np.ix_(exo, exo)] = exogenous_correlation
    cov[exo, exo] = 1.0
    scores = np.zeros((int(n), len(names)))
    scores[:, exo] = generator.multivariate_normal(np.zeros(len(exo)), cov[np.ix_(exo, exo)], int(n))
    for outcome, predictors in equations.items():
        g = np.array([paths[(p, outcome)] for p in predictors])
        pi = [idx[p] for p in predictors]
        explained = g @ cov[np.ix_(pi, pi)] @ g
        if explained >= 1:
            raise ValueError(f"the paths into {outcome!r} explain {explained:.2f} ≥ 1 of its variance")
        o = idx[outcome]
        cov[o, :] = g @ cov[pi, :]
        cov[:, o] = cov[o, :]
        cov[o, o] = 1.0
        scores[:, o] = scores[:, pi] @ g + np.sqrt(1 - explained) * generator.standard_normal(int(n))
    return scores
