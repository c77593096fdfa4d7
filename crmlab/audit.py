"""The relationship audit: headline indicators of every lens, arranged by the four faces of CRM.

A relationship audit reviews one company's customer relationships through
every lens the lab has — the customer base and its churn, the value of the
customers, their relationship phases, the network around them, the Nordic
triplet of interaction, dialogue and value, trust and commitment, the loyalty
plan and the account portfolio — and hands management one scorecard.

The scorecard is organised by the four faces of CRM (Buttle 2009, *Customer
Relationship Management: Concepts and Technologies*, ch. 1; Buttle & Maklan 2015):

- **strategic** CRM: the customer-centric strategy — which customers to win,
  keep and grow, and what to invest in them;
- **operational** CRM: the customer-facing processes — acquiring, serving and
  keeping customers, and coordinating the units that serve them;
- **analytical** CRM: turning customer data into knowledge — models of value,
  retention and the drivers of the relationship;
- **collaborative** CRM: working with customers and partners across channels
  and organisations — interaction, dialogue and the network.

Each ``*_indicators`` function takes the tidy result of one lens and returns
rows of (``lens``, ``indicator``, ``value``, ``definition``);
:func:`audit_scorecard` stacks them with their face.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmlab.data.errors import DataError, Problem
from crmlab.strategy.loyalty import LoyaltyPlan, loyalty_plan  # the strategy workflow the audit's loyalty lens runs

__all__ = [
    "ALIVE_BANDS",
    "BORDERLINE_SELECTION",
    "COMPANION_REPORTS",
    "FACES",
    "INDICATOR_KINDS",
    "KEY_ACCOUNT_CRITERIA",
    "LENS_SOURCE",
    "PHASE_DEFINITIONS",
    "LENS_FACE",
    "ROBUST_SELECTION",
    "account_indicators",
    "alive_count_interval",
    "alive_lenses",
    "audit_scorecard",
    "complete_periods",
    "customer_base_indicators",
    "global_account_indicators",
    "key_account_indicators",
    "kmv_indicators",
    "lapsed_alive_breakdown",
    "lens_data_origin",
    "lifecycle_indicators",
    "LoyaltyPlan",
    "loyalty_indicators",
    "loyalty_plan",
    "network_groups",
    "network_indicators",
    "phase_alive_agreement",
    "phase_alive_crosstab",
    "portfolio_indicators",
    "retention_history",
    "triplet_indicators",
    "value_indicators",
]

#: The four faces of CRM (Buttle 2009) and what each covers in the audit.
FACES = {
    "strategic": "which customers to win, keep and grow, and what to invest in them",
    "operational": "the processes that acquire, serve and keep customers",
    "analytical": "knowledge from customer data: value, retention and the drivers of the relationship",
    "collaborative": "interaction and dialogue with customers, and the network of partners",
}

#: The face each lens of the audit belongs to.
LENS_FACE = {
    "account portfolio": "strategic",
    "key accounts": "strategic",
    "loyalty plan": "strategic",
    "customer base": "operational",
    "relationship phases": "operational",
    "global accounts": "operational",
    "customer value": "analytical",
    "trust and commitment": "analytical",
    "Nordic triplet": "collaborative",
    "business network": "collaborative",
}

COLUMNS = ["lens", "indicator", "value", "definition", "kind"]

#: A key account selected under at least this share of the random weightings is robust to the weights.
ROBUST_SELECTION = 0.9
#: An account selected under a share of the random weightings strictly inside these bounds is borderline.
BORDERLINE_SELECTION = (0.1, 0.9)

#: How each indicator's value is written for readers (a kind of :data:`crmlab.display.KINDS`):
#: counts, shares, money and measurements share the one ``value`` column of a block.
INDICATOR_KINDS = ("integer", "percent", "money", "number")


def _rows(lens: str, rows: list[tuple[str, Any, str, str]]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=["indicator", "value", "definition", "kind"])
    out.insert(0, "lens", lens)
    out["value"] = out["value"].astype(float)
    unknown = sorted(set(out["kind"]) - set(INDICATOR_KINDS))
    if unknown:
        raise ValueError(f"unknown indicator kind(s) {unknown}; the kinds are {list(INDICATOR_KINDS)}")
    return out


def customer_base_indicators(
    summary: pd.DataFrame,
    retention: pd.DataFrame,
    ipt: pd.DataFrame,
    *,
    last: int = 3,
    observation_end: Any = None,
) -> pd.DataFrame:
    """Headlines of the customer base: size, repeat buying, retention, churn and interpurchase time.

    Takes the per-customer :func:`~crmlab.customers.transaction_summary`, the
    period table of :func:`~crmlab.customers.retention_rate` (S, N, E) and the
    pooled :func:`~crmlab.customers.interpurchase_distribution`. The customer
    retention rate is CRR = (E − N) / S (the retained share of the customers at
    the start of a period), pooled over the ``last`` complete periods as
    Σ(E − N) / ΣS, and churn = 1 − CRR. A period that ends after
    ``observation_end`` (the data stop inside it) is not complete and is left out.

    >>> summary = pd.DataFrame({"frequency": [0, 2, 1, 0]})
    >>> retention = pd.DataFrame({"S": [10, 8], "N": [2, 1], "E": [10, 7]})
    >>> ipt = pd.DataFrame({"median": [30.0]})
    >>> retention["period"] = pd.period_range("2021-01", periods=2, freq="M")
    >>> customer_base_indicators(summary, retention, ipt, last=2)[["indicator", "value"]].values.tolist()
    [['customers', 4.0], ['repeat buyers (share)', 0.5], ['retention rate (CRR)', 0.7777777777777778], ['churn rate', 0.2222222222222222], ['median interpurchase time', 30.0]]

    With data ending on 15 February, February is incomplete and only January counts: (10 − 2) / 10.

    >>> float(customer_base_indicators(summary, retention, ipt, observation_end="2021-02-15").loc[2, "value"])
    0.8
    """
    recent = complete_periods(retention, observation_end).tail(last)
    crr = _pooled_crr(recent)
    return _rows("customer base", [
        ("customers", len(summary), "customers with at least one purchase", "integer"),
        ("repeat buyers (share)", float((summary["frequency"] > 0).mean()), "share of customers who bought again", "percent"),
        ("retention rate (CRR)", crr, f"Σ(E − N) / ΣS over the last {len(recent)} complete periods: the customers "
         "active at the end of a period who are not new, over those active at its start — net of returning customers "
         "(a lapsed customer who buys again counts in E, not in S), so it can pass 100%", "percent"),
        ("churn rate", 1 - crr, "1 − CRR (below 0 when more lapsed customers return than active ones lapse)", "percent"),
        ("median interpurchase time", float(ipt["median"].iloc[0]), "median time between a customer's purchases", "number"),
    ])


def complete_periods(retention: pd.DataFrame, observation_end: Any = None) -> pd.DataFrame:
    """The periods of a :func:`~crmlab.customers.retention_rate` table that have a CRR and end by ``observation_end``.

    A period without customers at its start (S = 0 or missing) has no CRR; a
    period that ends after ``observation_end`` (the data stop inside it) is
    not complete. Both are left out.

    >>> rates = pd.DataFrame({"period": pd.period_range("2021-01", periods=3, freq="M"), "S": [0, 10, 8]})
    >>> complete_periods(rates, "2021-03-15")["period"].astype(str).tolist()
    ['2021-02']
    """
    periods = retention[retention["S"].fillna(0) > 0]
    if observation_end is not None and isinstance(periods["period"].dtype, pd.PeriodDtype):
        ends = periods["period"].dt.end_time.dt.normalize()
        periods = periods[ends <= pd.Timestamp(observation_end).normalize()]
    return periods


def _pooled_crr(periods: pd.DataFrame) -> float:
    return float((periods["E"] - periods["N"]).sum() / periods["S"].sum()) if periods["S"].sum() > 0 else np.nan


def retention_history(retention: pd.DataFrame, *, last: int = 3, observation_end: Any = None) -> pd.DataFrame:
    """The recent customer retention rate against the data's own history: a benchmark from the same data.

    Pools CRR = Σ(E − N) / ΣS (Kumar & Reinartz 2018) over the ``last``
    complete periods (:func:`complete_periods`), as
    :func:`customer_base_indicators` reports it, and over the complete periods
    before them. Returns one row per span (``span`` = "recent", "earlier"):
    ``first`` and ``last`` period, ``periods``, ``S`` (customers at the
    starts), ``retained`` (Σ(E − N)), ``retention_rate`` and ``periods_above``,
    the periods whose CRR passes 100% (E − N > S: more lapsed customers came
    back than active ones lapsed). An empty earlier span has a missing rate.

    >>> rates = pd.DataFrame({"period": pd.period_range("2021-01", periods=4, freq="M"),
    ...                       "S": [10, 10, 10, 10], "N": [0, 0, 0, 0], "E": [9, 12, 7, 6]})
    >>> retention_history(rates, last=2)[["span", "periods", "retention_rate", "periods_above"]].values.tolist()
    [['recent', 2, 0.65, 0], ['earlier', 2, 1.05, 1]]
    """
    periods = complete_periods(retention, observation_end)
    spans = {"recent": periods.tail(last), "earlier": periods.iloc[: max(len(periods) - last, 0)]}
    rows = []
    for span, part in spans.items():
        rows.append({"span": span, "first": part["period"].iloc[0] if len(part) else None,
                     "last": part["period"].iloc[-1] if len(part) else None, "periods": len(part),
                     "S": int(part["S"].sum()), "retained": int((part["E"] - part["N"]).sum()),
                     "retention_rate": _pooled_crr(part) if len(part) else np.nan,
                     "periods_above": int(((part["E"] - part["N"]) > part["S"]).sum())})
    return pd.DataFrame(rows)


def value_indicators(values: pd.DataFrame, *, top: float = 0.1, alive_threshold: float = 0.5) -> pd.DataFrame:
    """Headlines of customer value: total and mean CLV, its concentration, and how much of the base is alive.

    Takes a frame with ``clv`` and ``probability_alive`` (or ``p_alive``) per
    customer, e.g. :func:`~crmlab.clv.customer_value_table`.

    >>> values = pd.DataFrame({"clv": [100.0, 50.0, 30.0, 20.0], "p_alive": [0.9, 0.8, 0.3, 0.1]})
    >>> value_indicators(values, top=0.25)[["indicator", "value"]].values.tolist()
    [['total CLV', 200.0], ['mean CLV', 50.0], ['CLV share of the top 25%', 0.5], ['mean P(alive)', 0.525], ['customers likely lost', 0.5]]
    """
    if not 0 < top < 1:
        raise ValueError(f"top must be in (0, 1), got {top!r}")
    alive_column = next((c for c in ("probability_alive", "p_alive") if c in values.columns), None)
    missing = [c for c, ok in (("clv", "clv" in values.columns), ("probability_alive", alive_column is not None)) if not ok]
    if missing:
        raise DataError("values", [Problem("missing column", column=c) for c in missing])
    alive = values[alive_column].astype(float)
    clv = values["clv"].astype(float).sort_values(ascending=False)
    k = max(1, int(np.ceil(top * len(clv))))
    return _rows("customer value", [
        ("total CLV", clv.sum(), "sum of the customers' lifetime values", "money"),
        ("mean CLV", clv.mean(), "mean customer lifetime value", "money"),
        (f"CLV share of the top {top:.0%}", clv.head(k).sum() / clv.sum(), "share of total CLV held by the most valuable customers",
         "percent"),
        ("mean P(alive)", alive.mean(), "mean probability that a customer is still active", "percent"),
        ("customers likely lost", (alive < alive_threshold).mean(),
         f"share with P(alive) < {alive_threshold:.0%}: the model's probability that the customer still buys "
         "(a forecast of activity, not the relationship phase)", "percent"),
    ])


#: What each phase's share in the audit counts (the rules of :func:`crmlab.theories.lifecycle.relationship_phases`).
PHASE_DEFINITIONS = {
    "awareness": "share of customers in contact but without a purchase yet, in the last period",
    "exploration": "share of customers in their trial purchases (or just back after a silence), in the last period",
    "expansion": "share of customers buying more in the last periods than in those before, in the last period",
    "commitment": "share of customers buying steadily in the recent periods, in the last period",
    "dissolution": "share of customers whose silence at the last period is unusual for them (longer than 3 × their "
                   "own mean gap between purchases, by default): a rule on the past, not a forecast",
}


def lifecycle_indicators(phases: pd.DataFrame) -> pd.DataFrame:
    """The shares of customers in each relationship phase in the last period (Dwyer, Schurr & Oh 1987).

    Takes :func:`~crmlab.theories.lifecycle.relationship_phases` (one row per
    customer and period, with ``phase``).

    >>> phases = pd.DataFrame({"period": [1, 1, 2, 2, 2, 2], "phase": ["exploration"] * 2 + ["expansion", "commitment", "dissolution", "dissolution"]})
    >>> lifecycle_indicators(phases)[["indicator", "value"]].values.tolist()
    [['awareness', 0.0], ['exploration', 0.0], ['expansion', 0.25], ['commitment', 0.25], ['dissolution', 0.5]]
    """
    now = phases[phases["period"] == phases["period"].max()]
    order = ["awareness", "exploration", "expansion", "commitment", "dissolution"]
    shares = now["phase"].value_counts(normalize=True).reindex(order, fill_value=0.0)
    return _rows("relationship phases", [(p, shares[p], PHASE_DEFINITIONS[p], "percent") for p in order])


#: The P(alive) bands of :func:`phase_alive_crosstab`: lower edges, the last band closed at 100%.
ALIVE_BANDS = (0.0, 0.25, 0.5, 0.75, 1.0)


def _last_phase_and_alive(phases: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Each customer's phase in the last period beside the model's P(alive) (and frequency, where given)."""
    alive_column = next((c for c in ("probability_alive", "p_alive") if c in values.columns), None)
    problems = [Problem("missing column", column=c) for c in ("customer_id", "period", "phase") if c not in phases.columns]
    if problems:
        raise DataError("phases", problems)
    if alive_column is None:
        raise DataError("values", [Problem("missing column", column="probability_alive")])
    now = phases[phases["period"] == phases["period"].max()].set_index("customer_id")["phase"].astype(str)
    alive = values[alive_column].astype(float)
    missing = now.index.difference(alive.index)
    if len(missing):
        raise DataError("values", [Problem("customer of the phases without a P(alive)", column="customer_id", value=c)
                                   for c in missing[:20]])
    out = pd.DataFrame({"phase": now, "probability_alive": alive.reindex(now.index)})
    if "frequency" in values.columns:
        out["frequency"] = values["frequency"].reindex(now.index)
    return out


