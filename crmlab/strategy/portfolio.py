"""The portfolio of customer relationships: attractiveness against strength, concentration, interdependence.

A firm's customers are a portfolio to be managed as a whole (Fiocca 1982;
Turnbull 1990; Gummesson's "relationship portfolio"): each account is judged by
how attractive it is to the seller and how strong the relationship already is,
the portfolio's risk by how concentrated revenue is, and the accounts'
interdependence by what they share in the network around them (suppliers,
sector rivals; Anderson, Håkansson & Johanson 1994).

- :func:`read_accounts` — the account table, checked;
- :func:`composite_score` — a weighted additive score of min–max scaled criteria;
- :func:`portfolio_matrix` — attractiveness × relationship strength, classified into Fiocca's four cells;
- :func:`portfolio_cutoffs` — where each axis of the matrix is cut into low and high;
- :func:`concentration` — Herfindahl–Hirschman index, equivalent number of accounts, top-k shares, and :func:`concentration_curve`;
- :func:`dependence_risk` — each account's share of the seller's revenue against the seller's share of the account's wallet;
- :func:`relationship_interdependencies` — pairs of accounts tied through shared suppliers or a common sector.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

# networkx is imported by the one function that builds a graph, so the portfolio tables do not pay for it.

from crmlab.data.errors import DataError, Problem
from crmlab.data.tables import Column, read_table

__all__ = [
    "ACCOUNT_COLUMNS",
    "PORTFOLIO_CELLS",
    "TIE_COLUMNS",
    "composite_score",
    "concentration",
    "concentration_curve",
    "dependence_risk",
    "portfolio_cutoffs",
    "portfolio_matrix",
    "read_accounts",
    "read_ties",
    "relationship_interdependencies",
]

#: The account table: one row per account. Only ``account_id`` and ``revenue`` are required;
#: the others are criteria of attractiveness and strength where the firm has them.
ACCOUNT_COLUMNS = (
    Column("account_id", "id"),
    Column("revenue", "number", low=0),
    Column("clv", "number", required=False, nullable=True),
    Column("growth", "number", required=False, nullable=True),
    Column("strategic_fit", "number", required=False, nullable=True, low=0, high=1),
    Column("tenure", "number", required=False, nullable=True, low=0),
    Column("share_of_wallet", "number", required=False, nullable=True, low=0, high=1),
    Column("trust", "number", required=False, nullable=True),
    Column("commitment", "number", required=False, nullable=True),
    Column("triplet", "number", required=False, nullable=True),
    Column("sector", "text", required=False, nullable=True),
)

#: Ties of accounts to other actors of the network (``relation``: supplier, partner, …).
TIE_COLUMNS = (Column("account_id", "id"), Column("actor_id", "id"), Column("relation", "text"))

#: Fiocca's (1982) cells: (attractiveness high?, strength high?) → (cell, the strategy it calls for).
PORTFOLIO_CELLS = {
    (True, True): ("key", "maintain and strengthen: key account management"),
    (True, False): ("develop", "invest to build the relationship"),
    (False, True): ("maintain", "serve efficiently, protect the margin"),
    (False, False): ("reduce", "standardise or lower the cost to serve"),
}

#: Default criteria of each axis and their weights (parameters: pass your own).
DEFAULT_ATTRACTIVENESS = {"clv": 0.5, "growth": 0.3, "strategic_fit": 0.2}
DEFAULT_STRENGTH = {"tenure": 0.3, "share_of_wallet": 0.4, "trust": 0.15, "commitment": 0.15}


def read_accounts(source: Any, *, rename: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The account table (:data:`ACCOUNT_COLUMNS`) from a file or DataFrame, checked by row and column.

    >>> read_accounts(pd.DataFrame({"account_id": ["A"], "revenue": [120.0], "share_of_wallet": [0.4]}))[["account_id", "revenue", "share_of_wallet"]]
      account_id  revenue  share_of_wallet
    0          A    120.0              0.4
    """
    return read_table(source, ACCOUNT_COLUMNS, what="accounts", unique=["account_id"], rename=rename)


