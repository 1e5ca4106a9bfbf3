"""Reviewed changes to live qualifications: an Editor's change to a qualification the public sees
(published or withdrawn) is kept as its pending change (models.PendingChange) until a Publisher
publishes it or sends it back.

A pending change is the qualification with its rows as the Editor left them, serialized. It is
made the way django-reversion's admin shows an old version: the Editor's form is saved through
the one write path inside a transaction, read back and rolled back, so nothing public moves. To
show it again (the form, the preview, the comparison) it is written over the live rows inside a
transaction that is rolled back too (`applied`); publishing writes it for good, as a version.

Each step of the review is recorded (models.ReviewEvent) and told to whom it concerns by email
(notifications.py), once the step has committed.
"""

import contextlib
import json

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from . import history, notifications, services
from .choices import ReviewAction, ReviewState, Status
from .models import (
    Audience,
    Document,
    EmployerSupport,
    FeeLine,
    PendingChange,
    ProgressionRole,
    Qualification,
    ReviewEvent,
    UnitGroup,
    UnitMembership,
)
from .permissions import PUBLISH, can_publish

# What says who holds the publish permission (the other backend only counts failed sign-ins).
AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"
# A qualification's own rows, in the order they are written (a unit's membership names its group).
ROW_MODELS = (
    *(Audience, ProgressionRole, EmployerSupport, FeeLine),
    *(UnitGroup, UnitMembership, Document),
)


def is_reviewed(qualification):
    """Whether changes to `qualification` are reviewed: it is, or has been, seen by the public.
    A draft that never went live is edited directly."""
    return getattr(qualification, "pk", None) is not None and qualification.status != Status.DRAFT


def pending_change(qualification):
    """The pending change of `qualification`, or None."""
    changes = PendingChange.objects.select_related("editor")
    return changes.filter(qualification=qualification).first()


@contextlib.contextmanager
def rolled_back():
    """A transaction (a savepoint within one) undone at its end, whatever happened within."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@contextlib.contextmanager
def applied(qualification, change=None):
    """Within: the database holds `qualification` as its pending change (`change`, or the one it
    has) makes it, for forms, previews and comparisons; all of it rolled back at the end. Yields
    the change, or None (then the database is as it was)."""
    with rolled_back():
        change = change or pending_change(qualification)
        if change is not None:
            write(qualification, change.data)
        yield change


def capture(qualification):
    """The qualification with its rows as the database holds them now, serialized: what keep()
    stores."""
    objects = [Qualification.objects.get(pk=qualification.pk)]
    for model in ROW_MODELS:
        objects += model.objects.filter(qualification=qualification).order_by("pk")
    return serializers.serialize("json", objects)


def changes(qualification, change=None):
    """The history's Changes from the live qualification to its pending change."""
    live = history.current_snapshot(qualification)
    with applied(qualification, change):
        pending = history.current_snapshot(qualification)
    return history.differences(live, pending)


def published_since(change):
    """A history.Conflict: who saved the published version since `change` was started, when,
    and what they changed, which publishing it may undo; None if no one did."""
    latest = history.versions_of(change.qualification).first()
    base = change.base_version
    if base is None or latest is None or latest.pk == base.pk:
        return None
    return history.Conflict(
        history.saved_by(latest.revision.user),
        latest.revision.date_created,
        history.differences(history.version_snapshot(base), history.version_snapshot(latest)),
    )


# THE STEPS: each in one transaction, recorded as a ReviewEvent, its emails sent once it commits.
# `origin` (the site's scheme and host) makes the emails' links.


def keep(qualification, data, *, user):
    """Keep `data` (from capture(), after an edit written and rolled back) as the pending change of
    `qualification`, saved by `user`. A new one is not yet submitted; one submitted must be
    submitted again (what the Publisher reviews is what was submitted); one sent back stays so,
    its reason shown, until submitted. None, and no pending change, if it would change nothing
    the history shows."""
    with transaction.atomic():
        change = PendingChange.objects.select_for_update().filter(qualification=qualification)
        change = change.first() or PendingChange(
            qualification=qualification, base_version=history.versions_of(qualification).first()
        )
        change.data, change.editor = data, user
        if change.state == ReviewState.SUBMITTED:
            change.state = ReviewState.EDITING
        if not changes(qualification, change):
            if change.pk:
                change.delete()
            return None
        change.save()
    return change


