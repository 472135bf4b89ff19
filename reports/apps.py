from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Ministry reports")

    def ready(self) -> None:
        # Connects the receivers that record each run of a periodic task (reports.signals).
        from reports import signals  # noqa: F401