def read_ties(source: Any, *, rename: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Account–actor ties (:data:`TIE_COLUMNS`), e.g. which suppliers each account buys from.

    >>> read_ties(pd.DataFrame({"account_id": ["A"], "actor_id": ["S1"], "relation": ["Supplier"]}))
      account_id actor_id  relation
    0          A       S1  supplier
    """
    ties = read_table(source, TIE_COLUMNS, what="ties", unique=["account_id", "actor_id", "relation"], rename=rename)
    ties["relation"] = ties["relation"].str.strip().str.lower()
    return ties


def _criteria(frame: pd.DataFrame, weights: Mapping[str, float], axis: str) -> dict[str, float]:
    problems = []
    for name, w in weights.items():
        if name not in frame.columns:
            problems.append(Problem(f"{axis} criterion not in the accounts (has: {', '.join(map(str, frame.columns))})", column=name))
        elif not np.isfinite(w) or w < 0:
            problems.append(Problem(f"{axis} weight must be a finite number ≥ 0", column=name, value=w))
    if problems:
        raise DataError("weights", problems)
    for name in weights:
        values = pd.to_numeric(frame[name], errors="coerce")
        bad = (values.isna() & frame[name].notna()) | np.isinf(values)
        problems += [Problem(f"{axis} criterion must be a finite number", row=r, column=name, value=frame.at[r, name])
                     for r in frame.index[bad]]
    if problems:
        raise DataError("accounts", problems)
    usable = {n: float(w) for n, w in weights.items() if w > 0 and frame[n].notna().any()}
    if not usable:
        raise DataError("weights", [Problem(f"no {axis} criterion with a positive weight and data")])
    total = sum(usable.values())
    return {n: w / total for n, w in usable.items()}


def composite_score(accounts: pd.DataFrame, weights: Mapping[str, float], *, axis: str = "score") -> pd.Series:
    """A weighted additive score in [0, 1]: Σ_j w_j · (x_ij − min_j) / (max_j − min_j), weights normalised to sum 1.

    The simple additive weighting of multi-criteria decision analysis (e.g.
    Belton & Stewart 2002), as in the account-portfolio models of Fiocca (1982)
    and Campbell & Cunningham (1983). Criteria are min–max scaled over the
    accounts so that no unit dominates; a constant criterion scores 0.5; a
    missing value scores the criterion's mean (it neither helps nor hurts).
    Criteria with weight 0 or no data are left out and the others renormalised.

    >>> acc = pd.DataFrame({"clv": [100.0, 300.0, 200.0], "growth": [0.1, 0.0, 0.2]}, index=["a", "b", "c"])
    >>> composite_score(acc, {"clv": 0.5, "growth": 0.5}).round(3).tolist()   # a: (0 + 0.5)/2, b: (1 + 0)/2, c: (0.5 + 1)/2
    [0.25, 0.5, 0.75]
    """
    w = _criteria(accounts, weights, axis)
    score = pd.Series(0.0, index=accounts.index)
    for name, weight in w.items():
        x = pd.to_numeric(accounts[name]).astype(float)
        lo, hi = x.min(), x.max()
        scaled = (x - lo) / (hi - lo) if hi > lo else pd.Series(0.5, index=x.index)
        score += weight * scaled.fillna(scaled.mean())
    return score.rename(axis)


def portfolio_matrix(
    accounts: pd.DataFrame,
    *,
    attractiveness: Mapping[str, float] | None = None,
    strength: Mapping[str, float] | None = None,
    cutoff: float | str = "median",
) -> pd.DataFrame:
    """Fiocca's (1982) account portfolio: customer attractiveness × strength of the relationship.

    Each axis is a :func:`composite_score` of its criteria (defaults
    :data:`DEFAULT_ATTRACTIVENESS` — CLV, growth, strategic fit — and
    :data:`DEFAULT_STRENGTH` — tenure, share of wallet, trust, commitment; only
    those present are used). An account is *high* on an axis when its score is
    above the cut-off: ``"median"`` (strictly above the portfolio's median, so at
    most half the accounts are high, and accounts tied at the median are low) or
    a number in [0, 1] on the scaled score (high at or above it). An axis on which
    every account scores the same cannot tell accounts apart: a warning says so. The cells
    (:data:`PORTFOLIO_CELLS`): **key** (high, high), **develop** (attractive, weak),
    **maintain** (unattractive, strong), **reduce** (low, low).

    Returns the accounts with ``attractiveness``, ``strength``, ``cell`` and ``strategy``.

    >>> acc = pd.DataFrame({"account_id": list("abcd"), "clv": [9.0, 8.0, 1.0, 2.0], "tenure": [5.0, 1.0, 6.0, 0.0]})
    >>> portfolio_matrix(acc, attractiveness={"clv": 1}, strength={"tenure": 1})["cell"].tolist()
    ['key', 'develop', 'maintain', 'reduce']
    """
    # The defaults use whichever of their criteria the accounts have; weights passed in are used as given.
    if attractiveness is None:
        attractiveness = {k: w for k, w in DEFAULT_ATTRACTIVENESS.items() if k in accounts.columns}
    if strength is None:
        strength = {k: w for k, w in DEFAULT_STRENGTH.items() if k in accounts.columns}
    out = accounts.copy()
    out["attractiveness"] = composite_score(accounts, attractiveness, axis="attractiveness")
    out["strength"] = composite_score(accounts, strength, axis="strength")
    for axis in ("attractiveness", "strength"):
        if out[axis].nunique() < 2:
            warnings.warn(f"every account has the same {axis}: the portfolio cannot separate them on it", stacklevel=2)
    cuts = portfolio_cutoffs(out, cutoff)
    if cutoff == "median":
        high_a, high_s = out["attractiveness"] > cuts["attractiveness"], out["strength"] > cuts["strength"]
    else:
        high_a, high_s = out["attractiveness"] >= cuts["attractiveness"], out["strength"] >= cuts["strength"]
    cells = [PORTFOLIO_CELLS[(bool(a), bool(s))] for a, s in zip(high_a, high_s)]
    out["cell"] = pd.Categorical([c for c, _ in cells], categories=["key", "develop", "maintain", "reduce"])
    out["strategy"] = [s for _, s in cells]
    return out


def portfolio_cutoffs(portfolio: pd.DataFrame, cutoff: float | str = "median") -> pd.Series:
    """The cut-off on each axis of :func:`portfolio_matrix`: where an account turns from low to high.

    ``"median"``: the portfolio's median score on the axis (an account is high
    strictly above it); a number in [0, 1]: that score on both axes (high at
    or above it). Takes a frame with ``attractiveness`` and ``strength``
    (the scores of :func:`portfolio_matrix`); the matrix classifies with these
    cut-offs, so a figure that draws them draws the lines the cells were cut at.

    >>> pm = pd.DataFrame({"attractiveness": [0.0, 0.2, 1.0], "strength": [0.5, 0.7, 0.1]})
    >>> portfolio_cutoffs(pm).to_dict(), portfolio_cutoffs(pm, 0.6).to_dict()
    ({'attractiveness': 0.2, 'strength': 0.5}, {'attractiveness': 0.6, 'strength': 0.6})
    """
    if cutoff == "median":
        return pd.Series({axis: float(portfolio[axis].median()) for axis in ("attractiveness", "strength")}, name="cutoff")
    if isinstance(cutoff, (int, float)) and not isinstance(cutoff, bool) and 0 <= cutoff <= 1:
        return pd.Series({"attractiveness": float(cutoff), "strength": float(cutoff)}, name="cutoff")
    raise ValueError(f"cutoff must be 'median' or a number in [0, 1], got {cutoff!r}")


def concentration_curve(values: Sequence[float] | pd.Series) -> pd.DataFrame:
    """The concentration (Pareto) curve: the cumulative share of revenue held by the k largest accounts.

    One row per k = 0 … n: ``accounts`` (k), ``account_share`` (k / n) and
    ``revenue_share`` (the share of the total held by the k largest, the
    concentration ratio CR_k of :func:`concentration`). A portfolio of equal
    accounts lies on the diagonal; the further the curve bows above it, the
    more the seller depends on few accounts (Lorenz 1905, drawn from the top).

    >>> concentration_curve([50, 30, 20])
       accounts  account_share  revenue_share
    0         0       0.000000            0.0
    1         1       0.333333            0.5
    2         2       0.666667            0.8
    3         3       1.000000            1.0
    """
    v = np.asarray(values, dtype=float)
    if v.size == 0 or not np.all(np.isfinite(v)) or np.any(v < 0) or v.sum() <= 0:
        raise DataError("values", [Problem("a concentration curve needs finite, non-negative values with a positive sum")])
    s = np.sort(v)[::-1] / v.sum()
    k = np.arange(v.size + 1)
    return pd.DataFrame({"accounts": k, "account_share": k / v.size, "revenue_share": np.concatenate([[0.0], np.cumsum(s)])})


def concentration(values: Sequence[float] | pd.Series, *, top: Sequence[int] = (1, 3, 5)) -> pd.Series:
    """Concentration of revenue over accounts: HHI, its normalised form, equivalent number, top-k shares.

    With shares s_i = v_i / Σv: HHI = Σ s_i² (Herfindahl 1950; Hirschman 1945), in
    [1/n, 1]; ×10,000 gives the points of the US merger guidelines, which call
    a market unconcentrated below 1,500, moderately concentrated to 2,500 and
    highly concentrated above (DOJ & FTC 2010, §5.3). The normalised index
    H* = (HHI − 1/n) / (1 − 1/n) is 0 for equal accounts and 1 for one; 1/HHI is
    the equivalent number of equal-sized accounts; CR_k is the share of the k
    largest (the concentration ratio).

    >>> concentration([50, 30, 20], top=(1, 2)).round(4).to_dict()   # 0.25 + 0.09 + 0.04
    {'n': 3.0, 'hhi': 0.38, 'hhi_points': 3800.0, 'hhi_normalised': 0.07, 'equivalent_number': 2.6316, 'top_1_share': 0.5, 'top_2_share': 0.8}
    """
    v = np.asarray(values, dtype=float)
    if v.size == 0 or not np.all(np.isfinite(v)) or np.any(v < 0) or v.sum() <= 0:
        raise DataError("values", [Problem("concentration needs finite, non-negative values with a positive sum")])
    s = np.sort(v)[::-1] / v.sum()
    n = v.size
    hhi = float(np.sum(s**2))
    out = {"n": float(n), "hhi": hhi, "hhi_points": hhi * 10_000,
           "hhi_normalised": (hhi - 1 / n) / (1 - 1 / n) if n > 1 else 1.0, "equivalent_number": 1 / hhi}
    for k in top:
        out[f"top_{k}_share"] = float(s[:k].sum())
    return pd.Series(out, name="concentration")


def dependence_risk(accounts: pd.DataFrame, *, threshold: float = 0.10) -> pd.DataFrame:
    """Mutual dependence of seller and account, and the accounts the seller depends on too much.

    The seller's dependence on account i is its share of the seller's revenue,
    d_i = revenue_i / Σ revenue; the account's dependence on the seller is the
    seller's share of the account's wallet (share_of_wallet, where known). The
    asymmetry d_i − share_of_wallet_i > 0 means the account holds the power
    (Emerson 1962's power–dependence relation, as used in the IMP tradition).
    Accounts with d_i ≥ ``threshold`` are flagged as a dependence risk; the
    frame records the threshold in ``attrs["threshold"]``, so that a summary
    of it can state what it was flagged with.

    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "revenue": [60.0, 40.0], "share_of_wallet": [0.2, 0.8]})
    >>> dependence_risk(acc, threshold=0.5)[["seller_dependence", "asymmetry", "at_risk"]].values.tolist()
    [[0.6, 0.39999999999999997, True], [0.4, -0.4, False]]
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    missing = [c for c in ("account_id", "revenue") if c not in accounts.columns]
    if missing:
        raise DataError("accounts", [Problem("missing column", column=c) for c in missing])
    revenue = pd.to_numeric(accounts["revenue"], errors="coerce")
    bad = revenue.isna() | ~np.isfinite(revenue) | (revenue < 0)
    if bad.any():
        raise DataError("accounts", [Problem("revenue must be a finite number ≥ 0", row=r, column="revenue",
                                             value=accounts.at[r, "revenue"]) for r in accounts.index[bad]])
    if revenue.sum() <= 0:
        raise DataError("accounts", [Problem("total revenue is 0: no dependence to measure", column="revenue")])
    out = accounts[[c for c in ("account_id", "revenue", "share_of_wallet") if c in accounts.columns]].copy()
    out["seller_dependence"] = accounts["revenue"] / accounts["revenue"].sum()
    wallet = accounts["share_of_wallet"] if "share_of_wallet" in accounts.columns else np.nan
    out["asymmetry"] = out["seller_dependence"] - wallet
    out["at_risk"] = out["seller_dependence"] >= threshold
    out = out.sort_values("seller_dependence", ascending=False, kind="stable")
    out.attrs["threshold"] = float(threshold)
    return out


