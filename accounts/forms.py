from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.core import validators
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.adapter import SMS_RESET_PREFIX
from accounts.civil_id import (
    civil_id_help_text,
    login_help_text,
    normalise_login,
    parse_civil_id,
)
from accounts.models import Role, User
from accounts.phones import mobile_rule
from accounts.step_up import first_signup_warning_today
from notifications.sms import send_sms


class LoginForm(AllauthLoginForm):
    """One sign-in form: applicants type their civil ID, staff their e-mail address."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Civil ID or staff e-mail")
        login.help_text = login_help_text()
        login.widget.attrs.update(
            {"placeholder": "", "autocomplete": "username", "inputmode": "text", "dir": "ltr"}
        )
        self.fields["password"].label = _("Password")

    def clean_login(self) -> str:
        # Phones often type Arabic-Indic digits (٢٨٥…); the civil ID is stored in ASCII digits.
        # E-mail addresses are kept as typed (a staff address may well contain a dash).
        value: str = self.cleaned_data["login"]
        return normalise_login(value)


class SignupForm(AllauthSignupForm):
    """Applicant sign-up: civil ID, mobile, password, language.

    A civil ID that already has an account is treated like allauth treats a taken e-mail
    address: the page that follows is the same "enter the code we sent" page, nothing is
    created, and the account holder's own mobile is told that someone tried.
    """

    language = forms.ChoiceField(
        label=_("Language for messages"),
        choices=[("ar", _("Arabic")), ("en", _("English"))],
        initial="ar",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.existing_user: User | None = None
        username = self.fields["username"]
        # allauth caps the field at the stored length (12); a civil ID typed with spaces or
        # dashes ("2850 3140 1239") is longer until clean_username normalises and checks it.
        username.validators = [
            v for v in username.validators if not isinstance(v, validators.MaxLengthValidator)
        ]
        username.max_length = 32
        username.widget.attrs["maxlength"] = "32"
        username.label = _("Civil ID")
        username.help_text = civil_id_help_text()
        username.widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "username", "dir": "ltr", "placeholder": ""}
        )
        self.fields["phone"].label = _("Mobile number")
        self.fields["phone"].help_text = mobile_rule().signup_help_text()
        self.fields["password1"].label = _("Password")
        self.fields["password2"].label = _("Password (again)")
        self.order_fields(["username", "phone", "password1", "password2", "language"])

    def clean_username(self) -> str:
        value = super().clean_username()
        self.existing_user = User.objects.filter(civil_id=value).first()
        if self.existing_user is not None:
            self.account_already_exists = True
        return value

    def try_save(self, request: HttpRequest) -> Any:
        if not self.account_already_exists:
            try:
                with transaction.atomic():
                    return super().try_save(request)
            except IntegrityError:
                # The same civil ID signed up at the same moment and won the unique index: from
                # here on this is the "civil ID already has an account" case, answered the same.
                self.existing_user = User.objects.filter(
                    civil_id=self.cleaned_data["username"]
                ).first()
                if self.existing_user is None:
                    raise
                self.account_already_exists = True
        if (
            self.existing_user
            and self.existing_user.mobile
            and first_signup_warning_today(self.existing_user)
        ):
            with translation.override(self.existing_user.language):
                body = gettext(
                    "Musaada: someone tried to register a new account with your civil ID. "
                    "If it was you, sign in or reset your password instead."
                )
            send_sms(to=self.existing_user.mobile, body=body)
        return super().try_save(request)


class PasswordResetForm(ResetPasswordForm):
    """Reset by code: applicants get it by SMS (civil ID), staff by e-mail."""

    email = forms.CharField(label=_("Civil ID or staff e-mail"), max_length=254)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"dir": "ltr", "autocomplete": "username"})

    def clean_email(self) -> str:
        value = normalise_login(self.cleaned_data["email"])
        if "@" in value:
            self.cleaned_data["email"] = value
            address = super().clean_email()
            self.users = [u for u in self.users if not u.is_applicant]  # type: ignore[has-type]
            return address
        parse_civil_id(value)
        self.users = list(User.objects.filter(civil_id=value, role=Role.APPLICANT, is_active=True))
        return f"{SMS_RESET_PREFIX}{value}"
