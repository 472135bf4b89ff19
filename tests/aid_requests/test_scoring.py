"""Need score and eligibility, against examples computed by hand (see aid_requests/scoring.py)."""

from dataclasses import replace
from decimal import Decimal

from aid_requests.scoring import HouseholdSnapshot, need_score, screen


def snapshot(**kwargs):
    base = {"household_size": 1, "income_total": Decimal(0), "obligations_total": Decimal(0)}
    return HouseholdSnapshot(**{**base, **kwargs})


def test_family_of_four_example():
    # 600 − 200 = 400 net; ÷ 4 = 100.000 per person; threshold 150:
    # income 60 × (1 − 100/150) = 20; 3 dependants × 5 = 15; 1 disabled × 5 = 5;
    # 2 students × 5 = 10 → 50.
    family = snapshot(
        household_size=4,
        income_total=Decimal(600),
        obligations_total=Decimal(200),
        disabled_members=1,
        student_members=2,
    )
    score, parts = need_score(family, Decimal(150))
    assert [p["points"] for p in parts] == [20, 15, 5, 10]
    assert score == 50
    assert parts[0]["value"] == "100.000"


def test_obligations_above_income_get_all_income_points():
    score, parts = need_score(snapshot(obligations_total=Decimal(100)), Decimal(150))
    assert parts[0]["value"] == "-100.000"
    assert score == 60


def test_no_threshold_uses_250_and_income_above_it_scores_zero():
    couple = snapshot(household_size=2, income_total=Decimal(700), obligations_total=Decimal(100))
    score, parts = need_score(couple, None)
    assert parts[0]["threshold"] == "250"
    assert [p["points"] for p in parts] == [0, 5, 0, 0]
    assert score == 5


def test_points_round_half_up():
    # One person, 165 KWD a month against a limit of 200: 60 × (1 − 165/200) = 60 × 0.175 =
    # exactly 10.5 → 11 (rounding half to even would give 10).
    score, parts = need_score(snapshot(income_total=Decimal(165)), Decimal(200))
    assert parts[0]["value"] == "165.000"
    assert parts[0]["points"] == 11
    assert score == 11


def test_an_exact_half_below_an_even_number_also_rounds_up():
    # 60 × (1 − 185/200) = 60 × 0.075 = exactly 4.5 → 5 (rounding half to even would give 4);
    # 60 × (1 − 186/200) = 60 × 0.07 = 4.2 → 4.
    assert need_score(snapshot(income_total=Decimal(185)), Decimal(200))[1][0]["points"] == 5
    assert need_score(snapshot(income_total=Decimal(186)), Decimal(200))[1][0]["points"] == 4


def test_caps_on_dependants_disability_and_students():
    big = snapshot(household_size=9, disabled_members=5, student_members=4)
    score, parts = need_score(big, Decimal(150))
    assert [p["points"] for p in parts] == [60, 20, 10, 10]
    assert score == 100


def test_ineligible_reasons_are_exact():
    couple = snapshot(
        household_size=2,
        income_total=Decimal(700),
        obligations_total=Decimal(100),
        profile_complete=False,
    )
    result = screen(
        couple,
        threshold=Decimal(200),
        required_documents=["civil_id_copy", "rent_contract"],
        documents_attached=frozenset({"civil_id_copy"}),
    )
    assert not result.eligible
    assert result.reasons == [
        {"code": "profile_incomplete"},
        {"code": "documents_missing", "kinds": ["rent_contract"]},
        {"code": "income_above_threshold", "per_capita": "300.000", "threshold": "200"},
    ]


def test_eligible_when_everything_is_there():
    result = screen(
        snapshot(household_size=3, income_total=Decimal(300)),
        threshold=Decimal(200),
        required_documents=["civil_id_copy"],
        documents_attached=frozenset({"civil_id_copy", "other"}),
    )
    assert result.eligible
    assert result.reasons == []
    assert result.as_json()["breakdown"][0]["points"] == 30


# --- verified income (issue 14): worked by hand ---------------------------------------------
# Income counted = declared total − declared state-benefit lines + max(those lines, verified).


