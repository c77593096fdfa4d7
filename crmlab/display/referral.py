"""Generated sentences of the referrals and guanxi report: each one read off the frames it states.

Every function takes the frames the lab computes (the referral feed, the
value table, the Bass fit, the campaign returns, the control charts, the
favour ledger's balances, the guanxi network and the obligation logit) and
returns the sentence that states their result as
:class:`~crmlab.display.Markdown`. The comparison words ("more", "fell",
"debtors give back") are chosen by the numbers, so a sentence cannot
contradict the table it sits under; data-source prose is chosen by the source.

>>> roi = pd.DataFrame({"incremental_value": [39123.2, 22864.3], "cost": [10000.0, 9160.0], "roi": [2.912, 1.496]},
...                    index=pd.Index(["advertising", "referral"], name="programme"))
>>> campaign_roi_sentence(roi, horizon=6)
Over 6 months the advertising campaign returns more on its cost (ROI 291.2%: $39,123 of customer value for $10,000) than the referral programme (149.6%: $22,864 for $9,160): under these costs and lifts Gummesson's claim that word of mouth returns more on capital than advertising does not hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd

from crmlab.display.labels import term_label
from crmlab.display.models import odds_direction, odds_ratio_columns, odds_ratio_text
from crmlab.display.numbers import integer, number, p_value, percent
from crmlab.display.strategy import ALPHA, amount, correlation_strength, name
from crmlab.display.text import Markdown, join_list, markdown, plural

__all__ = [
    "RULES",
    "bass_sentence",
    "campaign_roi_sentence",
    "closure_sentence",
    "complaint_rate_sentence",
    "data_sources_sentence",
    "obligation_sentence",
    "reciprocity_sentence",
    "referral_feed_sentence",
    "referral_value_sentence",
    "renqing_sentence",
    "phase_change_frame",
    "rule_flags",
    "rule_flags_by_limits",
    "rule_flags_sentence",
    "satisfaction_signal_sentence",
]

#: The Western Electric rules (Western Electric 1956; Montgomery 2009, ch. 5), by the column names of
#: :func:`crmlab.theories.referral.western_electric_rules`.
RULES = {
    "rule_1": "One point beyond 3σ",
    "rule_2": "Two of three points beyond 2σ on one side",
    "rule_3": "Four of five points beyond 1σ on one side",
    "rule_4": "Eight points in a row on one side of the centre",
}


def data_sources_sentence(sources: Mapping[str, Any]) -> Markdown:
    """Which parts of the report run on synthetic worlds and which on files: prose chosen by the source.

    ``sources`` maps what is read (e.g. "referral log") to ``"synthetic"`` or the path of a file;
    a file is named by its name only.

    >>> data_sources_sentence({"referral log": "synthetic", "favour ledger": "synthetic"})
    The referral log and the favour ledger are synthetic worlds with known parameters, shown beside the estimates.
    >>> data_sources_sentence({"referral log": "data/referrals.csv", "favour ledger": "synthetic"})
    The referral log is read from referrals.csv. The favour ledger is a synthetic world with known parameters, shown beside the estimates.
    """
    synthetic = [what for what, source in sources.items() if str(source) == "synthetic"]
    files = [(what, PurePath(str(source)).name) for what, source in sources.items() if str(source) != "synthetic"]
    parts = []
    if files:
        read = join_list(f"the {what} is read from {{file{k}}}" for k, (what, _) in enumerate(files))
        parts.append(markdown(read[:1].upper() + read[1:] + ".", **{f"file{k}": f for k, (_, f) in enumerate(files)}))
    if synthetic:
        are = "are synthetic worlds" if len(synthetic) > 1 else "is a synthetic world"
        phrase = join_list(f"the {what}" for what in synthetic)
        parts.append(markdown("{phrase} {are} with known parameters, shown beside the estimates.",
                              phrase=phrase[:1].upper() + phrase[1:], are=are))
    return markdown(" ".join(f"{{p{k}}}" for k in range(len(parts))), **{f"p{k}": p for k, p in enumerate(parts)})


def referral_feed_sentence(feed: pd.DataFrame, n_customers: int) -> Markdown:
    """How much of the customer base referrals brought in, over how many generations, and which generation brought the most.

    ``feed`` is :func:`crmlab.theories.referral.referral_feed` (per ``generation``: ``customers``,
    ``cumulative_share``); ``n_customers`` the size of the base (Gummesson 2008, customers as a
    supply chain of customers; Kumar, Petersen & Leone 2010, generations).

    >>> feed = pd.DataFrame({"generation": [1, 2, 3], "customers": [835, 799, 530], "cumulative_share": [0.39, 0.76, 1.0]})
    >>> referral_feed_sentence(feed, 3000)
    Referrals brought in 2,164 of the 3,000 customers (72.1%) over 3 generations of referrals; generation 1 brought the most (835 customers), and 90% of the referred came within 3 generations.
    """
    referred = int(feed["customers"].sum())
    if referred == 0:
        return markdown("No customer came by referral.")
    largest = feed.loc[feed["customers"].idxmax()]
    within = int(feed.loc[feed["cumulative_share"] >= 0.9 - 1e-12, "generation"].min())
    return markdown("Referrals brought in {referred} of the {n} customers ({share}) over {generations}; generation {g} "
                    "brought the most ({c}), and 90% of the referred came within {within}.", referred=integer(referred),
                    n=integer(n_customers), share=percent(referred / n_customers),
                    generations=plural(int(feed["generation"].max()), "generation") + " of referrals",
                    g=integer(int(largest["generation"])), c=plural(int(largest["customers"]), "customer"),
                    within=plural(within, "generation"))


def referral_value_sentence(values: pd.DataFrame, *, unit: str = "$", own_value_varies: bool = True) -> Markdown:
    """Referral value against own purchase value: their totals, their correlation, and what advocates bring.

    ``values`` is :func:`crmlab.theories.referral.referral_value_table` (per customer: ``clv``, ``crv``,
    ``segment``). Kumar, Petersen & Leone (2007) find the two values far from aligned; when every
    customer has the same own value (``own_value_varies=False``: a referral log without CLVs) the
    correlation is not stated.

    >>> values = pd.DataFrame({"clv": [200.0, 40.0, 210.0, 30.0], "crv": [190.0, 200.0, 0.0, 0.0],
    ...                        "segment": ["champion", "advocate", "affluent", "miser"]})
    >>> referral_value_sentence(values)
    The customers' referrals are worth less than their own purchases ($390.00 against $480.00: 44.8% of their total value), and the two are uncorrelated (r = -0.024, negligible). Advocates bring $200.00 of referral value on average against $40.00 of own value: worth keeping for their referrals.
    """
    clv, crv = float(values["clv"].sum()), float(values["crv"].sum())
    word = "more than" if crv > 1.05 * clv else "less than" if crv < 0.95 * clv else "about as much as"
    first = markdown("The customers' referrals are worth {word} their own purchases ({crv} against {clv}: {share} of "
                     "their total value)", word=word, crv=amount(crv, unit), clv=amount(clv, unit),
                     share=percent(crv / (crv + clv)) if crv + clv > 0 else "no part")
    if own_value_varies and values["clv"].nunique() > 1 and values["crv"].nunique() > 1:
        r = float(values["clv"].corr(values["crv"]))
        strength = correlation_strength(r)
        relation = "uncorrelated" if strength == "negligible" else f"{'positively' if r > 0 else 'negatively'} correlated"
        first = markdown("{first}, and the two are {relation} (r = {r}, {strength}).", first=first, relation=relation,
                         r=number(r, 3), strength=strength)
    else:
        first = markdown("{first}.", first=first)
    advocates = values[values["segment"] == "advocate"]
    if advocates.empty:
        return first
    own, referral = float(advocates["clv"].mean()), float(advocates["crv"].mean())
    verdict = ": worth keeping for their referrals" if referral > own else ""
    return markdown("{first} Advocates bring {referral} of referral value on average against {own} of own value{verdict}.",
                    first=first, referral=amount(referral, unit), own=amount(own, unit), verdict=verdict)


def bass_sentence(summary: pd.DataFrame, split: pd.Series, n_periods: int, *, period: str = "period",
                  simulated_word_of_mouth: float | None = None, truth: Mapping[str, float] | None = None) -> Markdown:
    """The Bass (1969) split of adoptions into word of mouth and external influence, p against q, and (a
    synthetic world) whether the true parameters lie in the estimates' 95% intervals.

    ``summary`` is :attr:`crmlab.theories.referral.BassDiffusion.summary` (rows p, q, m; ``coef``,
    ``lower 95%``, ``upper 95%``), ``split`` its ``adoption_split(n_periods)``.

    >>> summary = pd.DataFrame({"coef": [0.021, 0.403, 3002.0], "lower 95%": [0.018, 0.391, 2990.6],
    ...                         "upper 95%": [0.024, 0.416, 3013.7]}, index=["p", "q", "m"])
    >>> bass_sentence(summary, pd.Series({"external": 0.178, "word_of_mouth": 0.822}), 24, period="month",
    ...               simulated_word_of_mouth=0.831, truth={"p": 0.02, "q": 0.4, "m": 3000})
    Word of mouth drove most adoptions over the 24 months: 82.2% (simulated: 83.1%), external influence 17.8%; imitation (q = 0.403) is 19.2 times innovation (p = 0.0210). The true p, q and m lie inside their 95% intervals.
    """
    wom = float(split["word_of_mouth"])
    driver = ("Word of mouth drove most adoptions", "word_of_mouth") if wom > 0.5 else ("External influence drove most adoptions", "external")
    main = percent(float(split[driver[1]]))
    other = percent(float(split["external" if driver[1] == "word_of_mouth" else "word_of_mouth"]))
    simulated = ""
    if simulated_word_of_mouth is not None:
        shown = simulated_word_of_mouth if driver[1] == "word_of_mouth" else 1 - simulated_word_of_mouth
        simulated = f" (simulated: {percent(float(shown))})"
    p, q = float(summary.loc["p", "coef"]), float(summary.loc["q", "coef"])
    if q > p:
        forces = markdown("imitation (q = {q}) is {ratio} times innovation (p = {p})", q=number(q), p=number(p),
                          ratio=number(q / p, 1))
    else:
        forces = markdown("innovation (p = {p}) is at least as strong as imitation (q = {q})", p=number(p), q=number(q))
    other_name = "external influence" if driver[1] == "word_of_mouth" else "word of mouth"
    first = markdown("{driver} over the {n} {period}s: {main}{simulated}, {other_name} {other}; {forces}.",
                     driver=driver[0], n=integer(n_periods), period=period, main=main, simulated=simulated,
                     other_name=other_name, other=other, forces=forces)
    if truth is None:
        return first
    outside = [k for k in ("p", "q", "m") if not summary.loc[k, "lower 95%"] <= truth[k] <= summary.loc[k, "upper 95%"]]
    if not outside:
        return markdown("{first} The true p, q and m lie inside their 95% intervals.", first=first)
    return markdown("{first} The true {outside} {lie} outside {its} 95% interval{s}.", first=first,
                    outside=join_list(outside), lie="lies" if len(outside) == 1 else "lie",
                    its="its" if len(outside) == 1 else "their", s="" if len(outside) == 1 else "s")


def campaign_roi_sentence(roi: pd.DataFrame, *, horizon: int, period: str = "month", unit: str = "$") -> Markdown:
    """Which returns more on its cost, the advertising campaign or the referral programme: Gummesson's claim under the stated costs.

    ``roi`` is :func:`crmlab.theories.referral.advertising_vs_referral_roi` (rows ``advertising``,
    ``referral``: ``incremental_value``, ``cost``, ``roi``).
    """
    ad, ref = roi.loc["advertising"], roi.loc["referral"]
    if ad["roi"] >= ref["roi"]:
        better, worse, words = ad, ref, ("the advertising campaign", "the referral programme")
        verdict = "does not hold"
    else:
        better, worse, words = ref, ad, ("the referral programme", "the advertising campaign")
        verdict = "holds"
    if better["roi"] < 0:
        tail = markdown("neither pays back its cost, and Gummesson's claim that word of mouth returns more on capital "
                        "than advertising {verdict} only in that {w} loses less", verdict=verdict, w=words[0])
    else:
        tail = markdown("under these costs and lifts Gummesson's claim that word of mouth returns more on capital than "
                        "advertising {verdict}", verdict=verdict)
    return markdown("Over {h} {w} returns more on its cost (ROI {r1}: {v1} of customer value for {c1}) than {w2} ({r2}: {v2} "
                    "for {c2}): {tail}.", h=plural(horizon, period), w=words[0], r1=percent(float(better["roi"])),
                    v1=amount(float(better["incremental_value"]), unit), c1=amount(float(better["cost"]), unit),
                    w2=words[1], r2=percent(float(worse["roi"])), v2=amount(float(worse["incremental_value"]), unit),
                    c2=amount(float(worse["cost"]), unit), tail=tail)


def rule_flags(rules: pd.DataFrame) -> pd.DataFrame:
    """The samples each Western Electric rule flags, one row per rule, for a reader table.

    ``rules`` is :func:`crmlab.theories.referral.western_electric_rules` (a boolean column per rule,
    indexed by sample); returns ``rule`` (what it looks for, :data:`RULES`), ``flagged`` (how many)
    and ``samples`` (their numbers).

    >>> rules = pd.DataFrame({"rule_1": [False, True, False], "rule_4": [False, False, False]}, index=[1, 2, 3])
    >>> rule_flags(rules).to_dict("records")
    [{'rule': 'One point beyond 3σ', 'flagged': 1, 'samples': [2]}, {'rule': 'Eight points in a row on one side of the centre', 'flagged': 0, 'samples': []}]
    """
    columns = [c for c in rules.columns if c in RULES]
    return pd.DataFrame({"rule": [RULES[c] for c in columns], "flagged": [int(rules[c].sum()) for c in columns],
                         "samples": [[int(s) for s in rules.index[rules[c].to_numpy(bool)]] for c in columns]})


def rule_flags_by_limits(rules: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The samples each Western Electric rule flags under each set of control limits, one row per limits × rule.

    ``rules`` maps a name of the limits ("one set of limits", "limits per phase") to
    :func:`crmlab.theories.referral.western_electric_rules` of the chart drawn with them; returns
    ``limits`` then the columns of :func:`rule_flags`, a rule that flags nothing with "none" for its samples.

    >>> one = pd.DataFrame({"rule_1": [False, True, False]}, index=[1, 2, 3])
    >>> rule_flags_by_limits({"one set": one, "per phase": one.assign(rule_1=False)}).to_dict("list")
    {'limits': ['one set', 'per phase'], 'rule': ['One point beyond 3σ', 'One point beyond 3σ'], 'flagged': [1, 0], 'samples': [[2], 'none']}
    """
    out = pd.concat([rule_flags(frame).assign(limits=limits) for limits, frame in rules.items()],
                    ignore_index=True)[["limits", "rule", "flagged", "samples"]]
    out["samples"] = [samples if samples else "none" for samples in out["samples"]]
    return out


