"""``reports/index.html`` and ``reports/index.json``: the state of every configured run.

Derived only from the ``provenance.json`` files in ``reports/<run>/`` (the
last good report) and ``reports/<run>.failed/`` (the last failed attempt);
the latest attempt is whichever of the two started later. A run is
"succeeded", "failed" (possibly with an older good report still in place) or
"never run".
"""

from __future__ import annotations

import datetime as dt
import json
import os
from html import escape
from pathlib import Path
from typing import Any

from crmlab.reports.config import ReportsConfig
from crmlab.reports.provenance import format_error, project_relative, read_provenance, utc_now

#: File names of the index pages inside the output folder.
INDEX_HTML = "index.html"
INDEX_JSON = "index.json"
#: Suffix of the folder holding a run's last failed attempt.
FAILED_SUFFIX = ".failed"

SUCCEEDED, FAILED, NEVER_RUN = "succeeded", "failed", "never run"


def _started(attempt: dict[str, Any] | None) -> dt.datetime:
    """Start time of an attempt, for ordering; unknown times sort first."""
    floor = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    if not attempt or not attempt.get("started"):
        return floor
    try:
        return dt.datetime.fromisoformat(attempt["started"])
    except (TypeError, ValueError):
        return floor


def _attempt(folder: Path, name: str, output_dir: Path, root: Path) -> dict[str, Any] | None:
    """What the index shows of one run folder, with links relative to the index page."""
    record = read_provenance(folder)
    if record is None:
        return None
    html, notebook = folder / f"{name}.html", folder / f"{name}.ipynb"
    rel = f"{folder.name}/"
    # Where the executed notebook lives: project-relative, else relative to the index.
    notebook_path, in_project = project_relative(notebook, root)
    if not in_project:
        notebook_path = rel + notebook.name
    return {
        "status": record.get("status"),
        "folder": folder.name,
        "started": record.get("started"),
        "finished": record.get("finished"),
        "duration_seconds": record.get("duration_seconds"),
        "parameters": record.get("parameters", {}),
        "error": record.get("error"),
        "html": rel + html.name if html.is_file() else None,
        "notebook": rel + notebook.name if notebook.is_file() else None,
        "notebook_path": notebook_path,
    }


def collect_index(config: ReportsConfig, output_dir: Path) -> dict[str, Any]:
    """The index data: one entry per configured run, in config order.

    Each entry has ``name``, ``notebook``, ``description``, ``status``,
    ``parameters`` (of the latest attempt, else as configured), ``latest``
    (the latest attempt or ``None``) and ``last_success`` (the good report in
    place, or ``None``).
    """
    runs = []
    for run in config.runs:
        good = _attempt(output_dir / run.name, run.name, output_dir, config.root)
        failed = _attempt(output_dir / f"{run.name}{FAILED_SUFFIX}", run.name, output_dir, config.root)
        if good is not None and good.get("status") != SUCCEEDED:
            good = None
        candidates = [a for a in (good, failed) if a is not None]
        latest = max(candidates, key=_started) if candidates else None
        status = NEVER_RUN if latest is None else (SUCCEEDED if latest is good else FAILED)
        runs.append(
            {
                "name": run.name,
                "notebook": run.notebook.as_posix(),
                "description": run.description,
                "status": status,
                "parameters": latest["parameters"] if latest else run.parameters,
                "latest": latest,
                "last_success": good,
            }
        )
    counts = {s: sum(r["status"] == s for r in runs) for s in (SUCCEEDED, FAILED, NEVER_RUN)}
    return {"generated": utc_now(), "config": config.path.name, "counts": counts, "runs": runs}


