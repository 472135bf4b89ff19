"""The markup of blank forms, rendered once per process for each language and key (issue 19)."""

from django import forms
from django.utils import translation

from config.forms import blank_form_html


class NoteForm(forms.Form):
    note = forms.CharField(label="Note", help_text="Shown below the field.")
    day = forms.DateField(label="Day")


def test_a_blank_form_is_rendered_once_per_language_and_key_as_it_would_be_fresh():
    built = []

    def build():
        built.append(translation.get_language())
        return NoteForm(initial={"day": "2025-01-10"})

    for language in ("ar", "en", "ar", "en"):
        with translation.override(language):
            html = blank_form_html(("test-note", "2025-01-10"), build)
            assert html == str(NoteForm(initial={"day": "2025-01-10"}))
    assert built == ["ar", "en"]  # the second time in each language: the kept markup
    with translation.override("en"):
        other = blank_form_html(("test-note", "other ids"), lambda: NoteForm(auto_id="x_%s"))
    assert 'id="x_note"' in other
    assert 'id="id_note"' in html  # another key, another markup


def test_in_development_a_blank_form_is_rendered_each_time(settings):
    """Templates change without a restart there."""
    settings.DEBUG = True
    built = []

    def build():
        built.append(1)
        return NoteForm()

    blank_form_html(("test-debug",), build)
    blank_form_html(("test-debug",), build)
    assert len(built) == 2
