"""Report pages and the index, as a reader sees them.

Checked against something independent of the code under test:

- the citations table against the notebooks' own code (which simulator each
  notebook calls) and against the files the bundled loaders actually read
  (the data log of report provenance);
- the page checks against small hand-written HTML snippets with known problems;
- the page header against pages rendered from hand-made executed notebooks
  (no kernel), whose parameters, headings and provenance are known;
- the index against hand-made run folders and a config with areas;
- every page the notebooks produce on the tests' small parameters (the
  ``executed`` fixture of ``conftest.py``, shared with ``test_notebooks.py``):
  title, back link, header with source and parameters, table of contents and
  figures, and tables a reader can read (no scientific notation, no "N.000"
  counts, no snake_case headers, Python values or cut-short cells).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from crmlab.data import BUNDLED_SOURCES, load_transactions
from crmlab.data.citations import BUNDLED_DATASETS, COMPANION_WORLDS, SOURCE_PARAMETERS, SYNTHETIC_SOURCES
from crmlab.datasets import LOADER_WORLDS
from crmlab.datalog import ENV_VAR as DATA_LOG_ENV_VAR
from crmlab.datalog import read_data_log
from crmlab.reports import ConfigError, load_config
from crmlab.reports.checks import page_header_problems, reader_page_problems
from crmlab.reports.html import notebook_to_html
from crmlab.reports.index import write_index
from crmlab.reports.page import notebook_parameter_defaults, page_header
from crmlab.reports.provenance import write_provenance

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "reports.toml"
RUNS = {run.name: run for run in load_config(CONFIG).runs}
#: A 1×1 PNG, the figure of the hand-made notebooks.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

def _code(notebook: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def _parameters_cell(notebook: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    return next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))


# --- citations, against the notebooks' code and the files the loaders read ------------------------

#: Simulators a notebook may call that draw no data of the report (a Monte Carlo of strategies).
NOT_DATA = {"simulate_retention_strategies"}


@pytest.mark.parametrize("notebook", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_synthetic_world_a_notebook_draws_is_cited(notebook: Path) -> None:
    code = _code(notebook)
    called = set(re.findall(r"\b(simulate_\w+)\(", code)) - NOT_DATA
    defaults, _ = notebook_parameter_defaults(_parameters_cell(notebook))
    cited: set[str] = set()
    for (stem, parameter), worlds in SYNTHETIC_SOURCES.items():
        if stem == notebook.stem:
            assert parameter in defaults, f"{parameter} is not a parameter of {notebook.name}"
            cited |= set(worlds)
    for _, worlds in COMPANION_WORLDS.get(notebook.stem, ()):
        cited |= set(worlds)
    # Each cited world is drawn by the notebook, and each world it draws is cited (a loader of
    # crmlab.data draws its simulator for "synthetic", e.g. load_transactions simulate_transactions).
    # The worlds of the other loaders count as called (load_transactions's only for "synthetic", as before).
    called |= {world for loader, world in LOADER_WORLDS.items() if f"{loader}(" in code and loader != "load_transactions"}
    drawn = called | ({"simulate_transactions"} if "load_transactions(" in code else set())
    assert cited <= drawn, f"cited but not drawn by {notebook.name}: {cited - drawn}"
    assert called <= cited, f"drawn by {notebook.name} without a citation: {called - cited}"
    for parameter, value in defaults.items():
        if parameter in SOURCE_PARAMETERS and value == "synthetic":
            assert (notebook.stem, parameter) in SYNTHETIC_SOURCES, parameter


@pytest.mark.parametrize("source", [s for s in BUNDLED_SOURCES if s != "synthetic"])
def test_bundled_citation_names_the_file_the_loader_reads(source: str, tmp_path: Path, monkeypatch) -> None:
    """The files a bundled dataset's citation lists are the ones its loader opens (the data log of
    report provenance), and the dataset's README names the cited papers' authors and year."""
    citation = BUNDLED_DATASETS[source]
    log = tmp_path / "read.log"
    monkeypatch.setenv(DATA_LOG_ENV_VAR, str(log))
    load_transactions(source)
    assert [p.relative_to(ROOT).as_posix() for p in read_data_log(log)] == list(citation.files)
    readme = (ROOT / citation.files[0]).parent.joinpath("README.md").read_text()
    for reference in citation.references:
        first_author, year = reference.split(",")[0], re.search(r"\((\d{4})\)", reference).group(1)
        assert first_author in readme and year in readme, reference


# --- the table and header checks, on snippets with known problems ---------------------------------


def _table(header: list[str], *rows: list[str]) -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<h2>Results</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (_table(["p value"], ["1.530e-48"], ["0.02"]), "column 'p value': scientific notation ('1.530e-48')"),
        (_table(["p value"], ["3E+05"]), "scientific notation ('3E+05')"),
        (_table(["customers"], ["2357.0"], ["12.0"]), "column 'customers': whole numbers written with decimals ('2357.0')"),
        (_table(["customers"], ["2,357.000"]), "whole numbers written with decimals ('2,357.000')"),
        (_table(["world"], ["LoyaltyWorld(n_customers=3)"]), "column 'world': raw Python value"),
        (_table(["x"], ["np.float64(0.5)"]), "raw Python value"),
        (_table(["x"], ["&lt;crmlab.Model object at 0x7f3a&gt;"]), "raw Python value"),
        (_table(["rate"], ["NaN"], ["0.5"]), "column 'rate': missing value shown as a Python value ('NaN')"),
        (_table(["n_customers"], ["12"]), "column 'n_customers': column header in snake_case"),
        (_table(["definition"], ["share of revenue from accounts in the develop ..."]), "column 'definition': cut short"),
        (_table(["definition"], ["…"]), "cut short ('…')"),
    ],
)
def test_reader_page_problems_finds_each_kind(table: str, expected: str) -> None:
    problems = reader_page_problems(table)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("table 1 (section 'Results'), column ") for p in problems)


@pytest.mark.parametrize(
    "table",
    [
        _table(["Customers", "Share", "p value"], ["2,357", "12.5%", "0.0001"], ["12", "100.0%", "&lt; 0.001"]),
        _table(["Probability alive"], ["1.00"], ["0.95"]),  # a decimal column with one whole value
        _table(["Note"], ["e.g. 3e and 4e tiers; version 1.2.3"]),
        _table(["Period", "Customer base"], ["1997-01", "2,357"]),
    ],
)
def test_reader_page_problems_passes_readable_tables(table: str) -> None:
    assert reader_page_problems(table) == []


def test_reader_page_problems_names_columns_under_a_two_row_header() -> None:
    """pandas writes an index name in a second header row and MultiIndex columns with colspan."""
    html = (
        "<table><thead><tr><th></th><th colspan='2'>spend</th></tr>"
        "<tr><th>segment</th><th>mean</th><th>total_spend</th></tr></thead>"
        "<tbody><tr><th>a</th><td>1.5e+03</td><td>12.0</td></tr></tbody></table>"
    )
    assert reader_page_problems(html) == [
        "table 1, column 'mean': scientific notation ('1.5e+03')",
        "table 1, column 'total_spend': column header in snake_case",
        "table 1, column 'total_spend': whole numbers written with decimals ('12.0')",
    ]


def test_page_header_problems_names_what_is_missing() -> None:
    html = (
        "<html><head><title>A</title></head><body><header class='crmlab-page-header'>"
        "<dl class='crmlab-facts'><dt>Parameters</dt><dd></dd></dl>"
        "<nav class='crmlab-toc'><a href='#gone'>Gone</a></nav></header>"
        "<div class='jp-RenderedMarkdown'><h2 id='kept'>Kept</h2></div></body></html>"
    )
    assert page_header_problems(html, title="B") == [
        "the <title> is 'A', not the run's description 'B'",
        "no link back to the index (../index.html)",
        "the header does not show the data source",
        "the header does not show the date run",
        "the header does not show the crmlab version and commit",
        "the table of contents links to #gone, which is not on the page",
        "the table of contents leaves out #kept",
    ]


# --- the page header, on hand-made executed notebooks ---------------------------------------------


def _executed_notebook(path: Path, parameters: dict, *, headings: list[str], failed: bool = False) -> Path:
    """An executed notebook as papermill leaves it: a parameters cell with comments, the injected
    parameters, Markdown sections, and a figure and a table as outputs."""
    cells = [
        nbformat.v4.new_code_cell(
            'source = "cdnow"     # "cdnow", "synthetic" or a path\nseed = 42\nn_customers = 2000  # customers',
            metadata={"tags": ["parameters"]},
        ),
        nbformat.v4.new_code_cell(
            "\n".join(f"{k} = {v!r}" for k, v in parameters.items()), metadata={"tags": ["injected-parameters"]}
        ),
        nbformat.v4.new_markdown_cell("# The customer base\n\nIntro."),
    ]
    for heading in headings:
        cells.append(nbformat.v4.new_markdown_cell(f"{heading}\n\nText."))
        figure = nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})
        table = nbformat.v4.new_output(
            "execute_result", data={"text/html": "<table><tr><th>Customers</th></tr><tr><td>2,357</td></tr></table>"},
            execution_count=1,
        )
        cells.append(nbformat.v4.new_code_cell("plot()", outputs=[figure, table]))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["papermill"] = {"parameters": parameters, "input_path": "/somewhere/notebooks/01_customer_base.ipynb"}
    if failed:
        nb.cells[-1].outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="boom", traceback=[])]
    nbformat.write(nb, path)
    return path


def _provenance(parameters: dict, **extra) -> dict:
    return {
        "run": "customer_base_cdnow",
        "description": "Customer base of <CDNOW> & friends",
        "notebook": "notebooks/01_customer_base.ipynb",
        "parameters": parameters,
        "status": "succeeded",
        "error": None,
        "started": "2024-05-01T10:00:00.000+00:00",
        "duration_seconds": 12.5,
        "data_files": [],
        "versions": {"python": "3.11.7", "crmlab": "0.1.0", "pandas": "2.2.0"},
        "git": {"commit": "0123456789abcdef0123456789abcdef01234567", "dirty": True},
        **extra,
    }


HEADINGS = ["## Retention", "### Per period", "## Cohorts", '## The KMV model: H1–H13 and "quotes"']


def _render(tmp_path: Path, parameters: dict, **provenance) -> tuple[str, BeautifulSoup]:
    notebook = _executed_notebook(tmp_path / "run.ipynb", parameters, headings=HEADINGS)
    html = notebook_to_html(notebook, tmp_path / "run.html", provenance=_provenance(parameters, **provenance)).read_text()
    return html, BeautifulSoup(html, "html.parser")


def test_page_header_shows_title_source_parameters_run_and_contents(tmp_path: Path) -> None:
    sample = ROOT / "data" / "cdnow" / "CDNOW_sample.txt"
    sha = hashlib.sha256(sample.read_bytes()).hexdigest()
    files = [{"path": "data/cdnow/CDNOW_sample.txt", "in_project": True, "size": sample.stat().st_size, "sha256": sha}]
    html, soup = _render(tmp_path, {"source": "cdnow", "n_customers": 300}, data_files=files)
    assert page_header_problems(html, title="Customer base of <CDNOW> & friends") == []
    header = soup.find("header", class_="crmlab-page-header")
    text = " ".join(header.get_text(" ").split())
    assert "CDNOW, 1/10 sample" in text and "Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005)" in text
    assert "data/cdnow/CDNOW_sample.txt" in text and sha in text
    assert "2024-05-01 10:00:00 UTC, 12.5 s" in text
    assert "crmlab 0.1.0" in text and "0123456789ab" in text and "uncommitted changes" in text
    # The run's parameters unfolded, with the notebook's comment beside them; the defaults folded.
    shown = {dt.get_text(): dd.get_text(" ") for dt, dd in zip(header.select("dl.crmlab-params dt"), header.select("dl.crmlab-params dd"))}
    assert shown["n_customers"].startswith("300") and "customers" in shown["n_customers"]
    assert shown["source"].startswith("cdnow") and '"cdnow", "synthetic" or a path' in shown["source"]
    folded = header.find("details", class_="crmlab-fold")
    assert folded.find("code", string="seed") is not None and not folded.has_attr("open")
    # Contents: the h2 and h3 headings in order, nested, linking to ids that exist.
    toc = header.find("nav", class_="crmlab-toc")
    assert [a.get_text() for a in toc.find_all("a")] == ["Retention", "Per period", "Cohorts", 'The KMV model: H1–H13 and "quotes"']
    assert toc.select("ol > li > ol > li > a")[0].get_text() == "Per period"
    # One self-contained page: no script, nothing fetched from the network, no code.
    assert "<script" not in html and not re.search(r'(src|href)="https?://', html)
    assert "plot()" not in html


def test_page_header_names_a_users_file_and_a_synthetic_world(tmp_path: Path) -> None:
    files = [{"path": "orders.csv", "in_project": False, "size": 1_234_567, "sha256": "ab" * 32}]
    html, soup = _render(tmp_path, {"source": "exports/orders.csv"}, data_files=files)
    text = " ".join(soup.find("header").get_text(" ").split())
    assert "Your file exports/orders.csv" in text and "orders.csv · 1.2 MB · sha256 " + "ab" * 32 in text
    html, soup = _render(tmp_path, {"source": "synthetic", "seed": 7})
    text = " ".join(soup.find("header").get_text(" ").split())
    assert "Synthetic customer base (seed 7)" in text and "crmlab.data.simulate_transactions" in text


def test_page_header_cites_a_world_two_sources_share_once() -> None:
    html = page_header(title="t", run="r", notebook="notebooks/08_referrals_and_guanxi.ipynb",
                       parameters={"referrals_source": "synthetic", "adoptions_source": "synthetic", "seed": 3},
                       defaults={"ledger_source": "exports/favours.csv", "service_source": ""})
    text = " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())
    assert text.count("Synthetic referral market") == 1
    assert "Referral log and adoptions: Synthetic referral market (seed 3)" in text
    assert "Favour ledger: Your file exports/favours.csv" in text and "Service quality" not in text


def test_page_escapes_what_comes_from_parameters_and_data(tmp_path: Path) -> None:
    evil = '<img src=x onerror="alert(1)">'
    files = [{"path": "<b>bold</b>.csv", "in_project": False, "size": 10, "sha256": None}]
    html, soup = _render(tmp_path, {"source": evil, "columns": {evil: "customer_id"}}, data_files=files,
                         description="<script>alert(2)</script>")
    header = soup.find("header", class_="crmlab-page-header")
    assert header.find("img") is None and header.find("b") is None and soup.find("script") is None
    assert soup.title.get_text() == "<script>alert(2)</script>"
    assert evil in header.get_text() and "<b>bold</b>.csv" in header.get_text()


def test_page_of_a_failed_run_says_so(tmp_path: Path) -> None:
    error = {"ename": "DataError", "evalue": "exports/orders.csv: 1 problem", "traceback": ""}
    html, soup = _render(tmp_path, {"source": "cdnow"}, status="failed", error=error)
    failed = soup.find(class_="crmlab-failed")
    assert "This run failed: DataError: exports/orders.csv: 1 problem" in " ".join(failed.get_text(" ").split())


def test_page_without_provenance_shows_what_papermill_injected(tmp_path: Path) -> None:
    notebook = _executed_notebook(tmp_path / "customer_base_cdnow.ipynb", {"source": "synthetic"}, headings=HEADINGS)
    html = notebook_to_html(notebook, tmp_path / "page.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.title.get_text() == "customer_base_cdnow"
    assert "Synthetic customer base (seed 42)" in " ".join(soup.find("header").get_text(" ").split())
    assert page_header_problems(html) == [
        "the header does not show the date run",
        "the header does not show the crmlab version and commit",
    ]


# --- the index: areas, reading order, folded parameters, downloads, errors -------------------------

AREAS_TOML = """
[[run]]
name = "base"
notebook = "notebooks/good.ipynb"
description = "The base & its <churn>"
area = "customer_base"
[run.parameters]
source = "data/tiny.csv"

