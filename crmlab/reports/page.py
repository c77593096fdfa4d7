"""The header of a report page: what the report is, what it ran on, when, with what.

Every reader page (:func:`crmlab.reports.html.notebook_to_html`) opens with

- a link back to the index of all reports;
- the run's description (also the page's ``<title>``) and its name;
- the data it ran on: each source parameter's value named and cited (a bundled
  dataset and its papers, a synthetic world and the models it draws from, or
  the user's own file, see :mod:`crmlab.data.citations`), and the files read
  with their size and sha256 (from ``provenance.json``);
- the parameters as a definition list: the run's own, then the notebook's
  defaults (folded), each with the meaning written beside it in the notebook;
- the date run, its duration and status, the crmlab version and git commit;
- a table of contents of the notebook's section headings.

Everything that comes from parameters, data or the notebook is HTML-escaped.
:func:`format_parameter` and :func:`parameter_list` are shared with the index.
"""

from __future__ import annotations

import ast
import datetime as dt
import io
import math
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from pathlib import PurePosixPath
from typing import Any

from crmlab.data.citations import COMPANION_WORLDS, SOURCE_PARAMETERS, SYNTHETIC_WORLDS, Citation, describe_source

__all__ = [
    "Heading",
    "PAGE_CSS",
    "format_parameter",
    "format_size",
    "format_time",
    "notebook_parameter_defaults",
    "page_header",
    "parameter_list",
    "table_of_contents",
]

#: Parameters shown unfolded in a page header; more are folded away.
UNFOLDED_PARAMETERS = 8


@dataclass(frozen=True)
class Heading:
    """A section heading of a page: its level (2 or 3), anchor id and text."""

    level: int
    id: str
    text: str


