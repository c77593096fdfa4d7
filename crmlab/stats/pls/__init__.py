"""PLS path modelling (PLS-SEM): estimation, bootstrap, measurement quality.

- :mod:`~crmlab.stats.pls.spec` — :class:`PLSModel` with :func:`reflective`
  (mode A), :func:`formative` (mode B), :func:`interaction` and
  :func:`higher_order` (two-stage) constructs and ``(from, to)`` paths;
- :mod:`~crmlab.stats.pls.algorithm` — the PLS algorithm of Wold (1982) and
  Lohmöller (1989) with path, centroid and factorial inner weighting, and
  :class:`PLSFit`, the fitted model;
- :mod:`~crmlab.stats.pls.effects` — total and indirect effects, f²;
- :mod:`~crmlab.stats.pls.quality` — α, ρ_A, ρ_C, AVE, Fornell–Larcker, HTMT;
- :mod:`~crmlab.stats.pls.bootstrap` — the seeded, vectorised percentile bootstrap;
- :mod:`~crmlab.stats.pls.predict` — PLSpredict (Shmueli et al. 2016, 2019);
- :mod:`~crmlab.stats.pls.items` — the checks of the item table.

The estimates reproduce R's seminr (Ray, Danks & Calero Valdez 2021) and the
published examples of Hair et al. (2021), see ``tests/test_pls.py``.

>>> from crmlab.stats.pls import PLSModel, reflective
>>> PLSModel({"Image": reflective(["IMAG1", "IMAG2"]), "Loyalty": reflective(["CUSL1", "CUSL2"])}, [("Image", "Loyalty")])
PLSModel(2 constructs, 4 items, 1 paths)
"""

from crmlab.stats.pls.algorithm import SCHEMES, PLSFit, fit_pls
from crmlab.stats.pls.items import ItemDataError
from crmlab.stats.pls.spec import PLSModel, formative, higher_order, interaction, reflective

__all__ = [
    "SCHEMES",
    "ItemDataError",
    "PLSFit",
    "PLSModel",
    "fit_pls",
    "formative",
    "higher_order",
    "interaction",
    "reflective",
]
