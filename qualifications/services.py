"""Writing qualifications: the one path every writer takes (the admin, the Register import,
commands, fixtures), as plain functions, with no business logic in `save()` or signals.

Each function writes what it is given in one transaction, rebuilds once the search text of every
qualification whose text it changed (search.index), records a version of each qualification it
edited (django-reversion, with its rows) and returns what became stale (`Stale`).

Nothing kept in a cache is deleted: renderings are kept under what they are made of (kept.py). A
qualification's page, factsheet and JSON are kept under its `updated_at`, which moves on whenever
anything they show changes; listings, feeds and the sitemap under the catalogue's version
(CatalogueVersion), which moves on only when a qualification the public may see changes, or a
scheduled date passes.
"""

import contextlib
import secrets
from dataclasses import dataclass

import reversion
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import search
from .choices import Status
from .models import (
    AwardingOrganisation,
    CatalogueVersion,
    Qualification,
    Unit,
    UnitGroup,
    UnitMembership,
)


@dataclass(frozen=True)
class Stale:
    """What a write made stale: the pks of the qualifications whose own renderings changed, and
    whether the catalogue's (listings, feeds, sitemap) did."""

    qualifications: frozenset = frozenset()
    catalogue: bool = False


def qualification_save(qualification, *, write_rows=None, user=None, comment=""):
    """Save `qualification`, then its rows with `write_rows()` if given, rebuild its search text
    and record it, rows included, as a version attributed to `user` with `comment`. Returns Stale.
    """
    with transaction.atomic(), _revision(user, comment):
        was_public = qualification.pk is not None and _is_public(
            Qualification.objects.filter(pk=qualification.pk)
        )
        qualification.save()
        if write_rows is not None:
            write_rows()
        stale = _refresh(
            {qualification.pk}, catalogue=was_public or qualification.status != Status.DRAFT
        )
        reversion.add_to_revision(qualification)
    return stale


def qualification_delete(qualification):
    """Delete `qualification` with its rows."""
    qualifications_delete(Qualification.objects.filter(pk=qualification.pk))


def qualifications_delete(qualifications):
    """Delete these qualifications (a QuerySet) with their rows; returns how many."""
    with transaction.atomic():
        pks = list(qualifications.values_list("pk", flat=True))
        public = _is_public(qualifications)
        search.forget(pks)
        qualifications.delete()
        if public:
            catalogue_changed()
    return len(pks)


def qualifications_saved(pks, *, user=None, comment="", versioned=True):
    """After the qualifications with these pks were written in bulk with their rows (the Register
    import, fixtures, synthetic data): rebuild their search text and, if `versioned`, record each
    as a version, REVISION_SIZE to a revision. Returns Stale."""
    pks, public = list(pks), False
    with transaction.atomic():
        for start in range(0, len(pks), REVISION_SIZE):
            chunk = Qualification.objects.filter(pk__in=pks[start : start + REVISION_SIZE])
            qualifications = list(chunk.for_detail_page())
            search.index(qualifications)
            public = public or any(q.status != Status.DRAFT for q in qualifications)
            if versioned:
                with _revision(user, comment, atomic=False):
                    for qualification in qualifications:
                        reversion.add_to_revision(qualification)
        if public:
            catalogue_changed()
    return Stale(frozenset(pks), public)


# Qualifications written in one revision, as one INSERT of each kind of row, which the databases
# limit in parameters.
REVISION_SIZE = 1_000


def shared_save(obj, *, write_rows=None):
    """Save something qualifications show but do not own (an employer, an awarding organisation),
    then `write_rows()` if given. Every qualification that shows it is kept current (search text,
    renderings) without that counting as an edit of it: no version, no edit conflict. Returns
    Stale."""
    with transaction.atomic():
        showed = set()
        if obj.pk is not None:
            showed = set(Qualification.objects.filter(_showing(obj)).values_list("pk", flat=True))
        obj.save()
        if write_rows is not None:
            write_rows()
        showing = Qualification.objects.filter(_showing(obj) | Q(pk__in=showed))
        pks = set(showing.values_list("pk", flat=True))
        return _refresh(pks, catalogue=_is_public(showing), touch=True)


def row_save(row, *, user=None, comment=""):
    """Save one row of a qualification (an audience, a job role) edited on its own: an edit of
    its qualification, and of the one it was moved from. Returns Stale."""
    with transaction.atomic(), _revision(user, comment):
        previous = type(row).objects.filter(pk=row.pk).values_list("qualification", flat=True)
        moved_from = previous.first()
        stale = qualification_save(row.qualification, write_rows=row.save)
        if moved_from not in (None, row.qualification_id):
            left = qualification_save(Qualification.objects.get(pk=moved_from))
            stale = Stale(
                stale.qualifications | left.qualifications, stale.catalogue or left.catalogue
            )
    return stale


def catalogue_changed():
    """Give the catalogue a new version, noting its next scheduled change; returns the version
    as catalogue_version() does. The number is random rather than counted, so it is known
    without reading it back: one upsert, however many servers write at once."""
    version = CatalogueVersion(
        pk=1,
        number=secrets.randbits(48),
        next_change=Qualification.objects.next_scheduled_change(),
    )
    CatalogueVersion.objects.bulk_create(
        [version],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["number", "next_change"],
    )
    return version.number, version.next_change


def catalogue_version(now=None):
    """The catalogue's version: (number, when it next changes by itself or None). A new one
    first if a scheduled go-live, withdrawal or certification end has passed since."""
    now = now or timezone.now()
    row = CatalogueVersion.objects.filter(pk=1).values_list("number", "next_change").first()
    if row is None or (row[1] is not None and row[1] <= now):
        return catalogue_changed()
    return row


