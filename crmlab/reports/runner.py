"""Execute the configured notebooks into ``reports/``, in parallel, keeping good reports safe.

Builds are incremental: a run whose report is **up to date** is skipped and
its report left untouched. A report is up to date when its last build
succeeded (no ``reports/<run>.failed/``), its executed notebook, HTML page
and ``provenance.json`` are all there, and nothing it was made from changed
since: the notebook file, the parameters, the configured description, the
data files it read (their sha256), crmlab's source code, and the environment
(Python's and the recorded packages' versions, the kernel name). The build
key recorded in ``provenance.json`` (:func:`~crmlab.reports.provenance.build_key`)
holds these, and the record of a run that was executed says why
(``build.reasons``). ``force=True`` executes every selected run. Runs are
started longest first, by the duration of their last build, so that the
longest does not start last.

Each run executes in a worker process into a temporary folder
``reports/.tmp-<run>-<random>/`` (executed notebook, HTML reader page,
``provenance.json``). Only then does the main process move it into place:

- success: the folder replaces ``reports/<run>/`` (the old one is renamed
  aside first and deleted last, so it survives any failure before the swap),
  and a stale ``reports/<run>.failed/`` is removed;
- failure: the folder becomes ``reports/<run>.failed/`` and the last good
  ``reports/<run>/`` is left untouched.

The index pages are rewritten after every finished run.

Only one ``crmlab reports`` writes into an output folder at a time (a lock
file, ``.crmlab-reports.lock``); it first cleans what a crashed run left
there: ``.tmp-*`` folders are removed and a good report renamed aside
(``.old-*``) by a swap that never finished is put back.

SIGINT, SIGTERM and SIGHUP (Ctrl-C, ``timeout``, a CI runner, a closed
terminal) stop the whole run: the workers and their kernels are killed,
the temporary folders removed, the last good reports kept, and
:class:`ReportsInterrupted` is raised. The kernels talk to the workers over
CurveZMQ-encrypted sockets where the kernel supports it, and write their
process's stderr (jupyter_client's and ipykernel's own messages, a crash
dump) to a log that a failed run's error quotes, not to the terminal that
N kernels share. Workers and kernels
keep their temporary files (the kernels' connection files among them) in a
private folder that goes when the run ends, even if a kernel was killed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import multiprocessing
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from crmlab.datalog import ENV_VAR as DATA_LOG_ENV_VAR
from crmlab.datalog import read_data_log
from crmlab.reports.config import (
    ConfigError,
    ReportsConfig,
    RunConfig,
    final_parameters,
    load_config,
    missing_requirement,
    resolve_parameters,
)
from crmlab.reports.index import FAILED, FAILED_SUFFIX, SKIPPED, SUCCEEDED, UP_TO_DATE, write_index
from crmlab.reports.provenance import (
    SCHEMA_VERSION,
    add_log_excerpt,
    build_key,
    changed_inputs,
    describe_data_files,
    error_excerpt,
    format_error,
    git_state,
    json_sha256,
    package_code_digest,
    package_versions,
    project_relative,
    read_provenance,
    sha256_file,
    utc_now,
    write_provenance,
)

#: Name of the data log inside a run's temporary folder (deleted once read:
#: it holds absolute paths).
DATA_LOG_NAME = ".data-files.log"
#: Name of the kernel's stderr log inside a run's temporary folder (read into
#: the error of a failed run, then deleted).
KERNEL_LOG_NAME = ".kernel-stderr.log"
#: Lock file in the output folder: one ``crmlab reports`` writes there at a time.
LOCK_NAME = ".crmlab-reports.lock"
#: Signals that stop a run (those that exist on the platform).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
#: Seconds to wait for killed workers and kernels to be gone.
KILL_TIMEOUT = 10.0


class ReportsInterrupted(KeyboardInterrupt):
    """A signal (SIGINT, SIGTERM, SIGHUP) stopped :func:`run_reports`.

    By the time it is raised the workers and kernels are gone, the temporary
    folders removed and the index rewritten; every report that had not
    finished keeps its last good version. ``finished`` holds the results of
    the runs that finished before the signal, ``stopped`` the names of those
    that did not. A ``KeyboardInterrupt``, so ``except Exception`` lets it through.

    >>> exc = ReportsInterrupted(signal.SIGTERM)
    >>> exc.signal_name, exc.exit_code
    ('SIGTERM', 143)
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.finished: list[RunResult] = []
        self.stopped: list[str] = []

    @property
    def signal_name(self) -> str:
        """The signal's name, e.g. ``"SIGTERM"``."""
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """The shell's convention for a process ended by a signal: 128 + its number."""
        return 128 + self.signum


