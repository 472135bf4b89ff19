"""Sign-in rules: applicants with civil ID + password, staff with e-mail + password."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
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

    def get_user(self, user_id: Any) -> AbstractBaseUser | None:
        """The signed-in user of a request, with the staff membership and its organisation
        read in the same query (a LEFT JOIN: nothing for anyone else). Every staff page asks
        for them (``accounts.permissions.acting_organisation``, the navigation): two queries
        fewer on each (issue 19). The rules are Django's own (``user_can_authenticate``)."""
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("membership__organisation").get(
                pk=user_id
            )
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
