"""One form renderer for every form (ours and allauth's): Bootstrap classes, accessible errors.

Django 5.2 already ties errors and help text to their input (``aria-describedby``,
``aria-invalid``); these templates add the visual layer.
"""

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
