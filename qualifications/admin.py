from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone

from .choices import Status
from .models import (
    Audience,
    AwardingOrganisation,
    Employer,
    EmployerSupport,
    ProgressionRole,
    Qualification,
)
from .versions import public_content_changing


class AudienceInline(admin.TabularInline):
    model = Audience
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
    extra = 0
    autocomplete_fields = ["employer"]
    fields = ["employer", "order"]
    verbose_name_plural = "Employers who support it"


class SupportedQualificationInline(admin.TabularInline):
    model = EmployerSupport
    extra = 0
    autocomplete_fields = ["qualification"]
    fields = ["qualification", "order"]
    verbose_name = "qualification supported"
    verbose_name_plural = "Qualifications this employer supports"


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
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
    inlines = [AudienceInline, ProgressionRoleInline, EmployerSupportInline]
    actions = ["publish", "unpublish"]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["title", "slug", "status", "awarding_organisation"]}),
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
                    ("guided_learning_hours", "total_qualification_time"),
                    ("credits", "minimum_age"),
                    "assessment",
                    "subject_area",
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

    @admin.action(description="Publish the selected qualifications", permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, Status.PUBLISHED, "published")

    @admin.action(description="Return the selected qualifications to draft", permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_status(request, queryset, Status.DRAFT, "returned to draft")

    def _set_status(self, request, queryset, status, done):
        # update() skips save(), so stamp updated_at by hand: the sitemap and caches rely on it.
        count = queryset.exclude(status=status).update(status=status, updated_at=timezone.now())
        public_content_changing()
        self.message_user(
            request, f"{count} qualification{'s' if count != 1 else ''} {done}.", messages.SUCCESS
        )


@admin.register(AwardingOrganisation)
class AwardingOrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "website"]
    search_fields = ["name"]


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
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
class ProgressionRoleAdmin(admin.ModelAdmin):
    """Every job role across the catalogue, to keep titles consistent between qualifications."""

    list_display = ["title", "qualification", "order"]
    list_filter = ["qualification__level"]
    list_select_related = ["qualification"]
    search_fields = ["title", "description", "qualification__title"]
    autocomplete_fields = ["qualification"]


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin):
    list_display = ["description", "qualification", "order"]
    list_select_related = ["qualification"]
    search_fields = ["description", "qualification__title"]
    autocomplete_fields = ["qualification"]
