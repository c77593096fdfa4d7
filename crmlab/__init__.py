"""crmlab: relationship-marketing theories and CRM metrics as tested, executable models.

The package is organised the way data flows (see README):

- :mod:`crmlab.data` reads and validates transactions, ships the bundled
  datasets (CDNOW) and simulates synthetic customer bases with known truth;
- :mod:`crmlab.customers` computes customer-base metrics (RFM summary, churn,
  retention, cohorts, interpurchase time, base projection);
- :mod:`crmlab.clv` holds customer-lifetime-value models;
- :mod:`crmlab.plots` draws one figure per function;
- :mod:`crmlab.display` shows numbers to readers (formats, labels, tables, generated sentences);
- :mod:`crmlab.reports` executes the notebooks into ``reports/``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("crmlab")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
