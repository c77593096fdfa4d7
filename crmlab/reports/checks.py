"""Checks of a report page as a reader sees it: its header, and the tables of its results.

A report reads like a paper (see the design notes): a title, the data and
parameters it ran on, sections one can jump to, and tables a reader can read
— integers, percentages, units, no scientific notation. These functions take
the HTML of a page and return the problems found, one sentence each, so a test
can assert there are none and a person can see what to fix:

- :func:`page_header_problems`: the ``<title>``, the link back to the index,
  the header with the data source, parameters, date and version, and a table
  of contents whose links reach the page's headings;
- :func:`reader_page_problems`: the tables: numbers in scientific notation,
  whole numbers written with decimals ("12.000"), raw Python values
  (``LoyaltyWorld(...)``, ``NaN``, ``None``), snake_case column headers and
  cells cut short with "…".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bs4 import BeautifulSoup, Tag

__all__ = ["page_header_problems", "reader_page_problems"]

_SCIENTIFIC = re.compile(r"(?<![\w.])[-+−]?\d+(?:\.\d+)?[eE][-+−]?\d+(?![\w.])")
_NUMBER = re.compile(r"^[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_WHOLE_WITH_DECIMALS = re.compile(r"^[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)\.0+$")
_REPR = re.compile(
    r"\b[A-Z][A-Za-z0-9]*\((?:[a-z_][a-z0-9_]*=|\))"  # LoyaltyWorld(n=3) or Thing()
    r"|<[\w.]+ object at 0x[0-9a-f]+>"  # <crmlab.x.Y object at 0x7f...>
    r"|\b(?:np|numpy|pd)\.\w+\("  # np.float64(0.5)
    r"|\b(?:array|Timestamp|Timedelta|Decimal|Interval|Period)\("  # array([1, 2]), Timestamp('...')
    r"|\bdtype[:=]"
)
_MISSING = {"NaN", "nan", "NaT", "<NA>", "None", "null"}
_SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
#: The kinds of table problems, in the order they are reported for a column.
_KINDS = (
    "column header in snake_case",
    "whole numbers written with decimals",
    "scientific notation",
    "raw Python value",
    "missing value shown as a Python value",
    "cut short",
)


def _text(tag: Tag) -> str:
    return " ".join(tag.get_text(" ", strip=True).split())


def _header_grid(table: Tag) -> list[list[str]]:
    """The header rows of a table as a grid of texts, with ``colspan`` expanded."""
    rows = table.select("thead tr") if table.find("thead") else []
    grid = []
    for row in rows:
        cells: list[str] = []
        for cell in row.find_all(["th", "td"], recursive=False):
            span = int(cell.get("colspan", 1) or 1)
            cells.extend([_text(cell)] * span)
        grid.append(cells)
    return grid


def _column_names(table: Tag) -> list[str]:
    """Each column's name: the lowest non-empty header text above it."""
    grid = _header_grid(table)
    width = max((len(row) for row in grid), default=0)
    names = []
    for i in range(width):
        texts = [row[i] for row in grid if i < len(row) and row[i]]
        names.append(texts[-1] if texts else "")
    return names


def _section(table: Tag) -> str:
    heading = table.find_previous(["h1", "h2", "h3"])
    if heading is None:
        return ""
    return _text(heading).rstrip("¶").strip()


def _tables(soup: BeautifulSoup) -> Iterable[Tag]:
    for table in soup.find_all("table"):
        if table.find_parent(class_="crmlab-page-header") is None:
            yield table


