"""A transactions table is checked once, where it enters (crmlab.data.checked).

Checked against a second path through the same code: each metric on a frame the
reader checked (passed on unchecked) must equal the metric on an unmarked copy
of it (checked again by the pandera reader); and a frame changed after the check
must raise the same DataError the reader raises on it.
"""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt
import pytest

import crmlab.data.transactions as transactions
from crmlab.customers import (
    active_customers,
    churn_rate,
    cohort_retention,
    interpurchase_distribution,
    interpurchase_summary,
    interpurchase_times,
    repeat_purchase_rate,
    retention_rate,
    transaction_summary,
)
from crmlab.data import DataError, read_transactions, scan_transactions, validate_transactions
from crmlab.data.checked import fingerprint, is_checked, mark_checked


@pytest.fixture
def raw() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["b", "a", "a", "c", "b", "a"],
            "date": ["2021-01-05", "2021-01-01", "2021-02-03", "2021-02-10", "2021-03-01", "2021-03-20"],
            "amount": ["5", "7.5", "2", "1", "4", "3"],
            "channel": ["web", "shop", "shop", "web", "web", "shop"],
        }
    )


@pytest.fixture
def no_second_check(monkeypatch):
    """Fail if the pandas reader coerces and checks a frame again."""

    def refuse(*args, **kwargs):
        raise AssertionError("a checked frame was checked again")

    monkeypatch.setattr(transactions, "_coerce", refuse)


METRICS = [
    lambda tx: transaction_summary(tx, observation_end="2021-03-31"),
    lambda tx: transaction_summary(tx, observation_end="2021-03-31", calibration_end="2021-02-01", time_unit="W"),
    lambda tx: repeat_purchase_rate(tx, by="channel"),
    lambda tx: retention_rate(tx, freq="M"),
    lambda tx: churn_rate(tx, freq="M", window=2),
    lambda tx: cohort_retention(tx, freq="M"),
    lambda tx: active_customers(tx, freq="M"),
    lambda tx: interpurchase_times(tx, unit="W"),
    lambda tx: interpurchase_summary(tx),
    lambda tx: interpurchase_distribution(tx),
]


@pytest.mark.parametrize("metric", METRICS)
def test_every_metric_passes_a_checked_frame_on_and_gives_the_checked_again_result(raw, metric, monkeypatch):
    checked = validate_transactions(raw)
    expected = metric(checked.copy())  # an unmarked copy: checked again by the reader
    with monkeypatch.context() as patch:
        patch.setattr(transactions, "_coerce", lambda *a, **k: pytest.fail("a checked frame was checked again"))
        pdt.assert_frame_equal(metric(checked), expected)


def test_a_checked_frame_given_to_the_readers_again_is_passed_on(no_second_check):
    checked = mark_checked(
        pd.DataFrame({"customer_id": ["a"], "date": [pd.Timestamp("2021-01-01")], "amount": [1.0]}),
        na_values=transactions.MISSING_VALUES,
    )
    again = read_transactions(checked)
    assert again is not checked and is_checked(again)  # a shallow copy: the caller's frame is not handed back
    pdt.assert_frame_equal(again, checked)
    assert scan_transactions(checked).collect().shape == (1, 3)


def test_a_file_read_is_checked_once(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,date,amount\na,2021-01-01,3\nb,2021-01-02,4\n")
    tx = read_transactions(path)
    assert is_checked(tx)
    assert not is_checked(tx, na_values=())  # checked with other missing markers: checked again


@pytest.mark.parametrize(
    "change",
    [
        lambda tx: tx.assign(amount=-1.0),
        lambda tx: tx.astype({"amount": "float32"}).assign(amount=lambda d: d["amount"] - 100),
        lambda tx: pd.concat([tx, tx.head(1).assign(amount=-2.0)], ignore_index=True),
        lambda tx: tx.rename(columns={"amount": "value"}).rename(columns={"value": "amount"}).assign(amount=lambda d: -d["amount"]),
    ],
)
def test_a_frame_changed_after_the_check_is_checked_again(raw, change):
    tx = change(validate_transactions(raw))
    assert not is_checked(tx)
    with pytest.raises(DataError, match="negative value"):
        transaction_summary(tx, observation_end="2021-03-31")


def test_a_frame_written_in_place_after_the_check_is_checked_again(raw):
    """Copy-on-write moves a column written in place (the mark's witness shares its memory)."""
    tx = validate_transactions(raw)
    tx.loc[2, "amount"] = -3.0
    assert not is_checked(tx)
    with pytest.raises(DataError) as err:
        retention_rate(tx)
    assert "row 2, column 'amount': negative value (-3.0)" in str(err.value)
    tx2 = validate_transactions(raw)
    tx2["customer_id"] = tx2["customer_id"].replace({"c": "NA"})
    with pytest.raises(DataError, match="missing value"):
        interpurchase_summary(tx2)


def test_an_unchanged_selection_of_a_checked_frame_is_checked(raw):
    tx = validate_transactions(raw)
    assert is_checked(tx.copy(deep=False))
    assert is_checked(tx[list(tx.columns)])
    assert not is_checked(tx[["customer_id", "date", "amount"]].copy())


def test_the_fingerprint_sees_shape_columns_dtypes_and_memory():
    frame = pd.DataFrame({"customer_id": ["a", "b"], "amount": [1.0, 2.0]})
    assert fingerprint(frame) == fingerprint(frame)
    assert fingerprint(frame) != fingerprint(frame.copy())
    assert fingerprint(frame) != fingerprint(frame.rename(columns={"amount": "value"}))
    assert fingerprint(frame) != fingerprint(frame.head(1))


def test_a_mark_goes_with_its_frame():
    from crmlab.data import checked as module

    frame = mark_checked(pd.DataFrame({"amount": [1.0]}), na_values=())
    key = id(frame)
    assert key in module._marks
    del frame
    assert key not in module._marks


def test_a_checked_frame_given_again_comes_back_with_a_fresh_index(raw, monkeypatch):
    tx = validate_transactions(raw)
    tx.index = range(10, 10 + len(tx))  # a new index: the columns are unchanged
    monkeypatch.setattr(transactions, "_coerce", lambda *a, **k: pytest.fail("a checked frame was checked again"))
    again = validate_transactions(tx)
    assert again.index.equals(pd.RangeIndex(len(tx))) and is_checked(again)
