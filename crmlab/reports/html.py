"""The reader page of a report: the executed notebook as HTML, without its code.

Markdown, tables, printed output and figures are kept; code inputs and
``In [ ]``/``Out [ ]`` prompts are dropped. Figures are already base64 PNGs
inside the executed notebook and stay inline, and no script is loaded from the
network (no RequireJS, MathJax or Mermaid: the notebooks use none of them), so
the page is one self-contained file that reads offline.

The page opens with the header of :mod:`crmlab.reports.page`: a link back to
the index, the run's description (also the ``<title>``), the data and
parameters it ran on, the date, the crmlab version and commit, and a table of
contents of the notebook's h2/h3 headings.
"""

from __future__ import annotations

import functools
import html as html_lib
import re
from pathlib import Path
from typing import Any

import jinja2
import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

from crmlab.reports.page import PAGE_CSS, Heading, notebook_parameter_defaults, page_header

#: Where the page header goes in the rendered page (replaced once).
HEADER_MARKER = "<!-- crmlab:page-header -->"

#: JupyterLab's page, without scripts from the network, with the header's style and place.
_TEMPLATE = (
    """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}<style type="text/css">"""
    + PAGE_CSS
    + """</style>{%- endblock extra_css -%}
{%- block body_header -%}
{{ super() }}
"""
    + HEADER_MARKER
    + """
{%- endblock body_header -%}
"""
)
_TEMPLATE_NAME = "crmlab_page.html.j2"


@functools.cache
def _exporter() -> HTMLExporter:
    """The page exporter, made once a process: a report worker that renders several runs compiles the
    templates once (about a third of an export's time), not once a page. Exporting reads only its arguments."""
    return HTMLExporter(
        template_name="lab",
        template_file=_TEMPLATE_NAME,
        extra_loaders=[jinja2.DictLoader({_TEMPLATE_NAME: _TEMPLATE})],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,  # markdown images too, not just figure outputs
    )


def page_headings(html: str) -> list[Heading]:
    """The h2 and h3 headings of the notebook's Markdown in a rendered page, in order, with their ids.

    >>> page_headings('<div class="jp-RenderedMarkdown"><h2 id="A-b">A b<a class="anchor-link" href="#A-b">¶</a></h2></div>')
    [Heading(level=2, id='A-b', text='A b')]
    """
    soup = BeautifulSoup(html, "html.parser")
    headings = []
    for cell in soup.select(".jp-RenderedMarkdown"):
        for tag in cell.find_all(["h2", "h3"]):
            if not tag.get("id"):
                continue
            for anchor in tag.select("a.anchor-link"):
                anchor.decompose()
            headings.append(Heading(int(tag.name[1]), str(tag["id"]), tag.get_text(" ", strip=True)))
    return headings


def notebook_heading(notebook: Path) -> str | None:
    r"""The first level-1 Markdown heading of an executed notebook, as plain text (None if it has none).

    Looked for in Markdown cells and in Markdown outputs (a title generated from the data),
    in order; Markdown escapes and HTML entities are undone, since the result is text.

    >>> import tempfile
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Intro"),
    ...     nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data",
    ...         data={"text/markdown": "# Customer base of orders\\.csv &lt;2024&gt;"})])])
    >>> path = Path(tempfile.mkdtemp()) / "run.ipynb"
    >>> nbformat.write(nb, path)
    >>> notebook_heading(path)
    'Customer base of orders.csv <2024>'
    """
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        texts = [cell.source] if cell.cell_type == "markdown" else [
            out.get("data", {}).get("text/markdown", "") for out in cell.get("outputs", [])
        ]
        for text in texts:
            text = "".join(text) if isinstance(text, list) else str(text)
            match = re.search(r"^#[ \t]+(.+?)[ \t#]*$", text, flags=re.MULTILINE)
            if match:
                return html_lib.unescape(re.sub(r"\\(.)", r"\1", match.group(1))).strip()
    return None


def notebook_to_html(
    notebook: Path,
    html: Path,
    *,
    title: str | None = None,
    source_dir: Path | None = None,
    provenance: dict[str, Any] | None = None,
    index_href: str = "../index.html",
) -> Path:
    """Render the executed ``notebook`` to ``html`` as a code-free reader page with its header.

    ``title`` sets the page title (default: the run's description in
    ``provenance``, else its name, else the notebook's file name).
    ``source_dir`` is the folder of the source notebook, against which relative
    image links in markdown resolve (default: the executed notebook's folder).
    ``provenance`` is the run's record (:mod:`crmlab.reports.provenance`), whose
    parameters, data files, times, versions and commit the header shows; without
    it, the parameters papermill injected are shown. ``index_href`` is the link
    back to the index. Returns the path written.
    """
    nb = nbformat.read(notebook, as_version=4)
    record = provenance or {}
    run = str(record.get("run") or notebook.stem)
    title = title or record.get("description") or run
    nb.metadata["title"] = title  # the template prefers a notebook's own title to the one given
    resources = {"metadata": {"name": title, "path": str(source_dir or notebook.parent)}}
    body, _ = _exporter().from_notebook_node(nb, resources=resources)

    papermill = nb.metadata.get("papermill", {})
    parameters = record.get("parameters")
    if parameters is None:
        parameters = dict(papermill.get("parameters", {}))
    cell = next((c for c in nb.cells if "parameters" in c.metadata.get("tags", [])), None)
    defaults, meanings = notebook_parameter_defaults(cell.source) if cell is not None else ({}, {})
    header = page_header(
        title=title,
        run=run,
        notebook=str(record.get("notebook") or Path(papermill.get("input_path") or notebook).name),
        parameters=parameters,
        defaults=defaults,
        meanings=meanings,
        provenance=record,
        headings=page_headings(body),
        index_href=index_href,
    )
    html.write_text(body.replace(HEADER_MARKER, header, 1), encoding="utf-8")
    return html
