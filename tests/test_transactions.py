"""The transactions reader: canonical output, and clear errors for bad input.

Checked against hand-written files whose problems we know: every bad-input case
asserts the file, the row, the column and the offending value in the message.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

from crmlab.data import DataError, read_transactions, scan_transactions
from crmlab.data.errors import MAX_PROBLEMS_SHOWN

GOOD = "customer_id,date,amount,channel\nB,2021-01-03,5.5,search\nA,2021-01-02,10,social\nA,2021-01-01,0,social\n"


def write(tmp_path: Path, text: str, name: str = "tx.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_csv_into_canonical_sorted_table(tmp_path):
    tx = read_transactions(write(tmp_path, GOOD))
    assert tx.columns.tolist() == ["customer_id", "date", "amount", "channel"]
    assert tx["customer_id"].tolist() == ["A", "A", "B"]
    assert tx["date"].dt.day.tolist() == [1, 2, 3]
    assert tx["amount"].tolist() == [0.0, 10.0, 5.5]
    assert str(tx["date"].dtype) == "datetime64[ns]"
    assert tx["amount"].dtype == np.float64


def test_csv_parquet_tsv_gzip_pandas_polars_agree(tmp_path):
    expected = read_transactions(write(tmp_path, GOOD))
    raw = pd.read_csv(write(tmp_path, GOOD), dtype=str)
    raw.to_parquet(tmp_path / "tx.parquet")
    write(tmp_path, GOOD.replace(",", "\t"), "tx.tsv")
    with gzip.open(tmp_path / "tx.csv.gz", "wt") as fh:
        fh.write(GOOD)
    for source in (tmp_path / "tx.parquet", tmp_path / "tx.tsv", tmp_path / "tx.csv.gz", raw, pl.from_pandas(raw)):
        pd.testing.assert_frame_equal(read_transactions(source), expected)
    # The lazy scan gives the same table as the eager reader.
    for path in (tmp_path / "tx.csv", tmp_path / "tx.parquet"):
        scanned = scan_transactions(path).collect().to_pandas()
        scanned = scanned.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)
        pd.testing.assert_frame_equal(scanned, expected, check_dtype=False)


def test_column_mapping(tmp_path):
    path = write(tmp_path, "Cust;Day;Revenue\n".replace(";", ",") + "x,2020-05-01,3\n")
    tx = read_transactions(path, columns={"Cust": "customer_id", "Day": "date", "Revenue": "amount"})
    assert tx.loc[0, "customer_id"] == "x" and tx.loc[0, "amount"] == 3.0


def test_extra_columns_dropped_and_numeric_ids_become_strings():
    raw = pd.DataFrame({"customer_id": [1.0, 2.0], "date": pd.to_datetime(["2020-01-01", "2020-01-02"]),
                        "amount": [1, 2], "note": ["a", "b"]})
    tx = read_transactions(raw)
    assert tx.columns.tolist() == ["customer_id", "date", "amount"]
    assert tx["customer_id"].tolist() == ["1", "2"]


def test_date_format_parameter(tmp_path):
    path = write(tmp_path, "customer_id,date,amount\nA,19970101,1\n")
    assert read_transactions(path, date_format="%Y%m%d")["date"].iloc[0] == pd.Timestamp("1997-01-01")


# --- bad input: each case names file, row, column and value -----------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("customer_id,amount\nA,1\n", ["column 'date'", "missing required column"]),
        ("id,date,value\nA,2021-01-01,1\n", ["column 'customer_id'", "column 'amount'", "has: id, date, value"]),
        ("customer_id,date,amount\nA,2021-01-01,1\nA,2021-02-30,2\n", ["row 2, column 'date'", "unparseable date", "'2021-02-30'"]),
        ("customer_id,date,amount\nA,2021-01-01,1\nA,yesterday,2\n", ["row 2, column 'date'", "'yesterday'"]),
        ("customer_id,date,amount\nA,2021-01-01,-12.5\n", ["row 1, column 'amount'", "negative value", "-12.5"]),
        ("customer_id,date,amount\nA,2021-01-01,\n", ["row 1, column 'amount'", "missing value"]),
        ("customer_id,date,amount\nA,2021-01-01,NaN\n", ["row 1, column 'amount'", "missing value"]),
        ("customer_id,date,amount\nA,2021-01-01,12 EUR\n", ["row 1, column 'amount'", "not a number", "'12 EUR'"]),
        ("customer_id,date,amount\nA,2021-01-01,inf\n", ["row 1, column 'amount'", "not a finite number"]),
        ("customer_id,date,amount\n,2021-01-01,1\n", ["row 1, column 'customer_id'", "missing value"]),
        ("customer_id,date,amount\nA,,1\n", ["row 1, column 'date'", "missing value"]),
        ("customer_id,date,amount\n", ["no rows"]),
        ("customer_id,date,amount,quantity\nA,2021-01-01,1,-3\n", ["row 1, column 'quantity'", "negative value"]),
    ],
)
def test_bad_csv_content(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(DataError) as info:
        read_transactions(path)
    message = str(info.value)
    assert message.startswith(str(path))
    for part in expected:
        assert part in message, message


def test_empty_file(tmp_path):
    path = write(tmp_path, "")
    with pytest.raises(DataError, match="tx.csv: 1 problem\n  file is empty"):
        read_transactions(path)


def test_file_not_found(tmp_path):
    with pytest.raises(DataError, match="nope.csv: 1 problem\n  file not found"):
        read_transactions(tmp_path / "nope.csv")


def test_wrong_file_type(tmp_path):
    path = write(tmp_path, "whatever", "tx.xlsx")
    with pytest.raises(DataError, match=r"unsupported file type '\.xlsx'"):
        read_transactions(path)


def test_not_really_parquet(tmp_path):
    path = write(tmp_path, GOOD, "tx.parquet")
    with pytest.raises(DataError, match="cannot read as .parquet"):
        read_transactions(path)


def test_binary_garbage_csv(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\x82garbage\x00\n\x99")
    with pytest.raises(DataError, match="tx.csv"):
        read_transactions(path)


def test_ragged_csv(tmp_path):
    path = write(tmp_path, "customer_id,date,amount\nA,2021-01-01,1,extra,cells\n")
    with pytest.raises(DataError, match=r"row 1: 5 cells where the header has 3 \('A,2021-01-01,1,extra,cells'\)"):
        read_transactions(path)


def test_mapping_to_unknown_names(tmp_path):
    path = write(tmp_path, GOOD)
    with pytest.raises(DataError, match="columns= names 'Cust', which is not in the data"):
        read_transactions(path, columns={"Cust": "customer_id"})
    with pytest.raises(DataError, match="not a canonical column"):
        read_transactions(path, columns={"amount": "revenue"})


def test_all_problems_collected_and_bounded(tmp_path):
    rows = "".join(f"A,2021-01-01,-{i}\n" for i in range(1, 101))
    path = write(tmp_path, "customer_id,date,amount\n" + rows)
    with pytest.raises(DataError) as info:
        read_transactions(path)
    err = info.value
    assert err.n_problems == 100
    message = str(err)
    assert "100 problems" in message
    assert message.count("negative value") == MAX_PROBLEMS_SHOWN
    assert f"... and {100 - MAX_PROBLEMS_SHOWN} more" in message
    assert "row 1, column 'amount'" in message


def test_dataframe_rows_named_by_index_label():
    raw = pd.DataFrame({"customer_id": ["a", "b"], "date": ["2021-01-01", "2021-01-02"], "amount": [1.0, -2.0]},
                       index=[10, 11])
    with pytest.raises(DataError, match=r"DataFrame: 1 problem\n  row 11, column 'amount': negative value \(-2.0\)"):
        read_transactions(raw)


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


def test_wrong_source_type():
    with pytest.raises(TypeError, match="file path or a DataFrame"):
        read_transactions(42)


def test_scan_reports_rows_lazily(tmp_path):
    path = write(tmp_path, "customer_id,date,amount\nA,2021-01-01,1\nB,2021-01-01,-3\nC,soon,2\n")
    with pytest.raises(DataError) as info:
        scan_transactions(path)
    message = str(info.value)
    assert "row 2, column 'amount': negative value" in message
    assert "row 3, column 'date'" in message and "'soon'" in message
    pd.read_csv(path).to_parquet(tmp_path / "tx.parquet")
    with pytest.raises(DataError, match="row 2, column 'amount': negative value"):
        scan_transactions(tmp_path / "tx.parquet")


@pytest.mark.parametrize(
    ("dates", "date_format", "dayfirst"),
    [
        (["01/02/2021", "03/04/2021"], None, False),
        (["01/02/2021", "03/04/2021"], None, True),
        (["19970101", "19970302"], None, None),
        (["19970101", "19970302"], "%Y%m%d", None),
        (["01/02/2021", "25/04/2021"], None, None),
        (["05 Jan 2021", "01 Feb 2021"], None, False),
    ],
)
def test_eager_and_lazy_readers_read_dates_alike(tmp_path, dates, date_format, dayfirst):
    # Second implementation: the Polars scan must agree with the pandas reader, format inference included.
    path = write(tmp_path, "customer_id,date,amount\n" + "".join(f"A,{d},1\n" for d in dates))
    eager = read_transactions(path, date_format=date_format, dayfirst=dayfirst)["date"].tolist()
    lazy = scan_transactions(path, date_format=date_format, dayfirst=dayfirst).collect()["date"].to_list()
    assert [pd.Timestamp(d) for d in lazy] == eager


def test_both_readers_reject_mixed_date_formats_and_bad_quantity(tmp_path):
    path = write(tmp_path, "customer_id,date,amount,quantity\nA,2021-01-01,1,1\nA,2021-01-31 23:59,1,-2\n")
    for reader in (read_transactions, scan_transactions):
        with pytest.raises(DataError) as info:
            reader(path)
        assert "row 2, column 'date'" in str(info.value)
        assert "row 2, column 'quantity'" in str(info.value)


def test_lazy_reader_coerces_like_the_pandas_reader(tmp_path):
    """Checked against the pandas reader (read_transactions, pandera): a second implementation.

    A Polars frame and a Parquet file with integer yyyymmdd dates, integral float ids (1.0 from a
    NaN-holding int column reads '1', not '1.0') and a padded channel read as the pandas reader
    reads them (previously: dates in 1970 nanoseconds, ids '1.0', the channel unstripped).
    """
    raw = pd.DataFrame(
        {"customer_id": [1.0, 1.0, 2.0], "date": [20210101, 20210105, 20210103], "amount": [1.0, 2.0, 3.0], "channel": [" web", "shop\t", None]}
    )
    eager = read_transactions(raw)
    raw.to_parquet(tmp_path / "tx.parquet", index=False)
    for source in (pl.from_pandas(raw), tmp_path / "tx.parquet"):
        lazy = scan_transactions(source).collect().to_pandas().sort_values(["customer_id", "date"], ignore_index=True)
        pd.testing.assert_frame_equal(lazy, eager, check_dtype=False)
    assert eager["customer_id"].tolist() == ["1", "1", "2"]
    assert eager["channel"].iloc[:2].tolist() == ["web", "shop"] and eager["channel"].isna().iloc[2]
    assert eager["date"].tolist() == [pd.Timestamp("2021-01-01"), pd.Timestamp("2021-01-05"), pd.Timestamp("2021-01-03")]
    # Not integral: both readers keep the float's text.
    mixed = raw.assign(customer_id=[1.5, 1.0, 2.0])
    lazy_ids = sorted(scan_transactions(pl.from_pandas(mixed)).collect()["customer_id"].to_list())
    assert lazy_ids == read_transactions(mixed)["customer_id"].tolist() == ["1.0", "1.5", "2.0"]


def test_dates_with_utc_offsets_read_as_utc_by_both_readers(tmp_path):
    """Hand-worked, and the lazy reader checked against the pandas reader.

    '2021-01-01T10:00:00Z' is 10:00 UTC and '2021-01-01T23:30:00-05:00' is 2021-01-02 04:30 UTC:
    both readers give the instant in UTC without a time zone (the lazy scan raised a polars
    SchemaError in the summary; the pandas reader a TypeError).
    """
    path = write(tmp_path, "customer_id,date,amount\na,2021-01-01T10:00:00Z,1\na,2021-01-01T23:30:00-05:00,2\nb,2021-01-03T08:00:00+02:00,3\n")
    expected = [pd.Timestamp("2021-01-01 10:00"), pd.Timestamp("2021-01-02 04:30"), pd.Timestamp("2021-01-03 06:00")]
    assert read_transactions(path)["date"].tolist() == expected
    assert [pd.Timestamp(d) for d in scan_transactions(path).collect()["date"].to_list()] == expected


def test_dates_outside_the_nanosecond_range_are_named():
    """Hand-worked: a purchase typed in the year 2300 (or 1650), which pandas reads but the canonical
    datetime64[ns] cannot hold, is a DataError naming its row, in text and in a datetime64[us] column."""
    text = pd.DataFrame({"customer_id": ["a", "a", "b"], "date": ["2021-01-01", "2300-01-08", "1650-01-05"], "amount": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError) as info:
        read_transactions(text)
    assert [(p.row, p.column) for p in info.value.problems] == [(1, "date"), (2, "date")]
    assert "date outside the supported range (1677-09-21 00:12 to 2262-04-11 23:47, datetime64[ns])" in str(info.value)
    typed = text.assign(date=pd.to_datetime(["2021-01-01", "2300-01-08", "2021-01-05"]).as_unit("us"))
    with pytest.raises(DataError, match=r"row 1, column 'date': date outside the supported range"):
        read_transactions(typed)


def test_fractional_seconds_read_alike_without_warnings(tmp_path):
    """Hand-worked: timestamps with a fraction of a second (as Polars writes them to CSV) read the same by
    both readers, the lazy one without chrono's warning about pandas' ``%f``."""
    import warnings

    (tmp_path / "log.csv").write_text(
        "customer_id,date,amount\na,2021-01-01T10:00:00.250000000,1\nb,2021-01-02T11:30:00.000001000,2\n"
    )
    eager = read_transactions(tmp_path / "log.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lazy = scan_transactions(tmp_path / "log.csv").collect().to_pandas()
    assert list(lazy["date"]) == list(eager["date"]) == [pd.Timestamp("2021-01-01 10:00:00.25"), pd.Timestamp("2021-01-02 11:30:00.000001")]


# --- One rule for every reader: columns, missing cells, dates, ids, unreadable files ----------------


def _both(path, **options):
    """The pandas reader and the lazy Polars reader on the same input (sorted alike), or their DataErrors."""
    eager = read_transactions(path, **options)
    lazy = scan_transactions(path, **options).collect().to_pandas().sort_values(["customer_id", "date"], kind="stable", ignore_index=True)
    return eager, lazy


def _errors(source, **options) -> list[DataError]:
    """The DataError of each reader (pandas, Polars) on the same input; fails if one reads it."""
    errors = []
    for reader in (read_transactions, scan_transactions):
        with pytest.raises(DataError) as info:
            reader(source, **options)
        errors.append(info.value)
    return errors


def test_a_column_named_twice_is_refused_not_half_read(tmp_path):
    """Hand-worked: a header 'customer_id,date,amount,amount' (pandas renamed the copy 'amount.1' and read
    the first; Polars 'amount_duplicated_0'), a Parquet schema and a DataFrame with a name twice, and two
    columns mapped to one name are DataErrors naming the file and the column, in both readers."""
    path = write(tmp_path, "customer_id,date,amount,amount\na,2021-01-01,1,2\n")
    for err in _errors(path):
        assert err.source == str(path)
        assert str(err).endswith("column 'amount': the column name appears 2 times in the header: crmlab cannot tell which to read; rename or drop the copies")
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table([pa.array(["a"]), pa.array(["2021-01-01"]), pa.array([1.0]), pa.array([2.0])], names=["customer_id", "date", "amount", "amount"])
    pq.write_table(table, tmp_path / "tx.parquet")
    for err in _errors(tmp_path / "tx.parquet"):
        assert err.source == str(tmp_path / "tx.parquet") and [p.column for p in err.problems] == ["amount"]
    frame = pd.DataFrame([["a", "2021-01-01", 1.0, 2.0]], columns=["customer_id", "date", "amount", "amount"])
    with pytest.raises(DataError, match=r"^DataFrame: 1 problem\n  column 'amount': the column name appears 2 times in the data"):
        read_transactions(frame)  # was a raw TypeError
    frame = pd.DataFrame([["a", "2021-01-01", 1.0, 2.0]], columns=["customer_id", "date", "net", "gross"])
    for source in (frame, pl.from_pandas(frame)):
        with pytest.raises(DataError, match=r"column 'amount': columns 'net' and 'gross' would both be 'amount'"):
            scan_transactions(source, columns={"net": "amount", "gross": "amount"})
    with pytest.raises(DataError, match=r"columns 'amount' and 'gross' would both be 'amount'"):
        read_transactions(frame.rename(columns={"net": "amount"}), columns={"gross": "amount"})


def test_the_small_table_loader_refuses_a_header_naming_a_column_twice(tmp_path):
    """Hand-worked: the file loader shared with the small-table readers refuses the copy too."""
    from crmlab.data.transactions import _read_file

    path = write(tmp_path, "account,revenue,revenue\na,1,2\n", "accounts.csv")
    with pytest.raises(DataError, match=r"accounts.csv: 1 problem\n  column 'revenue': the column name appears 2 times"):
        _read_file(path)
    path = write(tmp_path, "account,note\na,NA\nb, \n", "accounts.csv")
    assert _read_file(path)["note"].isna().tolist() == [True, True]  # the missing-cell rule, by default
    assert _read_file(path, na_values=None)["note"].tolist() == ["NA", ""]  # or every cell as written


def test_missing_markers_are_missing_in_both_readers(tmp_path):
    """Hand-worked against crmlab.data.missing: 'NA' and 'None' channels are missing labels for the pandas and
    the Polars reader alike (the lazy reader kept them as labels), unless na_values= says otherwise; a
    quantity written 'NA' is a missing quantity, not a bad one."""
    path = write(tmp_path, "customer_id,date,amount,channel,quantity\na,2021-01-01,1,None,NA\nb,2021-01-02,2, NA ,3\nc,2021-01-03,3,web,\n")
    eager, lazy = _both(path)
    pd.testing.assert_frame_equal(lazy, eager, check_dtype=False)
    assert eager["channel"].isna().tolist() == [True, True, False]
    assert eager["quantity"].isna().tolist() == [True, False, True]
    path = write(tmp_path, "customer_id,date,amount,channel\na,2021-01-01,1,None\nb,2021-01-02,2, NA \nc,2021-01-03,3,\n")
    eager, lazy = _both(path, na_values=("",))
    pd.testing.assert_frame_equal(lazy, eager, check_dtype=False)
    assert eager["channel"].tolist()[:2] == ["None", "NA"] and eager["channel"].isna().iloc[2]  # empty: missing whatever the list


def test_a_missing_id_shows_what_was_written(tmp_path):
    """Hand-worked: an id written 'NA' is a missing id in both readers (the lazy reader took it for a
    customer), and the message shows it; a null id in a frame shows None; na_values=() makes 'NA' an id."""
    path = write(tmp_path, "customer_id,date,amount\nNA,2021-01-01,1\nb,2021-01-02,2\n,2021-01-03,3\n")
    for err in _errors(path):
        assert err.source == str(path)
        assert [str(p) for p in err.problems] == ["row 1, column 'customer_id': missing value ('NA')", "row 3, column 'customer_id': missing value ('')"]
    frame = pd.DataFrame({"customer_id": ["a", None], "date": ["2021-01-01", "2021-01-02"], "amount": [1.0, 2.0]})
    with pytest.raises(DataError, match=r"row 1, column 'customer_id': missing value \(None\)"):
        read_transactions(frame)
    with pytest.raises(DataError, match=r"row 1, column 'customer_id': missing value \(None\)"):
        scan_transactions(pl.from_pandas(frame))
    path = write(tmp_path, "customer_id,date,amount\nNA,2021-01-01,1\nb,2021-01-02,2\n")
    eager, lazy = _both(path, na_values=())
    pd.testing.assert_frame_equal(lazy, eager, check_dtype=False)
    assert eager["customer_id"].tolist() == ["NA", "b"]


def test_ambiguous_day_month_dates_are_an_error_in_both_readers(tmp_path):
    """Hand-worked: 01/03/2021 and 05/04/2021 read as well day-first as month-first; both readers (the
    pandas one read them month-first without a word) refuse the column with an example and the way out,
    and read it as told with dayfirst= or date_format=."""
    path = write(tmp_path, "customer_id,date,amount\na,01/03/2021,1\na,05/04/2021,2\n")
    for err in _errors(path):
        assert err.source == str(path) and err.problems[0].column == "date"
        assert "ambiguous dates" in str(err) and "'01/03/2021' is 1 March 2021 day-first or 3 January 2021 month-first" in str(err)
    for options, first in (({"dayfirst": True}, "2021-03-01"), ({"dayfirst": False}, "2021-01-03"), ({"date_format": "%d/%m/%Y"}, "2021-03-01")):
        eager, lazy = _both(path, **options)
        pd.testing.assert_frame_equal(lazy, eager, check_dtype=False)
        assert eager["date"].iloc[0] == pd.Timestamp(first)


def test_dates_without_a_day_are_refused_by_both_readers(tmp_path):
    """Hand-worked: '2021' and '2021-03' were read as 1 January and 1 March; as text, as integers in a
    frame and in Parquet, both readers refuse them."""
    for dates in (["2021", "2022"], ["2021-03", "2021-04"]):
        path = write(tmp_path, "customer_id,date,amount\n" + "".join(f"a,{d},1\n" for d in dates))
        for err in _errors(path):
            assert err.source == str(path) and err.problems[0].column == "date" and "dates without a day" in str(err)
    frame = pd.DataFrame({"customer_id": ["a", "b"], "date": [2021, 2022], "amount": [1.0, 2.0]})
    frame.to_parquet(tmp_path / "tx.parquet", index=False)
    for source in (frame, pl.from_pandas(frame), tmp_path / "tx.parquet"):
        with pytest.raises(DataError, match=r"column 'date': dates without a day \(format %Y\)"):
            scan_transactions(source)


def test_integer_ids_stay_integers_in_natural_order(tmp_path):
    """Hand-worked: integer-typed ids (pandas, Polars, Parquet) are int64 ids sorted by value (they were
    strings sorted as text, '0', '1', '10', '2'); a CSV's ids are text ('007' stays '007'), and text ids
    that are all digits are sorted by value too."""
    frame = pd.DataFrame({"customer_id": [10, 2, 0, 1], "date": pd.to_datetime(["2021-01-01"] * 4), "amount": [1.0, 2.0, 3.0, 4.0]})
    frame.to_parquet(tmp_path / "tx.parquet", index=False)
    for source in (frame, pl.from_pandas(frame), tmp_path / "tx.parquet"):
        tx = read_transactions(source)
        assert tx["customer_id"].tolist() == [0, 1, 2, 10] and tx["customer_id"].dtype == np.int64
        assert scan_transactions(source).collect()["customer_id"].dtype == pl.Int64
    path = write(tmp_path, "customer_id,date,amount\n10,2021-01-01,1\n007,2021-01-01,1\n2,2021-01-01,1\n7,2021-01-02,1\n")
    assert read_transactions(path)["customer_id"].tolist() == ["2", "007", "7", "10"]
    assert sorted(scan_transactions(path).collect()["customer_id"].to_list()) == ["007", "10", "2", "7"]


@pytest.mark.parametrize("reader", [read_transactions, scan_transactions], ids=["pandas", "polars"])
def test_unreadable_files_are_named_in_one_line(tmp_path, reader):
    """Hand-worked: a damaged gzip file (EOFError / OSError, the file not named), a binary file under a .csv
    name (the tokenizer's text, or 'the data has: \\t'), and, for the lazy reader, a folder (Polars'
    internals) are one-line DataErrors naming the file."""
    text = GOOD.encode() * 50
    (tmp_path / "cut.csv.gz").write_bytes(gzip.compress(text)[:60])
    (tmp_path / "sheet.csv").write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00binary,\x00\t\x01" * 20)
    (tmp_path / "latin.csv").write_bytes("customer_id,date,amount\nJos\xe9,2021-01-01,1\n".encode("latin-1"))
    (tmp_path / "exports.parquet").mkdir()
    (tmp_path / "utf16.csv").write_text(GOOD, encoding="utf-16")
    cases = [
        ("utf16.csv", "not a UTF-8 text file (UTF-16, as some spreadsheets save text): save it as UTF-8 CSV"),
        ("cut.csv.gz", "cannot read as .csv.gz: not a complete gzip file (Compressed file ended before the end-of-stream marker was reached)"),
        ("sheet.csv", "not a text file: binary data (a NUL byte at byte 5); a .csv file must be UTF-8 text, one purchase a line"),
        ("latin.csv", "not a UTF-8 text file (invalid continuation byte at byte 27)"),
        ("exports.parquet", "is a folder, not a file"),
    ]
    for name, message in cases:
        with pytest.raises(DataError) as info:
            reader(tmp_path / name)
        assert info.value.source == str(tmp_path / name) and len(info.value.problems) == 1
        assert str(info.value).splitlines()[1].strip().startswith(message), str(info.value)


def test_rows_the_parser_cannot_split_are_data_rows_in_both_readers(tmp_path):
    """Hand-worked: an extra cell in data row 2 (pandas said 'line 3') and an unclosed quote in data row 2
    (pandas' tokenizer text) are named by row and shown, by both readers alike."""
    extra = write(tmp_path, "customer_id,date,amount\na,2021-01-01,1\nb,2021-01-02,2,9\nc,2021-01-03,3\n", "extra.csv")
    quote = write(tmp_path, 'customer_id,date,amount\na,2021-01-01,1\nb,"2021-01-02,2\nc,2021-01-03,3\n', "quote.csv")
    for path, message in ((extra, "row 2: 4 cells where the header has 3 ('b,2021-01-02,2,9')"),
                          (quote, "row 2: unclosed quote: the row cannot be split into cells ('b,\"2021-01-02,2')")):  # fmt: skip
        for err in _errors(path):
            assert err.source == str(path) and str(err).splitlines()[1].strip() == message


def test_float_dates_read_as_their_digits_value_by_value(tmp_path):
    """Hand-worked: 20210131.0 (an integer date column with a gap, as pandas holds it) is 31 January 2021 in
    both readers, and 20210201.5 an unparseable date named by its row in both."""
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"], "date": [20210131.0, 20210201.0, 20210201.5], "amount": [1.0, 2.0, 3.0]})
    eager, lazy = _both(frame.iloc[:2])
    pd.testing.assert_frame_equal(lazy, eager, check_dtype=False)
    assert eager["date"].tolist() == [pd.Timestamp("2021-01-31"), pd.Timestamp("2021-02-01")]
    for reader, source in ((read_transactions, frame), (scan_transactions, pl.from_pandas(frame))):
        with pytest.raises(DataError) as info:
            reader(source)
        assert [(p.row, p.column) for p in info.value.problems] == [(2, "date")]


def test_padded_numbers_read_alike(tmp_path):
    """Hand-worked: amounts and quantities written with spaces around them (' 5', '2 ') are numbers for the
    pandas reader; the lazy reader reported them as non-numeric."""
    path = write(tmp_path, "customer_id,date,amount,quantity\na,2021-01-01, 5 ,2 \nb,2021-01-02,7, 1\n")
    eager, lazy = _both(path)
    pd.testing.assert_frame_equal(lazy, eager, check_dtype=False)
    assert eager["amount"].tolist() == [5.0, 7.0] and eager["quantity"].tolist() == [2.0, 1.0]


def test_a_scan_of_a_pandas_frame_keeps_its_rows_order():
    """Hand-worked: scan_transactions checks a pandas frame as read_transactions does but keeps its rows in the
    frame's order (a scan promises no order, as for a file); read_transactions sorts them by customer and date."""
    raw = pd.DataFrame({"customer_id": ["b", "a", "b", "a"], "date": ["2021-01-03", "2021-01-02", "2021-01-01", "2021-01-01"], "amount": ["1", "2", "3", "4"]})
    scanned = scan_transactions(raw).collect()
    assert scanned["customer_id"].to_list() == ["b", "a", "b", "a"] and scanned["amount"].to_list() == [1.0, 2.0, 3.0, 4.0]
    assert read_transactions(raw)["amount"].tolist() == [4.0, 2.0, 3.0, 1.0]
    with pytest.raises(DataError, match=r"row 2, column 'amount': not a number \('x'\)"):
        scan_transactions(raw.assign(amount=["1", "2", "x", "4"])).collect()
