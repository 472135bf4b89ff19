"""Our sign-in stage: allauth's login-by-code stage, entered after repeated failures.

allauth runs its stages after the password was checked (``AccountAdapter.get_login_stages``).
This one asks for a one-time code when ``AccountAdapter.is_login_by_code_required`` says so
(``accounts.step_up``), and records on the audit trail when a code was sent and when it was
confirmed (rejections: ``audit.receivers.record_sign_in_code_rejected``).
"""

from __future__ import annotations

from typing import Any

from allauth.account.stages import LoginByCodeStage
from django.contrib import messages
from django.utils.translation import gettext as _

from accounts.step_up import sign_in_failures_clear
from audit.services import client_ip, sign_in_step_up_record


class StepUpCodeStage(LoginByCodeStage):
    def handle(self) -> tuple[Any, bool]:
        started_before = bool(self.state)
        response, cont = super().handle()
        if response is not None and cont and not started_before and self.state:
            user = self.login.user
            sign_in_step_up_record(user=user, step="sent", ip_address=client_ip(self.request))
            messages.warning(
                self.request,
                _(
                    "There were several failed attempts to sign in to this account, so one "
                    "more step is needed: enter the code we have just sent you."
                ),
            )
        if response is not None and not cont:
            # allauth found no mobile and no e-mail address to send the code to.
            messages.error(
                self.request,
                _(
                    "We could not send you a sign-in code: this account has no mobile number "
                    "or e-mail address. Reset your password or ask the ministry for help."
                ),
            )
        if response is None and cont and self.login.user is not None and not started_before:
            # The right password, no extra step needed: earlier failures were the owner's.
            sign_in_failures_clear(self.login.user)
        return response, cont

    def exit(self) -> Any:
        user = self.login.user
        if user is not None and self.state.get("login_by_code_required"):
            sign_in_step_up_record(user=user, step="confirmed", ip_address=client_ip(self.request))
            sign_in_failures_clear(user)
        return super().exit()
