"""Periodic jobs without Celery beat (``manage.py run_periodic``) and their record.

The jobs below are real Celery tasks registered on the project's app for these tests; the
runner finds them by name, as it finds the real ones.
"""

from __future__ import annotations

import datetime
import re
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role
from config.celery import app
from reports.models import JobOutcome, PeriodicJobRun
from reports.periodic import PeriodicRunner
from reports.services.heartbeat import periodic_job_finished, periodic_job_started
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

RAN: list[str] = []


@app.task(name="tests.reports.counting_job")
def counting_job(label: str = "counted") -> str:
    RAN.append(label)
    return label


@app.task(name="tests.reports.failing_job")
def failing_job() -> None:
    RAN.append("failing")
    raise RuntimeError("the job broke")


SCHEDULE = {
    # The failing job comes first: the one after it must still run.
    "breaks": {"task": "tests.reports.failing_job", "schedule": 60.0},
    "counts": {"task": "tests.reports.counting_job", "schedule": 60.0, "args": ("every-minute",)},
    "slow": {
        "task": "tests.reports.counting_job",
        "schedule": datetime.timedelta(minutes=10),
        "kwargs": {"label": "every-ten-minutes"},
    },
}
T0 = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def schedule(settings):
    settings.CELERY_BEAT_SCHEDULE = SCHEDULE
    RAN.clear()
    yield
    RAN.clear()


def test_runner_runs_each_due_job_once_and_survives_a_failing_one(schedule):
    with time_machine.travel(T0, tick=False) as clock:
        runner = PeriodicRunner(app)
        wait = runner.run_pending()
        assert RAN == ["failing", "every-minute", "every-ten-minutes"]
        assert wait == 60.0
        runner.run_pending()  # nothing is due again yet
        assert len(RAN) == 3
        clock.shift(datetime.timedelta(seconds=61))
        runner.run_pending()
        assert RAN[3:] == ["failing", "every-minute"]  # the ten-minute job is not due
        clock.shift(datetime.timedelta(minutes=10))
        runner.run_pending()
        assert RAN[5:] == ["failing", "every-minute", "every-ten-minutes"]

    failed = PeriodicJobRun.objects.get(task="tests.reports.failing_job")
    assert failed.outcome == JobOutcome.FAILED
    assert "the job broke" in failed.error
    assert failed.runs == 3
    assert failed.finished_at is not None
    counted = PeriodicJobRun.objects.get(task="tests.reports.counting_job")
    assert counted.outcome == JobOutcome.SUCCEEDED
    assert counted.error == ""
    assert counted.runs == 5  # two entries share this task: one row, by task name
    assert counted.started_at == T0 + datetime.timedelta(seconds=61, minutes=10)


def test_a_job_whose_task_is_not_registered_is_recorded_as_failed(settings):
    settings.CELERY_BEAT_SCHEDULE = {
        "ghost": {"task": "tests.reports.no_such_task", "schedule": 60.0},
        "counts": {"task": "tests.reports.counting_job", "schedule": 60.0},
    }
    RAN.clear()
    PeriodicRunner(app).run_pending()
    assert RAN == ["counted"]
    ghost = PeriodicJobRun.objects.get(task="tests.reports.no_such_task")
    assert ghost.outcome == JobOutcome.FAILED
    assert "not registered" in ghost.error


def test_run_periodic_once_runs_every_real_periodic_job(settings):
    """The project's own schedule: every job runs in-process and succeeds on a fresh database."""
    out = StringIO()
    call_command("run_periodic", "--once", stdout=out)
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "charities.tasks.release_expired_claims" in tasks
    runs = {run.task: run for run in PeriodicJobRun.objects.all()}
    assert set(runs) == tasks
    assert {run.task: run.outcome for run in runs.values()} == dict.fromkeys(
        tasks, JobOutcome.SUCCEEDED
    )
    assert f"{len(settings.CELERY_BEAT_SCHEDULE)} periodic jobs" in out.getvalue()


def test_tasks_outside_the_schedule_are_not_recorded(schedule):
    counting_job.apply()
    assert PeriodicJobRun.objects.count() == 1  # counting_job is scheduled
    PeriodicJobRun.objects.all().delete()
    SCHEDULE_WITHOUT = {"breaks": SCHEDULE["breaks"]}
    from django.conf import settings

    settings.CELERY_BEAT_SCHEDULE = SCHEDULE_WITHOUT
    counting_job.apply()
    assert not PeriodicJobRun.objects.exists()


