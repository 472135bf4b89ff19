"""Builders of agency files: rows as dicts, written as CSV or XLSX in ``tmp_path``."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from benefits.importing import COLUMNS
from tests.benefits.stub import AgencyStub
from tests.factories import civil_id_for

Row = dict[str, Any]


def benefit_row(n: int, **overrides: Any) -> Row:
    """A good row: person ``n``, a retirement pension from Social Security, open-ended."""
    row: Row = {
        "civil_id": civil_id_for(n),
        "agency": "social_security",
        "benefit": "retirement_pension",
        "monthly_amount": "250.500",
        "start_date": "2024-01-01",
        "end_date": "",
        "reference": f"SS-{n}",
    }
    row.update(overrides)
    return row


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(
        rows: list[Row],
        *,
        name: str = "benefits.csv",
        columns: tuple[str, ...] = COLUMNS,
        encoding: str = "utf-8",
    ) -> Path:
        path = tmp_path / name
        with path.open("w", encoding=encoding, newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([row.get(column, "") for column in columns])
        return path

    return write


def read_report(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture
def english() -> Iterator[None]:
    """Reasons in English, to assert on them."""
    with translation.override("en"):
        yield


@pytest.fixture
def agency(settings) -> Iterator[AgencyStub]:
    """Social Security as a stub on loopback, and the settings pointing the http lookup at it:
    short timeouts (a slow answer is one that takes over 0.2 s) and retries without waiting."""
    with AgencyStub() as stub:
        settings.BENEFITS_LOOKUP = "http"
        settings.BENEFITS_AGENCY_URLS = {stub.code: stub.url}
        settings.BENEFITS_AGENCY_KEYS = {stub.code: stub.key}
        settings.BENEFITS_HTTP_CONNECT_TIMEOUT = 1.0
        settings.BENEFITS_HTTP_READ_TIMEOUT = 0.2
        settings.BENEFITS_HTTP_RETRIES = 2
        settings.BENEFITS_HTTP_BACKOFF_SECONDS = 0
        yield stub
