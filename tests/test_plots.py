"""Figures draw what the result frames hold (checked against the input frames themselves)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from crmlab import plots
from crmlab.customers import (
    cohort_retention,
    compare_churn_scenarios,
    interpurchase_distribution,
    interpurchase_times,
    retention_rate,
)
from crmlab.customers.projection import pooled_retention_curve
from crmlab.display.value import clv_summary

TX = pd.DataFrame({
    "customer_id": ["a", "a", "a", "b", "b", "c"],
    "date": pd.to_datetime(["2021-01-05", "2021-02-03", "2021-04-01", "2021-02-10", "2021-03-01", "2021-03-15"]),
    "amount": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
})


def test_cohort_heatmap_cells_are_the_retention_values():
    cohorts = cohort_retention(TX, freq="M")
    fig = plots.plot_cohort_heatmap(cohorts)
    assert isinstance(fig, Figure)
    mesh = fig.axes[0].collections[0]
    drawn = np.ma.compressed(mesh.get_array())
    expected = cohorts.pivot(index="cohort", columns="period_number", values="retention").to_numpy().ravel()
    np.testing.assert_allclose(np.sort(drawn), np.sort(expected[~np.isnan(expected)]))


def test_retention_plot_keeps_rates_above_one_visible():
    rates = pd.DataFrame({"period": ["p1", "p2", "p3"], "retention_rate": [np.nan, 0.5, 1.3], "churn_rate": [np.nan, 0.5, -0.3]})
    ax = plots.plot_retention_rate(rates).axes[0]
    low, high = ax.get_ylim()
    assert high >= 1.3 and low <= -0.3
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.5, 1.3])


@pytest.mark.slow
def test_other_figures_draw_their_data():
    gaps = interpurchase_times(TX)
    ax = plots.plot_interpurchase_histogram(gaps, interpurchase_distribution(TX), clip_quantile=1.0).axes[0]
    assert sum(p.get_height() for p in ax.patches) == len(gaps)
    projection = compare_churn_scenarios(0, 100, {"5%": 0.05, "10%": 0.10}, 5)
    ax = plots.plot_base_projection(projection).axes[0]
    assert max(np.max(line.get_ydata()) for line in ax.lines if len(line.get_ydata())) == projection["customers_end"].max()
    assert isinstance(plots.plot_retention_rate(retention_rate(TX)), Figure)
    cohorts = cohort_retention(TX)
    assert isinstance(plots.plot_cohort_retention_curves(cohorts, pooled_retention_curve(cohorts)), Figure)


def test_every_figure_lives_in_its_area_module_and_is_exported_from_the_package():
    import importlib
    import pkgutil

    areas = [m.name for m in pkgutil.iter_modules(plots.__path__) if not m.name.startswith("_")]
    from_areas = {}
    for area in areas:
        module = importlib.import_module(f"crmlab.plots.{area}")
        for name in module.__all__:
            assert name not in from_areas, f"{name} in {area} and {from_areas[name]}"
            from_areas[name] = area
            assert getattr(plots, name) is getattr(module, name)
    assert sorted(from_areas) == sorted(plots.__all__)


@pytest.mark.slow
def test_importing_the_figures_does_not_import_seaborn_or_networkx():
    # A fresh interpreter, so that nothing imported by other tests counts.
    import os
    import subprocess
    import sys
    from pathlib import Path

    import crmlab

    source = str(Path(crmlab.__file__).parents[1])  # the crmlab under test, not another installed one
    code = "import sys, crmlab.plots; print(sorted(m for m in ('seaborn', 'networkx') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])})
    assert out.stdout.strip() == "[]"


def test_clv_histogram_marks_the_mean_and_median_of_all_values():
    # Checked against pandas' own mean and median, the top value left out of the bars only.
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 1000.0])
    ax = plots.plot_clv_distribution(values, clv_summary(values), clip_quantile=0.8).axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"mean {values.mean():,.2f}", f"median {values.median():,.2f}"]
    assert sum(p.get_height() for p in ax.patches) == 4
    # the summary's mean and median are what is drawn (the figure does not compute them)
    ax = plots.plot_clv_distribution(values, pd.DataFrame({"mean": [7.0], "median": [3.0]}), currency="€").axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["mean €7.00", "median €3.00"]
    assert [line.get_xdata()[0] for line in ax.lines] == [7.0, 3.0]
