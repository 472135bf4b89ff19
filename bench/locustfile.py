"""The Locust side of ``bench.http_load``: one scenario of the fixture it wrote.

    BENCH_HTTP_FIXTURE=plan.json BENCH_HTTP_SCENARIO=queue_first \
        locust -f bench/locustfile.py --headless -u 8 -r 8 -t 20s --host http://127.0.0.1:8001

The fixture gives, per scenario, one list of requests per simulated user (a method, a path,
the session cookie it is sent with, the form fields of a POST) and whether the list repeats
(GETs) or is used once (a claim or a submission changes what it was sent for). Users are signed
in beforehand (their sessions are in the database): no password hash is in the measurement.
"""

from __future__ import annotations

import itertools
import json
import os
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, constant, task
from locust.exception import StopUser

SCENARIO = os.environ.get("BENCH_HTTP_SCENARIO", "")
with open(os.environ["BENCH_HTTP_FIXTURE"], encoding="utf-8") as handle:
    FIXTURE: dict[str, Any] = json.load(handle)
PLAN: dict[str, Any] = FIXTURE["scenarios"][SCENARIO] if SCENARIO else {"users": [[]]}
CSRF: str = FIXTURE["csrf"]
_next_user = itertools.count()


class BenchUser(FastHttpUser):
    wait_time = constant(0)  # closed loop: each user sends its next request at once

    def on_start(self) -> None:
        users = PLAN["users"]
        mine = users[next(_next_user) % len(users)]
        self.requests = itertools.cycle(mine) if PLAN["repeat"] else iter(mine)

    @task
    def send(self) -> None:
        item = next(self.requests, None)
        if item is None:
            raise StopUser()
        cookies = [f"csrftoken={CSRF}"]
        if item.get("session"):
            cookies.append(f"sessionid={item['session']}")
        headers = {"Cookie": "; ".join(cookies)}
        data = None
        if item["method"] == "POST":
            headers["X-CSRFToken"] = CSRF
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = urlencode(item.get("data") or {}, doseq=True)
        self.client.cookiejar.clear()  # only the cookies given here, never the last response's
        expect = item.get("expect", "")
        with self.client.request(
            item["method"],
            item["path"],
            name=SCENARIO,
            headers=headers,
            data=data,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            wanted = 302 if item["method"] == "POST" else 200
            location = response.headers.get("location", "") if response.headers else ""
            if response.status_code != wanted:
                response.failure(f"status {response.status_code}")
            elif expect and not location.startswith(expect):
                response.failure(f"redirected to {location}")
