import pytest

from indicators.periods import Period


@pytest.mark.parametrize("code", ["2025", "2025-H1", "2025-H2", "2025-Q1", "2025-Q4"])
def test_a_valid_code_round_trips(code):
    assert Period.parse(code).code == code


def test_a_year_typed_into_excel_as_a_float_is_read_as_the_year():
    assert Period.parse(2025.0).code == "2025"


def test_lower_case_stage_is_accepted():
    assert Period.parse(" 2025-q2 ").code == "2025-Q2"


@pytest.mark.parametrize("code", ["25", "2025-Q5", "2025-H3", "2025Q1", "2025-M1", "", None, "2025-"])
def test_an_invalid_code_is_refused_with_a_message(code):
    with pytest.raises(ValueError, match="期间"):
        Period.parse(code)


@pytest.mark.parametrize(
    ("code", "expected"),
    [("2025", "2024"), ("2025-H1", "2024-H1"), ("2025-Q2", "2024-Q2")],
)
def test_same_period_last_year_keeps_the_stage(code, expected):
    assert Period.parse(code).same_period_last_year().code == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2025-Q1", "2024-Q4"),
        ("2025-Q2", "2025-Q1"),
        ("2025-Q4", "2025-Q3"),
        ("2025-H1", "2024-H2"),
        ("2025-H2", "2025-H1"),
        ("2025", "2024"),
    ],
)
def test_previous_stage_crosses_the_year_boundary(code, expected):
    assert Period.parse(code).previous_stage().code == expected


def test_stages_of_year_lists_the_quarters_in_order():
    assert [p.code for p in Period.parse("2025-Q3").stages_of_year()] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]


def test_periods_sort_by_year_then_stage():
    codes = ["2025-Q2", "2024", "2025-Q1", "2024-Q4", "2025"]
    assert sorted(codes, key=lambda c: Period.parse(c).sort_key()) == ["2024", "2024-Q4", "2025", "2025-Q1", "2025-Q2"]


def test_labels_are_chinese_and_english():
    period = Period.parse("2025-Q2")
    assert period.label == "2025年第二季度"
    assert period.label_en == "2025 Q2"
    assert Period.parse("2025").label == "2025年度"
