"""Referral trees: who referred whom, generations, chains, and who feeds the customer base.

A referral log (:func:`~crmlab.theories.referral.read_referrals`) is a forest:
each customer has at most one referrer, and the customers nobody referred (the
*seeds*) are the roots. Generation 0 is the seeds, generation g the customers
acquired through a chain of g referrals. Gummesson (2008) calls satisfied
customers a "supply chain" of new customers; these functions measure it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # networkx is imported by the functions that build a graph: the table-based ones do not pay for it
    import networkx as nx

__all__ = ["referral_chain", "referral_feed", "referral_generations", "referral_graph", "referral_trees"]


def referral_graph(referrals: pd.DataFrame) -> nx.DiGraph:
    """The referral forest as a directed graph, an edge referrer → referred with the referral's ``date`` and ``reward``.

    Source: the referral relationship of Gummesson (2008); trees as in
    Kumar, Petersen & Leone (2010), who follow referrals over generations.

    >>> g = referral_graph(pd.DataFrame({"referrer_id": ["a", "a"], "referred_id": ["b", "c"],
    ...                                  "date": pd.to_datetime(["2024-01-01", "2024-02-01"])}))
    >>> sorted(g.successors("a"))
    ['b', 'c']
    """
    import networkx as nx

    graph = nx.DiGraph()
    reward = referrals["reward"] if "reward" in referrals.columns else pd.Series(float("nan"), index=referrals.index)
    for referrer, referred, date, paid in zip(referrals["referrer_id"], referrals["referred_id"], referrals["date"], reward):
        graph.add_edge(referrer, referred, date=date, reward=paid)
    return graph


def referral_generations(referrals: pd.DataFrame) -> pd.DataFrame:
    """One row per customer in the referral log: ``root_id``, ``generation``, ``referrer_id``, ``joined``,
    ``n_referred`` (direct referrals) and ``n_descendants`` (all customers acquired down the tree).

    Generation g of customer c is the number of referrals on the chain from
    its seed to c (the seed itself is generation 0; its ``joined`` is unknown, NaT).

    >>> log = pd.DataFrame({"referrer_id": ["a", "b", "a"], "referred_id": ["b", "c", "d"],
    ...                     "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"])})
    >>> referral_generations(log)[["customer_id", "generation", "n_referred", "n_descendants"]].values.tolist()
    [['a', 0, 2, 3], ['b', 1, 1, 1], ['d', 1, 0, 0], ['c', 2, 0, 0]]
    """
    import networkx as nx

    graph = referral_graph(referrals)
    rows = []
    for root in sorted(n for n in graph.nodes if graph.in_degree(n) == 0):
        depth = nx.single_source_shortest_path_length(graph, root)  # breadth first: parents before children
        below = dict.fromkeys(depth, 0)
        for node in reversed(list(depth)):  # children before parents: accumulate the tree sizes upwards
            for child in graph.successors(node):
                below[node] += below[child] + 1
        for node, generation in depth.items():
            parent = next(iter(graph.predecessors(node)), None)
            rows.append((node, root, generation, parent, graph.edges[parent, node]["date"] if parent is not None else pd.NaT,
                         graph.out_degree(node), below[node]))
    out = pd.DataFrame(rows, columns=["customer_id", "root_id", "generation", "referrer_id", "joined", "n_referred", "n_descendants"])
    out["joined"] = pd.to_datetime(out["joined"])
    return out.sort_values(["root_id", "generation", "customer_id"], ignore_index=True)


def referral_trees(referrals: pd.DataFrame) -> pd.DataFrame:
    """One row per referral tree (seed): ``size`` (customers including the seed), ``acquired`` (size − 1),
    ``depth`` (deepest generation), ``max_breadth`` (customers in its widest generation), ``n_referrers``
    (customers who referred at least once), ``first`` and ``last`` referral dates.

    Source: referral chains over generations as in Kumar, Petersen & Leone (2010),
    Journal of Marketing 74(5); Gummesson's (2008) customers as a supply chain of customers.

    >>> log = pd.DataFrame({"referrer_id": ["a", "b", "x"], "referred_id": ["b", "c", "y"],
    ...                     "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"])})
    >>> referral_trees(log)[["root_id", "size", "depth", "n_referrers"]].values.tolist()
    [['a', 3, 2, 2], ['x', 2, 1, 1]]
    """
    gens = referral_generations(referrals)
    width = gens.groupby(["root_id", "generation"]).size().groupby("root_id").max()
    out = gens.groupby("root_id").agg(size=("customer_id", "size"), depth=("generation", "max"),
                                      n_referrers=("n_referred", lambda s: int((s > 0).sum())),
                                      first=("joined", "min"), last=("joined", "max"))
    out["acquired"] = out["size"] - 1
    out["max_breadth"] = width
    return out.reset_index()[["root_id", "size", "acquired", "depth", "max_breadth", "n_referrers", "first", "last"]]


def referral_chain(referrals: pd.DataFrame, customer_id: str) -> list[str]:
    """The chain of referrals from the seed to ``customer_id`` (seed first): the path of the referral
    "supply chain" (Gummesson 2008) that brought the customer in.

    >>> log = pd.DataFrame({"referrer_id": ["a", "b"], "referred_id": ["b", "c"],
    ...                     "date": pd.to_datetime(["2024-01-01", "2024-02-01"])})
    >>> referral_chain(log, "c")
    ['a', 'b', 'c']
    """
    graph = referral_graph(referrals)
    if customer_id not in graph:
        raise KeyError(f"customer {customer_id!r} is not in the referral log")
    chain = [customer_id]
    while (parent := next(iter(graph.predecessors(chain[-1])), None)) is not None:
        chain.append(parent)
    return chain[::-1]


def referral_feed(referrals: pd.DataFrame, *, n_customers: int | None = None) -> pd.DataFrame:
    """Who feeds the customer base: customers acquired in each referral generation, their share of the
    referred customers and — given the size of the whole base ``n_customers`` — of all customers.

    Generation 1 are customers referred by seeds, generation 2 by generation-1
    customers, and so on; the shares show how far the word of mouth carries.

    Source: Gummesson, E. (2008), *Total Relationship Marketing* (satisfied customers
    feeding new ones); generations as in Kumar, Petersen & Leone (2010).

    >>> log = pd.DataFrame({"referrer_id": ["a", "b", "a"], "referred_id": ["b", "c", "d"],
    ...                     "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"])})
    >>> referral_feed(log, n_customers=10)[["generation", "customers", "share_of_referred", "share_of_base"]]
       generation  customers  share_of_referred  share_of_base
    0           1          2           0.666667            0.2
    1           2          1           0.333333            0.1
    """
    gens = referral_generations(referrals)
    acquired = gens[gens["generation"] > 0]
    out = acquired.groupby("generation").agg(customers=("customer_id", "size"),
                                             referrers=("referrer_id", "nunique")).reset_index()
    out["share_of_referred"] = out["customers"] / out["customers"].sum()
    out["cumulative_share"] = out["share_of_referred"].cumsum()
    if n_customers is not None:
        if n_customers < len(gens):
            raise ValueError(f"n_customers ({n_customers}) is below the {len(gens)} customers in the referral log")
        out["share_of_base"] = out["customers"] / n_customers
    return out