def test_verified_income_the_applicant_did_not_declare_lowers_the_score_and_raises_the_flag():
    # Four people; salary 600 declared, no state benefit declared; rent 200; the agencies
    # verify 200 a month. Limit 150.
    # Declared only: (600 − 200) ÷ 4 = 100.000 → income 60 × (1 − 100/150) = 20;
    #   3 dependants × 5 = 15 → 35.
    # With the verified income: 600 − 0 + max(0, 200) = 800; (800 − 200) ÷ 4 = 150.000 →
    #   income 60 × (1 − 150/150) = 0; dependants 15 → 15. Flag: 0 declared < 200 verified.
    declared = snapshot(household_size=4, income_total=Decimal(600), obligations_total=Decimal(200))
    assert need_score(declared, Decimal(150))[0] == 35
    verified = replace(declared, verified_income=Decimal(200))
    assert verified.income_counted == Decimal(800)
    score, parts = need_score(verified, Decimal(150))
    assert [p["points"] for p in parts] == [0, 15, 0, 0]
    assert score == 15
    assert parts[0]["value"] == "150.000"
    assert (parts[0]["declared"], parts[0]["verified"]) == ("600.000", "200.000")
    assert verified.below_verified is True
    result = screen(
        verified, threshold=Decimal(150), required_documents=[], documents_attached=frozenset()
    )
    assert result.eligible is True  # 150.000 is not above 150
    assert result.income == {
        "declared": "600.000",
        "declared_state": "0.000",
        "verified": "200.000",
        "counted": "800.000",
        "below_verified": True,
        "verified_from": "",
    }


def test_a_declared_state_benefit_that_the_agencies_verify_counts_once():
    # Three people; salary 300 and social security 150 declared (450); rent 100; the agencies
    # verify 150. No limit: 250.
    # Counted: 450 − 150 + max(150, 150) = 450; (450 − 100) ÷ 3 = 116.667 →
    #   income 60 × (1 − 116.667/250) = 60 × 0.533332 = 31.99992 → 32; 2 dependants × 5 = 10
    #   → 42. No flag (150 declared = 150 verified).
    # Adding the verified 150 on top would count it twice: 600 → (600 − 100) ÷ 3 = 166.667 →
    #   60 × (1 − 166.667/250) = 19.99992 → 20, + 10 = 30.
    family = snapshot(
        household_size=3,
        income_total=Decimal(450),
        obligations_total=Decimal(100),
        declared_state_income=Decimal(150),
        verified_income=Decimal(150),
    )
    score, parts = need_score(family, None)
    assert family.income_counted == Decimal(450)
    assert parts[0]["value"] == "116.667"
    assert [p["points"] for p in parts] == [32, 10, 0, 0]
    assert score == 42
    assert family.below_verified is False


def test_a_declared_state_benefit_above_the_verified_one_is_kept():
    # Two people; a pension of 300 declared (a state-benefit kind), the agencies verify 120
    # (another benefit may not count for this aid type, or an agency was not reached).
    # Counted: 300 − 300 + max(300, 120) = 300; 300 ÷ 2 = 150.000; limit 200 →
    #   income 60 × (1 − 150/200) = 15; 1 dependant × 5 = 5 → 20. No flag.
    couple = snapshot(
        household_size=2,
        income_total=Decimal(300),
        declared_state_income=Decimal(300),
        verified_income=Decimal(120),
    )
    score, parts = need_score(couple, Decimal(200))
    assert parts[0]["value"] == "150.000"
    assert [p["points"] for p in parts] == [15, 5, 0, 0]
    assert score == 20
    assert couple.below_verified is False


def test_a_whole_declared_income_below_the_verified_one_is_flagged_and_can_make_ineligible():
    # One person; social security 100 declared, the agencies verify 250. Limit 200.
    # Declared only: 100 ÷ 1 = 100.000 → 60 × (1 − 100/200) = 30 → eligible, score 30.
    # Counted: 100 − 100 + max(100, 250) = 250 → 250.000 > 200: ineligible, income points
    #   60 × (1 − 250/200) < 0 → 0; score 0. Flag: 100 declared < 250 verified.
    alone = snapshot(income_total=Decimal(100), declared_state_income=Decimal(100))
    assert need_score(alone, Decimal(200))[0] == 30
    verified = replace(alone, verified_income=Decimal(250))
    result = screen(
        verified, threshold=Decimal(200), required_documents=[], documents_attached=frozenset()
    )
    assert result.score == 0
    assert result.eligible is False
    assert result.reasons == [
        {"code": "income_above_threshold", "per_capita": "250.000", "threshold": "200"}
    ]
    assert result.income is not None
    assert result.income["below_verified"] is True


def test_without_verified_income_the_declared_income_counts_and_nothing_is_recorded():
    declared = snapshot(income_total=Decimal(100), declared_state_income=Decimal(100))
    assert declared.income_counted == Decimal(100)
    assert declared.below_verified is False
    result = screen(declared, threshold=None, required_documents=[], documents_attached=frozenset())
    assert "income" not in result.as_json()
    assert "verified" not in result.breakdown[0]
