"""``{% fixed %}``: rendered once per language, and nothing that could differ between two
requests in one language is allowed inside (accounts/templatetags/fixed.py)."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, TemplateSyntaxError, engines
from django.test import RequestFactory
from django.utils import translation

from accounts.templatetags.fixed import FixedNode

LOAD = "{% load i18n static %}"
ALLOWED = (
    "<h1>{% translate 'Open requests' %}</h1>"
    '<a href="{% url "charities:queue" %}">{% translate "Clear" context "filters" %}</a>'
    "{% comment %}a note{% endcomment %}"
    "{% blocktranslate %}Cases we hold{% endblocktranslate %}"
    '<link href="{% static "css/musaada.css" %}">'
)


def compiled(source: str):
    return engines["django"].from_string("{% load fixed %}" + source)


def test_the_block_renders_what_its_content_renders_in_each_language():
    inside = compiled(f"{LOAD}{{% fixed %}}{ALLOWED}{{% endfixed %}}")
    plain = compiled(LOAD + ALLOWED)
    for language in ("ar", "en", "ar"):
        with translation.override(language):
            assert inside.render({}) == plain.render({})
    with translation.override("ar"):
        assert "الطلبات المفتوحة" in inside.render({})
    with translation.override("en"):
        assert "Open requests" in inside.render({})


def test_the_block_is_rendered_once_per_language():
    template = compiled("{% load i18n %}{% fixed %}{% translate 'Open requests' %}{% endfixed %}")
    node = next(n for n in template.template.nodelist if isinstance(n, FixedNode))
    for _ in range(3):
        for language in ("en", "ar"):
            with translation.override(language):
                template.render({})
    assert sorted(key[0] for key in node.rendered) == ["ar", "en"]


@pytest.mark.parametrize(
    "inside",
    [
        "{{ user.full_name }}",
        "{% if user %}x{% endif %}",
        "{% csrf_token %}",
        "{% translate name %}",
        "{% translate 'Clear' as label %}",
        "{% translate 'Clear'|upper %}",
        "{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}",
        "{% blocktranslate with n=name %}Hello {{ n }}{% endblocktranslate %}",
        "{% url 'charities:case' pk %}",
        "{% url 'charities:queue' as link %}",
        "{% static path %}",
        "{% now 'Y' %}",
    ],
)
def test_anything_that_could_differ_between_requests_is_refused_when_compiled(inside):
    with pytest.raises(TemplateSyntaxError, match="may hold only"):
        compiled("{% load i18n static %}{% fixed %}" + inside + "{% endfixed %}")


def test_constant_arguments_are_allowed():
    template = compiled("{% load i18n %}{% fixed %}{% url 'charities:claim' 7 %}{% endfixed %}")
    assert template.render({}).endswith("/7/claim/")


def test_the_queue_pages_fixed_parts_are_in_the_readers_language():
    """The queue's headings are in fixed blocks (the page itself: tests/charities)."""
    request = RequestFactory().get("/")
    engine = Engine.get_default()
    template = engine.get_template("charities/queue.html")
    fixed = template.nodelist.get_nodes_by_type(FixedNode)
    assert len(fixed) == 2
    with translation.override("en"):
        english = "".join(n.render(Context({"request": request})) for n in fixed)
    with translation.override("ar"):
        arabic = "".join(n.render(Context({"request": request})) for n in fixed)
    assert "Open requests" in english
    assert "Days waiting" in english
    assert "الطلبات المفتوحة" in arabic
    assert "Open requests" not in arabic
