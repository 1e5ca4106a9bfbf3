import secrets

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from reversion.admin import VersionAdmin
from reversion.models import Version

from . import documents, history, register, reviews, services, unit_import
from .admin_forms import (
    AudienceFormSet,
    FeeLineFormSet,
    LabelledInlineFormSet,
    QualificationAdminForm,
    UnitMembershipForm,
    UnitMembershipFormSet,
)
from .choices import ReviewState, Status
from .models import (
    Audience,
    AwardingOrganisation,
    Document,
    Employer,
    EmployerSupport,
    FeeLine,
    LearningOutcome,
    PendingChange,
    ProgressionRole,
    Qualification,
    Unit,
    UnitGroup,
    UnitMembership,
)
from .permissions import can_publish
from .site import absolute_url, site_origin

# How long an uploaded file waits for its confirmation, and how many rows of each kind the preview
# lists (it counts them all).
UPLOAD_SECONDS = 60 * 60
PREVIEW_LIMIT = 200


def _upload_key(request, token):
    return f"register-upload:{request.user.pk}:{token}"


class RegisterUploadForm(forms.Form):
    file = forms.FileField(
        label="The Register's CSV file",
        help_text="The data set the Ofqual Register offers for download, one row per "
        "qualification.",
    )
    organisation = forms.CharField(
        label="Only the awarding organisation",
        required=False,
        max_length=30,
        help_text="Its acronym on the Register, for example AIM QUALS. Leave empty to import "
        "every row.",
    )


class UnitUploadForm(forms.Form):
    file = forms.FileField(
        label="The unit CSV file",
        help_text="One row per qualification and unit, in the headings of the README (the "
        "site's own /units.csv is one).",
    )


class ReviewForm(forms.Form):
    """A step of a pending change's review, with the Editor's comment or the Publisher's
    reason."""

    step = forms.ChoiceField(
        choices=[(s, s) for s in ("submit", "publish", "send_back", "discard")]
    )
    # The change as the page showed it (reviews.edit_stamp()).
    seen = forms.CharField(widget=forms.HiddenInput)
    text = forms.CharField(
        label="Comment, or why it is sent back",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )


class AudienceInline(admin.TabularInline):
    model = Audience
    formset = AudienceFormSet
    extra = 0
    fields = ["description", "order"]
    verbose_name_plural = "Is this qualification right for you? Who it suits"


class ProgressionRoleInline(admin.StackedInline):
    model = ProgressionRole
    extra = 0
    fields = [("title", "order"), "description"]
    verbose_name_plural = "Job roles it leads to"


class EmployerSupportInline(admin.TabularInline):
    model = EmployerSupport
    formset = LabelledInlineFormSet
    extra = 0
    autocomplete_fields = ["employer"]
    fields = ["employer", "order"]
    verbose_name_plural = "Employers who support it"


class FeeLineInline(admin.TabularInline):
    model = FeeLine
    formset = FeeLineFormSet
    extra = 0
    fields = ["kind", "description", "amount", "per", "vat", "starts_on", "ends_on"]
    verbose_name_plural = "Fees: enter next year's ahead, from their first day"


def editable_here(request, qualification):
    """Whether `request`'s user may change `qualification`'s rows outside its own form: a
    Publisher may; an Editor only a draft's."""
    return can_publish(request.user) or not reviews.is_reviewed(qualification)


def drafts_only_for_editors(db_field, request, kwargs):
    # An Editor picks only among drafts for a row edited outside its qualification's form.
    if db_field.name == "qualification" and not can_publish(request.user):
        kwargs["queryset"] = Qualification.objects.filter(status=Status.DRAFT)
        kwargs["error_messages"] = {
            "invalid_choice": "Only a draft qualification's rows are changed here: change a "
            "public qualification in its own form, where the change is reviewed."
        }


