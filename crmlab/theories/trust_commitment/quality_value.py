"""Relationship quality → customer value: a synthetic world with known effects, and its analysis.

Relationship marketing's central claim is that the quality of a relationship
drives how long it lasts and what it is worth: commitment lowers the
propensity to leave (Morgan & Hunt 1994, H8), satisfaction and trust raise
retention and share of wallet (the Anglo-Australian satisfaction → retention
→ profit chain, Christopher, Payne & Ballantyne 1991; Reichheld & Sasser 1990),
and interaction quality builds value in use (Grönroos 2004). Relationship
quality is commonly measured as trust together with commitment and
satisfaction (Crosby, Evans & Cowles 1990; Hennig-Thurau & Klee 1997).

The world (:func:`simulate_relationship_quality`)
-------------------------------------------------
1. A KMV survey of every customer (:func:`simulate_kmv_survey`): latent trust
   and commitment, each measured by Likert items with loading λ.
2. The customer's latent relationship quality q_i is trust + commitment,
   standardised over the customers (mean 0, sd 1).
3. Purchasing and dropout follow the Pareto/NBD with covariates (Fader & Hardie
   2007, "Incorporating time-invariant covariates into the Pareto/NBD and
   BG/NBD models"): λ_i ~ Gamma(r, α·exp(−c_P q_i)), μ_i ~ Gamma(s, β·exp(−c_D q_i)),
   so E[λ_i] = (r/α)·exp(c_P q_i) and E[μ_i] = (s/β)·exp(c_D q_i); a
   customer acquired in the first ``acquisition_weeks`` buys at rate λ_i until
   a lifetime Exp(μ_i) ends, and is observed for a calibration period and a
   holdout period.
4. Spend follows the Gamma-Gamma with spend covariates
   (:class:`crmlab.clv.GammaGamma`): ν_i ~ Gamma(q, γ·exp(c_S q_i)), so the
   expected spend per transaction is pγ/(q−1)·exp(c_S q_i).

What an analyst sees is the survey and the transactions, not q. The score
used as a covariate is crmlab's KMV scale scores (:func:`scale_scores`: mean of
the trust items, mean of the commitment items), averaged and standardised —
a noisy measure of q. With q and the score s jointly normal, E[q | s] = κ·s
with κ = cov(q, s)/var(s) (the reliability ratio of the regression-dilution
literature; Fuller 1987), and E[exp(c q) | s] = exp(cκ s + const), so a model
fitted on the score estimates the attenuated effect c·κ, not c. The world
returns κ computed from its own q and scores, so the planted effect, the
attenuated one and the estimate can be set side by side.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlab.clv import GammaGamma
from crmlab.stats.generators import as_generator
from crmlab.theories.trust_commitment.simulate import simulate_kmv_survey
from crmlab.theories.trust_commitment.survey import scale_scores

__all__ = [
    "QUALITY_EFFECTS",
    "QUALITY_WORLD_PARAMS",
    "QualityValueModels",
    "RelationshipQualityWorld",
    "fit_quality_value_models",
    "quality_effect_table",
    "quality_holdout_accuracy",
    "quality_tercile_value",
    "quality_terciles",
    "simulate_relationship_quality",
]

#: Planted effects of one standard deviation of relationship quality: on log E[λ] (purchase), on log E[μ]
#: (dropout: negative, a longer life) and on log expected spend (illustrative sizes, not estimates of a study).
QUALITY_EFFECTS: dict[str, float] = {"purchase": 0.4, "dropout": -0.8, "spend": 0.15}
#: Baseline parameters of the average customer: the Pareto/NBD and Gamma-Gamma estimates on CDNOW
#: (Fader, Hardie & Lee 2005a, 2005b; weeks), so the world looks like a retail base.
QUALITY_WORLD_PARAMS: dict[str, float] = {
    "r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67, "p": 6.25, "q": 3.74, "gamma": 15.44,
}
#: The covariate column the analysis uses: the standardised trust-and-commitment score.
SCORE = "relationship_quality"


@dataclass(frozen=True)
class RelationshipQualityWorld:
    """A simulated base: what an analyst observes and the truth behind it.

    Attributes
    ----------
    summary : DataFrame
        One row per customer (index ``customer``): ``frequency``, ``recency``,
        ``T``, ``monetary_value`` (calibration, weeks), ``frequency_holdout``,
        ``value_holdout`` (repeat purchases and their value in the holdout
        weeks), the KMV scale scores ``trust`` and ``commitment`` and the
        covariate ``relationship_quality`` (their mean, standardised).
    survey : DataFrame
        The survey responses (Likert items), one row per customer.
    truth : DataFrame
        Per customer: latent ``quality`` q, ``lam`` (λ), ``mu`` (μ), ``nu`` (ν),
        ``lifetime`` (weeks from the first purchase), ``alive_at_end`` (of calibration).
    effects, params : dict
        The planted effects c_P, c_D, c_S (``purchase``, ``dropout``, ``spend``) and baseline parameters.
    kappa : float
        The reliability ratio κ = cov(q, s)/var(s) of the score s for q in this world.
    holdout_weeks : float
        The length of the holdout period.
    """

    summary: pd.DataFrame
    survey: pd.DataFrame
    truth: pd.DataFrame
    effects: dict[str, float]
    params: dict[str, float]
    kappa: float
    holdout_weeks: float
    attenuated_effects: dict[str, float] = field(default_factory=dict)


def simulate_relationship_quality(
    n_customers: int,
    *,
    effects: Mapping[str, float] | None = None,
    params: Mapping[str, float] | None = None,
    loading: float = 0.8,
    items_per_construct: int = 3,
    calibration_weeks: float = 39.0,
    acquisition_weeks: float = 12.0,
    holdout_weeks: float = 39.0,
    rng: np.random.Generator | int | None = None,
) -> RelationshipQualityWorld:
    """Simulate customers whose latent relationship quality drives survey answers, purchases, dropout and spend.

    See the module notes for the process and its sources. ``effects``
    overrides :data:`QUALITY_EFFECTS` (keys ``purchase``, ``dropout``,
    ``spend``: effects of one sd of q on the log of E[λ], E[μ] and expected
    spend), ``params`` :data:`QUALITY_WORLD_PARAMS`; ``loading`` is the
    survey items' standardised loading (1 would measure q without error).

    >>> world = simulate_relationship_quality(300, rng=1)
    >>> list(world.summary.columns)[:4], round(world.kappa, 2)
    (['frequency', 'recency', 'T', 'monetary_value'], 0.92)
    """
    effects = dict(QUALITY_EFFECTS) | dict(effects or {})
    params = dict(QUALITY_WORLD_PARAMS) | dict(params or {})
    unknown = (set(effects) - set(QUALITY_EFFECTS)) | (set(params) - set(QUALITY_WORLD_PARAMS))
    if unknown:
        raise ValueError(f"unknown effects or parameters {sorted(unknown)}; use {sorted(QUALITY_EFFECTS)} and "
                         f"{sorted(QUALITY_WORLD_PARAMS)}")
    if int(n_customers) != n_customers or n_customers < 50:
        raise ValueError(f"n_customers must be a whole number ≥ 50, got {n_customers}")
    if not 0 <= acquisition_weeks < calibration_weeks or holdout_weeks <= 0:
        raise ValueError("need 0 ≤ acquisition_weeks < calibration_weeks and holdout_weeks > 0")
    generator = as_generator(rng)
    n = int(n_customers)
    survey = simulate_kmv_survey(n, loading=loading, items_per_construct=items_per_construct, rng=generator)
    latent = survey.latent["trust"] + survey.latent["commitment"]
    quality = ((latent - latent.mean()) / latent.std(ddof=0)).to_numpy()

    # purchasing and dropout (Pareto/NBD with covariates), spend (Gamma-Gamma with spend covariates)
    lam = generator.gamma(params["r"], 1 / (params["alpha"] * np.exp(-effects["purchase"] * quality)))
    mu = generator.gamma(params["s"], 1 / (params["beta"] * np.exp(-effects["dropout"] * quality)))
    nu = generator.gamma(params["q"], 1 / (params["gamma"] * np.exp(effects["spend"] * quality)))
    lifetime = generator.exponential(1 / mu)
    T = calibration_weeks - generator.uniform(0, acquisition_weeks, n)
    window = np.minimum(lifetime, T)
    x = generator.poisson(lam * window)
    recency = np.where(x > 0, window * generator.uniform(size=n) ** (1 / np.maximum(x, 1)), 0.0)
    spend = np.where(x > 0, generator.gamma(params["p"] * np.maximum(x, 1), 1 / (np.maximum(x, 1) * nu)), 0.0)
    holdout_window = np.clip(np.minimum(lifetime, T + holdout_weeks) - T, 0, None)
    x_holdout = generator.poisson(lam * holdout_window)
    value_holdout = np.where(
        x_holdout > 0, generator.gamma(params["p"] * np.maximum(x_holdout, 1), 1 / np.maximum(nu, 1e-300)), 0.0)

    scores = scale_scores(survey.responses, ["trust", "commitment"])
    mean_score = scores.mean(axis=1)
    score = ((mean_score - mean_score.mean()) / mean_score.std(ddof=0)).to_numpy()
    kappa = float(np.cov(quality, score, ddof=0)[0, 1] / score.var())
    index = pd.Index([f"C{i + 1:05d}" for i in range(n)], name="customer")
    summary = pd.DataFrame(
        {"frequency": x.astype(float), "recency": recency, "T": T, "monetary_value": spend,
         "frequency_holdout": x_holdout.astype(float), "value_holdout": value_holdout,
         "trust": scores["trust"].to_numpy(), "commitment": scores["commitment"].to_numpy(), SCORE: score},
        index=index,
    )
    truth = pd.DataFrame({"quality": quality, "lam": lam, "mu": mu, "nu": nu, "lifetime": lifetime,
                          "alive_at_end": lifetime > T}, index=index)
    responses = survey.responses.set_axis(index, axis=0)
    return RelationshipQualityWorld(summary, responses, truth, effects, params, kappa, float(holdout_weeks),
                                    {k: v * kappa for k, v in effects.items()})


@dataclass
class QualityValueModels:
    """The fitted models of the analysis: the transaction model and Gamma-Gamma, without and with the score."""

    transactions: Any
    transactions_with_quality: Any
    spend: GammaGamma
    spend_with_quality: GammaGamma


def fit_quality_value_models(summary: pd.DataFrame, covariate: str = SCORE) -> QualityValueModels:
    """Pareto/NBD and Gamma-Gamma fitted without covariates and with ``covariate`` on purchase, dropout and spend.

    The Pareto/NBD takes ``covariate`` as purchase and dropout covariate
    (:mod:`crmlab.clv.covariates`, Fader & Hardie 2007), the Gamma-Gamma as
    spend covariate (:class:`crmlab.clv.GammaGamma`).

    >>> world = simulate_relationship_quality(400, rng=2)
    >>> models = fit_quality_value_models(world.summary)
    >>> list(models.spend_with_quality.params_.index)
    ['p', 'q', 'gamma', 'spend: relationship_quality']
    """
    from crmlab.clv import ParetoNBD

    calibration = summary[["frequency", "recency", "T", "monetary_value", covariate]]
    plain = ParetoNBD().fit(calibration)
    with_quality = ParetoNBD().fit(calibration, purchase_covariates=[covariate], dropout_covariates=[covariate])
    spend = GammaGamma().fit(calibration)
    spend_with = GammaGamma().fit(calibration, spend_covariates=[covariate])
    return QualityValueModels(plain, with_quality, spend, spend_with)


def quality_effect_table(world: RelationshipQualityWorld, models: QualityValueModels, covariate: str = SCORE) -> pd.DataFrame:
    """Planted, attenuated-planted and estimated effects of relationship quality, with 95% Wald intervals.

    One row per process (``purchase``, ``dropout``, ``spend``): ``planted`` c
    (per sd of latent q), ``attenuated`` c·κ (what a model on the score can
    recover, module notes), ``estimate``, ``se``, ``lower``, ``upper`` and
    ``covers_attenuated`` (the interval holds c·κ).
    """
    from scipy.stats import norm

    rows = {"purchase": (models.transactions_with_quality, f"purchase: {covariate}"),
            "dropout": (models.transactions_with_quality, f"dropout: {covariate}"),
            "spend": (models.spend_with_quality, f"spend: {covariate}")}
    z = norm.ppf(0.975)
    out = []
    for process, (model, name) in rows.items():
        est, se = float(model.params_[name]), float(model.standard_errors_[name])
        out.append({"process": process, "planted": world.effects[process], "attenuated": world.attenuated_effects[process],
                    "estimate": est, "se": se, "lower": est - z * se, "upper": est + z * se})
    table = pd.DataFrame(out).set_index("process")
    table["covers_attenuated"] = (table["lower"] <= table["attenuated"]) & (table["attenuated"] <= table["upper"])
    return table


def quality_holdout_accuracy(world: RelationshipQualityWorld, models: QualityValueModels) -> pd.DataFrame:
    """How well each model predicts each customer's holdout purchases and value: without and with the score.

    Per model: ``mae`` and ``rmse`` of the predicted repeat purchases in the
    holdout weeks (E[Y(t) | x, t_x, T]) against the actual, the same for the
    holdout value (predicted purchases × Gamma-Gamma expected spend), the
    predicted and actual totals, and the calibration log-likelihood and AIC.
    """
    summary = world.summary
    out = {}
    for label, transactions, spend in (("without relationship quality", models.transactions, models.spend),
                                       ("with relationship quality", models.transactions_with_quality, models.spend_with_quality)):
        predicted, value = _predicted_holdout(world, transactions, spend)
        actual, actual_value = summary["frequency_holdout"].to_numpy(), summary["value_holdout"].to_numpy()
        out[label] = {
            "mae_purchases": float(np.mean(np.abs(predicted - actual))),
            "rmse_purchases": float(np.sqrt(np.mean((predicted - actual) ** 2))),
            "mae_value": float(np.mean(np.abs(value - actual_value))),
            "predicted_purchases": float(predicted.sum()),
            "actual_purchases": float(actual.sum()),
            "log_likelihood": float(transactions.log_likelihood_ + spend.log_likelihood_),
            "AIC": float(transactions.AIC_ + spend.AIC_),
        }
    return pd.DataFrame(out).T.rename_axis("model")


def _predicted_holdout(world: RelationshipQualityWorld, transactions: Any, spend: GammaGamma) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's expected holdout purchases E[Y(t) | x, t_x, T] and value (× the expected spend)."""
    summary = world.summary
    predicted = np.asarray(transactions.conditional_expected_transactions(world.holdout_weeks, summary), dtype=float)
    spend_per_purchase = np.asarray(spend.conditional_expected_average_spend(summary[_spend_columns(spend)]), dtype=float)
    return predicted, predicted * spend_per_purchase