def reader_page_problems(html: str) -> list[str]:
    """What a reader would stumble on in the tables of a page; ``[]`` when they read well.

    Each table's cells are checked for numbers in scientific notation
    (``1.2e-05``), raw Python values (``LoyaltyWorld(n=3)``, ``array(``,
    ``np.float64(``, ``<... object at 0x...>``, ``NaN``, ``None``) and text cut
    short with "…" or "..."; each column for whole numbers all written with
    decimals (counts shown as ``12.000``); each column header for snake_case
    (``n_customers``: a variable name, not a label). One message per table,
    column and kind of problem, naming the table (its number on the page and
    the section it is in), the column and the first offending value.

    >>> page = ('<h2>Fit</h2><table><thead><tr><th></th><th>n_customers</th><th>p</th></tr></thead>'
    ...         '<tbody><tr><th>0</th><td>12.000</td><td>1.2e-05</td></tr></tbody></table>')
    >>> for problem in reader_page_problems(page): print(problem)
    table 1 (section 'Fit'), column 'n_customers': column header in snake_case
    table 1 (section 'Fit'), column 'n_customers': whole numbers written with decimals ('12.000')
    table 1 (section 'Fit'), column 'p': scientific notation ('1.2e-05')
    >>> reader_page_problems('<table><tr><th>Customers</th></tr><tr><td>2,357</td></tr></table>')
    []
    """
    soup = BeautifulSoup(html, "html.parser")
    problems: list[str] = []
    for number, table in enumerate(_tables(soup), start=1):
        section = _section(table)
        where = f"table {number}" + (f" (section {section!r})" if section else "")
        names = _column_names(table)
        found: dict[tuple[str, str], str] = {}

        def note(column: str, kind: str, value: str) -> None:
            found.setdefault((column, kind), value)

        for name in names:
            if _SNAKE_CASE.match(name):
                note(name, "column header in snake_case", "")
        numeric: dict[int, list[str]] = {}
        body_rows = table.select("tbody tr") if table.find("tbody") else table.find_all("tr")[1:]
        for row in body_rows:
            for i, cell in enumerate(row.find_all(["th", "td"], recursive=False)):
                text = _text(cell)
                column = names[i] if i < len(names) and names[i] else f"#{i + 1}"
                if _SCIENTIFIC.search(text):
                    note(column, "scientific notation", _SCIENTIFIC.search(text).group(0))
                if _REPR.search(text):
                    note(column, "raw Python value", text)
                elif text in _MISSING:
                    note(column, "missing value shown as a Python value", text)
                if text in ("…", "...") or text.endswith(("…", "...")):
                    note(column, "cut short", text)
                if cell.name == "td" and _NUMBER.match(text):
                    numeric.setdefault(i, []).append(text)
        for i, values in numeric.items():
            if values and all(_WHOLE_WITH_DECIMALS.match(v) for v in values):
                column = names[i] if i < len(names) and names[i] else f"#{i + 1}"
                note(column, "whole numbers written with decimals", values[0])
        columns = list(dict.fromkeys([*names, *(column for column, _ in found)]))
        for (column, kind), value in sorted(found.items(), key=lambda item: (columns.index(item[0][0]), _KINDS.index(item[0][1]))):
            problems.append(f"{where}, column {column!r}: {kind}" + (f" ({value!r})" if value else ""))
    return problems


def page_header_problems(html: str, *, title: str | None = None, index_href: str = "../index.html") -> list[str]:
    """What is missing from a report page's header; ``[]`` when it is complete.

    Checks a non-empty ``<title>`` (equal to ``title`` when given: the run's
    description), a ``<header class="crmlab-page-header">`` with a link to
    ``index_href``, the data source, the parameters, the date run and the
    software version, and a table of contents listing every h2/h3 heading of
    the notebook whose links all reach an element of the page.

    >>> page_header_problems("<html><head><title></title></head><body><h2 id='a'>A</h2></body></html>")
    ['the page has no <title>', 'no page header (<header class="crmlab-page-header">)']
    """
    soup = BeautifulSoup(html, "html.parser")
    problems = []
    page_title = soup.title.get_text(strip=True) if soup.title else ""
    if not page_title:
        problems.append("the page has no <title>")
    elif title is not None and page_title != title:
        problems.append(f"the <title> is {page_title!r}, not the run's description {title!r}")
    header = soup.find("header", class_="crmlab-page-header")
    if header is None:
        return problems + ['no page header (<header class="crmlab-page-header">)']
    if not header.find("a", href=index_href):
        problems.append(f"no link back to the index ({index_href})")
    facts = {_text(dt) for dt in header.select("dl.crmlab-facts > dt")}
    for label, what in (("Data", "the data source"), ("Parameters", "the parameters"),
                        ("Run", "the date run"), ("Software", "the crmlab version and commit")):
        if label not in facts:
            problems.append(f"the header does not show {what}")
    ids = {str(tag["id"]) for tag in soup.find_all(id=True)}
    links = [str(a["href"])[1:] for a in header.select("nav.crmlab-toc a[href^='#']")]
    for target in links:
        if target not in ids:
            problems.append(f"the table of contents links to #{target}, which is not on the page")
    headings = [str(h["id"]) for h in soup.select(".jp-RenderedMarkdown h2[id], .jp-RenderedMarkdown h3[id]")]
    missing = [h for h in headings if h not in links]
    if missing:
        problems.append(f"the table of contents leaves out {', '.join('#' + h for h in missing)}")
    return problems