def rule_flags_sentence(one_set: pd.DataFrame, per_phase: pd.DataFrame, *, change_at: int, period: str = "week") -> Markdown:
    """What the Western Electric rules say on one set of control limits for every sample, and on limits
    recomputed for each phase of a known process change.

    ``one_set`` and ``per_phase`` are :func:`crmlab.theories.referral.western_electric_rules` of the
    p-chart with one set of limits and of the before/after chart (a boolean column per rule and
    ``any``). A shift such as an improvement puts one set of limits off centre on both sides of it,
    so the rules flag it; limits recomputed after the change (Montgomery 2009, ch. 7) flag only what
    else moved the process.

    >>> one = pd.DataFrame({"any": [False, True, True, False]}, index=[1, 2, 3, 4])
    >>> rule_flags_sentence(one, one.assign(any=False), change_at=3)
    On one set of limits for all 4 weeks the Western Electric rules flag 2 weeks (2 and 3); with limits recomputed from week 3 on they flag none: each phase is in statistical control, and what the one set of limits flags is the change itself.
    """
    def flagged(rules: pd.DataFrame) -> list[int]:
        return [int(s) for s in rules.index[rules["any"].to_numpy(bool)]]

    first, second = flagged(one_set), flagged(per_phase)
    weeks = markdown("{n} {period}s", n=integer(len(one_set)), period=period)
    if first:
        head = markdown("On one set of limits for all {weeks} the Western Electric rules flag {k} ({which})", weeks=weeks,
                        k=plural(len(first), period), which=join_list(map(str, first)))
    else:
        head = markdown("On one set of limits for all {weeks} the Western Electric rules flag no {period}", weeks=weeks,
                        period=period)
    if not second:
        tail = markdown("with limits recomputed from {period} {w} on they flag none: each phase is in statistical "
                        "control{more}", period=period, w=integer(change_at),
                        more=", and what the one set of limits flags is the change itself" if first else "")
    else:
        tail = markdown("with limits recomputed from {period} {w} on they still flag {k} ({which}): something besides the "
                        "change moved the process", period=period, w=integer(change_at), k=plural(len(second), period),
                        which=join_list(map(str, second)))
    return markdown("{head}; {tail}.", head=head, tail=tail)


