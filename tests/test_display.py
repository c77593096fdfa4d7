"""The display layer: numbers, labels, reader tables and generated text as readers see them.

What each test checks against is said in it: hand-written strings that follow
the table conventions of a paper (APA 2020, §6.36, §6.40), the known size of
the CDNOW sample (2,357 customers, Fader, Hardie & Lee 2005), parsing the
formatted numbers back with Python's float parser, and parsing the HTML with an
independent HTML parser (BeautifulSoup), also after nbconvert has exported it
into a report page.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib as mpl
import nbformat
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from crmlab.data import DataError
from crmlab.display import (
    FIGURE_STYLE,
    Markdown,
    compare,
    escape_markdown,
    integer,
    join_list,
    label,
    markdown,
    money,
    number,
    p_value,
    percent,
    plural,
    rank_phrase,
    report_style,
    share,
    table,
)
from crmlab.reports.html import notebook_to_html

HOSTILE = "<img src=x onerror=alert(4)>"


def _parse(text: str) -> float:
    """A formatted number read back by Python's float parser (thousands separators and units removed)."""
    return float(text.replace(",", "").replace("%", "").replace("$", ""))


# ----- numbers ---------------------------------------------------------------------------------


def test_counts_shares_money_and_p_values_follow_the_table_conventions():
    # Hand-written expectations (APA 2020: separators, fixed decimals, "< 0.001").
    assert integer(2357.0) == "2,357" and integer(np.int64(23570)) == "23,570"
    assert percent(0.1) == "10.0%" and percent(0.98765, digits=2) == "98.77%" and percent(-0.0001) == "0.0%"
    assert money(1234.5) == "$1,234.50" and money(-3, unit="€") == "-€3.00" and money(5, unit="EUR") == "5.00 EUR"
    assert p_value(0.0009) == "< 0.001" and p_value(0.001) == "0.001" and p_value(0.04567) == "0.046"
    assert [integer(v) for v in (None, np.nan, pd.NA)] == ["–", "–", "–"]
    assert number(float("inf")) == "∞" and number(-0.0) == "0"


def test_numbers_are_never_in_scientific_notation_and_read_back_to_their_value():
    # 2,000 seeded values over 27 orders of magnitude, checked by Python's float parser:
    # the text holds no exponent and is the value to within half its last decimal.
    rng = np.random.default_rng(20240601)
    values = rng.choice([-1, 1], 2000) * 10.0 ** rng.uniform(-12, 15, 2000)
    for value in values:
        text = number(value)
        assert "e" not in text.lower(), text
        decimals = len(text.split(".")[1]) if "." in text else 0
        assert abs(_parse(text) - value) <= 0.5 * 10.0**-decimals * (1 + 1e-9) + abs(value) * 1e-15, (value, text)
        # three significant digits at least, so a small value never shows as 0
        assert _parse(text) != 0


def test_a_column_gets_one_number_of_decimals_chosen_by_its_magnitude():
    # The BG/NBD estimates of CDNOW as published (FHL 2005: r = 0.243, α = 4.414, a = 0.793, b = 2.426).
    assert number(pd.Series([0.2426, 4.4136, 0.7929, 2.4259])).tolist() == ["0.243", "4.414", "0.793", "2.426"]
    # Gamma-Gamma (p = 6.25, q = 3.74, γ = 15.44): two decimals.
    assert number(pd.Series([6.2502, 3.7443, 15.4434])).tolist() == ["6.25", "3.74", "15.44"]
    assert number(pd.Series([2357.0, 120.0])).tolist() == ["2,357", "120"]
    assert number([1.5, 2.25], digits=1) == ["1.5", "2.2"]


def test_a_value_that_is_not_a_number_is_a_data_error_naming_column_and_row():
    with pytest.raises(DataError) as err:
        percent(pd.Series([0.5, "high"], index=["a", "b"], name="repeat_share"))
    assert "row b" in str(err.value) and "repeat_share" in str(err.value) and "'high'" in str(err.value)
    with pytest.raises(DataError, match=r"outside \[0, 1\].*1\.5"):
        p_value(1.5)


# ----- labels ----------------------------------------------------------------------------------


def test_labels_name_the_constructs_and_fall_back_to_readable_words():
    assert [label(n) for n in ("customer_id", "p_alive", "clv", "crr", "t_x")] == [
        "Customer", "P(alive)", "CLV", "CRR", "Recency (t_x)"]
    assert label("mean_clv_per_customer") == "Mean CLV per customer"
    assert label("n_accounts") == "Accounts" and label("segment_id") == "Segment"
    assert label("ipt", unit="days") == "Interpurchase time (days)"
    assert label("Steady-state base") == "Steady-state base"


# ----- tables ----------------------------------------------------------------------------------


