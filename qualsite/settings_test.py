"""The test suite's settings: production's, with the values a test run supplies for itself."""

import os

os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key-" + "x" * 50)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ.setdefault("EMAIL_URL", "memorymail://")
os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "false"

from qualsite.settings import *  # noqa: F403

# Tests render templates without running collectstatic first.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Each test starts from an empty cache (tests/conftest.py); a process's own memory empties fastest.
# CACHE_URL runs the suite on another cache, e.g. Redis.
if "CACHE_URL" not in os.environ:
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}  # noqa: F405