@dataclass(frozen=True)
class RunResult:
    """Outcome of one run.

    ``status`` is ``"succeeded"``, ``"failed"``, ``"up to date"`` (not
    executed: its report was still good) or ``"skipped"`` (not executed: a
    module in its ``requires`` is missing; ``error`` says which extra it needs). ``output`` is ``reports/<name>/``
    on success or when up to date, ``reports/<name>.failed/`` on failure;
    ``error`` is ``"ename: evalue"`` of the failure (the full excerpt is in
    ``provenance.json``); ``duration`` is in seconds (of the last build, for
    a run up to date); ``reasons`` say why an executed run was executed
    (``("notebook changed",)``); ``built`` is when an up-to-date report was
    built (ISO 8601, UTC).

    >>> RunResult("customer_base_cdnow", "up to date", 4.2, Path("reports/customer_base_cdnow")).succeeded
    True
    """

    name: str
    status: str
    duration: float
    output: Path
    error: str | None = None
    reasons: tuple[str, ...] = ()
    built: str | None = None

    @property
    def succeeded(self) -> bool:
        """Whether the run has a good, current report: it succeeded or was up to date."""
        return self.status in (SUCCEEDED, UP_TO_DATE)


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
    kernelspec: dict[str, str] | None = None
    build: dict[str, Any] | None = None


