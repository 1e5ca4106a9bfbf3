import functools
import re

import reversion
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from . import documents, search
from .choices import Level, Status
from .querysets import (
    DocumentQuerySet,
    QualificationQuerySet,
    document_histories,
    start_of_day,
    start_of_day_after,
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


SUMMARY_WORDS = 30


def summary_of(overview):
    """An overview's first sentence, cut at thirty words (as Truncator.words() cuts, without its
    lazy wrapping: every catalogue entry asks)."""
    words = _SENTENCE_END.split(overview.strip(), maxsplit=1)[0].split()
    if len(words) <= SUMMARY_WORDS:
        return " ".join(words)
    return " ".join(words[:SUMMARY_WORDS]) + " …"


qualification_number_validator = RegexValidator(
    # The last character is a check digit, which is X where it stands for ten.
    regex=r"^\d{3}/\d{4}/[\dX]$",
    message="Enter the Ofqual qualification number as NNN/NNNN/N, for example 601/4433/6.",
)


def factsheet_filename(slug):
    """The name a downloaded factsheet is saved under."""
    return f"{slug}-factsheet.pdf"


class AwardingOrganisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    website = models.URLField(blank=True, help_text="The organisation's own site, if it has one.")
    # From the Ofqual Register; the import matches an organisation by its recognition number.
    recognition_number = models.CharField(
        "Ofqual recognition number",
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        help_text="As on the Ofqual Register, for example RN5220.",
    )
    acronym = models.CharField(
        max_length=30, blank=True, help_text="As on the Ofqual Register, for example AIM QUALS."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


@reversion.register()
class Employer(models.Model):
    name = models.CharField(
        max_length=200,
        unique=True,
        help_text="As the employer writes it, for example “Derbyshire Constabulary”.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


@reversion.register(follow=["audiences", "progression_roles", "employer_supports", "documents"])
class Qualification(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The last part of the page's address. Changing it breaks existing links.",
    )
    status = models.CharField(
        max_length=10,
        choices=Status,
        default=Status.DRAFT,
        help_text="Only published qualifications appear on the public site; a withdrawn one's "
        "page says it has been withdrawn.",
    )
    live_from = models.DateTimeField(
        "goes live",
        null=True,
        blank=True,
        help_text="When a published qualification first appears on the site, usually the "
        "Register's operational start date. Leave empty to show it as soon as it is published.",
    )
    live_until = models.DateTimeField(
        "withdrawn from",
        null=True,
        blank=True,
        help_text="When it leaves the site and its page says it has been withdrawn, usually the "
        "Register's certification end date. Leave empty to keep it on the site.",
    )
    awarding_organisation = models.ForeignKey(
        AwardingOrganisation, on_delete=models.PROTECT, related_name="qualifications"
    )
    qualification_number = models.CharField(
        "Ofqual qualification number",
        # Longer than the format needs, so a mistyped number meets the format's own message.
        max_length=20,
        unique=True,
        validators=[qualification_number_validator],
        help_text="As on the Ofqual Register, for example 601/4433/6.",
    )
    level = models.PositiveSmallIntegerField(choices=Level)

    overview = models.TextField(
        "what the qualification covers",
        blank=True,
        help_text="Answers “What does this qualification cover?”. Leave a blank line between "
        "paragraphs. Needed before it can be published.",
    )
    in_apprenticeship_framework = models.BooleanField(
        "included in an apprenticeship framework",
        default=False,
        help_text="Tick if the qualification is part of any apprenticeship framework.",
    )
    entry_requirement = models.CharField(
        max_length=300,
        blank=True,
        help_text="Completes the sentence “This qualification may be of particular interest if "
        "you are a learner who has …”, for example “a minimum Level 3 literacy”. Leave empty if "
        "there is none.",
    )
    complementary_subjects = models.TextField(
        blank=True,
        help_text="Answers “Which other subjects might complement this qualification?”.",
    )
    further_study = models.TextField(
        "further study and employment",
        blank=True,
        help_text="Answers “What further study and/or employment is the qualification designed to "
        "lead to?”. The job roles below follow it.",
    )
    employer_statement = models.TextField(
        "what supporting employers agree",
        blank=True,
        help_text="Completes the sentence “This qualification is supported by employers such as "
        "…, who agree that …”, for example “the qualification will raise standards”.",
    )
    is_ofqual_regulated = models.BooleanField("regulated by Ofqual", default=True)
    delivery_restricted_to = models.CharField(
        max_length=200,
        blank=True,
        help_text="The only organisation allowed to deliver it, if delivery is restricted, for "
        "example “UK Mediation Ltd”.",
    )

    # Facts from the Ofqual Register: left empty when unknown, never guessed.
    guided_learning_hours = models.PositiveIntegerField(null=True, blank=True)
    total_qualification_time = models.PositiveIntegerField(
        null=True, blank=True, help_text="In hours."
    )
    credits = models.PositiveSmallIntegerField(null=True, blank=True)
    minimum_age = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(5), MaxValueValidator(99)]
    )
    assessment = models.CharField(
        max_length=500, blank=True, help_text="How it is assessed, for example “Portfolio”."
    )
    subject_area = models.CharField(
        max_length=200,
        blank=True,
        help_text="The Ofqual sector subject area, for example “Law and legal services”.",
    )
    qualification_type = models.CharField(
        "type",
        max_length=200,
        blank=True,
        help_text="For example “Other Vocational Qualification”.",
    )
    sub_level = models.CharField(
        max_length=100, blank=True, help_text="For entry level, for example “Entry 3”."
    )
    grading_type = models.CharField(
        "grading", max_length=200, blank=True, help_text="For example “Pass/Fail”."
    )
    minimum_guided_learning_hours = models.PositiveIntegerField(null=True, blank=True)
    maximum_guided_learning_hours = models.PositiveIntegerField(null=True, blank=True)
    register_status = models.CharField(
        "status on the Register",
        max_length=100,
        blank=True,
        help_text="For example “Available to learners”.",
    )
    regulation_start_date = models.DateField(null=True, blank=True)
    operational_start_date = models.DateField(null=True, blank=True)
    operational_end_date = models.DateField(
        null=True, blank=True, help_text="The last day learners can start it."
    )
    certification_end_date = models.DateField(
        null=True, blank=True, help_text="The last day it can be awarded."
    )
    offered_in_england = models.BooleanField("offered in England", null=True, blank=True)
    specification_url = models.URLField(
        "specification", max_length=500, blank=True, help_text="The link to its specification."
    )

    supporting_employers = models.ManyToManyField(
        Employer, through="EmployerSupport", related_name="supported_qualifications", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # What the catalogue search matches, written by search.index() on every save (services.py).
    search_heading = models.TextField(editable=False, blank=True, default="")
    search_keywords = models.TextField(editable=False, blank=True, default="")
    search_body = models.TextField(editable=False, blank=True, default="")

    objects = QualificationQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        permissions = [
            ("publish_qualification", "Can publish, schedule and withdraw qualifications"),
        ]
        indexes = [
            # The catalogue's order, then every column its filters read, so a page deep in the
            # list is read from the index alone on either database (SQLite has no INCLUDE).
            models.Index(
                fields=[
                    *("status", "title", "id"),
                    *("live_from", "live_until", "level", "subject_area", "awarding_organisation"),
                ],
                name="qualification_catalogue_idx",
            ),
            # Covers the catalogue's filter values (catalogue_facets), read from the index alone.
            models.Index(
                fields=[
                    "status",
                    "level",
                    "subject_area",
                    "awarding_organisation",
                    "live_from",
                    "live_until",
                ],
                name="qualification_facets_idx",
            ),
            # The next scheduled change (next_scheduled_change): the first date after now, of
            # the published ones, is one step into each.
            models.Index(fields=["status", "live_from"], name="qualification_goes_live_idx"),
            models.Index(fields=["status", "live_until"], name="qualification_withdrawn_idx"),
            models.Index(
                fields=["status", "certification_end_date"],
                name="qualification_cert_end_idx",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("qualifications:detail", kwargs={"slug": self.slug})

    def get_factsheet_url(self):
        return reverse("qualifications:factsheet", kwargs={"slug": self.slug})

    def clean(self):
        if self.status == Status.PUBLISHED:
            problems = self.publication_problems()
            problems.pop("audiences", None)  # rows are checked where they are edited
            if problems:
                raise ValidationError(problems)

    def publication_problems(self, audience_count=None):
        """What a learner would miss if this were published now, as {field: message}; empty
        when it is ready. `audience_count` is how many audiences it has (or will have once the
        form being saved is); None counts those saved."""
        if audience_count is None:
            audience_count = self.audiences.count() if self.pk else 0
        problems = {}
        if not self.overview.strip():
            problems["overview"] = "Say what the qualification covers before publishing it."
        if not self.qualification_number:
            problems["qualification_number"] = "Give the qualification number before publishing it."
        if not audience_count:
            problems["audiences"] = "Add at least one audience (who it suits) before publishing it."
        return problems

    def is_live(self, now=None):
        """Whether the public sees it now: published, gone live and not yet withdrawn."""
        now = now or timezone.now()
        return (
            self.status == Status.PUBLISHED
            and (self.live_from is None or self.live_from <= now)
            and (self.live_until is None or now < self.live_until)
        )

    def is_past_certification_end(self, today=None):
        """Whether its certification end date has passed: it can no longer be awarded."""
        if self.certification_end_date is None:
            return False
        return self.certification_end_date < (today or timezone.localdate())

    @property
    def guided_learning_hours_range(self):
        """The Register's minimum and maximum guided learning hours as (min, max) when both are
        known and differ, else None."""
        low, high = self.minimum_guided_learning_hours, self.maximum_guided_learning_hours
        if low is None or high is None or low == high:
            return None
        return (low, high)

    @property
    def factsheet_filename(self):
        return factsheet_filename(self.slug)

    @property
    def summary(self):
        """The overview's first sentence, cut at thirty words: the catalogue entry and the meta
        description."""
        return summary_of(self.overview)

    def next_scheduled_change(self, now=None):
        """When what the public sees of it next changes by itself (it goes live, is withdrawn,
        its page starts saying it can no longer be awarded, or a document's new version takes
        effect), or None."""
        now = now or timezone.now()
        moments = [self.live_from, self.live_until]
        if self.certification_end_date is not None:
            moments.append(start_of_day_after(self.certification_end_date))
        if (document_date := self.next_document_date(now)) is not None:
            moments.append(start_of_day(document_date))
        return min((moment for moment in moments if moment and moment > now), default=None)

    def kept_version(self, now=None):
        """What its public renderings (page, factsheet, JSON) are kept under: it, as last
        written (`updated_at` moves on with anything they show), and whether its certification
        end date has passed, which the page says."""
        return (
            self.pk,
            self.updated_at.isoformat(),
            self.is_past_certification_end(timezone.localdate(now)),
            # Which of its documents' versions are current: those dated before the next.
            str(self.next_document_date(now)),
        )

    @functools.cached_property
    def document_histories(self):
        """Its documents, each with its current version and version history (querysets.
        DocumentHistory), as of today: what the page, factsheet and open data list."""
        return document_histories(list(self.documents.all()))

    @property
    def specification_address(self):
        """The site's own stable address of its specification, once one is in effect, else ""."""
        for history in self.document_histories:
            current = history.current
            if (current.kind, current.language, current.slug) == ("specification", "en", ""):
                return current.get_stable_url()
        return ""

    def next_document_date(self, now=None):
        """The next date after today on which a version of one of its documents takes effect, or
        None; Qualification.objects.keeping() reads it with the rest."""
        if hasattr(self, "_next_document_date"):
            return self._next_document_date
        today = timezone.localdate(now)
        return (
            self.documents.filter(effective_from__gt=today)
            .order_by("effective_from")
            .values_list("effective_from", flat=True)
            .first()
        )


@reversion.register(follow=["qualification"])
class Audience(models.Model):
    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, related_name="audiences"
    )
    description = models.CharField(
        max_length=300,
        help_text="Completes “This qualification may be of particular interest if you …”, for "
        "example “wish to transfer from another career”.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.description


@reversion.register(follow=["qualification"])
class ProgressionRole(models.Model):
    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, related_name="progression_roles"
    )
    title = models.CharField(max_length=200, help_text="For example “Family mediator”.")
    description = models.CharField(
        max_length=500, help_text="What someone in the role does, in a sentence."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["qualification", "title"], name="unique_progression_role_per_qualification"
            )
        ]

    def __str__(self):
        return self.title


@reversion.register(follow=["qualification", "employer"])
class EmployerSupport(models.Model):
    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, related_name="employer_supports"
    )
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="supports")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = "supporting employer"
        constraints = [
            models.UniqueConstraint(
                fields=["qualification", "employer"], name="unique_employer_per_qualification"
            )
        ]

    def __str__(self):
        return str(self.employer)


