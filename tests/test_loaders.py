"""One loader per kind of data: the synthetic world or the user's file, chosen in the package.

Checked against a second route to the same data: a synthetic source must give
exactly what the kind's seeded simulator gives (and its world, truth
included), and a file must give exactly what the kind's own reader gives on
that file. A source that is neither names itself in a DataError.
"""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.data import DataError, simulate_transactions
from crmlab.datasets import (
    Loaded,
    load_accounts,
    load_adoptions,
    load_customer_base,
    load_favour_ledger,
    load_interactions,
    load_network,
    load_referrals,
    load_relationship_histories,
    load_service_quality,
    load_survey,
    load_wallets,
    referral_customers,
)
from crmlab.strategy import read_accounts, read_ties, read_unit_terms, simulate_accounts
from crmlab.theories.guanxi import read_favour_ledger, simulate_favour_ledger
from crmlab.theories.imp import read_network_tables, simulate_b2b_network
from crmlab.theories.lifecycle import simulate_relationships
from crmlab.theories.nordic import read_interactions, simulate_interactions
from crmlab.theories.referral import (
    read_adoptions,
    read_referrals,
    read_service_quality,
    simulate_referral_world,
    simulate_service_quality,
)
from crmlab.theories.trust_commitment import read_survey, simulate_kmv_survey


def test_customer_base_synthetic_is_the_seeded_simulator():
    tx, world = load_customer_base("synthetic", n_customers=40, acquisition_end="2020-06-30", rng=3)
    again = simulate_transactions(40, acquisition_end="2020-06-30", rng=3)
    pd.testing.assert_frame_equal(tx, again.transactions)
    pd.testing.assert_frame_equal(world.channels, again.channels)