def run_reports(
    config_path: str | os.PathLike[str],
    *,
    only: list[str] | None = None,
    jobs: int | None = None,
    overrides: dict[str, Any] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    kernel_name: str | None = None,
    progress: bool = True,
    on_finished: Callable[[RunResult], None] | None = None,
    console: Any = None,
    force: bool = False,
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
        Show a progress bar when ``console`` is a terminal (it goes when the runs are done).
    on_finished
        Called with each run's result as soon as that run is in place.
    console
        The :class:`rich.console.Console` the bar is drawn on (default: one on
        stderr). What ``on_finished`` prints through it appears above the bar.
    force
        Execute every selected run, even those whose report is up to date
        (see the module's docstring); without it those are skipped, their
        result says "up to date" and ``on_finished`` gets it before any run starts.

    Raises
    ------
    ConfigError, ParameterError
        Before anything runs: invalid config, unknown run name, missing
        notebook or a file that is not one, missing kernel, a parameter a
        notebook does not define, an output folder that cannot be created or
        written, or one another run is writing to. A failing notebook does
        not raise: its result says "failed".
    ReportsInterrupted
        SIGINT, SIGTERM or SIGHUP arrived; everything was stopped and cleaned.
    """
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    with _StopSignals() as stop:
        config = load_config(config_path)
        runs = config.select(only)
        parameters = final_parameters(runs, overrides)
        kernel = kernel_name or config.kernel
        if output_dir is not None:
            out, label = Path(output_dir).resolve(), os.fspath(output_dir)
        else:
            out = config.root / "reports"
            label = out.as_posix()
        versions = package_versions()
        plans = _plan(config, runs, parameters, kernel, versions, out, force)
        # A run needing a module this environment lacks is skipped, not executed and not failed.
        lacking = {run.name: why for run in runs if (why := missing_requirement(run, config.root)) is not None}
        plans = [plan for plan in plans if plan.run.name not in lacking]
        stale = [plan for plan in plans if plan.reasons]
        # Only the runs to execute are checked: an up-to-date run's notebook and parameters passed
        # the same checks (same bytes, same crmlab) when it was built, and nbformat is slow to import.
        resolve_parameters(config, [plan.run for plan in stale], overrides)
        kernelspec = _kernelspec(kernel) if stale else None
        results: dict[str, RunResult] = {}
        work: list[_Job] = []
        up_to_date = {plan.run.name for plan in plans if not plan.reasons}
        with _locked_output(out, label), _private_temp_dir() as private_tmp:
            try:
                for name, why in lacking.items():
                    results[name] = RunResult(name, SKIPPED, 0.0, out / name, error=why)
                    if on_finished is not None:
                        on_finished(results[name])
                for plan in plans:
                    if not plan.reasons:
                        results[plan.run.name] = _up_to_date(plan.run.name, plan.record, out)
                        if on_finished is not None:
                            on_finished(results[plan.run.name])
                git = git_state(config.root) if stale else None
                # Longest first (by the last build's duration; never built: first), so the longest is not last.
                stale.sort(key=lambda plan: -_last_duration(out, plan.run.name))
                for plan in stale:
                    run, notebook = plan.run, config.notebook_path(plan.run)
                    tmp = _make_tmp(out, run.name, label)
                    work.append(
                        _Job(
                            name=run.name,
                            notebook=str(notebook),
                            notebook_rel=project_relative(notebook, config.root)[0],
                            description=plan.description,
                            parameters=parameters[run.name],
                            kernel=kernel,
                            root=str(config.root),
                            tmp=str(tmp),
                            versions=versions,
                            git=git,
                            # Workers fork from a server started earlier: give them this process's environment now.
                            env={**os.environ, "TMPDIR": private_tmp, "JUPYTER_RUNTIME_DIR": private_tmp},
                            kernelspec=kernelspec,
                            build={"digest": json_sha256(plan.key), "key": plan.key, "reasons": plan.reasons},
                        )
                    )
                if work:
                    workers = min(jobs or os.cpu_count() or 1, len(work))
                    bar = _progress_bar(progress, console)
                    _execute_all(work, workers, out, config, results, bar, on_finished, stop, up_to_date)
            except ReportsInterrupted as exc:
                exc.finished = [results[run.name] for run in runs if run.name in results]
                exc.stopped = [run.name for run in runs if run.name not in results]
                raise
            finally:
                with stop.deferred():
                    # Whatever was not moved into place (interrupted runs) goes away.
                    for job in work:
                        shutil.rmtree(job.tmp, ignore_errors=True)
                    write_index(config, out, up_to_date=up_to_date)
    return [results[run.name] for run in runs if run.name in results]


@dataclass(frozen=True)
class _Plan:
    """What a build does with one run: its build key, and why it is executed (``[]``: up to date)."""

    run: RunConfig
    description: str | None
    key: dict[str, Any] | None
    reasons: list[str]
    record: dict[str, Any] | None


def _plan(
    config: ReportsConfig,
    runs: list[RunConfig],
    parameters: dict[str, dict[str, Any]],
    kernel: str,
    versions: dict[str, str | None],
    out: Path,
    force: bool,
) -> list[_Plan]:
    """Each run's build key and whether it is up to date (see the module's docstring); nothing is written.

    Each file is hashed once for all runs. A notebook that is not a file is
    left to :func:`resolve_parameters` to report.
    """
    code, file_sha256 = package_code_digest(), functools.cache(sha256_file)
    plans = []
    for run in runs:
        notebook = config.notebook_path(run)
        description = _description(run, parameters[run.name])
        if not notebook.is_file():
            plans.append(_Plan(run, description, None, ["notebook missing"], None))
            continue
        key = build_key(
            notebook_sha256=file_sha256(notebook),
            parameters=parameters[run.name],
            description=description,
            code_sha256=code,
            versions=versions,
            kernel=kernel,
        )
        reasons, record = _rebuild_reasons(out, run.name, key, config.root, file_sha256)
        plans.append(_Plan(run, description, key, ["forced", *reasons] if force else reasons, record))
    return plans


def _rebuild_reasons(
    out: Path, name: str, key: dict[str, Any], root: Path, file_sha256: Callable[[Path], str]
) -> tuple[list[str], dict[str, Any] | None]:
    """Why run ``name`` must be executed (``[]``: its report is up to date) and its last good record.

    Out of date: a failed last build (its ``.failed`` folder is there: a
    success removes it), no good report, a missing output, or a changed
    input (:func:`~crmlab.reports.provenance.changed_inputs`).
    """
    if (out / f"{name}{FAILED_SUFFIX}").exists():
        return ["previous build failed"], None
    folder = out / name
    record = read_provenance(folder)
    if record is None or record.get("status") != SUCCEEDED:
        return ["never built"], None
    missing = [file for file in (f"{name}.ipynb", f"{name}.html") if not (folder / file).is_file()]
    if missing:
        return [f"output missing ({', '.join(missing)})"], record
    return changed_inputs(record, key, root, file_sha256), record


def _up_to_date(name: str, record: dict[str, Any] | None, out: Path) -> RunResult:
    """The result of a run skipped because its report (described by ``record``) is up to date."""
    record = record or {}
    return RunResult(
        name=name,
        status=UP_TO_DATE,
        duration=float(record.get("duration_seconds") or 0.0),
        output=out / name,
        built=record.get("started"),
    )


def _last_duration(out: Path, name: str) -> float:
    """Seconds the last build of run ``name`` took (good or failed, the later); infinite when unknown."""
    records = [read_provenance(out / name), read_provenance(out / f"{name}{FAILED_SUFFIX}")]
    timed = [r for r in records if r and isinstance(r.get("duration_seconds"), int | float)]
    if not timed:
        return float("inf")
    return float(max(timed, key=lambda r: str(r.get("started") or ""))["duration_seconds"])


class _StopSignals:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise :class:`ReportsInterrupted` once.

    Later signals are ignored (the run is already stopping). Inside
    :meth:`deferred`, a signal is held until the critical section ends, so a
    report is never half moved into place. Handlers are installed only in the
    main thread (Python delivers signals there) and restored on exit.
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self._raised = False
        self._deferring = 0
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            return
        self.signum = signum
        if not self._deferring:
            self._raise()

    def _raise(self) -> None:
        assert self.signum is not None
        self._raised = True
        raise ReportsInterrupted(self.signum)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold a signal that arrives in the block until its end (not raised if the block raises)."""
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1
        if not self._deferring and self.signum is not None and not self._raised:
            self._raise()


@contextlib.contextmanager
def _locked_output(out: Path, label: str) -> Iterator[None]:
    """Create the output folder, hold its lock for the block and clean a crashed run's leftovers.

    Raises :class:`ConfigError` (one line naming the folder) when the folder
    cannot be created or written, or another run holds the lock.
    """
    where = f"output folder {label}"
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{where}: exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in Path(label).parents if p.exists() and not p.is_dir()), None)
        reason = f"{blocker} is a file" if blocker is not None else exc.strerror
        raise ConfigError(f"{where}: cannot create it ({reason})") from None
    try:
        lock = (out / LOCK_NAME).open("a+b")
    except OSError as exc:
        raise ConfigError(f"{where}: cannot write there ({exc.strerror})") from None
    with lock:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks, no guard against a second run
            fcntl = None
        if fcntl is not None:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ConfigError(f"{where}: another crmlab reports is writing there") from None
        try:
            _clean_leftovers(out)
        except OSError as exc:
            raise ConfigError(f"{where}: cannot write there ({exc.strerror})") from None
        yield


