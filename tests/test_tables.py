"""The small-table readers share one set of rules (crmlab.data.tables, crmlab.data.ids): ids compared by
value, the lab's one date policy in every reader, missing cells shown as written, one wording for numbers
out of bounds, refused scales. Each reader is checked on hand-made files whose right reading is known."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab.data import DataError
from crmlab.data.ids import clean_id, clean_ids
from crmlab.data.tables import Column, bounds_message, check_numeric, check_scale, read_table
from crmlab.theories.guanxi import read_favour_ledger
from crmlab.theories.imp import read_episodes
from crmlab.theories.nordic import read_interactions
from crmlab.theories.referral import read_adoptions, read_referrals

#: Day-first dates only one reading fits (13 and 25 are no months): 13 Feb, 1 Mar, 25 Mar 2021.
DAY_FIRST = ["13/02/2021", "01/03/2021", "25/03/2021"]
#: Dates that read both ways (1 Mar or 3 Jan, …): the reader must be told which.
AMBIGUOUS = ["01/03/2021", "05/04/2021", "07/06/2021"]


def _dates(*days: str) -> list[pd.Timestamp]:
    return [pd.Timestamp(d) for d in days]


# Each reader: (frame of three rows with the given dates, the date column, the dates read from the output).
# The rows are in time order when read day-first, so an order check (a reply after its act, a referrer
# acquired before referring) passes only if every date is read day-first.
READERS = {
    "favour ledger": (
        read_favour_ledger,
        lambda d: pd.DataFrame({"giver": ["Li", "Wang", "Zhao"], "receiver": ["Wang", "Zhao", "Li"], "date": d,
                                "value": [1, 2, 3], "tie_type": "family"}),
        "date", lambda out: out["date"]),
    "interaction log": (
        read_interactions,
        lambda d: pd.DataFrame({"act_id": [1, 2, 3], "customer_id": "A", "timestamp": d,
                                "initiator": ["customer", "firm", "customer"], "reply_to": [None, 1, 2]}),
        "timestamp", lambda out: out["timestamp"]),
    "referral log": (
        read_referrals,
        lambda d: pd.DataFrame({"referrer_id": ["a", "b", "c"], "referred_id": ["b", "c", "d"], "date": d}),
        "date", lambda out: out["date"]),
    "episodes": (
        read_episodes,
        lambda d: pd.DataFrame({"actor_id": ["S1"] * 3, "partner_id": ["C1"] * 3, "date": d, "kind": "order"}),
        "date", lambda out: out["date"]),
    "adoption counts": (
        read_adoptions,
        lambda d: pd.DataFrame({"period": d, "adoptions": [1, 2, 3]}),
        "period", None),
    "declared table": (
        lambda source, **kw: read_table(source, (Column("account_id", "id"), Column("since", "date")), **kw),
        lambda d: pd.DataFrame({"account_id": ["x", "y", "z"], "since": d}),
        "since", lambda out: out["since"]),
}


@pytest.mark.parametrize("reader", list(READERS))
def test_every_reader_reads_dates_by_the_one_policy(reader, tmp_path):
    """Known truth of hand-made files: a day-first file is read day-first (13 Feb, 1 Mar, 25 Mar — per-value
    parsing read 01/03/2021 as 3 January, reordering rows and raising false order errors); a file that reads
    both ways is refused, naming the file, the column and how to choose; dayfirst=True reads it day-first."""
    read, make, column, dates_of = READERS[reader]
    path = tmp_path / "table.csv"
    make(DAY_FIRST).to_csv(path, index=False)
    out = read(path)
    if dates_of is None:  # adoption counts come back in period order: the order of the day-first dates
        assert out.tolist() == [1, 2, 3]
    else:
        assert sorted(dates_of(out)) == _dates("2021-02-13", "2021-03-01", "2021-03-25")
    make(AMBIGUOUS).to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        read(path)
    text = str(info.value)
    assert text.startswith(str(path)) and f"column {column!r}: ambiguous dates" in text
    assert "dayfirst=True" in text and "date_format=" in text
    out = read(path, dayfirst=True)
    if dates_of is not None:
        assert sorted(dates_of(out)) == _dates("2021-03-01", "2021-04-05", "2021-06-07")
        assert sorted(dates_of(read(path, date_format="%m/%d/%Y"))) == _dates("2021-01-03", "2021-05-04", "2021-07-06")


def test_ids_compare_by_value():
    """Definition (hand-worked): integers, integral floats and text of the same whole number are one id;
    text keeps leading zeros and other values are stripped text; missing cells follow the one rule."""
    values = pd.Series([1, 1.0, "1", " 1 ", "1.0", "007", 2.5, " a ", None, "NA", ""], dtype=object)
    ids, missing = clean_ids(values)
    assert ids.tolist() == ["1", "1", "1", "1", "1", "007", "2.5", "a", None, None, None]
    assert missing.tolist() == [False] * 8 + [True] * 3
    floats = pd.Series([np.nan, 1.0, 2.0])  # a reply_to column: NaN for "no reply"
    assert clean_ids(floats)[0].tolist() == [None, "1", "2"] == [None, *clean_ids(pd.Series([1, 2]))[0]]
    assert clean_ids(pd.Series(["3.0", "4"]))[0].tolist() == ["3", "4"]  # a CSV written from floats
    # second implementation: the vectorised paths agree with clean_id value by value (past 2**53 too)
    for column in (pd.Series([1e20, 2.0, np.nan]), pd.Series([3, -4]), pd.Series([" 5.0", "x ", "007"], dtype="string")):
        ids, missing = clean_ids(column)
        assert ids[~missing].tolist() == [clean_id(v) for v in column[~missing]]
    assert [clean_id(v) for v in (np.int64(5), np.float32(5.0), "-5.00")] == ["5", "5", "-5"]


def test_missing_cells_show_what_was_written():
    """Definition of the missing-cell rule: None, NaN, empty and the NA markers are missing, and the
    message shows the cell as written (a None cell shows None rather than nothing)."""
    cols = (Column("account_id", "id"), Column("revenue", "number"))
    frame = pd.DataFrame({"account_id": ["a", None, "NA", " "], "revenue": [1, 2, "N/A", np.nan]}, dtype=object)
    with pytest.raises(DataError) as info:
        read_table(frame, cols)
    text = str(info.value)
    assert "row 1, column 'account_id': missing value (None)" in text
    assert "row 2, column 'account_id': missing value ('NA')" in text
    assert "row 3, column 'account_id': missing value (' ')" in text
    assert "row 2, column 'revenue': missing value ('N/A')" in text
    assert "row 3, column 'revenue': missing value (nan)" in text
    assert info.value.n_problems == 5


def test_one_wording_for_numbers_out_of_bounds(tmp_path):
    """Definition: the declared tables and the checks of a frame handed to a function word a bound alike
    (one function), show the value as written, and the strategy inputs read files with the tables' loader."""
    frame = pd.DataFrame({"x": [1, -2], "rate": [0.5, 0.0], "share": [0.5, 1.5]})
    with pytest.raises(DataError) as tables_error:
        read_table(frame, (Column("x", low=0), Column("rate", positive=True), Column("share", low=0, high=1)))
    with pytest.raises(DataError) as checks_error:
        check_numeric(frame, ["x", "rate"], nonnegative=["x"], positive=["rate"])
    expected = ["row 1, column 'x': negative value (-2)", "row 1, column 'rate': must be positive (0.0)"]
    assert [str(p) for p in tables_error.value.problems[:2]] == expected == [str(p) for p in checks_error.value.problems]
    assert str(tables_error.value.problems[2]) == "row 1, column 'share': outside the scale 0–1 (1.5)"
    assert [bounds_message(0), bounds_message(2)] == ["negative value", "must be ≥ 2"]
    root = Path(crmlab.__file__).parent  # one read_table in the lab: crmlab.data.tables
    assert [str(p.relative_to(root)) for p in root.rglob("*.py") if "def read_table" in p.read_text()] == ["data/tables.py"]
    path = tmp_path / "curves.csv"
    path.write_text("segment,action,ceiling,rate\ns,retention,-5,0.1\n")
    from crmlab.strategy.budget import check_response_curves

    with pytest.raises(DataError, match=r"curves.csv: 1 problem\n  row 1, column 'ceiling': negative value \('-5'\)"):
        check_response_curves(path)