def test_customer_base_file_has_no_world(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("who,when,paid\nA,2021-01-01,4\nB,2021-01-02,5\n")
    tx, world = load_customer_base(path, columns={"who": "customer_id", "when": "date", "paid": "amount"})
    assert world is None and tx["customer_id"].tolist() == ["A", "B"]
    with pytest.raises(DataError, match="missing.csv"):
        load_customer_base(tmp_path / "missing.csv")


def test_relationship_histories_synthetic_and_transactions_file(tmp_path):
    data, world = load_relationship_histories("synthetic", n_customers=20, n_periods=6, cost_effect=1.0, rng=2)
    again = simulate_relationships(20, 6, cost_effect=1.0, rng=2)
    pd.testing.assert_frame_equal(data["transactions"], again.transactions)
    pd.testing.assert_frame_equal(data["terminations"], again.terminations)
    pd.testing.assert_frame_equal(world.truth, again.truth)
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,date,amount\nA,2021-01-01,4\n")
    data, world = load_relationship_histories(path)
    assert world is None and data["interactions"] is None and data["terminations"] is None
    assert len(data["transactions"]) == 1


def test_network_synthetic_tables_and_folder(tmp_path):
    tables, world = load_network("synthetic", n_communities=2, actors_per_community=8, n_brokers=1, rng=5)
    again = simulate_b2b_network(2, 8, 1, rng=5)
    for name in ("actors", "episodes", "resource_ties", "activity_links"):
        pd.testing.assert_frame_equal(tables[name], getattr(again, name))
    assert world.brokers == again.brokers
    tables["actors"].to_csv(tmp_path / "actors.csv", index=False)
    tables["episodes"].to_csv(tmp_path / "episodes.csv", index=False)
    read, world = load_network(tmp_path)
    assert world is None
    pd.testing.assert_frame_equal(read["episodes"], read_network_tables(tmp_path)["episodes"])
    with pytest.raises(DataError, match="no_such_study"):
        load_network(tmp_path / "no_such_study")


#: kind → (loader, simulator arguments for the loader, the same world drawn directly, the table the loader returns
#: from that world, the kind's reader)
SINGLE_TABLES = {
    "interactions": (load_interactions, {"n_customers": 15, "n_periods": 3, "rng": 4},
                     lambda: simulate_interactions(15, 3, rng=4), lambda w: read_interactions(w.log), read_interactions),
    "survey": (load_survey, {"n_respondents": 30, "reverse_items": ["opportunistic_behavior_3"], "rng": 4},
               lambda: simulate_kmv_survey(30, reverse_items=["opportunistic_behavior_3"], rng=4),
               lambda w: w.responses, read_survey),
    "referrals": (load_referrals, {"m": 300, "n_periods": 6, "rng": 4},
                  lambda: simulate_referral_world(300, n_periods=6, rng=4), lambda w: read_referrals(w.referrals),
                  read_referrals),
    "favour ledger": (load_favour_ledger, {"n_people": 30, "n_periods": 4, "rng": 4},
                      lambda: simulate_favour_ledger(30, 4, rng=4), lambda w: read_favour_ledger(w.ledger),
                      read_favour_ledger),
}


@pytest.mark.parametrize("kind", list(SINGLE_TABLES))
def test_single_table_loaders(kind, tmp_path):
    loader, arguments, simulate, table_of, reader = SINGLE_TABLES[kind]
    data, world = loader("synthetic", **arguments)
    pd.testing.assert_frame_equal(data, table_of(simulate()))
    assert world is not None
    path = tmp_path / "data.csv"
    data.to_csv(path, index=False)
    from_file = loader(path)
    assert isinstance(from_file, Loaded) and from_file.world is None
    pd.testing.assert_frame_equal(from_file.data, reader(path))
    with pytest.raises(DataError, match="not_there.csv"):
        loader(tmp_path / "not_there.csv")


def test_adoptions_and_service_quality(tmp_path):
    adoptions, world = load_adoptions("synthetic", m=300, n_periods=6, rng=4)
    pd.testing.assert_series_equal(adoptions, simulate_referral_world(300, n_periods=6, rng=4).adoptions["total"])
    assert world.truth["m"] == 300
    path = tmp_path / "adoptions.csv"
    path.write_text("period,adoptions\n1,10\n2,25\n3,30\n")
    pd.testing.assert_series_equal(load_adoptions(path).data, read_adoptions(path))
    weeks, truth = load_service_quality("synthetic", n_periods=12, improvement_at=6, shift_at=9, rng=4)
    expected, expected_truth = simulate_service_quality(12, improvement_at=6, shift_at=9, rng=4)
    pd.testing.assert_frame_equal(weeks, expected)
    assert truth == expected_truth
    path = tmp_path / "service.csv"
    weeks.to_csv(path, index=False)
    loaded = load_service_quality(path)
    assert loaded.world is None
    pd.testing.assert_frame_equal(loaded.data, read_service_quality(path))
    with pytest.raises(DataError, match="nowhere.csv"):
        load_service_quality(tmp_path / "nowhere.csv")


def test_referral_customers_from_the_world_or_the_parameters():
    """A world gives each customer's own CLV; a log gives everyone the stated CLV and chance (hand-worked)."""
    referrals, world = load_referrals("synthetic", m=200, n_periods=6, rng=1)
    known = referral_customers(referrals, world, clv_per_customer=150.0, share_would_join_anyway=0.3)
    customers = world.customers.set_index("customer_id")
    pd.testing.assert_series_equal(known["own_clv"], customers["clv"], check_names=False)
    log = pd.DataFrame({"referrer_id": ["A", "A"], "referred_id": ["B", "C"], "date": pd.to_datetime(["2022-01-01"] * 2)})
    stated = referral_customers(log, clv_per_customer=80.0, share_would_join_anyway=0.25)
    assert stated.index.tolist() == ["A", "B", "C"]
    assert stated["own_clv"].tolist() == [80.0] * 3 and stated["would_join_anyway"].tolist() == [0.25] * 3


def test_accounts_synthetic_and_files(tmp_path):
    tables, world = load_accounts("synthetic", n_accounts=40, n_units=3, rng=6)
    again = simulate_accounts(40, n_units=3, rng=6)
    pd.testing.assert_frame_equal(tables["accounts"], again.accounts)
    pd.testing.assert_frame_equal(tables["unit_terms"], again.unit_terms)
    pd.testing.assert_frame_equal(tables["ties"], again.ties)
    pd.testing.assert_frame_equal(world.planted, again.planted)
    for name in ("accounts", "unit_terms", "ties"):
        tables[name].to_csv(tmp_path / f"{name}.csv", index=False)
    only_accounts, world = load_accounts(tmp_path / "accounts.csv", unit_terms="", ties="")
    assert world is None and only_accounts["unit_terms"] is None and only_accounts["ties"] is None
    pd.testing.assert_frame_equal(only_accounts["accounts"], read_accounts(tmp_path / "accounts.csv"))
    all_three = load_accounts(tmp_path / "accounts.csv", unit_terms=tmp_path / "unit_terms.csv",
                              ties=tmp_path / "ties.csv").data
    pd.testing.assert_frame_equal(all_three["unit_terms"], read_unit_terms(tmp_path / "unit_terms.csv"))
    pd.testing.assert_frame_equal(all_three["ties"], read_ties(tmp_path / "ties.csv"))
    with pytest.raises(DataError, match="accounts_typo.csv"):
        load_accounts(tmp_path / "accounts_typo.csv")


def test_wallets_file_none_and_bad_row(tmp_path):
    assert load_wallets("") is None and load_wallets(None) is None
    path = tmp_path / "wallets.csv"
    path.write_text("customer_id,wallet\nA,100\nB,-5\n")
    with pytest.raises(DataError, match=r"wallets.csv.*\n  row 2, column 'wallet'"):
        load_wallets(path)
    path.write_text("customer_id,wallet\nA,100\nB,40\n")
    assert load_wallets(path).to_dict() == {"A": 100.0, "B": 40.0}


def test_every_loader_names_the_world_it_draws():
    """LOADER_WORLDS (used for the pages' citations) lists every loader with a synthetic world, by a real simulator."""
    import crmlab.datasets as loaders
    from crmlab import strategy
    from crmlab.data import simulate
    from crmlab.theories import guanxi, imp, lifecycle, nordic, referral, satisfaction, trust_commitment

    # the transactions loaders of crmlab.data, re-exported, draw their world through load_transactions
    reexported = {"load_cdnow", "load_donations", "load_transactions"}
    with_world = {name for name in loaders.__all__ if name.startswith("load_") and name != "load_wallets"} - reexported
    assert set(loaders.LOADER_WORLDS) == with_world | {"load_transactions"}
    modules = (simulate, strategy, guanxi, imp, lifecycle, nordic, referral, satisfaction, trust_commitment)
    for world in set(loaders.LOADER_WORLDS.values()):
        assert any(hasattr(m, world) for m in modules), world
