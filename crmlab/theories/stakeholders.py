"""The Anglo-Australian school: relationships with all stakeholders, and the satisfaction → retention → profit chain.

Christopher, Payne & Ballantyne (1991, *Relationship Marketing: Bringing Quality, Customer
Service and Marketing Together*) widened relationship marketing from customers to every market
the firm depends on — the **six markets model** (Payne, Ballantyne & Christopher 2005, "A
stakeholder approach to relationship marketing strategy", European Journal of Marketing
39(7/8)):

- ``customer`` markets (existing and new customers),
- ``referral`` markets (advocates, intermediaries and customers who refer),
- ``supplier_alliance`` markets (suppliers and partners),
- ``influence`` markets (government, regulators, analysts, the press),
- ``recruitment`` markets (the people the firm hires),
- ``internal`` markets (employees and departments).

Managers rate the current and the desired emphasis on each market and the spider diagram of the
two shows where to invest; here relationship *scores* from stakeholder surveys sit beside them
(:func:`six_markets_map`).

The school's second claim is that customer satisfaction and retention drive the value of the
business (Reichheld & Sasser 1990, "Zero defections: quality comes to services", Harvard Business
Review 68(5); Heskett et al. 1994, "Putting the service-profit chain to work", HBR 72(2); Payne
& Frow 2005): satisfaction raises retention, and retention raises profit. :class:`SatisfactionChain`
estimates it as a mediation model over business units (or customers)::

    retention = i₁ + a · satisfaction + e₁
    profit    = i₂ + c′ · satisfaction + b · retention + e₂

indirect effect a·b, direct c′, total c = c′ + a·b (Baron & Kenny 1986). The path model is the
recursive OLS :class:`crmlab.stats.PathModel` (standardised effects and their
percentile bootstrap, Preacher & Hayes 2008); the raw-unit indirect effect and its bootstrap
interval come from :class:`statsmodels.stats.mediation.Mediation` (Imai, Keele & Tingley 2010).
:func:`simulate_satisfaction_chain` and :func:`simulate_stakeholder_ratings` draw data with known
effects and scores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# statsmodels and scipy.stats take a second or more to import: the functions that use them import them.

from crmlab.stats.maximum_likelihood import NotFittedError
from crmlab.data import tables
from crmlab.data.tables import Column
from crmlab.data.tables import check_columns, check_numeric
from crmlab.stats.generators import as_generator
from crmlab.stats.path_model import Hypothesis, PathModel

__all__ = [
    "RELATIONSHIP_ITEMS",
    "SIX_MARKETS",
    "SatisfactionChain",
    "SimulatedChain",
    "SimulatedStakeholders",
    "read_stakeholder_ratings",
    "simulate_satisfaction_chain",
    "simulate_stakeholder_ratings",
    "six_markets_map",
]

#: Christopher, Payne & Ballantyne's six markets, in the order of their diagram.
SIX_MARKETS = ("customer", "referral", "supplier_alliance", "influence", "recruitment", "internal")
#: The relationship-quality items each stakeholder rates (trust, commitment, satisfaction, communication).
RELATIONSHIP_ITEMS = ("trust", "commitment", "satisfaction", "communication")


def read_stakeholder_ratings(source: Any, *, scale: tuple[float, float] = (1, 7),
                             items: Sequence[str] = RELATIONSHIP_ITEMS) -> pd.DataFrame:
    """Stakeholder ratings (CSV/Parquet path or DataFrame), checked: one row per stakeholder with
    ``market`` (one of :data:`SIX_MARKETS`) and each relationship item on ``scale``, read by
    :func:`crmlab.data.tables.read_table`. Bad rows raise one :class:`~crmlab.data.DataError`
    naming file, row and column.

    >>> read_stakeholder_ratings(pd.DataFrame({"market": ["press"], "trust": [4], "commitment": [4],
    ...                                        "satisfaction": [4], "communication": [4]}))
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: DataFrame: 1 problem
      row 0, column 'market': must be one of customer, referral, supplier_alliance, influence, recruitment, internal ('press')
    """
    low, high = scale
    columns = [Column("market", "text", choices=SIX_MARKETS)] + [Column(item, "number", low=low, high=high) for item in items]
    return tables.read_table(source, columns, what="stakeholder ratings")


def six_markets_map(
    ratings: pd.DataFrame,
    *,
    emphasis: pd.DataFrame | None = None,
    items: Sequence[str] = RELATIONSHIP_ITEMS,
    scale: tuple[float, float] = (1, 7),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The six-markets map: a relationship score per market, with the emphasis the firm gives it.

    A stakeholder's relationship score is the mean of their ``items``, rescaled to 0–100:
    100 · (mean − low) / (high − low) on the rating ``scale``. Per market (rows in the order of
    :data:`SIX_MARKETS`): ``n`` stakeholders, ``relationship_score`` (mean), a t interval
    (``ci_low``, ``ci_high``), the mean of each item; with ``emphasis`` (indexed by market, columns
    ``current`` and ``desired``, e.g. 0–10 as in Payne, Ballantyne & Christopher 2005) also
    ``emphasis_gap`` = desired − current. ``weakest`` flags the market with the lowest score.

    >>> r = pd.DataFrame({"market": ["customer", "customer", "internal"], "trust": [7, 5, 1],
    ...                   "commitment": [7, 5, 1], "satisfaction": [7, 5, 1], "communication": [7, 5, 1]})
    >>> six_markets_map(r)["relationship_score"].round(1).dropna().to_dict()
    {'customer': 83.3, 'internal': 0.0}
    """
    from scipy import stats

    data = read_stakeholder_ratings(ratings, scale=scale, items=items)
    low, high = scale
    data["relationship_score"] = 100 * (data[list(items)].mean(axis=1) - low) / (high - low)
    g = data.groupby("market")
    out = pd.DataFrame({"n": g.size(), "relationship_score": g["relationship_score"].mean()}).reindex(list(SIX_MARKETS))
    out["n"] = out["n"].fillna(0).astype(int)
    se = g["relationship_score"].std(ddof=1).reindex(out.index) / np.sqrt(out["n"].where(out["n"] > 0))
    q = stats.t.ppf(0.5 + confidence / 2, (out["n"] - 1).clip(lower=1))
    out["ci_low"] = out["relationship_score"] - q * se
    out["ci_high"] = out["relationship_score"] + q * se
    for item in items:
        out[item] = g[item].mean().reindex(out.index)
    if emphasis is not None:
        check_columns(emphasis, ["current", "desired"], source="emphasis")
        emph = check_numeric(emphasis.reindex(list(SIX_MARKETS)), ["current", "desired"], source="emphasis", nonnegative=["current", "desired"])
        out["current_emphasis"] = emph["current"]
        out["desired_emphasis"] = emph["desired"]
        out["emphasis_gap"] = emph["desired"] - emph["current"]
    out["weakest"] = out["relationship_score"] == out["relationship_score"].min()
    out.index.name = "market"
    return out


