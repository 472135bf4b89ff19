"""Settings for the benchmark: the project's own settings, served as in production.

Only what a benchmark process needs differs: DEBUG off, the test client's host allowed,
notifications queued (not delivered inline: in production a Celery worker sends them), and
SMS / e-mail kept in memory instead of printed. ``DATABASE_URL`` points at a bench database and
connections persist (``CONN_MAX_AGE``, 60 s by default).
"""

from config.settings import *  # noqa: F403
from config.settings import LOGGING

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Queue the delivery task as a broker would (in-process memory transport), never run it here.
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = "cache+memory://"
SMS_BACKEND = "locmem"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {
    **LOGGING,
    "root": {"handlers": ["console"], "level": "WARNING"},
    # kombu's memory transport warns that it has no host name; that is the point of it.
    "loggers": {**LOGGING["loggers"], "kombu": {"level": "ERROR"}},
}
