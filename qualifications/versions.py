"""Versions that key what the site keeps in its cache (see kept.py): the version of the design
(templates and stylesheets) and the version of the public content, so an edit, a publish, a
scheduled withdrawal or a deploy that changes the look is seen at once, and nothing unchanged is
rendered twice."""

import functools
import hashlib
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.dispatch import receiver
from django.utils import timezone

from qualsite.cache import cache_recovered

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


# What the public sees, as one number every server reads from the shared cache: it changes after
# every committed change to public content (see signals.py) and when a scheduled go-live or
# withdrawal time passes, so whatever is kept under it never outlives its content's visibility.
PUBLIC_VERSION_KEY = "public-version"
NEXT_CHANGE_KEY = "public-version-next-change"
NEVER = math.inf


@dataclass(frozen=True)
class PublicVersion:
    number: int | None  # None while the cache is unavailable: nothing is known to be current
    next_change: float  # a timestamp: when a scheduled go-live or withdrawal next changes it

    def max_age(self, at_most, now=None):
        """Seconds a copy may be kept without asking again: `at_most`, cut short so that it
        never outlives the next scheduled change."""
        now = (now or timezone.now()).timestamp()
        return max(0, math.floor(min(at_most, self.next_change - now)))


def public_version(now=None):
    """The public content's version (a PublicVersion): read from the cache, without a database
    query except once after each change."""
    now = (now or timezone.now()).timestamp()
    values = cache.get_many([PUBLIC_VERSION_KEY, NEXT_CHANGE_KEY])
    number, next_change = values.get(PUBLIC_VERSION_KEY), values.get(NEXT_CHANGE_KEY)
    if next_change is None:
        next_change = _next_scheduled_change()
        # add, not set: a change committed meanwhile has already stored a newer value.
        cache.add(NEXT_CHANGE_KEY, next_change, None)
    if now >= next_change:
        next_change = public_content_changed()
        number = None
    if number is None:
        _start_public_version()
        number = cache.get(PUBLIC_VERSION_KEY)
    return PublicVersion(number, next_change)


def public_content_changed():
    """Give the public content a new version; call it once the change is committed. Returns when
    it next changes by itself."""
    try:
        cache.incr(PUBLIC_VERSION_KEY)
    except ValueError:
        _start_public_version()
    next_change = _next_scheduled_change()
    cache.set(NEXT_CHANGE_KEY, next_change, None)
    return next_change


@receiver(cache_recovered)
def public_content_may_have_changed(sender, **kwargs):
    """After a cache outage: a change committed meanwhile could not give the public content a new
    version, so give it one now, lest a rendering kept before the outage be served again; and
    forget when it next changes by itself, which such a change may have moved."""
    try:
        cache.incr(PUBLIC_VERSION_KEY)
    except ValueError:
        _start_public_version()
    cache.delete(NEXT_CHANGE_KEY)


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