@dataclass(frozen=True)
class SimulatedStakeholders:
    """Stakeholder ratings with the true relationship score (0–100) of each market, and an emphasis table."""

    ratings: pd.DataFrame
    emphasis: pd.DataFrame
    truth: pd.Series


def simulate_stakeholder_ratings(
    n_per_market: int = 50,
    *,
    true_scores: Mapping[str, float] | None = None,
    noise: float = 0.8,
    rng: np.random.Generator | int | None = None,
) -> SimulatedStakeholders:
    """Ratings of stakeholders in the six markets, with known relationship scores.

    Each market m has a true score s_m on 0–100 (default: customer 70, referral 60,
    supplier_alliance 55, influence 35, recruitment 45, internal 50); a stakeholder's latent
    rating is 1 + 6·s_m/100 plus a personal N(0, ``noise``/2) shift, each item adds N(0, ``noise``)
    and is kept continuous within [1, 7] (clipped). The truth is the expected 0–100 score *after*
    clipping (computed by numerical integration), so the estimator is checked on what it measures.
    The emphasis table has current emphasis ∝ the true score and a desired emphasis of 7 everywhere.

    >>> world = simulate_stakeholder_ratings(20, rng=1)
    >>> world.ratings.shape, list(world.truth.index) == list(SIX_MARKETS)
    ((120, 6), True)
    """
    from scipy import stats

    gen = as_generator(rng)
    scores = {"customer": 70.0, "referral": 60.0, "supplier_alliance": 55.0, "influence": 35.0, "recruitment": 45.0, "internal": 50.0}
    scores.update(dict(true_scores or {}))
    rows = []
    for m in SIX_MARKETS:
        centre = 1 + 6 * scores[m] / 100
        person = centre + gen.normal(0, noise / 2, n_per_market)
        item_values = np.clip(person[:, None] + gen.normal(0, noise, (n_per_market, len(RELATIONSHIP_ITEMS))), 1, 7)
        for k in range(n_per_market):
            rows.append({"stakeholder_id": f"{m[:3].upper()}{k + 1:04d}", "market": m, **dict(zip(RELATIONSHIP_ITEMS, item_values[k], strict=True))})
    ratings = pd.DataFrame(rows)
    # E[clip(X, 1, 7)] for X ~ N(centre, σ² = (noise/2)² + noise²), on the 0–100 scale
    sigma = np.hypot(noise / 2, noise)
    truth = {}
    for m in SIX_MARKETS:
        mu = 1 + 6 * scores[m] / 100
        a, b = (1 - mu) / sigma, (7 - mu) / sigma
        mean_clipped = (1 * stats.norm.cdf(a) + 7 * stats.norm.sf(b)
                        + mu * (stats.norm.cdf(b) - stats.norm.cdf(a)) + sigma * (stats.norm.pdf(a) - stats.norm.pdf(b)))
        truth[m] = float(100 * (mean_clipped - 1) / 6)
    emphasis = pd.DataFrame({"current": [round(10 * scores[m] / 100, 1) for m in SIX_MARKETS], "desired": 7.0},
                            index=pd.Index(SIX_MARKETS, name="market"))
    return SimulatedStakeholders(ratings, emphasis, pd.Series(truth, name="relationship_score"))


