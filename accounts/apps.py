from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added

        from accounts.receivers import record_second_factor_on_activation

        # Recording is the whole handler (the session's own record), so a signal is fine here.
        authenticator_added.connect(
            record_second_factor_on_activation, dispatch_uid="accounts.second_factor_activation"
        )
