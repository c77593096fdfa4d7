"""Reciprocity in the favour ledger: balances per dyad, renqing debt, reciprocity indices.

Renqing (人情) is the debt a favour creates: the receiver owes the giver a
return, and a relationship in which favours flow one way only is not guanxi
but patronage (Hwang 1987). Per pair of people these functions net what each
gave the other; the side that received more holds the renqing debt.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# networkx is imported by the one function that builds a graph, so the ledger arithmetic does not pay for it.

from crmlab.theories.guanxi.ledger import TIE_TYPES

__all__ = ["dyad_balances", "reciprocity_index", "renqing_positions"]


def _strongest(ties: pd.Series) -> str:
    """The closest tie type among those a dyad's favours carry (family before clan, friendship, business)."""
    return min(ties, key=TIE_TYPES.index)


def dyad_balances(ledger: pd.DataFrame, *, as_of: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per pair of people who exchanged favours (``person_a`` < ``person_b``), up to ``as_of``.

    Columns: ``tie_type`` (the closest base of the pair), ``n_a_to_b``,
    ``n_b_to_a``, ``value_a_to_b``, ``value_b_to_a``, ``balance`` = value a→b −
    value b→a (positive: b owes a), ``creditor``, ``debtor``, ``renqing_debt`` =
    |balance| (the outstanding favour debt; 0 for a settled pair: no creditor), and
    ``reciprocity`` = 1 − |balance| / (value a→b + value b→a), from 0 (one-way) to 1 (balanced).

    Source: Hwang, K.-K. (1987), "Face and Favor: The Chinese Power Game", AJS
    92(4); the balance index as in Gouldner's (1960) norm of reciprocity.

    >>> ledger = pd.DataFrame({"giver": ["Li", "Wang", "Li"], "receiver": ["Wang", "Li", "Wang"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]), "value": [100.0, 60.0, 20.0],
    ...     "tie_type": ["friendship"] * 3})
    >>> dyad_balances(ledger)[["balance", "debtor", "renqing_debt", "reciprocity"]].values.tolist()
    [[60.0, 'Wang', 60.0, 0.666...]]
    """
    data = ledger if as_of is None else ledger[ledger["date"] <= pd.Timestamp(as_of)]
    a = np.where(data["giver"] < data["receiver"], data["giver"], data["receiver"])
    b = np.where(data["giver"] < data["receiver"], data["receiver"], data["giver"])
    forward = (data["giver"].to_numpy() == a)
    work = pd.DataFrame({"person_a": a, "person_b": b, "tie_type": data["tie_type"].to_numpy(),
                         "n_a_to_b": forward.astype(int), "n_b_to_a": (~forward).astype(int),
                         "value_a_to_b": np.where(forward, data["value"], 0.0), "value_b_to_a": np.where(forward, 0.0, data["value"])})
    out = work.groupby(["person_a", "person_b"], sort=True).agg(
        tie_type=("tie_type", _strongest), n_a_to_b=("n_a_to_b", "sum"), n_b_to_a=("n_b_to_a", "sum"),
        value_a_to_b=("value_a_to_b", "sum"), value_b_to_a=("value_b_to_a", "sum")).reset_index()
    out["balance"] = out["value_a_to_b"] - out["value_b_to_a"]
    out["creditor"] = np.where(out["balance"] > 0, out["person_a"], np.where(out["balance"] < 0, out["person_b"], None))
    out["debtor"] = np.where(out["balance"] > 0, out["person_b"], np.where(out["balance"] < 0, out["person_a"], None))
    out["renqing_debt"] = out["balance"].abs()
    out["reciprocity"] = 1 - out["renqing_debt"] / (out["value_a_to_b"] + out["value_b_to_a"])
    return out


def renqing_positions(ledger: pd.DataFrame, *, as_of: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Per person: favours ``given`` and ``received`` (values), ``owed_to`` (renqing others owe them, summed over
    their dyads as creditor), ``owes`` (their debts as debtor), ``net`` = owed_to − owes, ``n_partners``.

    A person with a large positive net holds stored-up favours to call in — the
    "bank" of guanxi — while a large negative net is a person in debt to others (Hwang 1987).

    >>> ledger = pd.DataFrame({"giver": ["Li", "Wang", "Li"], "receiver": ["Wang", "Li", "Zhao"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]), "value": [100.0, 60.0, 20.0],
    ...     "tie_type": ["friendship"] * 3})
    >>> renqing_positions(ledger).loc["Li", ["owed_to", "owes", "net"]].tolist()
    [60.0, 0.0, 60.0]
    """
    dyads = dyad_balances(ledger, as_of=as_of)
    data = ledger if as_of is None else ledger[ledger["date"] <= pd.Timestamp(as_of)]
    people = sorted(set(data["giver"]) | set(data["receiver"]))
    out = pd.DataFrame(index=pd.Index(people, name="person"))
    out["given"] = data.groupby("giver")["value"].sum().reindex(out.index).fillna(0.0)
    out["received"] = data.groupby("receiver")["value"].sum().reindex(out.index).fillna(0.0)
    owing = dyads.dropna(subset=["debtor"])
    out["owed_to"] = owing.groupby("creditor")["renqing_debt"].sum().reindex(out.index).fillna(0.0)
    out["owes"] = owing.groupby("debtor")["renqing_debt"].sum().reindex(out.index).fillna(0.0)
    out["net"] = out["owed_to"] - out["owes"]
    partners = pd.concat([dyads["person_a"], dyads["person_b"]]).value_counts()
    out["n_partners"] = partners.reindex(out.index).fillna(0).astype(int)
    return out


def reciprocity_index(ledger: pd.DataFrame, *, as_of: str | pd.Timestamp | None = None) -> pd.Series:
    """Reciprocity of the whole ledger, three ways.

    - ``value_reciprocity``: 1 − Σ|balance| / Σ value over dyads — the share of
      favour value that is matched by a return (1 = every favour repaid);
    - ``dyad_reciprocity``: the mean of the dyads' reciprocity (each pair counts once);
    - ``edge_reciprocity``: the share of directed giver → receiver links that are
      returned at least once (the mutual dyads of Wasserman & Faust 1994; networkx ``reciprocity``).

    >>> ledger = pd.DataFrame({"giver": ["Li", "Wang", "Li"], "receiver": ["Wang", "Li", "Zhao"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]), "value": [100.0, 60.0, 20.0],
    ...     "tie_type": ["friendship"] * 3})
    >>> reciprocity_index(ledger).round(4).to_dict()   # debts 40 of 160 and 20 of 20; 2 of 3 links returned
    {'value_reciprocity': 0.6667, 'dyad_reciprocity': 0.375, 'edge_reciprocity': 0.6667}
    """
    import networkx as nx

    dyads = dyad_balances(ledger, as_of=as_of)
    data = ledger if as_of is None else ledger[ledger["date"] <= pd.Timestamp(as_of)]
    total = (dyads["value_a_to_b"] + dyads["value_b_to_a"]).sum()
    directed = nx.DiGraph(zip(data["giver"], data["receiver"]))
    return pd.Series({"value_reciprocity": 1 - dyads["renqing_debt"].sum() / total,
                      "dyad_reciprocity": dyads["reciprocity"].mean(),
                      "edge_reciprocity": nx.reciprocity(directed)})
