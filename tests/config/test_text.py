"""Lists read in the reader's language: an English comma in English, the Arabic comma in Arabic."""

from django.template import Context, Template
from django.utils import translation

from aid_requests.reasons import reason_text
from config.text import join_list


def test_a_list_uses_the_comma_of_the_active_language():
    with translation.override("en"):
        assert join_list(["Rent", "Food"]) == "Rent, Food"
    with translation.override("ar"):
        assert join_list(["إيجار", "غذاء"]) == "إيجار، غذاء"


def test_the_template_filter_and_tag_follow_the_language():
    template = Template(
        "{% load words %}{{ items|listing }}|"
        "{% for item in items %}{{ item }}{% if not forloop.last %}{% separator %}{% endif %}"
        "{% endfor %}"
    )
    with translation.override("en"):
        assert template.render(Context({"items": ["a", "b"]})) == "a, b|a, b"
    with translation.override("ar"):
        assert template.render(Context({"items": ["a", "b"]})) == "a، b|a، b"


def test_a_screening_reason_lists_documents_with_an_english_comma_in_english():
    reason = {"code": "documents_missing", "kinds": ["civil_id_copy", "salary_certificate"]}
    with translation.override("en"):
        text = reason_text(reason)
    assert "، " not in text
    assert ", " in text
