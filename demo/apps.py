from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data set (``manage.py seed_demo``). It writes through every app, so it sits on
    top of them, beside reports; nothing imports it. No models."""

    name = "demo"