class CatalogueVersion(models.Model):
    """The public catalogue's version, in one row: listings, feeds and the sitemap are kept under
    it (kept.py). services.py gives it a new number when a qualification the public may see
    changes, and when `next_change` (the next scheduled go-live, withdrawal or certification end)
    has passed."""

    number = models.PositiveBigIntegerField()
    next_change = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Catalogue version {self.number}"


# SEARCH: what each database's own full-text engine keeps, written by search.index().


class QualificationVector(models.Model):
    """PostgreSQL's weighted tsvector of a qualification's search text, GIN-indexed. A table of
    its own, as Wagtail's PostgreSQL backend keeps one, because SQLite can make neither the
    column nor the index: migrate skips this model there."""

    # Deleted by search.forget() before its qualification: Django's collector would otherwise
    # ask SQLite for this table, and Django refuses DB_CASCADE beside Python-level cascades.
    qualification = models.OneToOneField(
        Qualification,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        related_name="search_vector",
    )
    vector = SearchVectorField()

    class Meta:
        db_table = "qualification_search_vector"
        required_db_vendor = "postgresql"
        indexes = [GinIndex(fields=["vector"], name="qualification_search_idx")]

    def __str__(self):
        return str(self.vector)


class QualificationText(models.Model):
    """SQLite's FTS5 table of a qualification's search text, its rowid the qualification's id.
    Django cannot create a virtual table: migration 0031 does, on SQLite only."""

    qualification = models.OneToOneField(
        Qualification,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_column="rowid",
        db_constraint=False,
        related_name="search_text",
    )
    search_heading = models.TextField()
    search_keywords = models.TextField()
    search_body = models.TextField()

    class Meta:
        db_table = search.FTS_TABLE
        managed = False
        required_db_vendor = "sqlite"

    def __str__(self):
        return self.search_heading


