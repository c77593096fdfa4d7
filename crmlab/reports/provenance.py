"""``provenance.json``: what a report run was made from, and how it went.

One file per run folder, holding the run name, notebook, final parameters,
status and error excerpt (with the last lines of the kernel's stderr when it
wrote any), start/end time (ISO 8601, UTC) and duration, the
data files the notebook read (path, size, sha256), package versions, the git
commit of the project and the kernel name. Paths are project-relative; no
host names or other machine paths are recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import re
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

#: File name of the provenance record inside a run folder.
PROVENANCE_FILE = "provenance.json"
#: Bumped when the layout of provenance.json changes incompatibly.
SCHEMA_VERSION = 1
#: Packages whose versions each record lists (``python`` is the interpreter).
VERSIONED_PACKAGES = ("crmlab", "pandas", "numpy", "scipy", "statsmodels", "polars", "papermill", "nbconvert")
#: How many trailing traceback lines an error excerpt keeps.
TRACEBACK_LINES = 12

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def utc_now() -> str:
    """The current time as ISO 8601 in UTC, to the millisecond."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def strip_ansi(text: str) -> str:
    r"""Remove terminal colour codes (IPython colours its tracebacks).

    >>> strip_ansi("\x1b[0;31mValueError\x1b[0m: boom")
    'ValueError: boom'
    """
    return _ANSI.sub("", text)


def package_versions() -> dict[str, str | None]:
    """Python and package versions of the running environment; ``None`` for a missing package."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def git_state(directory: Path) -> dict[str, Any] | None:
    """``{"commit": <HEAD sha>, "dirty": bool}`` for the repository holding ``directory``.

    ``dirty`` follows ``git describe --dirty``: changes to tracked files only.
    ``None`` when git is missing or ``directory`` is not in a repository with a commit.
    """
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=directory, capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--verify", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


def project_relative(path: Path, root: Path) -> tuple[str, bool]:
    """``(path relative to root, True)``, or ``(file name, False)`` for a file outside the project.

    Only the name is kept for outside files so no machine path is recorded.
    """
    try:
        return path.resolve().relative_to(root.resolve()).as_posix(), True
    except ValueError:
        return path.name, False


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_data_files(paths: list[Path], root: Path) -> list[dict[str, Any]]:
    """Path (project-relative where possible), size and sha256 of each data file read.

    A file that disappeared since it was read is listed with ``size`` and
    ``sha256`` set to ``None``.
    """
    described = []
    for path in paths:
        rel, inside = project_relative(path, root)
        entry: dict[str, Any] = {"path": rel, "in_project": inside, "size": None, "sha256": None}
        if path.is_file():
            entry["size"] = path.stat().st_size
            entry["sha256"] = sha256_file(path)
        described.append(entry)
    return described


def scrub_paths(text: str, root: Path) -> str:
    """Hide machine paths in ``text``: the project directory becomes ``.``, the Python
    environment ``<venv>`` (or ``<python>``), the home directory ``~``.

    >>> scrub_paths("File /home/ann/proj/data/x.csv", Path("/home/ann/proj"))
    'File ./data/x.csv'
    """
    replacements = {str(root.resolve()): "."}
    if sys.prefix != sys.base_prefix:
        replacements[sys.prefix] = "<venv>"
    replacements[sys.base_prefix] = "<python>"
    home = str(Path.home())
    if len(home) > 1:
        replacements.setdefault(home, "~")
    # Longest first: the environment may live inside the project, the project inside home.
    for path in sorted(replacements, key=len, reverse=True):
        if len(path) > 1:
            text = text.replace(path, replacements[path])
    return text


def error_excerpt(exc: BaseException, root: Path) -> dict[str, Any]:
    """``ename``, ``evalue`` and the last lines of the traceback of a failed run, without ANSI codes.

    For a :class:`papermill.PapermillExecutionError` these come from the
    notebook cell that raised (plus its ``cell_index`` and ``exec_count``);
    for anything else (dead kernel, timeout, ...) from the exception itself.
    """
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    if evalue is None:
        evalue = str(exc)
    frames = getattr(exc, "traceback", None)
    if isinstance(frames, list):  # IPython's traceback: one string per frame, coloured
        text = _traceback_excerpt([strip_ansi(str(frame)).rstrip() for frame in frames])
    else:
        # The runner's own stack says nothing about the notebook: keep the exception line.
        import traceback

        text = "".join(traceback.format_exception_only(exc)).rstrip()
    excerpt: dict[str, Any] = {
        "ename": ename,
        "evalue": scrub_paths(strip_ansi(str(evalue)), root),
        "traceback": scrub_paths(text, root),
    }
    if hasattr(exc, "cell_index"):
        excerpt["cell_index"] = exc.cell_index
        excerpt["exec_count"] = exc.exec_count
    return excerpt


def add_log_excerpt(error: dict[str, Any], key: str, log: str, root: Path) -> dict[str, Any]:
    """``error`` with the last lines of a process log under ``key`` (ANSI codes and machine paths removed).

    For a failed run the kernel's own stderr can hold what its traceback
    cannot, e.g. the crash dump of a dead kernel. An empty log adds nothing.

    >>> add_log_excerpt({"ename": "DeadKernelError"}, "kernel_stderr", "Fatal Python error: Aborted\\n", Path("."))
    {'ename': 'DeadKernelError', 'kernel_stderr': 'Fatal Python error: Aborted'}
    """
    lines = strip_ansi(log).rstrip().splitlines()[-TRACEBACK_LINES:]
    if not lines:
        return error
    return {**error, key: scrub_paths("\n".join(lines), root)}


def _traceback_excerpt(frames: list[str]) -> str:
    """The last lines of a notebook traceback, led by the innermost notebook-cell frame.

    When the error is raised deep inside a library, the tail alone shows only
    library code; the last ``Cell In[...]`` frame shows which line of the
    notebook called it.
    """
    tail = "\n".join(frames).splitlines()[-TRACEBACK_LINES:]
    cells = [frame for frame in frames if frame.startswith("Cell In[")]
    if cells and cells[-1].splitlines()[0] not in tail:
        return "\n".join([cells[-1], "...", *tail])
    return "\n".join(tail)


def format_error(error: dict[str, Any] | None) -> str | None:
    """One line for an error excerpt: ``ename: evalue``.

    >>> format_error({"ename": "ValueError", "evalue": "boom", "traceback": ""})
    'ValueError: boom'
    """
    if not error:
        return None
    return f"{error.get('ename')}: {error.get('evalue')}" if error.get("evalue") else str(error.get("ename"))


def write_provenance(folder: Path, record: dict[str, Any]) -> Path:
    """Write ``record`` as ``folder/provenance.json`` (pretty, UTF-8) and return the path."""
    path = folder / PROVENANCE_FILE
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path


def read_provenance(folder: Path) -> dict[str, Any] | None:
    """The provenance record of a run folder, or ``None`` if absent or unreadable."""
    try:
        record = json.loads((folder / PROVENANCE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None
