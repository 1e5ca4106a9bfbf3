"""The site keeps serving when its cache or its database fails, and heals by itself."""

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import OperationalError, connection

from qualifications import services

ROOT = Path(__file__).resolve().parent.parent


def spare_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_cache(port):
    return {
        "default": {
            "BACKEND": "qualsite.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
        "local": django_settings.CACHES["local"],
    }


@pytest.fixture
def redis_server(tmp_path):
    """A real Redis on a spare loopback port, keeping nothing on disk; yields its client."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("These tests need Redis: `apt-get install redis-server`.", pytrace=False)
    port = spare_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", tmp_path],
        stdout=subprocess.PIPE,
        text=True,
    )
    # Its log says when it listens; nothing is read after (Redis ignores a closed pipe).
    for line in server.stdout:
        if "Ready to accept connections" in line:
            break
    server.stdout.close()
    client = redis.Redis(port=port)
    client.ping()
    yield client
    server.terminate()
    server.wait()


@pytest.fixture
def cache_down(settings):
    """The site's cache is Redis, on a port where nothing answers."""
    settings.CACHES = redis_cache(spare_port())


@pytest.fixture
def shared_redis(settings, redis_server):
    settings.CACHES = redis_cache(redis_server.connection_pool.connection_kwargs["port"])
    return redis_server


def test_healthz_answers_200_and_says_the_cache_is_unavailable(client, db, cache_down):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content.decode().splitlines() == [
        "database ok",
        "cache unavailable, serving without it",
    ]


def test_healthz_says_the_cache_is_ok_when_it_answers(client, db, shared_redis):
    response = client.get("/healthz")

    assert response.content.decode().splitlines() == ["database ok", "cache ok"]


def test_pages_and_factsheets_are_served_without_the_cache(client, seed, cache_down):
    page = client.get(seed.get_absolute_url())
    factsheet = client.get(seed.get_factsheet_url())

    assert page.status_code == 200
    assert seed.title in page.content.decode()
    assert factsheet.status_code == 200
    assert factsheet.content.startswith(b"%PDF")
    # Its version is read from the database, so browsers may keep it as ever.
    again = client.get(seed.get_absolute_url(), headers={"if-none-match": page["ETag"]})
    assert again.status_code == 304


def test_an_edit_made_while_redis_was_away_is_seen_once_it_is_back(
    client, transactional_db, seed, shared_redis
):
    client.get(seed.get_absolute_url())
    # Redis stops answering but keeps what it holds, the page kept under the old version too.
    shared_redis.client_pause(2 * 1000)
    seed.title = "Interpersonal Mediation Level 4 Diploma"
    services.qualification_save(seed)
    during = client.get(seed.get_absolute_url())
    deadline = time.monotonic() + 10
    while not caches["default"].is_available() and time.monotonic() < deadline:
        pass  # each try waits for Redis's answer, up to its socket timeout

    after = client.get(seed.get_absolute_url())

    assert during.status_code == 200
    assert "Level 4 Diploma" in during.content.decode()
    assert after.status_code == 200
    assert "Level 4 Diploma" in after.content.decode()
    assert shared_redis.exists(*shared_redis.keys("*kept-*"))


@contextmanager
def database_unavailable():
    """Every query fails as it does when the database server is down."""

    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    with connection.execute_wrapper(refuse):
        yield


def test_pages_answer_a_styled_503_while_the_database_is_unavailable(client, seed):
    with database_unavailable():
        response = client.get(seed.get_absolute_url())

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "the service is unavailable" in response.content.decode()
    assert 'rel="stylesheet"' in response.content.decode()
    assert "no-cache" in response["Cache-Control"]


def test_a_page_already_kept_is_served_while_the_database_is_unavailable(client, seed):
    first = client.get(seed.get_absolute_url())

    with database_unavailable():
        again = client.get(seed.get_absolute_url())

    assert again.status_code == 200
    assert again.content == first.content


def test_healthz_answers_503_with_the_reason_while_the_database_is_unavailable(client, db):
    with database_unavailable():
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.content.decode() == "database unavailable (OperationalError)\n"


def test_service_resumes_when_the_database_is_back(client, seed):
    with database_unavailable():
        client.get(seed.get_absolute_url())

    response = client.get(seed.get_absolute_url())

    assert response.status_code == 200


def settings_in_a_new_process(tmp_path, code, **environ):
    """What `code` prints, run in a new Python process with the site's own settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CACHE_URL"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "qualsite.settings",
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    } | environ
    setup = "import django; django.setup(); from django.core.cache import cache\n"
    return subprocess.run(
        [sys.executable, "-c", setup + code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def test_without_configuration_every_process_shares_one_cache(tmp_path):
    settings_in_a_new_process(tmp_path, "cache.set('shared', 'written by the first')")

    read = settings_in_a_new_process(tmp_path, "print(cache.get('shared')); cache.clear()")

    assert read == "written by the first"


def test_a_redis_cache_url_uses_djangos_redis_backend(tmp_path):
    bases = settings_in_a_new_process(
        tmp_path,
        "from django.core.cache import caches; print(*type(caches['default']).__mro__)",
        CACHE_URL="redis://127.0.0.1:6379/0",
    )

    assert "django.core.cache.backends.redis.RedisCache" in bases
