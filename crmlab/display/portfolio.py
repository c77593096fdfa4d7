"""The relationship portfolio as readers see it: the title chosen by the data source, reader frames and generated sentences.

Every sentence about the portfolio — which accounts are key, how concentrated
revenue is, who depends on whom, how robust the key-account list is, where
global accounts are out of line — is built here from the frame it describes
(:mod:`crmlab.strategy.portfolio`, :mod:`crmlab.strategy.key_accounts`), so that
it cannot contradict the table or figure beside it. On a synthetic world the
planted truth is set beside what the analysis found.

>>> print(report_title("synthetic").plain)
# The relationship portfolio of a synthetic B2B seller: key accounts and global accounts
>>> print(concentration_sentence(pd.Series({"n": 200.0, "hhi_points": 89.8, "equivalent_number": 111.4,
...                                         "top_5_share": 0.121})).plain)
Revenue is unconcentrated: an HHI of 90 points (below 1,500, the US merger guidelines' threshold), as if it came from 111 equal accounts; the 5 largest accounts bring 12.1%.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.audit import BORDERLINE_SELECTION, ROBUST_SELECTION
from crmlab.display.labels import label
from crmlab.display.numbers import integer, number, percent
from crmlab.display.text import Markdown, bullet_list, join_list, markdown, plural, share

__all__ = [
    "CELL_ORDER",
    "bullet_list",
    "cell_agreement",
    "cell_sentences",
    "concentration_sentence",
    "concentration_table",
    "data_name",
    "data_sentence",
    "dependence_sentences",
    "deviation_frame",
    "gam_sentences",
    "global_value_caption",
    "interdependence_sentences",
    "key_account_sentences",
    "key_cell_sentence",
    "portfolio_cells",
    "report_title",
    "sensitivity_frame",
]

#: Fiocca's cells in reading order.
CELL_ORDER = ("key", "develop", "maintain", "reduce")

#: Concentration bands of the US horizontal merger guidelines (DOJ & FTC 2010, §5.3), in HHI points.
HHI_BANDS = ((1500.0, "unconcentrated", "below 1,500"), (2500.0, "moderately concentrated", "1,500 to 2,500"),
             (np.inf, "highly concentrated", "above 2,500"))


def data_name(source: str | os.PathLike[str]) -> str:
    """What the report calls its data: "a synthetic B2B seller", or the account file's name.

    >>> data_name("synthetic"), data_name("exports/accounts.csv")
    ('a synthetic B2B seller', 'accounts.csv')
    """
    key = str(source)
    return "a synthetic B2B seller" if key == "synthetic" else (Path(key).name or key)


def report_title(source: str | os.PathLike[str]) -> Markdown:
    """The report's title, naming its data (escaped: a file name is text, not markup).

    >>> print(report_title("<img src=x onerror=alert(4)>.csv").text)
    # The relationship portfolio of &lt;img src=x onerror=alert\\(4\\)&gt;\\.csv: key accounts and global accounts
    """
    return markdown("# The relationship portfolio of {name}: key accounts and global accounts", name=data_name(source))


def data_sentence(source: str | os.PathLike[str], accounts: pd.DataFrame, terms: pd.DataFrame | None,
                  ties: pd.DataFrame | None, *, seed: int | None = None) -> Markdown:
    """What data the report ran on, chosen by the source and counted from the tables.

    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "revenue": [1.0, 2.0]})
    >>> terms = pd.DataFrame({"account_id": ["a", "a", "b"], "unit": ["DE", "FR", "DE"]})
    >>> print(data_sentence("synthetic", acc, terms, None, seed=42).plain)
    The data: a synthetic B2B seller drawn by crmlab.strategy.account_world.simulate_accounts (seed 42) — latent attractiveness and strength behind noisy criteria, so the true portfolio cells, the planted inconsistencies of terms and the hidden global accounts are known: 2 accounts; 2 serving units give terms to 2 accounts, 1 of them global (served by two or more units); no account–supplier ties.
    >>> print(data_sentence("mine.csv", acc, None, None).plain)
    The data: the account table mine.csv: 2 accounts; no unit terms; no account–supplier ties.
    """
    parts = [plural(len(accounts), "account")]
    if terms is None:
        parts.append("no unit terms")
    else:
        units = terms.groupby("account_id")["unit"].nunique()
        parts.append(f"{plural(terms['unit'].nunique(), 'serving unit')} give terms to {plural(len(units), 'account')}, "
                     f"{integer(units.ge(2).sum())} of them global (served by two or more units)")
    parts.append("no account–supplier ties" if ties is None else
                 f"{plural(len(ties), 'account–supplier tie')} to {plural(ties['actor_id'].nunique(), 'supplier')}")
    counts = "; ".join(parts)
    if str(source) == "synthetic":
        seeded = "" if seed is None else f" (seed {seed})"
        return markdown("The data: a synthetic B2B seller drawn by crmlab.strategy.account_world.simulate_accounts"
                        "{seeded} — latent attractiveness and strength behind noisy criteria, so the true portfolio "
                        "cells, the planted inconsistencies of terms and the hidden global accounts are known: {counts}.",
                        seeded=seeded, counts=counts)
    return markdown("The data: the account table {name}: {counts}.", name=Path(str(source)).name, counts=counts)


def portfolio_cells(portfolio: pd.DataFrame) -> pd.DataFrame:
    """Accounts and revenue per cell of :func:`~crmlab.strategy.portfolio.portfolio_matrix`, with the strategy.

    >>> pm = pd.DataFrame({"cell": ["key", "reduce", "key"], "strategy": ["a", "b", "a"], "revenue": [6.0, 2.0, 2.0]})
    >>> portfolio_cells(pm)[["cell", "accounts", "share_of_revenue"]].values.tolist()
    [['key', 2, 0.8], ['develop', 0, 0.0], ['maintain', 0, 0.0], ['reduce', 1, 0.2]]
    """
    cell = portfolio["cell"].astype(str)
    grouped = portfolio.assign(cell=cell).groupby("cell")
    out = pd.DataFrame({"cell": list(CELL_ORDER)})
    out["accounts"] = out["cell"].map(grouped.size()).fillna(0).astype(int)
    out["revenue"] = out["cell"].map(grouped["revenue"].sum()).fillna(0.0)
    out["share_of_revenue"] = out["revenue"] / portfolio["revenue"].sum()
    if "strategy" in portfolio:
        from crmlab.strategy.portfolio import PORTFOLIO_CELLS

        strategies = {c: s for c, s in PORTFOLIO_CELLS.values()}
        out.insert(1, "strategy", out["cell"].map(strategies))
    return out


def cell_sentences(cells: pd.DataFrame) -> Markdown:
    """Where the revenue is, by cell, from :func:`portfolio_cells`: the cells ranked by their share of revenue.

    >>> cells = pd.DataFrame({"cell": ["key", "develop", "maintain", "reduce"], "accounts": [2, 3, 1, 4],
    ...                       "share_of_revenue": [0.3, 0.5, 0.1, 0.1]})
    >>> print(cell_sentences(cells).plain)
    Develop accounts bring the largest share of revenue, 50.0% from 3 accounts; then key 30.0% (2 accounts), maintain 10.0% (1 account) and reduce 10.0% (4 accounts).
    """
    ranked = cells.sort_values("share_of_revenue", ascending=False, kind="stable")
    top, rest = ranked.iloc[0], ranked.iloc[1:]
    others = [f"{r.cell} {percent(r.share_of_revenue)} ({plural(r.accounts, 'account')})" for r in rest.itertuples()]
    tie = len(rest) and percent(rest.iloc[0]["share_of_revenue"]) == percent(top["share_of_revenue"])
    lead = "as large a share of revenue as the next" if tie else "the largest share of revenue"
    return markdown("{cell} accounts bring {lead}, {share} from {n}; then {rest}.", cell=str(top["cell"]).capitalize(),
                    lead=lead, share=percent(top["share_of_revenue"]), n=plural(top["accounts"], "account"),
                    rest=join_list(others))


def cell_agreement(portfolio: pd.DataFrame, truth: pd.DataFrame) -> tuple[float, pd.DataFrame]:
    """How many accounts the portfolio puts in their planted cell: the agreement share and the cross-tabulation.

    ``truth`` has ``account_id`` and the planted ``cell`` (a synthetic world's
    truth). The cross-tabulation has one row per estimated cell and one column
    per planted cell, in :data:`CELL_ORDER`.

    >>> pm = pd.DataFrame({"account_id": list("abc"), "cell": ["key", "develop", "reduce"]})
    >>> truth = pd.DataFrame({"account_id": list("abc"), "cell": ["key", "key", "reduce"]})
    >>> agree, table = cell_agreement(pm, truth)
    >>> round(agree, 3), table.loc[table["estimated cell"] == "develop", "planted key"].item()
    (0.667, 1)
    """
    planted = truth.set_index("account_id")["cell"].astype(str).reindex(portfolio["account_id"]).to_numpy()
    estimated = portfolio["cell"].astype(str).to_numpy()
    table = pd.crosstab(pd.Categorical(estimated, categories=CELL_ORDER), pd.Categorical(planted, categories=CELL_ORDER),
                        dropna=False)
    table.columns = [f"planted {c}" for c in table.columns]
    table.index = list(table.index)
    table = table.rename_axis("estimated cell").reset_index()
    return float(np.mean(estimated == planted)), table


def concentration_table(conc: pd.Series) -> pd.DataFrame:
    """The concentration measures of :func:`~crmlab.strategy.portfolio.concentration` as rows for readers.

    Returns ``measure``, ``value``, ``kind`` (how to write the value) and ``definition``.

    >>> conc = pd.Series({"n": 3.0, "hhi": 0.38, "hhi_points": 3800.0, "hhi_normalised": 0.07,
    ...                   "equivalent_number": 2.63, "top_1_share": 0.5})
    >>> concentration_table(conc)[["measure", "kind"]].values.tolist()[:3]
    [['accounts', 'integer'], ['HHI (points)', 'integer'], ['normalised HHI', 'percent']]
    """
    rows = [("accounts", conc["n"], "integer", "accounts with revenue"),
            ("HHI (points)", conc["hhi_points"], "integer",
             "Σ revenue share² × 10,000 (Herfindahl 1950); below 1,500 unconcentrated, above 2,500 highly concentrated"),
            ("normalised HHI", conc["hhi_normalised"], "percent", "(HHI − 1/n) / (1 − 1/n): 0 for equal accounts, 100% for one"),
            ("equivalent number of accounts", conc["equivalent_number"], "number",
             "10,000 / HHI in points (1 / Σ revenue share²): equal-sized accounts with the same HHI")]
    for key, value in conc.items():
        if str(key).startswith("top_") and str(key).endswith("_share"):
            k = int(str(key)[len("top_"):-len("_share")])
            rows.append((f"share of the largest {plural(k, 'account')}", value, "percent",
                         f"concentration ratio CR{k}: revenue of the {k} largest over the total"))
    return pd.DataFrame(rows, columns=["measure", "value", "kind", "definition"])


def concentration_sentence(conc: pd.Series, *, top: int = 5) -> Markdown:
    """How concentrated revenue is, in the bands of the US merger guidelines (DOJ & FTC 2010, §5.3).

    >>> print(concentration_sentence(pd.Series({"n": 4.0, "hhi_points": 4200.0, "equivalent_number": 2.4,
    ...                                         "top_1_share": 0.6}), top=1).plain)
    Revenue is highly concentrated: an HHI of 4,200 points (above 2,500, the US merger guidelines' threshold), as if it came from 2.40 equal accounts; the largest account brings 60.0%.
    """
    points = float(conc["hhi_points"])
    word, band = next((w, b) for limit, w, b in HHI_BANDS if points < limit)
    key = f"top_{top}_share"
    largest = "" if key not in conc else (
        f"; the largest account brings {percent(conc[key])}" if top == 1
        else f"; the {integer(top)} largest accounts bring {percent(conc[key])}")
    return markdown("Revenue is {word}: an HHI of {points} points ({band}, the US merger guidelines' threshold), "
                    "as if it came from {equivalent} equal accounts{largest}.", word=word, points=integer(points),
                    band=band, equivalent=number(float(conc["equivalent_number"])), largest=Markdown(largest))


def dependence_sentences(risk: pd.DataFrame, *, threshold: float) -> Markdown:
    """Which accounts the seller depends on, and which hold the power, from :func:`~crmlab.strategy.portfolio.dependence_risk`.

    An account holds the power when the seller depends on it more than it
    depends on the seller (``asymmetry`` > 0: its share of the seller's
    revenue above the seller's share of its wallet; Emerson 1962).

    >>> risk = pd.DataFrame({"account_id": ["a", "b", "c"], "seller_dependence": [0.5, 0.3, 0.2],
    ...                      "asymmetry": [0.2, -0.4, np.nan], "at_risk": [True, True, False]})
    >>> print(dependence_sentences(risk, threshold=0.25).plain)
    2 accounts each bring at least 25.0% of revenue (a and b, 80.0% together). 1 account holds the power (it depends on the seller less than the seller depends on it): a.
    """
    at_risk = risk[risk["at_risk"]]
    if at_risk.empty:
        first = markdown("No account brings {t} of revenue or more: no single account is a dependence risk.",
                         t=percent(threshold))
    else:
        first = markdown("{n} {each} at least {t} of revenue ({ids}, {total} together).",
                         n=plural(len(at_risk), "account"), each="brings" if len(at_risk) == 1 else "each bring",
                         t=percent(threshold), ids=join_list(at_risk["account_id"].astype(str)),
                         total=percent(at_risk["seller_dependence"].sum()))
    known = risk["asymmetry"].dropna()
    if known.empty:
        second = Markdown(" Without the share of wallet the accounts' dependence on the seller is unknown.")
    else:
        power = risk.loc[known.index[known > 0], "account_id"].astype(str)
        if power.empty:
            second = markdown(" No account holds the power: for each of the {n} with a known share of wallet, the "
                              "seller's share of its wallet is above its share of the seller's revenue.",
                              n=integer(len(known)))
        else:
            shown = list(power[:10]) + ([f"{len(power) - 10} more"] if len(power) > 10 else [])
            second = markdown(" {n} the power ({it} on the seller less than the seller depends on {them}): {ids}.",
                              n=f"{plural(len(power), 'account')} {'holds' if len(power) == 1 else 'hold'}",
                              it="it depends" if len(power) == 1 else "they depend",
                              them="it" if len(power) == 1 else "them", ids=join_list(shown))
    return Markdown(first.text + second.text, first.plain + second.plain)


def interdependence_sentences(pairs: pd.DataFrame, n_accounts: int, truth: pd.DataFrame | None = None) -> Markdown:
    """How tied the accounts are through shared suppliers and sectors, from :func:`~crmlab.strategy.portfolio.relationship_interdependencies`.

    The frame holds every pair tied by a shared supplier and, where the
    accounts have a sector, every pair of one sector (``same_sector``), with
    0 shared suppliers when the sector is their only tie: the sentence counts
    both kinds, so that each count of the page is accounted for. With a
    synthetic world's ``truth`` (``account_id``, ``supplier_group``), the pairs
    that share a supplier are set against the planted groups, whose accounts
    all buy from two of their group's three core suppliers.

    >>> pairs = pd.DataFrame({"account_a": ["a", "a", "b"], "account_b": ["b", "c", "c"], "shared_actors": [2, 0, 1],
    ...                       "same_sector": [True, True, False]})
    >>> truth = pd.DataFrame({"account_id": list("abc"), "supplier_group": [0, 0, 1]})
    >>> print(interdependence_sentences(pairs, 3, truth).plain)
    2 of the 3 pairs of accounts share at least one supplier; 3 of the 3 accounts (100.0%) share a supplier with another, the median account with 1 other. 2 pairs are in the same sector: 1 of them also shares a supplier, 1 is tied by the sector alone. Of the pairs sharing a supplier, 1 of 2 (50.0%) are in the same planted supplier group; the world planted 1 such pair, 1 of them found.
    """
    tied = pairs[pairs["shared_actors"] > 0]
    possible = n_accounts * (n_accounts - 1) // 2
    parts = []
    if tied.empty:
        parts.append(markdown("No two accounts share a supplier."))
    else:
        degree = pd.concat([tied["account_a"], tied["account_b"]]).value_counts()
        median = float(np.median(np.r_[degree.to_numpy(), np.zeros(max(n_accounts - len(degree), 0))]))
        parts.append(markdown("{pairs} of the {possible} {word} of accounts share at least one supplier; {k} of the {n} "
                              "accounts ({pct}) share a supplier with another, the median account with {median} {others}.",
                              pairs=integer(len(tied)), possible=integer(possible), word="pair" if possible == 1 else "pairs",
                              k=integer(len(degree)), n=integer(n_accounts), pct=percent(len(degree) / n_accounts),
                              median=number(median), others="other" if median == 1 else "others"))
    if "same_sector" in pairs:
        sector = pairs[pairs["same_sector"].astype(bool)]
        both = int((sector["shared_actors"] > 0).sum())
        alone = len(sector) - both
        parts.append(markdown(" {n} in the same sector: {both} of them also {share} a supplier, {alone} {is_} tied by the "
                              "sector alone.", n=f"{plural(len(sector), 'pair')} {'is' if len(sector) == 1 else 'are'}",
                              both=integer(both), share="shares" if both == 1 else "share", alone=integer(alone),
                              is_="is" if alone == 1 else "are"))
    if truth is not None and not tied.empty:
        group = truth.set_index("account_id")["supplier_group"]
        same = group.reindex(tied["account_a"]).to_numpy() == group.reindex(tied["account_b"]).to_numpy()
        sizes = group.value_counts()
        planted = int((sizes * (sizes - 1) // 2).sum())
        found = int(same.sum())
        parts.append(markdown(" Of the pairs sharing a supplier, {same} are in the same planted supplier group; the world "
                              "planted {planted} such {word}, {found} of them found.", same=share(found, len(tied)),
                              planted=integer(planted), word="pair" if planted == 1 else "pairs", found=integer(found)))
    return Markdown("".join(p.text for p in parts), "".join(p.plain for p in parts))


def key_account_sentences(key: pd.DataFrame, frequency: pd.DataFrame, accounts: pd.DataFrame, *,
                          robust: float = ROBUST_SELECTION, borderline: tuple[float, float] = BORDERLINE_SELECTION,
                          show: int = 8) -> Markdown:
    """Which accounts are key, what share of revenue they bring, and how robust the choice is to the weights.

    Takes :func:`~crmlab.strategy.key_accounts.select_key_accounts`, the
    frequencies of :func:`~crmlab.strategy.key_accounts.selection_sensitivity`
    and the accounts (``account_id``, ``revenue``).

    >>> key = pd.DataFrame({"account_id": ["a", "b", "c"], "key": [True, True, False]})
    >>> freq = pd.DataFrame({"account_id": ["a", "b", "c"], "selection_frequency": [1.0, 0.6, 0.3]})
    >>> acc = pd.DataFrame({"account_id": ["a", "b", "c"], "revenue": [60.0, 20.0, 20.0]})
    >>> print(key_account_sentences(key, freq, acc).plain)
    The 2 KAM key accounts (a and b) bring 80.0% of revenue. 1 of them (a) is key under at least 90% of the random weightings; 2 accounts are borderline (selected under 10–90% of them): b and c.
    """
    chosen = key.loc[key["key"], "account_id"].astype(str).tolist()
    revenue = accounts.set_index(accounts["account_id"].astype(str))["revenue"]
    f = frequency.set_index(frequency["account_id"].astype(str))["selection_frequency"]
    sure = [a for a in chosen if f.get(a, 0.0) >= robust]
    lo, hi = borderline
    border = frequency.loc[(frequency["selection_frequency"] > lo) & (frequency["selection_frequency"] < hi), "account_id"]
    border = border.astype(str).tolist()

    def names(ids: list[str]) -> str:
        return join_list(ids[:show] + ([f"{len(ids) - show} more"] if len(ids) > show else []))

    first = markdown("The {n} KAM key accounts ({ids}) bring {share} of revenue.", n=integer(len(chosen)), ids=names(chosen),
                     share=percent(revenue[chosen].sum() / revenue.sum()))
    sure_ids = f" ({names(sure)})" if sure else ""
    second = markdown(" {k} of them{ids} {verb} key under at least {robust} of the random weightings; ",
                      k=integer(len(sure)), ids=sure_ids, verb="is" if len(sure) == 1 else "are", robust=percent(robust, 0))
    third = (markdown("{n} borderline (selected under {lo}–{hi} of them): {ids}.",
                      n=f"{plural(len(border), 'account')} {'is' if len(border) == 1 else 'are'}",
                      lo=percent(lo, 0).rstrip("%"), hi=percent(hi, 0), ids=names(border)) if border
             else markdown("no account is borderline: the list does not depend on the weights."))
    return Markdown(first.text + second.text + third.text, first.plain + second.plain + third.plain)


def key_cell_sentence(portfolio: pd.DataFrame, kam_keys: Any = None) -> Markdown:
    """The two meanings of "key" reconciled: the portfolio matrix's key cell against the KAM key accounts.

    The matrix's key cell holds every account above the cut-off on both
    attractiveness and strength (Fiocca 1982); the KAM key accounts are the
    few selected on the stated criteria for key account management
    (McDonald, Millman & Rogers 1997). ``portfolio`` is
    :func:`~crmlab.strategy.portfolio.portfolio_matrix` (``account_id``,
    ``cell``, ``revenue``); ``kam_keys`` the KAM key accounts' ids (default:
    the rows the portfolio marks ``kam_key``, as
    :func:`crmlab.audit.account_indicators` returns it).

    >>> pm = pd.DataFrame({"account_id": list("abcd"), "cell": ["key", "key", "develop", "reduce"],
    ...                    "revenue": [40.0, 20.0, 30.0, 10.0]})
    >>> print(key_cell_sentence(pm, ["a", "c"]).plain)
    "Key" means two things here: the portfolio matrix's key cell holds 2 accounts with 60.0% of revenue (high attractiveness and strength), while the 2 KAM key accounts, selected on the stated criteria, bring 70.0%; 1 of them is in the key cell.
    """
    if kam_keys is None:
        kam_keys = portfolio.loc[portfolio["kam_key"].astype(bool), "account_id"]
    kam = set(map(str, kam_keys))
    ids = portfolio["account_id"].astype(str)
    in_cell = portfolio["cell"].astype(str) == "key"
    in_kam = ids.isin(kam)
    total = portfolio["revenue"].sum()
    both = int((in_cell & in_kam).sum())
    return markdown("\"Key\" means two things here: the portfolio matrix's key cell holds {cell} with {cell_share} of "
                    "revenue (high attractiveness and strength), while the {n} KAM key {accounts}, selected on the "
                    "stated criteria, {bring} {kam_share}; {both} of them {is_} in the key cell.",
                    cell=plural(int(in_cell.sum()), "account"), cell_share=percent(portfolio.loc[in_cell, "revenue"].sum() / total),
                    n=integer(int(in_kam.sum())), accounts="account" if in_kam.sum() == 1 else "accounts",
                    bring="brings" if in_kam.sum() == 1 else "bring",
                    kam_share=percent(portfolio.loc[in_kam, "revenue"].sum() / total), both=integer(both),
                    is_="is" if both == 1 else "are")


def sensitivity_frame(scenarios: pd.DataFrame) -> pd.DataFrame:
    """The scenarios of :func:`~crmlab.strategy.key_accounts.selection_sensitivity` for readers.

    The criterion in each scenario's name gets its reader label; an empty
    list of accounts entering or leaving is written "none".

    >>> sc = pd.DataFrame({"scenario": ["base", "strategic_fit × 0.5"], "entered": ["", "a"], "left": ["", "b"],
    ...                    "jaccard": [1.0, 0.33]})
    >>> sensitivity_frame(sc).values.tolist()
    [['base weights', 'none', 'none', 1.0], ['Strategic fit weight × 0.5', 'a', 'b', 0.33]]
    """
    def name(scenario: str) -> str:
        if scenario == "base":
            return "base weights"
        criterion, _, factor = scenario.partition(" × ")
        return f"{label(criterion)} weight × {factor}"

    return pd.DataFrame({"scenario": scenarios["scenario"].map(name),
                         "entered": scenarios["entered"].replace("", "none"),
                         "left": scenarios["left"].replace("", "none"),
                         "jaccard": scenarios["jaccard"].astype(float)})


#: How each GAM term's values are written (a kind of :func:`crmlab.display.table`).
_TERM_KINDS = {"price": "money", "payment_days": "integer", "service_level": "percent"}


def _gap_text(term: str, gap: float) -> str:
    """A unit's gap to the median of the units in the unit of its term: % for a price, days, points of service."""
    if term == "price":
        return percent(gap)
    if term == "payment_days":
        return plural(gap, "day")
    if term == "service_level":
        return f"{gap * 100:.1f} points"
    return number(gap)


def deviation_frame(deviations: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The deviations of :func:`~crmlab.strategy.key_accounts.gam_consistency` for readers, with each row's kinds.

    Returns the frame (terms by their reader names) and the ``row_kinds`` of
    :func:`crmlab.display.table` for the value and the reference (a price is
    money, payment terms are days, a service level a share). The gap is
    written with its unit: relative for a price (%), days for payment terms,
    percentage points for a service level (two shares' difference is not a
    share of anything).

    >>> dev = pd.DataFrame({"account_id": ["A", "B"], "product": ["all", "all"], "unit": ["US", "DE"],
    ...                     "term": ["payment_days", "service_level"], "value": [90.0, 0.751],
    ...                     "reference": [30.0, 0.953], "gap": [60.0, -0.202]})
    >>> frame, kinds = deviation_frame(dev)
    >>> frame["term"].tolist(), frame["gap"].tolist(), kinds["value"]
    (['payment days', 'service level'], ['60 days', '-20.2 points'], ['integer', 'percent'])
    """
    frame = deviations.copy()
    kinds = [_TERM_KINDS.get(t, "number") for t in frame["term"]]
    frame["gap"] = [_gap_text(t, g) for t, g in zip(frame["term"], frame["gap"])]
    frame["term"] = frame["term"].map(lambda t: label(t).lower())
    return frame, {"value": kinds, "reference": kinds}


def global_value_caption(value: pd.DataFrame, *, local_top: int) -> str:
    """The caption of the table of the firm's top accounts, from :func:`~crmlab.strategy.key_accounts.global_account_value`.

    Says over what the rank runs: every account of the firm when the value
    frame has one (with 0 units for an account the unit terms leave out, which
    is ranked in the firm on the account table's revenue but in no unit).

    >>> value = pd.DataFrame({"account_id": ["A", "B", "L"], "n_units": [3, 1, 0]})
    >>> global_value_caption(value, local_top=10)
    "The firm's top 10 of its 3 accounts by revenue summed over the units serving them (ties included; 1 account without unit terms is ranked on the account table's revenue)"
    """
    without = int((value["n_units"] == 0).sum())
    note = "" if not without else (f"; {plural(without, 'account')} without unit terms "
                                   f"{'is' if without == 1 else 'are'} ranked on the account table's revenue")
    return (f"The firm's top {integer(local_top)} of its {plural(len(value), 'account')} by revenue summed over the "
            f"units serving them (ties included{note})")


def gam_sentences(summary: pd.DataFrame, deviations: pd.DataFrame, value: pd.DataFrame, *, local_top: int = 10,
                  planted: pd.DataFrame | None = None, truth: pd.DataFrame | None = None) -> Markdown:
    """Global accounts: how many have a unit out of line, on which terms, and the hidden global accounts.

    Takes :func:`~crmlab.strategy.key_accounts.gam_consistency` (``deviations``,
    ``summary``) and :func:`~crmlab.strategy.key_accounts.global_account_value`
    computed with ``local_top``: a hidden global account is in the firm's top
    ``local_top`` by revenue over all its units but in no unit's top
    ``local_top``. With a synthetic world's ``planted`` cells (``account_id``,
    ``unit``, ``term``) and ``truth`` (``hidden_global``), what was found is set
    beside what was planted, and an account that is hidden without having been
    planted is named as such.

    >>> summary = pd.DataFrame({"account_id": ["A", "B"], "coordination_missing": [True, False]})
    >>> dev = pd.DataFrame({"account_id": ["A"], "unit": ["US"], "term": ["price"]})
    >>> value = pd.DataFrame({"account_id": ["A", "B", "C"], "n_units": [3, 2, 1], "hidden_global": [False, True, False]})
    >>> planted = pd.DataFrame({"account_id": ["A"], "unit": ["US"], "term": ["price"]})
    >>> truth = pd.DataFrame({"account_id": ["A", "B", "C"], "hidden_global": [False, True, False]})
    >>> print(gam_sentences(summary, dev, value, local_top=10, planted=planted, truth=truth).plain)
    1 of the 2 global accounts (50.0%) has a unit out of line (1 price). Hidden global accounts, in the firm's top 10 by revenue over all units but in no unit's top 10: B. Planted inconsistencies found: 1 of 1, with no false alarm; hidden global accounts found: 1 of the 1 planted.
    """
    accounts = summary.groupby("account_id")["coordination_missing"].any()
    n_global = int((value["n_units"] >= 2).sum())
    terms = deviations["term"].value_counts()
    which = join_list(f"{integer(n)} {label(t).lower()}" for t, n in terms.items())
    first = markdown("{k} of the {n} global accounts ({pct}) {verb} a unit out of line{terms}.", k=integer(accounts.sum()),
                     n=integer(n_global), pct=percent(accounts.sum() / n_global) if n_global else "–",
                     verb="has" if accounts.sum() == 1 else "have", terms=f" ({which})" if which else "")
    hidden = value.loc[value["hidden_global"], "account_id"].astype(str).tolist()
    top = integer(local_top)
    second = (markdown(" Hidden global accounts, in the firm's top {top} by revenue over all units but in no unit's top "
                       "{top}: {ids}.", top=top, ids=join_list(hidden)) if hidden
              else markdown(" No hidden global account: each of the firm's top {top} accounts is in some unit's top {top}.",
                            top=top))
    parts = [first, second]
    if planted is not None:
        found = set(map(tuple, deviations[["account_id", "unit", "term"]].astype(str).to_numpy()))
        true = set(map(tuple, planted[["account_id", "unit", "term"]].astype(str).to_numpy()))
        false = len(found - true)
        parts.append(markdown(" Planted inconsistencies found: {hit} of {n}, with {false}", hit=integer(len(found & true)),
                              n=integer(len(true)), false="no false alarm" if false == 0 else plural(false, "false alarm")))
        if truth is not None:
            planted_hidden = set(truth.loc[truth["hidden_global"], "account_id"].astype(str))
            if planted_hidden:
                parts.append(markdown("; hidden global accounts found: {hit} of the {n} planted",
                                      hit=integer(len(planted_hidden & set(hidden))), n=integer(len(planted_hidden))))
            else:
                parts.append(markdown("; the world planted no hidden global account"))
            extra = sorted(set(hidden) - planted_hidden)
            if extra:
                parts.append(markdown(", and {ids} {is_} hidden without being planted (a global account whose units "
                                      "each see little of it)", ids=join_list(extra),
                                      is_="is" if len(extra) == 1 else "are"))
        parts.append(Markdown("."))
    return Markdown("".join(p.text for p in parts), "".join(p.plain for p in parts))
