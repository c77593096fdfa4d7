"""The customer-base and customer-value pages: generated sentences that follow their numbers, titles chosen
by the data source, the README's own-data command, and parameters that cannot become live HTML.

What each test checks against is said in it: small frames built by hand where the answer flips (the
sentence must flip with it), the frames' own numbers recomputed here with NumPy/pandas, closed forms
(steady state A / c, the retention CLV), the README's command run as written, and the HTML pages
parsed with an independent parser (BeautifulSoup).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from crmlab.clv import MarkovCLV
from crmlab.customers import retention_rate
from crmlab.clv import churn_scenario_summary
from crmlab.customers.projection import pooled_retention_curve
from crmlab.data import load_transactions, simulate_transactions
from crmlab.display import customers as base
from crmlab.display import value as say

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "<img src=x onerror=alert(4)>"


def _percents(text: str) -> list[float]:
    return [float(v) / 100 for v in re.findall(r"(-?[\d.]+)%", text)]


# ----- the customer base ------------------------------------------------------------------------


def _rates(crr: list[float]) -> pd.DataFrame:
    S = [0] + [100] * len(crr)
    E = [100] + [round(100 * c) for c in crr]
    return pd.DataFrame({"period": [f"2024-{m:02d}" for m in range(1, len(crr) + 2)], "S": S,
                         "N": [100] + [0] * len(crr), "E": E, "retention_rate": [np.nan, *[e / 100 for e in E[1:]]]})


def test_retention_sentence_counts_the_periods_above_100_percent_and_flips_without_them():
    # Hand-built frames: two months above 100% (reactivations), then none.
    with_returns = base.retention_sentences(_rates([0.8, 1.1, 0.9, 1.3])).plain
    assert "In 2 months (2024-03 and 2024-05) CRR is above 100%" in with_returns
    assert "came back" in with_returns
    without = base.retention_sentences(_rates([0.8, 0.9, 0.7])).plain
    assert "CRR stays below 100% in every month" in without and "above 100%" not in without


def test_retention_sentence_states_the_numbers_of_the_cdnow_frame():
    # Recomputed with pandas from the frame the page shows: pooled CRR Σ(E − N)/ΣS, extremes, months > 100%.
    rates = retention_rate(load_transactions("cdnow"), freq="M")
    text = base.retention_sentences(rates).plain
    valid = rates.dropna(subset=["retention_rate"])
    pooled = (valid["E"] - valid["N"]).sum() / valid["S"].sum()
    assert f"{100 * pooled:.1f}%" in text
    assert f"{100 * valid['retention_rate'].max():.1f}% in {valid.loc[valid['retention_rate'].idxmax(), 'period']}" in text
    above = int((valid["retention_rate"] > 1).sum())
    assert above > 0 and f"In {above} months" in text


@pytest.mark.parametrize(("late", "word"), [(0.30, "more often than"), (0.10, "less often than"),
                                            (0.205, "about as often as")])
def test_cohort_sentence_follows_which_cohort_buys_again_more(late, word):
    # Hand-built cohorts: the latest cohort's first-period retention above, below or within 1 point of 20%.
    cohorts = pd.DataFrame({"cohort": ["a", "a", "b", "b"], "period_number": [0, 1, 0, 1],
                            "cohort_size": [100, 100, 200, 200], "n_active": [100, 20, 200, round(200 * late)],
                            "retention": [1.0, 0.2, 1.0, round(200 * late) / 200]})
    pooled = pooled_retention_curve(cohorts)
    text = base.cohort_sentences(cohorts, pooled).plain
    assert word in text
    # the pooled share is Σ active / Σ size, computed by hand
    assert f"{100 * (20 + round(200 * late)) / 300:.1f}% bought again 1 month after acquisition" in text


def test_pooled_retention_is_the_size_weighted_mean_of_the_cohorts():
    # Second implementation: numpy's weighted average of the cohorts' retention, by cohort size.
    cohorts = pd.DataFrame({"cohort": ["a"] * 3 + ["b"] * 2, "period_number": [0, 1, 2, 0, 1],
                            "cohort_size": [10, 10, 10, 1000, 1000], "n_active": [10, 9, 5, 1000, 100],
                            "retention": [1.0, 0.9, 0.5, 1.0, 0.1]})
    pooled = pooled_retention_curve(cohorts).set_index("period_number")["retention"]
    assert pooled[1] == pytest.approx(np.average([0.9, 0.1], weights=[10, 1000]))
    assert pooled[2] == pytest.approx(0.5) and 0 not in pooled.index


@pytest.mark.parametrize(("cv", "mean", "word", "tail"), [(1.6, 80.0, "more irregular than", "long tail"),
                                                          (0.5, 30.0, "more regular than", "quick repeat"),
                                                          (1.05, 41.0, "about as irregular as", "close to")])
def test_interpurchase_sentence_compares_cv_with_a_poisson_process_and_mean_with_median(cv, mean, word, tail):
    # Hand-built one-row frames around CV = 1 (a Poisson process) and mean = median = 40.
    row = pd.DataFrame({"n_gaps": [50], "n_customers": [20], "mean": [mean], "median": [40.0], "cv": [cv], "p90": [99.0]})
    text = base.interpurchase_sentence(row).plain
    assert word in text and tail in text


def test_interpurchase_times_read_the_same_in_the_table_the_sentence_and_the_legend():
    # Hand-built row with whole-day statistics (a median of 34 days): the table, the sentence and the figure's
    # legend all write 34 (whole numbers without decimals, as the page check wants; a standard deviation of 102.96
    # is 103) and 70.9, never "34" beside "34.0 days".
    from crmlab.plots import plot_interpurchase_histogram

    row = pd.DataFrame({"n_gaps": [50], "n_customers": [20], "mean": [70.9], "median": [34.0], "sd": [102.96],
                        "cv": [1.29], "p10": [4.0], "p90": [196.0]})
    html = base.interpurchase_table(row, unit="D")._repr_html_()
    text = base.interpurchase_sentence(row, unit="D").plain
    for shown in ["34", "196", "70.9"]:
        assert f">{shown}</td>" in html and f"{shown} days" in text
    assert "34.0" not in html + text
    assert ">103</td>" in html  # 102.96 rounds to a whole number at one decimal: no "103.0" (the page check)
    gaps = pd.DataFrame({"ipt": np.arange(1.0, 200.0)})
    legend = [t.get_text() for t in plot_interpurchase_histogram(gaps, row).axes[0].get_legend().get_texts()]
    assert legend == ["mean 70.9 days", "median 34 days"]


def test_churn_scenario_sentence_follows_the_closed_forms_whatever_the_order():
    # Closed forms: N_10 = A(1 − (1 − c)^10)/c, steady state A/c, CLV m·r/(1 + d − r).
    for order in ({"low": 0.05, "high": 0.2}, {"high": 0.2, "low": 0.05}):
        summary = churn_scenario_summary(1000, order, 10, margin=100, discount_rate=0.1)
        text = base.churn_scenario_sentences(summary, periods=10).plain
        low, high = 1000 * (1 - 0.95**10) / 0.05, 1000 * (1 - 0.8**10) / 0.2
        assert f"the firm with 5% churn has {low:,.0f}" in text and f"20% churn {high:,.0f}" in text
        assert "20,000 and 5,000 customers (4.0 times as many)" in text
        assert f"${100 * 0.95 / 0.15:,.2f} to the first" in text


def test_planted_truth_sentence_sets_alive_against_active():
    # Hand-built worlds: alive customers outnumber the last month's buyers, then not.
    alive = pd.DataFrame({"alive_at_end": [True] * 8 + [False] * 2})
    rates = pd.DataFrame({"period": ["2021-12"], "S": [5], "N": [0], "E": [3], "retention_rate": [0.6]})
    assert "but only 3 (30.0%)" in base.alive_sentence(alive, rates).plain
    rates["E"] = 9
    assert "but only" not in base.alive_sentence(alive, rates).plain


def test_the_title_and_data_sentence_are_chosen_by_the_source():
    overview = base.base_overview(pd.DataFrame({"customer_id": ["a"], "amount": [1.0],
                                                "date": pd.to_datetime(["2024-01-01"])}), "2024-02-01")
    assert "of CDNOW" in base.report_title("cdnow", "The customer base", "x").plain
    titles = [base.report_title(s, "The customer base", "x").plain for s in ("synthetic", "data/my orders.csv")]
    assert "CDNOW" not in " ".join(titles) and "my orders.csv" in titles[1]
    assert "CDNOW" not in base.data_sentence("shop.csv", overview).plain
    assert "Fader, Hardie & Lee" in base.data_sentence("cdnow", overview).plain


# ----- the value of the customer ---------------------------------------------------------------------


def _holdout(forecasts: dict[str, list[float]]) -> pd.DataFrame:
    actual = [0.2, 1.0]
    n = [80, 20]
    rows = {"frequency": ["0", "1", "all"], "n_customers": [*n, 100],
            "actual": [*actual, np.average(actual, weights=n)]}
    for name, values in forecasts.items():
        rows[name] = [*values, np.average(values, weights=n)]
    return pd.DataFrame(rows)


def test_model_choice_sentence_follows_aic_and_the_holdout_errors():
    # Hand-built comparisons: the AIC winner and the holdout winner each flip; equal errors tie.
    comparison = pd.DataFrame({"model": ["BG/NBD", "Pareto/NBD"], "AIC": [100.0, 130.0]})
    text = say.model_choice_sentences(comparison, _holdout({"BG/NBD": [0.25, 0.9], "Pareto/NBD": [0.4, 0.6]})).plain
    assert text.startswith("By AIC the BG/NBD fits") and "essentially no support" in text
    assert "the BG/NBD forecasts best" in text
    comparison["AIC"] = [101.5, 100.0]
    text = say.model_choice_sentences(comparison, _holdout({"BG/NBD": [0.4, 0.6], "Pareto/NBD": [0.25, 0.9]})).plain
    assert text.startswith("By AIC the Pareto/NBD fits") and "ΔAIC 1.5, substantial support" in text
    assert "the Pareto/NBD forecasts best" in text
    text = say.model_choice_sentences(comparison, _holdout({"BG/NBD": [0.25, 1.0], "Pareto/NBD": [0.15, 1.0]})).plain
    assert "about equally well" in text


def test_holdout_errors_are_the_customer_weighted_mean_absolute_errors():
    # Recomputed by hand: |0.25 − 0.2|·80 + |0.9 − 1.0|·20 over 100 customers = 0.06.
    errors = say.holdout_errors(_holdout({"m": [0.25, 0.9]}))
    assert errors.loc[0, "mae"] == pytest.approx(0.06)
    assert errors.loc[0, "relative_error"] == pytest.approx(0.38 / 0.36 - 1)


def test_concentration_sentence_states_the_top_share_of_the_values():
    # Recomputed with numpy: the top 10% of 1,000 seeded lognormal values and their share of the total.
    values = pd.Series(np.random.default_rng(3).lognormal(1.0, 1.5, 1000))
    summary = say.clv_summary(values)
    top = np.sort(values.to_numpy())[::-1][:100].sum() / values.sum()
    text = say.concentration_sentence(summary).plain
    assert f"hold {100 * top:.1f}% of it" in text and "value is concentrated" in text
    assert f"the median one ${np.median(values):,.2f}" in text
    even = say.concentration_sentence(say.clv_summary(pd.Series(np.full(50, 3.0)))).plain
    assert "spread evenly" in even and "concentrated" not in even


def test_channel_sentence_says_pays_only_when_the_interval_says_so():
    # Hand-built channel tables: net value intervals above 0, below 0 and across 0.
    channels = pd.DataFrame({"channel": ["referral", "search", "social"], "mean_clv": [20.0, 13.0, 7.0],
                             "acquisition_cost": [6.0, 12.0, 9.0], "net_value_low": [10.0, -1.0, -3.0],
                             "net_value_high": [18.0, 3.0, -0.5], "ltv_cac": [20 / 6, 13 / 12, 7 / 9]})
    text = say.channel_sentences(channels).plain
    assert "Referral pays" in text and "search cannot be told apart" in text and "social does not pay" in text
    assert "LTV/CAC: referral 3.33, search 1.08, social 0.78" in text
    assert text.startswith("Referral brings the most valuable customers (mean CLV $20.00) and social the least")


def test_channel_sentence_groups_channels_with_the_same_verdict():
    # Hand-built channel tables: two channels whose intervals lie above 0 share one "pay" clause, two whose
    # intervals cross 0 share one "cannot be told apart" clause; a lone channel keeps the singular.
    channels = pd.DataFrame({"channel": ["referral", "search", "social", "tv"], "mean_clv": [20.0, 18.0, 10.0, 9.0],
                             "acquisition_cost": [6.0, 5.0, 9.0, 8.0], "net_value_low": [10.0, 9.0, -1.0, -2.0],
                             "net_value_high": [18.0, 17.0, 3.0, 4.0], "ltv_cac": [20 / 6, 18 / 5, 10 / 9, 9 / 8]})
    text = say.channel_sentences(channels).plain
    assert ("Referral and search pay (their customers are worth more than they cost, with 95% confidence); "
            "social and tv cannot be told apart from break-even.") in text
    assert text.count("with 95% confidence") == 1 and text.count("break-even") == 1
    channels["net_value_high"] = [18.0, 17.0, -0.5, -0.1]
    text = say.channel_sentences(channels).plain
    assert "social and tv do not pay (their customers are worth less than they cost" in text
    channels["net_value_low"] = [10.0, -1.0, -3.0, -3.0]
    assert "Referral pays (its customers" in say.channel_sentences(channels).plain
    channels[["net_value_low", "net_value_high"]] = [[1.0, 9.0]] * 4
    assert say.channel_sentences(channels).plain.endswith(
        "All 4 channels pay (their customers are worth more than they cost, with 95% confidence).")
    channels["net_value_low"] = -1.0
    assert say.channel_sentences(channels).plain.endswith("None of the 4 channels can be told apart from break-even.")


def test_concentration_multiple_is_the_printed_ratio_to_one_decimal():
    # Hand-worked: the top 10% (1 of 10) holding 55.6% of the value is 5.6 times their share, not "six times";
    # holding exactly 50% is five times.
    values = pd.Series([55.6, 44.4 / 9 * 1.0, *([44.4 / 9] * 8)])
    text = say.concentration_sentence(say.clv_summary(values)).plain
    assert "hold 55.6% of it, 5.6 times their share" in text and "six times" not in text
    exact = say.concentration_sentence(say.clv_summary(pd.Series([10.0, *([10 / 9] * 9)]))).plain
    assert "hold 50.0% of it, five times their share" in exact


def test_reference_sentence_names_every_miss_by_model_and_channel():
    # Hand-built per-channel table: the misses in the search channel are all named, grouped, and the furthest
    # (by |planted − estimate| / se) is named with its channel; with one more miss elsewhere that model appears too.
    table = pd.DataFrame({"model": ["BG/NBD, search"] * 3 + ["BG/NBD, social"] * 2,
                          "parameter": ["r", "a", "b", "r", "a"], "estimate": [0.272, 0.473, 1.375, 0.24, 0.8],
                          "se": [0.012, 0.078, 0.297, 0.01, 0.1], "planted": [0.243, 0.793, 2.426, 0.243, 0.793],
                          "inside_ci": [False, False, False, True, True]})
    text = say.reference_sentence(table, "planted").plain
    assert "for 2 of 5 parameters (by chance alone about 0.2 of 5 would fall outside)" in text
    assert "outside it: BG/NBD's r, a and b for the search channel." in text
    assert "The furthest outside its interval is BG/NBD's a for the search channel (planted 0.793, estimated 0.473" in text
    table.loc[4, "inside_ci"] = False
    text = say.reference_sentence(table, "planted").plain
    assert "outside it: BG/NBD's r, a and b for the search channel and BG/NBD's a for the social channel." in text


def test_probability_alive_sentence_flips_with_the_matrix():
    # Hand-built matrices: P(alive) low after an early last purchase, then (implausibly) high.
    columns = pd.Index([1.0, 38.0], name="recency")
    gone = pd.DataFrame([[0.01, 0.95], [0.3, 0.9]], index=pd.Index([20, 1], name="frequency"), columns=columns)
    assert "probably gone" in say.probability_alive_sentence(gone).plain
    staying = pd.DataFrame([[0.95, 0.96], [0.9, 0.9]], index=gone.index, columns=columns)
    assert "recency makes little difference" in say.probability_alive_sentence(staying).plain


def test_published_estimates_are_matched_to_the_digits_printed():
    # The published CDNOW estimates (Fader, Hardie & Lee 2005a): an estimate that rounds to them agrees, one that
    # does not is named.
    table = pd.DataFrame({"model": ["BG/NBD"] * 2, "parameter": ["r", "α"], "estimate": [0.2426, 4.4136],
                          "se": [0.01, 0.4], "ci_low": [0.2, 3.6], "ci_high": [0.3, 5.2], "published": ["0.243", "4.414"]})
    assert "to every digit printed (2 of 2 parameters)" in say.reference_sentence(table, "published", printed=True).plain
    table.loc[1, "estimate"] = 4.4
    assert "differ for α of BG/NBD" in say.reference_sentence(table, "published", printed=True).plain
    assert say.published_reference("cdnow", "1997-09-30") is say.PUBLISHED_ESTIMATES
    assert say.published_reference("synthetic", "1997-09-30") is None


def test_planted_parameters_are_recovered_on_a_synthetic_world():
    # Ground truth: a seeded one-channel world with the CDNOW parameters; the BG/NBD fitted to it has the
    # planted values inside its 95% intervals, and the sentence counts them.
    from crmlab.clv import BetaGeo
    from crmlab.customers import transaction_summary

    world = simulate_transactions(3000, channels={"all": {"share": 1.0}}, rng=11)
    summary = transaction_summary(world.transactions, observation_end=world.end, freq="D", time_unit="W")
    truth = say.parameter_table({"BG/NBD, all": BetaGeo().fit(summary)}, say.planted_reference(world.channels),
                                "planted")
    assert truth["inside_ci"].all()
    assert "for 4 of 4 parameters." in say.reference_sentence(truth, "planted").plain


def test_markov_sentences_explain_negative_values_and_the_stop_policy():
    # Closed form: P&C recency chain with a marketing cost high enough to make lapsed states negative.
    P = [[0.3, 0.7, 0.0], [0.1, 0.0, 0.9], [0.02, 0.0, 0.98]]
    chain = MarkovCLV(P, [36, -4, -4], 0.03, states=["recency 1", "recency 2", "recency 3+"])
    values = say.markov_value_table(chain, 8)
    text = say.markov_sentences(values, horizon=8, transition_matrix=chain.transition_matrix).plain
    assert "worth less than nothing in 3 of 3 states" in text
    assert "stops marketing to recency 3+" in text and "buys again with probability 2.0%" in text
    assert f"worth ${values.loc[0, 'value_optimal']:,.2f} instead of -${-values.loc[0, 'value_marketed']:,.2f}" in text
    # Without a marketing cost nothing is negative and the policy markets everywhere.
    free = say.markov_value_table(MarkovCLV(P, [36, 0, 0], 0.03, states=list(values["state"])), 8)
    text = say.markov_sentences(free, horizon=8).plain
    assert "worth something in every state" in text and "markets in every state" in text


# ----- the pages: the README's own-data command, and hostile parameters ----------------------------------


def _orders(n: int = 200, seed: int = 5) -> pd.DataFrame:
    return simulate_transactions(n, acquisition_end="2020-06-30", rng=seed).transactions[["customer_id", "date", "amount"]]


def _readme_command() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running on your own data", 1)[1].split("\n## ", 1)[0]
    block = re.findall(r"```bash\n(.*?)```", section, re.S)[-1]
    return shlex.split(block.replace("\\\n", " "))


def _page_text(html: Path) -> BeautifulSoup:
    return BeautifulSoup(html.read_text(), "html.parser")


def _assert_inert(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], tag
    assert all(img.get("src", "").startswith("data:image/png") for img in soup.find_all("img"))


@pytest.mark.slow
def test_the_readme_own_data_command_runs_as_written(tmp_path):
    # The README's command, run verbatim in a copy of the project's layout (config, notebooks, the command's
    # .venv/bin/crmlab) with an orders file named and shaped as the README says.
    command = _readme_command()
    assert command[0] == ".venv/bin/crmlab" and "source=exports/orders.csv" in command
    (tmp_path / "exports").mkdir()
    orders = _orders().rename(columns={"customer_id": "CustomerID", "date": "InvoiceDate", "amount": "Revenue"})
    orders.to_csv(tmp_path / "exports" / "orders.csv", index=False)
    (tmp_path / "reports.toml").write_text((ROOT / "reports.toml").read_text())
    (tmp_path / "notebooks").symlink_to(ROOT / "notebooks")
    shim = tmp_path / ".venv" / "bin" / "crmlab"
    shim.parent.mkdir(parents=True)
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "from crmlab.cli import app; app()" "$@"\n')
    shim.chmod(0o755)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    soup = _page_text(tmp_path / "reports" / "customer_base_cdnow" / "customer_base_cdnow.html")
    title = soup.find("h1").get_text()
    assert "orders.csv" in title and "CDNOW" not in title
    assert "the file orders.csv" in soup.get_text() and "CustomerID → customer_id" in soup.get_text()


@pytest.mark.parametrize(("run", "overrides"), [
    ("customer_base_cdnow", {}),
    ("customer_value_cdnow", {"calibration_end": "", "observation_end": "", "n_customers": 300, "n_boot": 200}),
])
@pytest.mark.slow
def test_a_hostile_file_name_and_currency_stay_inert_on_the_page(tmp_path, run, overrides):
    # A file named like an HTML tag and a currency that is one: the page (parsed by BeautifulSoup) shows
    # them as text, with no element carrying an event handler and no image but the figures.
    from crmlab.reports import run_reports

    path = tmp_path / f"{HOSTILE}.csv"
    _orders().to_csv(path, index=False)
    results = run_reports(ROOT / "reports.toml", only=[run], output_dir=tmp_path / "out", progress=False, jobs=1,
                          overrides={"source": str(path), "currency": HOSTILE, **overrides})
    assert results[0].status == "succeeded", results[0].error
    soup = _page_text(tmp_path / "out" / run / f"{run}.html")
    _assert_inert(soup)
    assert HOSTILE in soup.find("h1").get_text()
    assert f"{HOSTILE}.csv" in soup.get_text()
    assert any(cell.get_text().endswith(f" {HOSTILE}") for cell in soup.find_all("td"))  # money in that "currency"


# ----- what a reader review found: each sentence and table follows its numbers ---------------------------


def _summary_with_one_time_buyers() -> pd.DataFrame:
    return pd.DataFrame({"frequency": [0, 0, 0, 1, 2, 5], "recency": [0.0, 0.0, 0.0, 3.0, 10.5, 20.25],
                         "T": [30.0] * 6, "monetary_value": [0.0, 0.0, 0.0, 12.0, 30.0, 48.0],
                         "total_spend": [5.0, 8.0, 9.0, 20.0, 70.0, 250.0]})


def test_monetary_value_is_described_over_the_repeat_buyers_only():
    # Fader & Hardie's convention: monetary value is undefined without a repeat purchase, so the table's mean,
    # minimum and median are NumPy's over the three repeat buyers, not over all six with $0.00 for the others.
    summary = _summary_with_one_time_buyers()
    shown = base.summary_distribution(summary, ["frequency", "monetary_value"]).set_index("statistic")
    repeat = np.array([12.0, 30.0, 48.0])
    assert shown.loc["Mean", "monetary_value"] == pytest.approx(repeat.mean())
    assert shown.loc["Minimum", "monetary_value"] == 12.0 and shown.loc["Median", "monetary_value"] == 30.0
    assert shown.loc["Mean", "frequency"] == pytest.approx(8 / 6)  # counts keep every customer
    table = base.summary_table(summary, ["frequency", "monetary_value"])
    assert "Monetary value, repeat buyers" in table.cells.columns
    assert table.caption == "Transaction summary of 6 customers (monetary value: the 3 with a repeat purchase)"
    # Flip: when every customer bought again, the repeat buyers are the whole base and the means agree.
    everyone = summary[summary["frequency"] > 0]
    both = base.summary_distribution(everyone, ["monetary_value"]).set_index("statistic")
    assert both.loc["Mean", "monetary_value"] == pytest.approx(everyone["monetary_value"].mean())


def test_counts_are_written_as_counts_with_observed_percentiles():
    # Hyndman & Fan (1996) definition 1, computed here by hand: the smallest value with at least q·n values at or
    # below it. Mean and standard deviation keep two decimals; recency and T one.
    summary = _summary_with_one_time_buyers()
    values = np.sort(summary["frequency"].to_numpy())
    by_hand = {q: values[int(np.ceil(q * len(values))) - 1] for q in (0.25, 0.5, 0.75, 0.9)}
    cells = base.summary_table(summary, ["frequency", "recency", "T"]).cells.set_index("Statistic")
    assert cells.loc["Median", "Frequency"] == str(by_hand[0.5]) and cells.loc["Maximum", "Frequency"] == "5"
    assert cells.loc["90th percentile", "Frequency"] == str(by_hand[0.9])
    assert cells.loc["Mean", "Frequency"] == "1.33" and "." not in cells.loc["25th percentile", "Frequency"]
    assert cells.loc["Maximum", "Recency (weeks)"] == "20.2" and cells.loc["Mean", "Age (T, weeks)"] == "30.0"


def test_planted_channel_sentence_gives_the_mean_dropout_probability_not_a_multiple_of_b():
    # Closed form E[p] = a/(a+b) of the default channels (b × 2 for referral moves 24.6% to 14.0%, not to half);
    # then a world where doubling b comes with a larger a, so the "referral" channel drops out most readily.
    from crmlab.data.simulate import CDNOW_PARAMS, default_channels

    def planted(channels: dict) -> pd.DataFrame:
        rows = [{"channel": name, "share": spec["share"], "n_customers": 10,
                 **{k: spec.get(k, CDNOW_PARAMS[k]) for k in ("r", "alpha", "a", "b", "p_spend", "q", "gamma")}}
                for name, spec in channels.items()]
        return base.planted_channel_table(pd.DataFrame(rows))

    text = base.planted_channel_sentence(planted(default_channels())).plain
    a, b = CDNOW_PARAMS["a"], CDNOW_PARAMS["b"]
    assert f"{100 * a / (a + 2 * b):.1f}%, {100 * a / (a + b):.1f}% and {100 * a / (a + b / 2):.1f}%" in text
    assert "half" not in text and "Referral customers buy most often and drop out least readily" in text
    flipped = default_channels()
    flipped["referral"]["a"] = 4.0  # E[p] = 4 / (4 + 4.852) = 45.2%, above social's 39.5%
    text = base.planted_channel_sentence(planted(flipped)).plain
    assert "referral customers drop out most readily" in text and "search customers drop out least readily" in text
    assert f"{100 * 4.0 / (4.0 + 2 * b):.1f}%" in text


def test_the_channel_comparison_says_which_world_it_is_on():
    # Hand-built customers of a world: the sentence names the separate world, its size, channels and dates when
    # the page's data are others, and the page's own customers (and calibration end) when they are the same.
    customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "channel": ["search", "social", "search", "referral"],
                              "first_purchase": pd.to_datetime(["2020-01-02", "2020-03-01", "2020-07-09", "2020-11-30"])})
    separate = say.channel_world_sentence(customers, observation_end="2021-12-31", data="CDNOW").plain
    assert "separate synthetic world" in separate and "None of its numbers come from CDNOW" in separate
    assert "4 customers acquired through 3 channels (referral, search and social) from 2020-01-02 to 2020-11-30" in separate
    own = say.channel_world_sentence(customers, observation_end="2021-12-31", calibration_end="2021-05-01").plain
    assert "This page's synthetic world" in own and "separate" not in own and "(to 2021-05-01)" in own
    channels = pd.DataFrame({"channel": ["referral", "social"], "mean_clv": [30.0, 8.0]})
    assert say.channel_sentences(channels, world="the separate synthetic world").plain.startswith(
        "In the separate synthetic world, referral brings")


def test_acquisition_sentence_says_when_every_customer_was_acquired_on_one_day():
    # Hand-built summaries: one acquisition day (T has no spread), then first purchases over a year.
    one_day = pd.DataFrame({"first_purchase": pd.to_datetime(["2020-01-01"] * 4), "T": [69.43] * 4})
    text = say.acquisition_sentence(one_day, calibration_end="2021-05-01").plain
    assert "All 4 customers made their first purchase on the same day, 2020-01-01" in text and "69.4 weeks" in text
    spread = one_day.assign(first_purchase=pd.to_datetime(["2020-01-01", "2020-04-01", "2020-08-01", "2020-12-31"]),
                            T=[69.43, 56.43, 39.0, 17.29])
    text = say.acquisition_sentence(spread, calibration_end="2021-05-01").plain
    assert "between 2020-01-01 and 2020-12-31" in text and "from 17.3 to 69.4 weeks" in text
    assert "same day" not in text


def test_parameter_intervals_are_log_scale_and_stay_positive():
    # The delta method by hand: se(ln θ) = se/θ, so the interval is exp(ln θ ± z·se/θ) with z from scipy. The
    # Pareto/NBD β on CDNOW (11.669, se 6.211) has a Wald low of -0.505; its log-scale interval is positive.
    from scipy.stats import norm

    class Fitted:
        summary = pd.DataFrame({"coef": [0.553, 11.669], "se(coef)": [0.048, 6.211]},
                               index=pd.Index(["r", "beta"], name="parameter"))

    table = say.parameter_table({"Pareto/NBD": Fitted()})
    z = norm.ppf(0.975)
    for row, (estimate, se) in zip(table.itertuples(), [(0.553, 0.048), (11.669, 6.211)], strict=True):
        assert row.ci_low == pytest.approx(np.exp(np.log(estimate) - z * se / estimate))
        assert row.ci_high == pytest.approx(np.exp(np.log(estimate) + z * se / estimate))
        assert 0 < row.ci_low < estimate < row.ci_high
    assert 11.669 - z * 6.211 < 0 < table.loc[1, "ci_low"]
    with pytest.raises(ValueError, match="positive estimate"):
        say.log_scale_interval(-1.0, 0.5)


def test_holdout_error_sentence_states_its_weighting_and_number():
    # Hand-built groups where the customer-weighted and the unweighted mean absolute errors differ (0.06 against
    # 0.075, recomputed with numpy): the sentence prints the weighted one and says it is weighted.
    holdout = _holdout({"BG/NBD": [0.25, 0.9], "Pareto/NBD": [0.4, 0.6]})
    text = say.model_choice_sentences(pd.DataFrame({"model": ["BG/NBD", "Pareto/NBD"], "AIC": [1.0, 2.0]}), holdout).plain
    weighted = np.average([0.05, 0.1], weights=[80, 20])
    assert "each weighted by its number of customers" in text
    assert f"best: {weighted:.3f} transactions per customer" in text and f"{np.mean([0.05, 0.1]):.3f}" not in text
    assert "against 0.240 for the Pareto/NBD" in text


def test_the_last_recency_state_does_not_overlap_the_one_before():
    # A customer who bought in the first quarter only, followed for six quarters by hand: recency 1, 2, 3, then
    # 4 or more quarters since the last purchase, "recency 4+", not a second "recency 3".
    from crmlab.clv import recency_states

    tx = pd.DataFrame({"customer_id": ["a"], "date": pd.to_datetime(["2020-01-15"])})
    panel = recency_states(tx, freq="Q", max_recency=3, observation_end="2021-06-30")
    assert panel["state"].tolist() == ["recency 1", "recency 2", "recency 3", "recency 4+", "recency 4+", "recency 4+"]
    assert panel.attrs["states"] == ["recency 1", "recency 2", "recency 3", "recency 4+"]


def test_the_synthetic_title_names_a_retailer_not_a_customer_base_twice():
    title = base.report_title("synthetic", "The customer base", "churn").plain
    assert title == "# The customer base of a synthetic retailer: churn"
    assert base.report_title("synthetic", "The value of the customers", "CLV").plain.count("customer base") == 0


def test_cohort_figures_name_their_periods_and_fit_their_labels():
    # A monthly world with 24 periods: the axes say months, and every cell label of the heatmap, the "100" of
    # period 0 included, leaves a margin in its cell, at most 90% of its width (measured by matplotlib's renderer;
    # at 9 points a "100%" of a 24-column heatmap filled 97.5% and touched the tick labels, and shrunk to fit it
    # read tiny beside the others). The cells hold numbers without "%" (the colour bar carries the unit), so all
    # keep one size.
    from crmlab.customers import cohort_retention
    from crmlab.plots import plot_cohort_heatmap, plot_cohort_retention_curves

    tx = simulate_transactions(600, acquisition_end="2020-12-31", rng=3).transactions
    cohorts = cohort_retention(tx, freq="M")
    fig = plot_cohort_heatmap(cohorts)
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("months since acquisition")
    n_columns = int(cohorts["period_number"].max()) + 1
    cell = ax.get_window_extent().width / n_columns
    assert n_columns == 24 and all(t.get_window_extent().width <= 0.9 * cell for t in ax.texts)
    assert {t.get_text() for t in ax.texts} >= {"100"} and not any("%" in t.get_text() for t in ax.texts)
    assert max(t.get_fontsize() for t in ax.texts) == min(t.get_fontsize() for t in ax.texts)  # the "100" too
    curves = plot_cohort_retention_curves(cohorts, pooled_retention_curve(cohorts))
    assert curves.axes[0].get_xlabel() == "months since acquisition"


def test_published_values_kept_as_printed_are_aligned_right():
    from crmlab.display import table

    frame = pd.DataFrame({"parameter": ["r", "α"], "published": ["0.243", "10.58"]})
    assert table(frame, align_right=["published"]).left == ("Parameter",)
    assert table(frame).left == ("Parameter", "Published")