def phase_change_frame(change: pd.DataFrame) -> pd.DataFrame:
    """The before/after comparison of a p-chart with its change in percentage points and as a relative change.

    ``change`` is the second frame of :func:`crmlab.theories.referral.before_after_p_chart` (``p``
    per phase and ``change`` = p_after − p_before, a difference of two shares); the change of a rate
    is read in percentage points (5.8% → 3.4% is −2.4 points), its relative change is
    change / p_before (−41%). Returns the frame with ``change_points`` (× 100) and
    ``relative_change`` in place of ``change``.

    >>> change = pd.DataFrame({"p": [0.058, 0.034], "change": [np.nan, -0.024]}, index=["before", "after"])
    >>> phase_change_frame(change).round(3).to_dict("list")
    {'p': [0.058, 0.034], 'change_points': [nan, -2.4], 'relative_change': [nan, -0.414]}
    """
    out = change.copy()
    at = list(out.columns).index("change")
    points = out.pop("change")
    out.insert(at, "relative_change", points / float(change["p"].iloc[0]) if float(change["p"].iloc[0]) > 0 else np.nan)
    out.insert(at, "change_points", 100 * points)
    return out


def complaint_rate_sentence(change: pd.DataFrame, *, change_at: int, period: str = "week",
                            truth: tuple[float, float] | None = None) -> Markdown:
    """Whether the complaint rate fell, rose or held after the improvement, by the two-proportion test of the p-chart's phases.

    ``change`` is the second frame of :func:`crmlab.theories.referral.before_after_p_chart` (rows
    ``before``, ``after``: ``p``, ``z``, ``p_value``); ``truth`` the true rates before and after (a
    synthetic world). Montgomery (2009), ch. 7.

    >>> change = pd.DataFrame({"p": [0.058, 0.034], "z": [np.nan, -8.19], "p_value": [np.nan, 2.7e-16]},
    ...                       index=["before", "after"])
    >>> complaint_rate_sentence(change, change_at=27, truth=(0.06, 0.035))
    The complaint rate fell from 5.8% before the improvement in week 27 to 3.4% after it, 2.4 percentage points or 41.4% less (z = -8.19, p < 0.001; true rates 6.0% and 3.5%).
    """
    before, after = change.loc["before"], change.loc["after"]
    p = float(after["p_value"])
    word = ("fell" if after["p"] < before["p"] else "rose") if p < ALPHA else "did not change significantly"
    tail = f"; true rates {percent(truth[0])} and {percent(truth[1])}" if truth is not None else ""
    if p < ALPHA:
        points = 100 * abs(float(after["p"]) - float(before["p"]))
        relative = abs(float(after["p"]) / float(before["p"]) - 1) if float(before["p"]) > 0 else None
        size = markdown("{points} percentage points{relative} {way}", points=number(points, 1),
                        relative=f" or {percent(relative)}" if relative is not None else "",
                        way="less" if word == "fell" else "more")
        return markdown("The complaint rate {word} from {b} before the improvement in {period} {w} to {a} after it, "
                        "{size} (z = {z}, p {pv}{tail}).", word=word, b=percent(float(before["p"])), period=period,
                        w=integer(change_at), a=percent(float(after["p"])), size=size, z=number(float(after["z"]), 2),
                        pv=p_value(p) if p_value(p).startswith("<") else "= " + p_value(p), tail=tail)
    return markdown("The complaint rate {word} after the improvement in {period} {w} ({b} before, {a} after; z = {z}, "
                    "p = {pv}{tail}).", word=word, period=period, w=integer(change_at), b=percent(float(before["p"])),
                    a=percent(float(after["p"])), z=number(float(after["z"]), 2), pv=p_value(p), tail=tail)