def _cells(html: str) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the first table in ``html``, read by an independent parser."""
    soup = BeautifulSoup(html, "html.parser").find("table")
    headers = [th.get_text() for th in soup.find("thead").find_all("th")]
    rows = [[td.get_text() for td in tr.find_all(["td", "th"])] for tr in soup.find("tbody").find_all("tr")]
    return headers, rows


def test_a_reader_table_shows_counts_shares_and_labels_without_the_index(cdnow_summary):
    repeaters = int((cdnow_summary["frequency"] > 0).sum())
    frame = pd.DataFrame({
        "n_customers": [float(len(cdnow_summary)), float(repeaters)],
        "repeat_share": [repeaters / len(cdnow_summary), 1.0],
        "mean_recency": [cdnow_summary["recency"].mean(), 1e-6],
        "p": [0.00001, 0.5],
    })
    html = table(frame).to_html()
    headers, rows = _cells(html)
    assert headers == ["Customers", "Repeat share", "Mean recency", "p"]  # no index column
    assert rows[0][0] == "2,357"  # the CDNOW sample size (FHL 2005), not "2357.000"
    assert rows[0][1] == f"{100 * repeaters / 2357:.1f}%" and rows[1][1] == "100.0%"
    assert rows[0][3] == "< 0.001"
    assert "e+" not in html and "e-0" not in html and "2357.0" not in html
    assert 'class="row_heading' not in html and "blank" not in html


def test_long_tables_keep_the_top_rows_and_count_the_rest():
    frame = pd.DataFrame({"customer_id": [f"c{k}" for k in range(120)], "clv": np.arange(120.0)[::-1]})
    shown = table(frame, money=["clv"], top=10, caption="Top customers by CLV")
    _, rows = _cells(shown.to_html())
    assert len(rows) == 10 and rows[0] == ["c0", "$119.00"]
    assert "110 more rows not shown (120 in all)." in shown.to_html()
    assert repr(shown).splitlines()[-1] == "110 more rows not shown (120 in all)."
    assert "more rows" not in table(frame, top=None).to_html() and len(_cells(table(frame, top=None).to_html())[1]) == 120


def test_definitions_are_never_cut_and_text_stays_text():
    definition = "share of customers who bought again within the calibration period, " * 3
    frame = pd.DataFrame({"indicator": ["repeat buyers"], "definition": [definition], "seen": [True]})
    shown = table(frame)
    assert definition in shown.to_html() and definition in repr(shown) and "…" not in shown.to_html()
    assert _cells(shown.to_html())[1][0][2] == "yes"


def _with_handlers(soup: BeautifulSoup) -> list:
    """The elements that carry an event handler (``onerror=…``): where a script would run."""
    return [tag for tag in soup.find_all(True) if any(a.startswith("on") for a in tag.attrs)]


def test_hostile_cells_headers_and_captions_come_out_inert():
    frame = pd.DataFrame({HOSTILE: [HOSTILE]})
    html = table(frame, caption=HOSTILE).to_html()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("img") is None and not _with_handlers(soup)
    assert soup.find("caption").get_text() == HOSTILE and soup.find("td").get_text() == HOSTILE


def test_the_plain_text_of_a_table_has_no_object_reprs_or_exponents():
    frame = pd.DataFrame({"segment": ["a", "b"], "clv": [1e7, 2e-5]})
    text = repr(table(frame))
    assert "e+" not in text and "e-" not in text and "<" not in text and "Table" not in text
    with pytest.raises(DataError, match="cannot be shown in a reader table"):
        table(pd.DataFrame({"world": [object()]}))


def test_kinds_can_be_set_by_column_and_by_row_and_bad_names_are_reported():
    card = pd.DataFrame({"indicator": ["customers", "repeat buyers", "median IPT"], "value": [2357.0, 0.4312, 30.5]})
    rows = _cells(table(card, row_kinds={"value": ["integer", "percent", "number"]}).to_html())[1]
    assert [r[1] for r in rows] == ["2,357", "43.1%", "30.5"]
    with pytest.raises(DataError, match="no such column"):
        table(card, percent=["share"])
    with pytest.raises(DataError, match="two kinds"):
        table(card, percent=["value"], money=["value"])


def test_a_meaningful_index_becomes_the_first_column(cdnow_summary):
    summary = cdnow_summary[["frequency", "recency"]].describe().T
    headers, rows = _cells(table(summary, row_labels=True).to_html())
    assert headers[:2] == ["", "Count"] and [r[0] for r in rows] == ["Frequency", "Recency"]
    assert rows[0][1] == "2,357"


def test_a_table_survives_the_report_export(tmp_path: Path):
    """The exported reader page (nbconvert, as the report pipeline runs it) keeps the formats and the escaping."""
    frame = pd.DataFrame({"segment": [HOSTILE, "b"], "n_customers": [2357, 12], "repeat_share": [0.1, 0.5]})
    outputs = []
    for shown in (table(frame, caption="Segments"),
                  markdown("**Company:** {company} pays {cost}", company=HOSTILE, cost=money(12.5))):
        outputs.append(nbformat.v4.new_output("display_data", data={"text/html": shown._repr_html_(),
                                                                     "text/plain": repr(shown)}))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("show()", outputs=outputs)])
    nbformat.write(nb, tmp_path / "page.ipynb")
    page = BeautifulSoup(notebook_to_html(tmp_path / "page.ipynb", tmp_path / "page.html").read_text("utf-8"),
                         "html.parser")
    body = page.find("body")
    assert body.find("img") is None and not _with_handlers(body)
    headers, rows = _cells(str(body))
    assert headers == ["Segment", "Customers", "Repeat share"] and rows[0] == [HOSTILE, "2,357", "10.0%"]
    assert "tex2jax_ignore" in body.find("table")["class"]
    assert body.find(string=re.compile(r"pays")).parent.find_next("span")["class"] == ["tex2jax_ignore",
                                                                                        "mathjax_ignore"]


# ----- text ------------------------------------------------------------------------------------


def test_markdown_values_are_escaped_and_the_template_is_kept():
    shown = markdown("## {company}\n\n**{n}** customers, *{rate:.0%}* kept", company=HOSTILE + " *x* [a](b)", n="1,2", rate=0.62)
    soup = BeautifulSoup(shown._repr_html_(), "html.parser")
    assert soup.find("img") is None and soup.find("a") is None and soup.find("em").get_text() == "62%"
    assert soup.find("h2").get_text() == HOSTILE + " *x* [a](b)"  # the value as text, nothing made of it
    assert repr(shown).startswith("## " + HOSTILE) and shown._repr_markdown_() == shown.text
    nested = markdown("{a} and {b}", a=Markdown("**bold**"), b="**not**")
    assert BeautifulSoup(nested._repr_html_(), "html.parser").find_all("strong")[0].get_text() == "bold"
    assert len(BeautifulSoup(nested._repr_html_(), "html.parser").find_all("strong")) == 1


def test_escaping_covers_html_markdown_line_breaks_and_dollars():
    assert escape_markdown("a\n\n# b") == r"a  \# b"
    assert escape_markdown("<script>") == "&lt;script&gt;"
    assert escape_markdown("$5 and $6").startswith('<span class="tex2jax_ignore mathjax_ignore">')


def test_sentences_agree_with_their_numbers():
    # Independent: the words follow from the comparison operators and the shares from the division.
    assert compare(0.31, 0.30) == "higher" and compare(0.29, 0.30) == "lower"
    assert compare(0.305, 0.30, tolerance=0.01) == "about the same"
    assert compare(104, 100, "grew", "shrank", "held", tolerance=0.05, relative=True) == "held"
    with pytest.raises(ValueError, match="missing"):
        compare(np.nan, 1)
    assert share(2357, 23570) == "2,357 of 23,570 (10.0%)"
    with pytest.raises(ValueError):
        share(3, 2)
    assert join_list(["a", "b", "c"]) == "a, b and c" and plural(1, "account") == "1 account"
    spells = pd.Series({"exploration": 2.5, "expansion": 6.04, "commitment": 4.1, "dissolution": np.nan})
    assert rank_phrase(spells, "longest", "mean spell", unit="periods") == "expansion has the longest mean spell (6.04 periods)"
    assert rank_phrase(spells, "shortest", "mean spell", largest=False, formatter=lambda v: f"{v:.0f}") == (
        "exploration has the shortest mean spell (2)")
    assert rank_phrase({"a": 0.5, "b": 0.5}, "largest", "share", formatter=percent) == "a and b have the largest share (50.0%)"


# ----- report style ----------------------------------------------------------------------------


def test_report_style_writes_no_scientific_notation_and_legible_figures():
    defaults = ("display.float_format", None, "display.max_colwidth", 50, "display.html.use_mathjax", True,
                "styler.html.mathjax", True)
    with mpl.rc_context(), pd.option_context(*defaults):
        report_style()
        frame = pd.DataFrame({"x": [0.0000123, 123456789.0], "text": ["y" * 80, "z"]})
        assert "e-" not in repr(frame) and "e+" not in repr(frame) and "y" * 80 in repr(frame)
        assert "tex2jax_ignore" in frame.to_html()
        assert mpl.rcParams["font.size"] == FIGURE_STYLE["font.size"]
        width_px = mpl.rcParams["figure.figsize"][0] * mpl.rcParams["figure.dpi"]
        assert 800 <= width_px <= 1280  # fits a 1,280-pixel page without being scaled down
