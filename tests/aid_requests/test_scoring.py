"""Need score and eligibility, against examples computed by hand (see aid_requests/scoring.py)."""

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
