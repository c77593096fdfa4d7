"""The shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007, 2010).

In a contractual business (subscriptions, memberships) churn is observed: at
the end of each period a customer renews or cancels. Each customer renews with
their own probability 1 − θ, and θ varies across customers as Beta(α, β). The
lifetime T (the period in which the customer cancels, T = 1, 2, …) then has
(Fader & Hardie 2007, "How to project customer retention", eqs. 5–7)::

    P(T = t) = B(α+1, β+t−1) / B(α, β)
    S(t)     = P(T > t) = B(α, β+t) / B(α, β)
    r_t      = S(t) / S(t−1) = (β+t−1) / (α+β+t−1)

so the retention rate *rises* with tenure although no customer's own
probability changes: the customers most likely to leave leave first. A cohort's
survivor counts n_0 ≥ n_1 ≥ … ≥ n_τ give the likelihood
Π_t P(T=t)^(n_{t−1}−n_t) · S(τ)^(n_τ). Valuation (Fader & Hardie 2010,
"Customer-base valuation in a contractual setting", eqs. 4, 6), with payments
at the start of each period while the customer is active and discount rate d:

    DEL(d)          = Σ_{t≥0} S(t)/(1+d)^t = ₂F₁(1, β; α+β; 1/(1+d))
    DERL(d | n − 1) = Σ_{t≥n} S(t)/S(n−1)/(1+d)^(t−n)
                    = (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; 1/(1+d))

DERL is the value, just before the n-th renewal decision, of a customer who has
made n − 1 renewals; CLV = margin × DEL and residual value = margin × DERL.

Several cohorts or segments at once (Fader & Hardie 2010 value a base of
cohorts of different ages) are a DataFrame with one row per cohort and one
column per period 0, 1, …, τ (NaN after a younger cohort's last period). They
are fitted three ways: one curve for all (α, β shared); ``separate=True``, an
(α, β) per cohort (each cohort's own sBG); or shared with cohort covariates
z_c, α_c = α·exp(a'z_c) and β_c = β·exp(b'z_c) (the proportional form of
Fader & Hardie's covariate note, as in the Pareto/NBD and BG/NBD), so a
positive a_k raises the cohort's mean churn probability α_c/(α_c+β_c) and a
positive b_k lowers it. Predictions then come per cohort (a Series or a
DataFrame indexed by cohort), :meth:`ShiftedBetaGeometric.residual_value_table`
gives each cohort's active customers, DERL and residual value, and
:meth:`ShiftedBetaGeometric.one_curve_test` tests one curve for all against
per-cohort curves.

Periods t and renewals are whole numbers (t ≥ 0 for S(t), ≥ 1 for P(T = t) and
r_t), the discount rate of the infinite sums d > 0; other arguments are refused
with a ValueError naming them (:func:`crmlab.clv.inputs.check_argument`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, hyp2f1

from crmlab.stats.maximum_likelihood import ParametricModel
from crmlab.clv.covariate_design import CovariateLinks
from crmlab.clv.inputs import check_argument, compress
from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem

__all__ = ["ShiftedBetaGeometric"]


class ShiftedBetaGeometric(ParametricModel):
    """sBG: heterogeneous constant churn probabilities in a contractual setting (Fader & Hardie 2007).

    Examples
    --------
    >>> regular = [1000, 631, 468, 382, 326, 289, 262, 241]   # FH 2007, "regular" customers, years 0–7
    >>> model = ShiftedBetaGeometric().fit(regular)
    >>> model.params_.round(3).to_dict()
    {'alpha': 0.704, 'beta': 1.182}
    >>> round(float(model.survival(12)) * 1000)                # actual: 173
    170
    """

    param_names = ("alpha", "beta")

    def fit(
        self,
        survivors: Any,
        *,
        covariates: Sequence[str] | None = None,
        separate: bool = False,
        initial_params: Mapping[str, float] | None = None,
    ) -> ShiftedBetaGeometric:
        """Fit to a cohort's survivor counts n_0, n_1, …, n_τ (n_0 = the cohort size); returns ``self``.

        Counts must be non-negative and non-increasing, with n_0 > 0 and at
        least one period observed. Shares (1.0, 0.631, …) are accepted when
        multiplied by the cohort size first — the likelihood needs counts.

        Several cohorts: ``survivors`` is a DataFrame, one row per cohort
        (its index names the cohorts), a column per period 0, 1, … (whole
        numbers, as numbers or text), NaN after a cohort's last observed
        period. ``covariates`` names further columns (numeric, one value per
        cohort) that shift α and β (see the module notes, parameters
        ``"alpha: <column>"``, ``"beta: <column>"``); ``separate=True`` fits an
        (α, β) per cohort instead (parameters ``"alpha[<cohort>]"``, …); neither
        fits one curve for all. ``cohort_params_`` holds each cohort's (α, β).
        """
        self.param_names, self.covariate_links_, self.cohort_params_ = type(self).param_names, None, None
        if not isinstance(survivors, pd.DataFrame):
            if covariates is not None or separate:
                raise TypeError("ShiftedBetaGeometric: covariates and separate need a DataFrame of cohorts")
            n = self._check_survivors(survivors)
            data, weights = _cohort_rows(n)
            self.survivors_ = pd.Series(n, index=pd.RangeIndex(len(n), name="period"), name="survivors")
            return self._fit(data, weights, initial_params=initial_params, n_customers=float(n[0]))
        table = _check_cohorts(survivors, covariates)
        self.survivors_ = table
        if separate:
            if covariates:
                raise TypeError("ShiftedBetaGeometric: separate=True fits each cohort on its own; covariates have no place in it")
            return self._fit_separately(table, initial_params)
        rows = [_cohort_rows(n.dropna().to_numpy()) for _, n in table.iterrows()]
        columns = {k: np.concatenate([r[0][k] for r in rows]) for k in ("t", "survived")}
        weights = np.concatenate([r[1] for r in rows])
        links = None
        if covariates:
            links, matrices = CovariateLinks.build(type(self).param_names, {"alpha": covariates, "beta": covariates},
                                                   {"alpha": "alpha", "beta": "beta"}, survivors, process="cohort")
            matrix = matrices["alpha"]
            z = links.standardise("alpha", matrix)
            cohort_of_row = np.repeat(np.arange(len(table)), [len(r[1]) for r in rows])
            columns |= {f"z{j}": z[cohort_of_row, j] for j in range(z.shape[1])}
            self.param_names = links.names
        data, weights = compress(columns, weights)
        self._fit(data, weights, initial_params=initial_params, n_customers=float(table[0].sum()))
        if links is not None:
            links.decode_fitted(self)
            self.covariate_links_ = links
        params = self.params_.to_numpy()
        alpha, beta = np.full(len(table), params[0]), np.full(len(table), params[1])
        if links is not None:
            alpha = alpha * np.exp(links.linear_predictor("alpha", params, matrix))
            beta = beta * np.exp(links.linear_predictor("beta", params, matrix))
        self.cohort_params_ = pd.DataFrame({"alpha": alpha, "beta": beta}, index=table.index)
        return self

    def _fit_separately(self, table: pd.DataFrame, initial_params: Mapping[str, float] | None) -> ShiftedBetaGeometric:
        """An sBG per cohort; the joint model's log-likelihood is their sum, its covariance block-diagonal."""
        fits = {c: ShiftedBetaGeometric().fit(n.dropna().to_numpy(), initial_params=initial_params) for c, n in table.iterrows()}
        names = [f"{p}[{c}]" for c in fits for p in ("alpha", "beta")]
        self.param_names = tuple(names)
        self.params_ = pd.Series(np.concatenate([f.params_.to_numpy() for f in fits.values()]), index=names, name="estimate")
        from scipy.linalg import block_diag

        cov = block_diag(*[f.variance_matrix_.to_numpy() for f in fits.values()])
        self.variance_matrix_ = pd.DataFrame(cov, index=names, columns=names)
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)), index=names, name="se")
        self.log_likelihood_ = float(sum(f.log_likelihood_ for f in fits.values()))
        self.n_customers_ = float(table[0].sum())
        self.n_rows_fitted_ = sum(f.n_rows_fitted_ for f in fits.values())
        self.convergence_ = min((f.convergence_ for f in fits.values()), key=lambda r: bool(r.success))
        self.fit_time_ = sum(f.fit_time_ for f in fits.values())
        self.cohort_params_ = pd.DataFrame([f.params_ for f in fits.values()], index=table.index)[["alpha", "beta"]]
        return self

    def _cohort_alpha_beta(self) -> tuple[Any, Any]:
        """(α, β) as scalars for one cohort, or as columns (one row per cohort) for several."""
        params = self._check_fitted()
        cohorts = getattr(self, "cohort_params_", None)
        if cohorts is not None:
            return cohorts[["alpha"]].to_numpy(), cohorts[["beta"]].to_numpy()
        return params[0], params[1]

    def _per_cohort(self, value: Any, t: Any, name: str, axis: str = "period") -> Any:
        """A prediction as before for one cohort; for several, a Series (scalar t) or a DataFrame (cohort × t)."""
        cohorts = getattr(self, "cohort_params_", None)
        value = np.asarray(value)
        if cohorts is None:
            return value if value.ndim else float(value)
        t = np.asarray(t)
        if t.ndim == 0:
            return pd.Series(value.reshape(len(cohorts)), index=cohorts.index, name=name)
        return pd.DataFrame(value, index=cohorts.index, columns=pd.Index(t.astype(int), name=axis))

    @staticmethod
    def _check_survivors(survivors: Any) -> np.ndarray:
        try:
            n = np.asarray(survivors, dtype=float).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"survivors must be numbers: {exc}") from None
        if len(n) < 2:
            raise ValueError("survivors needs at least two values: the cohort size and the survivors after one period")
        problems = []
        if not np.all(np.isfinite(n)):
            problems.append(f"missing or infinite values at periods {np.flatnonzero(~np.isfinite(n)).tolist()}")
        elif np.any(n < 0):
            problems.append(f"negative counts at periods {np.flatnonzero(n < 0).tolist()}")
        elif n[0] <= 0:
            problems.append("the cohort size (period 0) must be positive")
        else:
            up = np.flatnonzero(np.diff(n) > 0) + 1
            if len(up):
                problems.append(f"survivors increase at periods {up.tolist()} (a cohort can only shrink)")
            if n[0] <= 1.0 and np.any(n != np.round(n)):
                problems.append("looks like shares; pass counts (shares × cohort size)")
        if problems:
            raise ValueError("survivors: " + "; ".join(problems))
        return n

    def _initial_params(self, data: Mapping[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
        # cohort coefficients (on standardised covariates, see CovariateLinks) start at 0
        return np.r_[1.0, 1.0, np.zeros(len(self.param_names) - 2)]

    def _real_valued_params(self) -> np.ndarray:
        return np.arange(len(self.param_names)) >= 2  # the cohort coefficients

    def _log_likelihood_rows(self, params: np.ndarray, data: Mapping[str, np.ndarray]) -> np.ndarray:
        return self._log_likelihood_gradient_rows(params, data)[0]

    def _log_likelihood_gradient_rows(
        self, params: np.ndarray, data: Mapping[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        # with cohort covariates: α_i = α·exp(ã'z̃_i), β_i = β·exp(b̃'z̃_i), with coefficients ã, b̃ of the
        # standardised columns z0, z1, … (CovariateLinks)
        t, survived = data["t"], data["survived"] > 0
        k = (len(params) - 2) // 2
        z = [data[f"z{j}"] for j in range(k)]
        a_coef, b_coef = params[2:2 + k], params[2 + k:]
        zero = np.zeros_like(t)
        alpha = params[0] * np.exp(sum((c * zj for c, zj in zip(a_coef, z, strict=True)), zero))
        beta = params[1] * np.exp(sum((c * zj for c, zj in zip(b_coef, z, strict=True)), zero))
        base = betaln(alpha, beta)
        ll = np.where(survived, betaln(alpha, beta + t), betaln(alpha + 1, beta + t - 1)) - base
        psi_ab, psi_abt = digamma(alpha + beta), digamma(alpha + beta + t)
        d_base_a, d_base_b = digamma(alpha) - psi_ab, digamma(beta) - psi_ab
        d_alpha = np.where(survived, digamma(alpha), digamma(alpha + 1)) - psi_abt - d_base_a
        d_beta = np.where(survived, digamma(beta + t), digamma(beta + t - 1)) - psi_abt - d_base_b
        d_log_a, d_log_b = d_alpha * alpha, d_beta * beta  # ∂ℓ/∂log α_i, ∂ℓ/∂log β_i
        return ll, np.vstack([d_log_a / params[0], d_log_b / params[1], *(d_log_a * zj for zj in z),
                              *(d_log_b * zj for zj in z)])

    # ----- predictions ---------------------------------------------------------------------------
    def survival(self, t: Any) -> Any:
        """S(t) = B(α, β+t)/B(α, β), the share of a cohort still active after t periods."""
        alpha, beta = self._cohort_alpha_beta()
        t = check_argument(t, "t", at_least=0, whole=True)
        return self._per_cohort(np.exp(betaln(alpha, beta + t) - betaln(alpha, beta)), t, "survival")

    def churn_probability(self, t: Any) -> Any:
        """P(T = t) = B(α+1, β+t−1)/B(α, β), the share of a cohort lost in period t ≥ 1."""
        alpha, beta = self._cohort_alpha_beta()
        t = check_argument(t, "t", at_least=1, whole=True)
        return self._per_cohort(np.exp(betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta)), t, "churn_probability")

    def retention_rate(self, t: Any) -> Any:
        """r_t = (β+t−1)/(α+β+t−1), the share of those active in period t − 1 who renew in t (t ≥ 1)."""
        alpha, beta = self._cohort_alpha_beta()
        t = check_argument(t, "t", at_least=1, whole=True)
        return self._per_cohort((beta + t - 1) / (alpha + beta + t - 1), t, "retention_rate")

    def expected_lifetime(self) -> float:
        """E[T] = E[1/θ] = (α+β−1)/(α−1) periods (infinite when α ≤ 1)."""
        alpha, beta = self._cohort_alpha_beta()
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(np.asarray(alpha) > 1, (alpha + beta - 1) / (alpha - 1), np.inf)
        return self._per_cohort(value, 0, "expected_lifetime")

    def discounted_expected_lifetime(self, discount_rate: float) -> float:
        """DEL(d) = ₂F₁(1, β; α+β; 1/(1+d)): expected discounted periods of a new customer (FH 2010, eq. 4)."""
        alpha, beta = self._cohort_alpha_beta()
        discount_rate = _check_rate(discount_rate)
        return self._per_cohort(_hyp2f1_1(beta, alpha + beta, 1 / (1 + discount_rate)), 0, "DEL")

    def discounted_expected_residual_lifetime(self, discount_rate: float, renewals: Any) -> Any:
        """DERL(d | n−1) = (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; 1/(1+d)) for a customer with
        n − 1 = ``renewals`` renewals, just before the next renewal decision (FH 2010, eq. 6)."""
        alpha, beta = self._cohort_alpha_beta()
        discount_rate = _check_rate(discount_rate)
        renewals = check_argument(renewals, "renewals", at_least=0, whole=True)
        n = renewals + 1
        value = (beta + n - 1) / (alpha + beta + n - 1) * np.asarray(_hyp2f1_1(beta + n, alpha + beta + n, 1 / (1 + discount_rate)))
        return self._per_cohort(value, renewals, "DERL", axis="renewals")

    def customer_lifetime_value(self, margin: float, discount_rate: float, renewals: Any = None) -> Any:
        """margin × DEL for a new customer, or margin × DERL for customers with ``renewals`` renewals.

        ``margin`` (per period, paid at the start of each period while active) must be finite.
        """
        margin = check_argument(margin, "margin")
        if renewals is None:
            return margin * self.discounted_expected_lifetime(discount_rate)
        value = self.discounted_expected_residual_lifetime(discount_rate, renewals)
        return margin * (value if isinstance(value, (pd.Series, pd.DataFrame)) else np.asarray(value))

    def survival_table(self, periods: int) -> pd.DataFrame:
        """Fitted survival and retention by period 0…``periods``, with the observed ones where fitted."""
        periods = int(check_argument(periods, "periods", at_least=0, whole=True, scalar=True))
        t = np.arange(0, periods + 1)
        if getattr(self, "cohort_params_", None) is not None:
            return self._cohort_survival_table(t)
        table = pd.DataFrame({"period": t, "survival": self.survival(t), "retention_rate": np.r_[np.nan, self.retention_rate(t[1:])]})
        observed = getattr(self, "survivors_", None)
        if observed is not None:
            share = observed / observed.iloc[0]
            table["observed_survival"] = table["period"].map(share)
            table["observed_retention_rate"] = table["period"].map(share / share.shift(1))
        return table


    def _cohort_survival_table(self, t: np.ndarray) -> pd.DataFrame:
        """survival_table for several cohorts: one row per cohort and period, with a ``cohort`` column."""
        survival = self.survival(t).stack().rename("survival")
        retention = self.retention_rate(t[1:]).stack().rename("retention_rate") if len(t) > 1 else None
        table = pd.concat([survival, retention], axis=1).reset_index()
        table.columns = ["cohort", "period", "survival", "retention_rate"]
        observed = self.survivors_.div(self.survivors_[0], axis=0)
        share = observed.stack().rename("observed_survival")
        kept = observed.div(observed.shift(1, axis=1)).stack().rename("observed_retention_rate")
        both = pd.concat([share, kept], axis=1)
        both.index.names = ["cohort", "period"]
        return table.merge(both.reset_index(), on=["cohort", "period"], how="left")

    def one_curve_test(self) -> Any:
        """Likelihood-ratio test of this fit (an (α, β) per cohort, or cohort covariates) against one curve for all.

        Refits the sBG without covariates to the same cohorts and compares:
        LR = 2(ℓ − ℓ_one curve), χ² with as many degrees of freedom as extra
        parameters (Wilks 1938). Returns
        :class:`crmlab.clv.covariates.LikelihoodRatioTest`.

        >>> cohorts = pd.DataFrame({0: [1000, 1000], 1: [631, 869], 2: [468, 743], 3: [382, 653]},
        ...                        index=["regular", "high end"])
        >>> test = ShiftedBetaGeometric().fit(cohorts, separate=True).one_curve_test()
        >>> test.df, test.p_value < 0.001
        (2, True)
        """
        from scipy.stats import chi2

        from crmlab.clv.covariates import LikelihoodRatioTest

        if getattr(self, "cohort_params_", None) is None:
            raise TypeError("ShiftedBetaGeometric.one_curve_test: fit on a DataFrame of cohorts first")
        pooled = ShiftedBetaGeometric().fit(self.survivors_)
        df = len(self.params_) - len(pooled.params_)
        if df <= 0:
            raise ValueError("ShiftedBetaGeometric.one_curve_test: this fit is one curve for all already")
        statistic = max(2.0 * (self.log_likelihood_ - pooled.log_likelihood_), 0.0)
        return LikelihoodRatioTest(float(statistic), int(df), float(chi2.sf(statistic, df)))

    def residual_value_table(self, discount_rate: float, margin: float = 1.0) -> pd.DataFrame:
        """Value of each cohort's active customers (Fader & Hardie 2010): DERL × margin × active customers.

        A cohort observed for τ periods has n_τ active customers, each with τ
        renewals behind them; their expected residual value is
        margin × DERL(d | τ) each (module notes). Columns: ``alpha``, ``beta``,
        ``periods_observed`` (τ), ``active``, ``next_retention_rate``
        (r_{τ+1}), ``DERL`` and ``residual_value``. Needs a fit on a DataFrame
        of cohorts.

        >>> cohorts = pd.DataFrame({0: [1000, 1000], 1: [631, 869], 2: [468, 743], 3: [382, 653]},
        ...                        index=["regular", "high end"])
        >>> model = ShiftedBetaGeometric().fit(cohorts, separate=True)
        >>> model.residual_value_table(0.1)[["active", "DERL"]].round(2)
                  active  DERL
        regular    382.0  5.17
        high end   653.0  4.57
        """
        cohorts = getattr(self, "cohort_params_", None)
        if cohorts is None:
            raise TypeError("ShiftedBetaGeometric.residual_value_table: fit on a DataFrame of cohorts first")
        margin = check_argument(margin, "margin", scalar=True)
        last = self.survivors_.notna().sum(axis=1).to_numpy() - 1
        active = self.survivors_.to_numpy()[np.arange(len(last)), last]
        alpha, beta = cohorts["alpha"].to_numpy(), cohorts["beta"].to_numpy()
        n = last + 1
        derl = (beta + n - 1) / (alpha + beta + n - 1) * np.asarray(_hyp2f1_1(beta + n, alpha + beta + n, 1 / (1 + _check_rate(discount_rate))))
        return pd.DataFrame(
            {"alpha": alpha, "beta": beta, "periods_observed": last, "active": active,
             "next_retention_rate": (beta + last) / (alpha + beta + last), "DERL": derl,
             "residual_value": margin * active * derl},
            index=cohorts.index,
        )


def _cohort_rows(n: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Likelihood rows of one cohort: (t, lost in t) for t = 1…τ and (τ, survived), with their counts."""
    tau = len(n) - 1
    t = np.arange(1, tau + 1, dtype=float)
    data = {"t": np.concatenate([t, [float(tau)]]), "survived": np.concatenate([np.zeros(tau), [1.0]])}
    weights = np.concatenate([n[:-1] - n[1:], [n[-1]]]).astype(float)
    keep = weights > 0
    return {k: v[keep] for k, v in data.items()}, weights[keep]


def _period_label(label: Any) -> int | None:
    """A column label read as a period number (0, 1, …, or "0", "1", …), else None."""
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
        return int(label)
    if isinstance(label, str) and label.strip().isdigit():
        return int(label)
    return None


def _check_cohorts(frame: pd.DataFrame, covariates: Sequence[str] | None) -> pd.DataFrame:
    """The survivors table (cohort × period 0…τ, floats), or a DataError naming the cohort and period."""
    source = "cohort survivors"
    covariates = [] if covariates is None else ([covariates] if isinstance(covariates, str) else list(covariates))
    periods = {c: _period_label(c) for c in frame.columns if c not in covariates}
    problems = [Problem("column is neither a period number (0, 1, …) nor a listed covariate", column=str(c))
                for c, p in periods.items() if p is None]
    found = sorted(p for p in periods.values() if p is not None)
    if not problems and found != list(range(len(found))):
        problems.append(Problem(f"period columns must be 0, 1, …, τ without gaps (found {found})"))
    if not problems and len(found) < 2:
        problems.append(Problem("needs periods 0 and 1 at least: the cohort sizes and the survivors after one period"))
    if len(frame) == 0:
        problems.append(Problem("no cohorts"))
    if frame.index.has_duplicates:
        problems.append(Problem("cohort names (the index) repeat", value=frame.index[frame.index.duplicated()][0]))
    if problems:
        raise DataError(source, problems)
    table = frame[[c for c in frame.columns if c not in covariates]].rename(columns=periods)[found]
    try:
        table = table.astype(float)
    except (TypeError, ValueError):
        raise DataError(source, [Problem("survivor counts must be numbers")]) from None
    values = table.to_numpy()
    observed = np.isfinite(values)
    rules = [
        (~observed & np.hstack([observed[:, 1:], np.zeros((len(values), 1), bool)]), "missing value before an observed period"),
        (observed & (values < 0), "negative count"),
        (observed[:, :1] & (values[:, :1] <= 0), "cohort size (period 0) must be positive"),
        (~observed[:, :2], "periods 0 and 1 must be observed"),
        (np.hstack([np.zeros((len(values), 1), bool), observed[:, 1:] & observed[:, :-1] & (values[:, 1:] > values[:, :-1])]),
         "survivors increase (a cohort can only shrink)"),
    ]
    total = 0
    for bad, message in rules:
        bad = np.pad(bad, ((0, 0), (0, values.shape[1] - bad.shape[1])))
        rows, cols = np.nonzero(bad)
        total += len(rows)
        problems += [Problem(message, row=table.index[r], column=str(found[c]), value=float(values[r, c]))
                     for r, c in zip(rows[:MAX_PROBLEMS_SHOWN], cols[:MAX_PROBLEMS_SHOWN], strict=True)]
    if total:
        raise DataError(source, problems, n_problems=total)
    return table


def _hyp2f1_1(b: Any, c: Any, z: float) -> Any:
    """₂F₁(1, b; c; z) for 0 ≤ z < 1: scipy's value, or, where scipy gives up (very large b, c),
    the series Σ_k z^k Π_{j<k} (b+j)/(c+j), whose terms fall at least geometrically (b ≤ c)."""
    b, c = np.asarray(b, dtype=float), np.asarray(c, dtype=float)
    value = np.asarray(hyp2f1(1.0, b, c, z), dtype=float)
    bad = ~np.isfinite(value)
    if np.any(bad):
        bb, cc = np.broadcast_to(b, value.shape)[bad], np.broadcast_to(c, value.shape)[bad]
        total, term, k = np.ones_like(bb), np.ones_like(bb), 0
        while np.any(term > 1e-17 * total) and k < 1_000_000:
            term = term * (bb + k) / (cc + k) * z
            total += term
            k += 1
        value = value.copy()
        value[bad] = total
    return value if value.ndim else float(value)


def _check_rate(discount_rate: float) -> float:
    """The discount rate of an infinite sum: finite and > 0 (the sums diverge without discounting)."""
    return check_argument(discount_rate, "discount_rate", above=0, scalar=True)
