"""Versions that key what the site keeps in its cache: a rendered page or factsheet is kept under
the version of the content it shows and of the design it is drawn with, so an edit or a deploy
that changes the look is seen at once, and nothing unchanged is rendered twice."""

import functools
import hashlib
import math
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

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
    # Today's date too: a page says whether its certification end date has passed.
    today = timezone.localdate().isoformat()
    parts = [kind, str(pk), updated_at.isoformat(), today, design_version(), *made_from]
    return f"{kind}-" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


# What the public sees, as one number every server reads from the shared cache: it changes after
# every committed change to public content (see signals.py) and when a scheduled go-live or
# withdrawal time passes, so whatever is kept under it never outlives its content's visibility.
PUBLIC_VERSION_KEY = "public-version"
NEXT_CHANGE_KEY = "public-version-next-change"
NEVER = math.inf


def public_version(now=None):
    """The public content's version: read from the cache, without a database query except once
    after each change."""
    now = (now or timezone.now()).timestamp()
    values = cache.get_many([PUBLIC_VERSION_KEY, NEXT_CHANGE_KEY])
    next_change = values.get(NEXT_CHANGE_KEY)
    if next_change is None:
        next_change = _next_scheduled_change()
        # add, not set: a change committed meanwhile has already stored a newer value.
        cache.add(NEXT_CHANGE_KEY, next_change, None)
    if now >= next_change:
        public_content_changed()
        return cache.get(PUBLIC_VERSION_KEY)
    version = values.get(PUBLIC_VERSION_KEY)
    if version is None:
        _start_public_version()
        version = cache.get(PUBLIC_VERSION_KEY)
    return version


def public_content_changed():
    """Give the public content a new version; call it once the change is committed."""
    try:
        cache.incr(PUBLIC_VERSION_KEY)
    except ValueError:
        _start_public_version()
    cache.set(NEXT_CHANGE_KEY, _next_scheduled_change(), None)


def public_content_changing(using=DEFAULT_DB_ALIAS):
    """Call `public_content_changed()` when the current transaction commits (at once outside
    one), once per transaction however many rows it writes."""
    connection = connections[using]
    if not any(func is public_content_changed for _, func, _ in connection.run_on_commit):
        transaction.on_commit(public_content_changed, using=using)


def _start_public_version():
    # A random start, so a cache that lost the number never hands out one it gave before.
    cache.add(PUBLIC_VERSION_KEY, secrets.randbits(48), None)


def _next_scheduled_change():
    from .models import Qualification

    moment = Qualification.objects.next_scheduled_change()
    return NEVER if moment is None else moment.timestamp()