def satisfaction_signal_sentence(ewma: pd.DataFrame, cusum: pd.DataFrame, *, period: str = "week",
                                 true_shift_at: int | None = None) -> Markdown:
    """When the EWMA and CUSUM charts of satisfaction first signal, in which direction, and (a synthetic world)
    how long after the true shift.

    ``ewma`` is :func:`crmlab.theories.referral.ewma_chart` (``sample``, ``ewma``, ``center``,
    ``signal``), ``cusum`` :func:`~crmlab.theories.referral.cusum_chart` (``sample``, ``c_plus``,
    ``c_minus``, ``n_plus``, ``n_minus``, ``signal``); the CUSUM dates the start of a shift N samples
    before its signal (Montgomery 2009, ch. 9).

    >>> ewma = pd.DataFrame({"sample": [1, 2, 3], "ewma": [4.0, 3.95, 3.85], "center": 4.0, "signal": [False, False, True]})
    >>> cusum = pd.DataFrame({"sample": [1, 2, 3], "c_plus": 0.0, "c_minus": [0.0, 0.3, 0.9], "n_plus": 0,
    ...                       "n_minus": [0, 1, 2], "signal": [False, False, True]})
    >>> satisfaction_signal_sentence(ewma, cusum, true_shift_at=2)
    The EWMA chart first signals a drop in satisfaction in week 3 and the CUSUM in week 3, which dates its start to week 2; the true shift began in week 2.
    """
    def first_signal(chart: pd.DataFrame) -> pd.Series | None:
        flagged = chart[chart["signal"].astype(bool)]
        return None if flagged.empty else flagged.iloc[0]

    e, c = first_signal(ewma), first_signal(cusum)
    truth = markdown("; the true shift began in {period} {t}", period=period, t=integer(true_shift_at)) if true_shift_at else Markdown("")
    if e is None and c is None:
        return markdown("Neither the EWMA nor the CUSUM chart signals: satisfaction stayed within its limits{truth}.", truth=truth)
    parts = []
    if e is not None:
        way = "drop" if e["ewma"] < e["center"] else "rise"
        parts.append(markdown("the EWMA chart first signals a {way} in satisfaction in {period} {s}", way=way, period=period,
                              s=integer(int(e["sample"]))))
    else:
        parts.append(markdown("the EWMA chart does not signal"))
    if c is not None:
        down = c["c_minus"] > c["c_plus"]
        start = int(c["sample"]) - int(c["n_minus"] if down else c["n_plus"]) + 1
        way = "" if e is not None else f" a {'drop' if down else 'rise'}"
        parts.append(markdown("the CUSUM{way} in {period} {s}, which dates its start to {period} {start}", way=way,
                              period=period, s=integer(int(c["sample"])), start=integer(start)))
    else:
        parts.append(markdown("the CUSUM does not signal"))
    text = markdown("{a} and {b}{truth}.", a=parts[0], b=parts[1], truth=truth)
    return Markdown(text.text[:1].upper() + text.text[1:], text.plain[:1].upper() + text.plain[1:])


