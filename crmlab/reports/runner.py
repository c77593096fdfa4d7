"""Execute the configured notebooks into ``reports/``, in parallel, keeping good reports safe.

Each run executes in a worker process into a temporary folder
``reports/.tmp-<run>-<random>/`` (executed notebook, HTML reader page,
``provenance.json``). Only then does the main process move it into place:

- success: the folder replaces ``reports/<run>/`` (the old one is renamed
  aside first and deleted last, so it survives any failure before the swap),
  and a stale ``reports/<run>.failed/`` is removed;
- failure: the folder becomes ``reports/<run>.failed/`` and the last good
  ``reports/<run>/`` is left untouched.

The index pages are rewritten after every finished run.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import time
import uuid
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmlab.datalog import ENV_VAR as DATA_LOG_ENV_VAR
from crmlab.datalog import read_data_log
from crmlab.reports.config import ConfigError, ReportsConfig, load_config, resolve_parameters
from crmlab.reports.index import FAILED, FAILED_SUFFIX, SUCCEEDED, write_index
from crmlab.reports.provenance import (
    SCHEMA_VERSION,
    describe_data_files,
    error_excerpt,
    format_error,
    git_state,
    package_versions,
    project_relative,
    utc_now,
    write_provenance,
)

#: Name of the data log inside a run's temporary folder (deleted once read:
#: it holds absolute paths).
DATA_LOG_NAME = ".data-files.log"


@dataclass(frozen=True)
class RunResult:
    """Outcome of one run.

    ``output`` is ``reports/<name>/`` on success, ``reports/<name>.failed/``
    on failure; ``error`` is ``"ename: evalue"`` of the failure (the full
    excerpt is in ``provenance.json``); ``duration`` is in seconds.
    """

    name: str
    status: str
    duration: float
    output: Path
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        """Whether the run succeeded."""
        return self.status == SUCCEEDED


@dataclass(frozen=True)
class _Job:
    """Everything a worker process needs for one run (picklable, plain values)."""

    name: str
    notebook: str
    notebook_rel: str
    description: str | None
    parameters: dict[str, Any]
    kernel: str
    root: str
    tmp: str
    versions: dict[str, str | None]
    git: dict[str, Any] | None
    env: dict[str, str] | None = None


def run_reports(
    config_path: str | os.PathLike[str],
    *,
    only: list[str] | None = None,
    jobs: int | None = None,
    overrides: dict[str, Any] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    kernel_name: str | None = None,
    progress: bool = True,
) -> list[RunResult]:
    """Execute the runs of a ``reports.toml`` and return one :class:`RunResult` per run, in config order.

    Parameters
    ----------
    config_path
        The ``reports.toml``; its folder is the project directory and the
        notebooks' working directory.
    only
        Names of the runs to execute (default: all).
    jobs
        Runs executed at once, each in its own process (default: ``os.cpu_count()``).
    overrides
        Parameters applied to every selected run, over the configured ones.
    output_dir
        Where reports go (default: ``reports/`` next to the config file).
    kernel_name
        Jupyter kernel to execute with (default: the config's ``kernel``).
    progress
        Show a progress bar on stderr.

    Raises
    ------
    ConfigError, ParameterError
        Before anything runs or any folder is created: invalid config, unknown
        run name, missing notebook or kernel, or a parameter a notebook does
        not define. A failing notebook does not raise: its result says "failed".
    """
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    config = load_config(config_path)
    runs = config.select(only)
    parameters = resolve_parameters(config, runs, overrides)
    kernel = kernel_name or config.kernel
    _check_kernel(kernel)
    out = Path(output_dir).resolve() if output_dir is not None else config.root / "reports"

    out.mkdir(parents=True, exist_ok=True)
    versions, git = package_versions(), git_state(config.root)
    work = []
    for run in runs:
        notebook = config.notebook_path(run)
        tmp = out / f".tmp-{run.name}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()  # not tempfile.mkdtemp, whose folders are private: reports are for reading
        work.append(
            _Job(
                name=run.name,
                notebook=str(notebook),
                notebook_rel=project_relative(notebook, config.root)[0],
                description=run.description,
                parameters=parameters[run.name],
                kernel=kernel,
                root=str(config.root),
                tmp=str(tmp),
                versions=versions,
                git=git,
                # Workers fork from a server started earlier: give them this process's environment now.
                env=dict(os.environ),
            )
        )
    workers = min(jobs or os.cpu_count() or 1, len(work))
    results: dict[str, RunResult] = {}
    try:
        if work:
            _execute_all(work, workers, out, config, results, progress)
    finally:
        # Whatever was not moved into place (interrupted runs) goes away.
        for job in work:
            shutil.rmtree(job.tmp, ignore_errors=True)
        write_index(config, out)
    return [results[job.name] for job in work if job.name in results]


def _check_kernel(kernel: str) -> None:
    """Fail early (no run started) when the kernel is not installed."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    if kernel not in specs:
        raise ConfigError(f"kernel {kernel!r} not found; installed kernels: {', '.join(sorted(specs)) or 'none'}")


def _execute_all(
    work: list[_Job],
    workers: int,
    out: Path,
    config: ReportsConfig,
    results: dict[str, RunResult],
    progress: bool,
) -> None:
    """Run the jobs in a process pool, finalising each as it finishes."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not progress,
    )
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_worker_context())
    with bar:
        task = bar.add_task(f"running {len(work)} report{'s' * (len(work) != 1)}", total=len(work))
        try:
            submitted = time.time()
            futures: dict[Future[dict[str, Any]], _Job] = {pool.submit(_execute, job): job for job in work}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    record = future.result()
                except Exception as exc:  # the worker itself died (BrokenProcessPool, ...)
                    record = _record_worker_failure(job, exc, submitted)
                result = _finalize(job, record, out)
                results[job.name] = result
                write_index(config, out)
                if progress:
                    mark = "[green]✓[/]" if result.succeeded else "[red]✗[/]"
                    detail = f"in {result.duration:.1f} s" if result.succeeded else escape(result.error or "")
                    bar.console.print(f"{mark} {escape(job.name)} {result.status} {detail}")
                bar.update(task, advance=1, description=f"{escape(job.name)}: {result.status}")
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _worker_context() -> multiprocessing.context.BaseContext:
    """How worker processes start: never plain ``fork`` of this (threaded) process.

    ``forkserver`` imports papermill and nbconvert once (slow imports) and
    forks each worker from that clean server; ``spawn`` where it is missing.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Only takes effect when this process starts its fork server (first pool).
        context.set_forkserver_preload(["crmlab.reports.runner", "crmlab.reports.html", "papermill"])
        return context
    return multiprocessing.get_context("spawn")


def _execute(job: _Job) -> dict[str, Any]:
    """Worker: execute one notebook into ``job.tmp`` and write its provenance; return the record.

    Never raises for a failing notebook: the error goes into the record.
    """
    import papermill

    from crmlab.reports.html import notebook_to_html

    tmp, root = Path(job.tmp), Path(job.root)
    if job.env is not None:
        os.environ.clear()
        os.environ.update(job.env)
    log = tmp / DATA_LOG_NAME
    # Inherited by the kernel, so crmlab's readers log the files they open.
    os.environ[DATA_LOG_ENV_VAR] = str(log)
    # A non-interactive MPLBACKEND (e.g. Agg in CI) would keep figures out of the report.
    os.environ.pop("MPLBACKEND", None)
    logging.getLogger("papermill").setLevel(logging.ERROR)

    executed = tmp / f"{job.name}.ipynb"
    started, t0 = utc_now(), time.perf_counter()
    error = None
    try:
        papermill.execute_notebook(
            job.notebook,
            str(executed),
            parameters=job.parameters,
            kernel_name=job.kernel,
            cwd=job.root,
            progress_bar=False,
            log_output=False,
        )
    except Exception as exc:  # PapermillExecutionError, dead kernel, timeout, ...
        error = error_excerpt(exc, root)
    finally:
        os.environ.pop(DATA_LOG_ENV_VAR, None)
    duration, finished = time.perf_counter() - t0, utc_now()
    data_files = describe_data_files(read_data_log(log), root)
    log.unlink(missing_ok=True)

    if executed.is_file():
        try:  # the page's header shows the provenance, so the record is made first
            page = _record(job, error=error, started=started, finished=finished, duration=duration, data_files=data_files)
            notebook_to_html(executed, tmp / f"{job.name}.html", source_dir=Path(job.notebook).parent, provenance=page)
        except Exception as exc:
            if error is None:  # a report without its page is not a good report
                error = error_excerpt(exc, root)
    record = _record(job, error=error, started=started, finished=finished, duration=duration, data_files=data_files)
    write_provenance(tmp, record)
    return record


def _record(
    job: _Job,
    *,
    error: dict[str, Any] | None,
    started: str,
    finished: str,
    duration: float,
    data_files: list[dict[str, Any]],
) -> dict[str, Any]:
    """The provenance record of a finished run (see :mod:`crmlab.reports.provenance`)."""
    tmp = Path(job.tmp)
    outputs = {
        kind: name if (tmp / name).is_file() else None
        for kind, name in (("notebook", f"{job.name}.ipynb"), ("html", f"{job.name}.html"))
    }
    return {
        "schema": SCHEMA_VERSION,
        "run": job.name,
        "description": job.description,
        "notebook": job.notebook_rel,
        "parameters": job.parameters,
        "status": FAILED if error else SUCCEEDED,
        "error": error,
        "started": started,
        "finished": finished,
        "duration_seconds": round(duration, 3),
        "data_files": data_files,
        "versions": job.versions,
        "git": job.git,
        "kernel": job.kernel,
        "outputs": outputs,
    }


def _record_worker_failure(job: _Job, exc: BaseException, submitted: float) -> dict[str, Any]:
    """Provenance for a run whose worker process died before reporting back."""
    import datetime as dt

    started = dt.datetime.fromtimestamp(submitted, dt.timezone.utc).isoformat(timespec="milliseconds")
    tmp = Path(job.tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / DATA_LOG_NAME).unlink(missing_ok=True)
    record = _record(
        job,
        error=error_excerpt(exc, Path(job.root)),
        started=started,
        finished=utc_now(),
        duration=time.time() - submitted,
        data_files=[],
    )
    write_provenance(tmp, record)
    return record


def _finalize(job: _Job, record: dict[str, Any], out: Path) -> RunResult:
    """Move the run's temporary folder into place and describe the outcome."""
    tmp = Path(job.tmp)
    ok = record["status"] == SUCCEEDED
    failed_dir = out / f"{job.name}{FAILED_SUFFIX}"
    dest = out / job.name if ok else failed_dir
    _swap_in(tmp, dest)
    if ok:
        shutil.rmtree(failed_dir, ignore_errors=True)
    return RunResult(
        name=job.name,
        status=record["status"],
        duration=record["duration_seconds"],
        output=dest,
        error=format_error(record["error"]),
    )


def _swap_in(src: Path, dest: Path) -> None:
    """Replace folder ``dest`` by ``src`` with renames only.

    The old ``dest`` is renamed aside first and restored if moving ``src`` in
    fails; it is deleted only once ``src`` is in place.
    """
    backup = None
    if dest.exists():
        backup = dest.with_name(f".old-{dest.name}-{uuid.uuid4().hex[:8]}")
        dest.rename(backup)
    try:
        src.rename(dest)
    except BaseException:
        if backup is not None:
            backup.rename(dest)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)

