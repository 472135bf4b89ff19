"""Test settings: only speed and isolation overrides on top of ``config.settings``."""

import os

from .settings import *  # noqa: F403
from .settings import BASE_DIR, DATABASES

# Hashing strength is not under test; MD5 keeps the suite fast.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run inline unless a test starts a real worker (tests/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "locmem"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "test-uploads"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: other processes (a Celery worker, concurrency tests) must see it.
    # One file per test run, so two runs on one checkout do not delete each other's database.
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / "var" / f"test-db-{os.getpid()}.sqlite3")
    }
elif os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
if "replica" in DATABASES:
    # Physical replication copies the whole cluster: the test database made on the primary is on
    # the replica too, under the same name. As a test mirror of "default" the replica alias is
    # neither created, migrated nor flushed, and Django points it at that name (the NAME only:
    # host and port stay the replica's, which tests/config/test_replica.py checks).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# Rate-limit counters and cached values must not leak between tests (or runs) through Redis.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
(BASE_DIR / "var").mkdir(exist_ok=True)