# ----- satisfaction → retention → profit -----------------------------------------------------------

CHAIN_PATHS = (
    Hypothesis("C1", "satisfaction", "retention", +1),
    Hypothesis("C2", "retention", "profit", +1),
)


class SatisfactionChain:
    """Satisfaction → retention → profit as a mediation model (the Anglo-Australian value chain).

    ``fit(data)`` takes one row per unit (business unit, branch or customer) with ``satisfaction``,
    ``retention`` and ``profit`` (and any ``controls``, which enter both equations) and estimates
    ``retention ~ satisfaction`` and ``profit ~ satisfaction + retention`` by OLS via
    :class:`~crmlab.theories.trust_commitment.PathModel` (``path_model_``, its ``table`` of
    hypotheses C1: satisfaction → retention (+), C2: retention → profit (+)). ``fit()`` returns
    the model; ``params_`` holds the raw-unit path coefficients a, b and c′ (``direct``),
    :attr:`summary` every effect with its standard error and interval, and :meth:`print_summary`
    prints it for readers. Raw-unit estimates also as attributes: ``a_``, ``b_``, ``direct_``
    (c′), ``indirect_`` (a·b), ``total_`` (c′ + a·b, equal to the slope of profit on
    satisfaction alone for OLS), ``proportion_mediated_``.

    References
    ----------
    Baron, R. M. & Kenny, D. A. (1986), "The moderator–mediator variable distinction in social
    psychological research", Journal of Personality and Social Psychology 51(6), 1173–1182: the
    mediation equations above, indirect effect a·b and total c = c′ + a·b.
    Preacher, K. J. & Hayes, A. F. (2008), "Asymptotic and resampling strategies for assessing and
    comparing indirect effects in multiple mediator models", Behavior Research Methods 40(3),
    879–891: the percentile bootstrap of a·b (:meth:`indirect_effect`).
    Heskett, J. L. et al. (1994), "Putting the service-profit chain to work", Harvard Business
    Review 72(2): the chain itself.

    >>> world = simulate_satisfaction_chain(400, rng=1)
    >>> chain = SatisfactionChain().fit(world.data)
    >>> round(chain.indirect_, 1), round(world.truth["indirect"], 1)
    (2.5, 2.5)
    """

    def __init__(self, controls: Sequence[str] = ()):
        self.controls = list(controls)

    def fit(self, data: pd.DataFrame) -> SatisfactionChain:
        """Fit both equations by OLS to one row per unit (see the class docstring); returns self."""
        columns = ["satisfaction", "retention", "profit", *self.controls]
        checked = check_numeric(data, columns)
        check_numeric(checked, ["retention"], bounds=(0, 1))
        equations = {"retention": ["satisfaction", *self.controls], "profit": ["satisfaction", "retention", *self.controls]}
        self.path_model_ = PathModel(equations, CHAIN_PATHS, name="satisfaction → retention → profit").fit(checked)
        raw = self.path_model_.raw_results_
        self.a_ = float(raw["retention"].params["satisfaction"])
        self.b_ = float(raw["profit"].params["retention"])
        self.direct_ = float(raw["profit"].params["satisfaction"])
        self.indirect_ = self.a_ * self.b_
        self.total_ = self.direct_ + self.indirect_
        self.proportion_mediated_ = self.indirect_ / self.total_ if self.total_ != 0 else np.nan
        self.params_ = pd.Series({"a": self.a_, "b": self.b_, "direct": self.direct_}, name="coef")
        self.n_units_ = len(checked)
        self._data = checked
        return self

    def _check_fitted(self) -> pd.Series:
        if not hasattr(self, "params_"):
            raise NotFittedError("SatisfactionChain is not fitted yet: call fit() first")
        return self.params_

    @property
    def table(self) -> pd.DataFrame:
        """The path table of the fitted model (raw and standardised estimates, SE, t, p, CI)."""
        return self.path_model_.summary

    def effects(self) -> pd.DataFrame:
        """Standardised direct, indirect and total effects (:meth:`PathModel.effects`)."""
        return self.path_model_.effects()

    def indirect_effect(self, *, n_boot: int = 1000, confidence: float = 0.95,
                        rng: np.random.Generator | int | None = None) -> pd.DataFrame:
        """The indirect effect of satisfaction on profit through retention, raw and standardised,
        with percentile bootstrap intervals (units resampled, ``rng`` seeded).

        Row ``raw``: a·b in profit per satisfaction point, from statsmodels' ``Mediation`` with
        ``method="bootstrap"`` (its ACME for a one-point rise in satisfaction; linear models make
        it a·b); row ``standardised``: from :meth:`PathModel.indirect_effects`. Both intervals use
        the same generator.

        >>> chain = SatisfactionChain().fit(simulate_satisfaction_chain(300, rng=2).data)
        >>> result = chain.indirect_effect(n_boot=200, rng=1)
        >>> bool(result.loc["raw", "ci_low"] < 2.5 < result.loc["raw", "ci_high"]), bool(result["significant"].all())
        (True, True)
        """
        from statsmodels.stats.mediation import Mediation

        import statsmodels.api as sm

        if int(n_boot) != n_boot or n_boot < 100:
            raise ValueError(f"n_boot must be a whole number ≥ 100, got {n_boot}")
        gen = as_generator(rng)
        data = self._data
        controls = self.controls
        mediator_exog = sm.add_constant(data[["satisfaction", *controls]])
        outcome_exog = sm.add_constant(data[["satisfaction", "retention", *controls]])
        mediator_model = sm.OLS(data["retention"], mediator_exog)
        outcome_model = sm.OLS(data["profit"], outcome_exog)
        mediation = Mediation(outcome_model, mediator_model, (1, 1), 2).fit(method="bootstrap", n_rep=int(n_boot), rng=gen)
        acme = np.asarray(mediation.ACME_avg)
        alpha = (1 - confidence) / 2
        std = self.path_model_.indirect_effects(n_boot=int(n_boot), confidence=confidence, rng=gen)
        std_row = std[(std["cause"] == "satisfaction") & (std["outcome"] == "profit")].iloc[0]
        rows = [
            {"scale": "raw", "indirect": self.indirect_, "ci_low": float(np.quantile(acme, alpha)),
             "ci_high": float(np.quantile(acme, 1 - alpha)), "bootstrap_mean": float(acme.mean())},
            {"scale": "standardised", "indirect": float(std_row["indirect"]), "ci_low": float(std_row["ci_low"]),
             "ci_high": float(std_row["ci_high"]), "bootstrap_mean": np.nan},
        ]
        out = pd.DataFrame(rows).set_index("scale")
        out["significant"] = (out["ci_low"] > 0) | (out["ci_high"] < 0)
        return out

    @property
    def summary(self) -> pd.DataFrame:
        """a, b, c′, a·b, c and the proportion mediated in raw units, one row each (``effect``), in that
        order: ``coef`` and, for the three path coefficients, the OLS standard error ``se`` and 95% t
        interval (``lower 95%``, ``upper 95%``); the derived rows have none here (their percentile
        bootstrap interval is :meth:`indirect_effect`).

        >>> chain = SatisfactionChain().fit(simulate_satisfaction_chain(300, rng=1).data)
        >>> chain.summary.index.tolist()[:3], chain.summary.columns.tolist()
        (['a: satisfaction → retention', 'b: retention → profit', 'c′: direct'], ['coef', 'se', 'lower 95%', 'upper 95%'])
        """
        self._check_fitted()
        raw = self.path_model_.raw_results_
        paths = [(raw["retention"], "satisfaction"), (raw["profit"], "retention"), (raw["profit"], "satisfaction")]
        se = [float(r.bse[x]) for r, x in paths] + [np.nan] * 3
        low = [float(r.conf_int().loc[x, 0]) for r, x in paths] + [np.nan] * 3
        high = [float(r.conf_int().loc[x, 1]) for r, x in paths] + [np.nan] * 3
        coef = [self.a_, self.b_, self.direct_, self.indirect_, self.total_, self.proportion_mediated_]
        return pd.DataFrame({"coef": coef, "se": se, "lower 95%": low, "upper 95%": high},
                            index=pd.Index(["a: satisfaction → retention", "b: retention → profit", "c′: direct",
                                            "a·b: indirect", "c: total", "proportion mediated"], name="effect"))

    def print_summary(self, decimals: int = 4) -> None:
        """Print the model, its data, the R² of each equation and the table of effects."""
        self._check_fitted()
        r2 = ", ".join(f"{outcome} {r.rsquared:.{decimals}f}" for outcome, r in self.path_model_.raw_results_.items())
        controls = f" (controls: {', '.join(self.controls)})" if self.controls else ""
        print("\n".join([
            f"SatisfactionChain: satisfaction → retention → profit as a mediation model, OLS{controls}",
            f"units = {self.n_units_:,}",
            f"R² = {r2}",
            "",
            self.summary.round(decimals).to_string(),
        ]))


