"""The catalogue of bad uses of ``crmlab reports``, run as a user runs it: the command in a
subprocess, on a tiny project of its own (a reports.toml and a two-cell notebook) that already
holds a good report of its one run.

Each row of the table is one mistake the command must refuse before anything runs: exit code 2,
one line on stderr (``crmlab: error: …``) naming what is wrong, nothing on stdout, and the last
good report byte-identical, with no temporary folder left. Three cases start a kernel: a notebook
that fails (exit 1, the good report untouched, the failure kept beside it), SIGTERM during a run
(exit 128 + 15, no process of the run alive, no ``.tmp-*`` folder, the good report intact) and a
hostile parameter value, which must come out as text, never as markup, in the page header and the
index. The expected exit codes are the ones ``crmlab.cli`` documents and the shell's convention
for a process ended by a signal (128 + N).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from tests.test_reports import (  # the helpers of the report pipeline's own signal test
    crmlab_command,
    leftovers,
    make_attempt,
    marked_processes,
    none_left_running,
    short_tmp,  # noqa: F401 (a fixture)
    snapshot,
    wait_for,
)

HOSTILE = "<img src=x onerror=alert(4)>"
CONFIG = 'kernel = "python3"\n\n[[run]]\nname = "tiny"\nnotebook = "notebooks/tiny.ipynb"\ndescription = "A tiny run"\n'
PARAMETERS = 'note = ""\nfail = False\nmarker = ""\nnap = 0'
WORK = (
    "import pathlib, time\n"
    "if marker:\n    pathlib.Path(marker).write_text('up')\n"
    "time.sleep(nap)\n"
    "if fail:\n    raise ValueError('deliberate failure requested by the parameters')\n"
    "print('tiny run done', note)"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with one run, ``tiny``, whose last good report is already in reports/tiny."""
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    (root / "reports.toml").write_text(CONFIG)
    cells = [nbformat.v4.new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell(WORK)]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), root / "notebooks" / "tiny.ipynb")
    make_attempt(root / "reports" / "tiny", "tiny", "succeeded", "2024-01-01T00:00:00+00:00")
    (root / "reports" / "tiny" / "tiny.html").write_text("<p>the last good report</p>")
    return root


def run(project: Path, *args: str, tmp: Path) -> subprocess.CompletedProcess:
    """``crmlab reports -c project/reports.toml ARGS --no-progress`` to the end, in the project folder."""
    proc = crmlab_command(project, *args, "--no-progress", mark=uuid.uuid4().hex, tmp=tmp)
    stdout, stderr = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def set_config(text: str) -> Callable[[Path], None]:
    return lambda project: (project / "reports.toml").write_text(text)


def point_the_run_at(notebook: str, content: bytes | None = None) -> Callable[[Path], None]:
    def setup(project: Path) -> None:
        if content is not None:
            (project / notebook).write_bytes(content)
        (project / "reports.toml").write_text(CONFIG.replace("notebooks/tiny.ipynb", notebook))
    return setup


def output_that_is_a_file(project: Path) -> None:
    (project / "out.txt").write_text("not a folder")


def read_only_output(project: Path) -> None:
    (project / "readonly").mkdir()
    (project / "readonly").chmod(0o555)


def nothing(project: Path) -> None:
    pass


REFUSED = [
    pytest.param(nothing, ["--set", "note={a="],
                 "--set note: '{a=' looks like an inline table but does not parse as TOML (invalid value at the end of the value)",
                 id="malformed-toml-table"),
    pytest.param(nothing, ["--set", 'note="unclosed'], "--set note: '\"unclosed' looks like a quoted string but does not parse as TOML",
                 id="malformed-toml-string"),
    pytest.param(nothing, ["--set", "oops"], "--set expects KEY=VALUE with KEY a Python name, got 'oops'", id="set-without-a-value"),
    pytest.param(nothing, ["--set", "nope=1"],
                 "run 'tiny' (notebooks/tiny.ipynb): unknown parameter 'nope'; the notebook defines: note, fail, marker, nap",
                 id="unknown-parameter"),
    pytest.param(nothing, ["--only", "nobody"], "unknown run 'nobody'; configured runs: tiny", id="unknown-run"),
    pytest.param(nothing, ["--kernel", "nope"], "kernel 'nope' not found; installed kernels: ", id="unknown-kernel"),
    pytest.param(point_the_run_at("orders.csv", b"customer_id,date,amount\nA,2021-01-01,3\n"), [],
                 "run 'tiny' (orders.csv): not a Jupyter notebook (not JSON: expecting value at line 1, column 1)",
                 id="notebook-path-is-a-csv"),
    pytest.param(point_the_run_at("notebooks/gone.ipynb"), [], "run 'tiny' (notebooks/gone.ipynb): notebook not found",
                 id="notebook-not-found"),
    pytest.param(set_config('[[run]\nname = "tiny"\n'), [], "invalid TOML (Expected ']]' at the end of an array declaration",
                 id="config-not-toml"),
    pytest.param(output_that_is_a_file, ["--output", "out.txt"], "out.txt: exists and is not a folder", id="output-is-a-file"),
    pytest.param(output_that_is_a_file, ["--output", "out.txt/reports"], "out.txt/reports: cannot create it (", id="output-under-a-file"),
    pytest.param(read_only_output, ["--output", "readonly"], "readonly: cannot write there (Permission denied)",
                 id="output-read-only", marks=pytest.mark.skipif(os.geteuid() == 0, reason="root writes through permissions")),
]