#: ``.old-<run>-<8 hex>``: a report renamed aside by :func:`_swap_in`.
_BACKUP = re.compile(r"\.old-(?P<name>.+)-[0-9a-f]{8}")


def _clean_leftovers(out: Path) -> None:
    """Remove the ``.tmp-*`` folders of a crashed run; put back a good report a crashed swap left aside."""
    for path in out.iterdir():
        if not path.is_dir():
            continue
        backup = _BACKUP.fullmatch(path.name)
        if path.name.startswith(".tmp-"):
            shutil.rmtree(path)
        elif backup is not None:
            original = out / backup["name"]
            if original.exists():  # the swap had finished: the backup is stale
                shutil.rmtree(path)
            else:  # the crash came between the two renames: this is the last good report
                path.rename(original)


def _make_tmp(out: Path, name: str, label: str) -> Path:
    """The run's temporary folder ``.tmp-<run>-<random>`` in ``out``."""
    tmp = out / f".tmp-{name}-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir()  # not tempfile.mkdtemp, whose folders are private: reports are for reading
    except OSError as exc:
        raise ConfigError(f"output folder {label}: cannot write there ({exc.strerror})") from None
    return tmp


@contextlib.contextmanager
def _private_temp_dir() -> Iterator[str]:
    """A private temporary folder for the workers and kernels (``TMPDIR``), removed at the end.

    jupyter_client writes each kernel's connection file (ports and keys) with
    :func:`tempfile.mkstemp`; a kernel killed by a signal cannot delete it,
    so it goes with this folder instead of piling up in the system's.
    """
    private = tempfile.mkdtemp(prefix="crmlab-reports-")
    try:
        yield private
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _kernelspec(kernel: str) -> dict[str, str]:
    """Name, display name and language of an installed kernel; :class:`ConfigError` (no run started) if missing."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    try:
        spec = manager.get_kernel_spec(kernel)
    except NoSuchKernel:
        specs = manager.find_kernel_specs()
        raise ConfigError(
            f"kernel {kernel!r} not found; installed kernels: {', '.join(sorted(specs)) or 'none'}"
        ) from None
    return {"display_name": spec.display_name, "language": spec.language, "name": kernel}


def _execute_all(
    work: list[_Job],
    workers: int,
    out: Path,
    config: ReportsConfig,
    results: dict[str, RunResult],
    bar: Any,
    on_finished: Callable[[RunResult], None] | None,
    stop: _StopSignals,
    up_to_date: set[str],
) -> None:
    """Run the jobs in a process pool, finalising each as it finishes; kill the pool if interrupted."""
    from rich.markup import escape

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_worker_context(), initializer=_init_worker)
    try:
        with bar:
            task = bar.add_task(f"running {len(work)} report{'s' * (len(work) != 1)}", total=len(work))
            submitted = time.time()
            with stop.deferred():  # every worker started is in the pool's table before a signal is handled
                futures: dict[Future[dict[str, Any]], _Job] = {pool.submit(_execute, job): job for job in work}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    record = future.result()
                except Exception as exc:  # the worker itself died (BrokenProcessPool, ...)
                    record = _record_worker_failure(job, exc, submitted)
                with stop.deferred():
                    result = _finalize(job, record, out)
                    results[job.name] = result
                    write_index(config, out, up_to_date=up_to_date)
                if on_finished is not None:
                    on_finished(result)
                bar.update(task, advance=1, description=f"{escape(job.name)}: {result.status}")
        pool.shutdown(wait=True)
    except BaseException:
        _kill_workers(pool)
        pool.shutdown(wait=False, cancel_futures=True)
        raise


def _progress_bar(progress: bool, console: Any) -> Any:
    """The run's :class:`rich.progress.Progress`: drawn only on a terminal, gone once the runs are done."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = console or Console(stderr=True)
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not (progress and console.is_terminal),  # a bar in a log file is noise
        transient=True,  # each run's outcome is reported once, by on_finished
    )


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's worker processes and everything they started (kernels and their children)."""
    import psutil

    processes = []
    # CPython's ProcessPoolExecutor keeps its live workers in ``_processes`` (pid -> Process).
    for pid in list(getattr(pool, "_processes", None) or {}):
        with contextlib.suppress(psutil.Error):
            processes.append(psutil.Process(pid))
    _kill_process_trees(processes)