# --- the ministry overview ----------------------------------------------------------------


def _row(html: str, name: str) -> str:
    match = re.search(rf'<tr data-testid="job-{name}".*?</tr>', html, re.S)
    assert match, f"no row for {name}"
    return match.group(0)


def test_overview_lists_every_periodic_job_and_flags_the_overdue_ones(client, settings):
    settings.CELERY_BEAT_SCHEDULE = {
        "worker-heartbeat": {"task": "reports.tasks.worker_heartbeat", "schedule": 60.0},
        "refresh-report-rollups": {"task": "reports.tasks.refresh_rollups", "schedule": 300.0},
        "release-expired-claims": {
            "task": "charities.tasks.release_expired_claims",
            "schedule": 3600.0,
        },
        "breaks": {"task": "tests.reports.failing_job", "schedule": 60.0},
    }
    with time_machine.travel(T0, tick=False) as clock:
        for task in ("reports.tasks.worker_heartbeat", "reports.tasks.refresh_rollups"):
            periodic_job_started(task=task)
            periodic_job_finished(task=task)
        periodic_job_started(task="tests.reports.failing_job")
        periodic_job_finished(task="tests.reports.failing_job", error="boom")
        # 3 minutes later: the heartbeat (every minute) is overdue, the rollups (every five)
        # are not, the deadline release never ran.
        clock.shift(datetime.timedelta(minutes=3))
        client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get("/ministry/")
    html = response.content.decode()
    assert response.status_code == 200
    jobs = {job.name: job for job in response.context["overview"].jobs}
    assert list(jobs) == list(settings.CELERY_BEAT_SCHEDULE)
    assert {name: job.overdue for name, job in jobs.items()} == {
        "worker-heartbeat": True,
        "refresh-report-rollups": False,
        "release-expired-claims": True,
        "breaks": True,
    }
    heartbeat = _row(html, "worker-heartbeat")
    assert "Worker heartbeat" in heartbeat
    assert "every minute" in heartbeat
    assert "2026-03-01" in heartbeat
    assert "3\xa0minutes ago" in heartbeat
    assert "Succeeded" in heartbeat
    assert 'data-testid="job-overdue">Overdue' in heartbeat
    rollups = _row(html, "refresh-report-rollups")
    assert "every 5 minutes" in rollups
    assert "Succeeded" in rollups
    assert "job-overdue" not in rollups
    never = _row(html, "release-expired-claims")
    assert "Release claims past their deadline" in never
    assert "every hour" in never
    assert "never" in never
    assert "Not run yet" in never
    broken = _row(html, "breaks")
    assert "Failed" in broken
    assert "boom" in broken


def test_overview_is_translated_into_arabic(client, settings):
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    periodic_job_started(task="reports.tasks.worker_heartbeat")
    periodic_job_finished(task="reports.tasks.worker_heartbeat")
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
        html = client.get("/ministry/").content.decode()
    row = _row(html, "worker-heartbeat")
    assert "نبضة" in row  # "Worker heartbeat"
    assert "متأخرة" in row  # "Overdue"
    assert "Overdue" not in row
    assert "Worker heartbeat" not in row


@pytest.mark.parametrize(
    ("inline", "shown"),
    [
        (True, "none needed: background tasks run inside the web server (embedded setup)"),
        (False, "no heartbeat yet"),
    ],
    ids=["embedded-default", "with-a-broker"],
)
def test_the_worker_card_says_plainly_when_tasks_run_inline(client, settings, inline, shown):
    settings.CELERY_TASK_ALWAYS_EAGER = inline
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/ministry/").content.decode()
    assert shown in html


def test_every_periodic_job_has_a_translated_label(settings):
    """The overview names each job in words, never by its schedule key."""
    from django.utils import translation

    from reports.selectors.overview import JOB_LABELS

    assert set(settings.CELERY_BEAT_SCHEDULE) <= set(JOB_LABELS)
    with translation.override("ar"):
        for name in settings.CELERY_BEAT_SCHEDULE:
            assert str(JOB_LABELS[name]) != name
            assert not any("a" <= c.lower() <= "z" for c in str(JOB_LABELS[name])), name
