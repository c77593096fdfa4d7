"""Incremental report builds: a run is executed again exactly when something it is made from changed.

The reference is a world whose truth we set: the fixture project
(``tests/fixtures/reports/``: runs ``good`` reading ``data/tiny.csv``, and
``flaky`` and ``steady`` sharing ``notebooks/flaky.ipynb``) is built once per
module, copied for each test, and one input of the copy is changed, so the
runs that must be executed again, and why, are known in advance. Copying
keeps the reports up to date: nothing in a build key or provenance record
depends on where the project lies. Most tests ask the planner
(:func:`crmlab.reports.runner._plan`) what a build would do, without
kernels; the end-to-end ones execute only the runs that changed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from crmlab.cli import app
from crmlab.reports import load_config, run_reports
from crmlab.reports import runner as runner_module
from crmlab.reports.config import final_parameters
from crmlab.reports.index import UP_TO_DATE
from crmlab.reports.provenance import package_code_digest, package_versions, read_provenance, write_provenance
from crmlab.reports.runner import ReportsInterrupted, _plan

FIXTURES = Path(__file__).parent / "fixtures" / "reports"
RUNS = ("good", "flaky", "steady")

pytestmark = pytest.mark.slow  # the module's project is built once, with kernels


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture project with all three runs built (three tiny notebook executions)."""
    project = tmp_path_factory.mktemp("incremental") / "project"
    shutil.copytree(FIXTURES, project)
    results = run_reports(project / "reports.toml", jobs=2, progress=False)
    assert [(r.name, r.status) for r in results] == [(name, "succeeded") for name in RUNS]
    return project


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """A copy of the built project, elsewhere (its reports stay up to date)."""
    dest = tmp_path / "copy"
    shutil.copytree(built, dest)
    return dest


def plan(project: Path, *, overrides: dict | None = None, kernel: str = "python3", force: bool = False) -> dict:
    """What ``crmlab reports`` would do now: run name -> reasons to execute it (``[]``: up to date)."""
    config = load_config(project / "reports.toml")
    parameters = final_parameters(config.runs, overrides)
    plans = _plan(config, config.runs, parameters, kernel, package_versions(), project / "reports", force)
    return {p.run.name: p.reasons for p in plans}


def snapshot(reports: Path) -> dict[str, bytes]:
    """Every file of the run folders (not the index, which each build rewrites), by relative path."""
    return {
        path.relative_to(reports).as_posix(): path.read_bytes()
        for path in sorted(reports.rglob("*"))
        if path.is_file() and path.parent != reports
    }


