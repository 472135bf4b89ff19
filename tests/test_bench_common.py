"""bench.common: each person's bench databases, never a database the generator may not drop."""

from __future__ import annotations

import pytest

from bench.common import database_name


def test_bench_databases_are_named_by_scale(monkeypatch):
    monkeypatch.delenv("BENCH_DATABASE_PREFIX", raising=False)
    assert database_name(20_000) == "musaada_bench_20000"


def test_a_prefix_gives_one_person_their_own_bench_databases(monkeypatch):
    monkeypatch.setenv("BENCH_DATABASE_PREFIX", "musaada_bench_chain")
    assert database_name(20_000) == "musaada_bench_chain_20000"


@pytest.mark.parametrize("prefix", ["musaada", "musaada_chain", "musaada_benchmark"])
def test_a_prefix_outside_the_bench_names_is_refused(monkeypatch, prefix):
    # The generator drops and recreates the database it names: never the development one.
    monkeypatch.setenv("BENCH_DATABASE_PREFIX", prefix)
    with pytest.raises(SystemExit):
        database_name(20_000)
