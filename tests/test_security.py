import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db.utils import OperationalError

from .html import select

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SETTINGS_MODULE": "qualsite.settings",
    "DJANGO_SECRET_KEY": "a-real-production-secret-" + "k3y-w1th-3n0ugh-r4nd0mn3ss-0123456789",
    "DJANGO_ALLOWED_HOSTS": "qualifications.example.org",
    "EMAIL_URL": "smtp+tls://site:password@smtp.example.org:587",
}


def manage(*args, **env):
    # The test run's own settings put values in the environment; production would not have them.
    outside_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**outside_env, **PRODUCTION_ENV, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_the_deployment_checklist():
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "EMAIL_URL"])
def test_production_refuses_to_start_without_its_secrets(missing):
    result = manage("check", **{missing: ""})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_pages_carry_a_strict_content_security_policy(client, seed):
    response = client.get(seed.get_absolute_url())

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_scripts_or_styles():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if re.search(r"<script|<style|\sstyle=|\son[a-z]+=", path.read_text(), re.IGNORECASE)
    ]

    assert offenders == []


def test_the_only_inline_script_elements_are_json_ld_data(client, seed):
    # <script type="application/ld+json"> is data the browser never runs, so the CSP's
    # script-src 'self' has nothing to allow; any other inline script would be blocked, or worse.
    pages = ["/", "/?q=mediation", seed.get_absolute_url(), "/qualifications/no-such-thing/"]
    scripts = [
        script
        for path in pages
        for script in select(client.get(path).text, "script")
        if not script.attrs.get("src")
    ]

    assert {script.attrs.get("type") for script in scripts} == {"application/ld+json"}


def test_healthz_answers_when_the_database_does(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


class _UnreachableDatabase:
    def cursor(self):
        raise OperationalError("could not connect to server")


def test_healthz_reports_an_unreachable_database(client, monkeypatch):
    monkeypatch.setattr("qualifications.views.connection", _UnreachableDatabase())

    response = client.get("/healthz")

    assert response.status_code == 503


def test_production_sends_email_through_the_server_email_url_names():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.core.mail import mailers; m = mailers.default; "
        "print(type(m).__name__, m.host, m.port, m.use_tls, m.username, m.timeout)",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "EmailBackend",
        "smtp.example.org",
        "587",
        "True",
        "site",
        "10",
    ]