def test_scales_and_bounds_are_checked_before_the_data():
    """Definition: a reversed, degenerate or non-numeric scale is refused (it would flag every answer)."""
    assert check_scale((1, 5)) == (1, 5)
    for bad in [(7, 1), (4, 4), ("1", "7"), (1, np.inf), (1,), None]:
        with pytest.raises(ValueError, match="scale"):
            check_scale(bad)
    with pytest.raises(ValueError, match="whole-number ends"):
        check_scale((1, 7.5), whole=True)
    with pytest.raises(ValueError, match=r"column 'trust': the low bound \(7\) is above the high bound \(1\)"):
        Column("trust", low=7, high=1)
    with pytest.raises(ValueError, match="bounds must be"):
        check_numeric(pd.DataFrame({"x": [1]}), ["x"], bounds=(7, 1))


def _private_imports(path: Path) -> list[tuple[str, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("crmlab"):
            private_module = any(part.startswith("_") for part in node.module.split("."))
            found += [(node.module, a.name) for a in node.names if private_module or a.name.startswith("_")]
    return found


def test_schools_share_the_data_layer_not_each_others_privates():
    """Structure: id cleaning has one home (crmlab.data.ids); no school module imports a private name of
    another package (another school or the transactions reader) — only of its own school."""
    root = Path(crmlab.__file__).parent
    offending = []
    for path in sorted((root / "theories").rglob("*.py")):
        school = path.relative_to(root / "theories").parts[0].removesuffix(".py")
        for module, name in _private_imports(path):
            own = module.startswith(f"crmlab.theories.{school}")
            if not own:
                offending.append((str(path.relative_to(root)), module, name))
    assert offending == []
    sources = {p: p.read_text() for p in root.rglob("*.py")}
    assert [str(p.relative_to(root)) for p, text in sources.items() if "def clean_ids" in text] == ["data/ids.py"]
    assert [str(p.relative_to(root)) for p, text in sources.items() if "_as_string" in text] == ["data/transactions.py"]