[[run]]
name = "broken"
notebook = "notebooks/good.ipynb"
description = "A run that fails"
area = "value"

[[run]]
name = "loose"
notebook = "notebooks/good.ipynb"

[[area]]
name = "value"
title = "The value of the customer"
description = "What a customer is worth."

[[area]]
name = "customer_base"
title = "The customer base"
description = "Start here: who <stays>."
"""


def _attempt(folder: Path, name: str, status: str, error: dict | None = None) -> None:
    folder.mkdir(parents=True)
    (folder / f"{name}.ipynb").write_text("{}")
    (folder / f"{name}.html").write_text("<html></html>")
    write_provenance(folder, {"run": name, "status": status, "started": "2024-01-02T00:00:00+00:00",
                              "duration_seconds": 75.0, "parameters": {"source": "data/tiny.csv", "seed": 1},
                              "error": error})


def test_index_groups_runs_by_area_in_reading_order(tmp_path: Path) -> None:
    (tmp_path / "reports.toml").write_text(AREAS_TOML)
    config, reports = load_config(tmp_path / "reports.toml"), tmp_path / "reports"
    _attempt(reports / "base", "base", "succeeded")
    traceback = "Traceback (most recent call last):\n  Cell In[3], line 2\nDataError: x.csv: 2 problems"
    error = {"ename": "DataError", "evalue": "x.csv: 2 problems\n  row 3, column 'amount': negative", "traceback": traceback}
    _attempt(reports / "broken.failed", "broken", "failed", error)
    soup = BeautifulSoup(write_index(config, reports).read_text(), "html.parser")

    assert "relationship-marketing research lab" in soup.find(class_="intro").get_text()
    order = [a.get_text() for a in soup.select("ol.reading-order a")]
    assert order == ["The value of the customer", "The customer base", "Other reports"]  # the [[area]] order
    sections = [(s.h2.get_text(), [li["id"] for li in s.select("li.run")]) for s in soup.select("section.area")]
    assert sections == [("The value of the customer", ["run-broken"]), ("The customer base", ["run-base"]),
                        ("Other reports", ["run-loose"])]
    assert soup.select_one("#area-customer_base + p.area-desc").get_text() == "Start here: who <stays>."

    base = soup.find(id="run-base")
    title = base.select_one("a.run-title")
    assert (title.get_text(), title["href"]) == ("The base & its <churn>", "base/base.html")
    assert "took 1 min 15 s" in base.get_text()
    notebook = base.find("a", href="base/base.ipynb")
    assert notebook.has_attr("download")  # offered as a download, not shown as raw JSON
    assert base.find("a", href="base/provenance.json").get_text() == "provenance.json"  # as the introduction says
    params = base.find("details", class_="params")
    assert not params.has_attr("open") and params.find("code", string="seed") is not None

    broken = soup.find(id="run-broken")
    assert broken.select_one(".badge").get_text() == "failed"
    assert broken.select_one(".error .what").get_text() == "DataError: x.csv: 2 problems\n  row 3, column 'amount': negative"
    assert broken.select_one(".error pre").get_text() == traceback  # line breaks kept
    assert broken.find("a", href="broken.failed/provenance.json") is not None
    loose = soup.find(id="run-loose")
    assert loose.select_one(".run-title").name == "span" and loose.select_one(".badge").get_text() == "never run"

    data = json.loads((reports / "index.json").read_text())
    assert [a["name"] for a in data["areas"]] == ["value", "customer_base"]
    assert {r["name"]: r["area"] for r in data["runs"]} == {"base": "customer_base", "broken": "value", "loose": None}
    assert {"generated", "config", "counts", "runs"} <= set(data)
    assert {"name", "notebook", "description", "status", "parameters", "latest", "last_success"} <= set(data["runs"][0])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('area = "value"', 'area = "valu"'), "run 'broken': unknown area 'valu'; declared areas: value, customer_base"),
        (('name = "customer_base"', 'name = "value"'), "duplicate area name 'value'"),
    ],
)
def test_config_checks_the_areas(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    (tmp_path / "reports.toml").write_text(AREAS_TOML.replace(*change))
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(tmp_path / "reports.toml")


def test_every_configured_run_has_a_declared_area() -> None:
    config = load_config(CONFIG)
    assert all(run.area for run in config.runs)
    assert all(area.description for area in config.areas)


# --- every page the notebooks produce, on the tests' small parameters ------------------------------


def _generated(executed, name: str) -> tuple[Path, str]:
    base, _ = executed
    page = base / "reports" / name / f"{name}.html"
    return page, page.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", RUNS)
def test_generated_page_has_title_back_link_header_and_contents(executed, name: str) -> None:
    page, html = _generated(executed, name)
    run = RUNS[name]
    assert page_header_problems(html, title=run.description) == []
    header = BeautifulSoup(html, "html.parser").find("header", class_="crmlab-page-header")
    names = {code.get_text() for code in header.select("dl.crmlab-params dt code")}
    assert set(run.parameters) <= names
    text = " ".join(header.get_text(" ").split())
    prov = json.loads((page.parent / "provenance.json").read_text())
    for entry in prov["data_files"]:  # each file read, with its sha256 computed here (files of the project)
        assert entry["path"] in text and entry["sha256"] in text
        if entry.get("in_project", True):
            assert hashlib.sha256((ROOT / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    values = {v for k, v in run.parameters.items() if k in SOURCE_PARAMETERS}
    for value in values & set(BUNDLED_DATASETS):  # the first author of the dataset's first reference
        assert BUNDLED_DATASETS[value].references[0].split(",")[0] in text
    if "synthetic" in values or name == "value_and_loyalty_synthetic":
        assert re.search(r"crmlab\.[\w.]+\.simulate_\w+", text) and f"(seed {run.parameters.get('seed', 42)})" in text


@pytest.mark.parametrize("name", RUNS)
def test_generated_page_shows_the_notebooks_figures(executed, name: str) -> None:
    page, html = _generated(executed, name)
    nb = nbformat.read(page.with_suffix(".ipynb"), as_version=4)
    draws = any("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    if draws:
        assert BeautifulSoup(html, "html.parser").select('img[src^="data:image/png;base64,"]')


@pytest.mark.parametrize("name", RUNS)
def test_generated_page_tables_read_well(executed, name: str) -> None:
    _, html = _generated(executed, name)
    assert reader_page_problems(html) == []


def test_generated_index_links_every_page_in_area_order(executed) -> None:
    base, _ = executed
    soup = BeautifulSoup((base / "reports" / "index.html").read_text(), "html.parser")
    config = load_config(CONFIG)
    listed = [li["id"][len("run-"):] for li in soup.select("section.area li.run")]
    expected = [run.name for area in config.areas for run in config.runs if run.area == area.name]
    assert listed == expected
    for name in RUNS:
        link = soup.select_one(f"#run-{name} a.run-title")
        assert link["href"] == f"{name}/{name}.html" and link.get_text() == RUNS[name].description
