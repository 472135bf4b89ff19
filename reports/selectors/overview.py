"""The ministry overview: headline counts of the whole registry and the state of the workers
and periodic jobs."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from aid_requests.models import AidType, RequestStatus
from charities.models import Organisation, OrganisationStatus
from reports.models import (
    JobOutcome,
    MonthlyStatusFigures,
    PeriodicJobRun,
    RollupState,
    WorkerHeartbeat,
)
from reports.schedule import schedule_interval
from reports.selectors.filters import name_of, rollup_state


@dataclass(frozen=True)
class Overview:
    applicants: int
    requests_total: int
    by_status: Sequence[tuple[str, str | Promise, int]]
    by_aid_type: list[tuple[int, str, int]]
    organisations: Sequence[tuple[str, str | Promise, int]]
    last_heartbeat: WorkerHeartbeat | None
    state: RollupState | None
    jobs: list[PeriodicJobStatus]


def ministry_overview() -> Overview:
    """Headline counts across the whole registry, from the rollups: requests by status and
    aid type are sums over ``MonthlyStatusFigures`` (a few thousand rows), the applicants are
    counted by each refresh; only the ~1,200 organisations are counted live."""
    state = rollup_state()
    status_counts: dict[str, int] = defaultdict(int)
    type_counts: dict[int, int] = defaultdict(int)
    for status, aid_type_id, n in (
        MonthlyStatusFigures.objects.values_list("status", "aid_type_id")
        .annotate(n=Sum("count"))
        .order_by()
    ):
        status_counts[status] += int(n)
        type_counts[aid_type_id] += int(n)
    by_status = [
        (value, label, status_counts.get(value, 0)) for value, label in RequestStatus.choices
    ]
    aid_types = AidType.objects.order_by("id").only("pk", "name_ar", "name_en")
    org_counts = dict(Organisation.objects.values_list("status").annotate(n=Count("id")).order_by())
    organisations = [
        (value, label, org_counts.get(value, 0)) for value, label in OrganisationStatus.choices
    ]
    return Overview(
        applicants=state.applicants if state else 0,
        requests_total=sum(status_counts.values()),
        by_status=by_status,
        by_aid_type=[(t.pk, name_of(t), type_counts.get(t.pk, 0)) for t in aid_types],
        organisations=organisations,
        last_heartbeat=WorkerHeartbeat.objects.order_by("-beat_at").first(),
        state=state,
        jobs=periodic_jobs(),
    )


#: What each periodic job does, for the overview (an entry missing here shows its key).
JOB_LABELS: dict[str, str | Promise] = {
    "worker-heartbeat": _("Worker heartbeat"),
    "release-expired-claims": _("Release claims past their deadline"),
    "refresh-report-rollups": _("Refresh the statistics"),
    "resend-pending-notifications": _("Send notifications left pending"),
    "identity-expire-stale-attempts": _("Expire stale identity checks"),
    "return-covered-requests": _("Return requests whose other aid has ended to the queue"),
    "clear-expired-sessions": _("Remove expired sign-in sessions"),
    "benefits-refresh-live-cases": _("Ask the agencies again about live requests' benefits"),
    "benefits-refill-state-commitments": _("Give back to the state the days a case freed"),
    "volunteering-announce-certificates": _("Announce volunteers' certificates of service"),
}


@dataclass(frozen=True)
class PeriodicJobStatus:
    """One entry of ``CELERY_BEAT_SCHEDULE`` and its last recorded run."""

    name: str
    label: str | Promise
    task: str
    interval: datetime.timedelta | None
    last: PeriodicJobRun | None
    overdue: bool

    @property
    def failed(self) -> bool:
        return self.last is not None and self.last.outcome == JobOutcome.FAILED

    @property
    def every(self) -> str:
        if self.interval is None:
            return gettext("on a calendar schedule")
        seconds = int(self.interval.total_seconds())
        if seconds % 3600 == 0:
            hours = seconds // 3600
            return ngettext("every hour", "every %(n)d hours", hours) % {"n": hours}
        if seconds % 60 == 0:
            minutes = seconds // 60
            return ngettext("every minute", "every %(n)d minutes", minutes) % {"n": minutes}
        return ngettext("every second", "every %(n)d seconds", seconds) % {"n": seconds}


def periodic_jobs(now: datetime.datetime | None = None) -> list[PeriodicJobStatus]:
    """Every periodic job with its last run; overdue when it has not started for more than
    twice its interval (or never ran). One query."""
    now = now or timezone.now()
    runs = {run.task: run for run in PeriodicJobRun.objects.all()}
    jobs = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        task = str(entry["task"])
        interval = schedule_interval(entry["schedule"])
        last = runs.get(task)
        if last is None:
            overdue = True
        elif interval is None:
            overdue = False
        else:
            overdue = now - last.started_at > 2 * interval
        jobs.append(
            PeriodicJobStatus(
                name=name,
                label=JOB_LABELS.get(name, name),
                task=task,
                interval=interval,
                last=last,
                overdue=overdue,
            )
        )
    return jobs
