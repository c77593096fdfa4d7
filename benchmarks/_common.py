"""What the benchmark scripts share: the machine they ran on, measurements in fresh processes, the results file.

- :func:`environment`, :func:`blas_info`, :func:`load_average`: the line
  "Environment: …" of every results file (package versions, processor count,
  memory, operating system, BLAS and its threads);
- :func:`peak_rss_kb`: a process's own peak resident memory (``VmHWM``);
- :func:`run_fresh`: run a measurement in a fresh interpreter, which prints
  its report as one JSON line, and read that report back;
- :func:`warm_up_compiled_kernels`: fill numba's cache before anything is timed;
- :func:`add_common_arguments`, :func:`generated_by`, :func:`markdown_table`,
  :func:`write_results`: the scripts' shared options and the markdown results
  file (``benchmarks/results/``).

At module level it imports the standard library only, so that a measuring
child in another environment (lifetimes' own virtualenv) can import
:func:`peak_rss_kb` from it: add this folder to ``sys.path`` first.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def peak_rss_kb() -> int:
    """Peak resident memory of this process so far, in KiB.

    On Linux, ``VmHWM`` of ``/proc/self/status``: the high-water mark of this
    process's own address space. ``getrusage(RUSAGE_SELF).ru_maxrss`` is not
    used there because Linux carries it across fork and exec, so a child would
    report its parent's peak (the benchmark's parent holds the generated log).
    Elsewhere, ``ru_maxrss`` (bytes on macOS).
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss // 1024 if sys.platform == "darwin" else rss


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, e.g. ``"0.52, 0.61, 0.70"`` (``"n/a"`` where there are none)."""
    return ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def blas_info() -> str:
    """The BLAS libraries loaded in this process and their thread counts (threadpoolctl, when installed)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    importlib.import_module("scipy.optimize")  # loads SciPy's BLAS

    found = [
        f"{d['internal_api']} {d.get('version') or ''} ({d['num_threads']} thread{'s' if d['num_threads'] != 1 else ''})"
        for d in threadpool_info()
        if d["user_api"] == "blas"
    ]
    return ", ".join(found) or "none found"


def environment(packages: Sequence[str], *, blas: bool = False) -> str:
    """The machine and software a result was measured on, as one sentence for the results file.

    crmlab's version when it is installed as a distribution, Python's and each of ``packages``'
    (imported by name), the BLAS libraries with ``blas=True``, then the processor architecture,
    the CPUs (and how many this process may use), the memory and the operating system.
    """
    try:
        from importlib.metadata import version

        software = [f"crmlab {version('crmlab')}"]
    except Exception:  # noqa: BLE001 - not installed as a distribution
        software = []
    software.append(f"Python {platform.python_version()}")
    software += [f"{name} {importlib.import_module(name).__version__}" for name in packages]
    text = ", ".join(software)
    if blas:
        text += f"; BLAS: {blas_info()}"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f", {kb / 1024**2:.1f} GiB RAM"
    return (f"{text}; {platform.machine()}, {os.cpu_count()} CPUs ({usable} usable){memory}, "
            f"{platform.system()} {platform.release()}")


def run_fresh(python: str, code: str, *argv: str, timeout: float | None = None, cwd: Path | None = None) -> dict:
    """Run ``code`` in a fresh ``python`` process with ``argv`` and return the JSON report it printed last.

    A process that fails or outlives ``timeout`` seconds gives ``{"error": ...}`` with the reason
    (the last line of its standard error), so that one failed measurement does not end the run.
    """
    try:
        proc = subprocess.run([python, "-c", code, *argv], capture_output=True, text=True, check=False,
                              timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": f"exit {proc.returncode}: {tail}", "stderr": proc.stderr}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def warm_up_compiled_kernels() -> None:
    """Fill numba's on-disk cache of crmlab's compiled summary kernels (a one-time compile after install,
    about 10 s), untimed, in a child process; loading them from the cache is in every timed call."""
    subprocess.run([sys.executable, "-c", "from crmlab.customers import compiled; compiled.warm_up()"], check=True)


def add_common_arguments(parser: argparse.ArgumentParser, *, output: str, repeats: int, lifetimes_help: str) -> None:
    """The options every benchmark script takes: ``--repeats``, ``--seed``, ``--output`` (default
    ``results/<output>``) and ``--lifetimes-python`` (an interpreter with lifetimes installed)."""
    parser.add_argument("--repeats", type=int, default=repeats, help="measurements per case (median reported)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the synthetic data")
    parser.add_argument("--output", type=Path, default=RESULTS / output, help="the markdown results file")
    parser.add_argument("--lifetimes-python", default=None, help=lifetimes_help)


def generated_by(command: str, *, clock: str = "%Y-%m-%d") -> str:
    """The results file's first sentence: the command that made it and when."""
    return f"Generated by `{command}` on {time.strftime(clock)}."


def markdown_table(header: Sequence[str], align: str, rows: Sequence[Sequence[str]]) -> list[str]:
    """A markdown table as lines: ``align`` has one letter per column, ``l`` (left) or ``r`` (right).

    >>> markdown_table(["model", "seconds"], "lr", [["BetaGeo", "0.05"]])
    ['| model | seconds |', '|---|---:|', '| BetaGeo | 0.05 |']
    """
    if len(align) != len(header):
        raise ValueError(f"one alignment letter per column: {len(header)} columns, got {align!r}")
    rule = "|" + "".join("---:|" if a == "r" else "---|" for a in align)
    return ["| " + " | ".join(header) + " |", rule, *("| " + " | ".join(map(str, row)) + " |" for row in rows)]


def write_results(path: Path, lines: Sequence[str]) -> None:
    """Write the results file (markdown lines), making its folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
