"""Keep qualifications' stored search text and `updated_at` in step with their rows: once per
qualification for a whole save, however many rows it changes.

Outside `one_refresh()`, each save refreshes at once (see signals.py). Within it (the admin's
save of a qualification with its inline rows), saves only note which qualifications changed, and
leaving it rebuilds each one's search text and marks it updated in one pass, inside the caller's
transaction, so nothing reads the new version of the content before its search text.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

from . import search
from .versions import public_content_changing

_pending = ContextVar("qualifications_pending_refresh", default=None)


@contextmanager
def one_refresh():
    """Defer refreshes to the end of the block (see the module's docstring)."""
    if _pending.get() is not None:
        yield
        return
    pending = set()
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    if pending:
        refresh(pending)


def deferring():
    """Whether a refresh now would be deferred to the end of a `one_refresh()` block."""
    return _pending.get() is not None


def refresh(pks, touch=True):
    """Rebuild the search text of the qualifications with these pks and, if `touch`, mark them
    updated (their page, factsheet and sitemap entry changed); deferred within `one_refresh()`."""
    from .models import Qualification

    pks = set(pks) - {None}
    if not pks:
        return
    if (pending := _pending.get()) is not None:
        pending.update(pks)
        return
    qualifications = Qualification.objects.filter(pk__in=pks)
    search.index(qualifications.for_detail_page())
    if touch:
        qualifications.update(updated_at=timezone.now())
    public_content_changing()
