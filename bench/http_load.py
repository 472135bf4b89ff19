"""HTTP scenarios (issue 19): the whole request through gunicorn, driven by Locust.

``bench.run``'s child calls ``run`` with its Django set up against one bench database. It

1. signs the users in beforehand (sessions written to the database, as a sign-in would, with
   the second factor recorded for staff), so the password hash is not in the measurement:
   caseworkers of nationwide organisations for the queue, the case page and the claim, pool
   applicants for the submission, the ministry official for the statistics;
2. starts gunicorn as in production (``config/gunicorn.conf.py``, ``bench.settings``: DEBUG off,
   persistent connections), ``--workers`` sync workers on 127.0.0.1;
3. runs one headless Locust (``bench/locustfile.py``, 8 users, no wait) per scenario for
   ``seconds``, the home page first: it is the stack's own ceiling in the same run, and every
   other line gives its requests/s as a share of it (with ``rounds``, the GET pages run that
   many times in turn, and each line shows its median round);
4. withdraws the requests the submission scenario made (untimed), so the pool serves again.

Requests/s is Locust's (requests over the scenario's time); median and p95 are Locust's, which
rounds times above 100 ms to two significant figures.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import PROJECT_DIR

#: Locust's simulated users (the issue's measurement used 8 connections).
USERS = 8
#: (key, label) of each scenario, in the order they run.
SCENARIOS = (
    ("http_home", "HTTP: home page (the ceiling)"),
    ("http_queue_first", "HTTP: queue, first page"),
    ("http_queue_filtered", "HTTP: queue, filtered + by score"),
    ("http_queue_deep", "HTTP: queue, page 20 (keyset cursor)"),
    ("http_case", "HTTP: case page (full file, view logged)"),
    ("http_claim", "HTTP: claim (POST)"),
    ("http_submit", "HTTP: request submission (POST), screened"),
    ("http_statistics", "HTTP: ministry statistics page"),
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def session_of(user: Any, *, second_factor: bool) -> str:
    """A signed-in session for ``user``, saved where gunicorn's workers read it; for staff,
    with the second factor recorded as allauth records a TOTP code typed at sign-in."""
    from importlib import import_module

    from allauth.account.internal.flows.login import record_authentication
    from django.conf import settings
    from django.contrib.auth import login
    from django.http import HttpRequest

    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    if second_factor:
        record_authentication(request, user, method="mfa", type="totp")
    request.session.save()
    return str(request.session.session_key)


def claimable_requests(child: Any, count: int) -> list[int]:
    """``count`` random open requests that the rule will let through: nobody a request covers
    holds a binding commitment of its aid type (in any period, from an earlier claim of this
    run or the generator's), and no two of them cover the same person for the same aid type.
    A random open request can cover someone an earlier claim covers (a spouse's own request,
    the in-process claims just before); the rule then refuses it, rightly, and the load tool
    would count that as a failed claim."""
    from aid_requests.models import AidRequest
    from applicants.models import HouseholdMember
    from dedup.models import BINDING, AidCommitment
    from dedup.people import people_covered

    ids = child._open_requests(count * 2, at_least=count)  # already in random order
    found = AidRequest.objects.select_related("aid_type", "applicant").in_bulk(ids)
    candidates = [found[pk] for pk in ids]
    households: dict[int, list[str]] = {}
    for applicant_id, civil_id in HouseholdMember.objects.filter(
        profile__user_id__in={r.applicant_id for r in candidates}
    ).values_list("profile__user_id", "civil_id"):
        households.setdefault(applicant_id, []).append(civil_id)
    people = {
        r.pk: {p.civil_id for p in people_covered(r, households.get(r.applicant_id, ()))}
        for r in candidates
    }
    taken = set(
        AidCommitment.all_sources.filter(
            status__in=BINDING, civil_id__in=set().union(*people.values())
        ).values_list("aid_type_id", "civil_id")
    )
    chosen = []
    for aid_request in candidates:
        slots = {(aid_request.aid_type_id, c) for c in people[aid_request.pk]}
        if slots & taken:
            continue
        taken |= slots
        chosen.append(aid_request.pk)
        if len(chosen) == count:
            return chosen
    raise RuntimeError(
        f"only {len(chosen)} of the {count} claimable open requests needed are left in this "
        "bench database: rebuild it with `python -m bench.run --fresh`"
    )


class Plan:
    """What each scenario's users send; written as JSON for the locustfile."""

    def __init__(self, child: Any, seconds: int) -> None:
        self.child = child
        self.seconds = seconds
        self.csrf = secrets.token_hex(16)  # 32 characters: Django accepts the bare secret
        self.scenarios: dict[str, dict[str, Any]] = {}
        self.submitted_applicants: list[int] = []

    def get(self, key: str, users: list[list[dict[str, Any]]]) -> None:
        self.scenarios[key] = {"repeat": True, "users": users}

    def once(self, key: str, users: list[list[dict[str, Any]]]) -> None:
        self.scenarios[key] = {"repeat": False, "users": users}

    def build(self) -> None:
        from django.urls import reverse

        from accounts.models import User
        from aid_requests.models import AidRequest, AidType, RequestStatus
        from applicants.models import Governorate
        from charities.selectors import QueueFilters, queue_for

        child = self.child
        staff = [child.user(child.caseworker_id(n + 1)) for n in range(USERS)]
        sessions = [session_of(u, second_factor=True) for u in staff]
        self.get("http_home", [[{"method": "GET", "path": "/"}]])

        needy = AidType.objects.get(code="needy-families")
        capital = Governorate.objects.get(code="capital").pk
        queue = reverse("charities:queue")
        filtered = f"{queue}?aid_type={needy.pk}&governorate={capital}&sort=score"
        organisation = staff[0].membership.organisation
        filters = QueueFilters(aid_type=needy.pk, governorate=capital, sort="score")
        cursor = None
        for _ in range(19):  # the cursor of page 20, as the "more" link would carry it
            cursor = queue_for(organisation, filters, after=cursor).next_cursor or cursor
        for key, path in (
            ("http_queue_first", queue),
            ("http_queue_filtered", filtered),
            ("http_queue_deep", f"{filtered}&after={cursor}"),
        ):
            self.get(key, [[{"method": "GET", "path": path, "session": s}] for s in sessions])

        # Case pages: cases each caseworker's organisation holds (the generator's claims).
        cases = []
        for user, session in zip(staff, sessions, strict=True):
            held = AidRequest.objects.filter(
                claimed_by=user.membership.organisation, status=RequestStatus.CLAIMED
            ).values_list("pk", flat=True)[:10]
            path = "charities:case"
            cases.append(
                [
                    {"method": "GET", "path": reverse(path, args=[pk]), "session": session}
                    for pk in held
                ]
            )
        self.get("http_case", [c for c in cases if c])

        # Claims: open requests the rule lets through, enough for the run at ~150 claims a
        # second (a user whose list runs out stops: the line then shows fewer requests than
        # the time allowed).
        per_user = max(50, self.seconds * 150 // USERS)
        ids = claimable_requests(child, per_user * USERS)
        self.once(
            "http_claim",
            [
                [
                    {
                        "method": "POST",
                        "path": reverse("charities:claim", args=[pk]),
                        "session": session,
                        "expect": "/charity/cases/",
                    }
                    for pk in ids[index * per_user : (index + 1) * per_user]
                ]
                for index, session in enumerate(sessions)
            ],
        )

        # Submissions: pool applicants with no live needy-family request, one request each.
        from aid_requests.models import LIVE_STATUSES
        from applicants.selectors import documents_of

        live = AidRequest.objects.filter(aid_type=needy, status__in=LIVE_STATUSES)
        pool = list(
            User.objects.filter(
                pk__gte=int(child.meta["pool_first"]), pk__lte=int(child.meta["pool_last"])
            )
            .exclude(pk__in=live.values("applicant_id"))
            .order_by("?")[: self.seconds * 30]
        )
        self.submitted_applicants = [u.pk for u in pool]
        new = reverse("aid_requests:new", args=[needy.code])
        items = [
            {
                "method": "POST",
                "path": new,
                "session": session_of(user, second_factor=False),
                "expect": "/requests/",
                "data": {
                    "amount": "450.000",
                    "justification": "bench-http",
                    "documents": [d.pk for d in documents_of(user)],
                    "submission_key": secrets.token_urlsafe(24),
                },
            }
            for user in pool
        ]
        self.once("http_submit", [items[index::USERS] for index in range(USERS)])

        official = child.user(int(child.meta["official"]))
        self.get(
            "http_statistics",
            [
                [
                    {
                        "method": "GET",
                        "path": reverse("reports:statistics"),
                        "session": session_of(official, second_factor=True),
                    }
                ]
            ],
        )

    def write(self, path: Path) -> None:
        path.write_text(json.dumps({"csrf": self.csrf, "scenarios": self.scenarios}))

    def withdraw_submissions(self) -> int:
        """The requests the submission scenario made, withdrawn (untimed) as the in-process
        scenario does, so the pool can be used again."""
        from aid_requests.models import AidRequest, RequestStatus
        from dedup.request_steps import aid_request_withdraw

        made = AidRequest.objects.filter(
            applicant_id__in=self.submitted_applicants, justification="bench-http"
        ).exclude(status__in=[RequestStatus.WITHDRAWN, RequestStatus.INELIGIBLE])
        count = 0
        for aid_request in made.select_related("applicant"):
            aid_request_withdraw(aid_request_id=aid_request.pk, applicant=aid_request.applicant)
            count += 1
        return count


class Server:
    """gunicorn as in production, on a free local port."""

    def __init__(self, workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "config/gunicorn.conf.py",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ]
        # Our own interpreter running gunicorn with fixed arguments; the environment is the
        # child's (bench.settings, DATABASE_URL of this scale's bench database).
        self.process = subprocess.Popen(command, cwd=PROJECT_DIR)  # noqa: S603
        self.workers = workers

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /healthz")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def locust(
    server: Server, fixture: Path, scenario: str, seconds: int, workdir: Path
) -> dict[str, Any]:
    """One headless Locust run of ``scenario``; its aggregated figures."""
    prefix = workdir / scenario
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(Path(PROJECT_DIR) / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(USERS),
        "--spawn-rate",
        str(USERS),
        "--run-time",
        f"{seconds}s",
        "--host",
        server.url,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
        "--stop-timeout",
        "10",
    ]
    env = {**os.environ, "BENCH_HTTP_FIXTURE": str(fixture), "BENCH_HTTP_SCENARIO": scenario}
    # Our own interpreter running Locust with fixed arguments.
    done = subprocess.run(  # noqa: S603
        command, cwd=PROJECT_DIR, env=env, check=False, capture_output=True, text=True
    )
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise RuntimeError(f"locust exited with {done.returncode}")
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    with open(f"{prefix}_failures.csv", encoding="utf-8") as handle:
        failures = [f"{r['Occurrences']}× {r['Error']}" for r in csv.DictReader(handle)]
    return {
        "requests": int(row["Request Count"]),
        "failed": int(row["Failure Count"]),
        "failures": failures[:3],
        "median_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "throughput": float(row["Requests/s"]),
    }


def warm(server: Server, plan: Plan) -> None:
    """Every worker opens its database connection and loads the GET pages' code and
    templates before anything is timed (a few rounds of each GET scenario's first request)."""
    for scenario in plan.scenarios.values():
        if not scenario["repeat"]:
            continue
        item = scenario["users"][0][0]
        cookie = f"csrftoken={plan.csrf}" + (
            f"; sessionid={item['session']}" if item.get("session") else ""
        )
        for _ in range(server.workers * 3):
            request = urllib.request.Request(  # noqa: S310 - our own local server
                server.url + item["path"], headers={"Cookie": cookie}
            )
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                response.read()


def _round(key: str, run: tuple[dict[str, Any], float | None]) -> str:
    """One round of a line: the home page's requests/s, another page's ratio to it."""
    result, ratio = run
    return (
        f"{result['throughput']:.0f}/s" if key == "http_home" or ratio is None else f"{ratio:.0%}"
    )


def run(child: Any, *, seconds: int, workers: int, rounds: int = 1) -> None:
    """The HTTP scenarios at this child's scale; rows added to ``child``.

    With ``rounds`` above one, the GET pages (the home page first) run that many times in
    turn, each round's ratios against its own home page, and each line shows the round of
    the median ratio with every round's ratio beside it: a page's ratio then does not hang
    on one 20-second stretch of a machine whose speed drifts. The claims and submissions
    change the data, so they run once, in the first round."""
    plan = Plan(child, seconds)
    plan.build()
    runs: dict[str, list[tuple[dict[str, Any], float | None]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        workdir = Path(tmp)
        fixture = workdir / "fixture.json"
        plan.write(fixture)
        server = Server(workers)
        try:
            server.wait_ready()
            warm(server, plan)
            for turn in range(rounds):
                home = None
                for key, _label in SCENARIOS:
                    scenario = plan.scenarios.get(key)
                    if scenario is None or (turn and not scenario["repeat"]):
                        continue
                    result = locust(server, fixture, key, seconds, workdir)
                    if key == "http_home":
                        home = result["throughput"]
                    ratio = result["throughput"] / home if home else None
                    runs.setdefault(key, []).append((result, ratio))
        finally:
            server.stop()
    for key, label in SCENARIOS:
        if key not in runs:
            child.add(key, f"{label}: skipped (nothing to send)")
            continue
        # The home page's own ratio is always 1: its rounds are ordered by requests/s.
        by = (lambda run: run[0]["throughput"]) if key == "http_home" else (lambda run: run[1])
        result, ratio = sorted(runs[key], key=by)[len(runs[key]) // 2]
        child.add(
            key,
            f"{label}, {workers} workers",
            median_ms=result["median_ms"],
            p95_ms=result["p95_ms"],
            throughput=result["throughput"],
            ratio_home=ratio,
            requests=result["requests"],
            # A failure in any round counts, not only in the round shown.
            failed=sum(run[0]["failed"] for run in runs[key]),
            failures=[f for run in runs[key] for f in run[0]["failures"]][:3] or None,
            rounds=[_round(key, run) for run in runs[key]] if len(runs[key]) > 1 else None,
        )
    withdrawn = plan.withdraw_submissions()
    from bench.run import log

    log(f"{child.scale:>9,} HTTP: {withdrawn} submitted requests withdrawn")
