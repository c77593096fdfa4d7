"""Multigroup PLS: the permutation test of path differences (Chin & Dibbern 2010) and MICOM (Henseler, Ringle &
Sarstedt 2016), checked against separate fits of each group and against synthetic surveys with known truth."""

import numpy as np
import pandas as pd
import pytest

from crmlab.stats.pls import PLSModel, interaction, reflective
from crmlab.stats.pls.items import ItemDataError
from crmlab.stats.pls.multigroup import multigroup_analysis
from crmlab.theories.satisfaction import simulate_satisfaction_survey


def ecsi_model(survey) -> PLSModel:
    return PLSModel({c: reflective(items) for c, items in survey.constructs.items()}, survey.structure)


@pytest.fixture(scope="module")
def survey():
    return simulate_satisfaction_survey(600, rng=21)


@pytest.fixture(scope="module")
def mga(survey):
    return multigroup_analysis(ecsi_model(survey), survey.responses, "channel", n_permutations=199, rng=5)


def test_group_paths_are_those_of_fitting_each_group_alone(survey, mga):
    """Second implementation: the batched group estimates equal PLSModel.fit on each group's rows."""
    for name in mga.groups:
        fit = ecsi_model(survey).fit(survey.responses[survey.responses["channel"] == name])
        expected = [fit.path_coefficients.loc[p, o] for p, o in mga.paths.index]
        np.testing.assert_allclose(mga.paths[name], expected, atol=1e-9)
    np.testing.assert_allclose(mga.paths["difference"], mga.paths["branch"] - mga.paths["online"])
    assert mga.sizes == (300, 300)


def test_micom_statistics_match_their_definitions(survey, mga):
    """Closed forms of MICOM steps 2 and 3 computed directly from separate fits: c is the correlation, over the
    pooled standardised items, of the composites built with each group's weights; the mean difference and log
    variance ratio are those of the pooled fit's scores."""
    model, data = ecsi_model(survey), survey.responses
    items = data[model.items].astype(float)
    z = (items - items.mean()) / items.std()
    weights = {g: model.fit(data[data["channel"] == g]).outer_weights for g in mga.groups}
    scores = model.fit(data).scores
    branch = (data["channel"] == "branch").to_numpy()
    for construct in mga.micom.index:
        a, b = (z @ weights[g][construct] for g in mga.groups)
        assert mga.micom.loc[construct, "c"] == pytest.approx(np.corrcoef(a, b)[0, 1], abs=1e-9)
        s = scores[construct]
        assert mga.micom.loc[construct, "mean_difference"] == pytest.approx(s[branch].mean() - s[~branch].mean(), abs=1e-9)
        ratio = np.log(s[branch].var() / s[~branch].var())
        assert mga.micom.loc[construct, "log_variance_ratio"] == pytest.approx(ratio, abs=1e-9)


def test_planted_path_difference_is_detected_and_the_rest_mostly_not(mga):
    """Synthetic world: Satisfaction → Loyalty is 0.5 at branches and 0.2 online, every other path equal."""
    assert mga.paths.loc[("Satisfaction", "Loyalty"), "p_value"] < 0.05
    assert mga.paths.loc[("Satisfaction", "Loyalty"), "difference"] > 0.15
    assert (mga.paths.drop(index=[("Satisfaction", "Loyalty")])["p_value"] < 0.05).sum() <= 2
    assert set(mga.micom["invariance"]) <= {"full", "partial"}
    assert mga.micom["configural"].all() and mga.micom["compositional"].all()


def test_same_seed_same_result(survey):
    model = ecsi_model(survey)
    a = multigroup_analysis(model, survey.responses, "channel", n_permutations=49, rng=3)
    b = multigroup_analysis(model, survey.responses, "channel", n_permutations=49, rng=3)
    pd.testing.assert_frame_equal(a.paths, b.paths)
    pd.testing.assert_frame_equal(a.micom, b.micom)


def test_bad_groups_and_models_are_refused(survey):
    model, data = ecsi_model(survey), survey.responses
    with pytest.raises(ItemDataError, match="column 'segment': no such group column"):
        multigroup_analysis(model, data, "segment")
    three = data.assign(channel=np.resize(["a", "b", "c"], len(data)))
    with pytest.raises(ItemDataError, match="needs exactly two groups"):
        multigroup_analysis(model, three, "channel")
    with pytest.raises(ItemDataError, match="no respondent in group 'web'"):
        multigroup_analysis(model, data, "channel", groups=["branch", "web"])
    with pytest.raises(ItemDataError, match="row 3, column 'CUSL1': missing answer"):
        multigroup_analysis(model, data.assign(CUSL1=data["CUSL1"].where(data.index != 3)), "channel")
    moderated = PLSModel(
        {"Satisfaction": reflective(survey.constructs["Satisfaction"]), "Image": reflective(survey.constructs["Image"]),
         "Loyalty": reflective(survey.constructs["Loyalty"]), "SatxImage": interaction("Satisfaction", "Image")},
        [("Satisfaction", "Loyalty"), ("Image", "Loyalty"), ("SatxImage", "Loyalty")],
    )
    with pytest.raises(ValueError, match="SatxImage are interaction or higher-order"):
        multigroup_analysis(moderated, data, "channel")


@pytest.mark.slow
def test_without_a_difference_the_test_rejects_at_about_its_nominal_rate():
    """Synthetic worlds with the same paths in both groups: over 40 surveys × 12 paths (480 p-values, 99
    permutations each) the share below 0.05 is near 5% (tolerance 2%–9%: about three binomial standard errors
    of 480 independent tests, the paths of one survey being mildly dependent)."""
    p_values = []
    for world in range(40):
        survey = simulate_satisfaction_survey(200, segment_paths={}, rng=1000 + world)
        result = multigroup_analysis(ecsi_model(survey), survey.responses, "channel", n_permutations=99, rng=world)
        p_values.extend(result.paths["p_value"])
    rate = float(np.mean(np.array(p_values) < 0.05))
    assert 0.02 <= rate <= 0.09, rate


@pytest.mark.slow
def test_power_against_the_planted_difference():
    """Synthetic worlds with Satisfaction → Loyalty 0.5 against 0.2 (300 per group): detected in most of 20."""
    detected = []
    for world in range(20):
        survey = simulate_satisfaction_survey(600, rng=2000 + world)
        result = multigroup_analysis(ecsi_model(survey), survey.responses, "channel", n_permutations=99, rng=world)
        detected.append(result.paths.loc[("Satisfaction", "Loyalty"), "p_value"] < 0.05)
    assert np.mean(detected) >= 0.7
