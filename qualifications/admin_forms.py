"""The admin's forms for a qualification: no edit lost to another editor's save, and nothing
published that a learner would find missing."""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.formats import date_format

from . import history
from .choices import Status
from .models import Qualification, standard_fee_overlaps


@dataclass(frozen=True)
class Conflict:
    """Someone saved the qualification while this form was open."""

    saved_by: str
    saved_at: object  # a datetime, or None if no version records it
    changes: list  # of history.Change, from the version the form was opened on to now


class QualificationAdminForm(forms.ModelForm):
    """Optimistic locking on the version, as Wagtail does it: the form carries the version of the
    qualification (in its history) it was opened on, and saving it after someone else has saved
    a new version (an edit, a publish, a restore, an import) is refused with what they changed,
    the editor's text kept in the form. What only shows on the qualification (a renamed employer)
    makes no version, so no conflict."""

    edit_version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Qualification
        # The admin picks the fields, from QualificationAdmin.fieldsets.
        fields = "__all__"  # noqa: DJ007

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict = None
        if self.instance.pk:
            self.initial["edit_version"] = str(_latest_version_pk(self.instance) or "")

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk:
            self._refuse_if_saved_meanwhile(cleaned_data.get("edit_version") or "")
        return cleaned_data

    def _refuse_if_saved_meanwhile(self, opened_on):
        # Locked until the admin's transaction ends, so a concurrent save waits, then sees ours.
        Qualification.objects.select_for_update().filter(pk=self.instance.pk).exists()
        versions = history.versions_of(self.instance)
        latest = versions.first()
        if latest is None or str(latest.pk) == opened_on:
            return
        started_from = versions.filter(pk=opened_on).first() if opened_on.isdigit() else None
        self.conflict = Conflict(
            saved_by=_name(latest.revision.user),
            saved_at=latest.revision.date_created,
            changes=history.differences(
                history.version_snapshot(started_from), history.current_snapshot(self.instance)
            )
            if started_from
            else [],
        )
        # Saving again after reading the changes is a deliberate merge: let it through.
        self.data = self.data.copy()
        self.data[self.add_prefix("edit_version")] = str(latest.pk)
        when = date_format(timezone.localtime(self.conflict.saved_at), "j F Y, H:i:s")
        raise ValidationError(
            f"{self.conflict.saved_by} saved this qualification at {when}, while you were "
            "editing it. Your changes are still in the form below but are not saved: check what "
            "changed meanwhile (listed above the form), merge, and save again.",
            code="saved_meanwhile",
        )


def _latest_version_pk(qualification):
    return history.versions_of(qualification).values_list("pk", flat=True).first()


class AudienceFormSet(BaseInlineFormSet):
    """The audiences inline: a published qualification keeps at least one."""

    def clean(self):
        super().clean()
        if self.instance.status != Status.PUBLISHED:
            return
        remaining = sum(
            1
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not self._should_delete_form(form)
        )
        if message := self.instance.publication_problems(audience_count=remaining).get("audiences"):
            raise ValidationError(message, code="no_audience")


class FeeLineFormSet(BaseInlineFormSet):
    """The fees inline: one standard fee in force at a time, across the rows as edited."""

    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.is_valid()
            and not self._should_delete_form(form)
            and (form.instance.pk or form.has_changed())
        ]
        by_instance = {id(form.instance): form for form in kept}
        for fee in standard_fee_overlaps([form.instance for form in kept]):
            by_instance[id(fee)].add_error(
                "starts_on",
                "Another standard qualification fee applies on some of these days: end one "
                "before the other starts.",
            )


def _name(user):
    if user is None:
        return "An import or a script"
    return user.get_full_name() or user.get_username()
