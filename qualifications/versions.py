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


# What the public sees, as one stamp every server reads from the shared cache in one look-up: a
# number that changes after every committed change to public content (see signals.py) and when a
# scheduled go-live or withdrawal time passes, kept with that time, so whatever is kept under it
# never outlives its content's visibility. The number is random, not counted: a cache that lost it
# never hands out one it gave before, and two changes at once each give a new one.
PUBLIC_VERSION_KEY = "public-version-stamp"
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

    def is_current(self, now=None):
        """Whether the next scheduled change has not come yet."""
        return (now or timezone.now()).timestamp() < self.next_change


def public_version(now=None):
    """The public content's version (a PublicVersion): read from the cache, without a database
    query except once after each change."""
    version = stored_public_version()
    if version is None:
        # add, not set: a change committed meanwhile has already stored a newer stamp.
        new = (secrets.randbits(48), _next_scheduled_change())
        cache.add(PUBLIC_VERSION_KEY, new, None)
        version = stored_public_version()
        if version is None:
            return PublicVersion(None, new[1])
    if not version.is_current(now):
        version = public_content_changed()
    return version


def kept_per_version(make):
    """Decorate `make`, a function of the public content alone, so that it runs once per version
    of that content in each process: called again under the same version, it answers from the
    process's memory, without the cache or the database. While no version is known (the cache
    unavailable) it runs every time. Its arguments say how to make the value, never what of."""
    kept = (None, None)  # (version number, value)

    @functools.wraps(make)
    def kept_or_made(*args, **kwargs):
        nonlocal kept
        number = public_version().number
        if number is None:
            return make(*args, **kwargs)
        if kept[0] != number:
            kept = (number, make(*args, **kwargs))
        return kept[1]

    return kept_or_made


def stored_public_version():
    """The public content's version as the cache holds it, current or not, without the database;
    None if the cache holds none or is unavailable."""
    stamp = cache.get(PUBLIC_VERSION_KEY)
    return None if stamp is None else PublicVersion(*stamp)


def public_content_changed():
    """Give the public content a new version; call it once the change is committed. Returns the
    new PublicVersion."""
    version = PublicVersion(secrets.randbits(48), _next_scheduled_change())
    cache.set(PUBLIC_VERSION_KEY, (version.number, version.next_change), None)
    return version


@receiver(cache_recovered)
def public_content_may_have_changed(sender, **kwargs):
    """After a cache outage: a change committed meanwhile could not give the public content a new
    version, so forget the one kept: the next request makes a new one, and nothing kept before
    the outage is served again."""
    cache.delete(PUBLIC_VERSION_KEY)


def public_content_changing(using=DEFAULT_DB_ALIAS):
    """Call `public_content_changed()` when the current transaction commits (at once outside
    one), once per transaction however many rows it writes."""
    connection = connections[using]
    if not any(func is public_content_changed for _, func, _ in connection.run_on_commit):
        transaction.on_commit(public_content_changed, using=using)


def _next_scheduled_change():
    from .models import Qualification

    moment = Qualification.objects.next_scheduled_change()
    return NEVER if moment is None else moment.timestamp()