def reciprocity_sentence(by_tie: pd.DataFrame, index: pd.Series) -> Markdown:
    """Which base of guanxi keeps favours most and least balanced, and how much of all favour value is returned.

    ``by_tie`` has per tie type the pairs' ``mean_reciprocity`` (from
    :func:`crmlab.theories.guanxi.dyad_balances`); ``index`` is
    :func:`crmlab.theories.guanxi.reciprocity_index`. Hwang (1987): favours flow both ways in guanxi.

    >>> by_tie = pd.DataFrame({"mean_reciprocity": [0.913, 0.707]}, index=["family", "business"])
    >>> reciprocity_sentence(by_tie, pd.Series({"value_reciprocity": 0.877, "edge_reciprocity": 0.991}))
    Family pairs keep their favours the most balanced (mean reciprocity 91.3%) and business pairs the least (70.7%). Across the ledger 87.7% of the favour value is matched by a return, and 99.1% of the links along which a favour went were returned at least once.
    """
    ranked = by_tie["mean_reciprocity"].astype(float).sort_values(ascending=False)
    first = markdown("{top} pairs keep their favours the most balanced (mean reciprocity {t}) and {low} pairs the least "
                     "({l}).", top=name(ranked.index[0]).capitalize(), t=percent(float(ranked.iloc[0])),
                     low=name(ranked.index[-1]), l=percent(float(ranked.iloc[-1])))
    return markdown("{first} Across the ledger {v} of the favour value is matched by a return, and {e} of the links along "
                    "which a favour went were returned at least once.", first=first,
                    v=percent(float(index["value_reciprocity"])), e=percent(float(index["edge_reciprocity"])))


