"""The catalogue of bad transactions, as a user meets them: a small file on disk or a DataFrame,
the public entry point, and the exact error it must raise.

Each row of a table below is one bad input. Every file case goes through all four ways a user
reads a transaction log (``read_transactions``, ``scan_transactions``, ``load_transactions`` and
``transaction_summary`` on the path) and each must raise a :class:`crmlab.data.DataError` (that
class, no other) whose message starts with the file's path and names the row, column and value.
The expected messages are written by hand from the files themselves: the bad cell's data row
counted under the header, its column, and the text the file holds there, so they are checked
against the input, not against the code. Where the eager and the lazy reader word a problem
differently, the parts both must say are listed.

The other half of each rule — what is *read*, not refused (``na_values=`` keeping an ``NA`` id,
``dayfirst=`` / ``date_format=`` settling ambiguous dates, integer ids kept as integers in natural
order, an ``observation_end`` with a UTC offset) — closes the file, checked against dates and
orders worked out by hand.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

from crmlab.customers import transaction_summary
from crmlab.data import DataError, load_transactions, read_transactions, scan_transactions

HEADER = "customer_id,date,amount\n"
GOOD_ROW = "A,2021-01-01,3\n"

#: The four entry points that read a transactions file, as a user calls them.
FILE_READERS: dict[str, Callable[..., Any]] = {
    "read_transactions": read_transactions,
    "scan_transactions": lambda source, **options: scan_transactions(source, **options).collect(),
    "load_transactions": load_transactions,
    "transaction_summary": lambda source, **options: transaction_summary(source, observation_end="2030-12-31", **options),
}

#: The entry points that take a DataFrame (load_transactions takes a path or a bundled name).
FRAME_READERS = {name: FILE_READERS[name] for name in ("read_transactions", "scan_transactions", "transaction_summary")}

NOT_THERE = object()  # a file that does not exist
A_FOLDER = object()  # a folder where a file is expected


@dataclass(frozen=True)
class BadFile:
    """A file as the user wrote it, the reader options they passed, and what the error must say."""

    name: str
    content: Any  # str (UTF-8 text), bytes, NOT_THERE or A_FOLDER
    says: tuple[str, ...]
    options: dict = field(default_factory=dict)

    def write(self, folder: Path) -> Path:
        path = folder / self.name
        if self.content is A_FOLDER:
            path.mkdir()
            (path / "orders.csv").write_text(HEADER + GOOD_ROW)
        elif isinstance(self.content, bytes):
            path.write_bytes(self.content)
        elif self.content is not NOT_THERE:
            path.write_text(self.content, encoding="utf-8")
        return path


def bad(case_id: str, name: str, content: Any, *says: str, **options: Any):
    return pytest.param(BadFile(name, content, says, options), id=case_id)


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff\xfe"
GZIP_CUT_SHORT = gzip.compress((HEADER + GOOD_ROW * 50).encode())[:25]

BAD_FILES = [
    # the layout of the file
    bad("empty-file", "orders.csv", "", ": 1 problem\n  file is empty"),
    bad("header-without-rows", "orders.csv", HEADER, ": 1 problem\n  no rows"),
    bad("file-not-found", "orders.csv", NOT_THERE, ": 1 problem\n  file not found"),
    bad("a-folder-instead-of-a-file", "exports", A_FOLDER, ": 1 problem\n  is a folder, not a file"),
    bad("spreadsheet-file-type", "orders.xlsx", "not read", "unsupported file type '.xlsx'"),
    bad("binary-file-named-csv", "orders.csv", PNG, "not a text file: binary data (a NUL byte at byte 8)"),
    bad("latin-1-text", "orders.csv", (HEADER + "José,2021-01-01,3\n").encode("latin-1"),
        "not a UTF-8 text file (invalid continuation byte at byte 27)"),
    bad("utf-16-text", "orders.csv", (HEADER + GOOD_ROW).encode("utf-16"),
        "not a UTF-8 text file (UTF-16, as some spreadsheets save text): save it as UTF-8 CSV"),
    bad("gzip-cut-short", "orders.csv.gz", GZIP_CUT_SHORT, "cannot read as .csv.gz: not a complete gzip file"),
    bad("extra-cell-in-a-row", "orders.csv", HEADER + GOOD_ROW + "B,2021-01-02,4,9\n",
        "row 2: 4 cells where the header has 3 ('B,2021-01-02,4,9')"),
    bad("unclosed-quote", "orders.csv", HEADER + GOOD_ROW + '"B,2021-01-02,4\nC,2021-01-03,5\n',
        "row 2: unclosed quote: the row cannot be split into cells ('\"B,2021-01-02,4')"),
    # the columns
    bad("missing-column", "orders.csv", "customer_id,date\nA,2021-01-01\n",
        "column 'amount': missing required column (the data has: customer_id, date"),
    bad("header-names-a-column-twice", "orders.csv", "customer_id,date,amount,amount\nA,2021-01-01,3,4\n",
        "column 'amount': the column name appears 2 times in the header: crmlab cannot tell which to read"),
    bad("two-columns-mapped-to-one-name", "orders.csv", "Cust,Client,date,amount\nA,X,2021-01-01,3\n",
        "column 'customer_id': columns 'Cust' and 'Client' would both be 'customer_id': map only one of them with columns=",
        columns={"Cust": "customer_id", "Client": "customer_id"}),
    bad("column-mapped-onto-one-already-there", "orders.csv", "Cust,customer_id,date,amount\nA,X,2021-01-01,3\n",
        "columns 'Cust' and 'customer_id' would both be 'customer_id'", columns={"Cust": "customer_id"}),
    # the missing-cell rule: the id as written
    bad("id-written-NA", "orders.csv", HEADER + GOOD_ROW + "NA,2021-01-02,4\n",
        ": 1 problem\n  row 2, column 'customer_id': missing value ('NA')"),
    bad("id-written-None", "orders.csv", HEADER + GOOD_ROW + "None,2021-01-02,4\n",
        "row 2, column 'customer_id': missing value ('None')"),
    bad("id-left-empty", "orders.csv", HEADER + GOOD_ROW + ",2021-01-02,4\n",
        "row 2, column 'customer_id': missing value ('')"),
    # the date policy
    bad("ambiguous-day-month-dates", "orders.csv", HEADER + "A,01/02/2021,3\nB,03/04/2021,4\n",
        "column 'date': ambiguous dates: the column reads as well day-first (%d/%m/%Y) as month-first (%m/%d/%Y)",
        "'01/02/2021' is 1 February 2021 day-first or 2 January 2021 month-first",
        "say which with dayfirst=True or dayfirst=False, or give date_format="),
    bad("year-only-dates", "orders.csv", HEADER + "A,2021,3\nB,2022,4\n",
        "column 'date': dates without a day (format %Y)", "does not put an unrecorded day in; give full dates"),
    bad("impossible-date", "orders.csv", HEADER + GOOD_ROW + "B,2021-13-45,4\n",
        "row 2, column 'date': unparseable", "('2021-13-45')"),
    bad("date-written-NULL", "orders.csv", HEADER + GOOD_ROW + "B,NULL,4\n", "row 2, column 'date': ", "missing", "('NULL')"),
    # the amounts
    bad("negative-amount", "orders.csv", HEADER + GOOD_ROW + "B,2021-01-02,-4\n",
        "row 2, column 'amount': negative value (", "-4"),
    bad("amount-in-words", "orders.csv", HEADER + GOOD_ROW + "B,2021-01-02,twelve\n", "row 2, column 'amount': ", "('twelve')"),
    bad("amount-left-empty", "orders.csv", HEADER + GOOD_ROW + "B,2021-01-02,\n", "row 2, column 'amount': missing", "('')"),
    bad("infinite-amount", "orders.csv", HEADER + GOOD_ROW + "B,2021-01-02,inf\n", "row 2, column 'amount': not a finite number (", "inf"),
    bad("two-problems-listed-together", "orders.csv", HEADER + "A,2021-01-01,-12.5\nB,2021-13-45,4\n",
        ": 2 problems\n  row 1, column 'amount': negative value (", "row 2, column 'date': unparseable", "('2021-13-45')"),
]


@pytest.mark.parametrize("reader", FILE_READERS)
@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_transactions_file_is_refused_naming_file_row_column_and_value(tmp_path, case: BadFile, reader: str) -> None:
    path = case.write(tmp_path)
    with pytest.raises(DataError) as info:
        FILE_READERS[reader](path, **case.options)
    assert type(info.value) is DataError
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert info.value.source == str(path)
    for part in case.says:
        assert part in message, f"{part!r} not in:\n{message}"


# --- DataFrames handed in directly ---------------------------------------------------------------


def frame(kind: str, customer_id: list, date: list, amount: list) -> pd.DataFrame | pl.DataFrame:
    data = {"customer_id": customer_id, "date": date, "amount": amount}
    return pd.DataFrame(data) if kind == "pandas" else pl.DataFrame(data)


BAD_FRAMES = [
    pytest.param(lambda kind: frame(kind, ["a", "NA"], ["2021-01-01", "2021-01-02"], [1.0, 2.0]),
                 ("row 1, column 'customer_id': missing value ('NA')",), id="id-written-NA"),
    pytest.param(lambda kind: frame(kind, ["None", "b"], ["2021-01-01", "2021-01-02"], [1.0, 2.0]),
                 ("row 0, column 'customer_id': missing value ('None')",), id="id-written-None"),
    pytest.param(lambda kind: frame(kind, ["a", "b"], ["01/02/2021", "03/04/2021"], [1.0, 2.0]),
                 ("column 'date': ambiguous dates", "dayfirst=True or dayfirst=False, or give date_format="),
                 id="ambiguous-day-month-dates"),
    pytest.param(lambda kind: frame(kind, ["a", "b"], ["2021-01-01", "2021-01-02"], [1.0, -2.0]),
                 ("row 1, column 'amount': negative value (-2.0)",), id="negative-amount"),
    pytest.param(lambda kind: frame(kind, ["a", "b"], ["2021-01-01", "2021-01-02"], [1.0, np.nan]),
                 ("row 1, column 'amount': missing",), id="NaN-amount"),
]


@pytest.mark.parametrize("reader", FRAME_READERS)
@pytest.mark.parametrize("kind", ["pandas", "polars"])
@pytest.mark.parametrize(("make", "says"), BAD_FRAMES)
def test_a_bad_transactions_frame_is_refused_naming_row_column_and_value(make, says, kind: str, reader: str) -> None:
    # Rows of a DataFrame are its index labels (a Polars frame's row positions, from 0).
    with pytest.raises(DataError) as info:
        FRAME_READERS[reader](make(kind))
    assert type(info.value) is DataError
    message = str(info.value)
    assert message.startswith("DataFrame: "), message
    for part in says:
        assert part in message, f"{part!r} not in:\n{message}"


@pytest.mark.parametrize("reader", FRAME_READERS)
def test_a_pandas_frame_with_a_column_label_twice_is_refused(reader: str) -> None:
    twice = pd.DataFrame([["a", "2021-01-01", 3.0, 4.0]], columns=["customer_id", "date", "amount", "amount"])
    with pytest.raises(DataError) as info:
        FRAME_READERS[reader](twice)
    assert type(info.value) is DataError
    assert str(info.value) == (
        "DataFrame: 1 problem\n  column 'amount': the column name appears 2 times in the data: "
        "crmlab cannot tell which to read; rename or drop the copies"
    )


# --- the summary's own arguments -----------------------------------------------------------------

ORDERS = HEADER + "A,2021-01-05,3\nB,2021-02-02,4\n"


@pytest.mark.parametrize(
    ("arguments", "error", "says"),
    [
        pytest.param({"observation_end": "2022-01-01", "calibration_end": "2020-12-31"}, DataError,
                     "column 'date': no purchase on or before calibration_end 2020-12-31: "
                     "the first purchase is on 2021-01-05; pass a calibration_end on or after it",
                     id="calibration-end-before-every-purchase"),
        pytest.param({"observation_end": "2021-01-31"}, DataError,
                     "column 'date': customer 'B' has 1 purchase after observation_end 2021-01-31 (the first on 2021-02-02)",
                     id="purchase-after-observation-end"),
        # 23:30 at UTC-5 on 1 February is 04:30 UTC on 2 February: the day as written (the 1st) counts.
        pytest.param({"observation_end": "2021-02-01T23:30:00-05:00"}, DataError,
                     "customer 'B' has 1 purchase after observation_end 2021-02-01 (the first on 2021-02-02)",
                     id="utc-offset-does-not-move-observation-end"),
        pytest.param({"observation_end": "soon"}, ValueError, "observation_end must be a date, got 'soon'",
                     id="observation-end-not-a-date"),
        pytest.param({"observation_end": "2021-03-01", "calibration_end": "2021-04-01"}, ValueError,
                     "calibration_end (2021-04-01) must be before observation_end (2021-03-01)",
                     id="calibration-end-after-observation-end"),
        pytest.param({"observation_end": "2022-01-01", "freq": "Q"}, ValueError,
                     "unknown freq 'Q'; expected one of 'D' (day), 'W' (week), 'M' (month)", id="unknown-period"),
    ],
)
def test_summary_arguments_that_cannot_hold_are_refused(tmp_path, arguments: dict, error: type, says: str) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS)
    with pytest.raises(ValueError) as info:
        transaction_summary(path, **arguments)
    assert type(info.value) is error
    assert says in str(info.value)
    if error is DataError:
        assert str(info.value).startswith(f"{path}: 1 problem\n")


def test_a_glob_that_matches_nothing_is_refused(tmp_path) -> None:
    pattern = str(tmp_path / "orders-*.csv")
    with pytest.raises(DataError) as info:
        transaction_summary(pattern, observation_end="2022-01-01")
    assert str(info.value) == f"{pattern}: 1 problem\n  no file matches the pattern"


# --- the other half of each rule: what is read, not refused --------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("reader", FILE_READERS)
@pytest.mark.parametrize("marker", ["NA", "None"])
def test_na_values_keeps_an_id_that_the_missing_rule_would_refuse(tmp_path, reader: str, marker: str) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + GOOD_ROW + f"{marker},2021-01-02,4\n")
    result = FILE_READERS[reader](path, na_values=())
    ids = result.index if reader == "transaction_summary" else result["customer_id"]
    assert sorted(ids) == ["A", marker]


#: 01/02/2021 and 03/04/2021, read day-first and month-first (worked out by hand).
AMBIGUOUS = HEADER + "A,01/02/2021,3\nB,03/04/2021,4\n"
DAY_FIRST = ["2021-02-01", "2021-04-03"]
MONTH_FIRST = ["2021-01-02", "2021-03-04"]


@pytest.mark.parametrize("reader", FILE_READERS)
@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"dayfirst": True}, DAY_FIRST),
        ({"dayfirst": False}, MONTH_FIRST),
        ({"date_format": "%d/%m/%Y"}, DAY_FIRST),
        ({"date_format": "%m/%d/%Y"}, MONTH_FIRST),
    ],
)
def test_dayfirst_or_date_format_reads_an_ambiguous_column(tmp_path, reader: str, options: dict, expected: list) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(AMBIGUOUS)
    result = FILE_READERS[reader](path, **options)
    dates = result["first_purchase"] if reader == "transaction_summary" else pd.Series(result["date"])
    assert sorted(pd.to_datetime(dates).dt.strftime("%Y-%m-%d")) == expected


def test_integer_ids_stay_integers_in_natural_order(tmp_path) -> None:
    # Natural order by hand: 2 < 9 < 10 (as text, "10" would come first).
    typed = pd.DataFrame({"customer_id": [10, 2, 9], "date": pd.to_datetime(["2021-01-01"] * 3), "amount": [1.0, 2.0, 3.0]})
    typed.to_parquet(tmp_path / "orders.parquet")
    for source in (typed, pl.from_pandas(typed), tmp_path / "orders.parquet"):
        tx = read_transactions(source)
        assert tx["customer_id"].tolist() == [2, 9, 10] and tx["customer_id"].dtype == np.int64
        summary = transaction_summary(source, observation_end="2021-12-31")
        assert summary.index.tolist() == [2, 9, 10] and summary.index.dtype == np.int64
    # A CSV's ids are text (007 stays 007), in the same natural order.
    (tmp_path / "orders.csv").write_text(HEADER + "10,2021-01-01,1\n2,2021-01-01,2\n9,2021-01-01,3\n")
    assert read_transactions(tmp_path / "orders.csv")["customer_id"].tolist() == ["2", "9", "10"]
    assert transaction_summary(tmp_path / "orders.csv", observation_end="2021-12-31").index.tolist() == ["2", "9", "10"]


def test_observation_end_with_a_utc_offset_ends_on_the_day_as_written(tmp_path) -> None:
    # 23:30 at UTC-5 on 2 February is 3 February in UTC; the summary ends on the 2nd, as written:
    # A, first purchase 5 January, is 28 days old; B, who bought on 2 February, 0 days.
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS)
    summary = transaction_summary(path, observation_end="2021-02-02T23:30:00-05:00")
    assert summary["T"].to_dict() == {"A": 28.0, "B": 0.0}


def test_the_readme_example_is_what_the_reader_says(tmp_path, monkeypatch) -> None:
    # The README's "What crmlab refuses" shows this file's error; the file is rebuilt from the rows it names.
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("## What crmlab refuses, and how it tells you"):]
    shown = section.split("```\n")[1].strip()
    monkeypatch.chdir(tmp_path)
    Path("exports").mkdir()
    Path("exports/orders.csv").write_text(
        HEADER + "C17,2024-03-01,19.90\nNA,2024-03-02,5.00\nC18,2024-03-02,twelve\nC19,2024-13-45,7.50\n"
    )
    with pytest.raises(DataError) as info:
        read_transactions("exports/orders.csv")
    assert f"crmlab.data.errors.DataError: {info.value}" == shown
