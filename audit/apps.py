from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from allauth.account.signals import login_code_rejected, user_logged_in
        from django.contrib.auth.signals import user_login_failed

        from audit.receivers import (
            record_sign_in,
            record_sign_in_code_rejected,
            record_sign_in_failed,
        )

        # Every staff sign-in is on the trail (ministry oversight), and so are failed sign-ins
        # (aggregated) and the extra sign-in step after repeated failures. Recording is the
        # whole handler, so signals are acceptable here.
        user_logged_in.connect(record_sign_in, dispatch_uid="audit.record_sign_in")
        login_code_rejected.connect(
            record_sign_in_code_rejected, dispatch_uid="audit.record_sign_in_code_rejected"
        )
        user_login_failed.connect(record_sign_in_failed, dispatch_uid="audit.record_sign_in_failed")
