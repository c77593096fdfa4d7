"""The bundled CDNOW data, checked against the counts its source publishes.

Fader, Hardie & Lee (2005) and the dataset's note: the 1/10 sample has 2,357
customers and 6,919 purchase records, the full cohort 23,570 customers and
69,659 records; all customers made their first purchase in Q1 1997 and the
data end on 1998-06-30.
"""

from __future__ import annotations

import pandas as pd

from crmlab.data import CDNOW_CALIBRATION_END, load_cdnow
from crmlab.data.cdnow import cdnow_path


def test_sample_matches_published_counts():
    tx = load_cdnow(sample=True)
    assert len(tx) == 6919
    assert tx["customer_id"].nunique() == 2357
    first = tx.groupby("customer_id")["date"].min()
    assert first.max() <= pd.Timestamp("1997-03-31")
    assert tx["date"].max() == pd.Timestamp("1998-06-30")
    assert (tx["amount"] >= 0).all()
    assert CDNOW_CALIBRATION_END - pd.Timestamp("1997-01-01") == pd.Timedelta(weeks=39) - pd.Timedelta(days=1)


def test_full_cohort_matches_published_counts_and_contains_sample():
    full = load_cdnow(sample=False)
    assert len(full) == 69659
    assert full["customer_id"].nunique() == 23570
    sample = load_cdnow(sample=True)
    assert set(sample["customer_id"]) <= set(full["customer_id"])
    # Same purchases for a sampled customer in both files.
    one = sample["customer_id"].iloc[0]
    pd.testing.assert_frame_equal(
        sample[sample.customer_id == one].reset_index(drop=True),
        full[full.customer_id == one].reset_index(drop=True),
    )


def test_same_day_purchases_kept_as_rows():
    raw = pd.read_csv(cdnow_path(True), sep=r"\s+", header=None, dtype=str)
    same_day = raw.duplicated([0, 2]).sum()
    assert same_day > 0  # the raw file has same-day purchases ...
    tx = load_cdnow()
    assert tx.duplicated(["customer_id", "date"]).sum() == same_day  # ... and load_cdnow keeps them
