"""Production settings: HSTS, Permissions-Policy, request ids and one-line logs, and gunicorn as
it really runs (its Server header, its worker count, its access log)."""

import http.client
import io
import logging
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import weasyprint

from qualsite.logs import OneLineFormatter

from .test_security import PRODUCTION_ENV, ROOT, manage

# What every log line looks like: time, level, logger, the request's id, then the message.
LOG_LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ [\w.]+ request_id=(?P<id>\S+) (?P<message>.*)"
)
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def hsts_options(**env):
    """Production's (includeSubDomains, preload) settings, with `env` in the environment."""
    code = (
        "from django.conf import settings; "
        "print(settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD)"
    )
    result = manage("shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


# HSTS


def test_hsts_is_sent_for_a_year_without_preload_or_subdomains_by_default(client, db):
    response = client.get("/healthz", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_hsts_preload_and_subdomains_are_each_opt_in():
    assert hsts_options() == "False False"
    assert hsts_options(DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="true") == "True False"
    assert hsts_options(DJANGO_SECURE_HSTS_PRELOAD="true") == "False True"


def test_the_deployment_checklist_passes_with_hsts_preload_and_subdomains_opted_in():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECURE_HSTS_PRELOAD="true",
        DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
    )

    assert result.returncode == 0, result.stderr


def test_the_deployment_checklist_still_warns_of_a_missing_hsts():
    # Silencing the opt-in warnings must not silence the check that HSTS is on at all.
    result = manage("check", "--deploy", "--fail-level", "WARNING", DJANGO_SECURE_HSTS_SECONDS="0")

    assert result.returncode != 0
    assert "security.W004" in result.stderr


# PERMISSIONS-POLICY


def test_pages_deny_the_browser_features_the_site_does_not_use(client, seed):
    response = client.get(seed.get_absolute_url())

    policy = dict(item.split("=") for item in response["Permissions-Policy"].split(", "))
    for feature in ["camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"]:
        assert policy[feature] == "()"


# REQUEST IDS AND LOGS


@pytest.fixture
def log_output():
    """What the site's log handler writes during the test."""
    (handler,) = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler.formatter, OneLineFormatter)
    ]
    output = io.StringIO()
    previous = handler.setStream(output)
    yield output
    handler.setStream(previous)


def test_a_sane_request_id_from_the_load_balancer_is_kept(client, db):
    response = client.get("/healthz", headers={"x-request-id": "lb-7f3a:91"})

    assert response["X-Request-ID"] == "lb-7f3a:91"


@pytest.mark.parametrize(
    "sent", ["", "two words", "<script>", "x" * 129, "id\N{LATIN SMALL LETTER E WITH ACUTE}"]
)
def test_a_missing_or_odd_request_id_is_replaced_by_a_new_one(client, db, sent):
    response = client.get("/healthz", headers={"x-request-id": sent})

    assert GENERATED_ID.fullmatch(response["X-Request-ID"])


def test_each_request_gets_an_id_of_its_own(client, db):
    ids = {client.get("/healthz")["X-Request-ID"] for _ in range(3)}

    assert len(ids) == 3


def test_what_is_logged_during_a_request_names_its_id(client, db, log_output):
    response = client.get("/qualifications/no-such-thing/", headers={"x-request-id": "req-404"})

    assert response.status_code == 404
    (line,) = log_output.getvalue().splitlines()
    logged = LOG_LINE.fullmatch(line)
    assert logged["id"] == "req-404"
    assert logged["message"] == "Not Found: /qualifications/no-such-thing/"


def test_a_failed_factsheet_logs_the_qualification_on_one_line_per_event(
    client, seed, log_output, monkeypatch
):
    def broken_write_pdf(self, *args, **kwargs):
        raise RuntimeError("the typesetter broke")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken_write_pdf)
    client.raise_request_exception = False

    response = client.get(seed.get_factsheet_url(), headers={"x-request-id": "req-pdf"})

    assert response.status_code == 500
    events = [LOG_LINE.fullmatch(line) for line in log_output.getvalue().splitlines()]
    assert all(events)
    assert {event["id"] for event in events} == {"req-pdf"}
    assert any(
        f"'{seed.slug}'" in event["message"] and "the typesetter broke" in event["message"]
        for event in events
    )
    # Django's own event, traceback and all, is one line too.
    assert any("Traceback" in event["message"] for event in events)


