"""What every ministry page reads by: a range of whole months (``Period``), the filters of the
list behind a figure (``RequestFilters``), names in the current language, and the state of
the rollups."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import get_language

from aid_requests.models import AidType, RequestStatus
from applicants.models import Governorate
from charities.models import Organisation
from config.dates import day_start, month_end, month_start, months_between
from reports.events import Basis
from reports.models import RollupState

S = RequestStatus
#: Where a case is held by an organisation.
HELD = (S.CLAIMED, S.APPROVED, S.PAYING)


def name_of(obj: Any) -> str:
    if obj is None:
        return ""
    return str(obj.name_en if get_language() == "en" else obj.name_ar)


def names_of(model: type[AidType] | type[Governorate] | type[Organisation]) -> dict[int, str]:
    """Names in the current language by id (aid types, governorates: a handful of rows;
    organisations: about 1,200)."""
    return {row.pk: name_of(row) for row in model.objects.only("pk", "name_ar", "name_en")}


def rollup_state() -> RollupState | None:
    return RollupState.objects.filter(pk=1).first()


@dataclass(frozen=True)
class Period:
    """A range of whole local months (``start`` the first day of the first month, ``end`` the
    last day of the last one) and an optional aid type."""

    start: datetime.date
    end: datetime.date
    aid_type_id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", month_start(self.start))
        object.__setattr__(self, "end", month_end(self.end))

    @classmethod
    def this_year(cls) -> Period:
        today = timezone.localdate()
        return cls(start=datetime.date(today.year, 1, 1), end=datetime.date(today.year, 12, 31))

    @classmethod
    def month(cls, month: datetime.date, aid_type_id: int | None = None) -> Period:
        return cls(start=month, end=month, aid_type_id=aid_type_id)

    def as_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"start": f"{self.start:%Y-%m}", "end": f"{self.end:%Y-%m}"}
        if self.aid_type_id:
            params["aid_type"] = self.aid_type_id
        return params

    def query(self, **extra: Any) -> str:
        """The query string of this period plus ``extra`` (None values left out)."""
        params = {**self.as_params(), **{k: v for k, v in extra.items() if v is not None}}
        return urlencode(params)

    @property
    def start_at(self) -> datetime.datetime:
        return day_start(self.start)

    @property
    def end_before(self) -> datetime.datetime:
        return day_start(self.end + datetime.timedelta(days=1))

    @property
    def months(self) -> list[datetime.date]:
        return months_between(self.start, self.end)


#: ``state`` filter of the list: where the request stands now (statuses).
STATES: dict[str, tuple[str, ...]] = {
    "open": (S.OPEN,),
    "held": HELD,
    "closed": (S.CLOSED,),
    "ineligible": (S.INELIGIBLE,),
    "claimed": (S.CLAIMED,),
}


@dataclass(frozen=True)
class RequestFilters:
    period: Period
    basis: str = Basis.SUBMITTED
    governorate_id: int | None = None
    organisation_id: int | None = None
    state: str | None = None
    overdue: bool = False

    def as_params(self) -> dict[str, Any]:
        params = {**self.period.as_params(), "basis": self.basis}
        for name, value in (
            ("governorate", self.governorate_id),
            ("organisation", self.organisation_id),
            ("state", self.state),
        ):
            if value:
                params[name] = value
        if self.overdue:
            params["overdue"] = "1"
        return params

    def query(self) -> str:
        return urlencode(self.as_params())