def _plain_number(value: float | int, group: bool = True) -> str:
    """A number without scientific notation, digits grouped by thousands.

    >>> _plain_number(5000), _plain_number(3000.0), _plain_number(0.01), _plain_number(1e-7), _plain_number(42, False)
    ('5,000', '3,000', '0.01', '0.0000001', '42')
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer():
            value = int(value)
        else:
            text = format(Decimal(repr(value)), "f")
            whole, _, frac = text.partition(".")
            return (f"{int(whole):,}" if group and whole not in ("-0", "0") else whole) + "." + frac
    return f"{value:,}" if group else str(value)


def format_parameter(name: str, value: Any) -> str:
    """A parameter's value as plain text for readers (escape it before putting it in HTML).

    Numbers without scientific notation and grouped by thousands (not seeds),
    whole floats without ``.0``, lists comma-separated, mappings as
    ``key: value``, booleans as yes/no, the empty string and empty
    containers as "(empty)"/"(none)". Long values are never truncated.

    >>> format_parameter("n_customers", 5000), format_parameter("seed", 12345), format_parameter("budget", 3000.0)
    ('5,000', '12345', '3,000')
    >>> format_parameter("models", ["BetaGeo", "ParetoNBD"]), format_parameter("weights", {"clv": 0.5, "growth": 0.3})
    ('BetaGeo, ParetoNBD', 'clv: 0.5, growth: 0.3')
    >>> format_parameter("observation_end", ""), format_parameter("columns", {}), format_parameter("use_sem", True)
    ('(empty)', '(none)', 'yes')
    """
    group = not name.endswith("seed")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return _plain_number(value, group)
    if isinstance(value, str):
        return value if value else "(empty)"
    if isinstance(value, Mapping):
        if not value:
            return "(none)"
        return ", ".join(f"{key}: {format_parameter(str(key), item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        if not value:
            return "(none)"
        return ", ".join(format_parameter(name, item) for item in value)
    if value is None:
        return "(none)"
    return str(value)


def parameter_list(parameters: Mapping[str, Any], meanings: Mapping[str, str] | None = None) -> str:
    """The parameters as an HTML definition list (``<dl class="crmlab-params">``), escaped.

    ``meanings`` gives the sentence shown beside a value (the comment of the
    notebook's ``parameters`` cell).

    >>> parameter_list({"source": "<cdnow>", "n_customers": 300}, {"source": "where the data comes from"})
    '<dl class="crmlab-params"><dt><code>source</code></dt><dd><span class="value">&lt;cdnow&gt;</span> <span class="meaning">where the data comes from</span></dd><dt><code>n_customers</code></dt><dd><span class="value">300</span></dd></dl>'
    """
    meanings = meanings or {}
    items = []
    for name, value in parameters.items():
        meaning = meanings.get(name)
        note = f' <span class="meaning">{escape(meaning)}</span>' if meaning else ""
        items.append(
            f"<dt><code>{escape(str(name))}</code></dt>"
            f'<dd><span class="value">{escape(format_parameter(str(name), value))}</span>{note}</dd>'
        )
    return f'<dl class="crmlab-params">{"".join(items)}</dl>'


def notebook_parameter_defaults(source: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The defaults of a notebook's ``parameters`` cell and the comment beside each.

    Only top-level assignments of literal values count (others are skipped);
    IPython magics are ignored. Returns ``(defaults, meanings)``.

    >>> notebook_parameter_defaults('source = "cdnow"   # "cdnow" or a path\\nseed = 42\\nx = f(1)')
    ({'source': 'cdnow', 'seed': 42}, {'source': '"cdnow" or a path'})
    """
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    text = "\n".join(lines)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return {}, {}
    comments: dict[int, str] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.string.lstrip("#").strip()
    except (tokenize.TokenError, SyntaxError):
        pass
    defaults: dict[str, Any] = {}
    meanings: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        try:
            defaults[target.id] = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        comment = comments.get(node.end_lineno or node.lineno)
        if comment:
            meanings[target.id] = comment
    return defaults, meanings


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


def format_size(size: int | None) -> str:
    """A file size in bytes, kB, MB or GB (powers of 1000).

    >>> format_size(512), format_size(1_234_567), format_size(None)
    ('512 bytes', '1.2 MB', 'size unknown')
    """
    if size is None:
        return "size unknown"
    if size < 1000:
        return f"{size} bytes"
    for unit in ("kB", "MB", "GB", "TB"):
        size /= 1000
        if size < 1000 or unit == "TB":
            return f"{size:.1f} {unit}"
    raise AssertionError("unreachable")


def table_of_contents(headings: list[Heading]) -> str:
    """A nested list of links to the page's h2 and h3 headings (``<nav class="crmlab-toc">``).

    >>> table_of_contents([Heading(2, "Cohorts", "Cohorts"), Heading(3, "A-&-B", "A & B")])
    '<nav class="crmlab-toc" aria-label="Contents"><p class="crmlab-toc-title">Contents</p><ol><li><a href="#Cohorts">Cohorts</a><ol><li><a href="#A-&amp;-B">A &amp; B</a></li></ol></li></ol></nav>'
    """
    if not headings:
        return ""
    html, open_sub = [], False
    for i, heading in enumerate(headings):
        link = f'<a href="#{escape(heading.id)}">{escape(heading.text)}</a>'
        if heading.level <= 2 or i == 0:
            if open_sub:
                html.append("</ol></li>")
                open_sub = False
            elif i:
                html.append("</li>")
            html.append(f"<li>{link}")
        else:
            html.append(f"<ol><li>{link}</li>" if not open_sub else f"<li>{link}</li>")
            open_sub = True
    html.append("</ol></li>" if open_sub else "</li>")
    return (
        '<nav class="crmlab-toc" aria-label="Contents"><p class="crmlab-toc-title">Contents</p>'
        f'<ol>{"".join(html)}</ol></nav>'
    )


def _citation(citation: Citation, extra: str = "") -> str:
    refs = "".join(f"<li>{escape(ref)}</li>" for ref in citation.references)
    return (
        f"<strong>{escape(citation.title)}</strong>{escape(extra)}. {escape(citation.description)} "
        f'<span class="crmlab-function">(<code>{escape(citation.function)}</code>)</span>'
        + (f'<ul class="crmlab-refs">{refs}</ul>' if refs else "")
    )


def _data_sources(notebook: str, parameters: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, HTML) of each data source of the run: bundled, synthetic or the user's file."""
    seed = parameters.get("seed")
    seeded = f" (seed {seed})" if isinstance(seed, int) and not isinstance(seed, bool) else ""
    sources = []
    for name, label in SOURCE_PARAMETERS.items():
        value = parameters.get(name)
        if not isinstance(value, str) or not value:
            continue
        source = describe_source(notebook, name, value)
        if source.kind == "bundled" and source.dataset is not None:
            body = _citation(source.dataset)
        elif source.kind == "synthetic":
            body = "<br>".join(_citation(world, seeded) for world in source.worlds) or escape(
                f"A synthetic world drawn by the notebook{seeded}."
            )
        else:
            body = f"Your file <code>{escape(value)}</code>"
        sources.append((label, body))
    for label, worlds in COMPANION_WORLDS.get(notebook, ()):
        sources.append((label, "<br>".join(_citation(SYNTHETIC_WORLDS[world], seeded) for world in worlds)))
    return sources


def _join_labels(labels: list[str]) -> str:
    """Labels as one phrase.

    >>> _join_labels(["Data"]), _join_labels(["Data", "Acquisition channels"]), _join_labels(["A", "B", "C"])
    ('Data', 'Data and acquisition channels', 'A, b and c')
    """
    words = [labels[0], *(label[:1].lower() + label[1:] for label in labels[1:])]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _source_list(sources: list[tuple[str, str]]) -> str:
    """One source as it is; several as a list, each led by what it is used for (the uses of one
    world together)."""
    merged: dict[str, list[str]] = {}
    for label, body in sources:
        merged.setdefault(body, []).append(label)
    sources = [(_join_labels(labels), body) for body, labels in merged.items()]
    if len(sources) == 1:
        label, body = sources[0]
        return body if label == "Data" else f'<span class="crmlab-source-label">{escape(label)}:</span> {body}'
    items = "".join(f'<li><span class="crmlab-source-label">{escape(label)}:</span> {body}</li>' for label, body in sources)
    return f'<ul class="crmlab-sources">{items}</ul>'


def _files_read(data_files: list[dict[str, Any]]) -> str:
    items = []
    for entry in data_files:
        path = str(entry.get("path") or "")
        sha = entry.get("sha256")
        digest = f' · sha256 <code class="crmlab-sha">{escape(sha)}</code>' if sha else " · no longer readable"
        items.append(
            f"<li><code>{escape(path)}</code> · {escape(format_size(entry.get('size')))}{digest}</li>"
        )
    return f'<ul class="crmlab-files">{"".join(items)}</ul>' if items else ""


def _software(provenance: Mapping[str, Any]) -> str:
    versions = provenance.get("versions") or {}
    parts = [f"crmlab {escape(str(versions.get('crmlab') or 'version unknown'))}"]
    git = provenance.get("git")
    if isinstance(git, Mapping) and git.get("commit"):
        dirty = " with uncommitted changes" if git.get("dirty") else ""
        parts.append(f'git commit <code title="{escape(str(git["commit"]))}">{escape(str(git["commit"])[:12])}</code>{dirty}')
    else:
        parts.append("git commit unknown")
    others = {k: v for k, v in versions.items() if k != "crmlab"}
    html = " · ".join(parts)
    if others:
        listing = ", ".join(f"{escape(str(k))} {escape(str(v or 'not installed'))}" for k, v in others.items())
        html += f'<details class="crmlab-fold"><summary>Python and package versions</summary><p>{listing}</p></details>'
    return html


def page_header(
    *,
    title: str,
    run: str,
    notebook: str,
    parameters: Mapping[str, Any],
    defaults: Mapping[str, Any] | None = None,
    meanings: Mapping[str, str] | None = None,
    provenance: Mapping[str, Any] | None = None,
    headings: list[Heading] | None = None,
    index_href: str = "../index.html",
) -> str:
    """The HTML header of a report page (``<header class="crmlab-page-header">``), escaped.

    ``title`` is the run's description, ``run`` its name, ``notebook`` the
    notebook's path or name, ``parameters`` the run's own parameters,
    ``defaults`` the notebook's other parameters (shown folded) and
    ``meanings`` the comment of each; ``provenance`` the run's record
    (data files, times, versions, git); ``headings`` the page's sections.

    >>> html = page_header(title="CDNOW <1/10>", run="customer_base_cdnow", notebook="notebooks/01_customer_base.ipynb",
    ...                    parameters={"source": "cdnow"})
    >>> "CDNOW &lt;1/10&gt;" in html, 'href="../index.html"' in html, "Fader, P. S." in html
    (True, True, True)
    """
    provenance = provenance or {}
    defaults = {k: v for k, v in (defaults or {}).items() if k not in parameters}
    stem = PurePosixPath(str(notebook)).stem
    effective = {**defaults, **parameters}
    rows = []

    sources = _data_sources(stem, effective)
    if sources:
        rows.append(("Data", _source_list(sources)))
    files = _files_read(list(provenance.get("data_files") or []))
    if files:
        rows.append(("Files read", files))

    shown = parameter_list(parameters, meanings) if parameters else '<p class="crmlab-note">none set by this run</p>'
    count = f"{len(parameters)} set by this run"
    if len(parameters) > UNFOLDED_PARAMETERS:
        shown = f'<details class="crmlab-fold"><summary>{escape(count)}</summary>{shown}</details>'
    if defaults:
        shown += (
            f'<details class="crmlab-fold"><summary>{len(defaults)} more at the notebook\'s defaults</summary>'
            f"{parameter_list(defaults, meanings)}</details>"
        )
    rows.append(("Parameters", shown))

    if provenance.get("started"):
        when = escape(format_time(provenance.get("started")))
        duration = provenance.get("duration_seconds")
        if duration is not None:
            when += f", {escape(format_duration(duration))}"
        rows.append(("Run", when))
    if provenance:
        rows.append(("Software", _software(provenance)))

    facts = "".join(f"<dt>{escape(label)}</dt><dd>{value}</dd>" for label, value in rows)
    failed = ""
    error = provenance.get("error")
    if provenance.get("status") == "failed" and isinstance(error, Mapping):
        what = f"{error.get('ename')}: {error.get('evalue')}" if error.get("evalue") else str(error.get("ename"))
        failed = (
            f'<p class="crmlab-failed">This run failed: <code>{escape(what)}</code>. '
            "The page shows the notebook up to the error.</p>"
        )
    return (
        '<header class="crmlab-page-header">'
        f'<nav class="crmlab-back"><a href="{escape(index_href)}">← All reports</a></nav>'
        f'<p class="crmlab-title">{escape(title)}</p>'
        f'<p class="crmlab-run">Report <code>{escape(run)}</code> of <code>{escape(str(notebook))}</code></p>'
        f"{failed}"
        f'<dl class="crmlab-facts">{facts}</dl>'
        f"{table_of_contents(headings or [])}"
        "</header>"
    )


#: Style of the page header and of the page's width (the notebook's own style is JupyterLab's).
PAGE_CSS = """
main { max-width: 70rem; margin: 0 auto; }
.crmlab-page-header { font-family: var(--jp-ui-font-family, system-ui, sans-serif); color: #1f2328;
  line-height: 1.45; font-size: 0.95rem; margin: 1rem var(--jp-notebook-padding, 10px) 1.5rem;
  padding: 1rem 1.25rem; background: #f6f8fa; border: 1px solid #d1d9e0; border-radius: 6px; }
.crmlab-page-header code { font-size: 0.85em; background: #eaeef2; padding: 0 0.25em; border-radius: 3px; }
.crmlab-back { margin-bottom: 0.5rem; }
.crmlab-page-header a { color: #0969da; }
.crmlab-title { font-size: 1.25rem; font-weight: 600; margin: 0.25rem 0; }
.crmlab-run { color: #59636e; margin: 0 0 0.75rem; }
.crmlab-failed { background: #ffebe9; border-left: 3px solid #cf222e; padding: 0.4rem 0.8rem; }
.crmlab-failed code { white-space: pre-wrap; }
.crmlab-facts { display: grid; grid-template-columns: 8rem minmax(0, 1fr); gap: 0.4rem 1rem; margin: 0; }
.crmlab-facts > dt { font-weight: 600; }
.crmlab-facts > dd { margin: 0; overflow-wrap: anywhere; }
.crmlab-sources, .crmlab-files, .crmlab-refs { margin: 0; padding-left: 1.1rem; }
.crmlab-sources > li + li { margin-top: 0.4rem; }
.crmlab-refs { color: #59636e; font-size: 0.85rem; }
.crmlab-source-label { font-weight: 600; }
.crmlab-function { color: #59636e; }
.crmlab-sha { word-break: break-all; }
.crmlab-params { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0.15rem 0.8rem; margin: 0.2rem 0; }
.crmlab-params dt { margin: 0; }
.crmlab-params dd { margin: 0; overflow-wrap: anywhere; }
.crmlab-params .meaning { color: #59636e; font-size: 0.85rem; }
.crmlab-fold summary { cursor: pointer; color: #0969da; }
.crmlab-note { color: #59636e; margin: 0; }
.crmlab-toc { margin-top: 1rem; border-top: 1px solid #d1d9e0; padding-top: 0.5rem; }
.crmlab-toc-title { font-weight: 600; margin: 0 0 0.25rem; }
.crmlab-toc ol { margin: 0; padding-left: 1.3rem; }
.crmlab-toc li { break-inside: avoid; }
@media (min-width: 900px) { .crmlab-toc > ol { columns: 2; column-gap: 2.5rem; } }
@media (max-width: 640px) {
  .crmlab-facts, .crmlab-params { grid-template-columns: minmax(0, 1fr); }
}
"""
