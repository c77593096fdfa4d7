"""Execute the parameterised notebooks configured in ``reports.toml`` into ``reports/``.

>>> from crmlab.reports import load_config, run_reports  # doctest: +SKIP
>>> results = run_reports("reports.toml", only=["customer_base_cdnow"], jobs=2)  # doctest: +SKIP
>>> [(r.name, r.status) for r in results]  # doctest: +SKIP
[('customer_base_cdnow', 'succeeded')]

- :mod:`~crmlab.reports.config`: reading ``reports.toml`` and checking parameters;
- :mod:`~crmlab.reports.runner`: parallel execution and the safe swap into place;
- :mod:`~crmlab.reports.html`: the code-free reader page of a report;
- :mod:`~crmlab.reports.provenance`: ``provenance.json``;
- :mod:`~crmlab.reports.index`: ``index.html`` / ``index.json`` over all runs.

The command line is ``crmlab reports`` (:mod:`crmlab.cli`).
"""

from crmlab.reports.config import (
    ConfigError,
    ParameterError,
    ReportsConfig,
    ReportsError,
    RunConfig,
    load_config,
)
from crmlab.reports.index import write_index
from crmlab.reports.runner import RunResult, run_reports

__all__ = [
    "ConfigError",
    "ParameterError",
    "ReportsConfig",
    "ReportsError",
    "RunConfig",
    "RunResult",
    "load_config",
    "run_reports",
    "write_index",
]
