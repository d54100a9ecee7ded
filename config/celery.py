"""Celery application: background jobs (notifications, imports, SLA escalations).

Brokers: Redis or RabbitMQ in production (``CELERY_BROKER_URL``); the embedded
default keeps its queue in files under ``var/`` so that ``make run`` needs no
other server.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("aftersales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