def write_index(config: ReportsConfig, output_dir: Path) -> Path:
    """Write ``index.html`` and ``index.json`` into ``output_dir``; return the HTML path.

    Both are replaced atomically so a reader never sees a half-written page.
    """
    data = collect_index(config, output_dir)
    _write_atomic(output_dir / INDEX_JSON, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    return _write_atomic(output_dir / INDEX_HTML, render_index(data))


def _write_atomic(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def format_duration(seconds: float | None) -> str:
    """Human duration.

    >>> format_duration(3.21), format_duration(125), format_duration(3725), format_duration(None)
    ('3.2 s', '2 min 05 s', '1 h 02 min', '')
    """
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_time(iso: str | None) -> str:
    """ISO 8601 UTC time as ``YYYY-MM-DD HH:MM:SS UTC``.

    >>> format_time("1997-01-01T12:30:05.123+00:00")
    '1997-01-01 12:30:05 UTC'
    """
    if not iso:
        return ""
    try:
        return dt.datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return iso


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1f2328; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
.meta { color: #59636e; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; vertical-align: top; padding: .5rem .6rem; border-bottom: 1px solid #d1d9e0; }
th { background: #f6f8fa; font-weight: 600; }
tr.detail td { border-top: none; padding-top: 0; }
.desc, .nb, .note { color: #59636e; font-size: .85rem; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: .8rem;
         font-weight: 600; white-space: nowrap; }
.badge.succeeded { background: #dafbe1; color: #116329; }
.badge.failed { background: #ffebe9; color: #a40e26; }
.badge.never { background: #eaeef2; color: #59636e; }
ul.params { list-style: none; margin: 0; padding: 0; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .82rem; }
.error { background: #fff8f8; border-left: 3px solid #cf222e; padding: .4rem .8rem; }
.error pre { white-space: pre-wrap; margin: .4rem 0; }
a { color: #0969da; }
"""


def _links(attempt: dict[str, Any] | None, label: str) -> str:
    if not attempt:
        return ""
    parts = []
    if attempt.get("html"):
        parts.append(f'<a href="{escape(attempt["html"])}">{escape(label)}</a>')
    if attempt.get("notebook"):
        parts.append(f'<a href="{escape(attempt["notebook"])}">notebook</a>')
    return " · ".join(parts)


def _parameters(params: dict[str, Any]) -> str:
    if not params:
        return '<span class="note">none</span>'
    items = "".join(
        f"<li><code>{escape(str(k))} = {escape(json.dumps(v, ensure_ascii=False, default=str))}</code></li>"
        for k, v in params.items()
    )
    return f'<ul class="params">{items}</ul>'


def _row(run: dict[str, Any]) -> str:
    status, latest, good = run["status"], run["latest"], run["last_success"]
    badge_class = {SUCCEEDED: "succeeded", FAILED: "failed"}.get(status, "never")
    status_cell = f'<span class="badge {badge_class}">{escape(status)}</span>'
    if status == FAILED and good:
        status_cell += (
            f'<div class="note">latest attempt failed; the last good report '
            f"(started {escape(format_time(good.get('started')))}) is kept</div>"
        )
    if status == SUCCEEDED:
        links = _links(latest, "report")
    elif status == FAILED:
        links = "<br>".join(
            part for part in (_links(latest, "failed attempt"), _links(good, "last good report")) if part
        )
    else:
        links = ""
    name_cell = f"<strong>{escape(run['name'])}</strong>"
    if run.get("description"):
        name_cell += f'<div class="desc">{escape(run["description"])}</div>'
    name_cell += f'<div class="nb">{escape(run["notebook"])}</div>'
    cells = [
        name_cell,
        status_cell,
        escape(format_time(latest.get("started"))) if latest else "",
        escape(format_duration(latest.get("duration_seconds"))) if latest else "",
        _parameters(run["parameters"]),
        links,
    ]
    html = f'<tr id="run-{escape(run["name"])}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>\n"
    if status == FAILED and latest:
        error = latest.get("error") or {}
        detail = f"<strong>{escape(format_error(error) or 'unknown error')}</strong>"
        if error.get("traceback"):
            detail += f"<pre>{escape(error['traceback'])}</pre>"
        detail += (
            "<div>Full traceback in the executed notebook: "
            f"<code>{escape(latest.get('notebook_path') or '')}</code></div>"
        )
        html += f'<tr class="detail"><td colspan="{len(cells)}"><div class="error">{detail}</div></td></tr>\n'
    return html


def render_index(data: dict[str, Any]) -> str:
    """The index page for :func:`collect_index` data: plain HTML, inline CSS, everything escaped."""
    counts = data["counts"]
    summary = " · ".join(f"{n} {escape(status)}" for status, n in counts.items())
    rows = "".join(_row(run) for run in data["runs"])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>crmlab reports</title>
<style>{_CSS}</style>
</head>
<body>
<h1>crmlab reports</h1>
<p class="meta">{len(data["runs"])} runs configured in <code>{escape(data["config"])}</code>: {summary}.
Updated {escape(format_time(data["generated"]))}.</p>
<table>
<thead><tr><th>Run</th><th>Status</th><th>Started</th><th>Duration</th><th>Parameters</th><th>Report</th></tr></thead>
<tbody>
{rows}</tbody>
</table>
</body>
</html>
"""
