"""``reports/index.html`` and ``reports/index.json``: the lab's front page and the state of every run.

Derived only from the config and the ``provenance.json`` files in
``reports/<run>/`` (the last good report) and ``reports/<run>.failed/`` (the
last failed attempt); the latest attempt is whichever of the two started
later. A run is "succeeded", "failed" (possibly with an older good report
still in place), "never run", or "skipped" when a module its ``requires``
names is missing where the index is written ("skipped: needs crmlab[surveys]";
an older good report stays linked). A succeeded run that the build writing the
index found up to date (and skipped) is shown as "up to date", with the time
its report was built.

The page opens with what the lab is and the order to read the reports in,
then lists the runs by area (the ``[[area]]`` tables of ``reports.toml``, in
their order, each with what its reports teach; runs without an area come
last). Each run shows its description as the link to its page, its status,
start and duration, its parameters folded away, the executed notebook as a
download (open it in JupyterLab), its ``provenance.json``, and a failed run's
error with its line breaks.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from html import escape
from collections.abc import Collection
from pathlib import Path
from typing import Any

from crmlab.reports.config import ReportsConfig, missing_requirement
from crmlab.reports.page import format_duration, format_time, parameter_list
from crmlab.reports.provenance import PROVENANCE_FILE, format_error, project_relative, read_provenance, utc_now

__all__ = ["collect_index", "format_duration", "format_time", "render_index", "write_index"]

#: File names of the index pages inside the output folder.
INDEX_HTML = "index.html"
INDEX_JSON = "index.json"
#: Suffix of the folder holding a run's last failed attempt.
FAILED_SUFFIX = ".failed"

SUCCEEDED, FAILED, NEVER_RUN = "succeeded", "failed", "never run"
#: A run not executed because a module it ``requires`` is missing (its entry says which extra it needs).
SKIPPED = "skipped"
#: A run's outcome when its report was up to date and it was not executed (its status stays "succeeded").
UP_TO_DATE = "up to date"


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
        "description": record.get("description"),
        "folder": folder.name,
        "started": record.get("started"),
        "finished": record.get("finished"),
        "duration_seconds": record.get("duration_seconds"),
        "parameters": record.get("parameters", {}),
        "error": record.get("error"),
        "html": rel + html.name if html.is_file() else None,
        "notebook": rel + notebook.name if notebook.is_file() else None,
        "notebook_path": notebook_path,
        "provenance": rel + PROVENANCE_FILE,  # read above: it is there
    }


def collect_index(config: ReportsConfig, output_dir: Path, up_to_date: Collection[str] = ()) -> dict[str, Any]:
    """The index data: one entry per configured run, in config order.

    Each entry has ``name``, ``notebook``, ``description``, ``area``, ``status``,
    ``up_to_date`` (a succeeded run named in ``up_to_date``: skipped by the
    build because nothing it is made from changed), ``parameters`` (of the
    latest attempt, else as configured), ``latest`` (the latest attempt or
    ``None``) and ``last_success`` (the good report in place, or ``None``).
    ``areas`` lists the config's areas in reading order.
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
        skipped = missing_requirement(run, config.root)
        if skipped is not None:
            status = SKIPPED
        runs.append(
            {
                "name": run.name,
                "notebook": run.notebook.as_posix(),
                # what the latest attempt ran on: a run given other data is titled by its own page
                "description": (latest or {}).get("description") or run.description,
                "area": run.area,
                "status": status,
                "skipped": skipped,
                "up_to_date": status == SUCCEEDED and run.name in up_to_date,
                "parameters": latest["parameters"] if latest else run.parameters,
                "latest": latest,
                "last_success": good,
            }
        )
    counts = {s: sum(r["status"] == s for r in runs) for s in (SUCCEEDED, FAILED, NEVER_RUN)}
    if any(r["status"] == SKIPPED for r in runs):
        counts[SKIPPED] = sum(r["status"] == SKIPPED for r in runs)
    areas = [{"name": a.name, "title": a.title, "description": a.description} for a in config.areas]
    return {"generated": utc_now(), "config": config.path.name, "counts": counts, "areas": areas, "runs": runs}


