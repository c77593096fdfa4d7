"""The notebooks, executed end to end through the report pipeline on small parameters.

Checked against what a reader of the report must see: every configured run
succeeds on the bundled data, the HTML page shows figures and no code, and the
provenance names the data file read with its sha256 (computed here independently).
The execution (the ``executed`` fixture, with the small parameters) is in
``conftest.py``, shared with the page and browser tests.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from crmlab.data.cdnow import cdnow_path
from crmlab.reports import load_config

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "reports.toml"


def _page(out, name):
    return next(out.glob(f"*/{name}/{name}.html")).read_text()


def test_every_configured_run_succeeds(executed):
    out, results = executed
    names = [run.name for run in load_config(CONFIG).runs]
    assert sorted(r.name for r in results) == sorted(names)
    failed = {r.name: r.error for r in results if r.status != "succeeded"}
    assert not failed, failed
    index = "".join(p.read_text() for p in out.glob("*/index.html"))
    for name in names:
        assert name in index


#: How many figures each notebook's page shows at least.
FIGURES = {"01_customer_base.ipynb": 5, "02_customer_value.ipynb": 5, "03_relationship_lifecycle.ipynb": 2,
           "04_imp_networks.ipynb": 6,
           "05_nordic_triplet.ipynb": 2,
           "06_trust_commitment.ipynb": 1,
           "07_value_and_loyalty.ipynb": 7,
           "08_referrals_and_guanxi.ipynb": 8,
           "09_portfolio_and_kam.ipynb": 3, "10_relationship_audit.ipynb": 8,
           "11_relationship_quality_and_value.ipynb": 2,
           "12_satisfaction_and_loyalty.ipynb": 1}

#: A sentence of each notebook's narrative that its HTML page must show.
NARRATIVE = {
    "01_customer_base.ipynb": "CRR = (E − N) / S",
    "02_customer_value.ipynb": "The value of the customer, in short",
    "03_relationship_lifecycle.ipynb": "Reading the phases",
    "04_imp_networks.ipynb": "What the network view tells a relationship manager",
    "05_nordic_triplet.ipynb": "What the triplet tells a relationship manager",
    "06_trust_commitment.ipynb": "The rival model",
    "07_value_and_loyalty.ipynb": "What the plan tells a loyalty manager",
    "08_referrals_and_guanxi.ipynb": "What referrals and guanxi tell a relationship manager",
    "09_portfolio_and_kam.ipynb": "Reading the portfolio",
    "10_relationship_audit.ipynb": "For management",
    "11_relationship_quality_and_value.ipynb": "What relationship quality tells a relationship manager",
    "12_satisfaction_and_loyalty.ipynb": "From satisfaction to loyalty",
}


def test_html_pages_show_figures_and_hide_code(executed):
    out, results = executed
    notebooks = {run.name: run.notebook.name for run in load_config(CONFIG).runs}
    for r in results:
        page = _page(out, r.name)
        assert page.count("data:image/png;base64") >= FIGURES[notebooks[r.name]]
        assert "from crmlab" not in page  # code cells hidden
        assert NARRATIVE[notebooks[r.name]] in page  # narrative shown


def test_customer_value_report_reproduces_the_papers(executed):
    """The CDNOW value report shows the published BG/NBD, Pareto/NBD and Gamma-Gamma estimates (FHL 2005)."""
    out, _ = executed
    page = _page(out, "customer_value_cdnow")
    for text in ("0.243", "4.414", "0.793", "2.426", "10.58", "6.25", "3.74", "15.44"):  # the published digits
        assert text in page, text


def test_provenance_hashes_the_data_read(executed):
    out, _ = executed
    prov = json.loads(next(out.glob("*/customer_base_cdnow/provenance.json")).read_text())
    assert prov["status"] == "succeeded"
    digest = hashlib.sha256(cdnow_path(True).read_bytes()).hexdigest()
    assert digest in json.dumps(prov["data_files"])
    synthetic = json.loads(next(out.glob("*/customer_base_synthetic/provenance.json")).read_text())
    assert synthetic["parameters"]["n_customers"] == 300