def submit(change, *, user, comment, origin):
    """Submit `change` for review with the Editor's `comment`; the Publishers are told."""
    if change.state == ReviewState.SUBMITTED:
        raise ValidationError("This change is already awaiting review.")
    with transaction.atomic():
        resubmitted = change.state == ReviewState.SENT_BACK
        change.state, change.comment, change.reason = ReviewState.SUBMITTED, comment, ""
        change.editor = user
        change.save()
        event = _record(change, ReviewAction.SUBMITTED, user, comment)
        word = "resubmitted" if resubmitted else "submitted"
        notifications.queue(
            event,
            _publishers().exclude(pk=user.pk),
            f"Change {word} for review: {change.qualification}",
            f"{_name(user)} {word} a change to {change.qualification} for review.\n\n"
            + (f"Their comment:\n{comment}\n\n" if comment else "")
            + f"Compare it with the live page, then publish it or send it back:\n"
            f"{origin}{review_url(change.qualification)}\n",
        )


def send_back(change, *, user, reason, origin):
    """Send `change` back to its Editor with the Publisher's `reason` (required)."""
    _require_publisher(user)
    if not reason.strip():
        raise ValidationError("Say why it is sent back: the Editor reads it.")
    if change.state != ReviewState.SUBMITTED:
        raise ValidationError("Only a change awaiting review can be sent back.")
    with transaction.atomic():
        change.state, change.reason = ReviewState.SENT_BACK, reason
        change.save()
        event = _record(change, ReviewAction.SENT_BACK, user, reason)
        _tell_editor(
            event,
            change,
            user,
            f"Change sent back: {change.qualification}",
            f"{_name(user)} sent back your change to {change.qualification}.\n\n"
            f"Why:\n{reason}\n\nAmend it and submit it again:\n"
            f"{origin}{form_url(change.qualification)}\n",
        )


def publish(change, *, user, origin):
    """Publish `change`: written over the live qualification through the write path, a version in
    its history; its Editor is told."""
    _require_publisher(user)
    with transaction.atomic():
        qualification = change.qualification
        if taken := write(qualification, change.data):  # rolled back
            labels = [Qualification._meta.get_field(name).verbose_name for name in taken]
            raise ValidationError(
                f"Another qualification has taken the {' and '.join(labels)} this change gives "
                "it: change it in the form, then publish."
            )
        qualification = Qualification.objects.get(pk=qualification.pk)
        services.qualification_save(
            qualification, user=user, comment=f"Published the change by {_name(change.editor)}."
        )
        published(change, user=user, origin=origin)


def published(change, *, user, origin):
    """After `change` was written live (publish(), or a Publisher's save of the form showing it):
    record it, tell its Editor and let it go."""
    event = _record(change, ReviewAction.PUBLISHED, user, "")
    _tell_editor(
        event,
        change,
        user,
        f"Change published: {change.qualification}",
        f"{_name(user)} published your change to {change.qualification}. It is on the "
        f"public page now:\n{origin}{change.qualification.get_absolute_url()}\n",
    )
    change.delete()


def discard(change, *, user, why=""):
    """Discard `change`: its Editor or a Publisher may."""
    if not (can_publish(user) or change.editor_id == user.pk):
        raise PermissionDenied
    with transaction.atomic():
        _record(change, ReviewAction.DISCARDED, user, why)
        change.delete()


def locked(change, seen):
    """`change` read again and locked until the transaction ends, if it is still as it was when
    its review page was opened (`seen`, its `edit_stamp()`); else ValidationError: a step is
    taken on what the user saw, never on what was saved since, and never twice."""
    change = PendingChange.objects.select_for_update().filter(pk=change.pk).first()
    if change is None or edit_stamp(change) != seen:
        raise ValidationError(
            "The change was saved, submitted or reviewed since you opened this page: read it "
            "again below."
        )
    return change