@dataclass(frozen=True)
class SimulatedChain:
    """Units with satisfaction, retention and profit, and the true effects (raw and standardised)."""

    data: pd.DataFrame
    truth: dict[str, float]


def simulate_satisfaction_chain(
    n_units: int = 300,
    *,
    a: float = 0.05,
    b: float = 50.0,
    direct: float = 1.0,
    satisfaction_mean: float = 5.0,
    satisfaction_sd: float = 0.8,
    retention_base: float = 0.75,
    retention_sd: float = 0.03,
    profit_base: float = 40.0,
    profit_sd: float = 2.0,
    rng: np.random.Generator | int | None = None,
) -> SimulatedChain:
    """Business units whose satisfaction drives retention, and both drive profit, with known effects.

    satisfaction ~ N(mean, sd²) (a mean score on a 1–7 scale); retention = base +
    a·(satisfaction − mean) + N(0, retention_sd²) (a yearly retention rate); profit = base +
    direct·(satisfaction − mean) + b·(retention − retention_base) + N(0, profit_sd²) (profit per
    customer). The truth holds a, b, direct, indirect = a·b, total = direct + a·b, and the
    standardised indirect effect a·b·σ_sat/σ_profit with σ_profit² = (direct + a·b)²σ_sat² +
    b²·retention_sd² + profit_sd² — the population values PathModel's standardised estimates target.

    >>> world = simulate_satisfaction_chain(100, rng=1)
    >>> list(world.data.columns), world.truth["indirect"]
    (['unit_id', 'satisfaction', 'retention', 'profit'], 2.5)
    """
    gen = as_generator(rng)
    sat = gen.normal(satisfaction_mean, satisfaction_sd, n_units)
    ret = retention_base + a * (sat - satisfaction_mean) + gen.normal(0, retention_sd, n_units)
    if (ret < 0).any() or (ret > 1).any():
        raise ValueError("simulate_satisfaction_chain: retention rates left [0, 1]; lower a or retention_sd")
    profit = profit_base + direct * (sat - satisfaction_mean) + b * (ret - retention_base) + gen.normal(0, profit_sd, n_units)
    data = pd.DataFrame({"unit_id": [f"U{k + 1:04d}" for k in range(n_units)], "satisfaction": sat, "retention": ret, "profit": profit})
    sd_ret = np.sqrt(a**2 * satisfaction_sd**2 + retention_sd**2)
    sd_profit = np.sqrt((direct + a * b) ** 2 * satisfaction_sd**2 + b**2 * retention_sd**2 + profit_sd**2)
    truth = {"a": a, "b": b, "direct": direct, "indirect": a * b, "total": direct + a * b,
             "std_a": float(a * satisfaction_sd / sd_ret), "std_b": float(b * sd_ret / sd_profit),
             "std_indirect": float(a * b * satisfaction_sd / sd_profit), "std_direct": float(direct * satisfaction_sd / sd_profit)}
    return SimulatedChain(data, truth)

