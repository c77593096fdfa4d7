"""The catalogue of bad small tables, as a user meets them: a file on disk, the public reader, and
the exact error it must raise.

The small tables are the favour ledger (guanxi), the interaction log (Nordic school), the referral
log and adoption counts (referrals), the four tables of an IMP network study, a KMV survey (trust
and commitment), and the strategy tables (accounts, ties, unit terms, value surveys, stakeholder
ratings, response curves). Each row below is one bad file and the parts its error must hold: the
file's path first, then each problem by data row (1 = the first row under the header), column and
the value as the file writes it. The expected messages are written by hand from the files, so
they are checked against the input, not against the code. The last tests are the other half of
the date policy: day-first files read right, an ambiguous file read once ``dayfirst=`` says how,
and ids compared by value (a float ``reply_to`` naming integer act ids).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from crmlab.data import DataError
from crmlab.strategy import read_accounts, read_ties, read_unit_terms, read_value_survey
from crmlab.strategy.budget import check_response_curves
from crmlab.theories.guanxi import read_favour_ledger
from crmlab.theories.imp import read_activity_links, read_actors, read_episodes, read_network_tables
from crmlab.theories.nordic import read_interactions
from crmlab.theories.referral import read_adoptions, read_referrals, read_service_quality
from crmlab.theories.stakeholders import read_stakeholder_ratings
from crmlab.theories.trust_commitment import read_survey, validate_survey


@dataclass(frozen=True)
class BadTable:
    """A table as the user wrote it (one file, or a folder of files), the call, and what the error must say."""

    read: Callable[[Path], Any]
    files: dict[str, str]  # file name -> content; several names: a folder of them, passed as the folder
    says: tuple[str, ...]
    error: type = DataError

    def write(self, folder: Path) -> Path:
        for name, content in self.files.items():
            (folder / name).write_text(content, encoding="utf-8")
        return folder if len(self.files) > 1 else folder / next(iter(self.files))


def bad(case_id: str, read: Callable[[Path], Any], files: str | dict[str, str], *says: str, error: type = DataError,
        name: str = "table.csv"):
    files = {name: files} if isinstance(files, str) else files
    return pytest.param(BadTable(read, files, says, error), id=case_id)


LEDGER = "giver,receiver,date,value,tie_type\n"
LOG = "act_id,customer_id,timestamp,initiator,reply_to\n"
FIRST_ACT = "1,A,2021-01-04 09:00,customer,\n"
REFERRALS = "referrer_id,referred_id,date,reward\n"
ACTORS = "actor_id,type,country,size\n"
EPISODES = "actor_id,partner_id,date,kind\n"
KNOWN_ACTORS = pd.DataFrame({"actor_id": ["S1", "C1"]})
SURVEY = "trust_1,trust_2,commitment_1,commitment_2\n"
AMBIGUOUS = "say which with dayfirst=True or dayfirst=False, or give date_format="


def kmv_survey(path: Path) -> Any:
    return validate_survey(read_survey(path), source=str(path))


BAD_TABLES = [
    # --- favour ledger (guanxi) ---
    bad("ledger-ids-written-NA-and-None", read_favour_ledger,
        LEDGER + "NA,Wang,2024-01-13,5,family\nWang,None,2024-03-02,4,friend\n",
        ": 2 problems\n", "row 1, column 'giver': missing giver ('NA')", "row 2, column 'receiver': missing receiver ('None')"),
    bad("ledger-favour-to-oneself-negative-value-unknown-tie", read_favour_ledger, LEDGER + "Li,Li,2024-01-13,-5,cousin\n",
        ": 3 problems\n", "row 1, column 'receiver': a favour to oneself ('Li')", "row 1, column 'value': must be positive ('-5')",
        "row 1, column 'tie_type': must be one of family, clan, friendship, business ('cousin')"),
    bad("ledger-missing-column", read_favour_ledger, "giver,receiver,date,value\nLi,Wang,2024-01-13,5\n",
        "column 'tie_type': missing column of the favour ledger (the data has: giver, receiver, date, value)"),
    bad("ledger-duplicate-favour-id", read_favour_ledger,
        "giver,receiver,date,value,tie_type,favour_id\nLi,Wang,2024-01-13,5,family,F1\nWang,Li,2024-02-13,5,family,F1\n",
        "row 2, column 'favour_id': duplicate favour id ('F1')"),
    bad("ledger-ambiguous-dates", read_favour_ledger, LEDGER + "Li,Wang,01/02/2024,5,family\nWang,Li,02/03/2024,4,friend\n",
        "column 'date': ambiguous dates", "'01/02/2024' is 1 February 2024 day-first or 2 January 2024 month-first", AMBIGUOUS),
    bad("ledger-year-only-dates", read_favour_ledger, LEDGER + "Li,Wang,2024,5,family\n",
        "column 'date': dates without a day (format %Y)"),
    # --- interaction log (Nordic school) ---
    bad("log-reply-to-an-unknown-act", read_interactions, LOG + FIRST_ACT + "2,A,2021-01-04 13:00,firm,7\n",
        "row 2, column 'reply_to': reply to an unknown act ('7')"),
    bad("log-reply-to-another-customer", read_interactions, LOG + FIRST_ACT + "2,B,2021-01-04 13:00,firm,1\n",
        "row 2, column 'reply_to': reply to an act of another customer ('1')"),
    bad("log-reply-before-the-act", read_interactions, LOG + FIRST_ACT + "2,A,2021-01-03 13:00,firm,1\n",
        "row 2, column 'timestamp': timestamps out of order: the reply is earlier than the act it answers ('2021-01-03 13:00')"),
    bad("log-unknown-initiator", read_interactions, LOG + "1,A,2021-01-04 09:00,robot,\n",
        "row 1, column 'initiator': initiator must be 'customer' or 'firm' ('robot')"),
    bad("log-duplicate-act-id", read_interactions, LOG + FIRST_ACT + "1,A,2021-01-05 09:00,firm,\n",
        "row 2, column 'act_id': duplicate act id ('1')"),
    bad("log-customer-written-NA", read_interactions, LOG + "1,NA,2021-01-04 09:00,customer,\n",
        "row 1, column 'customer_id': missing customer id ('NA')"),
    bad("log-ambiguous-timestamps", read_interactions, LOG + "1,A,04/01/2021 09:00,customer,\n2,A,05/01/2021 09:00,firm,\n",
        "column 'timestamp': ambiguous dates", AMBIGUOUS),
    bad("log-satisfaction-off-scale-negative-duration", read_interactions,
        "act_id,customer_id,timestamp,initiator,satisfaction,duration\n1,A,2021-01-04 09:00,customer,9,-3\n",
        "row 1, column 'duration': negative value ('-3')", "row 1, column 'satisfaction': outside the scale 1–5 ('9')"),
    # --- referral log and adoptions ---
    bad("referral-to-oneself", read_referrals, REFERRALS + "a,a,2024-01-05,10\n",
        "row 1, column 'referred_id': a customer cannot refer themselves ('a')"),
    bad("referral-customer-referred-twice", read_referrals, REFERRALS + "a,b,2024-01-05,10\nc,b,2024-01-06,10\n",
        "row 2, column 'referred_id': customer referred more than once (a customer is acquired once) ('b')"),
    bad("referral-before-the-referrer-joined", read_referrals, REFERRALS + "a,b,2024-02-05,10\nb,c,2024-01-06,10\n",
        "row 2, column 'date': the referrer recommended someone before being acquired themselves ('2024-01-06')"),
    bad("referral-same-day-cycle", read_referrals, "referrer_id,referred_id,date\na,b,2024-01-05\nb,a,2024-01-05\n",
        "row 2, column 'referred_id': referral cycle (a → b → a) ('a')"),
    bad("referral-negative-and-non-numeric-rewards", read_referrals, REFERRALS + "a,b,2024-02-05,-10\nb,c,2024-02-06,ten\n",
        "row 1, column 'reward': negative value ('-10')", "row 2, column 'reward': not a number ('ten')"),
    bad("referral-id-written-N/A", read_referrals, REFERRALS + "a,N/A,2024-02-05,1\n",
        "row 1, column 'referred_id': missing customer id ('N/A')"),
    bad("referral-ambiguous-dates", read_referrals, REFERRALS + "a,b,01/02/2024,1\nb,c,03/04/2024,1\n",
        "column 'date': ambiguous dates", AMBIGUOUS),
    bad("adoptions-duplicate-period-fraction-negative", read_adoptions, "period,adoptions\n1,10\n1,3\n2,2.5\n3,-1\n",
        "row 2, column 'period': duplicate period ('1')", "row 3, column 'adoptions': not a whole number ('2.5')",
        "row 4, column 'adoptions': negative value ('-1')"),
    bad("service-more-complaints-than-interactions", read_service_quality, "period,interactions,complaints\n1,10,12\n",
        "row 1, column 'complaints': more complaints than interactions ('12')"),
    # --- the tables of an IMP network study ---
    bad("network-every-bad-table-at-once", read_network_tables, {
        "actors.csv": ACTORS + "S1,supplier,SE,10\nC1,customer,DE,-4\nS1,supplier,SE,3\n",
        "episodes.csv": "actor_id,partner_id,date,kind,value\nS1,C1,2022-01-10,order,5\nS1,X9,2022-13-45,order,-2\n",
        "resource_ties.csv": "actor_id,partner_id,resource,tie\nS1,S1,plant,shared\nC1,S1,plant,borrowed\n"},
        ": 7 problems\n", "actors.csv: row 3, column 'actor_id': duplicate actor id ('S1')",
        "actors.csv: row 2, column 'size': negative value ('-4')",
        "episodes.csv: row 2, column 'partner_id': unknown actor (not in the actors table) ('X9')",
        "episodes.csv: row 2, column 'date': unparseable or missing date ('2022-13-45')",
        "episodes.csv: row 2, column 'value': negative value ('-2')",
        "resource_ties.csv: row 1, column 'partner_id': an actor cannot be tied to itself (actor_id = partner_id) ('S1')",
        "resource_ties.csv: row 2, column 'tie': tie must be 'shared' or 'adapted' ('borrowed')"),
    bad("network-without-an-actors-table", read_network_tables, {"episodes.csv": EPISODES + "S1,C1,2022-01-01,order\n", "notes.txt": ""},
        ": 1 problem\n  no actors.csv or actors.parquet in the folder"),
    bad("network-actor-id-written-NA", read_actors, ACTORS + "NA,supplier,SE,10\n",
        "row 1, column 'actor_id': missing id ('NA')"),
    bad("network-episode-with-an-unknown-actor", lambda path: read_episodes(path, actors=KNOWN_ACTORS),
        EPISODES + "S1,Z1,2022-01-01,order\n", "row 1, column 'partner_id': unknown actor (not in the actors table) ('Z1')"),
    bad("network-initiator-not-a-party", read_episodes, "actor_id,partner_id,date,kind,initiator\nS1,C1,2022-01-01,order,Q7\n",
        "row 1, column 'initiator': the initiator must be one of the episode's two actors ('Q7')"),
    bad("network-activity-self-link-empty-activity-negative-weight", read_activity_links,
        "upstream_id,upstream_activity,downstream_id,downstream_activity,weight\nS1,,S1,assembly,-1\n",
        "row 1, column 'downstream_id': an actor cannot be tied to itself (upstream_id = downstream_id) ('S1')",
        "row 1, column 'upstream_activity': missing value ('')", "row 1, column 'weight': negative value ('-1')"),
    # --- KMV survey (trust and commitment) ---
    bad("survey-off-scale-fraction-text-missing-straight-lining", kmv_survey, SURVEY + "5,NA,6,7\n9,3,2.5,x\n4,4,4,4\n",
        ": 5 problems\n", "row 2, column 'commitment_1': not a whole scale point (2.5)",
        "row 2, column 'commitment_2': not a number ('x')", "row 2, column 'trust_1': outside the scale 1–7 (9.0)",
        "row 1, column 'trust_2': missing answer", "row 3: constant responder (the same answer to every item) (4.0)"),
    bad("survey-without-respondents", read_survey, SURVEY, ": 1 problem\n  no rows in the survey"),
    bad("survey-reversed-scale", lambda path: validate_survey(read_survey(path), scale=(7, 1)), SURVEY + "5,6,6,7\n",
        "scale must be (lowest, highest) with lowest < highest, got (7, 1)", error=ValueError),
    bad("survey-missing-item-column",
        lambda path: validate_survey(read_survey(path), {"trust": ["trust_1", "trust_3"]}, source=str(path)),
        SURVEY + "5,6,6,7\n", ": 1 problem\n  column 'trust_3': missing item column"),
    # --- strategy tables ---
    bad("accounts-NA-id-negative-revenue-text-share-above-one-duplicate", read_accounts,
        "account_id,revenue,share_of_wallet,strategic_fit\nA,120,1.4,0.5\nNA,-5,0.2,x\nA,3,0.1,0.2\n",
        ": 5 problems\n", "row 2, column 'account_id': missing value ('NA')", "row 2, column 'revenue': negative value ('-5')",
        "row 2, column 'strategic_fit': not a number ('x')", "row 1, column 'share_of_wallet': outside the scale 0–1 ('1.4')",
        "row 3, column 'account_id': duplicate account_id ('A')"),
    bad("accounts-missing-column", read_accounts, "account_id,sales\nA,1\n",
        "column 'revenue': missing column of the accounts (the data has: account_id, sales)"),
    bad("unit-terms-service-above-one-infinite-revenue-unit-twice", read_unit_terms,
        "account_id,unit,price,payment_days,service_level,revenue\nA,DE,10,30,1.5,100\nA,DE,11,30,0.9,inf\n",
        "row 1, column 'service_level': outside the scale 0–1 ('1.5')", "row 2, column 'revenue': not a finite number ('inf')",
        "row 2, column 'unit': duplicate account_id × product × unit ('DE')"),
    bad("ties-actor-left-empty", read_ties, "account_id,actor_id,relation\nA,,supplier\n",
        "row 1, column 'actor_id': missing value ('')"),
    bad("value-survey-off-scale-and-missing", read_value_survey,
        "satisfaction,expectation_speed,perception_speed\n5,4,9\n8,,3\n",
        "row 2, column 'satisfaction': outside the scale 1–7 ('8')", "row 2, column 'expectation_speed': missing value ('')",
        "row 1, column 'perception_speed': outside the scale 1–7 ('9')"),
    bad("value-survey-expectation-without-perception", read_value_survey, "satisfaction,expectation_speed\n5,4\n",
        "column 'expectation_speed': an expectation without its perception (or the reverse)"),
    bad("stakeholders-unknown-market-off-scale", read_stakeholder_ratings,
        "market,trust,commitment,satisfaction,communication\npress,4,4,4,9\n",
        "row 1, column 'market': must be one of customer, referral, supplier_alliance, influence, recruitment, internal ('press')",
        "row 1, column 'communication': outside the scale 1–7 ('9')"),
    bad("response-curves-negative-ceiling-zero-rate", check_response_curves, "segment,action,ceiling,rate\ns,retention,-5,0\n",
        "row 1, column 'ceiling': negative value ('-5')", "row 1, column 'rate': must be positive ('0')"),
]


@pytest.mark.parametrize("case", BAD_TABLES)
def test_a_bad_table_is_refused_naming_file_row_column_and_value(tmp_path, case: BadTable) -> None:
    path = case.write(tmp_path)
    with pytest.raises(ValueError) as info:  # DataError is a ValueError; the exact type is checked next
        case.read(path)
    assert type(info.value) is case.error
    message = str(info.value)
    if case.error is DataError:
        assert message.startswith(f"{path}: "), message
    for part in case.says:
        assert part in message, f"{part!r} not in:\n{message}"


def test_a_reversed_satisfaction_scale_is_refused_before_the_log_is_read(tmp_path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(LOG + FIRST_ACT)
    with pytest.raises(ValueError) as info:
        read_interactions(path, satisfaction_scale=(5, 1))
    assert type(info.value) is ValueError
    assert str(info.value) == "satisfaction_scale must be (lowest, highest) with lowest < highest, got (5, 1)"


def test_network_tables_in_a_missing_folder_are_refused(tmp_path) -> None:
    with pytest.raises(DataError) as info:
        read_network_tables(tmp_path / "network")
    assert str(info.value) == f"{tmp_path / 'network'}: 1 problem\n  not a folder holding actors.csv, episodes.csv, …"


# --- the other half of the date policy and of ids by value ---------------------------------------

#: 13/01 and 02/03 can only be day-first (there is no 13th month); read by hand: 13 January, 2 March.
DAY_FIRST_ROWS = ("13/01/2024", "02/03/2024")


@pytest.mark.parametrize(
    ("reader", "header", "row", "column"),
    [
        pytest.param(read_favour_ledger, LEDGER, "Li,Wang,{date},5,family", "date", id="favour-ledger"),
        pytest.param(read_interactions, LOG, "{n},A,{date} 09:00,customer,", "timestamp", id="interaction-log"),
        pytest.param(read_referrals, REFERRALS, "c{n},d{n},{date},1", "date", id="referral-log"),
        pytest.param(read_episodes, EPISODES, "S1,C1,{date},order", "date", id="network-episodes"),
    ],
)
def test_day_first_files_read_right_and_ambiguous_ones_once_told(tmp_path, reader, header: str, row: str, column: str) -> None:
    def write(name: str, dates: tuple[str, str]) -> Path:
        path = tmp_path / name
        path.write_text(header + "".join(row.format(n=n, date=d) + "\n" for n, d in enumerate(dates, start=1)))
        return path

    read = reader(write("day_first.csv", DAY_FIRST_ROWS))
    assert read[column].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-13", "2024-03-02"]
    ambiguous = write("ambiguous.csv", ("01/02/2024", "02/03/2024"))
    with pytest.raises(DataError, match="ambiguous dates"):
        reader(ambiguous)
    told = reader(ambiguous, dayfirst=True)
    assert told[column].dt.strftime("%Y-%m-%d").tolist() == ["2024-02-01", "2024-03-02"]


def test_a_float_reply_to_names_integer_act_ids() -> None:
    # Written by pandas from a log where 2 answers 1: reply_to is a float column with NaN for "no reply".
    log = pd.DataFrame({"act_id": [1, 2, 3], "customer_id": ["A", "A", "B"],
                        "timestamp": ["2021-01-04 09:00", "2021-01-04 13:00", "2021-01-05 10:00"],
                        "initiator": ["customer", "firm", "customer"], "reply_to": [float("nan"), 1.0, float("nan")]})
    read = read_interactions(log)
    assert read[["act_id", "reply_to"]].values.tolist() == [["1", None], ["2", "1"], ["3", None]]


def test_ids_are_compared_by_value() -> None:
    # 8.0 and "8" are one customer, so 8's referral of 9 comes after 8 joined (through 7), as it must.
    log = read_referrals(pd.DataFrame({"referrer_id": [7, 8.0], "referred_id": ["8", "9"], "date": ["2024-01-01", "2024-02-01"]}))
    assert log[["referrer_id", "referred_id"]].values.tolist() == [["7", "8"], ["8", "9"]]


@pytest.mark.parametrize("sep, what", [("\t", "tab-separated"), (";", "semicolon-separated")])
def test_a_file_with_another_separator_is_named_as_such(tmp_path, sep, what):
    """Hand-made files: a tab- or semicolon-separated file named .csv reads as one column whose name holds
    the separators; every reader says so in one line instead of listing each missing column."""
    from crmlab.data import read_transactions, scan_transactions
    from crmlab.theories.guanxi import read_favour_ledger

    path = tmp_path / "export.csv"
    path.write_text(sep.join(["customer_id", "date", "amount"]) + "\n" + sep.join(["A", "2021-01-05", "10"]) + "\n")
    for read in (read_transactions, lambda p: scan_transactions(p).collect(), read_favour_ledger):
        with pytest.raises(DataError, match=rf"export.csv: 1 problem\n  the header is one column holding .*: the file seems {what}"):
            read(path)