class SupportedQualificationInline(admin.TabularInline):
    model = EmployerSupport
    formset = LabelledInlineFormSet
    extra = 0
    autocomplete_fields = ["qualification"]
    fields = ["qualification", "order"]
    verbose_name = "qualification supported"
    verbose_name_plural = "Qualifications this employer supports"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        drafts_only_for_editors(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class UnitGroupInline(admin.TabularInline):
    model = UnitGroup
    formset = LabelledInlineFormSet
    extra = 0
    fields = ["name", "rule", "minimum", "maximum", "order"]
    verbose_name_plural = "What you will study: groups of units"


class UnitMembershipInline(admin.TabularInline):
    model = UnitMembership
    form = UnitMembershipForm
    formset = UnitMembershipFormSet
    extra = 0
    autocomplete_fields = ["unit"]
    fields = ["group_name", "unit", "order"]
    verbose_name_plural = "Units in the groups"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("group", "unit")


class DocumentInline(admin.StackedInline):
    """Each version of each document is a row: upload a new version as a new row, with the day
    it takes effect; earlier versions stay in the version history."""

    model = Document
    extra = 0
    fields = [
        ("kind", "language", "slug"),
        ("title", "version_label", "effective_from"),
        "changes",
        "file",
        "stored",
    ]
    readonly_fields = ["stored"]
    verbose_name = "document version"
    verbose_name_plural = "Documents (specification, handbook, …): every version"

    @admin.display(description="Stored")
    def stored(self, document):
        if not document.pk:
            return "—"
        if document.purged_at:
            return f"Purged on {document.purged_at:%d %B %Y}"
        return f"{document.format.name}, {document.size:,} bytes"


class WritePathMixin:
    """Saves an object with its inline rows through the one write path (services.py), in
    `write(request, obj, write_rows)`."""

    def save_model(self, request, obj, form, change):
        pass  # saved in save_related(), with its rows

    def save_related(self, request, form, formsets, change):
        rows = super().save_related
        self.write(request, form.instance, lambda: rows(request, form, formsets, change))


@admin.register(Qualification)
class QualificationAdmin(WritePathMixin, VersionAdmin):
    form = QualificationAdminForm
    list_display = [
        "title",
        "qualification_number",
        "level",
        "awarding_organisation",
        "status",
        "updated_at",
    ]
    list_filter = ["status", "level", "awarding_organisation", "subject_area"]
    list_select_related = ["awarding_organisation"]
    search_fields = ["title", "qualification_number", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["awarding_organisation"]
    date_hierarchy = "updated_at"
    readonly_fields = ["created_at", "updated_at"]
    inlines = [
        AudienceInline,
        ProgressionRoleInline,
        EmployerSupportInline,
        FeeLineInline,
        UnitGroupInline,
        UnitMembershipInline,
        DocumentInline,
    ]
    actions = ["publish", "withdraw", "return_to_draft"]
    save_on_top = True
    history_latest_first = True
    object_history_template = "admin/qualifications/qualification/object_history.html"
    # reversion's list (with "Recover deleted") and the Register import link.
    change_list_template = "admin/qualifications/qualification/change_list.html"
    fieldsets = [
        (None, {"fields": ["title", "slug", "awarding_organisation", "edit_version"]}),
        (
            "Publication",
            {
                "description": "Only publishers can publish, schedule or withdraw a qualification.",
                "fields": ["status", ("live_from", "live_until")],
            },
        ),
        (
            "Key facts",
            {
                "fields": [
                    "qualification_number",
                    "level",
                    "is_ofqual_regulated",
                    "delivery_restricted_to",
                    "in_apprenticeship_framework",
                ]
            },
        ),
        (
            "From the Ofqual Register",
            {
                "description": "Leave a fact empty when it is not known: the site shows only "
                "what is filled in.",
                "fields": [
                    "qualification_type",
                    ("sub_level", "grading_type"),
                    "guided_learning_hours",
                    ("minimum_guided_learning_hours", "maximum_guided_learning_hours"),
                    ("total_qualification_time", "credits"),
                    "minimum_age",
                    "assessment",
                    "subject_area",
                    "register_status",
                    ("offered_in_england", "offered_in_northern_ireland"),
                    ("regulation_start_date", "operational_start_date"),
                    ("operational_end_date", "certification_end_date"),
                    "specification_url",
                ],
            },
        ),
        (
            "Who may take it, where, and funding",
            {
                "description": "Leave a fact empty when it is not known: the site shows only "
                "what is filled in.",
                "fields": [
                    ("approved_pre_16", "approved_16_to_18"),
                    ("approved_18_plus", "approved_19_plus"),
                    "welsh_medium",
                    ("offered_in_wales", "offered_internationally"),
                    "advanced_learner_loans",
                ],
            },
        ),
        (
            "Page sections",
            {
                "fields": [
                    "overview",
                    "entry_requirement",
                    "complementary_subjects",
                    "further_study",
                    "employer_statement",
                ]
            },
        ),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    # Only publishers change what the public sees and when.
    PUBLICATION_FIELDS = Qualification.PUBLICATION_FIELDS

    def has_publish_permission(self, request):
        return can_publish(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if not can_publish(request.user):
            readonly = [*readonly, *self.PUBLICATION_FIELDS]
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.editor = request.user
        return form

    def write(self, request, obj, write_rows):
        services.qualification_save(obj, write_rows=write_rows, user=request.user)

    def _create_formsets(self, request, obj, change):
        # The units inline checks the whole structure: the groups inline's rows with its own.
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        groups = next((f for f in formsets if f.model is UnitGroup), None)
        for formset in formsets:
            if formset.model is UnitMembership:
                formset.group_formset = groups
        return formsets, inline_instances

    def delete_model(self, request, obj):
        services.qualification_delete(obj)

    def delete_queryset(self, request, queryset):
        for qualification in queryset:
            services.qualification_delete(qualification)

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["conflict"] = getattr(context["adminform"].form, "conflict", None)
        reviewed = reviews.is_reviewed(obj)
        context["reviewed"] = reviewed
        context["pending"] = reviews.pending_change(obj) if reviewed else None
        context["can_save_for_review"] = reviewed and can_publish(request.user)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    # REVIEW: a change to a qualification the public sees is kept as its pending change
    # (reviews.py) unless a Publisher saves it, which publishes it.

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Around reversion's change_view, which saves the version when it ends.
        qualification = self.get_object(request, unquote(object_id))
        view = super().change_view
        if not reviews.is_reviewed(qualification):
            return view(request, object_id, form_url, extra_context)
        return self._reviewed(
            request, qualification, lambda: view(request, object_id, form_url, extra_context)
        )

    def _reviewed(self, request, qualification, view, *, show_pending=True):
        """Runs `view` (the change form, or a restore) over the qualification as its pending change
        makes it (unless not `show_pending`). A save is written (a Publisher's publishing the
        pending change; any save of a draft); anything else is rolled back, an Editor's save of a
        public qualification (or a "Save for review") kept as the pending change."""
        request.keeping_for_review = reviews.is_reviewed(qualification) and not (
            can_publish(request.user) and "_save_for_review" not in request.POST
        )
        data = None
        with transaction.atomic():
            change = reviews.pending_change(qualification) if show_pending else None
            if change is not None:
                reviews.write(qualification, change.data)
            response = view()
            saved = request.method == "POST" and isinstance(response, HttpResponseRedirect)
            if saved and not request.keeping_for_review:
                if change is not None:
                    reviews.published(change, user=request.user, origin=site_origin(request))
                return response
            if saved:
                data = reviews.capture(qualification)
            if hasattr(response, "render"):
                response.render()
            transaction.set_rollback(True)
        if data is None:
            return response
        if reviews.keep(qualification, data, user=request.user) is None:
            messages.info(request, "The form matches the published version: no change is pending.")
            return redirect(reviews.form_url(qualification))
        messages.success(
            request,
            "Your change is kept for review: the public sees the published version until a "
            "Publisher publishes it.",
        )
        return response

    def response_change(self, request, obj):
        if not getattr(request, "keeping_for_review", False):
            return super().response_change(request, obj)
        if "_continue" in request.POST:
            return HttpResponseRedirect(reviews.form_url(obj))
        return HttpResponseRedirect(reviews.review_url(obj))

    def review_view(self, request, object_id):
        """The pending change beside the live version, field by field and row by row, with what
        the user may do: submit it, publish it, send it back, discard it."""
        qualification = self.get_object(request, unquote(object_id))
        if qualification is None or not self.has_view_or_change_permission(request, qualification):
            raise PermissionDenied
        change = reviews.pending_change(qualification)
        if change is None:
            messages.info(request, f"No change to {qualification} is pending.")
            return redirect(reviews.form_url(qualification))
        form = ReviewForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    change = reviews.locked(change, form.cleaned_data["seen"])
                    return self._review_step(request, change, form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
                change = reviews.pending_change(qualification)
                if change is None:
                    return redirect(reviews.form_url(qualification))
        user = request.user
        may_change = self.has_change_permission(request, qualification)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": qualification,
            "title": f"Review the change to {qualification}",
            "change": change,
            "seen": reviews.edit_stamp(change),
            "published_since": reviews.published_since(change),
            "changes": reviews.changes(qualification, change),
            "form": form,
            "can_submit": may_change and change.state != ReviewState.SUBMITTED,
            "can_publish": can_publish(user),
            "can_send_back": can_publish(user) and change.state == ReviewState.SUBMITTED,
            "can_discard": can_publish(user) or change.editor_id == user.pk,
        }
        return TemplateResponse(request, "admin/qualifications/qualification/review.html", context)

    def _review_step(self, request, change, data):
        user, origin, step = request.user, site_origin(request), data["step"]
        if step == "publish":
            reviews.publish(change, user=user, origin=origin)
            done = "published: the public page shows it now"
        elif step == "send_back":
            reviews.send_back(change, user=user, reason=data["text"], origin=origin)
            done = "sent back to its Editor with your reason"
        elif step == "discard":
            reviews.discard(change, user=user)
            done = "discarded"
        else:
            if not self.has_change_permission(request, change.qualification):
                raise PermissionDenied
            reviews.submit(change, user=user, comment=data["text"], origin=origin)
            done = "submitted for review: the Publishers are told"
        messages.success(request, f"The change to {change.qualification} is {done}.")
        return redirect(reviews.form_url(change.qualification))

    def preview_view(self, request, object_id, factsheet=False):
        """The public page, or its factsheet, as the pending change would make it, marked as a
        preview, never kept."""
        from .factsheets import render_factsheet
        from .views import QualificationDetailView

        qualification = self.get_object(request, unquote(object_id))
        if qualification is None or not self.has_view_or_change_permission(request, qualification):
            raise PermissionDenied
        request.GET = QueryDict()  # no ?from=: nothing of the catalogue is worked out here
        with reviews.applied(qualification) as change:
            if factsheet:
                shown = Qualification.objects.for_detail_page().get(pk=qualification.pk)
                page_url = absolute_url(request, shown.get_absolute_url())
                response = HttpResponse(render_factsheet(shown, page_url), "application/pdf")
            else:
                slug = Qualification.objects.values_list("slug", flat=True).get(pk=qualification.pk)
                request.pending_preview = change
                response = QualificationDetailView.as_view()(request, slug=slug)
                response.render()
        add_never_cache_headers(response)
        return response

    # History: compare two versions; restoring a version with another status is for publishers.

    def get_urls(self):
        own = [
            ("<path:object_id>/history/compare/", self.compare_view, {}, "compare"),
            ("<path:object_id>/review/", self.review_view, {}, "review"),
            ("<path:object_id>/preview/", self.preview_view, {}, "preview"),
            (
                "<path:object_id>/preview/factsheet.pdf",
                self.preview_view,
                {"factsheet": True},
                "preview_factsheet",
            ),
            ("import/", self.import_register_view, {}, "import"),
            ("import-units/", self.import_units_view, {}, "import_units"),
        ]
        return [
            *(
                path(
                    route,
                    self.admin_site.admin_view(view),
                    kwargs,
                    name=f"qualifications_qualification_{name}",
                )
                for route, view, kwargs, name in own
            ),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        qualification = self.get_object(request, object_id)
        versions = history.versions_of(qualification) if qualification else []
        extra_context = {
            **(extra_context or {}),
            "versions": versions,
            "can_restore": self.has_change_permission(request, qualification),
            "review_events": qualification.review_events.select_related("user")
            if qualification
            else [],
        }
        return super().history_view(request, object_id, extra_context)

    def compare_view(self, request, object_id):
        qualification = self.get_object(request, object_id)
        if qualification is None or not self.has_view_or_change_permission(request, qualification):
            raise PermissionDenied
        versions = Version.objects.get_for_object(qualification).select_related("revision__user")
        try:
            older, newer = sorted(
                (get_object_or_404(versions, pk=request.GET.get(name, "")) for name in "ab"),
                key=lambda version: (version.revision.date_created, version.pk),
            )
        except ValueError:
            messages.error(request, "Choose two versions to compare.")
            return self._redirect_to_history(qualification)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": qualification,
            "title": f"Compare versions of {qualification}",
            "older": older,
            "newer": newer,
            "changes": history.differences(
                history.version_snapshot(older), history.version_snapshot(newer)
            ),
        }
        return TemplateResponse(request, "admin/qualifications/qualification/compare.html", context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        qualification = self.get_object(request, object_id)
        version = get_object_or_404(Version, pk=version_id, object_id=object_id)
        if qualification is not None and not can_publish(request.user):
            kept = version.field_dict
            if any(kept.get(f) != getattr(qualification, f) for f in self.PUBLICATION_FIELDS):
                messages.error(
                    request,
                    "That version was published, scheduled or withdrawn differently from now: "
                    "only a publisher can restore it.",
                )
                return self._redirect_to_history(qualification)
        if qualification is None:
            raise PermissionDenied
        context = {**(extra_context or {}), "title": f"Restore {version.object_repr}"}
        context["revert"] = True

        def view():
            # As reversion's own view, but reverting only this qualification and its rows.
            reviews.write(qualification, reviews.kept(version), publication=True)
            with self.create_revision(request):
                response = self.changeform_view(request, object_id, request.path, context)
                if request.method == "POST" and response.status_code == 302:
                    when = date_format(timezone.localtime(version.revision.date_created))
                    reversion.set_comment(f"Restored the version saved on {when}.")
            response.template_name = self.revision_form_template or (
                self._reversion_get_template_list("revision_form.html")
            )
            return response

        return self._reviewed(request, qualification, view, show_pending=False)

    def recover_view(self, request, version_id, extra_context=None):
        if not can_publish(request.user):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)

    def _redirect_to_history(self, qualification):
        return redirect("admin:qualifications_qualification_history", qualification.pk)

    def changelist_view(self, request, extra_context=None):
        extra_context = (extra_context or {}) | {"can_import_register": can_publish(request.user)}
        return super().changelist_view(request, extra_context)

    def import_register_view(self, request):
        """Upload the Register's CSV, see what it would create, change and reject, confirm."""
        if not can_publish(request.user):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import from the Ofqual Register",
            "preview_limit": PREVIEW_LIMIT,
        }
        if request.method == "POST" and "token" in request.POST:
            return self._confirm_import(request, context)
        form = RegisterUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = register.read_file(upload)
            if isinstance(data, register.Problem):
                form.add_error("file", str(data))
            else:
                organisation = form.cleaned_data["organisation"]
                plan = register.plan_import(data, upload.name, organisation=organisation)
                token = secrets.token_urlsafe(16)
                # Kept in the shared cache, so the confirmation may reach any server, with what
                # the preview showed, so the confirmation applies exactly that.
                cache.set(
                    _upload_key(request, token),
                    (data, upload.name, organisation, plan.fingerprint()),
                    UPLOAD_SECONDS,
                )
                return TemplateResponse(
                    request,
                    "admin/qualifications/qualification/import_preview.html",
                    context | {"plan": plan, "token": token},
                )
        return TemplateResponse(
            request,
            "admin/qualifications/qualification/import_upload.html",
            context | {"form": form},
        )

    def _confirm_import(self, request, context):
        key = _upload_key(request, request.POST["token"])
        upload = cache.get(key)
        if upload is None:
            messages.error(request, "That preview has expired: upload the file again.")
            return redirect("admin:qualifications_qualification_import")
        data, name, organisation, shown = upload
        # Planned again: if the catalogue changed since the preview, the plan did too, and the
        # new one is shown to confirm rather than applied unseen.
        plan = register.plan_import(data, name, organisation=organisation)
        if not plan.can_import or plan.fingerprint() != shown:
            cache.set(key, (data, name, organisation, plan.fingerprint()), UPLOAD_SECONDS)
            messages.warning(
                request,
                "The catalogue changed since the preview: this is what the import would do now. "
                "Check it and confirm again.",
            )
            return TemplateResponse(
                request,
                "admin/qualifications/qualification/import_preview.html",
                context | {"plan": plan, "token": request.POST["token"]},
            )
        register.apply_import(plan, user=request.user)
        cache.delete(key)
        messages.success(request, f"Imported {name}: {plan.summary()}.")
        return redirect(reverse("admin:qualifications_qualification_changelist"))

    def import_units_view(self, request):
        """Upload a unit CSV, see what it would create, change and reject, confirm: as the
        Register import does."""
        if not can_publish(request.user):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import units",
            "preview_limit": PREVIEW_LIMIT,
        }
        preview = "admin/qualifications/qualification/import_units_preview.html"
        if request.method == "POST" and "token" in request.POST:
            key = _upload_key(request, "units-" + request.POST["token"])
            upload = cache.get(key)
            if upload is None:
                messages.error(request, "That preview has expired: upload the file again.")
                return redirect("admin:qualifications_qualification_import_units")
            data, name, shown = upload
            plan = unit_import.plan_import(data, name)
            if not plan.can_import or plan.fingerprint() != shown:
                cache.set(key, (data, name, plan.fingerprint()), UPLOAD_SECONDS)
                messages.warning(
                    request,
                    "The catalogue changed since the preview: this is what the import would do "
                    "now. Check it and confirm again.",
                )
                return TemplateResponse(
                    request, preview, context | {"plan": plan, "token": request.POST["token"]}
                )
            unit_import.apply_import(plan, user=request.user)
            cache.delete(key)
            messages.success(request, f"Imported {name}: {plan.summary()}.")
            return redirect(reverse("admin:qualifications_qualification_changelist"))
        form = UnitUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = register.read_file(upload)
            if isinstance(data, unit_import.Problem):
                form.add_error("file", str(data))
            else:
                plan = unit_import.plan_import(data, upload.name)
                token = secrets.token_urlsafe(16)
                cache.set(
                    _upload_key(request, "units-" + token),
                    (data, upload.name, plan.fingerprint()),
                    UPLOAD_SECONDS,
                )
                return TemplateResponse(request, preview, context | {"plan": plan, "token": token})
        return TemplateResponse(
            request,
            "admin/qualifications/qualification/import_units_upload.html",
            context | {"form": form},
        )

    # Actions: publishers only; each change is a version in the history.

    @admin.action(
        description="Publish the selected qualifications, with their pending changes",
        permissions=["publish"],
    )
    def publish(self, request, queryset):
        changes = PendingChange.objects.filter(qualification__in=queryset)
        for change in changes.select_related("qualification", "editor"):
            try:
                reviews.publish(change, user=request.user, origin=site_origin(request))
            except ValidationError as error:
                self.message_user(
                    request,
                    f"The pending change to {change.qualification} was not published: "
                    f"{' '.join(error.messages)}",
                    messages.ERROR,
                )
                continue
            self.message_user(
                request,
                f"The pending change to {change.qualification} is published.",
                messages.SUCCESS,
            )
        ready = []
        for qualification in queryset.exclude(status=Status.PUBLISHED):
            if problems := qualification.publication_problems():
                self.message_user(
                    request,
                    f"{qualification} was not published: {' '.join(problems.values())}",
                    messages.ERROR,
                )
            else:
                ready.append(qualification)
        self._set_status(request, ready, Status.PUBLISHED, "published")

    @admin.action(description="Withdraw the selected qualifications", permissions=["publish"])
    def withdraw(self, request, queryset):
        self._set_status(
            request, queryset.exclude(status=Status.WITHDRAWN), Status.WITHDRAWN, "withdrawn"
        )

    @admin.action(
        description="Return the selected qualifications to draft", permissions=["publish"]
    )
    def return_to_draft(self, request, queryset):
        self._set_status(
            request, queryset.exclude(status=Status.DRAFT), Status.DRAFT, "returned to draft"
        )

    def _set_status(self, request, qualifications, status, done):
        with transaction.atomic():
            if status == Status.DRAFT:  # a draft is edited directly: its pending change goes
                for change in PendingChange.objects.filter(qualification__in=qualifications):
                    reviews.discard(change, user=request.user, why="Returned to draft.")
            for qualification in qualifications:
                qualification.status = status
                services.qualification_save(
                    qualification, user=request.user, comment=f"{done.capitalize()}."
                )
        count = len(qualifications)
        self.message_user(
            request, f"{count} qualification{'s' if count != 1 else ''} {done}.", messages.SUCCESS
        )


class PublishersChangeWhatIsLiveMixin:
    """What a public qualification shows but does not own (a unit, an employer, an awarding
    organisation) reaches every qualification showing it at once, unreviewed: while one public
    qualification shows it, only Publishers change it; Editors see it read-only, and why."""

    def _shown_live(self, request, obj):
        return obj is not None and not can_publish(request.user) and services.shown_live(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._shown_live(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._shown_live(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if self._shown_live(request, self.get_object(request, unquote(object_id))):
            messages.info(
                request,
                f"Only a Publisher can change this {self.opts.verbose_name}: public "
                "qualifications show it, and a change would reach all of them at once, "
                "unreviewed.",
            )
        return super().change_view(request, object_id, form_url, extra_context)


class SharedSaveMixin(PublishersChangeWhatIsLiveMixin, WritePathMixin):
    """Saves what qualifications show but do not own: every qualification showing it is kept
    current, without that counting as an edit of it."""

    def write(self, request, obj, write_rows):
        services.shared_save(obj, write_rows=write_rows)


class RowSaveMixin:
    """Saves a qualification's row edited on its own through the write path: an edit of its
    qualification, recorded in its history. An Editor edits a public qualification's rows in its
    own form, where the change is reviewed: here only a draft's."""

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or editable_here(request, obj.qualification))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or editable_here(request, obj.qualification))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        drafts_only_for_editors(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.row_save(obj, user=request.user, comment="Changed on its own.")

    def delete_model(self, request, obj):
        qualification = obj.qualification
        services.qualification_save(
            qualification, write_rows=obj.delete, user=request.user, comment="Deleted a row."
        )

    def delete_queryset(self, request, queryset):
        for row in queryset:
            self.delete_model(request, row)


@admin.register(AwardingOrganisation)
class AwardingOrganisationAdmin(SharedSaveMixin, admin.ModelAdmin):
    list_display = ["name", "acronym", "recognition_number", "website", "fees_contact"]
    search_fields = ["name", "acronym", "recognition_number"]


@admin.register(Employer)
class EmployerAdmin(SharedSaveMixin, admin.ModelAdmin):
    list_display = ["name", "qualification_count"]
    search_fields = ["name"]

    inlines = [SupportedQualificationInline]

    def get_queryset(self, request):
        # Meta.ordering is dropped from GROUP BY queries, so order explicitly.
        queryset = super().get_queryset(request).annotate(qualification_count=Count("supports"))
        return queryset.order_by("name")

    @admin.display(description="Qualifications supported", ordering="qualification_count")
    def qualification_count(self, employer):
        return employer.qualification_count


@admin.register(ProgressionRole)
class ProgressionRoleAdmin(RowSaveMixin, admin.ModelAdmin):
    """Every job role across the catalogue, to keep titles consistent between qualifications."""

    list_display = ["title", "qualification", "order"]
    list_filter = ["qualification__level"]
    list_select_related = ["qualification"]
    search_fields = ["title", "description", "qualification__title"]
    autocomplete_fields = ["qualification"]


@admin.register(Audience)
class AudienceAdmin(RowSaveMixin, admin.ModelAdmin):
    list_display = ["description", "qualification", "order"]
    list_select_related = ["qualification"]
    search_fields = ["description", "qualification__title"]
    autocomplete_fields = ["qualification"]


class LearningOutcomeInline(admin.StackedInline):
    model = LearningOutcome
    extra = 0
    fields = [("text", "order"), "criteria"]
    verbose_name_plural = "Learning outcomes, each with its assessment criteria"


@admin.register(Unit)
class UnitAdmin(PublishersChangeWhatIsLiveMixin, WritePathMixin, VersionAdmin):
    """A unit with its outcomes and criteria, in one place: shared by the qualifications that
    hold it, each kept current when it is saved, with a history of its own."""

    list_display = ["address", "title", "level", "credits", "awarding_organisation"]
    list_filter = ["level", "awarding_organisation"]
    list_select_related = ["awarding_organisation"]
    search_fields = ["reference", "code", "title"]
    autocomplete_fields = ["awarding_organisation"]
    readonly_fields = ["updated_at"]
    fields = [
        ("reference", "code"),
        "title",
        ("level", "credits", "guided_learning_hours"),
        "awarding_organisation",
        "updated_at",
    ]
    inlines = [LearningOutcomeInline]

    @admin.display(description="Address", ordering="reference")
    def address(self, unit):
        return unit.address

    def write(self, request, obj, write_rows):
        services.unit_save(obj, write_rows=write_rows, user=request.user)


@admin.register(Document)
class DocumentAdmin(RowSaveMixin, admin.ModelAdmin):
    """Every document version across the catalogue; a publisher may purge a file for legal
    reasons (recorded in its qualification's history)."""

    list_display = ["title", "version_label", "kind", "language", "qualification", "purged_at"]
    list_filter = ["kind", "language"]
    list_select_related = ["qualification"]
    search_fields = ["title", "qualification__title"]
    autocomplete_fields = ["qualification"]
    readonly_fields = ["content_type", "size", "uploaded_at", "purged_at"]
    actions = ["purge"]

    def has_add_permission(self, request):
        return False  # added with its qualification, in its form

    def has_publish_permission(self, request):
        return can_publish(request.user)

    @admin.action(
        description="Purge the selected files for legal reasons (cannot be undone)",
        permissions=["publish"],
    )
    def purge(self, request, queryset):
        purged = 0
        for document in queryset.select_related("qualification").filter(purged_at__isnull=True):
            documents.purge(document, user=request.user)
            purged += 1
        self.message_user(
            request, f"{purged} file{'s' if purged != 1 else ''} purged.", messages.SUCCESS
        )
