"""Whom a request covers: the people the one-aid-type rule reserves a commitment for."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aid_requests.models import AidRequest, AidScope


@dataclass(frozen=True)
class Person:
    civil_id: str
    is_applicant: bool


def people_covered(aid_request: AidRequest, household: Iterable[str]) -> list[Person]:
    """Person aid covers its beneficiary: the applicant, or the household member it names (by
    the civil ID kept at submission); household aid covers the applicant and every household
    member (``household``: their civil IDs, as read with the request)."""
    if aid_request.aid_type.scope == AidScope.PERSON and aid_request.is_for_member:
        # is_applicant marks the request's own person — one commitment per claim, which the
        # figures (reports) count — so it is True for the member the request is for.
        return [Person(civil_id=aid_request.beneficiary_civil_id or "", is_applicant=True)]
    people = [Person(civil_id=aid_request.applicant.civil_id or "", is_applicant=True)]
    if aid_request.aid_type.scope == AidScope.HOUSEHOLD:
        people += [Person(civil_id=c, is_applicant=False) for c in household]
    unique: dict[str, Person] = {}
    for person in people:
        unique.setdefault(person.civil_id, person)  # a member listed twice is covered once
    return list(unique.values())