class SearchWord(models.Model):
    """A word of the catalogue's search text and how many qualifications hold it: the words
    "Did you mean" chooses from."""

    word = models.CharField(max_length=50, primary_key=True)
    qualifications = models.IntegerField()

    def __str__(self):
        return self.word


# DOCUMENTS: files a qualification publishes (its specification, ...), each version a row.


class DocumentKind(models.TextChoices):
    # The values are the path segment of the document's address.
    SPECIFICATION = "specification", "Specification"
    SAMPLE_ASSESSMENT_MATERIALS = "sample-assessment-materials", "Sample assessment materials"
    QUALIFICATION_HANDBOOK = "qualification-handbook", "Qualification handbook"
    CENTRE_GUIDANCE = "centre-guidance", "Centre guidance"
    POLICY = "policy", "Policy"
    OTHER = "other", "Other"


class DocumentLanguage(models.TextChoices):
    ENGLISH = "en", "English"
    WELSH = "cy", "Welsh"


class DocumentFileField(models.FileField):
    """A FileField whose form never refuses an upload for its name: the name is never used."""

    def formfield(self, **kwargs):
        messages = {"empty": documents.EMPTY}
        return super().formfield(**{**kwargs, "max_length": None, "error_messages": messages})


@reversion.register(follow=["qualification"])
class Document(models.Model):
    """One version of one of a qualification's documents. The versions of a document share its
    kind, language and name (`slug`: empty for the main document of its kind); the current one
    is the latest whose `effective_from` has come, decided at each request."""

    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=40, choices=DocumentKind)
    slug = models.SlugField(
        "short name",
        max_length=80,
        blank=True,
        help_text="Leave empty for the main document of its kind. Give further documents of a "
        "kind (several policies, say) a short name of their own, such as “appeals”: it ends "
        "their address.",
    )
    language = models.CharField(
        max_length=2, choices=DocumentLanguage, default=DocumentLanguage.ENGLISH
    )
    title = models.CharField(
        max_length=200,
        help_text="As the document calls itself, for example “Qualification specification”. "
        "The downloaded file is named after it.",
    )
    version_label = models.CharField(
        "version", max_length=50, help_text="As the document numbers itself, for example “2.1”."
    )
    effective_from = models.DateField(
        "takes effect on",
        help_text="The site serves this version from this day. Earlier versions stay in its "
        "version history.",
    )
    changes = models.TextField(
        "what changed", blank=True, help_text="In a sentence or two, for centres."
    )
    file = DocumentFileField(
        upload_to=documents.stored_name,
        max_length=100,
        help_text="A PDF, Word, Excel, PowerPoint or OpenDocument file of up to 25 MB. PDFs with "
        "scripts, actions or attached files are refused.",
    )
    content_type = models.CharField(max_length=100, editable=False)
    size = models.PositiveBigIntegerField(editable=False, default=0)
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)
    purged_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When a publisher purged its file for legal reasons.",
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "language", "slug", "-effective_from", "-pk"]
        indexes = [
            models.Index(fields=["qualification", "effective_from"], name="document_effective_idx"),
            models.Index(
                fields=["qualification", "kind", "language", "slug", "effective_from"],
                name="document_address_idx",
            ),
        ]

    def __str__(self):
        return f"{self.title}, version {self.version_label}"

    def get_absolute_url(self):
        """Its permanent address: this version, whichever is current."""
        return reverse(
            "qualifications:document-version",
            kwargs={"slug": self.qualification.slug, "pk": self.pk},
        )

    def get_stable_url(self):
        """The address of whichever version of this document is current."""
        return document_address(self.qualification.slug, self.kind, self.language, self.slug)

    def clean(self):
        if self.slug in RESERVED_DOCUMENT_SLUGS:
            raise ValidationError({"slug": "That name is taken by the site: choose another."})
        if self.file and not self.file._committed:
            try:
                found = documents.inspect(self.file)
            except ValidationError as error:
                raise ValidationError({"file": error.messages}) from error
            self.content_type = found.content_type
            self.size = self.file.size
            self.uploaded_at = timezone.now()

    @property
    def format(self):
        return documents.FORMATS.get(self.content_type, documents.PDF)


# A document's short name must not be taken for the paths beside it.
RESERVED_DOCUMENT_SLUGS = {"versions", "cy"}


def document_address(qualification_slug, kind, language="en", document_slug=""):
    """The stable address of a document: the current version of its kind (and name)."""
    kwargs = {"slug": qualification_slug, "kind": kind}
    if document_slug:
        kwargs["document"] = document_slug
    name = "document" if language == DocumentLanguage.ENGLISH else "document-welsh"
    return reverse(f"qualifications:{name}{'-named' if document_slug else ''}", kwargs=kwargs)