@pytest.mark.slow
@pytest.mark.parametrize(("setup", "args", "says"), REFUSED)
def test_a_bad_command_exits_2_with_one_line_and_the_good_report_stays(project: Path, short_tmp: Path, setup, args, says) -> None:
    reports = project / "reports"
    setup(project)
    before, listing = snapshot(reports / "tiny"), sorted(os.listdir(reports))
    done = run(project, *args, tmp=short_tmp)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith("crmlab: error: ") and done.stderr.count("\n") == 1, done.stderr
    assert says in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(reports / "tiny") == before  # byte-identical
    assert sorted(os.listdir(reports)) == listing and leftovers(reports) == []


@pytest.mark.slow
def test_a_failing_notebook_exits_1_and_keeps_the_good_report(project: Path, short_tmp: Path) -> None:
    reports = project / "reports"
    before = snapshot(reports / "tiny")
    done = run(project, "--set", "fail=true", tmp=short_tmp)
    assert done.returncode == 1, done.stderr
    assert "failed    tiny: ValueError: deliberate failure requested by the parameters" in done.stdout
    assert snapshot(reports / "tiny") == before  # byte-identical
    assert json.loads((reports / "tiny.failed" / "provenance.json").read_text())["status"] == "failed"
    index = json.loads((reports / "index.json").read_text())["runs"][0]
    assert (index["status"], index["last_success"]["folder"]) == ("failed", "tiny")
    assert leftovers(reports) == []


@pytest.mark.slow
def test_sigterm_stops_every_process_of_the_run_and_keeps_the_good_report(project: Path, short_tmp: Path) -> None:
    # Truth: the process table. Every process the run starts carries the mark in its environment
    # (forkserver, resource tracker, workers, kernel), so a survivor is found even once orphaned.
    reports, marker, mark = project / "reports", project / "kernel-started", uuid.uuid4().hex
    before = snapshot(reports / "tiny")
    args = ["--set", f"marker={marker.as_posix()}", "--set", "nap=600", "--no-progress"]
    proc = crmlab_command(project, *args, mark=mark, tmp=short_tmp, start_new_session=True)
    with none_left_running(proc, mark):
        wait_for(marker.exists, 120, "the kernel to run the notebook", proc)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 128 + signal.SIGTERM
        assert stderr == "crmlab: interrupted by SIGTERM: stopped tiny (its reports are left as they were)\n"
        wait_for(lambda: not marked_processes(mark), 15, "every process of the run to be gone")
    assert snapshot(reports / "tiny") == before  # byte-identical
    assert leftovers(reports) == [] and not list(reports.glob(".tmp-*"))
    assert list(short_tmp.iterdir()) == []  # no kernel connection file left


def live_markup(soup: BeautifulSoup) -> list:
    """Elements that would run a script: an ``on…`` attribute, or an img the value would have made."""
    return [tag for tag in soup.find_all(True) if tag.name == "img" or any(a.startswith("on") for a in tag.attrs)]


@pytest.mark.slow
def test_a_hostile_parameter_is_text_in_the_page_header_and_the_index(project: Path, short_tmp: Path) -> None:
    done = run(project, "--set", f"note={HOSTILE}", tmp=short_tmp)
    assert done.returncode == 0, done.stderr
    page = BeautifulSoup((project / "reports" / "tiny" / "tiny.html").read_text(), "html.parser")
    index = BeautifulSoup((project / "reports" / "index.html").read_text(), "html.parser")
    header = page.find("header", class_="crmlab-page-header")
    assert HOSTILE in header.get_text() and live_markup(header) == []
    assert live_markup(page) == []
    assert HOSTILE in index.get_text() and live_markup(index) == []