def _kill_process_trees(roots: Iterable[Any], timeout: float = KILL_TIMEOUT) -> None:
    """Kill each process of ``roots`` (psutil processes) with all its descendants, and wait until they are gone.

    Each process is suspended before its children are listed, so none can
    start a child that escapes (a worker between fork and exec of a kernel);
    then all are killed. Waits at most ``timeout`` seconds; zombies count as gone.
    """
    import psutil

    frozen: dict[int, Any] = {}
    pending = list(roots)
    while pending:
        process = pending.pop()
        if process.pid in frozen:
            continue
        try:
            process.suspend()
            frozen[process.pid] = process
            pending.extend(process.children())
        except psutil.Error:  # already gone, or not ours
            continue
    for process in frozen.values():
        with contextlib.suppress(psutil.Error):
            process.kill()
    deadline = time.monotonic() + timeout
    alive = list(frozen.values())
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _is_alive(p)]
        if alive:
            time.sleep(0.02)


def _is_alive(process: Any) -> bool:
    """Whether a psutil process still runs (a zombie does not)."""
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _init_worker() -> None:
    """Set up a worker process: the main process alone handles SIGINT; SIGTERM and SIGHUP kill its kernel.

    A terminal's Ctrl-C reaches every process of the group, the workers too;
    the main process stops them all. A SIGTERM or SIGHUP sent to the group
    (or to the worker) must not orphan the kernel, which runs in a session of
    its own: the worker kills it before exiting.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in STOP_SIGNALS:
        if signum != signal.SIGINT:
            signal.signal(signum, _stop_worker)


def _stop_worker(signum: int, frame: FrameType | None) -> None:
    """Worker's SIGTERM/SIGHUP handler: kill the kernels it started, then exit at once."""
    import psutil

    _kill_process_trees(psutil.Process().children())
    os._exit(128 + signum)