def _spend_columns(spend: GammaGamma) -> list[str]:
    links = getattr(spend, "covariate_links_", None)
    return ["frequency", "monetary_value", *(links.links["gamma"] if links is not None else [])]


def quality_terciles(summary: pd.DataFrame, covariate: str = SCORE) -> pd.Series:
    """Each customer's tercile of the relationship-quality score: ``low``, ``middle``, ``high``.

    The score of Likert items takes few distinct values, so ties are broken by
    the customers' order (ranks ``method="first"``) to keep three equal groups.

    >>> quality_terciles(pd.DataFrame({"relationship_quality": [0.5, -1.0, 0.5, 2.0, -1.0, 0.0]})).tolist()
    ['middle', 'low', 'high', 'high', 'low', 'middle']
    """
    ranks = summary[covariate].rank(method="first")
    return pd.qcut(ranks, 3, labels=["low", "middle", "high"]).rename("tercile")


def quality_tercile_value(
    world: RelationshipQualityWorld,
    models: QualityValueModels,
    *,
    discount_rate: float = 0.01,
    horizon: int = 12,
    period_length: float = 52 / 12,
    draws: int = 200,
    rng: np.random.Generator | int | None = 0,
) -> pd.DataFrame:
    """Mean CLV per customer by relationship-quality tercile, with 95% intervals from the parameters' uncertainty.

    CLV is the covariate models' discounted expected value of the next
    ``horizon`` periods (:meth:`crmlab.clv.GammaGamma.customer_lifetime_value`;
    default 12 months at 1% a month). The interval draws the parameters of
    both models ``draws`` times from the asymptotic normal distribution of the
    maximum-likelihood estimates (mean the estimate, covariance the inverse
    observed information; the parametric approach of Krinsky & Robb 1986) and
    takes the 2.5% and 97.5% quantiles of the tercile means. Beside it, for
    the holdout weeks (undiscounted): the mean value per customer predicted by
    the models with (``holdout_with``) and without (``holdout_without``) the
    score, and the actual (``actual_holdout_value``); and the number of customers.
    """
    summary = world.summary
    generator = as_generator(rng)
    terciles = quality_terciles(summary)

    def tercile_means(transactions: Any, spend: GammaGamma) -> pd.Series:
        clv = spend.customer_lifetime_value(transactions, summary, discount_rate=discount_rate, horizon=horizon,
                                            period_length=period_length)
        return pd.Series(np.asarray(clv, dtype=float), index=summary.index).groupby(terciles, observed=True).mean()

    estimate = tercile_means(models.transactions_with_quality, models.spend_with_quality)
    samples = []
    for _ in range(int(draws)):
        with _drawn_params(models.transactions_with_quality, generator), _drawn_params(models.spend_with_quality, generator):
            samples.append(tercile_means(models.transactions_with_quality, models.spend_with_quality))
    drawn = pd.DataFrame(samples)
    holdout = {f"holdout_{k}": pd.Series(_predicted_holdout(world, t, g)[1], index=summary.index).groupby(terciles, observed=True).mean()
               for k, t, g in (("with", models.transactions_with_quality, models.spend_with_quality),
                               ("without", models.transactions, models.spend))}
    return pd.DataFrame({
        "customers": terciles.value_counts().reindex(estimate.index),
        "clv": estimate,
        "lower": drawn.quantile(0.025),
        "upper": drawn.quantile(0.975),
        **holdout,
        "actual_holdout_value": summary["value_holdout"].groupby(terciles, observed=True).mean(),
    }).rename_axis("tercile")


@contextmanager
def _drawn_params(model: Any, generator: np.random.Generator) -> Iterator[None]:
    """The fitted model with its parameters set to one draw from their asymptotic normal, restored afterwards.

    Positive parameters are drawn on the log scale (log θ ~ N(log θ̂, V̂/θ̂²), the delta method), so they stay
    positive; covariate coefficients (named ``"<process>: <covariate>"``) on their own scale.
    """
    estimate = model.params_
    mean = estimate.to_numpy()
    positive = np.array([": " not in str(n) for n in estimate.index])
    scale = np.where(positive, 1 / mean, 1.0)
    centre = np.where(positive, np.log(np.where(positive, mean, 1.0)), mean)
    draw = generator.multivariate_normal(centre, model.variance_matrix_.to_numpy() * np.outer(scale, scale))
    model.params_ = pd.Series(np.where(positive, np.exp(draw), draw), index=estimate.index, name="estimate")
    try:
        yield
    finally:
        model.params_ = estimate
