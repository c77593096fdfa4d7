"""The reader page of a report: the executed notebook as HTML, without its code.

Markdown, tables, printed output and figures are kept; code inputs and
``In [ ]``/``Out [ ]`` prompts are dropped. Figures are already base64 PNGs
inside the executed notebook and stay inline, so the page is one
self-contained file.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbconvert import HTMLExporter


def notebook_to_html(
    notebook: Path, html: Path, *, title: str | None = None, source_dir: Path | None = None
) -> Path:
    """Render the executed ``notebook`` to ``html`` as a code-free reader page.

    ``title`` sets the page title (default: the notebook's file name).
    ``source_dir`` is the folder of the source notebook, against which relative
    image links in markdown resolve (default: the executed notebook's folder).
    Returns the path written.
    """
    nb = nbformat.read(notebook, as_version=4)
    exporter = HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,  # markdown images too, not just figure outputs
    )
    resources = {"metadata": {"name": title or notebook.stem, "path": str(source_dir or notebook.parent)}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    html.write_text(body, encoding="utf-8")
    return html