def _kernel_config(stderr_path: Path) -> Any:
    """Traitlets config of the kernel a worker starts: its stderr into ``stderr_path``, CurveZMQ where possible.

    ipykernel (7+) warns on every start over plain TCP ("Kernel is running
    over TCP without encryption"); jupyter_client (8.10+) provisions CurveZMQ
    keys, when ``KernelManager.transport_encryption`` is ``"auto"``, for the
    kernels whose spec declares ``supported_encryption: ["curve"]``, as
    ipykernel's do. Older versions, or a pyzmq without CurveZMQ, keep plain TCP.
    """
    import zmq
    from jupyter_client import KernelManager
    from traitlets.config import Config

    config = Config({_kernel_manager_class().__name__: {"stderr_path": str(stderr_path)}})
    if "transport_encryption" in KernelManager.class_trait_names() and zmq.has("curve"):
        config.KernelManager.transport_encryption = "auto"
    return config


@functools.cache
def _kernel_manager_class() -> type:
    """nbclient's kernel manager (jupyter_client's ``AsyncKernelManager``), with the kernel's stderr in a file.

    ``start_kernel(**kw)`` passes its keywords to ``subprocess.Popen``; the
    file stays open until the manager cleans up, which nbclient always does.
    Defined on first use so that importing this module does not import jupyter_client.
    """
    from jupyter_client import AsyncKernelManager
    from traitlets import Unicode

    class RunKernelManager(AsyncKernelManager):  # type: ignore[misc, valid-type]
        """An ``AsyncKernelManager`` whose kernel writes its process's stderr to ``stderr_path``."""

        stderr_path = Unicode("", config=True, help="File (appended) for the kernel's stderr; '' to inherit it.")
        _stderr_file: Any = None

        async def start_kernel(self, **kw: Any) -> None:
            if self.stderr_path and "stderr" not in kw:
                self._stderr_file = open(self.stderr_path, "ab")  # noqa: SIM115 (closed in cleanup_resources)
                kw["stderr"] = self._stderr_file
            await super().start_kernel(**kw)

        async def cleanup_resources(self, restart: bool = False) -> None:
            await super().cleanup_resources(restart=restart)
            if self._stderr_file is not None and not restart:
                self._stderr_file.close()
                self._stderr_file = None

    return RunKernelManager


