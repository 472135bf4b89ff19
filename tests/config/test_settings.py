"""The settings module, loaded in a fresh interpreter with a controlled environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3y-" + "x9Qa7Lm2Zp0Rt5Vb8Nc1" * 3
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": GOOD_KEY,
    "ALLOWED_HOSTS": "musaada.example",
    "DATABASE_URL": "postgres://musaada@127.0.0.1:5432/musaada",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    "IDENTITY_PROVIDER": "hawiyati",
}
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "d = settings.DATABASES['default']; print(json.dumps({'engine': d['ENGINE'], "
    "'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'email': settings.EMAIL_BACKEND, "
    "'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, 'cache': "
    "settings.CACHES['default']['BACKEND'], 'broker': settings.CELERY_BROKER_URL, "
    "'mfa': settings.STAFF_REQUIRE_MFA, 'identity': settings.IDENTITY_PROVIDER, "
    "'session': settings.SESSION_ENGINE}))"
)


def run(code_or_args, env):
    args = [sys.executable, "-c", code_or_args] if isinstance(code_or_args, str) else code_or_args
    base = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    return subprocess.run(
        args,
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_nothing_set_gives_the_embedded_default():
    result = run(PROBE, {})
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["engine"] == "django.db.backends.sqlite3"
    assert facts["eager"] is True
    assert facts["email"] == "django.core.mail.backends.console.EmailBackend"
    assert facts["debug"] is True
    assert set(facts["hosts"]) == {"127.0.0.1", "localhost", "[::1]"}
    assert facts["cache"].endswith("LocMemCache")
    assert facts["identity"] == "simulator"
    assert facts["mfa"] is False


def test_database_and_redis_urls_switch_to_postgres_and_celery_on_redis():
    result = run(
        PROBE,
        {"DATABASE_URL": "postgres://u@127.0.0.1:5432/x", "REDIS_URL": "redis://127.0.0.1:6379/3"},
    )
    facts = json.loads(result.stdout)
    assert facts["engine"] == "config.postgresql"  # Django's, with a cheaper health check
    assert facts["eager"] is False
    assert facts["broker"] == "redis://127.0.0.1:6379/3"
    assert facts["cache"].endswith("RedisCache")


def test_production_refuses_to_start_without_its_secrets():
    for missing in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
        env = {k: v for k, v in PRODUCTION.items() if k != missing}
        result = run(PROBE, env)
        assert result.returncode != 0
        assert "Production refuses to start without" in result.stderr
        assert missing in result.stderr


def test_production_refuses_a_weak_secret_key_debug_and_the_simulator():
    for override, message in (
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 50"),
        ({"DEBUG": "true"}, "DEBUG must be off"),
        ({"IDENTITY_PROVIDER": "simulator"}, "simulator is refused in production"),
        ({"DONATIONS_GATEWAY": "simulator"}, "payment simulator is refused in production"),
        ({"DONATIONS_GATEWAY_URL": "http://gateway.example"}, "must be an https:// URL"),
        ({"DONATIONS_GATEWAY_SECRET": "short"}, "at least 32 characters"),
    ):
        result = run(PROBE, {**PRODUCTION, **override})
        assert result.returncode != 0
        assert message in result.stderr


def test_production_requires_mfa_for_staff_by_default():
    facts = json.loads(run(PROBE, PRODUCTION).stdout)
    assert facts["mfa"] is True
    assert facts["debug"] is False


def test_production_shares_its_cache_and_sessions_between_web_machines():
    facts = json.loads(run(PROBE, PRODUCTION).stdout)
    assert facts["cache"] == "config.cache.ResilientRedisCache"
    assert facts["eager"] is False
    assert facts["session"] == "accounts.sessions"


def test_production_passes_check_deploy_without_warnings():
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


REPLICA_PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'aliases': sorted(settings.DATABASES), "
    "'routers': getattr(settings, 'DATABASE_ROUTERS', []), "
    "'middleware': 'config.replica.ReadYourWritesMiddleware' in settings.MIDDLEWARE, "
    "'replica': settings.DATABASES.get('replica', {}).get('PORT')}))"
)


def test_a_replica_url_adds_the_replica_its_router_and_read_your_writes():
    primary = {"DATABASE_URL": "postgres://u@127.0.0.1:5432/x"}
    facts = json.loads(run(REPLICA_PROBE, primary).stdout)
    assert facts == {"aliases": ["default"], "routers": [], "middleware": False, "replica": None}
    result = run(
        REPLICA_PROBE, {**primary, "DATABASE_REPLICA_URL": "postgres://u@127.0.0.1:5433/x"}
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "aliases": ["default", "replica"],
        "routers": ["config.replica.ReplicaRouter"],
        "middleware": True,
        "replica": 5433,
    }


def test_a_replica_needs_postgresql_for_both_databases():
    result = run(PROBE, {"DATABASE_REPLICA_URL": "postgres://u@127.0.0.1:5433/x"})
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL needs PostgreSQL" in result.stderr


def test_repeated_statements_are_prepared_unless_binding_or_preparing_is_off():
    probe = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({a: d['OPTIONS'].get('prepare_threshold', 'unset') "
        "for a, d in settings.DATABASES.items()}))"
    )
    postgres = {"DATABASE_URL": "postgres://u@127.0.0.1:5432/x"}
    replica = {**postgres, "DATABASE_REPLICA_URL": "postgres://u@127.0.0.1:5433/x"}
    assert json.loads(run(probe, replica).stdout) == {"default": 5, "replica": 5}
    assert json.loads(run(probe, {**postgres, "DATABASE_PREPARE_THRESHOLD": "2"}).stdout) == {
        "default": 2
    }
    assert json.loads(run(probe, {**postgres, "DATABASE_PREPARE_THRESHOLD": "0"}).stdout) == {
        "default": None
    }
    unbound = {**postgres, "DATABASE_SERVER_SIDE_BINDING": "false"}
    assert json.loads(run(probe, unbound).stdout) == {"default": "unset"}
    assert json.loads(run(probe, {}).stdout) == {"default": "unset"}  # SQLite
