"""The ``crmlab`` command line: ``--version``, ``reports --list``, ``--set`` parsing, exit codes.

None of these tests starts a kernel; the runs themselves (and the exit code 1
of a failing run) are covered in test_reports.py.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmlab import __version__
from crmlab.cli import app, parse_assignment
from crmlab.reports import ParameterError

FIXTURES = Path(__file__).parent / "fixtures" / "reports"
runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dest = tmp_path / "project"
    shutil.copytree(FIXTURES, dest)
    return dest


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"crmlab {__version__}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("n=3", ("n", 3)),
        ("rate=0.05", ("rate", 0.05)),
        ("flag=true", ("flag", True)),
        ("rates=[0.05, 0.1]", ("rates", [0.05, 0.1])),
        ('source="cdnow"', ("source", "cdnow")),
        ("source=cdnow", ("source", "cdnow")),
        ("time_unit=W", ("time_unit", "W")),
        ("path=data/x.csv", ("path", "data/x.csv")),
        ("since=1997-01-01", ("since", "1997-01-01")),
        ("opts={a = 1}", ("opts", {"a": 1})),
        ("empty=", ("empty", "")),
        ("eq=a=b", ("eq", "a=b")),
        ("two=1\nthree = 3", ("two", "1\nthree = 3")),
        (" spaced = 2 ", ("spaced", 2)),
    ],
)
def test_set_values_are_toml_literals_or_strings(text: str, expected: tuple) -> None:
    assert parse_assignment(text) == expected


@pytest.mark.parametrize("text", ["noequals", "=3", "1x=2", "a.b=1"])
def test_set_needs_key_equals_value(text: str) -> None:
    with pytest.raises(ParameterError, match="--set expects KEY=VALUE"):
        parse_assignment(text)


def test_list_shows_runs_and_parameters_without_running(project: Path) -> None:
    result = runner.invoke(app, ["reports", "--config", str(project / "reports.toml"), "--list"])
    assert result.exit_code == 0, result.output
    for text in ("good", "flaky", "steady", "notebooks/good.ipynb", '"data/tiny.csv"', "scale = 2", "fail = false"):
        assert text in result.stdout
    assert not (project / "reports").exists()


def test_list_applies_only_and_set(project: Path) -> None:
    args = ["reports", "-c", str(project / "reports.toml"), "--list", "--only", "steady", "--set", "fail=true"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "steady" in result.stdout and "fail = true" in result.stdout
    assert "good" not in result.stdout


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


RUN = '[[run]]\nname = "{name}"\nnotebook = "notebooks/flaky.ipynb"\n'


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-c", "{dir}/missing.toml"], "missing.toml: config file not found"),
        (["-c", "{dir}/dup.toml"], "dup.toml: duplicate run name 'a'"),
        (["-c", "{dir}/extra.toml"], "extra.toml: run 'a': unknown key 'notbook'"),
        (["-c", "{dir}/reports.toml", "--only", "nobody"], "unknown run 'nobody'; configured runs: good, flaky, steady"),
        (["-c", "{dir}/reports.toml", "--set", "nope=1"], "run 'good' (notebooks/good.ipynb): unknown parameter 'nope'"),
        (["-c", "{dir}/reports.toml", "--set", "oops"], "--set expects KEY=VALUE"),
        (["-c", "{dir}/reports.toml", "--list", "--set", "oops"], "--set expects KEY=VALUE"),
    ],
)
def test_config_and_parameter_errors_exit_2_with_one_line(project: Path, args: list[str], message: str) -> None:
    write(project / "dup.toml", RUN.format(name="a") + RUN.format(name="a"))
    write(project / "extra.toml", RUN.format(name="a") + 'notbook = "typo.ipynb"\n')
    result = runner.invoke(app, ["reports", *(a.format(dir=project) for a in args), "--no-progress"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("crmlab: error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (project / "reports").exists()  # nothing ran


def test_reports_is_a_subcommand_of_a_group() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "reports" in result.stdout


# --- hostile input: each is exit 2 with one line, and nothing runs -------------


def snapshot_tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes), to check a report is byte-identical."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def good_report(project: Path) -> Path:
    """A hand-made last good report of run 'good' (no kernel needed)."""
    folder = project / "reports" / "good"
    folder.mkdir(parents=True)
    (folder / "good.html").write_text("<p>the last good report</p>")
    (folder / "good.ipynb").write_text("{}")
    (folder / "provenance.json").write_text('{"run": "good", "status": "succeeded"}')
    return folder


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("crmlab: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("{CustomerID=", "looks like an inline table but does not parse as TOML (invalid value at the end of the value)"),
        ('{CustomerID="customer_id"', "looks like an inline table but does not parse as TOML (unclosed inline table"),
        ("[1, 2", "looks like an array but does not parse as TOML (unclosed array"),
        ("[1,,2]", "looks like an array but does not parse as TOML (invalid value at character 4 of the value)"),
        ('"data/tiny.csv', "looks like a quoted string but does not parse as TOML (unterminated string"),
        ("'data/tiny.csv", "looks like a quoted string but does not parse as TOML"),
        ("{a = 1}\nb = 2", "holds more than one TOML value"),
    ],
)
def test_malformed_set_value_is_an_error_and_the_good_report_stays(project: Path, value: str, why: str) -> None:
    # The case: a table cut short used to become the string "{CustomerID=" and the run
    # replaced the good report. Expected messages follow TOML 1.0 (tomllib) on the same text.
    reports = project / "reports"
    before = snapshot_tree(good_report(project).parent)
    args = ["reports", "-c", str(project / "reports.toml"), "--only", "good", "--set", f"source={value}", "--no-progress"]
    result = runner.invoke(app, args)
    assert_one_line_error(result, "--set source: ", why)
    assert snapshot_tree(reports) == before  # nothing ran, nothing was written


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('columns={CustomerID="customer_id", InvoiceDate="date"}', {"CustomerID": "customer_id", "InvoiceDate": "date"}),
        ("rates = [0.05, 0.1] ", [0.05, 0.1]),
        ("note='a literal \\ string'", "a literal \\ string"),
    ],
)
def test_well_formed_structured_values_still_parse(text: str, expected: object) -> None:
    assert parse_assignment(text)[1] == expected


def test_list_reads_at_80_columns_with_full_run_names() -> None:
    from rich.cells import cell_len

    from crmlab.reports import load_config

    config = Path(__file__).resolve().parents[1] / "reports.toml"
    result = runner.invoke(app, ["reports", "-c", str(config), "--list"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert not any(line.endswith(" ") for line in lines)
    for run in load_config(config).runs:  # each name whole at the start of its own line
        assert any(line.split()[:1] == [run.name] for line in lines), run.name
        assert f"{run.notebook.as_posix()}" in result.stdout


@pytest.mark.parametrize("kind", ["a file", "under a file", "read-only"])
def test_output_folder_that_cannot_be_written_is_one_line_exit_2(project: Path, tmp_path: Path, kind: str) -> None:
    if kind == "a file":
        output = tmp_path / "out.txt"
        output.write_text("not a folder")
        why = f"output folder {output}: exists and is not a folder"
    elif kind == "under a file":
        (tmp_path / "out.txt").write_text("not a folder")
        output = tmp_path / "out.txt" / "reports"
        why = f"output folder {output}: cannot create it ({tmp_path / 'out.txt'} is a file)"
    elif os.geteuid() != 0:
        output = tmp_path / "readonly"
        output.mkdir()
        output.chmod(0o555)
        why = f"output folder {output}: cannot write there (Permission denied)"
    elif Path("/sys/kernel").is_dir():  # root writes through permissions; sysfs takes no new folder from anyone
        output = Path("/sys/kernel/crmlab-reports")
        why = f"output folder {output}: cannot create it ("
    else:
        pytest.skip("no folder that root cannot write to")
    args = ["reports", "-c", str(project / "reports.toml"), "--only", "good", "-o", str(output), "--no-progress"]
    result = runner.invoke(app, args)
    assert_one_line_error(result, why)
    if output.is_dir():
        assert list(output.iterdir()) == []  # no lock, no temporary folder left behind


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"customer_id,date,amount\nsecret-first-bytes,2020-01-01,3\n", "not a Jupyter notebook (not JSON: expecting value at line 1, column 1)"),
        (b"\x89PNG\r\n\x1a\nsecret-first-bytes\xff", "not a Jupyter notebook (not UTF-8 text)"),
        (b'{"secret-first-bytes": 1}', "not a Jupyter notebook (JSON without an integer 'nbformat' version)"),
        (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"secret-first-bytes": 1}]}', "not a valid Jupyter notebook ("),
        (None, "a folder, not a notebook"),
    ],
)
def test_notebook_path_that_is_not_a_notebook_is_one_line_exit_2(project: Path, content: bytes | None, why: str) -> None:
    target = project / "data" / "orders"
    if content is None:
        target.mkdir()
    else:
        target.write_bytes(content)
    (project / "wrong.toml").write_text('[[run]]\nname = "wrong"\nnotebook = "data/orders"\n')
    result = runner.invoke(app, ["reports", "-c", str(project / "wrong.toml"), "--no-progress"])
    assert_one_line_error(result, f"wrong.toml: run 'wrong' (data/orders): {why}")
    assert "secret-first-bytes" not in result.stderr  # the file's content is not echoed
    assert not (project / "reports").exists()


@pytest.mark.parametrize("jobs", ["0", "-2"])
def test_jobs_below_one_is_one_line_and_exit_2(jobs: str) -> None:
    """The CLI's contract: a usage error is one line on stderr and exit 2, not a usage box."""
    result = CliRunner().invoke(app, ["reports", "--jobs", jobs])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"crmlab: error: --jobs must be at least 1, got {jobs}"
