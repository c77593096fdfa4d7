"""load_transactions dispatches each source name to the right reader.

Checked against the readers themselves (a second route to the same data).
"""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.data import DataError, load_cdnow, load_transactions, read_transactions, simulate_transactions


def test_bundled_names():
    pd.testing.assert_frame_equal(load_transactions("cdnow"), load_cdnow(sample=True))


def test_synthetic_is_the_seeded_simulator():
    tx = load_transactions("synthetic", n_customers=50, acquisition_end="2020-06-30", rng=3)
    world = simulate_transactions(50, acquisition_end="2020-06-30", rng=3)
    pd.testing.assert_frame_equal(tx, world.transactions)


def test_a_path_goes_through_the_reader_with_mapping(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("who,when,paid\nA,2021-01-01,4\n")
    mapping = {"who": "customer_id", "when": "date", "paid": "amount"}
    pd.testing.assert_frame_equal(load_transactions(path, columns=mapping), read_transactions(path, columns=mapping))
    with pytest.raises(DataError, match="missing.csv: 1 problem\n  file not found"):
        load_transactions(tmp_path / "missing.csv")


def test_a_path_is_read_with_the_date_and_missing_options(tmp_path):
    """Hand-worked: dayfirst= and na_values= reach the reader (an ambiguous dd/mm file was read month-first)."""
    path = tmp_path / "orders.csv"
    path.write_text("customer_id,date,amount,channel\nA,01/03/2021,4,NA\nA,05/04/2021,2,web\n")
    with pytest.raises(DataError, match=r"orders.csv: 1 problem\n  column 'date': ambiguous dates"):
        load_transactions(path)
    tx = load_transactions(path, dayfirst=True, na_values=())
    assert tx["date"].tolist() == [pd.Timestamp("2021-03-01"), pd.Timestamp("2021-04-05")]
    assert tx["channel"].tolist() == ["NA", "web"]