def phase_alive_crosstab(phases: pd.DataFrame, values: pd.DataFrame, *, bands: tuple[float, ...] = ALIVE_BANDS) -> pd.DataFrame:
    """Customers by relationship phase in the last period × band of P(alive): two lenses on one base, side by side.

    The phase rules (Dwyer, Schurr & Oh 1987, as measured by
    :func:`~crmlab.theories.lifecycle.relationship_phases`) classify the
    customer's *past*: dissolution is a silence unusual for that customer. The
    BG/NBD model's P(alive) (Fader, Hardie & Lee 2005) is a *forecast*: the
    probability that the customer has not dropped out. They answer different
    questions, so the cross-tabulation shows where they agree instead of
    setting one share against the other.

    Takes :func:`~crmlab.theories.lifecycle.relationship_phases` (``customer_id``,
    ``period``, ``phase``) and a frame indexed by customer with
    ``probability_alive`` (or ``p_alive``), e.g. :func:`~crmlab.clv.customer_value_table`.
    ``bands`` are the edges of the P(alive) bands (left-closed, the last one
    closed at both ends). Returns one row per phase present (in the order of
    the phases), a column of customers per band labelled "0–25%" …, and
    ``customers`` (the row total).

    >>> phases = pd.DataFrame({"customer_id": ["a", "b", "c", "a", "b", "c"], "period": [1, 1, 1, 2, 2, 2],
    ...                        "phase": ["exploration"] * 3 + ["dissolution", "dissolution", "commitment"]})
    >>> values = pd.DataFrame({"probability_alive": [0.1, 1.0, 0.9]}, index=pd.Index(["a", "b", "c"], name="customer_id"))
    >>> phase_alive_crosstab(phases, values, bands=(0, 0.5, 1))
             phase  P(alive) 0–50%  P(alive) 50–100%  customers
    0   commitment               0                 1          1
    1  dissolution               1                 1          2
    """
    edges = np.asarray(bands, dtype=float)
    if edges.size < 2 or np.any(np.diff(edges) <= 0) or edges[0] < 0 or edges[-1] > 1:
        raise ValueError(f"bands must rise strictly within [0, 1], got {bands!r}")
    data = _last_phase_and_alive(phases, values)
    names = [f"P(alive) {lo:.0%}–{hi:.0%}".replace("%–", "–") for lo, hi in zip(edges[:-1], edges[1:])]
    band = pd.cut(data["probability_alive"], edges, labels=names, right=False, include_lowest=True)
    band = band.where(data["probability_alive"] < edges[-1], names[-1])  # P(alive) = 1 in the last band
    order = ["awareness", "exploration", "expansion", "commitment", "dissolution"]
    present = [p for p in order if p in set(data["phase"])] + sorted(set(data["phase"]) - set(order))
    counts = pd.crosstab(data["phase"], pd.Categorical(band, categories=names)).reindex(index=present, columns=names,
                                                                                      fill_value=0)
    counts = counts.astype(int)
    counts["customers"] = counts.sum(axis=1)
    counts.columns.name = None
    return counts.rename_axis("phase").reset_index()


