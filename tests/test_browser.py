"""The report pages in a real browser: headless Chromium, network off.

The checker is first shown to catch what it must, on hand-made pages with a
known broken image, missing file, missing anchor, console error, uncaught
exception and a script fetched from the network; then the index and every page
the notebooks produce on the tests' small parameters (the ``executed`` fixture
of ``conftest.py``) must load with none of these.

Skipped, saying why, where no Chromium can be found: install the Debian package
``chromium`` (``.ci/run`` does so where apt is usable) or point
``CRMLAB_CHROMIUM`` at a Chromium or Chrome executable.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crmlab.reports.browser import browser_page_problems, find_chromium

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    find_chromium() is None,
    reason="headless Chromium not found: install the Debian package 'chromium' (apt-get install chromium; "
    ".ci/run does this where apt is usable) or set CRMLAB_CHROMIUM to a Chromium/Chrome executable",
)]

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def _page(path: Path, body: str, head: str = "") -> Path:
    path.write_text(f"<!DOCTYPE html><html><head><title>t</title>{head}</head><body>{body}</body></html>")
    return path


def test_browser_check_catches_broken_pages(tmp_path: Path) -> None:
    good = _page(
        tmp_path / "good.html",
        f'<h2 id="top">Top</h2><img src="data:image/png;base64,{PNG}"><a href="#top">up</a>'
        '<a href="other.html#there">other</a><a href="https://example.org/">a site, not visited</a>',
    )
    _page(tmp_path / "other.html", '<p id="there">there</p>')
    bad = _page(
        tmp_path / "bad.html",
        '<img src="missing.png"><img src="data:image/png;base64,bm90IGEgcG5n">'
        '<a href="#nowhere">x</a><a href="absent.html">y</a><a href="other.html#gone">z</a>'
        "<script>console.error('drawn wrong'); undefined_function();</script>",
        head='<script src="https://cdn.example.org/lib.js"></script>',
    )
    problems = browser_page_problems([good, bad], timeout=30)
    assert problems[good] == []
    found = "\n".join(problems[bad])
    for expected in (
        "console error: drawn wrong",
        "uncaught exception: ReferenceError: undefined_function is not defined",
        "https://cdn.example.org/lib.js",  # fetched from the network, which is off
        "image did not load: 'missing.png'",
        "image did not load: 'data:image/png;base64,bm90IGEgcG5n'",
        "link '#nowhere': no element with that id on the page",
        "link 'absent.html': absent.html does not exist",
        "link 'other.html#gone': no element with id 'gone' in other.html",
    ):
        assert expected in found, found


def test_index_and_every_report_page_load_cleanly_offline(executed) -> None:
    base, results = executed
    reports = base / "reports"
    pages = [reports / "index.html", *(reports / r.name / f"{r.name}.html" for r in results)]
    problems = browser_page_problems(pages, timeout=60)
    assert {page.relative_to(reports).as_posix(): p for page, p in problems.items() if p} == {}
