"""Versions that key what the site keeps in its cache: a rendered page or factsheet is kept under
the version of the content it shows and of the design it is drawn with, so an edit or a deploy
that changes the look is seen at once, and nothing unchanged is rendered twice."""

import functools
import hashlib

from django.conf import settings

# Kept this long at most; a new version gets a new key at once anyway.
CACHE_SECONDS = 7 * 24 * 60 * 60

DESIGN_FILES = [("templates", "**/*.html"), ("static/css", "*.css")]


@functools.cache
def design_version():
    """A digest of the templates and stylesheets, read once per process."""
    digest = hashlib.sha256()
    for folder, pattern in DESIGN_FILES:
        for path in sorted((settings.BASE_DIR / folder).glob(pattern)):
            digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def content_version(kind, pk, updated_at, *made_from):
    """The version of one rendering of one qualification, e.g. ("page", pk, updated_at, host):
    a short digest of all it is made from, usable as a cache key and an ETag."""
    parts = [kind, str(pk), updated_at.isoformat(), design_version(), *made_from]
    return f"{kind}-" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