def edit_stamp(change):
    """What says a pending change is as it was: when it was last saved or reviewed."""
    return str(change.updated_at.timestamp())


def review_url(qualification):
    return reverse("admin:qualifications_qualification_review", args=[qualification.pk])


def form_url(qualification):
    return reverse("admin:qualifications_qualification_change", args=[qualification.pk])


def write(qualification, data, *, publication=False):
    """Write `data` (from capture() or kept()) over `qualification` and its rows; when the public
    sees it (Qualification.PUBLICATION_FIELDS) stays as it is now unless `publication`. Returns
    the unique fields (address, number) `data` gives it that another qualification has taken
    since: those keep their live values, so the change can still be shown."""
    objects = list(serializers.deserialize("json", data))
    [written] = [obj for obj in objects if type(obj.object) is Qualification]
    others = Qualification.objects.exclude(pk=qualification.pk)
    taken_since = [
        name
        for name in ("slug", "qualification_number")
        if others.filter(**{name: getattr(written.object, name)}).exists()
    ]
    kept_live = taken_since + ([] if publication else Qualification.PUBLICATION_FIELDS)
    if kept_live:
        live = Qualification.objects.values(*kept_live).get(pk=qualification.pk)
        for name, value in live.items():
            setattr(written.object, name, value)
    written.save()
    group_keys = {}
    for model in ROW_MODELS:
        rows = [obj for obj in objects if type(obj.object) is model]
        for field in model._meta.concrete_fields:
            # A row naming a unit or employer deleted since is left out.
            if field.many_to_one and field.name not in ("qualification", "group"):
                named = {getattr(row.object, field.attname) for row in rows}
                there = field.related_model.objects.filter(pk__in=named).values_list(
                    "pk", flat=True
                )
                there = set(there)
                rows = [row for row in rows if getattr(row.object, field.attname) in there]
        keys = [row.object.pk for row in rows]
        model.objects.filter(qualification=qualification).exclude(pk__in=keys).delete()
        # A row new in `data` whose key another qualification's row has taken since (SQLite
        # hands out again the keys of rows rolled back) is written as a new row.
        taken = set(
            model.objects.filter(pk__in=keys)
            .exclude(qualification=qualification)
            .values_list("pk", flat=True)
        )
        purged = {}
        if model is Document:  # a file purged since stays purged
            purged = dict(
                model.objects.filter(
                    qualification=qualification, purged_at__isnull=False
                ).values_list("pk", "purged_at")
            )
        for row in rows:
            if row.object.pk in purged:
                row.object.purged_at = purged[row.object.pk]
            if model is UnitMembership:
                row.object.group_id = group_keys.get(row.object.group_id, row.object.group_id)
            old = row.object.pk
            if old in taken:
                row.object.pk = None
            row.save()
            if model is UnitGroup:
                group_keys[old] = row.object.pk
    return taken_since


def kept(version):
    """The qualification a reversion `version` keeps, with its own rows from the same revision,
    as write() takes it: never the other qualifications, units or employers saved in that
    revision (an import keeps a thousand qualifications in one), which a restore must not
    touch."""
    pk = int(version.object_id)
    row_types = ContentType.objects.get_for_models(*ROW_MODELS).values()
    objects = json.loads(version.serialized_data)
    for row in version.revision.version_set.filter(content_type__in=row_types):
        [obj] = json.loads(row.serialized_data)
        if obj["fields"]["qualification"] == pk:
            objects.append(obj)
    return json.dumps(objects)


def _record(change, action, user, text):
    return ReviewEvent.objects.create(
        qualification=change.qualification, action=action, user=user, text=text
    )


def _tell_editor(event, change, user, subject, body):
    if change.editor is not None and change.editor_id != user.pk:
        notifications.queue(event, [change.editor], subject, body)


def _publishers():
    users = get_user_model().objects.with_perm(PUBLISH, backend=AUTH_BACKEND)
    return users.exclude(email="")


def _require_publisher(user):
    if not can_publish(user):
        raise PermissionDenied


def _name(user):
    if user is None:
        return "Someone"
    return user.get_full_name() or user.get_username()
