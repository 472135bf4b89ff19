"""allauth hooks for Musaada: civil IDs as usernames, mobiles as phones, SMS for applicants."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.civil_id import normalise_digits, parse_civil_id
from accounts.models import Role, User
from accounts.phones import normalise_mobile
from accounts.step_up import account_for_login, sign_in_failure_add, step_up_required
from audit.services import client_ip
from notifications.sms import send_sms

#: Password-reset "e-mail" values that really mean "text the applicant with this civil ID".
SMS_RESET_PREFIX = "sms:"


class MobileField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Mobile number"))
        kwargs.setdefault("max_length", 20)
        kwargs.pop("phone", None)
        super().__init__(**kwargs)
        self.widget = forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "dir": "ltr"}
        )

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return normalise_mobile(value) if value else value


#: One message for a wrong password, whatever was typed in the one sign-in field: applicants
#: type a civil ID, staff an e-mail address, and nobody here has a "username".
LOGIN_MISMATCH = gettext_lazy("The civil ID or e-mail address and the password do not match.")


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": LOGIN_MISMATCH,
        "email_password_mismatch": LOGIN_MISMATCH,
    }

    # --- the client's address (rate limits) -----------------------------------------------
    def get_client_ip(self, request: HttpRequest) -> str:
        """The same address as audit entries and identity limits (TRUSTED_PROXY_COUNT)."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    # --- civil ID as the username ---------------------------------------------------------
    def clean_username(self, username: str, shallow: bool = False) -> str:
        """A valid civil ID. Whether it already has an account is NOT said here (enumeration):
        the sign-up form handles that case like allauth handles a taken e-mail address."""
        number = normalise_digits(username).strip()
        parse_civil_id(number)
        return number

    def populate_username(self, request: HttpRequest, user: Any) -> None:
        # The civil ID typed on the form is the username; never generate one.
        return None

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user.role = Role.APPLICANT
        user.email = None
        user.language = form.cleaned_data.get("language") or "ar"
        return super().save_user(request, user, form, commit=commit)

    # --- failed sign-ins: never a lockout, an extra step (accounts.step_up) ----------------
    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        user = account_for_login(credentials)
        if user is not None:
            sign_in_failure_add(user)

    def get_login_stages(self) -> list[str]:
        return [
            "accounts.stages.StepUpCodeStage"
            if path == "allauth.account.stages.LoginByCodeStage"
            else path
            for path in super().get_login_stages()
        ]

    def is_login_by_code_required(self, login: Any) -> bool:
        if super().is_login_by_code_required(login):
            return True
        user = login.user
        if user is None or login.signup:
            return False
        if is_mfa_enabled(user):
            return False  # staff with a TOTP device: allauth's MFA stage asks for it
        return step_up_required(user)

    # --- phones (applicants' mobiles) -----------------------------------------------------
    def phone_form_field(self, **kwargs: Any) -> Any:
        return MobileField(**kwargs)

    def set_phone(self, user: Any, phone: str, verified: bool) -> None:
        user.mobile, user.mobile_verified = phone, verified
        if user.pk:
            user.save(update_fields=["mobile", "mobile_verified"])

    def get_phone(self, user: Any) -> tuple[str, bool] | None:
        if not user.is_applicant:
            # Staff accounts are created and checked by their organisation or the ministry;
            # their sign-in is protected by a second factor, not by an SMS check.
            return (user.mobile, True)
        return (user.mobile, user.mobile_verified) if user.mobile else None

    def set_phone_verified(self, user: Any, phone: str) -> None:
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str) -> Any | None:
        # Family members often share one mobile: a mobile never identifies an account.
        return None

    def send_verification_code_sms(self, user: Any, phone: str, code: str, **kwargs: Any) -> None:
        with translation.override(getattr(user, "language", None) or translation.get_language()):
            body = _("Musaada: your verification code is %(code)s. Do not share it.") % {
                "code": code
            }
        send_sms(to=phone, body=body)

    def send_account_already_exists_sms(self, phone: str) -> None:
        # The person who typed this mobile learns nothing; the account holder is warned by
        # accounts.forms.SignupForm, which knows whose civil ID was used.
        return None

    # --- applicants without e-mail: password reset and notices by SMS ---------------------
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # Each message goes out in the language of the person it is for (User.language), not
        # in the language of the page that caused it.
        if not email.startswith(SMS_RESET_PREFIX):
            recipient = User.objects.filter(email__iexact=email).first()
            language = recipient.language if recipient else translation.get_language()
            with translation.override(language):
                return super().send_mail(template_prefix, email, context)
        user = User.objects.filter(
            civil_id=email.removeprefix(SMS_RESET_PREFIX), role=Role.APPLICANT, is_active=True
        ).first()
        if user is None or not user.mobile:
            return None  # unknown civil ID: say nothing to anyone (enumeration)
        if template_prefix == "account/email/password_reset_code":
            with translation.override(user.language):
                body = _("Musaada: your password reset code is %(code)s.") % {
                    "code": context["code"]
                }
            send_sms(to=user.mobile, body=body)
        return None

    def send_notification_mail(
        self, template_prefix: str, user: Any, context: Any = None, email: str | None = None
    ) -> None:
        with translation.override(user.language):
            if user.email:
                return super().send_notification_mail(template_prefix, user, context, email)
            if user.mobile and template_prefix == "account/email/password_reset":
                send_sms(
                    to=user.mobile,
                    body=_(
                        "Musaada: your password was changed. If this was "
                        "not you, call the ministry hotline at once."
                    ),
                )
        return None
