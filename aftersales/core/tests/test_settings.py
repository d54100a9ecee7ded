import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE", "SECRET_KEY"}}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_the_deploy_check():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env={
        "SECRET_KEY": "k3y-" + "x7Qp9z" * 10, "ALLOWED_HOSTS": "service.example.cn", "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
    })
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env={"DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
