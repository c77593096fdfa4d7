"""Import time: each crmlab package in a fresh interpreter, beside ``import numpy, pandas`` measured in the same run.

The goal (issue 20): ``import crmlab.clv``, ``import crmlab.customers`` and ``import crmlab.theories.<school>``
for every school under 0.3 s. Each case runs ``--repeats`` times, each time in a fresh process, the cases
taking turns so that a busy spell of the machine slows all of them; the child times the import statement
alone with ``time.perf_counter`` (the interpreter's own start is the ``python -c pass`` line, timed from the
parent). Reported: median and minimum per case, the goal met or missed (and by how much), and the time above
the floor, ``import numpy, pandas``, which no package that computes with pandas can go under.

Besides ``import <package>``, each package is timed with every name of its ``__all__`` resolved (what its
import loaded before the re-exports became lazy, and what ``from <package> import *`` costs today), and
three first uses show what a notebook's first import line costs (``from crmlab.clv import BetaGeo``).
With ``--compare-with REV``, each ``import <package>`` is also timed on the package as it was at the git
revision REV (extracted with ``git archive`` into a temporary folder), in the same run.

    .venv/bin/python benchmarks/imports.py                  # 9 repeats, results/imports.md
    .venv/bin/python benchmarks/imports.py --repeats 15 --output /tmp/imports.md
    .venv/bin/python benchmarks/imports.py --compare-with ed7aba5   # beside the eager imports of that commit
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
from pathlib import Path

from _common import RESULTS, environment, generated_by, load_average, markdown_table, run_fresh, write_results

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 0.3
FLOOR = "numpy, pandas"
SCHOOLS = sorted([p.name for p in (ROOT / "crmlab" / "theories").iterdir() if (p / "__init__.py").exists()]
                 + [p.stem for p in (ROOT / "crmlab" / "theories").glob("*.py") if p.name != "__init__.py"])
TARGETS = ["crmlab.clv", "crmlab.customers", *(f"crmlab.theories.{s}" for s in SCHOOLS)]
FIRST_USES = {
    "from crmlab.clv import BetaGeo": "from crmlab.clv import BetaGeo",
    "from crmlab.data import DataError": "from crmlab.data import DataError",
    "from crmlab.customers import transaction_summary": "from crmlab.customers import transaction_summary",
}

#: The child: time the statement(s), print the seconds as the last JSON line.
CHILD = """
import json, sys, time
start = time.perf_counter()
exec(sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def old_source(revision: str, folder: Path) -> Path:
    """The ``crmlab`` package as it was at git ``revision``, extracted into ``folder`` (returned)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "crmlab"], capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def cases(before: Path | None, revision: str | None) -> dict[str, tuple[str, Path]]:
    """Label → the code a fresh interpreter times and the folder it runs in (whose ``crmlab`` it imports):
    the floor, each target (and as it was at ``revision``), each target's names, the first uses."""
    out = {f"import {FLOOR} (floor)": (f"import {FLOOR}", ROOT)}
    for target in TARGETS:
        out[f"import {target}"] = (f"import {target}", ROOT)
        old = before / Path(*target.split(".")) if before is not None else None
        if old is not None and (old.is_dir() or old.with_suffix(".py").exists()):
            out[f"import {target} (at {revision})"] = (f"import {target}", before)
        out[f"import {target}, every name in __all__"] = (
            f"import importlib\nm = importlib.import_module({target!r})\nfor n in m.__all__: getattr(m, n)", ROOT
        )
    out.update({label: (code, ROOT) for label, code in FIRST_USES.items()})
    return out


def measure(repeats: int, before: Path | None = None, revision: str | None = None) -> tuple[dict[str, list[float]], list[float]]:
    """Seconds per case (the import, timed in the child) and of a bare ``python -c pass`` (timed from here)."""
    timed = cases(before, revision)
    seconds: dict[str, list[float]] = {label: [] for label in timed}
    startup: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        startup.append(time.perf_counter() - start)
        for label, (code, folder) in timed.items():
            report = run_fresh(sys.executable, CHILD, code, cwd=folder)
            if "error" in report:
                raise SystemExit(f"{label}: {report['error']}")
            seconds[label].append(report["seconds"])
    return seconds, startup


def report(seconds: dict[str, list[float]], startup: list[float], repeats: int, load_start: str) -> list[str]:
    """The results file: how it was measured, the table with the goal, and what it says."""
    floor = statistics.median(seconds[f"import {FLOOR} (floor)"])
    rows = []
    for label, values in seconds.items():
        median = statistics.median(values)
        is_target = label.removeprefix("import ") in TARGETS
        if is_target:
            verdict = (f"met ({GOAL_SECONDS - median:.3f} s under)" if median < GOAL_SECONDS
                       else f"missed by {median - GOAL_SECONDS:.3f} s")
        else:
            verdict = ""
        above = "" if label.endswith("(floor)") else f"{median - floor:+.3f}"
        rows.append([label, f"{median:.3f}", f"{min(values):.3f}", above, verdict])
    command = " ".join(["benchmarks/imports.py", *sys.argv[1:]])
    met = sum(1 for r in rows if r[4].startswith("met"))
    return [
        "# Import time: crmlab's packages in a fresh interpreter",
        "",
        generated_by(command) + f" Load average at the start {load_start}, at the end {load_average()}.",
        "",
        f"Environment: {versions()}.",
        "",
        f"Each case ran {repeats} times, each in a fresh process, the cases taking turns. `median` and `min`: "
        "seconds of the import statement alone, timed inside the child with `time.perf_counter` (a bare "
        f"`python -c pass` took {statistics.median(startup):.3f} s more, median, timed from outside). "
        f"`above floor`: median − the median of `import {FLOOR}` ({floor:.3f} s in this run), which a package "
        "that computes with pandas cannot go under. `goal`: `import <package>` under "
        f"{GOAL_SECONDS} s. `every name in __all__`: the import plus every public name resolved, i.e. all the "
        "package's modules, what `from <package> import *` costs (an import loaded them all before its "
        "re-exports became lazy). `(at REV)`: the package as it was at that git revision.",
        "",
        *markdown_table(["case", "median (s)", "min (s)", "above floor (s)", f"goal (< {GOAL_SECONDS} s)"],
                        "lrrrl", rows),
        "",
        *conclusion(seconds, floor, met),
    ]


def versions() -> str:
    """The environment line, without the warning pandera's import gives when PySpark is installed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return environment(["numpy", "pandas", "scipy", "polars", "pandera", "statsmodels"])


def conclusion(seconds: dict[str, list[float]], floor: float, met: int) -> list[str]:
    """What the table says, generated from its numbers: the goal, the floor, the missed targets, before/after."""
    median = {label: statistics.median(values) for label, values in seconds.items()}
    text = f"Goal met for {met} of {len(TARGETS)} packages. The floor, `import {FLOOR}`, took {floor:.3f} s"
    if floor >= GOAL_SECONDS:
        text += (f", itself over the goal: no module that imports pandas at its top can be imported in under "
                 f"{GOAL_SECONDS} s on this machine in this state.")
    else:
        text += f", which leaves {GOAL_SECONDS - floor:.3f} s for crmlab's own modules."
    missed = [t for t in TARGETS if median[f"import {t}"] >= GOAL_SECONDS]
    if missed:
        text += " Missed: " + "; ".join(
            f"`{t}` ({median[f'import {t}'] - floor:+.3f} s from the floor)" for t in missed) + "."
    lines = [text]
    compared = [(t, label) for t in TARGETS for label in median if label.startswith(f"import {t} (at ")]
    if compared:
        lines += ["", "Before and after, in this run: " + "; ".join(
            f"`import {t}` {median[label]:.3f} s → {median[f'import {t}']:.3f} s" for t, label in compared) + "."]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=9, help="fresh processes per case (median reported; at least 7)")
    parser.add_argument("--output", type=Path, default=RESULTS / "imports.md", help="the markdown results file")
    parser.add_argument("--compare-with", metavar="REV", default=None,
                        help="also time each `import <package>` as it was at this git revision")
    args = parser.parse_args()
    load_start = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        before = old_source(args.compare_with, Path(tmp)) if args.compare_with else None
        seconds, startup = measure(args.repeats, before, args.compare_with)
    lines = report(seconds, startup, args.repeats, load_start)
    write_results(args.output, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
