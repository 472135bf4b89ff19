"""Build a national-scale Musaada database for the benchmark, with COPY.

    python -m bench.generate --applicants 1000000 [--fresh]

Creates ``musaada_bench_<applicants>`` on the server of ``BENCH_DATABASE_URL`` (never the
development database), migrates it with ``manage.py migrate``, then loads per applicant on
average ~2 household members, ~3 requests and ~5 payments, plus 1,200 organisations and 10,000
staff, in batches of COPY streams. A database of the same scale that finished loading is
reused unless ``--fresh`` is given (``manage.py migrate`` applies any migration added since).

Shape of the data (see docs/benchmarks.md):
* every applicant is identity-verified with a complete profile; the last ``pool`` applicants
  have documents and no request (the submission scenario uses them);
* an applicant's requests have distinct aid types and each person belongs to one household,
  so commitments never overlap (the exclusion constraint is re-added after the load and would
  refuse any overlap);
* foreign-key triggers are off during COPY (``session_replication_role = replica``); ids are
  assigned here and the identity sequences moved past them at the end; ANALYZE last.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import psycopg

from bench.common import PROJECT_DIR, conninfo, database_name, database_url

BATCH = 50_000  # applicants per COPY batch (one transaction per batch)
ORGANISATIONS = 1_200
NATIONWIDE = 60  # organisations licensed for every aid type and governorate
STAFF = 10_000
ADULT_FIRST, ADULT_DAYS = datetime.date(1955, 1, 1), 16_800  # born 1955–2000
CHILD_FIRST, CHILD_DAYS = datetime.date(2003, 1, 1), 7_300  # born 2003–2022
SPOUSE_BLOCK = 300  # civil-ID serial blocks (x16) 300+ are adult members, 0–299 applicants
META_TABLE = "bench_meta"


_STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[generate +{time.monotonic() - _STARTED:5.0f}s] {message}", flush=True)


def pool_size(applicants: int) -> int:
    """Applicants kept without requests for the submission scenario."""
    return max(200, min(5_000, applicants // 50))


# --- the database -------------------------------------------------------------------------


def _admin_connection() -> psycopg.Connection:
    return psycopg.connect(conninfo("postgres"), autocommit=True)


def is_complete(name: str) -> bool:
    with _admin_connection() as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not exists:
        return False
    with psycopg.connect(conninfo(name)) as conn:
        row = conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL", [f"public.{META_TABLE}"]
        ).fetchone()
        if not row or not row[0]:
            return False
        done = conn.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'complete'").fetchone()
        return bool(done and done[0] == "1")


def _recreate(name: str) -> None:
    if not name.startswith("musaada_bench_"):  # pragma: no cover - guard against misuse
        raise SystemExit(f"refusing to drop {name!r}: not a bench database")
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def _migrate(name: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url(name), "DJANGO_ENV": "development"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
    )


def _setup_django(name: str) -> None:
    os.environ["DATABASE_URL"] = database_url(name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if PROJECT_DIR not in sys.path:
        sys.path.insert(0, PROJECT_DIR)
    import django

    django.setup()


def ensure(applicants: int, *, fresh: bool = False, seed: int = 20_240_501) -> str:
    """The name of a loaded bench database of this scale, building it when needed."""
    name = database_name(applicants)
    if not fresh and is_complete(name):
        # Migrations added since it was built (a function, an index) are applied to it.
        _migrate(name)
        log(f"reusing {name} (already loaded, migrated to this code; --fresh rebuilds it)")
        return name
    started = time.monotonic()
    log(f"creating {name}")
    _recreate(name)
    _migrate(name)
    log(f"migrated in {time.monotonic() - started:.0f} s")
    Generator(name, applicants, seed).run()
    log(f"{name} ready in {time.monotonic() - started:.0f} s")
    return name


# --- COPY helpers -------------------------------------------------------------------------


@dataclass
class Table:
    model: Any
    columns: list[str]

    @property
    def name(self) -> str:
        return self.model._meta.db_table

    def check(self) -> None:
        """Every column exists and every NOT NULL column is given (COPY has no defaults)."""
        fields = {f.column: f for f in self.model._meta.concrete_fields}
        unknown = set(self.columns) - fields.keys()
        missing = {
            c
            for c, f in fields.items()
            if not f.null and not f.primary_key and c not in self.columns
        }
        if unknown or missing:
            raise SystemExit(f"{self.name}: unknown columns {unknown}, missing {missing}")


class Loader:
    """One connection and one open COPY per table, for one batch (one transaction each)."""

    def __init__(self, name: str, tables: dict[str, Table]) -> None:
        self.tables = tables
        self.connections = {
            key: psycopg.connect(conninfo(name), autocommit=False) for key in tables
        }
        for conn in self.connections.values():
            # Foreign keys are not checked while loading (the generator builds them right);
            # needs a superuser, like CREATE DATABASE.
            conn.execute("SET session_replication_role = replica")
            conn.execute("SET synchronous_commit = off")
        self.rows = dict.fromkeys(tables, 0)

    def batch(self) -> _Batch:
        return _Batch(self)

    def close(self) -> None:
        for conn in self.connections.values():
            conn.close()


class _Batch:
    def __init__(self, loader: Loader) -> None:
        self.loader = loader
        self.stack = ExitStack()
        self.write: dict[str, Callable[[Iterable[Any]], None]] = {}

    def __enter__(self) -> dict[str, Callable[[Iterable[Any]], None]]:
        for key, table in self.loader.tables.items():
            cursor = self.loader.connections[key].cursor()
            copy = self.stack.enter_context(
                cursor.copy(f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN")
            )
            self.write[key] = self._counter(key, copy.write_row)
        return self.write

    def _counter(self, key: str, write_row: Callable[[Any], None]) -> Callable[[Any], None]:
        rows = self.loader.rows

        def write(row: Any) -> None:
            rows[key] += 1
            write_row(row)

        return write

    def __exit__(self, *exc: object) -> None:
        self.stack.__exit__(*exc)
        for conn in self.loader.connections.values():
            if exc[0] is None:
                conn.commit()
            else:
                conn.rollback()


# --- the generator ------------------------------------------------------------------------

FIRST_NAMES = ["محمد", "أحمد", "عبدالله", "فاطمة", "مريم", "نورة", "خالد", "سارة", "علي", "هيا"]
FAMILY_NAMES = ["العنزي", "المطيري", "الرشيدي", "العجمي", "الشمري", "الكندري", "الصباح", "الهاجري"]
AREAS = ["الجابرية", "السالمية", "الفروانية", "الجهراء", "الفحيحيل", "صباح السالم", "الرميثية"]
ORG_KINDS = ["charity", "foundation", "cooperative", "committee"]
MEMBER_COUNTS = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5]  # mean 1.95
REQUEST_COUNTS = [1, 2, 2, 3, 3, 3, 4, 4, 4, 4]  # mean 3.0
# Among eligible requests; ineligible ones follow from income against the threshold.
ELIGIBLE_STATUSES = (
    ["closed"] * 60
    + ["paying"] * 13
    + ["approved"] * 3
    + ["claimed"] * 4
    + ["open"] * 10
    + ["withdrawn"] * 3
    + ["rejected"] * 2
)
AGE_DAYS = {  # how long ago a request in this status was submitted
    "closed": (120, 730),
    "paying": (30, 200),
    "approved": (10, 60),
    "claimed": (1, 20),
    "open": (0, 90),
    "withdrawn": (0, 730),
    "rejected": (20, 730),
    "ineligible": (0, 730),
    "appealed": (0, 60),
}
HELD = {"claimed", "approved", "paying", "closed"}
METHODS = ["bank_transfer"] * 8 + ["cheque", "in_kind"]


def _iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


class Generator:
    def __init__(self, name: str, applicants: int, seed: int) -> None:
        self.name = name
        self.n = applicants
        self.rng = random.Random(seed)
        self.pool = pool_size(applicants)

    # -- setup --------------------------------------------------------------------------

    def run(self) -> None:
        _setup_django(self.name)
        from django.contrib.auth.hashers import make_password
        from django.utils import timezone

        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        # One hash for every account: hashing a million passwords is not what we measure.
        self.password = make_password("musaada-bench")
        self._reference_data()
        self._screening_cache: dict[tuple, tuple[int, str, bool]] = {}
        started = time.monotonic()
        self._organisations_and_staff()
        rule = importlib.import_module("dedup.migrations.0002_one_aid_type_rule")
        with psycopg.connect(conninfo(self.name), autocommit=True) as conn:
            # Maintaining the GiST exclusion index row by row is the slowest part of a load;
            # it is rebuilt (and so checked against every commitment) in _finish.
            for sql in rule.PG_BACKWARD:
                conn.execute(sql)
        self._applicants()
        log(f"rows loaded in {time.monotonic() - started:.0f} s: {self.loader_rows}")
        self._finish()

    def _reference_data(self) -> None:
        from aid_requests.models import AidType
        from applicants.models import Governorate
        from demo.catalogue import AID_TYPES, GOVERNORATES

        self.governorates = [
            Governorate.objects.update_or_create(
                code=code, defaults={"name_ar": ar, "name_en": en}
            )[0].pk
            for code, ar, en in GOVERNORATES
        ]
        self.aid_types = [
            AidType.objects.update_or_create(
                code=spec["code"], defaults={k: v for k, v in spec.items() if k != "code"}
            )[0]
            for spec in AID_TYPES
        ]
        self.aid_type_weights = [35, 30, 20, 15]  # needy, rent, student, medical

    def _tables(self, *keys: str) -> dict[str, Table]:
        from accounts.models import User
        from aid_requests.models import AidRequest, Payment, TimelineEntry
        from applicants.models import (
            ApplicantProfile,
            Document,
            HouseholdMember,
            IncomeSource,
            MonthlyObligation,
        )
        from charities.models import Organisation, StaffMembership
        from dedup.models import AidCommitment

        m2m_types = Organisation.aid_types.through
        m2m_govs = Organisation.governorates.through
        all_tables = {
            "user": Table(
                User,
                [
                    "id",
                    "password",
                    "is_superuser",
                    "email",
                    "civil_id",
                    "full_name",
                    "mobile",
                    "mobile_verified",
                    "role",
                    "language",
                    "identity_verified_at",
                    "is_active",
                    "is_staff",
                    "date_joined",
                ],
            ),
            "org": Table(
                Organisation,
                [
                    "id",
                    "name_ar",
                    "name_en",
                    "kind",
                    "licence_number",
                    "email",
                    "phone",
                    "status",
                    "created_at",
                ],
            ),
            "org_types": Table(m2m_types, ["organisation_id", "aidtype_id"]),
            "org_govs": Table(m2m_govs, ["organisation_id", "governorate_id"]),
            "membership": Table(
                StaffMembership,
                [
                    "id",
                    "user_id",
                    "organisation_id",
                    "is_active",
                    "is_service_account",
                    "created_at",
                ],
            ),
            "profile": Table(
                ApplicantProfile,
                [
                    "id",
                    "user_id",
                    "name_ar",
                    "name_en",
                    "birth_date",
                    "gender",
                    "nationality",
                    "governorate_id",
                    "area",
                    "address",
                    "is_protected",
                    "household_confirmed_at",
                    "incomes_confirmed_at",
                    "obligations_confirmed_at",
                    "documents_confirmed_at",
                    "consented_at",
                    "created_at",
                    "updated_at",
                ],
            ),
            "member": Table(
                HouseholdMember,
                [
                    "profile_id",
                    "civil_id",
                    "name",
                    "kinship",
                    "birth_date",
                    "has_disability",
                    "is_student",
                ],
            ),
            "income": Table(
                IncomeSource, ["profile_id", "kind", "amount", "description", "created_at"]
            ),
            "obligation": Table(
                MonthlyObligation, ["profile_id", "kind", "amount", "description", "created_at"]
            ),
            "document": Table(
                Document,
                [
                    "profile_id",
                    "kind",
                    "file",
                    "original_name",
                    "content_type",
                    "size",
                    "uploaded_at",
                ],
            ),
            "request": Table(
                AidRequest,
                [
                    "id",
                    "applicant_id",
                    "aid_type_id",
                    "amount_requested",
                    "justification",
                    "status",
                    "governorate_id",
                    "household_size",
                    "need_score",
                    "screening",
                    "income_below_verified",
                    "coverage_start",
                    "coverage_end",
                    "claimed_by_id",
                    "claimed_at",
                    "approved_amount",
                    "approved_payments",
                    "approved_at",
                    "submitted_at",
                    "updated_at",
                ],
            ),
            "timeline": Table(
                TimelineEntry,
                ["aid_request_id", "from_status", "to_status", "actor_id", "at", "note"],
            ),
            "payment": Table(
                Payment,
                [
                    "aid_request_id",
                    "organisation_id",
                    "period",
                    "amount",
                    "paid_on",
                    "method",
                    "reference",
                    "recorded_by_id",
                    "recorded_at",
                ],
            ),
            "commitment": Table(
                AidCommitment,
                [
                    "aid_request_id",
                    "organisation_id",
                    "aid_type_id",
                    "civil_id",
                    "period_start",
                    "period_end",
                    "status",
                    "is_applicant",
                    "created_at",
                    "released_at",
                ],
            ),
        }
        chosen = {key: all_tables[key] for key in keys}
        for table in chosen.values():
            if not table.model._meta.auto_created:  # many-to-many tables have no model code
                table.check()
        return chosen

    # -- organisations and staff ----------------------------------------------------------

    def _organisations_and_staff(self) -> None:
        rng = self.rng
        tables = self._tables("org", "org_types", "org_govs", "user", "membership")
        loader = Loader(self.name, tables)
        self.licensed: dict[tuple[int, int], list[int]] = {}
        self.org_staff: dict[int, list[int]] = {}
        self.staff_first = self.n + 1
        joined = _iso(self.now - datetime.timedelta(days=800))
        with loader.batch() as write:
            for org in range(1, ORGANISATIONS + 1):
                nationwide = org <= NATIONWIDE
                status = "active"
                if not nationwide:
                    status = rng.choices(["active", "pending", "suspended"], [95, 3, 2])[0]
                types = (
                    [t.pk for t in self.aid_types]
                    if nationwide
                    else rng.sample([t.pk for t in self.aid_types], rng.randint(1, 3))
                )
                govs = (
                    list(self.governorates)
                    if nationwide
                    else rng.sample(self.governorates, rng.randint(1, 3))
                )
                write["org"](
                    (
                        org,
                        f"جمعية الخير رقم {org}",
                        f"Charity number {org}",
                        ORG_KINDS[org % 4],
                        f"LIC-{org:05d}",
                        f"contact@org{org}.bench",
                        f"+9652{org:07d}",
                        status,
                        joined,
                    )
                )
                for t in types:
                    write["org_types"]((org, t))
                for g in govs:
                    write["org_govs"]((org, g))
                    if status == "active":
                        for t in types:
                            self.licensed.setdefault((t, g), []).append(org)
                self.org_staff[org] = []
            for index in range(STAFF):
                uid = self.staff_first + index
                org = index % ORGANISATIONS + 1
                manager = index < ORGANISATIONS
                write["user"](
                    (
                        uid,
                        self.password,
                        False,
                        f"staff{index}@org{org}.bench",
                        None,
                        f"موظف {index}",
                        f"+9656{index:07d}",
                        True,
                        "manager" if manager else "caseworker",
                        "ar",
                        None,
                        True,
                        False,
                        joined,
                    )
                )
                write["membership"]((index + 1, uid, org, True, False, joined))
                self.org_staff[org].append(uid)
            self.ministry_ids = (self.staff_first + STAFF, self.staff_first + STAFF + 1)
            for uid, email, role in (
                (self.ministry_ids[0], "official@ministry.bench", "ministry_official"),
                (self.ministry_ids[1], "admin@ministry.bench", "ministry_admin"),
            ):
                write["user"](
                    (
                        uid,
                        self.password,
                        role == "ministry_admin",
                        email,
                        None,
                        "الوزارة",
                        "",
                        False,
                        role,
                        "ar",
                        None,
                        True,
                        role == "ministry_admin",
                        joined,
                    )
                )
        self.loader_rows = dict(loader.rows)
        loader.close()
        log(f"{ORGANISATIONS} organisations, {STAFF} staff loaded")

    # -- applicants -----------------------------------------------------------------------

    def _screening(
        self, aid_type: Any, size: int, students: int, disabled: int, net: int
    ) -> tuple[int, str, bool]:
        key = (aid_type.pk, size, students, disabled, net)
        cached = self._screening_cache.get(key)
        if cached is None:
            from decimal import Decimal

            from aid_requests.scoring import HouseholdSnapshot, screen

            snapshot = HouseholdSnapshot(
                household_size=size,
                income_total=Decimal(net),
                obligations_total=Decimal(0),
                disabled_members=disabled,
                student_members=students,
            )
            result = screen(
                snapshot,
                threshold=aid_type.max_income_per_capita,
                required_documents=list(aid_type.required_documents),
                documents_attached=frozenset(aid_type.required_documents),
            )
            cached = (result.score, json.dumps(result.as_json()), result.eligible)
            self._screening_cache[key] = cached
        return cached

    def _applicants(self) -> None:
        from accounts.civil_id import make_kw_civil_id
        from aid_requests.periods import coverage_end

        rng = self.rng
        rand, randint, choice, choices = rng.random, rng.randint, rng.choice, rng.choices
        tables = self._tables(
            "user",
            "profile",
            "member",
            "income",
            "obligation",
            "document",
            "request",
            "timeline",
            "payment",
            "commitment",
        )
        loader = Loader(self.name, tables)
        aid_types = self.aid_types
        type_months = {t.pk: t.coverage_months for t in aid_types}
        type_max_fils = {t.pk: int(t.max_amount * 1000) for t in aid_types}
        household_types = {t.pk for t in aid_types if t.scope == "household"}
        date_cache: dict[tuple[datetime.date, int], datetime.date] = {}

        def civil_id(first: datetime.date, days: int, block_base: int, k: int) -> tuple[str, Any]:
            born = first + datetime.timedelta(days=k % days)
            start = (block_base + k // days) * 16
            number = make_kw_civil_id(born, start)
            assert int(number[7:11]) < start + 16, "serial block overflow"  # noqa: S101
            return number, born

        def end_of(start: datetime.date, months: int) -> datetime.date:
            key = (start, months)
            value = date_cache.get(key)
            if value is None:
                value = date_cache[key] = coverage_end(start, months)
            return value

        def fils(value: int) -> str:
            return f"{value // 1000}.{value % 1000:03d}"

        now, today = self.now, self.today
        verified = _iso(now - datetime.timedelta(days=400))
        first_pool = self.n - self.pool + 1
        request_id = 0
        adult_members = child_members = 0
        started = time.monotonic()
        for batch_start in range(0, self.n, BATCH):
            with loader.batch() as write:
                w_user, w_profile, w_member = write["user"], write["profile"], write["member"]
                w_income, w_obligation = write["income"], write["obligation"]
                w_request, w_timeline = write["request"], write["timeline"]
                w_payment, w_commitment = write["payment"], write["commitment"]
                for i in range(batch_start, min(batch_start + BATCH, self.n)):
                    uid = i + 1
                    cid, born = civil_id(ADULT_FIRST, ADULT_DAYS, 0, i)
                    gov = choice(self.governorates)
                    female = rand() < 0.45
                    name = f"{choice(FIRST_NAMES)} {choice(FAMILY_NAMES)}"
                    joined = now - datetime.timedelta(days=randint(400, 800))
                    joined_s = _iso(joined)
                    w_user(
                        (
                            uid,
                            self.password,
                            False,
                            None,
                            cid,
                            name,
                            f"+9655{i:07d}",
                            True,
                            "applicant",
                            "ar" if rand() < 0.85 else "en",
                            verified,
                            True,
                            False,
                            joined_s,
                        )
                    )
                    w_profile(
                        (
                            uid,
                            uid,
                            name,
                            "",
                            born,
                            "f" if female else "m",
                            "كويتي",
                            gov,
                            choice(AREAS),
                            f"قطعة {randint(1, 12)} شارع {randint(1, 40)} منزل {randint(1, 90)}",
                            rand() < 0.01,
                            joined_s,
                            joined_s,
                            joined_s,
                            joined_s,
                            joined_s,
                            joined_s,
                            joined_s,
                        )
                    )
                    # household
                    people = [(cid, True)]
                    students = disabled = 0
                    for position in range(choice(MEMBER_COUNTS)):
                        if position == 0 and rand() < 0.75:
                            kinship = "spouse"
                            mcid, mborn = civil_id(
                                ADULT_FIRST, ADULT_DAYS, SPOUSE_BLOCK, adult_members
                            )
                            adult_members += 1
                            student = False
                        else:
                            kinship = "son" if rand() < 0.5 else "daughter"
                            mcid, mborn = civil_id(CHILD_FIRST, CHILD_DAYS, 0, child_members)
                            child_members += 1
                            student = rand() < 0.3
                        has_disability = rand() < 0.03
                        students += student
                        disabled += has_disability
                        w_member(
                            (
                                uid,
                                mcid,
                                choice(FIRST_NAMES),
                                kinship,
                                mborn,
                                has_disability,
                                student,
                            )
                        )
                        people.append((mcid, False))
                    size = len(people)
                    # money: per-capita net income mostly under the thresholds (~9% above)
                    per_capita = int(rng.triangular(0, 260, 40))
                    obligations = 0
                    for _ in range(choice((0, 0, 1, 1, 1, 2))):
                        amount = randint(50, 400)
                        obligations += amount
                        w_obligation(
                            (uid, choice(("rent", "loans", "installments")), amount, "", joined_s)
                        )
                    income = per_capita * size + obligations
                    if income > 0:
                        w_income(
                            (
                                uid,
                                choice(("salary", "pension", "social_security")),
                                income,
                                "",
                                joined_s,
                            )
                        )
                    net_bucket = (per_capita * size) // 25 * 25
                    if uid >= first_pool:
                        for kind in ("civil_id_copy", "salary_certificate", "rent_contract"):
                            write["document"](
                                (
                                    uid,
                                    kind,
                                    f"documents/bench-{kind}.pdf",
                                    f"{kind}.pdf",
                                    "application/pdf",
                                    1024,
                                    joined_s,
                                )
                            )
                        continue  # the submission scenario's applicants have no request yet
                    # requests: distinct aid types per applicant
                    count = choice(REQUEST_COUNTS)
                    picked: list[Any] = []
                    while len(picked) < count:
                        aid_type = choices(aid_types, self.aid_type_weights)[0]
                        if aid_type not in picked:
                            picked.append(aid_type)
                    for aid_type in picked:
                        request_id += 1
                        tid = aid_type.pk
                        score, screening, eligible = self._screening(
                            aid_type, size, min(students, 2), min(disabled, 2), net_bucket
                        )
                        if eligible:
                            status = choice(ELIGIBLE_STATUSES)
                        else:
                            status = "appealed" if rand() < 0.05 else "ineligible"
                        low, high = AGE_DAYS[status]
                        submitted = now - datetime.timedelta(
                            days=randint(low, high), seconds=randint(0, 86_399)
                        )
                        start = submitted.date()
                        months = type_months[tid]
                        end = end_of(start, months)
                        amount = type_max_fils[tid] * randint(30, 100) // 100
                        claimed_by = claimed_at = approved = approved_at = None
                        payments = 0
                        periods = max(1, months)
                        last = submitted + datetime.timedelta(hours=1)
                        if status in HELD or status == "rejected":
                            claimed_by = choice(self.licensed[(tid, gov)])
                            claimed = submitted + datetime.timedelta(
                                days=randint(0, 6), hours=randint(1, 20)
                            )
                            claimed = min(claimed, now - datetime.timedelta(minutes=5))
                            claimed_at, last = _iso(claimed), claimed
                            if status in ("approved", "paying", "closed"):
                                payments_approved = randint(1, periods)
                                approved = (
                                    fils(amount // payments_approved),
                                    payments_approved,
                                )
                                approved_at_dt = min(
                                    claimed + datetime.timedelta(days=randint(1, 8)),
                                    now - datetime.timedelta(minutes=1),
                                )
                                approved_at, last = _iso(approved_at_dt), approved_at_dt
                                if status == "closed":
                                    payments = payments_approved
                                elif status == "paying":
                                    payments = max(1, randint(1, payments_approved) - 1)
                        w_request(
                            (
                                request_id,
                                uid,
                                tid,
                                fils(amount),
                                "",
                                status,
                                gov,
                                size,
                                score,
                                screening,
                                False,
                                start,
                                end,
                                claimed_by,
                                claimed_at,
                                approved[0] if approved else None,
                                approved[1] if approved else None,
                                approved_at,
                                _iso(submitted),
                                _iso(last),
                            )
                        )
                        w_timeline((request_id, "", "submitted", uid, _iso(submitted), ""))
                        w_timeline(
                            (
                                request_id,
                                "submitted",
                                status,
                                choice(self.org_staff[claimed_by]) if claimed_by else None,
                                _iso(last),
                                "",
                            )
                        )
                        if claimed_by is None:
                            continue
                        covered = people if tid in household_types else people[:1]
                        commitment_status = {"claimed": "reserved", "rejected": "released"}.get(
                            status, "active"
                        )
                        released_at = _iso(last) if status == "rejected" else None
                        for person_cid, is_applicant in covered:
                            w_commitment(
                                (
                                    request_id,
                                    claimed_by,
                                    tid,
                                    person_cid,
                                    start,
                                    end,
                                    commitment_status,
                                    is_applicant,
                                    claimed_at,
                                    released_at,
                                )
                            )
                        if payments:
                            staff = self.org_staff[claimed_by]
                            for period in range(1, payments + 1):
                                paid_on = min(
                                    start + datetime.timedelta(days=30 * period - 25), today
                                )
                                w_payment(
                                    (
                                        request_id,
                                        claimed_by,
                                        period,
                                        approved[0],  # type: ignore[index]
                                        paid_on,
                                        choice(METHODS),
                                        f"TRX-{request_id}-{period}",
                                        choice(staff),
                                        _iso(now - datetime.timedelta(days=1)),
                                    )
                                )
            done = min(batch_start + BATCH, self.n)
            rate = done / max(time.monotonic() - started, 1e-9)
            log(f"applicants {done:,}/{self.n:,} ({rate:,.0f}/s), requests {request_id:,}")
        for key, value in loader.rows.items():
            self.loader_rows[key] = self.loader_rows.get(key, 0) + value
        loader.close()
        self.requests = request_id

    # -- after the load -------------------------------------------------------------------

    def _finish(self) -> None:
        rule = importlib.import_module("dedup.migrations.0002_one_aid_type_rule")
        with psycopg.connect(conninfo(self.name), autocommit=True) as conn:
            started = time.monotonic()
            conn.execute("SET maintenance_work_mem = '1GB'")
            # Re-adding the constraint checks every loaded commitment against the rule.
            for sql in rule.PG_FORWARD:
                conn.execute(sql)
            log(f"exclusion constraint rebuilt and valid in {time.monotonic() - started:.0f} s")
            for table in (
                "accounts_user",
                "applicants_applicantprofile",
                "applicants_householdmember",
                "applicants_incomesource",
                "applicants_monthlyobligation",
                "applicants_document",
                "aid_requests_aidrequest",
                "aid_requests_timelineentry",
                "aid_requests_payment",
                "charities_organisation",
                "charities_organisation_aid_types",
                "charities_organisation_governorates",
                "charities_staffmembership",
                "dedup_aidcommitment",
            ):
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
            started = time.monotonic()
            conn.execute("VACUUM ANALYZE")
            log(f"VACUUM ANALYZE in {time.monotonic() - started:.0f} s")
            conn.execute(f"CREATE TABLE {META_TABLE} (key text PRIMARY KEY, value text)")
            meta = {
                "applicants": self.n,
                "pool_first": self.n - self.pool + 1,
                "pool_last": self.n,
                "staff_first": self.staff_first,
                "official": self.ministry_ids[0],
                "nationwide": NATIONWIDE,
                "generated_at": self.now.isoformat(),
                "rows": json.dumps(self.loader_rows),
                "complete": "1",
            }
            with conn.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO {META_TABLE} VALUES (%s, %s)",
                    [(k, str(v)) for k, v in meta.items()],
                )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--applicants", type=int, default=1_000_000)
    parser.add_argument("--fresh", action="store_true", help="rebuild even if it exists")
    args = parser.parse_args(argv)
    name = ensure(args.applicants, fresh=args.fresh)
    print(name)


if __name__ == "__main__":
    main()
