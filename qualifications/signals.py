"""Keep each qualification's stored search text in step with the rows it is built from.

`Qualification.save()` writes its own; these receivers rewrite it when an audience, progression
role or employer support is added, changed, moved to another qualification or deleted, when an
employer or awarding organisation is renamed, and when a fixture is loaded (`loaddata` saves raw,
without calling `save()`). Bulk writes (`update()`, `bulk_create()`) send no signals: whoever makes
them calls `search.index()` (and `search.forget()` before deleting).

Every change also gives the public content a new version once it is committed (versions.py), so
nothing kept in the cache under the old one is served again.
"""

import reversion
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from . import search
from .models import (
    Audience,
    AwardingOrganisation,
    Employer,
    EmployerSupport,
    ProgressionRole,
    Qualification,
)
from .refresh import refresh
from .versions import public_content_changing

ROW_MODELS = (Audience, ProgressionRole, EmployerSupport)


@receiver(post_save, sender=Qualification)
def refresh_loaded_qualification(sender, instance, raw, **kwargs):
    if raw:
        refresh([instance.pk], touch=False)
    else:
        public_content_changing()


@receiver(pre_delete, sender=Qualification)
def forget_qualification_being_deleted(sender, instance, **kwargs):
    search.forget([instance.pk])


@receiver(post_delete, sender=Qualification)
def forget_deleted_qualification(sender, instance, **kwargs):
    public_content_changing()


def remember_previous_qualification(sender, instance, raw, **kwargs):
    """A row moved to another qualification leaves the first one's text to rewrite too."""
    instance._previous_qualification_id = (
        None
        if raw or instance.pk is None
        else sender.objects.filter(pk=instance.pk)
        .values_list("qualification_id", flat=True)
        .first()
    )


def refresh_after_row_saved(sender, instance, raw, **kwargs):
    previous = getattr(instance, "_previous_qualification_id", None)
    refresh([instance.qualification_id, previous], touch=not raw)


def refresh_after_row_deleted(sender, instance, origin=None, **kwargs):
    # When the qualification itself is being deleted, its rows go first: nothing to rewrite.
    if getattr(origin, "model", type(origin)) is Qualification:
        return
    refresh([instance.qualification_id])


for row_model in ROW_MODELS:
    pre_save.connect(remember_previous_qualification, sender=row_model)
    post_save.connect(refresh_after_row_saved, sender=row_model)
    post_delete.connect(refresh_after_row_deleted, sender=row_model)


@receiver(post_save, sender=Employer)
def refresh_after_employer_renamed(sender, instance, created, **kwargs):
    if not created:
        refresh(instance.supports.values_list("qualification_id", flat=True))


@receiver(post_save, sender=AwardingOrganisation)
def refresh_after_organisation_renamed(sender, instance, created, **kwargs):
    if not created:
        refresh(instance.qualifications.values_list("pk", flat=True))


def keep_version_of_save_in_code(sender, instance, raw, **kwargs):
    """A save outside the admin (and outside any revision an import or action opened) is kept as
    a version too, with the qualification's rows."""
    if raw or reversion.is_active():
        return
    with reversion.create_revision():
        reversion.set_comment("Saved outside the admin.")
        reversion.add_to_revision(instance)


for versioned_model in (Qualification, *ROW_MODELS):
    post_save.connect(keep_version_of_save_in_code, sender=versioned_model)