# GUNICORN, AS IT RUNS


def spare_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Output:
    """The lines a process writes, read as it writes them, so a test can wait for one."""

    def __init__(self, stream):
        self.lines = []
        self.closed = False
        self._changed = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait_for(self, text, timeout):
        """The first line holding `text`, once written; None if none is within `timeout` seconds
        or the process closed its output first."""

        def found():
            return next((line for line in self.lines if text in line), None)

        with self._changed:
            self._changed.wait_for(lambda: found() or self.closed, timeout)
            return found()

    def __str__(self):
        with self._changed:
            return "\n".join(self.lines)


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """gunicorn with gunicorn.conf.py and production settings, one worker; yields (port, what
    it writes). What it is asked needs no database table and no collected static file."""
    workdir = tmp_path_factory.mktemp("gunicorn")
    outside = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env = outside | PRODUCTION_ENV
    env |= {
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_URL": "dummymail://",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "WEB_CONCURRENCY": "1",
        "PORT": str(spare_port()),
        "HOST": "127.0.0.1",
    }
    (workdir / "static").mkdir()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(process.stdout)
    try:
        # Once the master listens, a connection waits in its queue until the worker answers.
        assert output.wait_for("Listening at: ", timeout=60), f"gunicorn did not start:\n{output}"
        yield int(env["PORT"]), output
    finally:
        process.terminate()
        process.wait(timeout=30)


def get(port, path, headers=None, method="GET"):
    # Long enough for the first request to wait on the worker's start.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def post(port, path, headers=None):
    return get(port, path, headers, method="POST")


def test_gunicorns_server_header_names_no_version(gunicorn):
    port, _ = gunicorn

    server = get(port, "/healthz").getheader("Server")

    assert server == "gunicorn"


def test_gunicorns_access_log_is_one_line_with_the_request_id(gunicorn):
    port, output = gunicorn

    # Refused (no CSRF token), which Django logs as a warning: Django's lines, then gunicorn's.
    post(port, "/healthz", headers={"X-Request-ID": "gunicorn-405"})
    # gunicorn writes its access line after the response has gone.
    assert output.wait_for("gunicorn.access request_id=gunicorn-405", timeout=10), str(output)

    lines = str(output).splitlines()
    assert all(LOG_LINE.fullmatch(line) for line in lines), lines
    for_this_request = [line for line in lines if "request_id=gunicorn-405" in line]
    *django_lines, access_line = for_this_request
    assert django_lines
    assert all(" django." in line for line in django_lines)
    assert " gunicorn.access " in access_line
    assert '"POST /healthz HTTP/1.1" 403' in access_line


def test_a_log_level_above_info_leaves_gunicorns_access_lines_out():
    # As gunicorn.conf.py configures it: gunicorn then sets its access logger to INFO itself.
    script = """
import logging, logging.config
from qualsite.logs import logging_config
logging.config.dictConfig(
    logging_config("WARNING", loggers={"gunicorn.access": {"handlers": [], "propagate": True}})
)
access = logging.getLogger("gunicorn.access")
access.setLevel(logging.INFO)
access.info("GET /healthz 200")
logging.getLogger("gunicorn.error").warning("worker timed out")
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert "worker timed out" in result.stderr
    assert "GET /healthz" not in result.stderr


def run_gunicorn_config(cpus, **env):
    """gunicorn.conf.py's worker count, for a process allowed to run on `cpus` CPUs."""
    script = (
        "import os, runpy; "
        f"os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:{cpus}])); "
        "print(runpy.run_path('gunicorn.conf.py')['workers'])"
    )
    outside = {k: v for k, v in os.environ.items() if k != "WEB_CONCURRENCY"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=outside | env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout)


def test_gunicorn_counts_the_cpus_the_process_may_use_not_the_hosts():
    # On this suite's machines the host has more than one CPU: the host's count would give more.
    assert run_gunicorn_config(cpus=1) == 3


def test_web_concurrency_sets_gunicorns_worker_count():
    assert run_gunicorn_config(cpus=1, WEB_CONCURRENCY="7") == 7
