"""Run the system on one machine without other servers: the web server (waitress) in a thread
and the background jobs (a Celery worker with its scheduler) in this process."""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web UI and API, and run the background jobs in-process."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-jobs", action="store_true", help="Do not run background jobs here.")

    def handle(self, *args, host, port, threads, no_jobs, **options):
        from waitress import create_server

        from config.wsgi import application

        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        server = create_server(application, host=host, port=port, threads=threads)
        threading.Thread(target=server.run, name="web", daemon=True).start()
        self._banner(host, port)
        if no_jobs:
            threading.Event().wait()
            return
        self._run_jobs()

    def _banner(self, host: str, port: int) -> None:
        from aftersales.core.demo import DEMO_LOGINS, DEMO_PASSWORD

        self.stdout.write(self.style.SUCCESS(f"\n售后服务管理系统 running at http://{host}:{port}/"))
        self.stdout.write(f"API docs: http://{host}:{port}/api/docs/  (log in first)")
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        for username, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<18} {role}")
        self.stdout.write("Press Ctrl+C to stop.\n")

    def _run_jobs(self) -> None:
        from config.celery import app

        for key in ("data_folder_in", "data_folder_out", "processed_folder"):
            folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(key)
            if folder:
                Path(folder).mkdir(parents=True, exist_ok=True)
        worker = app.Worker(
            pool="solo",
            concurrency=1,
            beat=True,
            schedule_filename=str(settings.VAR_DIR / "job-schedule"),
            loglevel="INFO",
            quiet=True,
        )
        worker.start()