def phase_alive_agreement(phases: pd.DataFrame, values: pd.DataFrame, *, alive_threshold: float = 0.5) -> pd.DataFrame:
    """Where the dissolution phase and a low P(alive) agree: customers flagged by both lenses, by one, by neither.

    The two flags of the audit: *in dissolution* by the phase rules in the
    last period, and *likely lost*, P(alive) < ``alive_threshold``, by the
    BG/NBD model (as :func:`value_indicators` counts them). Each row is one
    combination (``both``, ``phase only``, ``model only``, ``neither``) with
    ``customers``, their ``share`` of the base, and — where ``values`` has the
    customers' ``frequency`` (repeat purchases) — ``one_time_buyers``, the
    customers of the row who never bought again. BG/NBD lets a customer drop
    out only just after a repeat purchase, so a one-time buyer has P(alive) = 1
    however long the silence (Fader, Hardie & Lee 2005, eq. 11): the usual
    reason a customer is in dissolution by the rules but not likely lost by
    the model.

    >>> phases = pd.DataFrame({"customer_id": list("abcd"), "period": 1,
    ...                        "phase": ["dissolution", "dissolution", "commitment", "exploration"]})
    >>> values = pd.DataFrame({"probability_alive": [0.2, 1.0, 0.3, 0.9], "frequency": [3, 0, 5, 1]},
    ...                       index=pd.Index(list("abcd"), name="customer_id"))
    >>> phase_alive_agreement(phases, values)
             flag  customers  share  one_time_buyers
    0        both          1   0.25                0
    1  phase only          1   0.25                1
    2  model only          1   0.25                0
    3     neither          1   0.25                0
    """
    if not 0 < alive_threshold < 1:
        raise ValueError(f"alive_threshold must be in (0, 1), got {alive_threshold!r}")
    data = _last_phase_and_alive(phases, values)
    dissolved = (data["phase"] == "dissolution").to_numpy()
    lost = (data["probability_alive"] < alive_threshold).to_numpy()
    masks = {"both": dissolved & lost, "phase only": dissolved & ~lost, "model only": ~dissolved & lost,
             "neither": ~dissolved & ~lost}
    rows = []
    for flag, mask in masks.items():
        row = {"flag": flag, "customers": int(mask.sum()), "share": float(mask.mean()) if len(mask) else np.nan}
        if "frequency" in data:
            row["one_time_buyers"] = int((data["frequency"].to_numpy()[mask] == 0).sum())
        rows.append(row)
    return pd.DataFrame(rows)


