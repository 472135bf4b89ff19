from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from allauth.account.signals import login_code_rejected, user_logged_in

        from audit.receivers import record_sign_in, record_sign_in_code_rejected

        # Every staff sign-in is on the trail (ministry oversight). Recording is the whole
        # handler, so a signal is acceptable here.
        user_logged_in.connect(record_sign_in, dispatch_uid="audit.record_sign_in")
        login_code_rejected.connect(
            record_sign_in_code_rejected, dispatch_uid="audit.record_sign_in_code_rejected"
        )