def renqing_sentence(positions: pd.DataFrame, *, unit: str = "") -> Markdown:
    """Who holds the most renqing (is owed the most favour value, net) and who owes the most.

    ``positions`` is :func:`crmlab.theories.guanxi.renqing_positions` (per person: ``net`` = owed to
    them − owed by them). Hwang (1987): stored favours are a "bank" to call in.

    >>> positions = pd.DataFrame({"net": [765.15, -480.65, 0.0]}, index=["P0138", "P0143", "P0001"])
    >>> renqing_sentence(positions)
    P0138 holds the most renqing (others owe them 765 in favour value, net) and P0143 owes the most (481 net).
    """
    net = positions["net"].astype(float)
    if (net.abs() < 1e-9).all():
        return markdown("Every favour debt is settled: nobody owes anybody, net.")
    creditor, debtor = net.idxmax(), net.idxmin()
    def value(v: float) -> str:
        return amount(v, unit) if unit else number(v, 0)
    return markdown("{c} holds the most renqing (others owe them {cv} in favour value, net) and {d} owes the most ({dv} "
                    "net).", c=str(creditor), cv=value(float(net[creditor])), d=str(debtor), dv=value(-float(net[debtor])))


def closure_sentence(closure: pd.Series, n_communities: int, modularity: float, *,
                     planted: tuple[int, float] | None = None) -> Markdown:
    """How closed the guanxi network is (transitivity against density) and the circles found in it, beside the
    planted clans of a synthetic world.

    ``closure`` is :func:`crmlab.theories.guanxi.guanxi_closure`; ``n_communities`` and ``modularity``
    those of :func:`crmlab.theories.guanxi.guanxi_communities` (Louvain) and
    :func:`~crmlab.theories.guanxi.community_modularity`; ``planted`` the number of planted clans
    and their modularity. In a random network of the same density, transitivity equals the density
    (Erdős–Rényi); above it, friends of friends are friends more than by chance (Coleman 1988).

    >>> closure = pd.Series({"transitivity": 0.159, "density": 0.088})
    >>> closure_sentence(closure, 9, 0.586, planted=(10, 0.585))
    Friends of friends are friends more often than chance would make them, though most are not: 15.9% of the connected triples close into triangles (84.1% stay open), 1.8 times the 8.8% a random network of the same density would close. The Louvain method finds 9 circles (modularity 0.586; the 10 planted clans: 0.585).
    """
    t, d = float(closure["transitivity"]), float(closure["density"])
    if d > 0 and t > 1.1 * d:
        how = ("Most friends of friends are friends" if t > 0.5 else
               "Friends of friends are friends more often than chance would make them, though most are not")
        first = markdown("{how}: {t} of the connected triples close into triangles ({open} stay open), {ratio} times "
                         "the {d} a random network of the same density would close.", how=how, t=percent(t),
                         open=percent(1 - t), ratio=number(t / d, 1), d=percent(d))
    else:
        first = markdown("The network is no more closed than chance: {t} of the connected triples close into triangles, "
                         "against a density of ties of {d}.", t=percent(t), d=percent(d))
    found = markdown("The Louvain method finds {k} (modularity {q}", k=plural(n_communities, "circle"), q=number(modularity, 3))
    if planted is not None:
        found = markdown("{found}; the {n} planted clans: {q})", found=found, n=integer(planted[0]), q=number(float(planted[1]), 3))
    else:
        found = markdown("{found})", found=found)
    return markdown("{first} {found}.", first=first, found=found)


