"""Customer-base metrics over the canonical transactions table.

Every function takes transactions as a pandas or Polars DataFrame, a Polars
LazyFrame, or a CSV/Parquet path or glob (read with
:func:`crmlab.data.scan_transactions`, so bad data raises
:class:`crmlab.data.DataError`), computes in Polars (streaming), and returns a
tidy pandas DataFrame. Given a PySpark DataFrame, the same call computes in
Spark and collects only the result (:mod:`crmlab.customers.spark`); which
engine runs is decided in one place, :mod:`crmlab.customers.engines`.

- :func:`transaction_summary`: the per-customer RFM summary (frequency,
  recency, T, monetary value), with an optional calibration/holdout split;
- :func:`active_customers`, :func:`retention_rate`, :func:`churn_rate`,
  :func:`cohort_retention`, :func:`repeat_purchase_rate`: retention and churn;
- :func:`interpurchase_times`, :func:`interpurchase_summary`,
  :func:`interpurchase_distribution`: time between purchases;
- :data:`UNIT_DAYS`, :func:`check_unit`, :func:`check_freq`, :func:`as_day`
  and the period numbering of :mod:`crmlab.customers.periods`: what a day, a
  week and a month are, for every metric;
- :func:`project_customer_base`, :func:`compare_churn_scenarios`,
  :func:`customer_base_closed_form`, :func:`steady_state_base`: the size of the
  base under acquisition and churn.
"""

from typing import TYPE_CHECKING

from crmlab import lazy_exports

# Loaded on first use (crmlab.lazy_exports), so importing the package stays cheap.
if TYPE_CHECKING:
    from crmlab.customers.interpurchase import interpurchase_distribution, interpurchase_summary, interpurchase_times
    from crmlab.customers.periods import (
        FREQS,
        UNIT_DAYS,
        as_day,
        check_freq,
        check_unit,
        ordinal_start,
        period_ordinal,
        scalar_period,
        to_periods,
    )
    from crmlab.customers.projection import (
        compare_churn_scenarios,
        customer_base_closed_form,
        project_customer_base,
        steady_state_base,
    )
    from crmlab.customers.retention import active_customers, churn_rate, cohort_retention, repeat_purchase_rate, retention_rate
    from crmlab.customers.summary import transaction_summary

__getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "FREQS",
    "UNIT_DAYS",
    "active_customers",
    "as_day",
    "check_freq",
    "check_unit",
    "churn_rate",
    "cohort_retention",
    "compare_churn_scenarios",
    "customer_base_closed_form",
    "interpurchase_distribution",
    "interpurchase_summary",
    "interpurchase_times",
    "ordinal_start",
    "period_ordinal",
    "project_customer_base",
    "repeat_purchase_rate",
    "retention_rate",
    "scalar_period",
    "steady_state_base",
    "to_periods",
    "transaction_summary",
]
