"""Sign-in rules: applicants with civil ID + password, staff with e-mail + password."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, cast

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connections, router
from django.db.models import Model

from accounts.civil_id import normalise_login
from config.rows import columns, from_row, width


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
        read in the same statement (a LEFT JOIN: nothing for anyone else), as
        ``select_related("membership__organisation")`` reads them. Every staff page asks for
        them (``accounts.permissions.acting_organisation``, the navigation): two queries fewer
        on each, and the statement is written once (``config.rows``), not built and compiled
        by the ORM on every request: 0.15 ms of CPU, not 0.65 (issue 19).

        On a request, the user was usually read already, with its session, in the session's
        own statement (``accounts.sessions``): that one is used when it is the user asked for.
        The rules are Django's own (``user_can_authenticate``; the session's hash is checked
        by ``django.contrib.auth.get_user``)."""
        from accounts.sessions import user_read_with_session

        user_model = get_user_model()
        found = user_read_with_session(user_id)
        if found is None:
            using = router.db_for_read(user_model)
            with connections[using].cursor() as cursor:
                cursor.execute(user_sql(user_model, using), [user_id])
                row = cursor.fetchone()
            if row is None:
                return None
            found = user_from_row(user_model, row, using)
        return found if self.user_can_authenticate(found) else None


def user_from_row(user_model: type[Model], row: Sequence[Any], using: str) -> Any:
    """The user of ``row`` (read with ``user_columns``), its membership and the membership's
    organisation cached on it (``None`` for anyone but staff)."""
    membership, organisation = _related(user_model)
    users, memberships = width(user_model), width(membership.related_model)
    user = from_row(user_model, row[:users], using=using)
    staff = None
    if row[users] is not None:  # the membership's primary key: the user is staff
        staff = from_row(membership.related_model, row[users : users + memberships], using=using)
        organisation.set_cached_value(
            staff, from_row(organisation.related_model, row[users + memberships :], using=using)
        )
        membership.field.set_cached_value(staff, user)
    membership.set_cached_value(user, staff)
    return user


@functools.cache
def _related(user_model: type[Model]) -> tuple[Any, Any]:
    """The user's reverse one-to-one to its staff membership, and the membership's foreign key
    to its organisation: found by name, since the charities app sits above this one."""
    membership: Any = user_model._meta.get_field("membership")
    organisation = membership.related_model._meta.get_field("organisation")
    return membership, organisation


@functools.cache
def user_columns(user_model: type[Model], using: str) -> tuple[str, str]:
    """What a statement reads of the user aliased ``u`` for ``user_from_row``: the columns of
    the user, its membership and its organisation, and the joins that reach the last two."""
    quote = connections[using].ops.quote_name
    membership, organisation = _related(user_model)
    staff_model, organisation_model = membership.related_model, organisation.related_model

    def pk(model: type[Model]) -> str:
        return quote(cast(Any, model._meta.pk).column)

    return (
        f"{columns(user_model, 'u', using=using)},"
        f" {columns(staff_model, 'm', using=using)},"
        f" {columns(organisation_model, 'o', using=using)}",
        f"LEFT JOIN {quote(staff_model._meta.db_table)} m"
        f" ON m.{quote(membership.field.column)} = u.{pk(user_model)}"
        f" LEFT JOIN {quote(organisation_model._meta.db_table)} o"
        f" ON o.{pk(organisation_model)} = m.{quote(organisation.column)}",
    )


@functools.cache
def user_sql(user_model: type[Model], using: str) -> str:
    """``get_user``'s statement, made once per database: the user, its membership and its
    organisation (the last two NULL for anyone but staff)."""
    quote = connections[using].ops.quote_name
    read, joins = user_columns(user_model, using)
    return (
        f"SELECT {read} FROM {quote(user_model._meta.db_table)} u {joins}"  # noqa: S608 - names from the models
        f" WHERE u.{quote(cast(Any, user_model._meta.pk).column)} = %s"
    )