def _worker_context() -> multiprocessing.context.BaseContext:
    """How worker processes start: never plain ``fork`` of this (threaded) process.

    ``forkserver`` imports papermill and nbconvert once (slow imports) and
    forks each worker from that clean server; ``spawn`` where it is missing.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Only takes effect when this process starts its fork server (first pool).
        context.set_forkserver_preload(["crmlab.reports.runner", "crmlab.reports.html", "papermill", "psutil"])
        return context
    return multiprocessing.get_context("spawn")


def _execute(job: _Job) -> dict[str, Any]:
    """Worker: execute one notebook into ``job.tmp`` and write its provenance; return the record.

    Never raises for a failing notebook: the error goes into the record.
    """
    import papermill

    from crmlab.reports.html import notebook_heading, notebook_to_html

    tmp, root = Path(job.tmp), Path(job.root)
    if job.env is not None:
        os.environ.clear()
        os.environ.update(job.env)
        tempfile.tempdir = None  # found again from TMPDIR: the run's private folder
    log, kernel_log = tmp / DATA_LOG_NAME, tmp / KERNEL_LOG_NAME
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
            language=(job.kernelspec or {}).get("language"),  # for a notebook without kernelspec metadata
            cwd=job.root,
            progress_bar=False,
            log_output=False,
            kernel_manager_class=_kernel_manager_class(),
            config=_kernel_config(kernel_log),
        )
    except Exception as exc:  # PapermillExecutionError, dead kernel, timeout, ...
        error = error_excerpt(exc, root)
    finally:
        os.environ.pop(DATA_LOG_ENV_VAR, None)
    duration, finished = time.perf_counter() - t0, utc_now()
    data_files = describe_data_files(read_data_log(log), root)
    log.unlink(missing_ok=True)
    try:
        _record_kernelspec(executed, job.kernelspec, job.notebook_rel)
    except Exception as exc:
        error = error or error_excerpt(exc, root)
    if error is not None:
        error = add_log_excerpt(error, "kernel_stderr", _read_log(kernel_log), root)
    kernel_log.unlink(missing_ok=True)

    if job.description is None and executed.is_file():
        # The data were overridden: the configured description named other data, so the page's
        # own title (generated by the notebook from its source) describes the run.
        job = dataclasses.replace(job, description=notebook_heading(executed) or job.name)
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


def _description(run: Any, parameters: dict[str, Any]) -> str | None:
    """The run's configured description, or None when a data parameter was set to other data.

    A description such as "Customer base of CDNOW" is false for a run whose ``source`` was
    overridden with the user's file: such runs are titled by their executed notebook instead.
    """
    from crmlab.data.citations import SOURCE_PARAMETERS

    overridden = any(
        key in parameters and key in run.parameters and parameters[key] != run.parameters[key]
        for key in SOURCE_PARAMETERS
    )
    return None if overridden else run.description


def _read_log(path: Path) -> str:
    """A log file's text ('' when missing); undecodable bytes replaced."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _record_kernelspec(executed: Path, kernelspec: dict[str, str] | None, notebook_rel: str | None = None) -> None:
    """Write the kernel a notebook ran on into its ``kernelspec`` metadata.

    Papermill keeps the source notebook's kernelspec, so a report executed
    on ``crmlab`` would say ``python3`` and open on the wrong kernel. Papermill's
    absolute input and output paths (this machine's folders) become the
    project-relative notebook and the report's own file name.
    """
    import nbformat

    if not executed.is_file():
        return
    nb = nbformat.read(executed, as_version=4)
    if kernelspec is not None:
        nb.metadata["kernelspec"] = dict(kernelspec)
    papermill_meta = nb.metadata.get("papermill")
    if papermill_meta is not None:
        if notebook_rel is not None:
            papermill_meta["input_path"] = notebook_rel
        papermill_meta["output_path"] = executed.name
    nbformat.write(nb, executed)


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
        "build": job.build,
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
        reasons=tuple((record.get("build") or {}).get("reasons") or ()),
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