def _refresh(pks, *, catalogue, touch=False):
    # Rebuild the search text of the qualifications with these pks; `touch` moves their
    # `updated_at` on, for a change that is not their own save.
    pks = pks - {None}
    if touch and pks:
        Qualification.objects.filter(pk__in=pks).update(updated_at=timezone.now())
    search.index(Qualification.objects.filter(pk__in=pks).for_detail_page())
    if catalogue:
        catalogue_changed()
    return Stale(frozenset(pks), catalogue)


def shown_live(obj):
    """Whether a qualification the public sees (or has seen) shows `obj`, which it does not own
    (a unit, an employer, an awarding organisation)."""
    return _is_public(Qualification.objects.filter(_showing(obj)))


def _is_public(qualifications):
    # Whether any of these is, or has been, seen by the public (published or withdrawn).
    return qualifications.exclude(status=Status.DRAFT).exists()


def _showing(obj):
    if isinstance(obj, Unit):
        return Q(unit_memberships__unit=obj)
    if isinstance(obj, AwardingOrganisation):
        return Q(awarding_organisation=obj)
    return Q(employer_supports__employer=obj)


@contextlib.contextmanager
def _revision(user, comment, atomic=True):
    # A revision of its own, or the one already open (the admin's, an import's), with the user
    # and comment if given.
    with reversion.create_revision(atomic=atomic):
        if user is not None:
            reversion.set_user(user)
        if comment:
            reversion.set_comment(comment)
        yield


# UNITS


def unit_save(unit, *, write_rows=None, user=None, comment=""):
    """Save a unit, then `write_rows()` (its outcomes) if given: shared, so every qualification
    holding it is kept current as shared_save() keeps them, and the unit, with its outcomes, is
    recorded as a version of its own. Returns Stale."""
    with transaction.atomic(), _revision(user, comment):
        stale = shared_save(unit, write_rows=write_rows)
        reversion.add_to_revision(unit)
    return stale


def structure_save(qualification, structure, *, user=None, comment=""):
    """Replace the groups and units of `qualification` with `structure` (a units.Structure of
    units.Group, whose units are saved Units), refused with ValidationError if no choice of
    units could meet it; an edit of the qualification, recorded as its version. Returns Stale."""
    from .units import validate_structure

    validate_structure(structure)

    def write_rows():
        write_structure_rows([(qualification, structure)])

    return qualification_save(qualification, write_rows=write_rows, user=user, comment=comment)


def write_structure_rows(structures):
    """Replace the groups and memberships of each (qualification, units.Structure) pair, in a
    few statements however many: for the importer and structure_save()."""
    pks = [qualification.pk for qualification, _ in structures]
    UnitMembership.objects.filter(qualification__in=pks).delete()
    UnitGroup.objects.filter(qualification__in=pks).delete()
    groups, memberships = [], []
    for qualification, structure in structures:
        for order, group in enumerate(structure.groups):
            row = UnitGroup(
                qualification_id=qualification.pk,
                name=group.name,
                rule=group.rule,
                minimum=group.minimum,
                maximum=group.maximum,
                order=order,
            )
            groups.append(row)
            memberships += [
                UnitMembership(qualification_id=qualification.pk, group=row, unit=unit, order=n)
                for n, unit in enumerate(group.units)
            ]
    UnitGroup.objects.bulk_create(groups, batch_size=REVISION_SIZE)
    UnitMembership.objects.bulk_create(memberships, batch_size=REVISION_SIZE)


# Qualifications with their units recorded in one revision by units_saved(): about forty versions
# each (groups and memberships), kept in memory until the revision is written.
STRUCTURES_PER_REVISION = 100


def units_saved(unit_pks, *, structures=(), user=None, comment=""):
    """After units and the structures of qualifications were written in bulk (the unit import):
    record each unit as a version of its own and each qualification whose structure changed (the
    pks in `structures`) as a version of it, REVISION_SIZE to a revision; every qualification
    holding one of the units is kept current as shared_save() keeps them. Returns Stale."""
    unit_pks, structures = list(unit_pks), set(structures)
    with transaction.atomic():
        holding = set()
        for start in range(0, len(unit_pks), REVISION_SIZE):
            chunk = unit_pks[start : start + REVISION_SIZE]
            with _revision(user, comment, atomic=False):
                for unit in Unit.objects.filter(pk__in=chunk).prefetch_related("outcomes"):
                    reversion.add_to_revision(unit)
            holders = UnitMembership.objects.filter(unit__in=chunk)
            holding |= set(holders.values_list("qualification", flat=True))
        touched = list(holding | structures)
        now = timezone.now()
        for start in range(0, len(touched), REVISION_SIZE):
            Qualification.objects.filter(pk__in=touched[start : start + REVISION_SIZE]).update(
                updated_at=now
            )
        # A hundred qualifications to a revision: each holds its groups and memberships.
        structures, versioned = sorted(structures), Stale()
        for start in range(0, len(structures), STRUCTURES_PER_REVISION):
            chunk = structures[start : start + STRUCTURES_PER_REVISION]
            saved = qualifications_saved(chunk, user=user, comment=comment)
            versioned = Stale(
                versioned.qualifications | saved.qualifications,
                versioned.catalogue or saved.catalogue,
            )
        structures = set(structures)
        others = holding - structures
        public = _is_public(Qualification.objects.filter(pk__in=others)) if others else False
        rest = _refresh(others, catalogue=public and not versioned.catalogue)
    return Stale(versioned.qualifications | rest.qualifications, versioned.catalogue or public)
