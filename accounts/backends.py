"""Sign-in rules: applicants with civil ID + password, staff with e-mail + password."""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.base_user import AbstractBaseUser

from accounts.civil_id import normalise_login


class RoleAwareAuthenticationBackend(AuthenticationBackend):
    """allauth's backend, with each login method limited to the accounts it is meant for.

    allauth's "username" is our civil ID. Without this split a staff member could be reached by
    a civil ID, or an applicant who added an e-mail address could sign in by it, and rate limits
    and lockouts would apply to two identifiers per person.
    """

    def _authenticate_by_username(self, username: str, password: str) -> AbstractBaseUser | None:
        user = super()._authenticate_by_username(normalise_login(username), password)
        if user is not None and not user.is_applicant:
            return None
        return user

    def _authenticate_by_email(self, email: str, password: str) -> AbstractBaseUser | None:
        user = super()._authenticate_by_email(email, password)
        if user is not None and user.is_applicant:
            return None
        return user
