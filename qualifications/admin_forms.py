"""The admin's forms for a qualification: no edit lost to another editor's save, and nothing
published that a learner would find missing."""

import hashlib

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.formats import date_format

from . import history
from .choices import Status
from .models import (
    PendingChange,
    Qualification,
    UnitGroup,
    UnitMembership,
    standard_fee_overlaps,
)
from .units import Group, Structure, structure_problems


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
            self.initial["edit_version"] = _edit_token(self.instance)

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk:
            self._refuse_if_saved_meanwhile(cleaned_data.get("edit_version") or "")
        return cleaned_data

    def _refuse_if_saved_meanwhile(self, opened_on):
        # Locked until the admin's transaction ends, so a concurrent save waits, then sees ours.
        Qualification.objects.select_for_update().filter(pk=self.instance.pk).exists()
        now = _edit_token(self.instance)
        if now == opened_on:
            return
        versions = history.versions_of(self.instance)
        latest = versions.first()
        opened_version = opened_on.partition("/")[0]
        pending = PendingChange.objects.filter(qualification=self.instance).first()
        if latest is not None and str(latest.pk) != opened_version:
            started_from = None
            if opened_version.isdigit():
                started_from = versions.filter(pk=opened_version).first()
            self.conflict = history.Conflict(
                saved_by=history.saved_by(latest.revision.user),
                saved_at=latest.revision.date_created,
                changes=history.differences(
                    history.version_snapshot(started_from), history.current_snapshot(self.instance)
                )
                if started_from
                else [],
            )
        elif pending is not None:
            # Someone saved the pending change meanwhile: what it was is not kept.
            self.conflict = history.Conflict(
                history.saved_by(pending.editor), pending.updated_at, []
            )
        else:
            return  # the pending change was published or discarded: the form still holds it
        # Saving again after reading the changes is a deliberate merge: let it through.
        self.data = self.data.copy()
        self.data[self.add_prefix("edit_version")] = now
        when = date_format(timezone.localtime(self.conflict.saved_at), "j F Y, H:i:s")
        raise ValidationError(
            f"{self.conflict.saved_by} saved this qualification at {when}, while you were "
            "editing it. Your changes are still in the form below but are not saved: check what "
            "changed meanwhile (listed above the form), merge, and save again.",
            code="saved_meanwhile",
        )


def _edit_token(qualification):
    # The version of the qualification (in its history) a form opens on, and of its pending
    # change if it has one.
    version = history.versions_of(qualification).values_list("pk", flat=True).first()
    pending = None
    if qualification.status != Status.DRAFT:  # a draft has no pending change
        pending = PendingChange.objects.filter(qualification=qualification)
        pending = pending.values_list("data", flat=True).first()
    # What the pending change holds, not when it was submitted or reviewed.
    pending = hashlib.sha256(pending.encode()).hexdigest()[:16] if pending else ""
    return f"{version or ''}/{pending}"


class LabelledInlineFormSet(BaseInlineFormSet):
    """An inline's formset whose every field has an accessible name: a tabular inline puts its
    inputs under column headings, which are not labels."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            if not field.widget.is_hidden:
                field.widget.attrs.setdefault("aria-label", str(field.label))


class AudienceFormSet(LabelledInlineFormSet):
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


class FeeLineFormSet(LabelledInlineFormSet):
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


# UNITS: a qualification's groups and their units are edited in two inlines, checked together
# by the one validation (units.structure_problems) once both are valid.


class UnitMembershipForm(forms.ModelForm):
    """A unit of the qualification, with the name of its group (one of the groups above, new
    ones too), rather than a choice of groups saved before."""

    group_name = forms.CharField(
        label="Group", max_length=100, help_text="The name of its group above, for example A."
    )

    class Meta:
        model = UnitMembership
        fields = ["group_name", "unit", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.group_id:
            self.initial.setdefault("group_name", self.instance.group.name)

    def save(self, commit=True):
        self.instance.group = UnitGroup.objects.get(
            qualification=self.instance.qualification,
            name__iexact=self.cleaned_data["group_name"],
        )
        return super().save(commit)


class UnitMembershipFormSet(LabelledInlineFormSet):
    """The units inline; `group_formset` (set by the admin) is the groups inline. Refuses a
    structure no choice of units could meet, naming the group."""

    group_formset = None

    def clean(self):
        super().clean()
        groups_formset = self.group_formset
        if groups_formset is None or not groups_formset.is_valid():
            return
        groups = {}
        for form in _kept_forms(groups_formset):
            data = form.cleaned_data
            if data["name"].casefold() in groups:
                raise ValidationError(f"Two groups are named “{data['name']}”: rename one.")
            group = Group(data["name"], data["rule"], data.get("minimum"), data.get("maximum"))
            groups[data["name"].casefold()] = (data.get("order") or 0, len(groups), group)
        placed = []
        for form in _kept_forms(self):
            name, unit = form.cleaned_data.get("group_name", ""), form.cleaned_data.get("unit")
            if name.casefold() not in groups:
                form.add_error(
                    "group_name", f"No group above is named “{name}”: add it, or pick one of those."
                )
                continue
            if unit is not None:
                placed.append((form.cleaned_data.get("order") or 0, len(placed), name, unit))
        for _, _, name, unit in sorted(placed, key=lambda item: item[:2]):
            groups[name.casefold()][2].units.append(unit)
        ordered = [group for *_, group in sorted(groups.values(), key=lambda item: item[:2])]
        problems = structure_problems(Structure(ordered, self.instance.credits))
        if problems:
            raise ValidationError(problems, code="structure")


def _kept_forms(formset):
    # The forms of a valid formset that will be saved: filled in, not deleted.
    return [
        form
        for form in formset.forms
        if (form.has_changed() or form.instance.pk) and not formset._should_delete_form(form)
    ]