def relationship_interdependencies(
    ties: pd.DataFrame,
    accounts: pd.DataFrame | None = None,
    *,
    relation: str | None = "supplier",
) -> pd.DataFrame:
    """Pairs of accounts connected through the network: shared actors and a common sector.

    Connected relationships (Anderson, Håkansson & Johanson 1994): what happens
    in one relationship depends on others. Two accounts that buy from the same
    suppliers are exposed to the same disruptions and the same competitors of
    the seller; two accounts of one sector compete with each other. The
    account–actor ties (filtered to ``relation``; None keeps all) form a
    bipartite graph; its projection onto the accounts
    (``networkx.bipartite.overlap_weighted_projected_graph`` and
    ``weighted_projected_graph``) gives, per pair, the number of shared actors
    and their Jaccard overlap |N(a) ∩ N(b)| / |N(a) ∪ N(b)|. With ``accounts``
    holding ``sector``, pairs of the same sector are added with 0 shared actors
    and flagged ``same_sector``.

    >>> ties = pd.DataFrame({"account_id": ["a", "a", "b", "b", "c"], "actor_id": ["S1", "S2", "S2", "S3", "S3"],
    ...                      "relation": "supplier"})
    >>> relationship_interdependencies(ties)[["account_a", "account_b", "shared_actors", "jaccard"]]
      account_a account_b  shared_actors   jaccard
    0         a         b              1  0.333333
    1         b         c              1  0.500000
    """
    import networkx as nx

    if relation is not None:
        ties = ties[ties["relation"].astype(str).str.strip().str.lower() == relation.lower()]
    graph = nx.Graph()
    account_nodes = [("account", a) for a in ties["account_id"].unique()]
    graph.add_nodes_from(account_nodes, bipartite=0)
    graph.add_nodes_from((("actor", a) for a in ties["actor_id"].unique()), bipartite=1)
    graph.add_edges_from((("account", a), ("actor", b)) for a, b in zip(ties["account_id"], ties["actor_id"]))
    rows = {}
    # networkx's projections need at least one account; without ties only the sector pairs remain.
    shared = nx.bipartite.weighted_projected_graph(graph, account_nodes) if account_nodes else nx.Graph()
    overlap = nx.bipartite.overlap_weighted_projected_graph(graph, account_nodes) if account_nodes else nx.Graph()
    for u, v, data in shared.edges(data=True):
        a, b = sorted((u[1], v[1]))
        rows[(a, b)] = {"shared_actors": int(data["weight"]), "jaccard": float(overlap[u][v]["weight"])}
    if accounts is not None and "sector" in accounts.columns:
        sector = accounts.set_index("account_id")["sector"].dropna()
        for _, group in sector.groupby(sector):
            ids = sorted(group.index)
            for i, a in enumerate(ids):
                for b in ids[i + 1:]:
                    rows.setdefault((a, b), {"shared_actors": 0, "jaccard": 0.0})
        for (a, b), row in rows.items():
            row["same_sector"] = bool(a in sector.index and b in sector.index and sector[a] == sector[b])
    out = pd.DataFrame([{"account_a": a, "account_b": b, **row} for (a, b), row in rows.items()])
    if out.empty:
        return pd.DataFrame(columns=["account_a", "account_b", "shared_actors", "jaccard"]
                            + (["same_sector"] if accounts is not None and "sector" in accounts.columns else []))
    return out.sort_values(["account_a", "account_b"], kind="stable").reset_index(drop=True)