def obligation_sentence(odds: pd.DataFrame, *, term: str = "indebted", reference: Mapping[str, str] | None = None,
                        true_effect: float | None = None) -> Markdown:
    """What the obligation logit says: whether owing a favour raises the odds of giving one (Hwang's 1987
    renqing mechanism), and which base of guanxi exchanges favours most.

    ``odds`` is :func:`crmlab.theories.guanxi.obligation_test`'s table; the verdict is read from the
    95% interval of the odds ratio of ``term`` (:func:`~crmlab.display.models.odds_direction`);
    ``true_effect`` is the planted log-odds effect of a synthetic world.

    >>> odds = pd.DataFrame({"coef": [-3.0, 1.5, 1.52], "se": [0.05, 0.05, 0.03], "odds_ratio": [0.05, 4.46, 4.58],
    ...     "ci_low": [0.045, 4.08, 4.33], "ci_high": [0.055, 4.88, 4.84], "p_value": [0.0, 0.0, 0.0]},
    ...     index=["Intercept", "C(tie_type)[T.family]", "indebted"])
    >>> obligation_sentence(odds, reference={"tie_type": "business"}, true_effect=1.5)
    Owing a partner a favour multiplies the odds of giving them one in a month by 4.58 (95% CI 4.33 to 4.84, p < 0.001): debtors give back, as the obligation mechanism predicts (log-odds 1.52 against the planted 1.50). Family pairs exchange favours most often, at 4.46 times the odds of business pairs.
    """
    data = odds_ratio_columns(odds)
    row = data.loc[term]
    direction = odds_direction(row["ci_low"], row["ci_high"])
    verdict = {"up": "debtors give back, as the obligation mechanism predicts",
               "down": "debtors give less, against the obligation mechanism",
               "unclear": "no evidence that debtors give back"}[direction]
    text = odds_ratio_text(row["odds_ratio"], row["ci_low"], row["ci_high"])[:-1]
    first = markdown("Owing a partner a favour multiplies the odds of giving them one in a month by {text}, p {p}): "
                     "{verdict}", text=text, p=p_value(float(min(max(row["p_value"], 0.0), 1.0))), verdict=verdict)
    if true_effect is not None:
        first = markdown("{first} (log-odds {est} against the planted {truth}).", first=first, est=number(float(row["coef"]), 2),
                         truth=number(float(true_effect), 2))
    else:
        first = markdown("{first}.", first=first)
    ties = {str(t): float(r["odds_ratio"]) for t, r in data.iterrows() if str(t).startswith("C(tie_type)")}
    if not ties or not reference or "tie_type" not in reference:
        return first
    base = reference["tie_type"]
    levels = {term_label(t).split(": ", 1)[1]: v for t, v in ties.items()}
    levels[base] = 1.0
    top = max(levels, key=levels.get)
    if top == base:
        return markdown("{first} {base} pairs exchange favours most often.", first=first, base=name(base).capitalize())
    return markdown("{first} {top} pairs exchange favours most often, at {ratio} times the odds of {base} pairs.",
                    first=first, top=name(top).capitalize(), ratio=number(levels[top]), base=name(base))