def edit_notebook(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A sentence added later."))
    nbformat.write(nb, path)


# --- nothing changed --------------------------------------------------------


def test_nothing_changed_executes_nothing_and_leaves_every_report_untouched(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = project / "reports"
    before = snapshot(reports)

    def no_execution(*args: object, **kwargs: object) -> None:
        raise AssertionError("a run was executed although nothing changed")

    monkeypatch.setattr(runner_module, "_execute_all", no_execution)
    seen = []
    results = run_reports(project / "reports.toml", progress=False, on_finished=seen.append)
    assert [(r.name, r.status, r.succeeded) for r in results] == [(name, UP_TO_DATE, True) for name in RUNS]
    assert seen == results  # each reported once, as for an executed run
    assert snapshot(reports) == before  # byte-identical: pages, notebooks, provenance
    for result in results:
        record = read_provenance(reports / result.name)
        assert result.built == record["started"] and result.duration == record["duration_seconds"]

    index = json.loads((reports / "index.json").read_text())
    assert [(r["status"], r["up_to_date"]) for r in index["runs"]] == [("succeeded", True)] * 3
    html = (reports / "index.html").read_text()
    assert html.count(">up to date</span>") == 3 and "built " in html
    assert 'href="good/good.html"' in html  # the page is still linked


def test_the_command_says_up_to_date_and_force_executes_the_selected_runs(project: Path) -> None:
    toml = str(project / "reports.toml")
    cli = CliRunner().invoke(app, ["reports", "-c", toml, "--only", "steady", "--no-progress"])
    assert cli.exit_code == 0, cli.output
    assert cli.stdout.startswith("up to date steady (built ")
    assert "1 of 1 up to date (not executed; --force executes them)" in cli.stdout

    good_before = snapshot(project / "reports")["good/good.html"]
    cli = CliRunner().invoke(app, ["reports", "-c", toml, "--only", "steady", "--force", "--no-progress"])
    assert cli.exit_code == 0, cli.output
    assert cli.stdout.startswith("succeeded steady (") and "; forced)" in cli.stdout
    record = read_provenance(project / "reports" / "steady")
    assert record["build"]["reasons"] == ["forced"]
    assert snapshot(project / "reports")["good/good.html"] == good_before  # not selected: untouched
    assert plan(project, force=True) == {name: ["forced"] for name in RUNS}


# --- what counts as a change ------------------------------------------------


def test_an_edited_data_file_executes_only_the_runs_that_read_it(project: Path) -> None:
    data = project / "data" / "tiny.csv"
    data.write_text(data.read_text() + "4,1997-03-01,1.00\n")  # same path, new content
    assert plan(project) == {"good": ["data changed (data/tiny.csv)"], "flaky": [], "steady": []}

    results = {r.name: r for r in run_reports(project / "reports.toml", progress=False)}
    assert (results["good"].status, results["good"].reasons) == ("succeeded", ("data changed (data/tiny.csv)",))
    assert results["flaky"].status == results["steady"].status == UP_TO_DATE
    record = read_provenance(project / "reports" / "good")
    assert record["build"]["reasons"] == ["data changed (data/tiny.csv)"]
    assert record["data_files"][0]["size"] == data.stat().st_size
    assert plan(project) == {name: [] for name in RUNS}  # built: up to date again


def test_a_data_file_touched_but_not_changed_is_not_a_change(project: Path) -> None:
    data = project / "data" / "tiny.csv"
    os.utime(data, (1, 1))  # content hashes, not modification times
    assert plan(project) == {name: [] for name in RUNS}


def test_an_edited_notebook_executes_its_own_runs_only(project: Path) -> None:
    edit_notebook(project / "notebooks" / "flaky.ipynb")
    assert plan(project) == {"good": [], "flaky": ["notebook changed"], "steady": ["notebook changed"]}


def test_changed_parameters_execute_that_run(project: Path) -> None:
    toml = project / "reports.toml"
    toml.write_text(toml.read_text().replace("scale = 2", "scale = 3"))
    assert plan(project) == {"good": ["new parameters"], "flaky": [], "steady": []}
    toml.write_text(toml.read_text().replace("scale = 3", "scale = 2"))
    assert plan(project) == {name: [] for name in RUNS}  # back as built
    assert plan(project, overrides={"fail": False})["flaky"] == []  # --set to the configured value
    assert plan(project, overrides={"fail": True})["steady"] == ["new parameters"]


def test_a_changed_description_executes_that_run(project: Path) -> None:
    toml = project / "reports.toml"
    toml.write_text(toml.read_text().replace("Same notebook, never asked to fail", "Never fails"))
    assert plan(project) == {"good": [], "flaky": [], "steady": ["description changed"]}


def test_a_deleted_output_executes_that_run(project: Path) -> None:
    reports = project / "reports"
    (reports / "good" / "good.html").unlink()
    (reports / "flaky" / "flaky.ipynb").unlink()
    (reports / "steady" / "provenance.json").unlink()
    assert plan(project) == {
        "good": ["output missing (good.html)"],
        "flaky": ["output missing (flaky.ipynb)"],
        "steady": ["never built"],
    }


def test_a_failed_last_build_is_never_up_to_date(project: Path) -> None:
    # The good report's inputs are unchanged, but the latest attempt failed (as a failed run leaves it).
    failed = project / "reports" / "flaky.failed"
    failed.mkdir()
    write_provenance(failed, {"run": "flaky", "status": "failed", "started": "2030-01-01T00:00:00+00:00"})
    assert plan(project) == {"good": [], "flaky": ["previous build failed"], "steady": []}


def test_crmlab_source_changed_executes_every_run(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "package_code_digest", lambda: "0" * 64)
    assert plan(project) == {name: ["crmlab changed"] for name in RUNS}


def test_another_environment_or_kernel_executes_every_run(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert plan(project, kernel="crmlab-other") == {
        name: ["environment changed (kernel python3 → crmlab-other)"] for name in RUNS
    }
    versions = package_versions()
    monkeypatch.setattr(runner_module, "package_versions", lambda: {**versions, "pandas": "0.1"})
    config = load_config(project / "reports.toml")
    plans = _plan(config, config.runs, final_parameters(config.runs), "python3", runner_module.package_versions(),
                  project / "reports", False)
    assert {p.reasons[0] for p in plans} == {f"environment changed (pandas {versions['pandas']} → 0.1)"}


def test_records_that_cannot_be_checked_are_out_of_date(project: Path) -> None:
    # A report from before build keys, and one that read a file outside the project (recorded by name only).
    reports = project / "reports"
    for name, change in (("good", {"build": None}), ("flaky", {"data_files": [{"path": "mine.csv", "in_project": False}]})):
        record = read_provenance(reports / name)
        write_provenance(reports / name, {**record, **change})
    assert plan(project) == {
        "good": ["no build key recorded"],
        "flaky": ["data outside the project (mine.csv) cannot be checked"],
        "steady": [],
    }


# --- interruption and scheduling --------------------------------------------


def test_an_interrupted_build_leaves_no_run_marked_up_to_date_that_is_not(project: Path) -> None:
    edit_notebook(project / "notebooks" / "flaky.ipynb")
    reports = project / "reports"
    steady_before = snapshot(reports)["steady/steady.html"]

    def interrupt_after_first(result: object) -> None:
        if result.status == "succeeded":  # Ctrl-C as soon as the first run is in place
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(ReportsInterrupted) as caught:
        run_reports(project / "reports.toml", jobs=1, progress=False, on_finished=interrupt_after_first)
    [done] = [r.name for r in caught.value.finished if r.status == "succeeded"]
    [stopped] = caught.value.stopped
    assert {done, stopped} == {"flaky", "steady"}
    # The run that finished is up to date; the stopped one kept its old report and is still out of date.
    assert plan(project) == {"good": [], done: [], stopped: ["notebook changed"]}
    if stopped == "steady":
        assert snapshot(reports)["steady/steady.html"] == steady_before
    assert not [p for p in reports.iterdir() if p.name.startswith((".tmp-", ".old-"))]


def test_the_longest_runs_start_first(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Durations of the last builds set by hand; a run never built counts as longest.
    reports = project / "reports"
    for name, seconds in (("good", 1.0), ("flaky", 30.0)):
        record = read_provenance(reports / name)
        write_provenance(reports / name, {**record, "duration_seconds": seconds})
    shutil.rmtree(reports / "steady")
    order = []
    monkeypatch.setattr(runner_module, "_execute_all", lambda work, *args: order.extend(job.name for job in work))
    run_reports(project / "reports.toml", force=True, progress=False)
    assert order == ["steady", "flaky", "good"]


# --- the package's code digest ----------------------------------------------


def test_code_digest_ignores_bytecode_mtimes_and_location_but_not_an_edit(tmp_path: Path) -> None:
    # Second implementation: the installed package's digest against copies of it elsewhere.
    package = Path(runner_module.__file__).resolve().parents[1]
    first = tmp_path / "a" / "crmlab"
    shutil.copytree(package, first, ignore=shutil.ignore_patterns("__pycache__"))
    assert package_code_digest(first) == package_code_digest()  # same sources, another place, no bytecode
    second = tmp_path / "b" / "site-packages" / "crmlab"
    shutil.copytree(first, second)
    (second / "__pycache__").mkdir()
    (second / "__pycache__" / "cli.cpython-312.pyc").write_bytes(b"\x00bytecode")
    (second / "cli.py").touch()
    os.utime(second / "reports" / "runner.py", (1, 1))
    assert package_code_digest(second) == package_code_digest(first)
    (second / "cli.py").write_text((second / "cli.py").read_text() + "\n# an edit\n")
    assert package_code_digest(second) != package_code_digest(first)
    (second / "cli.py").write_bytes((first / "cli.py").read_bytes())
    (second / "reports" / "runner.py").rename(second / "reports" / "runner2.py")  # a rename is a change
    assert package_code_digest(second) != package_code_digest(first)
