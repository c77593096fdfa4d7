"""``provenance.json``: what a report run was made from, and how it went.

One file per run folder, holding the run name, notebook, final parameters,
status and error excerpt (with the last lines of the kernel's stderr when it
wrote any), start/end time (ISO 8601, UTC) and duration, the
data files the notebook read (path, size, sha256), package versions, the git
commit of the project and the kernel name. Paths are project-relative; no
host names or other machine paths are recorded.

It also holds the run's ``build``: its **build key** (:func:`build_key`: the
sha256 of the notebook file, of the parameters, of crmlab's source code, the
configured description, and the environment: Python's and the recorded
packages' versions and the kernel name) and why the run was executed
(``reasons``, e.g. ``["notebook changed"]``). A later ``crmlab reports``
compares the key and the data files' sha256 with the current ones
(:func:`rebuild_reasons`) and skips a run where nothing changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import re
import subprocess
import sys
from collections.abc import Callable
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


# --- the build key: when a report is up to date ------------------------------

#: Files in the package folder that are not source code: bytecode and numba's caches.
NOT_SOURCE_SUFFIXES = (".pyc", ".pyo", ".nbi", ".nbc")


def package_code_digest(package_dir: Path | None = None) -> str:
    """sha256 of crmlab's source code (default: the installed ``crmlab`` folder).

    The digest runs over every file of the package folder in path order: its
    path relative to the folder (POSIX form) and the sha256 of its bytes.
    ``__pycache__`` folders, bytecode, numba's caches, hidden files,
    modification times and where the package lies do not enter it, so it
    changes exactly when a source file is edited, added, removed or renamed.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     package = Path(tmp)
    ...     _ = (package / "model.py").write_text("x = 1\\n")
    ...     before = package_code_digest(package)
    ...     (package / "__pycache__").mkdir()
    ...     _ = (package / "__pycache__" / "model.cpython-312.pyc").write_bytes(b"bytecode")
    ...     same = package_code_digest(package) == before
    ...     _ = (package / "model.py").write_text("x = 2\\n")
    ...     same, package_code_digest(package) == before
    (True, False)
    """
    import os

    package_dir = Path(__file__).resolve().parents[1] if package_dir is None else Path(package_dir)
    files = []
    for folder, subfolders, names in os.walk(package_dir):
        subfolders[:] = [d for d in subfolders if d != "__pycache__" and not d.startswith(".")]
        rel = Path(folder).relative_to(package_dir)
        files += [
            ((rel / name).as_posix(), Path(folder, name))
            for name in names
            if not name.startswith(".") and not name.endswith(NOT_SOURCE_SUFFIXES)
        ]
    digest = hashlib.sha256()
    for rel_name, path in sorted(files):
        digest.update(rel_name.encode("utf-8") + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def json_sha256(value: Any) -> str:
    """sha256 of a JSON value in canonical form (keys sorted, no spaces), so equal values hash equal.

    >>> json_sha256({"b": 1, "a": [1, 2]}) == json_sha256({"a": [1, 2], "b": 1})
    True
    """
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_key(
    *,
    notebook_sha256: str,
    parameters: dict[str, Any],
    description: str | None,
    code_sha256: str,
    versions: dict[str, str | None],
    kernel: str,
) -> dict[str, Any]:
    """The build key of a run: what its report is made from, besides the data files it reads.

    The parts: the sha256 of the notebook file, the sha256 of the final
    parameters (canonical JSON), the configured description (the page's
    title), the sha256 of crmlab's source (:func:`package_code_digest`) and
    the environment (Python's and the recorded packages' versions, the kernel
    name). With the sha256 of the data files the run read, recorded in
    ``data_files``, a report whose key is unchanged is up to date: the idea of
    make's and Ploomber's incremental builds, with content hashes instead of
    modification times (as Quarto's ``freeze`` keys on the source file).

    >>> key = build_key(notebook_sha256="ab12", parameters={"freq": "M"}, description="CDNOW",
    ...                 code_sha256="cd34", versions={"python": "3.12.3"}, kernel="crmlab")
    >>> sorted(key), key["environment"]
    (['crmlab_code_sha256', 'description', 'environment', 'notebook_sha256', 'parameters_sha256'], {'python': '3.12.3', 'kernel': 'crmlab'})
    """
    return {
        "notebook_sha256": notebook_sha256,
        "parameters_sha256": json_sha256(parameters),
        "description": description,
        "crmlab_code_sha256": code_sha256,
        "environment": {**versions, "kernel": kernel},
    }


#: The parts of a build key compared one by one, and what a change of each is called.
KEY_CHANGES = (
    ("notebook_sha256", "notebook changed"),
    ("parameters_sha256", "new parameters"),
    ("description", "description changed"),
    ("crmlab_code_sha256", "crmlab changed"),
)


def changed_inputs(
    record: dict[str, Any], key: dict[str, Any], root: Path, file_sha256: Callable[[Path], str] = sha256_file
) -> list[str]:
    """Why a report built as ``record`` says is out of date for build key ``key``; ``[]`` when it is up to date.

    Compares ``key`` with the record's ``build.key`` part by part and the data
    files the run read (``data_files``, under ``root``) with their sha256 now.
    A record without a build key, or that read a data file outside the project
    (recorded by name only, so it cannot be found again), is out of date.
    ``file_sha256`` lets a caller hash each file once for many runs.

    >>> key = build_key(notebook_sha256="ab12", parameters={"freq": "M"}, description=None,
    ...                 code_sha256="cd34", versions={"pandas": "3.0.1"}, kernel="crmlab")
    >>> record = {"build": {"key": key}, "data_files": []}
    >>> changed_inputs(record, key, Path("."))
    []
    >>> newer = build_key(notebook_sha256="ab12", parameters={"freq": "W"}, description=None,
    ...                   code_sha256="cd34", versions={"pandas": "3.1.0"}, kernel="crmlab")
    >>> changed_inputs(record, newer, Path("."))
    ['new parameters', 'environment changed (pandas 3.0.1 → 3.1.0)']
    """
    old = (record.get("build") or {}).get("key")
    if not isinstance(old, dict):
        return ["no build key recorded"]
    reasons = [reason for part, reason in KEY_CHANGES if old.get(part) != key.get(part)]
    old_env, new_env = old.get("environment") or {}, key.get("environment") or {}
    changed = [name for name in {**new_env, **old_env} if old_env.get(name) != new_env.get(name)]
    if changed:
        reasons.append(
            "environment changed ("
            + ", ".join(f"{name} {old_env.get(name) or 'none'} → {new_env.get(name) or 'none'}" for name in changed)
            + ")"
        )
    for entry in record.get("data_files") or []:
        rel = str(entry.get("path"))
        path = root / rel
        if not entry.get("in_project"):
            reasons.append(f"data outside the project ({rel}) cannot be checked")
        elif entry.get("sha256") is None or not path.is_file():
            reasons.append(f"data file missing ({rel})")
        elif path.stat().st_size != entry.get("size") or file_sha256(path) != entry["sha256"]:
            reasons.append(f"data changed ({rel})")
    return reasons
