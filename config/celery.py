"""The one task queue: Celery on Redis (inline in the embedded default)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("musaada")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
