from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in

        from audit.receivers import record_sign_in

        # Every staff sign-in is on the trail (ministry oversight). Recording is the whole
        # handler, so a signal is acceptable here.
        user_logged_in.connect(record_sign_in, dispatch_uid="audit.record_sign_in")