def write_index(config: ReportsConfig, output_dir: Path, up_to_date: Collection[str] = ()) -> Path:
    """Write ``index.html`` and ``index.json`` into ``output_dir``; return the HTML path.

    ``up_to_date`` names the runs the build found up to date (see :func:`collect_index`).
    Both files are replaced atomically so a reader never sees a half-written page.
    """
    data = collect_index(config, output_dir, up_to_date)
    _write_atomic(output_dir / INDEX_JSON, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    return _write_atomic(output_dir / INDEX_HTML, render_index(data))


def _write_atomic(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


#: What the lab is, at the top of the index (the areas' own descriptions say what each teaches).
INTRODUCTION = (
    "crmlab is a relationship-marketing research lab: the theories of relationship marketing and the "
    "metrics of customer relationship management as tested, executable models. Each report below is a "
    "notebook run on bundled data (the CDNOW purchases), on a synthetic world whose truth is known, or on "
    "your own file, and reads like a short paper: the question, the method and its source, the results "
    "and what they mean. Each page opens with the data and parameters it ran on; the executed notebook "
    "(to open in JupyterLab) and the run's provenance.json sit beside it."
)

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1f2328; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: .4rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .3rem; border-bottom: 1px solid #d1d9e0; padding-bottom: .2rem; }
.intro { font-size: 1.02rem; }
.meta, .area-desc, .run-meta, .note { color: #59636e; }
.meta { font-size: .9rem; }
.area-desc { margin-top: .2rem; }
.reading-order { padding-left: 1.4rem; }
.reading-order li { margin: .1rem 0; }
ol.runs { list-style: none; margin: .5rem 0 0; padding: 0; }
li.run { border: 1px solid #d1d9e0; border-radius: 6px; padding: .6rem .9rem; margin: .6rem 0; }
.run-head { display: flex; gap: .7rem; align-items: baseline; }
.run-title { flex: 1 1 auto; min-width: 0; font-weight: 600; font-size: 1.02rem; }
.run-head .badge { flex: none; }
.run-meta { font-size: .85rem; margin-top: .25rem; overflow-wrap: anywhere; }
.run-meta > span { white-space: nowrap; }
.links { font-size: .9rem; margin-top: .25rem; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: .8rem;
         font-weight: 600; white-space: nowrap; }
.badge.succeeded { background: #dafbe1; color: #116329; }
.badge.failed { background: #ffebe9; color: #a40e26; }
.badge.never { background: #eaeef2; color: #59636e; }
details.params { margin-top: .3rem; font-size: .9rem; }
details.params summary { cursor: pointer; color: #0969da; }
.crmlab-params { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .1rem .8rem; margin: .3rem 0 0; }
.crmlab-params dt, .crmlab-params dd { margin: 0; }
.crmlab-params dd { overflow-wrap: anywhere; }
.crmlab-params .meaning { color: #59636e; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .82rem; }
.error { background: #fff8f8; border-left: 3px solid #cf222e; padding: .4rem .8rem; margin-top: .5rem;
         font-size: .9rem; }
.error .what { font-weight: 600; white-space: pre-wrap; overflow-wrap: anywhere; }
.error pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: .4rem 0; }
a { color: #0969da; }
@media (max-width: 640px) { .crmlab-params { grid-template-columns: minmax(0, 1fr); } }
"""


def _links(attempt: dict[str, Any] | None, label: str) -> str:
    """Links to an attempt's page, its executed notebook (downloaded, not shown as JSON) and its provenance.json."""
    if not attempt:
        return ""
    parts = []
    if attempt.get("html"):
        parts.append(f'<a href="{escape(attempt["html"])}">{escape(label)}</a>')
    if attempt.get("notebook"):
        parts.append(
            f'<a href="{escape(attempt["notebook"])}" download type="application/x-ipynb+json" '
            'title="Download the executed notebook, to open in JupyterLab">executed notebook (.ipynb)</a>'
        )
    if attempt.get("provenance"):
        parts.append(
            f'<a href="{escape(attempt["provenance"])}" type="application/json" title="Parameters, sha256 of the data '
            'files read, package versions, git commit, start and end time, status">provenance.json</a>'
        )
    return " · ".join(parts)


def _title(run: dict[str, Any]) -> str:
    """The run's description (else its name), linked to the page a reader should open."""
    text = escape(run.get("description") or run["name"])
    good, latest = run["last_success"], run["latest"]
    page = (good or {}).get("html") or (latest or {}).get("html")
    return f'<a class="run-title" href="{escape(page)}">{text}</a>' if page else f'<span class="run-title">{text}</span>'


def _run(run: dict[str, Any]) -> str:
    status, latest, good = run["status"], run["latest"], run["last_success"]
    badge_class = {SUCCEEDED: "succeeded", FAILED: "failed"}.get(status, "never")
    shown = UP_TO_DATE if run.get("up_to_date") else status
    if status == SKIPPED:
        shown = f"{SKIPPED}: {run.get('skipped')}"
    head = f'<div class="run-head">{_title(run)} <span class="badge {badge_class}">{escape(shown)}</span></div>'
    meta = [f"<code>{escape(run['name'])}</code>", escape(run["notebook"])]
    if latest:
        when = "built" if run.get("up_to_date") else "started"
        meta.append(f"{when} {escape(format_time(latest.get('started')))}")
        if latest.get("duration_seconds") is not None:
            meta.append(f"took {escape(format_duration(latest.get('duration_seconds')))}")
    html = head + f'<div class="run-meta">{" · ".join(f"<span>{part}</span>" for part in meta)}</div>'
    if status == SUCCEEDED:
        links = _links({**latest, "html": None}, "report") if latest else ""  # the title links to the page
    elif status == SKIPPED:
        links = _links(good, "last good report") if good else ""
    elif status == FAILED:
        links = "<br>".join(
            part for part in (_links(latest, "failed attempt"), _links(good, "last good report")) if part
        )
    else:
        links = ""
    if links:
        html += f'<div class="links">{links}</div>'
    params = run["parameters"] or {}
    summary = f"Parameters ({len(params)})" if params else "No parameters"
    html += f'<details class="params"><summary>{summary}</summary>{parameter_list(params)}</details>'
    if status == FAILED and good:
        html += (
            f'<div class="note">The latest attempt failed; the last good report '
            f"(started {escape(format_time(good.get('started')))}) is kept.</div>"
        )
    if status == FAILED and latest:
        error = latest.get("error") or {}
        detail = f'<div class="what">{escape(format_error(error) or "unknown error")}</div>'
        if error.get("traceback"):
            detail += f"<pre>{escape(error['traceback'])}</pre>"
        detail += (
            "<div>Full traceback in the executed notebook: "
            f"<code>{escape(latest.get('notebook_path') or '')}</code></div>"
        )
        html += f'<div class="error">{detail}</div>'
    return f'<li class="run" id="run-{escape(run["name"])}">{html}</li>\n'


def _sections(data: dict[str, Any]) -> tuple[str, str]:
    """The reading order (a list of links to the areas) and one section per area, in order."""
    areas = data.get("areas") or []
    known = {area["name"] for area in areas}
    groups = [(area, [r for r in data["runs"] if r.get("area") == area["name"]]) for area in areas]
    others = [r for r in data["runs"] if r.get("area") not in known]
    if others:
        title = "Other reports" if areas else ""
        groups.append(({"name": "other", "title": title, "description": None}, others))
    order, sections = [], []
    for area, runs in groups:
        runs_html = "".join(_run(run) for run in runs) or '<li class="note">No runs configured.</li>'
        anchor = f"area-{escape(area['name'])}"
        heading = f'<h2 id="{anchor}">{escape(area["title"])}</h2>' if area["title"] else ""
        desc = f'<p class="area-desc">{escape(area["description"])}</p>' if area.get("description") else ""
        sections.append(f'<section class="area">{heading}{desc}<ol class="runs">{runs_html}</ol></section>\n')
        if area["title"]:
            order.append(f'<li><a href="#{anchor}">{escape(area["title"])}</a> ({len(runs)} report{"s" * (len(runs) != 1)})</li>')
    reading = f'<p>Read them in this order:</p><ol class="reading-order">{"".join(order)}</ol>' if areas else ""
    return reading, "".join(sections)


def render_index(data: dict[str, Any]) -> str:
    """The index page for :func:`collect_index` data: plain HTML, inline CSS, everything escaped."""
    counts = data["counts"]
    summary = " · ".join(f"{n} {escape(status)}" for status, n in counts.items())
    fresh = sum(bool(run.get("up_to_date")) for run in data["runs"])
    if fresh:
        summary += f"; {fresh} of the succeeded were {UP_TO_DATE} and not rebuilt"
    reading, sections = _sections(data)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>crmlab reports</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>crmlab reports</h1>
<p class="intro">{escape(INTRODUCTION)}</p>
{reading}
<p class="meta">{len(data["runs"])} runs configured in <code>{escape(data["config"])}</code>: {summary}.
Updated {escape(format_time(data["generated"]))}.</p>
</header>
<main>
{sections}</main>
</body>
</html>
"""
