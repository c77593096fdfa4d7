"""Customer-base analytics for loyalty strategy: who are the most loyal customers, and how broad,
deep and growing is each relationship?

- :func:`share_of_wallet` — the customer's spend with the firm over their total category spend
  (Zeithaml 2000; Du, Kamakura & Mela 2007, "Size and share of customer wallet", Journal of
  Marketing 71(2)).
- :func:`most_loyal_customers` — rank by CLV × P(alive) × share of wallet: value *of* the
  customer, the chance the relationship is still going, and how much of the customer the firm
  already has (behavioural and share-based loyalty together, after Reinartz & Kumar 2002, "The
  mismanagement of customer loyalty", Harvard Business Review 80(7)).
- :func:`cross_buying_index` — breadth: the share of the firm's categories a customer buys
  (Kumar, George & Pancras 2008, "Cross-buying in retailing", Journal of Retailing 84(1)).
- :func:`relationship_depth` — length, depth and breadth of the relationship (Bolton, Lemon &
  Verhoef 2004, "The theoretical underpinnings of customer asset management", Journal of the
  Academy of Marketing Science 32(3)).
- :func:`spending_growth` — the trend of the spending level per period (up-selling target).
- :func:`loyalty_segments` — target segments from the loyalty score and the lapsed status;
  :func:`segment_profile` — their size, value and relationship metrics, the input of the budget plan.
- :func:`loyalty_targets` — the loyalty view of a base whose wallets and categories are known: the
  ranking, the lapsed customers, the segments and every customer's breadth, depth and growth.
- :func:`loyalty_plan` — the whole workflow on a transaction log: ranking, segments and the optimal
  budget split, with the actions the data cannot support left out (:class:`LoyaltyPlan`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlab.data import validate_transactions
from crmlab.data.errors import DataError, Problem
from crmlab.data.tables import check_columns, check_flags, check_numeric

__all__ = [
    "LoyaltyPlan",
    "LoyaltyTargets",
    "cross_buying_index",
    "loyalty_plan",
    "loyalty_segments",
    "loyalty_targets",
    "most_loyal_customers",
    "relationship_depth",
    "segment_profile",
    "share_of_wallet",
    "spending_growth",
]


def _transactions(transactions: pd.DataFrame, *, need_category: bool = False) -> pd.DataFrame:
    tx = validate_transactions(transactions)
    if need_category:
        if "category" not in tx.columns:
            raise DataError("DataFrame", [Problem("missing column: the category of each purchase is needed", column="category")])
        missing = tx["category"].isna()
        if missing.any():
            raise DataError("DataFrame", [Problem("missing category", row=int(r), column="category") for r in tx.index[missing]])
    return tx


def _observation_end(tx: pd.DataFrame, observation_end: Any) -> pd.Timestamp:
    """The end of observation (default: the last purchase date); a purchase after it raises a
    DataError naming the rows — it would otherwise be dropped or counted in no period."""
    end = tx["date"].max() if observation_end is None else pd.Timestamp(observation_end)
    late = tx.index[tx["date"] > end]
    if len(late):
        raise DataError("DataFrame", [Problem(f"purchase after observation_end ({end:%Y-%m-%d})", row=int(r), column="date",
                                              value=str(tx.loc[r, "date"].date())) for r in late])
    return end


def share_of_wallet(spend: pd.Series, wallet: pd.Series) -> pd.Series:
    """Share of wallet SoW = spend with the firm / total spend of the customer in the category.

    ``wallet`` (the customer's total category requirement, e.g. from a survey) must be positive
    and not below the spend with the firm; both are aligned on their index (customer_id).

    >>> share_of_wallet(pd.Series({"a": 30.0, "b": 10.0}), pd.Series({"a": 60.0, "b": 100.0})).tolist()
    [0.5, 0.1]
    """
    frame = pd.DataFrame({"spend": spend, "wallet": wallet})
    checked = check_numeric(frame, ["spend", "wallet"], nonnegative=["spend"], positive=["wallet"])
    over = checked.index[checked["spend"] > checked["wallet"] * (1 + 1e-12)]
    if len(over):
        raise DataError("DataFrame", [Problem(f"spend above the wallet ({checked.loc[r, 'wallet']:g})", row=r, column="spend",
                                              value=float(checked.loc[r, "spend"])) for r in over])
    return (checked["spend"] / checked["wallet"]).clip(upper=1.0).rename("share_of_wallet")


def most_loyal_customers(
    values: pd.DataFrame,
    *,
    share_of_wallet: pd.Series | None = None,
    top: int | None = None,
    top_share: float | None = None,
) -> pd.DataFrame:
    """The customers ranked by loyalty value = CLV × P(alive) × share of wallet, most loyal first.

    ``values`` is indexed by customer with ``clv`` and ``probability_alive`` (e.g.
    :func:`crmlab.clv.customer_value_table`) and, unless ``share_of_wallet`` is given, a
    ``share_of_wallet`` column. The BG/NBD CLV is already an expectation over survival, so the
    extra P(alive) favours customers whose future is *certain* over those whose value rests on a
    chance of being alive — the point of a loyalty (not only value) ranking. Returns ``loyalty_value``,
    ``rank`` (1 = most loyal) and the share of total loyalty value covered so far
    (``cumulative_share``); ``top`` keeps the first n, ``top_share`` the first fraction.

    >>> v = pd.DataFrame({"clv": [100.0, 300.0, 50.0], "probability_alive": [0.9, 0.5, 1.0],
    ...                   "share_of_wallet": [0.5, 0.2, 0.8]}, index=["a", "b", "c"])
    >>> most_loyal_customers(v)["loyalty_value"].to_dict()
    {'a': 45.0, 'c': 40.0, 'b': 30.0}
    """
    table = values.copy()
    if share_of_wallet is not None:
        table["share_of_wallet"] = share_of_wallet.reindex(table.index)
    table = check_numeric(table, ["clv", "probability_alive", "share_of_wallet"], nonnegative=["clv"])
    check_numeric(table, ["probability_alive", "share_of_wallet"], bounds=(0, 1))
    table["loyalty_value"] = table["clv"] * table["probability_alive"] * table["share_of_wallet"]
    table = table.sort_values("loyalty_value", ascending=False, kind="stable")
    table["rank"] = np.arange(1, len(table) + 1)
    total = table["loyalty_value"].sum()
    table["cumulative_share"] = table["loyalty_value"].cumsum() / total if total > 0 else np.nan
    if top is not None and top_share is not None:
        raise ValueError("give top or top_share, not both")
    if top is not None:
        table = table.head(int(top))
    elif top_share is not None:
        if not 0 < top_share <= 1:
            raise ValueError(f"top_share must be in (0, 1], got {top_share}")
        table = table.head(int(np.ceil(top_share * len(table))))
    return table


def cross_buying_index(transactions: pd.DataFrame, *, categories: Any = None) -> pd.DataFrame:
    """Cross-buying per customer: ``n_categories`` bought and the index (n − 1) / (K − 1) ∈ [0, 1].

    K is the number of distinct categories the firm offers (``categories``, repeats counted once,
    or those in the data): 0 means
    one category only, 1 all of them (Kumar, George & Pancras 2008 count categories bought; the
    normalisation makes bases with different assortments comparable). ``category_share`` is the
    share of spend in the customer's largest category (concentration, 1 for single-category buyers).

    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"], "date": ["2021-01-01"] * 4,
    ...                    "amount": [10.0, 20.0, 10.0, 5.0], "category": ["x", "y", "z", "x"]})
    >>> cross_buying_index(tx)[["n_categories", "cross_buying_index"]].to_numpy().tolist()
    [[3.0, 1.0], [1.0, 0.0]]
    """
    tx = _transactions(transactions, need_category=True)
    offered = sorted(tx["category"].unique()) if categories is None else list(dict.fromkeys(categories))
    unknown = ~tx["category"].isin(offered)
    if unknown.any():
        raise DataError("DataFrame", [Problem(f"category not offered ({offered})", row=int(r), column="category", value=c)
                                      for r, c in tx.loc[unknown, "category"].items()])
    K = len(offered)
    by = tx.groupby(["customer_id", "category"])["amount"].sum()
    out = pd.DataFrame({"n_categories": by.groupby(level=0).size().astype(float)})
    out["cross_buying_index"] = (out["n_categories"] - 1) / (K - 1) if K > 1 else 0.0
    total = by.groupby(level=0).sum()
    out["category_share"] = (by.groupby(level=0).max() / total.where(total > 0)).fillna(1.0)
    out.index.name = "customer_id"
    return out


def relationship_depth(transactions: pd.DataFrame, *, observation_end: Any = None) -> pd.DataFrame:
    """Length, depth and breadth of each relationship (Bolton, Lemon & Verhoef 2004).

    - ``length_days``: days from the first purchase to ``observation_end`` (default: the last date in the data);
    - ``purchases_per_month`` and ``spend_per_month``: depth of usage, purchases and spend per month
      (30.4375 days) of the relationship's length (at least one month);
    - ``purchases_per_category``: purchases per category bought, how deeply the customer uses what
      they buy (needs ``category``);
    - ``n_categories``: breadth.

    >>> tx = pd.DataFrame({"customer_id": ["a"] * 4, "date": ["2021-01-01", "2021-02-01", "2021-03-01", "2021-04-01"],
    ...                    "amount": [10.0] * 4, "category": ["x", "x", "x", "y"]})
    >>> row = relationship_depth(tx, observation_end="2021-06-30").iloc[0]
    >>> round(float(row["length_days"])), round(float(row["purchases_per_month"]), 3), float(row["purchases_per_category"])
    (180, 0.676, 2.0)
    """
    tx = _transactions(transactions)
    end = _observation_end(tx, observation_end)
    g = tx.groupby("customer_id")
    out = pd.DataFrame({"first_purchase": g["date"].min(), "n_purchases": g.size().astype(float), "spend": g["amount"].sum()})
    out["length_days"] = (end - out["first_purchase"]).dt.total_seconds() / 86400
    months = np.maximum(out["length_days"] / 30.4375, 1.0)
    out["purchases_per_month"] = out["n_purchases"] / months
    out["spend_per_month"] = out["spend"] / months
    if "category" in tx.columns and tx["category"].notna().all():
        out["n_categories"] = g["category"].nunique().astype(float)
        out["purchases_per_category"] = out["n_purchases"] / out["n_categories"]
    return out.drop(columns=["first_purchase"])


def spending_growth(transactions: pd.DataFrame, *, freq: str = "Q", observation_end: Any = None) -> pd.DataFrame:
    """The trend of each customer's spending level: least-squares slope of spend per period.

    Periods of length ``freq`` run from the customer's first purchase to ``observation_end``
    (default: the last date), periods without purchases counting as 0 spend. ``slope`` is money
    per period per period (b of spend_t = a + b·t), ``mean_spend`` the mean per period and
    ``growth_rate`` = slope / mean_spend, the relative change per period; NaN with fewer than two
    periods. Computed in closed form, b = Σ(t − t̄)(y − ȳ) / Σ(t − t̄)², per customer. A purchase
    after ``observation_end`` raises a DataError naming its row (as in :func:`relationship_depth`).

    >>> tx = pd.DataFrame({"customer_id": ["a"] * 3, "date": ["2021-01-15", "2021-04-15", "2021-07-15"],
    ...                    "amount": [10.0, 20.0, 30.0]})
    >>> spending_growth(tx, freq="Q")[["periods", "slope", "growth_rate"]].to_numpy().tolist()
    [[3.0, 10.0, 0.5]]
    """
    tx = _transactions(transactions)
    end = _observation_end(tx, observation_end)
    tx = tx.assign(period=tx["date"].dt.to_period(freq))
    last = end.to_period(freq)
    spend = tx.groupby(["customer_id", "period"])["amount"].sum()
    first = tx.groupby("customer_id")["period"].min()
    ordinal = {c: (last - p).n + 1 for c, p in first.items()}
    # complete each customer's periods with zeros, then the closed-form slope by groupby sums
    index = pd.MultiIndex.from_tuples(
        [(c, first[c] + k) for c in first.index for k in range(ordinal[c])], names=["customer_id", "period"])
    panel = spend.reindex(index, fill_value=0.0).to_frame("spend")
    panel["t"] = panel.groupby(level=0).cumcount().astype(float)
    g = panel.groupby(level=0)
    n = g.size().astype(float)
    t_mean = g["t"].transform("mean")
    y_mean = g["spend"].transform("mean")
    sxy = ((panel["t"] - t_mean) * (panel["spend"] - y_mean)).groupby(level=0).sum()
    sxx = ((panel["t"] - t_mean) ** 2).groupby(level=0).sum()
    out = pd.DataFrame({"periods": n, "mean_spend": g["spend"].mean()})
    out["slope"] = (sxy / sxx.where(sxx > 0)).where(n >= 2)
    out["growth_rate"] = out["slope"] / out["mean_spend"].where(out["mean_spend"] > 0)
    return out


def loyalty_segments(loyal: pd.DataFrame, *, lapsed: pd.Series | None = None, shares: tuple[float, ...] = (0.2, 0.3, 0.5),
                     labels: tuple[str, ...] = ("core", "growth", "maintain")) -> pd.Series:
    """Target segments: customers flagged in ``lapsed`` (boolean, by customer) are set apart as
    "lapsed", and the active ones, in the rank order of :func:`most_loyal_customers`, are cut into
    ``shares`` of the active base (default: top 20% "core", next 30% "growth", last 50%
    "maintain") — the identify-the-target step of a loyalty programme (Reinartz & Kumar 2002).
    Customers absent from ``lapsed`` are active; a missing (NaN) or non-boolean flag raises a
    DataError naming the customer, since it cannot say whether the customer lapsed.

    >>> loyal = pd.DataFrame({"rank": [1, 2, 3, 4, 5]}, index=list("abcde"))
    >>> loyalty_segments(loyal, lapsed=pd.Series({"e": True})).tolist()
    ['core', 'growth', 'maintain', 'maintain', 'lapsed']
    """
    check_columns(loyal, ["rank"], source="DataFrame")
    if len(shares) != len(labels) or not np.isclose(sum(shares), 1) or min(shares) <= 0:
        raise ValueError(f"shares must be positive, one per label, and sum to 1; got {shares} for {labels}")
    flagged = (check_flags(lapsed, source="lapsed", column="lapsed").reindex(loyal.index, fill_value=False) if lapsed is not None
               else pd.Series(False, index=loyal.index))
    active = loyal.loc[~flagged, "rank"].rank(method="first")
    quantile = (active.to_numpy(float) - 0.5) / max(len(active), 1)
    edges = np.cumsum(shares)
    segment = pd.Series("lapsed", index=loyal.index, name="segment", dtype=object)
    segment[active.index] = np.array(labels, dtype=object)[np.searchsorted(edges, quantile, side="right").clip(0, len(labels) - 1)]
    return segment


def segment_profile(segments: pd.Series, customers: pd.DataFrame, *, win_back_probability: pd.Series | None = None,
                    won_back_clv: float | None = None) -> pd.DataFrame:
    """Per target segment: size and mean relationship metrics, the table that
    :func:`crmlab.strategy.loyalty_response_curves` turns into response curves.

    ``segments`` maps customer → segment (:func:`loyalty_segments`); ``customers`` is indexed by
    customer with ``clv``, ``probability_alive``, ``share_of_wallet``, ``cross_buying_index`` and any
    other numeric columns (e.g. ``growth_rate``), averaged per segment. The "lapsed" segment also
    gets ``n_lapsed``, its mean ``win_back_probability`` (by customer, e.g. from
    :class:`crmlab.strategy.WinBackModel`) and ``won_back_clv`` — the mean CLV of the active
    customers, what a customer won back is assumed to be worth, unless ``won_back_clv`` is given —
    and ``lapsed`` = True. Every lapsed customer needs a ``win_back_probability`` when one is given
    (a DataError names those without). A base of lapsed customers only has no active customer to
    value a won-back one: that raises a DataError unless ``won_back_clv`` is given.

    >>> seg = pd.Series({"a": "core", "b": "core", "c": "lapsed"})
    >>> cust = pd.DataFrame({"clv": [100.0, 50.0, 2.0], "probability_alive": [0.9, 0.7, 0.1], "share_of_wallet": [0.5, 0.3, 0.1],
    ...                      "cross_buying_index": [0.4, 0.2, 0.0]}, index=["a", "b", "c"])
    >>> segment_profile(seg, cust, win_back_probability=pd.Series({"c": 0.2}))[["n_customers", "mean_clv", "won_back_clv"]].to_dict("index")
    {'core': {'n_customers': 2, 'mean_clv': 75.0, 'won_back_clv': nan}, 'lapsed': {'n_customers': 1, 'mean_clv': 2.0, 'won_back_clv': 75.0}}
    """
    required = ["clv", "probability_alive", "share_of_wallet", "cross_buying_index"]
    check_columns(customers, required, source="customers")
    data = customers.join(segments.rename("segment"), how="inner")
    numeric = [c for c in data.columns if c != "segment" and pd.api.types.is_numeric_dtype(data[c])]
    g = data.groupby("segment", sort=False)
    out = g[numeric].mean().rename(columns={"clv": "mean_clv"})
    out.insert(0, "n_customers", g.size())
    out["lapsed"] = out.index == "lapsed"
    out["n_lapsed"] = np.where(out["lapsed"], out["n_customers"], 0)
    out["won_back_clv"] = np.nan
    if out["lapsed"].any():
        active = data["segment"] != "lapsed"
        if won_back_clv is not None:
            if not np.isfinite(won_back_clv) or won_back_clv < 0:
                raise ValueError(f"won_back_clv must be a finite value ≥ 0, got {won_back_clv!r}")
            out.loc["lapsed", "won_back_clv"] = float(won_back_clv)
        elif active.any():
            out.loc["lapsed", "won_back_clv"] = float(data.loc[active, "clv"].mean())
        else:
            raise DataError("segments", [Problem(
                "only lapsed customers: no active customer to value a won-back customer by (the mean CLV of the "
                "active); pass won_back_clv", column="segment", value="lapsed")])
        if win_back_probability is not None:
            lapsed_ids = data.index[~active]
            p = win_back_probability.reindex(lapsed_ids)
            if p.isna().any():
                raise DataError("win_back_probability", [Problem("lapsed customer without a win-back probability", row=r)
                                                         for r in p.index[p.isna()]])
            out.loc["lapsed", "win_back_probability"] = float(p.mean())
    order = [k for k in ("core", "growth", "maintain") if k in out.index]
    out = out.loc[order + [k for k in out.index if k not in order and k != "lapsed"] + (["lapsed"] if out["lapsed"].any() else [])]
    out.index.name = "segment"
    return out


@dataclass
class LoyaltyTargets:
    """The loyalty view of a customer base (:func:`loyalty_targets`).

    ``loyal`` (the ranking of :func:`most_loyal_customers`), ``lapsed`` (the
    lapsed customers' table of :func:`~crmlab.strategy.lapsed_customers`),
    ``is_lapsed`` (a flag per customer of the summary), ``segments`` (of
    :func:`loyalty_segments`) and ``customers`` (the value table with
    ``share_of_wallet``, ``cross_buying_index``, ``purchases_per_month`` and
    ``growth_rate``, the input of :func:`segment_profile`).
    """

    loyal: pd.DataFrame
    lapsed: pd.DataFrame
    is_lapsed: pd.Series
    segments: pd.Series
    customers: pd.DataFrame


def loyalty_targets(
    transactions: pd.DataFrame,
    summary: pd.DataFrame,
    values: pd.DataFrame,
    wallet: pd.Series,
    *,
    lapse_after: float,
    observation_end: Any = None,
    growth_freq: str = "Q",
) -> LoyaltyTargets:
    """Who the most loyal customers are, who has lapsed, and how broad, deep and growing each relationship is.

    The steps of this module on a base whose wallets and product categories
    are known: share of wallet (Du, Kamakura & Mela 2007), the ranking by CLV
    × P(alive) × share of wallet (after Reinartz & Kumar 2002), the lapsed
    customers (T − t_x ≥ ``lapse_after``, in the summary's time unit), the
    target segments, and per customer the cross-buying index (Kumar, George
    & Pancras 2008), purchases per month (Bolton, Lemon & Verhoef 2004) and
    spending growth per ``growth_freq`` period. ``values`` is
    :func:`crmlab.clv.customer_value_table` of ``summary``; ``wallet`` each
    customer's category spend. :func:`loyalty_plan` is the variant for a
    transaction log without wallets or categories.

    >>> from crmlab.clv import BetaGeo, GammaGamma, customer_value_table
    >>> from crmlab.customers import transaction_summary
    >>> from crmlab.strategy import simulate_loyalty_world
    >>> world = simulate_loyalty_world(300, rng=1)
    >>> summary = transaction_summary(world.transactions, observation_end=world.end, freq="D", time_unit="W")
    >>> values = customer_value_table(summary, BetaGeo().fit(summary), GammaGamma().fit(summary), discount_rate=0.01, horizon=24)
    >>> targets = loyalty_targets(world.transactions, summary, values, world.wallet, lapse_after=26, observation_end=world.end)
    >>> sorted(targets.segments.unique()), len(targets.customers) == len(summary)
    (['core', 'growth', 'lapsed', 'maintain'], True)
    """
    from crmlab.strategy import lapsed_customers

    sow = share_of_wallet(summary["total_spend"], wallet)
    cross = cross_buying_index(transactions)
    depth = relationship_depth(transactions, observation_end=observation_end)
    growth = spending_growth(transactions, freq=growth_freq, observation_end=observation_end)
    loyal = most_loyal_customers(values, share_of_wallet=sow)
    lapsed = lapsed_customers(summary, lapse_after=lapse_after)  # T − recency ≥ lapse_after, with time_since_last
    is_lapsed = pd.Series(summary.index.isin(lapsed.index), index=summary.index, name="lapsed")
    segments = loyalty_segments(loyal, lapsed=is_lapsed)
    customers = values.join([sow, cross[["cross_buying_index"]], depth[["purchases_per_month"]], growth[["growth_rate"]]])
    return LoyaltyTargets(loyal, lapsed, is_lapsed, segments, customers)


@dataclass
class LoyaltyPlan:
    """The loyalty plan a transaction log supports: the ranking, the segments' profile, the optimal
    budget split, the actions left out with the reason (the data they would need), and each
    customer's segment."""

    loyal: pd.DataFrame
    profile: pd.DataFrame
    plan: Any
    left_out: dict[str, str] = field(default_factory=dict)
    segments: pd.Series | None = None


def loyalty_plan(
    transactions: pd.DataFrame,
    summary: pd.DataFrame,
    values: pd.DataFrame,
    *,
    budget: float,
    lapse_after: float,
    wallet: pd.Series | None = None,
) -> LoyaltyPlan:
    """The loyalty plan from a transaction log: target customers, segments and the budget split.

    The steps of :mod:`crmlab.strategy` on what a transaction log holds:
    :func:`~crmlab.strategy.most_loyal_customers` ranks by CLV × P(alive) ×
    share of wallet, :func:`~crmlab.strategy.loyalty_segments` cuts the active
    base into core, growth and maintain with the lapsed customers
    (:func:`~crmlab.strategy.lapsed_customers`: T − t_x ≥ ``lapse_after``) set
    apart, and :func:`~crmlab.strategy.allocate_budget` splits ``budget`` over
    the segments × actions of :func:`~crmlab.strategy.loyalty_response_curves`.
    An action whose data are missing is left out, not guessed:

    - share of wallet needs ``wallet`` (each customer's category spend, every
      customer of the summary): without it, the ranking's loyalty value is
      CLV × P(alive), up-selling is left out, and the share of wallet of the
      returned ranking and profile is missing (NaN), not a made-up 100%;
    - cross-buying needs a ``category`` column: without it, cross-selling is left
      out and the profile's cross-buying index is missing;
    - win-back needs the outcomes of past win-back offers
      (:class:`~crmlab.strategy.WinBackModel`), which a transaction log does not hold.

    >>> from crmlab.clv import BetaGeo, GammaGamma, customer_value_table
    >>> from crmlab.customers import transaction_summary
    >>> from crmlab.data import load_cdnow
    >>> tx = load_cdnow()
    >>> summary = transaction_summary(tx, observation_end="1998-06-30", freq="D", time_unit="W")
    >>> values = customer_value_table(summary, BetaGeo().fit(summary), GammaGamma().fit(summary), discount_rate=0.01, horizon=24)
    >>> result = loyalty_plan(tx, summary, values, budget=1000.0, lapse_after=26)
    >>> sorted(result.left_out), result.plan.total_spend <= 1000.0
    (['cross_selling', 'up_selling', 'win_back'], True)
    >>> result.profile[["share_of_wallet", "cross_buying_index"]].isna().all().tolist()
    [True, True]
    """
    from crmlab.strategy import (
        DEFAULT_ACTIONS, allocate_budget, cross_buying_index, lapsed_customers, loyalty_response_curves,
        loyalty_segments, most_loyal_customers, segment_profile, share_of_wallet,
    )

    left_out = {"win_back": "needs the outcomes of past win-back offers"}
    if wallet is None:
        sow = pd.Series(1.0, index=summary.index, name="share_of_wallet")
        left_out["up_selling"] = "needs each customer's wallet (category spend) for the share of wallet"
    else:
        sow = share_of_wallet(summary["total_spend"], wallet.reindex(summary.index))
    if "category" in transactions.columns:
        cross = cross_buying_index(transactions)["cross_buying_index"].reindex(summary.index)
    else:
        cross = pd.Series(0.0, index=summary.index)
        left_out["cross_selling"] = "needs a product category per purchase"
    loyal = most_loyal_customers(values, share_of_wallet=sow)
    lapsed = pd.Series(summary.index.isin(lapsed_customers(summary, lapse_after=lapse_after).index), index=summary.index)
    segments = loyalty_segments(loyal, lapsed=lapsed)
    profile = segment_profile(segments, values.assign(share_of_wallet=sow, cross_buying_index=cross))
    actions = DEFAULT_ACTIONS[~DEFAULT_ACTIONS["action"].isin(list(left_out))]
    # Without win-back data the lapsed segment has no action: the plan covers the active segments.
    active = profile[~profile["lapsed"].astype("boolean").fillna(False).astype(bool)] if "lapsed" in profile else profile
    plan = allocate_budget(loyalty_response_curves(active, actions), budget)
    # The stand-ins above only feed the actions left out; what was not measured is shown as missing.
    unknown = [c for c, a in (("share_of_wallet", "up_selling"), ("cross_buying_index", "cross_selling")) if a in left_out]
    profile = profile.assign(**{c: np.nan for c in unknown})
    if "share_of_wallet" in unknown:
        loyal = loyal.assign(share_of_wallet=np.nan)
    return LoyaltyPlan(loyal, profile, plan, left_out, segments)
