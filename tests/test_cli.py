"""The ``crmlab`` command line: ``--version``, ``reports --list``, ``--set`` parsing, exit codes.

None of these tests starts a kernel; the runs themselves (and the exit code 1
of a failing run) are covered in test_reports.py.
"""

from __future__ import annotations

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
