"""The relationship audit as readers see it: the title chosen by the data, indicator tables and generated sentences.

Each judgement of the audit is generated from its numbers against a stated
benchmark (the data's own history, a published threshold) rather than written
as fixed prose: the retention rate is compared with the earlier periods of the
same data (:func:`retention_sentences`), the dissolution phase and P(alive) are
reconciled customer by customer (:func:`phase_alive_sentences`), and the
closing bullets per face of CRM are built from the scorecard
(:func:`management_sentences`).

>>> print(report_title("CDNOW", "cdnow").plain)
# Relationship audit of CDNOW: the four faces of CRM on its 1997–98 transactions
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.audit import COMPANION_REPORTS, ROBUST_SELECTION
from crmlab.display.numbers import integer, money, number, percent
from crmlab.display.portfolio import bullet_list, key_cell_sentence
from crmlab.display.tables import Table, table
from crmlab.display.text import Markdown, compare, join_list, markdown, plural

__all__ = [
    "bullet_list",
    "companion_sentence",
    "indicator_table",
    "key_cell_sentence",
    "lapsed_alive_sentence",
    "lost_lenses_sentences",
    "loyalty_data_sentence",
    "management_sentences",
    "phase_alive_sentences",
    "report_title",
    "retention_sentences",
    "source_name",
    "unfunded_segments_sentence",
    "value_basis_sentence",
    "won_back_sentence",
]

#: Reader names of the companion settings (the dedicated notebooks' parameter names).
SETTING_NAMES = {"n_customers": "customers", "n_periods": "quarters", "n_respondents": "respondents",
                 "n_communities": "communities", "actors_per_community": "firms per community",
                 "n_brokers": "planted brokers", "n_accounts": "accounts", "n_key": "KAM key accounts",
                 "n_draws": "random weightings"}

#: Reader names of the period aliases.
PERIODS = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}


def source_name(source: str | os.PathLike[str]) -> str:
    """What the audit calls a lens's data: the bundled data set, synthetic companion data, or the file's name.

    >>> source_name("cdnow"), source_name("synthetic"), source_name("data/interactions.csv")
    ('the CDNOW sample (Fader, Hardie & Lee 2005)', 'synthetic companion data', "the company's data (interactions.csv)")
    """
    key = str(source)
    bundled = {"cdnow": "the CDNOW sample (Fader, Hardie & Lee 2005)",
               "cdnow_full": "the full CDNOW cohort (Fader, Hardie & Lee 2005)",
               "synthetic": "synthetic companion data"}
    return bundled.get(key, f"the company's data ({Path(key).name or key})")


def _settings(settings: dict[str, Any]) -> str:
    return join_list(f"seed {v}" if k == "seed" else f"{integer(v)} {SETTING_NAMES.get(k, k.replace('_', ' '))}"
                     for k, v in settings.items())


def companion_sentence(lens: str, source: str | os.PathLike[str], used: dict[str, Any]) -> Markdown:
    """Which settings a lens's synthetic companion data were drawn with, against the dedicated report's.

    ``used`` holds the settings the audit ran the lens with, by the names of
    :data:`crmlab.audit.COMPANION_REPORTS` (the dedicated notebook's
    parameters). When they are the dedicated report's, the lens's numbers are
    that page's; when any differs, the sentence names the differences and says
    the numbers differ. A lens on the company's own data says so instead.

    >>> used = {"n_respondents": 400, "seed": 42}
    >>> print(companion_sentence("trust and commitment", "synthetic", used).plain)
    The synthetic companion data of this lens are drawn with 400 respondents and seed 42, the settings of the report trust_commitment_synthetic, so its numbers are that page's.
    >>> print(companion_sentence("trust and commitment", "synthetic", {**used, "n_respondents": 250}).plain)
    The synthetic companion data of this lens are drawn with 250 respondents and seed 42; the report trust_commitment_synthetic draws 400 respondents, so the numbers here differ from that page's.
    >>> print(companion_sentence("trust and commitment", "survey.csv", used).plain)
    This lens runs on the company's data (survey.csv).
    """
    from crmlab.datasets import is_synthetic

    if not is_synthetic(source):
        return markdown("This lens runs on {name}.", name=source_name(source))
    report, dedicated = COMPANION_REPORTS[lens]
    mine = {k: used.get(k) for k in dedicated}
    differ = {k: v for k, v in dedicated.items() if mine[k] != v}
    if not differ:
        return markdown("The synthetic companion data of this lens are drawn with {mine}, the settings of the report "
                        "{report}, so its numbers are that page's.", mine=_settings(mine), report=report)
    return markdown("The synthetic companion data of this lens are drawn with {mine}; the report {report} draws "
                    "{theirs}, so the numbers here differ from that page's.", mine=_settings(mine), report=report,
                    theirs=_settings(differ))


def report_title(company: str, transactions: str | os.PathLike[str]) -> Markdown:
    """The audit's title: the company named (escaped) and what its transactions are.

    >>> print(report_title("<img src=x onerror=alert(4)>", "synthetic").text)
    # Relationship audit of &lt;img src=x onerror=alert\\(4\\)&gt;: the four faces of CRM on a synthetic customer base
    >>> print(report_title("Shop", "exports/orders.csv").plain)
    # Relationship audit of Shop: the four faces of CRM on its transactions in orders.csv
    """
    key = str(transactions)
    if key in ("cdnow", "cdnow_full"):
        what = "its 1997–98 transactions"
    elif key == "synthetic":
        what = "a synthetic customer base"
    else:
        what = markdown("its transactions in {name}", name=Path(key).name or key)
    return markdown("# Relationship audit of {company}: the four faces of CRM on {what}", company=company,
                    what=what if isinstance(what, Markdown) else Markdown(what))


def indicator_table(block: pd.DataFrame, *, currency: str = "$", caption: str | None = None,
                    columns: tuple[str, ...] = ("indicator", "value", "definition")) -> Table:
    """An indicator block of :mod:`crmlab.audit` as a reader table: each value written by its ``kind``.

    >>> block = pd.DataFrame({"lens": "customer base", "indicator": ["customers", "retention rate (CRR)"],
    ...                       "value": [2357.0, 0.924], "definition": ["customers", "Σ(E − N) / ΣS"],
    ...                       "kind": ["integer", "percent"]})
    >>> print(indicator_table(block))
    Indicator              Value  Definition
    customers              2,357  customers
    retention rate (CRR)   92.4%  Σ(E − N) / ΣS
    """
    kinds = list(block["kind"]) if "kind" in block else ["number"] * len(block)
    return table(block[list(columns)].reset_index(drop=True), row_kinds={"value": kinds}, unit=currency, top=None,
                 caption=caption, text=[c for c in columns if c != "value"])


def retention_sentences(history: pd.DataFrame, *, window: int, freq: str = "M", customers: int | None = None,
                        tolerance: float = 0.01) -> Markdown:
    """The recent retention rate judged against the data's own earlier periods, from :func:`crmlab.audit.retention_history`.

    Higher, lower or about the same (within ``tolerance``, absolute) as the
    earlier periods. The sentence says what CRR = Σ(E − N) / ΣS counts: with
    an activity ``window`` of w periods the customers active at the start of
    a period are those who bought in the w periods before, which may be a
    small part of the ``customers`` ever acquired; and E − N, the active
    customers at the end who are not new, includes lapsed customers who came
    back, so the rate is net of returning customers and passes 100% in a
    period where more came back than lapsed (``periods_above``, counted).

    >>> history = pd.DataFrame({"span": ["recent", "earlier"], "first": ["1998-04", "1997-02"],
    ...                         "last": ["1998-06", "1998-03"], "periods": [3, 14], "S": [1111, 11501],
    ...                         "retained": [1027, 9528], "retention_rate": [0.924, 0.828], "periods_above": [0, 3]})
    >>> print(retention_sentences(history, window=3, customers=2357).plain)
    Over the last 3 complete months (1998-04 to 1998-06), the net retention rate was 92.4%: the customers active at the end of a month, new ones left out, numbered 92.4 for every 100 active at its start (a purchase in the 3 months before), lapsed customers who came back included. That is higher than the 82.8% of the earlier months (1997-02 to 1998-03). Because returning customers count, the rate passed 100% in 3 of the 17 complete months (none of the last 3): months in which more lapsed customers came back than active ones lapsed. The active customers are few beside the 2,357 acquired: 370 at the start of a recent month, on average.
    """
    spans = history.set_index("span")
    recent, earlier = spans.loc["recent"], spans.loc["earlier"]
    period = PERIODS.get(freq, freq)
    if not recent["periods"]:
        return markdown("No complete {period} with active customers: the retention rate cannot be measured.", period=period)
    span = (f"the last complete {period} ({recent['first']})" if recent["periods"] == 1 else
            f"the last {integer(recent['periods'])} complete {period}s ({recent['first']} to {recent['last']})")
    active = f"a purchase in the {integer(window)} {period}s before" if window > 1 else f"a purchase in the {period} before"
    first = markdown("Over {span}, the net retention rate was {rate}: the customers active at the end of a {period}, "
                     "new ones left out, numbered {per} for every 100 active at its start ({active}), lapsed customers "
                     "who came back included.", span=span, rate=percent(recent["retention_rate"]), period=period,
                     active=active, per=number(100 * recent["retention_rate"], 1))
    if earlier["periods"] and not pd.isna(earlier["retention_rate"]):
        word = compare(recent["retention_rate"], earlier["retention_rate"], tolerance=tolerance)
        against = (f"{word} as" if word == "about the same" else f"{word} than")
        second = markdown(" That is {against} the {rate} of the earlier {period}s ({start} to {end}).", against=against,
                          rate=percent(earlier["retention_rate"]), period=period, start=earlier["first"], end=earlier["last"])
    else:
        second = markdown(" The data have no earlier complete {period} to compare it with.", period=period)
    parts = [first, second]
    if "periods_above" in spans:
        above, recent_above = int(spans["periods_above"].sum()), int(recent["periods_above"])
        total = int(spans["periods"].sum())
        if above:
            last = (f"{'none' if not recent_above else integer(recent_above)} of the last {integer(recent['periods'])}"
                    if recent["periods"] > 1 else ("the last one" if recent_above else "not the last one"))
            parts.append(markdown(" Because returning customers count, the rate passed 100% in {k} of the {n} complete "
                                  "{period}s ({last}): {period}s in which more lapsed customers came back than active "
                                  "ones lapsed.", k=integer(above), n=integer(total), period=period, last=last))
        else:
            parts.append(markdown(" It stayed at 100% or under in each of the {n} complete {period}s: no {period} had more "
                                  "lapsed customers coming back than active ones lapsing.", n=integer(total), period=period))
    if customers:
        mean_active = recent["S"] / recent["periods"]
        size = "few beside" if mean_active < 0.5 * customers else "most of"
        parts.append(markdown(" The active customers are {size} the {n} acquired: {k} at the start of a recent {period}, "
                              "on average.", size=size, n=integer(customers), k=integer(mean_active), period=period))
    return Markdown("".join(p.text for p in parts), "".join(p.plain for p in parts))


def value_basis_sentence(*, first_purchase: Any, observation_end: Any, longest: float, time_unit: str = "W",
                         horizon: int, discount_rate: float, margin: float, currency: str = "$") -> Markdown:
    """What the audit's value models are fitted on and what its CLV covers, from the parameters it ran with.

    The audit fits BG/NBD and Gamma-Gamma (Fader, Hardie & Lee 2005) on each
    customer's whole history up to ``observation_end`` (``longest``, in
    ``time_unit``, for the earliest customers), with no holdout, and values
    the ``horizon`` months after it at ``margin`` of revenue, discounted by
    ``discount_rate`` a month. A report that calibrates on an earlier period
    values its customers from another date, on fewer purchases.

    >>> print(value_basis_sentence(first_purchase="1997-01-01", observation_end="1998-06-30", longest=77.86,
    ...                            horizon=24, discount_rate=0.01, margin=0.3).plain)
    The models are fitted on each customer's whole history, from the first purchase in the data (1997-01-01) to 1998-06-30 (77.9 weeks for the earliest customers), with no holdout period; CLV is the margin (30.0% of revenue) of the 24 months after 1998-06-30, discounted at 1.0% a month, in $.
    """
    units = {"D": "days", "W": "weeks", "M": "months"}
    return markdown("The models are fitted on each customer's whole history, from the first purchase in the data "
                    "({first}) to {end} ({longest} {unit} for the earliest customers), with no holdout period; CLV is "
                    "the margin ({margin} of revenue) of the {horizon} months after {end}, discounted at {rate} a month, "
                    "in {currency}.", first=pd.Timestamp(first_purchase).strftime("%Y-%m-%d"),
                    end=pd.Timestamp(observation_end).strftime("%Y-%m-%d"), longest=number(longest, 1),
                    unit=units.get(time_unit, time_unit), margin=percent(margin), horizon=integer(horizon),
                    rate=percent(discount_rate), currency=currency)


def loyalty_data_sentence(profile: pd.DataFrame) -> Markdown:
    """What the loyalty segments could not measure, from :attr:`crmlab.audit.LoyaltyPlan.profile`: a missing
    share of wallet or cross-buying index is shown missing, and the ranking said to be without it.

    >>> profile = pd.DataFrame({"share_of_wallet": [np.nan], "cross_buying_index": [0.4]}, index=["core"])
    >>> print(loyalty_data_sentence(profile).plain)
    No wallets were given, so share of wallet is missing (–): the customers are ranked by a loyalty value of CLV × P(alive), without share of wallet, and up-selling is left out of the plan.
    >>> print(loyalty_data_sentence(profile.assign(share_of_wallet=0.5, cross_buying_index=np.nan)).plain)
    The purchases have no product category, so the cross-buying index is missing (–) and cross-selling is left out of the plan. The loyalty value is CLV × P(alive) × share of wallet.
    """
    parts = []
    wallet = "share_of_wallet" in profile and bool(profile["share_of_wallet"].notna().any())
    if not wallet:
        parts.append(markdown("No wallets were given, so share of wallet is missing (–): the customers are ranked by a "
                              "loyalty value of CLV × P(alive), without share of wallet, and up-selling is left out of "
                              "the plan."))
    if "cross_buying_index" not in profile or not profile["cross_buying_index"].notna().any():
        parts.append(markdown("The purchases have no product category, so the cross-buying index is missing (–) and "
                              "cross-selling is left out of the plan."))
    if wallet:
        parts.append(markdown("The loyalty value is CLV × P(alive) × share of wallet."))
    return Markdown(" ".join(p.text for p in parts), " ".join(p.plain for p in parts))


def lapsed_alive_sentence(breakdown: pd.DataFrame, *, lapsed: str = "lapsed") -> Markdown:
    """Why the lapsed segment's mean P(alive) is what it is, from :func:`crmlab.audit.lapsed_alive_breakdown`.

    Names the one-time buyers among the lapsed and their P(alive) (BG/NBD
    keeps a customer who never bought again at P(alive) = 100%, Fader, Hardie
    & Lee 2005), the repeat buyers' mean apart, and — only where it holds —
    the active segments whose mean P(alive) the lapsed one passes.

    >>> b = pd.DataFrame({"customers": [258.0, 1842.0], "probability_alive": [0.760, 0.783],
    ...                   "one_time_buyers": [0.0, 1218.0], "one_time_alive": [np.nan, 1.0],
    ...                   "repeat_alive": [0.760, 0.358]}, index=pd.Index(["maintain", "lapsed"], name="segment"))
    >>> print(lapsed_alive_sentence(b).plain)
    The lapsed segment's mean P(alive), 78.3%, is above that of maintain (76.0%): 1,218 of its 1,842 customers (66.1%) bought only once, and BG/NBD lets a customer drop out only after a repeat purchase, so they keep a P(alive) of 100.0% however long the silence; its 624 repeat buyers have a mean P(alive) of 35.8%.
    """
    if lapsed not in breakdown.index:
        return Markdown("")
    row = breakdown.loc[lapsed]
    n, once = int(row["customers"]), int(row["one_time_buyers"])
    active = breakdown.drop(index=lapsed)
    passed = active[active["probability_alive"] < row["probability_alive"]]
    if len(passed):
        lead = markdown("The lapsed segment's mean P(alive), {p}, is above that of {which}", p=percent(row["probability_alive"]),
                        which=join_list(f"{k} ({percent(v)})" for k, v in passed["probability_alive"].items()))
    else:
        lead = markdown("The lapsed segment's mean P(alive) is {p}, below every active segment's",
                        p=percent(row["probability_alive"]))
    if once:
        why = markdown(": {k} of its {n} customers ({pct}) bought only once, and BG/NBD lets a customer drop out only "
                       "after a repeat purchase, so they keep a P(alive) of {alive} however long the silence",
                       k=integer(once), n=integer(n), pct=percent(once / n), alive=percent(row["one_time_alive"]))
    else:
        why = markdown(": none of its {n} customers bought only once", n=integer(n))
    parts = [lead, why]
    if n - once and not pd.isna(row["repeat_alive"]):
        parts.append(markdown("; its {k} repeat {buyers} a mean P(alive) of {p}", k=integer(n - once),
                              buyers="buyer has" if n - once == 1 else "buyers have", p=percent(row["repeat_alive"])))
    parts.append(Markdown("."))
    return Markdown("".join(p.text for p in parts), "".join(p.plain for p in parts))


def won_back_sentence(profile: pd.DataFrame, left_out: dict[str, str], *, currency: str = "$") -> Markdown:
    """What the profile's won-back CLV is and whether the plan acts on it, from :class:`crmlab.audit.LoyaltyPlan`.

    The won-back CLV of the lapsed segment is what a customer won back is
    assumed to be worth (:func:`crmlab.strategy.segment_profile`: the mean CLV
    of the active customers); the win-back action is in the plan only when
    its data were given, and the reason it was left out is the plan's own.

    >>> profile = pd.DataFrame({"lapsed": [False, True], "won_back_clv": [np.nan, 51.98]}, index=["core", "lapsed"])
    >>> print(won_back_sentence(profile, {"win_back": "needs the outcomes of past win-back offers"}).plain)
    CLV if won back ($51.98) is what a lapsed customer would be worth if won back: the mean CLV of the active customers. Win-back is left out of the plan (it needs the outcomes of past win-back offers), so the lapsed segment gets no spend.
    """
    if "won_back_clv" not in profile or not profile["won_back_clv"].notna().any():
        return Markdown("")
    value = float(profile["won_back_clv"].dropna().iloc[0])
    first = markdown("CLV if won back ({v}) is what a lapsed customer would be worth if won back: the mean CLV of "
                     "the active customers.", v=money(value, currency))
    if "win_back" in left_out:
        second = markdown(" Win-back is left out of the plan (it {why}), so the lapsed segment gets no spend.",
                          why=left_out["win_back"])
    else:
        second = markdown(" The plan values the customers it wins back at it.")
    return Markdown(first.text + second.text, first.plain + second.plain)


def unfunded_segments_sentence(plan_table: pd.DataFrame, *, currency: str = "$") -> Markdown:
    """The segments the optimal plan gives nothing, and why, from the ``table`` of a :class:`~crmlab.strategy.BudgetAllocation`.

    A segment gets no spend when, for each of its actions, the first unit of
    spend returns less incremental CLV than it costs (``marginal_return`` at
    zero spend below 1, by the response curves): its bar in the spend chart
    is empty. The best first-unit return of each is named.

    >>> t = pd.DataFrame({"segment": ["core", "maintain", "maintain"], "action": ["retention", "retention", "deepening"],
    ...                   "spend": [100.0, 0.0, 0.0], "marginal_return": [1.0, 0.61, 0.26]})
    >>> print(unfunded_segments_sentence(t).plain)
    The plan spends nothing on maintain (its bar in the spend chart is empty): a first $1.00 there returns at most $0.61 of CLV (retention), less than it costs.
    >>> print(unfunded_segments_sentence(t.assign(spend=1.0)).plain)
    The plan spends on every segment.
    """
    spend = plan_table.groupby("segment", sort=False)["spend"].sum()
    empty = list(spend.index[spend <= 0])
    if not empty:
        return markdown("The plan spends on every segment.")
    parts = []
    for segment in empty:
        rows = plan_table[plan_table["segment"] == segment]
        best = rows.loc[rows["marginal_return"].idxmax()]
        parts.append(f"{money(best['marginal_return'], currency)} of CLV ({str(best['action']).replace('_', ' ')})"
                     if len(empty) == 1 else
                     f"{segment}: {money(best['marginal_return'], currency)} ({str(best['action']).replace('_', ' ')})")
    if len(empty) == 1:
        return markdown("The plan spends nothing on {seg} (its bar in the spend chart is empty): a first {one} there "
                        "returns at most {best}, less than it costs.", seg=empty[0], one=money(1.0, currency),
                        best=parts[0])
    return markdown("The plan spends nothing on {segs} (their bars in the spend chart are empty): a first {one} there "
                    "returns at most, of CLV, {best}, less than it costs.", segs=join_list(empty),
                    one=money(1.0, currency), best=join_list(parts))


def phase_alive_sentences(agreement: pd.DataFrame, *, alive_threshold: float = 0.5) -> Markdown:
    """Where the dissolution phase and a low P(alive) agree and why they differ, from :func:`crmlab.audit.phase_alive_agreement`.

    The reason given for customers in dissolution whom the model keeps alive
    is the one the numbers support: when most of them never bought again, the
    BG/NBD assumption that a customer drops out only after a repeat purchase
    (so a one-time buyer has P(alive) = 1); otherwise that the model weighs a
    long silence against a high past frequency.

    >>> agreement = pd.DataFrame({"flag": ["both", "phase only", "model only", "neither"],
    ...                           "customers": [367, 1218, 64, 708], "share": [0.156, 0.517, 0.027, 0.300],
    ...                           "one_time_buyers": [0, 1218, 0, 0]})
    >>> print(phase_alive_sentences(agreement).plain)
    The phase rules put 1,585 of 2,357 customers (67.2%) in dissolution; the model gives 431 (18.3%) a P(alive) below 50%. They measure different things — an unusual silence in the past against the probability of still buying — and agree on 1,075 (45.6%): 367 flagged by both, 708 by neither. 1,218 customers are in dissolution but kept alive by the model: all of them never bought again, and BG/NBD lets a customer drop out only after a repeat purchase, so a one-time buyer keeps P(alive) = 100% however long the silence. 64 customers are likely lost by the model without being in dissolution by the phase rules.
    """
    rows = agreement.set_index("flag")
    n = int(rows["customers"].sum())
    dissolved = int(rows.loc["both", "customers"] + rows.loc["phase only", "customers"])
    lost = int(rows.loc["both", "customers"] + rows.loc["model only", "customers"])
    agree = int(rows.loc["both", "customers"] + rows.loc["neither", "customers"])

    def part(k: int) -> str:
        return f"{integer(k)} ({percent(k / n)})" if n else integer(k)

    parts = [markdown("The phase rules put {d} of {n} customers ({dp}) in dissolution; the model gives {l} a P(alive) "
                      "below {t}. They measure different things — an unusual silence in the past against the "
                      "probability of still buying — and agree on {a}: {both} flagged by both, {neither} by neither.",
                      d=integer(dissolved), n=integer(n), dp=percent(dissolved / n) if n else "–", l=part(lost),
                      t=percent(alive_threshold, 0), a=part(agree), both=integer(rows.loc["both", "customers"]),
                      neither=integer(rows.loc["neither", "customers"]))]
    phase_only = int(rows.loc["phase only", "customers"])
    if phase_only:
        once = int(rows.loc["phase only"].get("one_time_buyers", np.nan)) if "one_time_buyers" in rows else None
        if once is not None and once >= 0.5 * phase_only:
            how = "all of them" if once == phase_only else f"{integer(once)} of them ({percent(once / phase_only)})"
            why = markdown(" {k} {are} in dissolution but kept alive by the model: {how} never bought again, and BG/NBD "
                           "lets a customer drop out only after a repeat purchase, so a one-time buyer keeps P(alive) = "
                           "100% however long the silence.", k=plural(phase_only, "customer"),
                           are="is" if phase_only == 1 else "are", how=how)
        else:
            why = markdown(" {k} {are} in dissolution but kept alive by the model, which weighs their silence against "
                           "their past frequency and finds it not yet unusual for a customer of their pace.",
                           k=plural(phase_only, "customer"), are="is" if phase_only == 1 else "are")
        parts.append(why)
    model_only = int(rows.loc["model only", "customers"])
    if model_only:
        parts.append(markdown(" {k} {are} likely lost by the model without being in dissolution by the phase rules.",
                              k=plural(model_only, "customer"), are="is" if model_only == 1 else "are"))
    return Markdown("".join(p.text for p in parts), "".join(p.plain for p in parts))


def lost_lenses_sentences(lenses: pd.DataFrame, *, dissolution_share: float | None = None,
                          alive_threshold: float = 0.5, tolerance: float = 0.05,
                          confidence: float = 0.95) -> Markdown:
    """Why the views of "lost" differ — the purchase models' P(alive) and the dissolution phase — from the numbers.

    ``lenses`` is :func:`crmlab.audit.alive_lenses` (one row per model);
    ``dissolution_share`` the share of customers the phase rules put in
    dissolution. The sentences give each model's share likely lost and its
    expected number alive with the interval (process uncertainty only), then
    the reason the numbers support: a model that keeps every one-time buyer at
    P(alive) = 1 (the BG/NBD, by construction) beside models that let them
    drop out, when their one-time buyers' mean P(alive) differ by more than
    ``tolerance``; or agreement, when the shares likely lost lie within
    ``tolerance`` of each other; and where the phase rules' share stands to
    each model's (more, about as many within ``tolerance``, fewer), with what
    the phase lens measures (a silence long against the customer's own
    rhythm, a rule on the past).

    >>> lenses = pd.DataFrame({"model": ["BG/NBD", "Pareto/NBD"], "customers": [2357, 2357],
    ...                        "likely_lost": [0.183, 0.60], "expected_alive": [1711.2, 902.6],
    ...                        "expected_alive_low": [1678.0, 866.1], "expected_alive_high": [1744.4, 938.9],
    ...                        "one_time_buyers": [1411, 1411], "one_time_alive": [1.0, 0.31]})
    >>> print(lost_lenses_sentences(lenses, dissolution_share=0.672).plain)
    The BG/NBD counts 18.3% of the 2,357 customers likely lost (P(alive) below 50%) and the Pareto/NBD 60.0%. The expected number still alive, Σ P(alive), is 1,711 by the BG/NBD (95% interval 1,678 to 1,744) and 903 by the Pareto/NBD (866 to 939); the intervals hold the parameters fixed (process uncertainty only: a Poisson-binomial count, by its normal approximation). The models differ on the 1,411 one-time buyers: the BG/NBD lets a customer drop out only after a repeat purchase, so it keeps every one of them at P(alive) = 100% however long their silence, while the Pareto/NBD gives them 31.0% on average. The phase rules put 67.2% in dissolution, more than the BG/NBD (18.3%) and the Pareto/NBD (60.0%) count lost: they flag a silence that is long against the customer's own rhythm, a rule on the past, where P(alive) weighs the silence against how often a customer of that frequency buys.
    """
    rows = lenses.set_index("model")
    n = int(rows["customers"].iloc[0])
    names = list(rows.index)
    shares = [f"the {m} {percent(rows.loc[m, 'likely_lost'])}" for m in names[1:]]
    parts = [markdown("The {first} counts {share} of the {n} customers likely lost (P(alive) below {t}){rest}.",
                      first=names[0], share=percent(rows.loc[names[0], "likely_lost"]), n=integer(n),
                      t=percent(alive_threshold, 0), rest=(" and " if len(shares) == 1 else ", ") + join_list(shares)
                      if shares else "")]
    counts = [f"{integer(rows.loc[m, 'expected_alive'])} by the {m} "
              + (f"({percent(confidence, 0)} interval {integer(rows.loc[m, 'expected_alive_low'])} to "
                 f"{integer(rows.loc[m, 'expected_alive_high'])})" if k == 0 else
                 f"({integer(rows.loc[m, 'expected_alive_low'])} to {integer(rows.loc[m, 'expected_alive_high'])})")
              for k, m in enumerate(names)]
    parts.append(markdown(" The expected number still alive, Σ P(alive), is {counts}; the {intervals} the parameters "
                          "fixed (process uncertainty only: a Poisson-binomial count, by its normal approximation).",
                          counts=join_list(counts), intervals="intervals hold" if len(names) > 1 else "interval holds"))
    once = int(rows["one_time_buyers"].iloc[0])
    kept = [m for m in names if rows.loc[m, "one_time_alive"] >= 1 - 1e-9] if once else []
    others = [m for m in names if m not in kept]
    gap_once = (min(rows.loc[kept, "one_time_alive"]) - max(rows.loc[others, "one_time_alive"])
                if kept and others else 0.0)
    spread = float(rows["likely_lost"].max() - rows["likely_lost"].min())
    if len(names) > 1 and gap_once > tolerance:
        kept_name = join_list(kept)
        parts.append(markdown(
            " The models differ on the {k} one-time buyers: the {kept} {lets} a customer drop out only after a repeat "
            "purchase, so {it} keeps every one of them at P(alive) = 100% however long their silence, while {rest}.",
            k=integer(once), kept=kept_name, lets="lets" if len(kept) == 1 else "let",
            it="it" if len(kept) == 1 else "each",
            rest=join_list(f"the {m} gives them {percent(rows.loc[m, 'one_time_alive'])} on average" if k == 0
                           else f"the {m} {percent(rows.loc[m, 'one_time_alive'])}" for k, m in enumerate(others))))
    elif len(names) > 1 and spread <= tolerance:
        parts.append(markdown(" The models agree: their shares likely lost lie within {tol} of each other.",
                              tol=percent(spread)))
    elif len(names) > 1:
        parts.append(markdown(" The models differ by {spread} on the share likely lost{how}: they weigh a repeat "
                              "buyer's silence differently.", spread=percent(spread),
                              how=", not through the one-time buyers (they treat those alike)" if once else ""))
    if dissolution_share is not None:
        groups: dict[str, list[str]] = {"more than": [], "about as many as": [], "fewer than": []}
        for m in names:
            lost = float(rows.loc[m, "likely_lost"])
            side = ("more than" if dissolution_share > lost + tolerance else
                    "fewer than" if dissolution_share < lost - tolerance else "about as many as")
            groups[side].append(f"the {m} ({percent(lost)})")
        where = join_list(f"{side} {join_list(models)} {'count' if len(models) > 1 else 'counts'} lost"
                          if side != "about as many as" else f"{side} {join_list(models)}"
                          for side, models in groups.items() if models)
        parts.append(markdown(" The phase rules put {d} in dissolution, {where}: they flag a silence that is long "
                              "against the customer's own rhythm, a rule on the past, where P(alive) weighs the "
                              "silence against how often a customer of that frequency buys.",
                              d=percent(dissolution_share), where=where))
    return Markdown("".join(p.text for p in parts), "".join(p.plain for p in parts))


def _value(card: pd.DataFrame, lens: str, indicator: str) -> float | None:
    hit = card[(card["lens"] == lens) & (card["indicator"] == indicator)]
    return None if hit.empty or pd.isna(hit["value"].iloc[0]) else float(hit["value"].iloc[0])


def _tag(card: pd.DataFrame, lens: str) -> str:
    hit = card.loc[card["lens"] == lens, "data"] if "data" in card else pd.Series(dtype=object)
    return " (synthetic companion data)" if len(hit) and hit.iloc[0] == "synthetic" else ""


def management_sentences(card: pd.DataFrame, *, retention: Markdown | None = None, reconciliation: Markdown | None = None,
                         currency: str = "$") -> Markdown:
    """The closing bullets of the audit, one per face of CRM, each sentence built from the scorecard's numbers.

    ``card`` is :func:`crmlab.audit.audit_scorecard` with a ``data`` column
    ("company" or "synthetic"); lenses on synthetic companion data are marked
    so. A lens missing from the card is left out of its bullet. ``retention``
    and ``reconciliation`` are the sentences of :func:`retention_sentences` and
    :func:`phase_alive_sentences`, repeated in the operational bullet.

    >>> card = pd.DataFrame({"lens": ["loyalty plan"] * 3, "indicator": ["budget", "budget spent", "ROI"],
    ...                      "value": [5000.0, 540.0, 0.52], "data": "company"})
    >>> print(management_sentences(card).plain)
    * **Strategic.** The optimal loyalty plan spends $540.00 of the $5,000.00 budget (more would not pay by the response curves) and returns 52.0% on it: it pays.
    """
    bullets = []
    strategic = []
    top = card[(card["lens"] == "customer value") & card["indicator"].str.startswith("CLV share of the top")]
    if len(top):
        strategic.append(markdown("The {what} of customers hold {share} of the customers' lifetime value{tag}.",
                                  what=top["indicator"].iloc[0].removeprefix("CLV share of the "),
                                  share=percent(top["value"].iloc[0]), tag=_tag(card, "customer value")))
    budget, spent, roi = (_value(card, "loyalty plan", k) for k in ("budget", "budget spent", "ROI"))
    if budget is not None and spent is not None and roi is not None:
        spend = ("the whole budget" if spent >= budget - 0.005 else
                 f"{money(spent, currency)} of the {money(budget, currency)} budget (more would not pay by the response curves)")
        verdict = "it pays" if roi > 0 else "it does not pay"
        strategic.append(markdown("The optimal loyalty plan spends {spend} and returns {roi} on it: {verdict}{tag}.",
                                  spend=spend, roi=percent(roi), verdict=verdict, tag=_tag(card, "loyalty plan")))
    n_key, key_share, robust = (_value(card, "key accounts", k) for k in
                                ("KAM key accounts", "revenue share of KAM key accounts", "robust key accounts"))
    hhi = _value(card, "account portfolio", "HHI (points)")
    if n_key is not None and key_share is not None:
        sure = "" if robust is None else (f"; {integer(robust)} of them are key under at least "
                                          f"{percent(ROBUST_SELECTION, 0)} of the random weightings around the stated ones")
        band = "" if hhi is None else (f"; revenue is {'unconcentrated' if hhi < 1500 else 'moderately concentrated' if hhi < 2500 else 'highly concentrated'} "
                                       f"(HHI {integer(hhi)} points)")
        strategic.append(markdown("The {k} KAM key accounts bring {share} of account revenue{sure}{band}{tag}.",
                                  k=integer(n_key), share=percent(key_share), sure=sure, band=band,
                                  tag=_tag(card, "key accounts")))
    if strategic:
        bullets.append(markdown("**Strategic.** {s}", s=Markdown(" ".join(s.text for s in strategic),
                                                                   " ".join(s.plain for s in strategic))))
    operational = [s for s in (retention, reconciliation) if s is not None]
    missing = _value(card, "global accounts", "coordination missing (share)")
    n_global = _value(card, "global accounts", "global accounts")
    if missing is not None and n_global:
        operational.append(markdown("{k} of the {n} global accounts have a unit out of line on price, payment days or "
                                    "service{tag}.", k=integer(round(missing * n_global)), n=integer(n_global),
                                    tag=_tag(card, "global accounts")))
    if operational:
        bullets.append(markdown("**Operational.** {s}", s=Markdown(" ".join(s.text for s in operational),
                                                                      " ".join(s.plain for s in operational))))
    analytical = []
    alive, lost = _value(card, "customer value", "mean P(alive)"), _value(card, "customer value", "customers likely lost")
    if alive is not None and lost is not None:
        analytical.append(markdown("The BG/NBD model gives the customers a mean P(alive) of {alive}; {lost} are likely "
                                   "lost (P(alive) below 50%){tag}.", alive=percent(alive), lost=percent(lost),
                                   tag=_tag(card, "customer value")))
    supported = _value(card, "trust and commitment", "hypotheses supported (share)")
    r2 = _value(card, "trust and commitment", "commitment explained (R²)")
    if supported is not None:
        holds = "holds" if supported >= 0.5 else "does not hold"
        explained = "" if r2 is None else f", and explains {percent(r2)} of the variance of commitment"
        analytical.append(markdown("The trust–commitment model {holds} on {share} of its paths{explained}{tag}.",
                                   holds=holds, share=percent(supported), explained=explained,
                                   tag=_tag(card, "trust and commitment")))
    if analytical:
        bullets.append(markdown("**Analytical.** {s}", s=Markdown(" ".join(s.text for s in analytical),
                                                                     " ".join(s.plain for s in analytical))))
    collaborative = []
    response, latency = _value(card, "Nordic triplet", "firm response rate"), _value(card, "Nordic triplet",
                                                                                      "firm latency (hours, median)")
    if response is not None:
        late = "" if latency is None else f", after a median {number(latency)} hours"
        collaborative.append(markdown("The firm answers {rate} of its customers' acts{late}; {rest} go unanswered{tag}.",
                                      rate=percent(response), late=late, rest=percent(1 - response),
                                      tag=_tag(card, "Nordic triplet")))
    brokers = _value(card, "business network", "firms on a brokered path between groups")
    actors = _value(card, "business network", "actors")
    leading = _value(card, "business network", "leading brokers between groups")
    planted = _value(card, "business network", "planted brokers among the leading")
    if brokers is not None and actors:
        lead = "" if leading is None else (
            f"; the {integer(leading)} with the most such paths are its leading brokers"
            + ("" if planted is None else f", {integer(planted)} of them planted by the synthetic world"))
        collaborative.append(markdown("{k} of the {n} firms of the network sit on at least one brokered path between "
                                      "its groups{lead}{tag}.", k=integer(brokers), n=integer(actors), lead=lead,
                                      tag=_tag(card, "business network")))
    constraint = _value(card, "business network", "focal firm: constraint")
    if constraint is not None:
        collaborative.append(markdown("The company's own constraint is {c} (1 = no structural holes around it).",
                                      c=number(constraint)))
    if collaborative:
        bullets.append(markdown("**Collaborative.** {s}", s=Markdown(" ".join(s.text for s in collaborative),
                                                                        " ".join(s.plain for s in collaborative))))
    return bullet_list(bullets)