def alive_count_interval(probabilities: Any, *, confidence: float = 0.95) -> tuple[float, float, float]:
    """The expected number of customers alive, Σ pᵢ, and an interval for the number actually alive.

    Given the model's P(alive) pᵢ of each customer, taken as independent
    chances with the parameters held fixed, the number alive is a
    Poisson-binomial count with mean Σ pᵢ and variance Σ pᵢ(1 − pᵢ) (Wang
    1993); the interval is its normal approximation, Σ pᵢ ± z·√Σ pᵢ(1 − pᵢ)
    with z the normal quantile of ``confidence``, clipped to [0, n]. It is
    process uncertainty only: the uncertainty of the fitted parameters is not
    in it, so on a small base or a badly determined model the real
    uncertainty is wider.

    >>> [round(v, 2) for v in alive_count_interval([0.9, 0.5, 0.5, 0.1])]
    [2.0, 0.38, 3.62]
    """
    from scipy.stats import norm

    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    p = np.asarray(probabilities, dtype=float).reshape(-1)
    mean, sd = float(p.sum()), float(np.sqrt(np.sum(p * (1 - p))))
    half = float(norm.ppf(0.5 + confidence / 2)) * sd
    return mean, max(0.0, mean - half), min(float(len(p)), mean + half)


def alive_lenses(summary: pd.DataFrame, models: Mapping[str, Any], *, alive_threshold: float = 0.5,
                 confidence: float = 0.95) -> pd.DataFrame:
    """How many customers each fitted purchase model takes to be alive or lost, side by side.

    One row per model (by the mapping's names): ``customers``,
    ``mean_probability_alive``, ``likely_lost`` (share with P(alive) <
    ``alive_threshold``, as :func:`value_indicators` counts it),
    ``expected_alive`` = Σ P(alive) with ``expected_alive_low`` and
    ``expected_alive_high`` (:func:`alive_count_interval`, process only),
    ``one_time_buyers`` (customers with no repeat purchase) and
    ``one_time_alive``, their mean P(alive). The BG/NBD lets a customer drop
    out only after a repeat purchase (Fader, Hardie & Lee 2005, eq. 11), so
    its one-time buyers have P(alive) = 1 by construction; the MBG/NBD
    (Batislam, Denizel & Filiztekin 2007) lets them drop out at the first
    purchase, the Pareto/NBD (Schmittlein, Morrison & Colombo 1987) at any
    time.

    >>> class Fixed:
    ...     def __init__(self, p): self.p = np.array(p)
    ...     def probability_alive(self, frequency, recency, T): return self.p
    >>> summary = pd.DataFrame({"frequency": [0, 0, 2, 5], "recency": [0, 0, 10, 30], "T": [40] * 4})
    >>> alive_lenses(summary, {"BG/NBD": Fixed([1, 1, 0.3, 0.9]), "MBG/NBD": Fixed([0.4, 0.4, 0.3, 0.9])})[
    ...     ["model", "likely_lost", "expected_alive", "one_time_alive"]]
         model  likely_lost  expected_alive  one_time_alive
    0   BG/NBD         0.25             3.2             1.0
    1  MBG/NBD         0.75             2.0             0.4
    """
    if not 0 < alive_threshold < 1:
        raise ValueError(f"alive_threshold must be in (0, 1), got {alive_threshold!r}")
    missing = [c for c in ("frequency", "recency", "T") if c not in summary.columns]
    if missing:
        raise DataError("summary", [Problem("missing column", column=c) for c in missing])
    from crmlab.clv.inputs import check_rft

    rft = [summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")]
    check_rft(*rft, summary.index)  # bad rows named by the summary's customer labels
    once = rft[0] == 0
    rows = []
    for name, model in models.items():
        p = np.asarray(model.probability_alive(*rft), dtype=float)
        expected, low, high = alive_count_interval(p, confidence=confidence)
        rows.append({"model": name, "customers": len(p), "mean_probability_alive": float(p.mean()),
                     "likely_lost": float((p < alive_threshold).mean()), "expected_alive": expected,
                     "expected_alive_low": low, "expected_alive_high": high, "one_time_buyers": int(once.sum()),
                     "one_time_alive": float(p[once].mean()) if once.any() else np.nan})
    return pd.DataFrame(rows)


def triplet_indicators(interaction: pd.DataFrame, dialogue: pd.DataFrame, value: pd.DataFrame) -> pd.DataFrame:
    """Headlines of the Nordic triplet in raw units: how often, how two-way, how fast, how satisfying.

    Takes :func:`~crmlab.theories.nordic.interaction_scores`,
    :func:`~crmlab.theories.nordic.dialogue_scores` and
    :func:`~crmlab.theories.nordic.value_scores` (customer-periods); each
    headline is the mean (or median, for latency) over customer-periods.

    >>> inter = pd.DataFrame({"intensity": [2.0, 4.0], "completion": [0.5, 1.0]})
    >>> dia = pd.DataFrame({"two_wayness": [0.4, 0.6], "firm_response_rate": [1.0, 0.5], "firm_latency_hours": [2.0, 10.0]})
    >>> val = pd.DataFrame({"satisfaction": [4.0, np.nan]})
    >>> triplet_indicators(inter, dia, val)["value"].tolist()
    [3.0, 0.75, 0.5, 0.75, 6.0, 4.0]
    """
    return _rows("Nordic triplet", [
        ("acts per customer-period", interaction["intensity"].mean(), "interaction: mean number of acts", "number"),
        ("completed episodes (share)", interaction["completion"].mean(), "interaction: episodes that produced an outcome",
         "percent"),
        ("two-wayness", dialogue["two_wayness"].mean(), "dialogue: share of acts the customer initiated", "percent"),
        ("firm response rate", dialogue["firm_response_rate"].mean(), "dialogue: customer acts the firm answered", "percent"),
        ("firm latency (hours, median)", dialogue["firm_latency_hours"].median(), "dialogue: time to answer the customer",
         "number"),
        ("satisfaction", value["satisfaction"].mean(), "value: mean rating of the acts", "number"),
    ])


def kmv_indicators(model: Any) -> pd.DataFrame:
    """Headlines of the trust–commitment test: hypotheses supported and variance explained (Morgan & Hunt 1994).

    Takes a fitted :func:`~crmlab.theories.trust_commitment.kmv_model` (its
    ``table`` has one row per hypothesis with ``supported`` and ``r_squared``
    per outcome).

    >>> class Fitted:
    ...     summary = pd.DataFrame({"outcome": ["trust", "commitment", "commitment"], "supported": [True, True, False],
    ...                           "r_squared": [0.3, 0.5, 0.5]})
    >>> kmv_indicators(Fitted())["value"].tolist()
    [0.6666666666666666, 0.5, 0.3]
    """
    table = model.summary
    r2 = table.groupby("outcome")["r_squared"].first()
    return _rows("trust and commitment", [
        ("hypotheses supported (share)", table["supported"].mean(),
         f"of the {len(table)} paths, significant with the expected sign", "percent"),
        ("commitment explained (R²)", r2.get("commitment", np.nan),
         "variance of commitment explained by its antecedents and trust", "percent"),
        ("trust explained (R²)", r2.get("trust", np.nan), "variance of trust explained by its antecedents", "percent"),
    ])


def loyalty_indicators(plan: Any, loyal: pd.DataFrame, *, top: float = 0.2) -> pd.DataFrame:
    """Headlines of the loyalty plan: how concentrated loyalty is, and what the optimal budget split buys.

    Takes a :class:`~crmlab.strategy.BudgetAllocation` (from
    :func:`~crmlab.strategy.allocate_budget`) and the ranking of
    :func:`~crmlab.strategy.most_loyal_customers` (``cumulative_share``).

    >>> class Plan:
    ...     budget, total_spend, total_incremental_clv, roi = 100.0, 80.0, 240.0, 2.0
    ...     table = pd.DataFrame({"action": ["retention", "win_back"], "spend": [60.0, 20.0]})
    >>> loyal = pd.DataFrame({"cumulative_share": [0.5, 0.8, 0.9, 0.95, 1.0]})
    >>> loyalty_indicators(Plan(), loyal)["value"].tolist()
    [0.5, 100.0, 80.0, 240.0, 2.0, 0.75]

    A ranking whose share of wallet is missing (no wallets, :func:`loyalty_plan`) says it ranked without it:

    >>> loyalty_indicators(Plan(), loyal.assign(share_of_wallet=np.nan))["definition"].iloc[0]
    'share of CLV × P(alive) (without share of wallet: no wallets were given) held by the most loyal customers'
    """
    k = max(1, int(np.ceil(top * len(loyal))))
    by_action = plan.table.groupby("action")["spend"].sum()
    retention = by_action.get("retention", 0.0) / plan.total_spend if plan.total_spend > 0 else np.nan
    wallet_known = "share_of_wallet" not in loyal or bool(loyal["share_of_wallet"].notna().any())
    value = ("CLV × P(alive) × share of wallet" if wallet_known
             else "CLV × P(alive) (without share of wallet: no wallets were given)")
    return _rows("loyalty plan", [
        (f"loyalty value of the top {top:.0%}", loyal["cumulative_share"].iloc[k - 1],
         f"share of {value} held by the most loyal customers", "percent"),
        ("budget", plan.budget, "the loyalty budget to allocate", "money"),
        ("budget spent", plan.total_spend, "spend of the optimal plan (less when more spend would not pay)", "money"),
        ("incremental CLV", plan.total_incremental_clv, "CLV the plan adds, by the response curves", "money"),
        ("ROI", plan.roi, "(incremental CLV − spend) / spend", "percent"),
        ("share of spend on retention", retention, "retention against up-/cross-selling, deepening and win-back",
         "percent"),
    ])


def network_groups(actors: pd.DataFrame, graph: Any, world: Any = None, *, group_by: str = "community",
                   rng: Any = None) -> dict:
    """The groups brokerage is counted between: actor → group, as the IMP report forms them.

    ``group_by="community"`` takes a synthetic world's planted communities
    (``world.communities``) when there is a world, else the seeded Louvain
    communities of ``graph`` (:func:`~crmlab.theories.imp.network_communities`);
    any other value names a column of ``actors`` (e.g. ``"country"``).

    >>> actors = pd.DataFrame({"actor_id": ["a", "b"], "country": ["DE", "FI"]})
    >>> network_groups(actors, None, group_by="country")
    {'a': 'DE', 'b': 'FI'}
    """
    if group_by != "community":
        return actors.set_index("actor_id")[group_by].to_dict()
    if world is not None:
        return world.communities.to_dict()
    from crmlab.theories.imp import network_communities

    return network_communities(graph, rng=rng).to_dict()


def network_indicators(graph: Any, positions: pd.DataFrame, *, focal: Any = None, planted: Any = None,
                       n_leading: int | None = None) -> pd.DataFrame:
    """Headlines of the business network (the IMP view): size, density, communities, brokers, and the focal firm.

    Takes the bond graph (e.g. :func:`~crmlab.theories.imp.layer_graph`) and its
    :func:`~crmlab.theories.imp.position_table` computed with groups. Two
    counts of brokers, named apart because they differ by design: the firms
    on *any* brokered path between groups (a gatekeeper, representative or
    liaison path, Gould & Fernandez 1989: a wide count), and the ``n_leading``
    firms with the *most* such paths (ranked as
    :func:`~crmlab.theories.imp.broker_recovery` ranks them, ties by name; by
    default as many as ``planted``), which are the brokers the IMP report
    names. With ``planted`` (a synthetic world's brokers), how many of them
    are among the leading ones. With ``focal`` (the firm's own actor id), its
    betweenness rank and Burt's constraint say how central and how free of
    structural holes its position is.

    >>> import networkx as nx
    >>> g = nx.path_graph(3)
    >>> pos = pd.DataFrame({"betweenness": [0.0, 1.0, 0.0], "constraint": [1.0, 0.5, 1.0], "community": [0, 0, 0],
    ...                     "brokerage_gatekeeper": [0, 0, 0], "brokerage_representative": [0, 1, 0],
    ...                     "brokerage_liaison": [0, 0, 0]})
    >>> network_indicators(g, pos, focal=1)["value"].tolist()
    [3.0, 2.0, 0.6666666666666666, 1.0, 1.0, 1.0, 0.5]
    >>> card = network_indicators(g, pos, planted=[1, 2])
    >>> card["indicator"].tolist()[4:], card["value"].tolist()[4:]
    (['firms on a brokered path between groups', 'leading brokers between groups', 'planted brokers among the leading'], [1.0, 2.0, 1.0])
    """
    import networkx as nx

    roles = [c for c in ("brokerage_gatekeeper", "brokerage_representative", "brokerage_liaison") if c in positions.columns]
    between = positions[roles].sum(axis=1)
    rows = [("actors", graph.number_of_nodes(), "firms in the network", "integer"),
            ("relationships", graph.number_of_edges(), "pairs of firms with a bond", "integer"),
            ("density", nx.density(graph), "share of all possible bonds that exist", "percent"),
            ("communities", positions["community"].nunique(), "densely tied groups (Louvain)", "integer"),
            ("firms on a brokered path between groups", (between > 0).sum(),
             "firms on at least one two-step path between two groups (gatekeeper, representative or liaison): a wide "
             "count, not the few leading brokers", "integer")]
    planted = list(planted) if planted is not None else None
    n = n_leading if n_leading is not None else (len(planted) if planted else None)
    if n:
        order = pd.DataFrame({"paths": between, "key": positions.index.astype(str)}, index=positions.index)
        leading = order.sort_values(["paths", "key"], ascending=[False, True], kind="stable").index[: int(n)]
        rows.append(("leading brokers between groups", len(leading),
                     f"the {int(n)} firms with the most brokered paths between groups, ranked as on the IMP report",
                     "integer"))
        if planted:
            rows.append(("planted brokers among the leading", len(set(leading) & set(planted)),
                         f"of the {len(planted)} brokers the synthetic world planted", "integer"))
    if focal is not None:
        if focal not in positions.index:
            raise KeyError(f"focal actor {focal!r} is not in the network")
        rank = positions["betweenness"].rank(ascending=False, method="min")[focal]
        rows += [("focal firm: betweenness rank", rank, "1 = the actor most often on shortest paths between others",
                  "integer"),
                 ("focal firm: constraint", positions.loc[focal, "constraint"], "Burt's constraint: 1 = no structural holes",
                  "number")]
    return _rows("business network", rows)


def portfolio_indicators(portfolio: pd.DataFrame, concentration: pd.Series, dependence: pd.DataFrame,
                         interdependencies: pd.DataFrame | None = None, *, threshold: float | None = None) -> pd.DataFrame:
    """Headlines of the account portfolio: revenue by cell, concentration and dependence.

    Takes :func:`~crmlab.strategy.portfolio.portfolio_matrix`,
    :func:`~crmlab.strategy.portfolio.concentration`,
    :func:`~crmlab.strategy.portfolio.dependence_risk` and, optionally, the pairs of
    :func:`~crmlab.strategy.portfolio.relationship_interdependencies`. The
    definition of the accounts at dependence risk states ``threshold``, the
    share of revenue ``dependence`` was flagged with (the ``threshold`` of
    :func:`~crmlab.strategy.portfolio.dependence_risk`, which it records).

    >>> pm = pd.DataFrame({"cell": ["key", "develop", "reduce", "key"], "revenue": [50.0, 20.0, 10.0, 20.0]})
    >>> conc = pd.Series({"hhi_points": 3400.0, "equivalent_number": 2.94, "top_5_share": 1.0})
    >>> dep = pd.DataFrame({"at_risk": [True, False, False, False]})
    >>> card = portfolio_indicators(pm, conc, dep, threshold=0.25)
    >>> card["value"].tolist()
    [0.7, 0.2, 0.0, 0.1, 3400.0, 2.94, 1.0, 1.0]
    >>> card["indicator"].iloc[0]
    "revenue in the matrix's 'key' cell"
    >>> card["definition"].iloc[7]
    'accounts bringing 25.0% of revenue or more each (the dependence threshold)'
    >>> pairs = pd.DataFrame({"account_a": ["a"], "account_b": ["b"], "shared_actors": [2]})
    >>> float(portfolio_indicators(pm, conc, dep, pairs, threshold=0.25)["value"].iloc[-1])
    0.5
    """
    threshold = dependence.attrs.get("threshold") if threshold is None else threshold
    if threshold is None:
        raise ValueError("give the dependence threshold the accounts were flagged with (threshold=), to state it")
    share = portfolio.groupby(portfolio["cell"].astype(str))["revenue"].sum() / portfolio["revenue"].sum()
    rows = [(f"revenue in the matrix's '{c}' cell", share.get(c, 0.0),
             f"share of revenue from the accounts in the portfolio matrix's {c} cell (Fiocca 1982)"
             + (": high attractiveness and strength, not the KAM key accounts" if c == "key" else ""), "percent")
            for c in ("key", "develop", "maintain", "reduce")]
    rows += [("HHI (points)", concentration["hhi_points"], "Σ revenue share² × 10,000; above 2,500 is highly concentrated",
              "integer"),
             ("equivalent number of accounts", concentration["equivalent_number"],
              "10,000 / HHI in points (1 / Σ revenue share²)", "number"),
             ("top-5 share", concentration["top_5_share"], "share of revenue from the five largest accounts", "percent"),
             ("accounts at dependence risk", dependence["at_risk"].sum(),
              f"accounts bringing {threshold:.1%} of revenue or more each (the dependence threshold)", "integer")]
    if interdependencies is not None:
        shared = interdependencies[interdependencies["shared_actors"] > 0]
        tied = set(shared["account_a"]) | set(shared["account_b"])
        rows.append(("accounts sharing a supplier (share)", len(tied) / len(portfolio),
                     "accounts exposed with at least one other through a common supplier", "percent"))
    return _rows("account portfolio", rows)


def key_account_indicators(selection: pd.DataFrame, frequency: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """Headlines of the key-account selection: how many, their revenue share, and how robust the choice is.

    Takes :func:`~crmlab.strategy.key_accounts.select_key_accounts`, the
    selection frequencies of :func:`~crmlab.strategy.key_accounts.selection_sensitivity`
    and the accounts (``account_id``, ``revenue``). These are the *KAM* key
    accounts, chosen on the stated criteria (McDonald, Millman & Rogers 1997),
    named apart from the portfolio matrix's key cell (high attractiveness and
    strength, Fiocca 1982), which is another set of accounts.

    >>> sel = pd.DataFrame({"account_id": ["a", "b", "c"], "key": [True, True, False]})
    >>> freq = pd.DataFrame({"account_id": ["a", "b", "c"], "selection_frequency": [1.0, 0.6, 0.2]})
    >>> acc = pd.DataFrame({"account_id": ["a", "b", "c"], "revenue": [60.0, 20.0, 20.0]})
    >>> key_account_indicators(sel, freq, acc)["value"].tolist()
    [2.0, 0.8, 1.0, 2.0]
    """
    key = set(selection.loc[selection["key"], "account_id"])
    revenue = accounts.set_index("account_id")["revenue"]
    unknown = sorted(key - set(revenue.index))
    if unknown:
        raise DataError("accounts", [Problem("key account not in the accounts", column="account_id", value=a) for a in unknown])
    f = frequency["selection_frequency"]
    lo, hi = BORDERLINE_SELECTION
    return _rows("key accounts", [
        ("KAM key accounts", len(key), "accounts selected for key account management on the stated criteria", "integer"),
        ("revenue share of KAM key accounts", revenue[list(key)].sum() / revenue.sum(), "their share of total revenue",
         "percent"),
        ("robust key accounts", (f >= ROBUST_SELECTION).sum(),
         f"selected under ≥ {ROBUST_SELECTION:.0%} of the random weightings", "integer"),
        ("borderline accounts", ((f > lo) & (f < hi)).sum(),
         f"selected under {lo:.0%}–{hi:.0%} of the random weightings".replace("%–", "–"), "integer"),
    ])


def global_account_indicators(summary: pd.DataFrame, value: pd.DataFrame, *, local_top: int = 10) -> pd.DataFrame:
    """Headlines of global account management: coordination gaps and hidden global accounts.

    Takes the summary of :func:`~crmlab.strategy.key_accounts.gam_consistency`
    and :func:`~crmlab.strategy.key_accounts.global_account_value`, computed
    with ``local_top`` (stated in the definition of a hidden global account).

    >>> summary = pd.DataFrame({"account_id": ["a", "a", "b"], "coordination_missing": [True, False, False]})
    >>> value = pd.DataFrame({"account_id": ["a", "b", "c"], "n_units": [3, 2, 1], "hidden_global": [False, True, False]})
    >>> card = global_account_indicators(summary, value, local_top=5)
    >>> card["value"].tolist(), card["definition"].iloc[2]
    ([2.0, 0.5, 1.0], "in the firm's top 5 accounts by revenue over all units but in no unit's top 5")
    """
    return _rows("global accounts", [
        ("global accounts", (value["n_units"] >= 2).sum(), "accounts served by two or more units", "integer"),
        ("coordination missing (share)",
         summary.groupby("account_id")["coordination_missing"].any().mean() if len(summary) else np.nan,
         "share of global accounts with a unit out of line on price, terms or service (any product)", "percent"),
        ("hidden global accounts", value["hidden_global"].sum(),
         f"in the firm's top {local_top} accounts by revenue over all units but in no unit's top {local_top}", "integer"),
    ])


#: The key-account criteria and weights of the audit, used where the account table has them.
KEY_ACCOUNT_CRITERIA = {"clv": 0.4, "growth": 0.2, "strategic_fit": 0.2, "share_of_wallet": 0.2}


def account_indicators(
    accounts: pd.DataFrame,
    unit_terms: pd.DataFrame | None = None,
    ties: pd.DataFrame | None = None,
    *,
    n_key: int = 20,
    dependence_threshold: float = 0.02,
    local_top: int = 10,
    n_draws: int = 500,
    rng: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The account lenses of the audit from checked account tables: (indicator rows, portfolio matrix).

    Runs the portfolio and key-account steps of :mod:`crmlab.strategy` and
    stacks their indicators: the portfolio matrix (Fiocca 1982), revenue
    concentration (HHI) and dependence (:func:`portfolio_indicators`, with the
    interdependence of accounts sharing suppliers when ``ties`` are given);
    the KAM key accounts, ``n_key`` or all, selected on the
    :data:`KEY_ACCOUNT_CRITERIA` the table has (revenue alone when it has
    none) with their robustness over ``n_draws`` random weightings
    (:func:`key_account_indicators`); and, when ``unit_terms`` are given,
    global account coordination and hidden global accounts
    (:func:`global_account_indicators`, Birkinshaw, Toulan & Arnold 2001).
    The returned portfolio matrix marks the KAM key accounts (``kam_key``), so
    that they can be set beside the matrix's key cell.

    >>> from crmlab.strategy import simulate_accounts
    >>> world = simulate_accounts(60, rng=1)
    >>> card, portfolio = account_indicators(world.accounts, world.unit_terms, world.ties, n_key=5, rng=1)
    >>> card["lens"].unique().tolist(), len(portfolio), int(portfolio["kam_key"].sum())
    (['account portfolio', 'key accounts', 'global accounts'], 60, 5)
    """
    from crmlab.strategy import (
        concentration, dependence_risk, gam_consistency, global_account_value, portfolio_matrix,
        relationship_interdependencies, select_key_accounts, selection_sensitivity,
    )

    portfolio = portfolio_matrix(accounts)
    criteria = {c: w for c, w in KEY_ACCOUNT_CRITERIA.items() if c in accounts} or {"revenue": 1.0}
    n = min(n_key, len(accounts))
    key = select_key_accounts(accounts, criteria, n=n)
    _, frequency = selection_sensitivity(accounts, criteria, n=n, n_draws=n_draws, rng=rng)
    pairs = relationship_interdependencies(ties, accounts) if ties is not None else None
    blocks = [portfolio_indicators(portfolio, concentration(accounts["revenue"]),
                                   dependence_risk(accounts, threshold=dependence_threshold), pairs,
                                   threshold=dependence_threshold),
              key_account_indicators(key, frequency, accounts)]
    if unit_terms is not None:
        _, gam = gam_consistency(unit_terms)
        blocks.append(global_account_indicators(gam, global_account_value(unit_terms, local_top=local_top, accounts=accounts),
                                                local_top=local_top))
    portfolio = portfolio.assign(kam_key=portfolio["account_id"].isin(key.loc[key["key"], "account_id"]))
    return pd.concat(blocks, ignore_index=True), portfolio


def audit_scorecard(*blocks: pd.DataFrame, faces: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Stack indicator blocks into one scorecard ordered by the four faces of CRM (:data:`FACES`).

    Each block has ``lens``, ``indicator``, ``value``, ``definition`` and
    ``kind`` (how the value is written: :data:`INDICATOR_KINDS`; "number"
    where a block of your own has none); its
    face comes from :data:`LENS_FACE` (or ``faces``, lens → face, for lenses of
    your own). An unknown lens or face is an error rather than a silent gap.

    >>> a = pd.DataFrame({"lens": ["customer value"], "indicator": ["mean CLV"], "value": [50.0], "definition": ["…"]})
    >>> b = pd.DataFrame({"lens": ["account portfolio"], "indicator": ["HHI (points)"], "value": [900.0], "definition": ["…"]})
    >>> audit_scorecard(a, b)[["face", "lens"]].values.tolist()
    [['strategic', 'account portfolio'], ['analytical', 'customer value']]
    """
    mapping = {**LENS_FACE, **(faces or {})}
    # Blocks of your own may come without a kind: their values are written as plain numbers.
    card = (pd.concat([b.reindex(columns=COLUMNS) for b in blocks], ignore_index=True) if blocks
            else pd.DataFrame(columns=COLUMNS))
    card["kind"] = card["kind"].astype(object).where(card["kind"].notna(), "number")
    unknown = sorted(set(card["lens"]) - set(mapping))
    if unknown:
        raise ValueError(f"lens(es) {unknown} have no face of CRM; pass faces={{lens: face}}")
    bad = sorted({f for f in mapping.values() if f not in FACES})
    if bad:
        raise ValueError(f"unknown face(s) {bad}; the faces are {list(FACES)}")
    card.insert(0, "face", pd.Categorical(card["lens"].map(mapping), categories=list(FACES), ordered=True))
    return card.sort_values("face", kind="stable").reset_index(drop=True)


#: The lenses whose synthetic companion data stand in for a dedicated report's world: lens → (the report's run in
#: reports.toml, the settings it draws its world and runs its random steps with, by that notebook's parameter names).
#: The audit draws its companions with the same settings, so that its numbers are those of the dedicated page.
COMPANION_REPORTS = {
    "Nordic triplet": ("nordic_triplet_synthetic", {"n_customers": 1000, "n_periods": 8, "seed": 42}),
    "trust and commitment": ("trust_commitment_synthetic", {"n_respondents": 400, "seed": 42}),
    "business network": ("imp_networks_synthetic",
                         {"n_communities": 4, "actors_per_community": 12, "n_brokers": 4, "seed": 42}),
    "account portfolio": ("portfolio_and_kam_synthetic", {"n_accounts": 200, "n_key": 20, "n_draws": 500, "seed": 42}),
}


def lapsed_alive_breakdown(segments: pd.Series, values: pd.DataFrame) -> pd.DataFrame:
    """Each loyalty segment's mean P(alive), with its one-time buyers apart from the repeat buyers.

    ``segments`` maps customer → segment (e.g. :attr:`LoyaltyPlan.segments`);
    ``values`` is indexed by customer with ``probability_alive`` and
    ``frequency`` (repeat purchases). BG/NBD lets a customer drop out only
    just after a repeat purchase, so a one-time buyer has P(alive) = 1 however
    long the silence (Fader, Hardie & Lee 2005, eq. 11): a segment of lapsed
    customers, most of whom bought once, can have a higher mean P(alive) than
    an active one. Returns one row per segment (in order of appearance):
    ``customers``, ``probability_alive`` (mean), ``one_time_buyers``,
    ``one_time_alive`` and ``repeat_alive`` (the two groups' means; NaN for an
    empty group).

    >>> seg = pd.Series({"a": "lapsed", "b": "lapsed", "c": "maintain"})
    >>> vals = pd.DataFrame({"probability_alive": [1.0, 0.2, 0.5], "frequency": [0, 3, 2]}, index=["a", "b", "c"])
    >>> lapsed_alive_breakdown(seg, vals).loc["lapsed"].tolist()
    [2.0, 0.6, 1.0, 1.0, 0.2]
    """
    data = values[["probability_alive", "frequency"]].reindex(segments.index).assign(segment=segments.to_numpy())
    data["once"] = data["frequency"] == 0
    grouped = data.groupby("segment", sort=False)
    out = pd.DataFrame({"customers": grouped.size().astype(float),
                        "probability_alive": grouped["probability_alive"].mean(),
                        "one_time_buyers": grouped["once"].sum().astype(float)})
    out["one_time_alive"] = data[data["once"]].groupby("segment", sort=False)["probability_alive"].mean()
    out["repeat_alive"] = data[~data["once"]].groupby("segment", sort=False)["probability_alive"].mean()
    return out.rename_axis("segment")


#: The kind of data each lens of the audit runs on (the audit's source parameters).
LENS_SOURCE = {
    "customer base": "transactions", "customer value": "transactions", "relationship phases": "transactions",
    "loyalty plan": "transactions", "Nordic triplet": "interactions", "trust and commitment": "survey",
    "business network": "network", "account portfolio": "accounts", "key accounts": "accounts",
    "global accounts": "accounts",
}


def lens_data_origin(card: pd.DataFrame, sources: Mapping[str, Any], *, lens_source: Mapping[str, str] | None = None) -> pd.Series:
    """Whether each row of a scorecard ran on the company's own data or on a synthetic companion.

    An audit reads what the company has and fills the gaps with the lab's
    seeded synthetic worlds; a reader must see which indicator rests on which
    (Buttle 2009: an audit is only as good as the data behind each lens).
    ``sources`` maps each kind of data (:data:`LENS_SOURCE`'s values:
    transactions, interactions, survey, network, accounts) to its source
    parameter; a lens whose source is ``"synthetic"`` is ``"synthetic"``,
    any other ``"company"``. ``lens_source`` adds lenses of your own.

    >>> card = pd.DataFrame({"lens": ["customer value", "Nordic triplet"]})
    >>> lens_data_origin(card, {"transactions": "cdnow", "interactions": "synthetic"}).tolist()
    ['company', 'synthetic']
    """
    from crmlab.datasets import is_synthetic

    kind = {**LENS_SOURCE, **(lens_source or {})}
    unknown = sorted(set(card["lens"]) - set(kind))
    if unknown:
        raise ValueError(f"lens(es) {unknown} have no kind of data; pass lens_source={{lens: kind}}")
    return card["lens"].map(lambda lens: "synthetic" if is_synthetic(sources[kind[lens]]) else "company").rename("data")
