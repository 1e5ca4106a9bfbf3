import functools
import re
from decimal import Decimal

import reversion
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import (
    EmailValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
    URLValidator,
)
from django.db import models
from django.db.models import Case, When
from django.urls import reverse
from django.utils import timezone

from . import documents, search
from .choices import (
    DocumentKind,
    DocumentLanguage,
    FeeKind,
    FeePer,
    FeeVat,
    GroupRule,
    Level,
    ReviewAction,
    ReviewState,
    Status,
    UnitLevel,
)
from .querysets import DocumentQuerySet, QualificationQuerySet
from .schedule import fee_change_moment, fee_dates_after, start_of_day, start_of_day_after

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

# Advanced Learner Loans fund these levels only.
LOAN_LEVELS = range(3, 7)
# The government's "Find a learning aim" search, given a reference.
FIND_A_LEARNING_AIM = (
    "https://submit-learner-data.service.gov.uk/find-a-learning-aim/LearningAimDetails/"
)
AGE_RANGES = [
    ("approved_pre_16", "Pre-16"),
    ("approved_16_to_18", "16\N{EN DASH}18"),
    ("approved_18_plus", "18+"),
    ("approved_19_plus", "19+"),
]
# The countries a qualification may be offered in: field, label (and catalogue filter value).
OFFERED_IN = {
    "offered_in_england": "England",
    "offered_in_wales": "Wales",
    "offered_in_northern_ireland": "Northern Ireland",
    "offered_internationally": "Internationally",
}


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


_email_validator = EmailValidator()
_url_validator = URLValidator(schemes=["http", "https"])


def validate_fees_contact(value):
    """An email address or an http(s) web address."""
    try:
        (_email_validator if "@" in value and "/" not in value else _url_validator)(value)
    except ValidationError:
        raise ValidationError(
            "Enter an email address or a web address starting https://.", code="invalid"
        ) from None


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
    fees_contact = models.CharField(
        "where to ask about fees",
        max_length=200,
        blank=True,
        help_text="An email address or a web address: a qualification without fees on the site "
        "says to ask here.",
        validators=[validate_fees_contact],
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def fees_contact_url(self):
        """The fees contact as a link: mailto: for an email address."""
        contact = self.fees_contact
        return f"mailto:{contact}" if contact and "://" not in contact else contact


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


@reversion.register(
    follow=[
        *("audiences", "progression_roles", "employer_supports", "fees"),
        *("unit_groups", "unit_memberships", "documents"),
    ]
)
class Qualification(models.Model):
    # Whether and when the public sees it: set by Publishers' actions, never by a pending change.
    PUBLICATION_FIELDS = ["status", "live_from", "live_until"]

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
    # Where it is offered, who may take it and how it is funded: the Register import fills what
    # the Register publishes (England, Northern Ireland), staff the rest. Empty when unknown.
    offered_in_northern_ireland = models.BooleanField(
        "offered in Northern Ireland", null=True, blank=True
    )
    offered_in_wales = models.BooleanField("offered in Wales", null=True, blank=True)
    offered_internationally = models.BooleanField(null=True, blank=True)
    approved_pre_16 = models.BooleanField("approved for pre-16", null=True, blank=True)
    approved_16_to_18 = models.BooleanField("approved for 16\N{EN DASH}18", null=True, blank=True)
    approved_18_plus = models.BooleanField("approved for 18+", null=True, blank=True)
    approved_19_plus = models.BooleanField("approved for 19+", null=True, blank=True)
    welsh_medium = models.BooleanField(
        "available through the medium of Welsh", null=True, blank=True
    )
    advanced_learner_loans = models.BooleanField(
        "Advanced Learner Loans may fund it",
        null=True,
        blank=True,
        help_text="Only for levels 3 to 6. Leave empty unless you know.",
    )
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
                    *OFFERED_IN,
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
        if self.advanced_learner_loans and self.level is not None and self.level not in LOAN_LEVELS:
            raise ValidationError(
                {"advanced_learner_loans": "Advanced Learner Loans fund levels 3 to 6 only."}
            )
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
        its page starts saying it can no longer be awarded, a fee starts or ends, or a document's
        new version takes effect), or None."""
        now = now or timezone.now()
        moments = [self.live_from, self.live_until, self.next_fee_change(now)]
        if self.certification_end_date is not None:
            moments.append(start_of_day_after(self.certification_end_date))
        if (document_date := self.next_document_date(now)) is not None:
            moments.append(start_of_day(document_date))
        return min((moment for moment in moments if moment and moment > now), default=None)

    def kept_version(self, now=None):
        """What its public renderings (page, factsheet, JSON) are kept under: it, as last
        written (`updated_at` moves on with anything they show), whether its certification
        end date has passed, which the page says, and its next fee change, which moves on as
        each fee starts or ends."""
        return (
            self.pk,
            self.updated_at.isoformat(),
            self.is_past_certification_end(timezone.localdate(now)),
            self.next_fee_change(now),
            # Which of its documents' versions are current: those dated before the next.
            str(self.next_document_date(now)),
        )

    @functools.cached_property
    def document_histories(self):
        """Its documents, each with its current version and version history (documents.
        DocumentHistory), as of today: what the page, factsheet and open data list."""
        return documents.document_histories(list(self.documents.all()))

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

    def next_fee_change(self, now=None):
        """The next moment one of its fees starts or ends, or None. From `fee_dates` when
        Qualification.objects.keeping() read it, else from its fees."""
        fee_dates = getattr(self, "fee_dates", None)
        if fee_dates is None:
            fee_dates = fee_dates_after(self.fees.all(), timezone.localdate(now))
        return fee_change_moment(*fee_dates)

    def current_fees(self, now=None):
        """Its fees in force now (or at `now`), from those fetched with it."""
        today = timezone.localdate(now)
        return [fee for fee in self.fees.all() if fee.applies_on(today)]

    @property
    def fees_now(self):
        return self.current_fees()

    @property
    def standard_fee(self):
        """The standard qualification fee in force now, or None."""
        return next((fee for fee in self.fees_now if fee.kind == FeeKind.STANDARD), None)

    @property
    def learning_aim_reference(self):
        """The reference the Education and Skills Funding Agency lists it under: its number
        without the slashes."""
        return self.qualification_number.replace("/", "")

    @property
    def learning_aim_url(self):
        """Its page in the government's "Find a learning aim" service."""
        return FIND_A_LEARNING_AIM + self.learning_aim_reference

    @property
    def age_ranges(self):
        """The age ranges it is approved for, as labels; empty when none is known."""
        return [label for field, label in AGE_RANGES if getattr(self, field)]

    @property
    def offered_in(self):
        """Where it is offered (True), or not (False), as {label: bool}, for those known."""
        values = {label: getattr(self, field) for field, label in OFFERED_IN.items()}
        return {label: value for label, value in values.items() if value is not None}

    @functools.cached_property
    def structure(self):
        """Its units in their groups (units.Structure), from `unit_memberships` as
        for_detail_page() fetches them; empty when no unit is known."""
        from .units import Structure

        return Structure.of(self)


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


@reversion.register(follow=["qualification"])
class FeeLine(models.Model):
    """A fee of a qualification, in force from `starts_on` to `ends_on` (inclusive, or for good):
    next year's fees are entered ahead and shown from their first day."""

    qualification = models.ForeignKey(Qualification, on_delete=models.CASCADE, related_name="fees")
    kind = models.CharField(max_length=10, choices=FeeKind)
    description = models.CharField(
        max_length=200, blank=True, help_text="What it is for, for example “Resit of one unit”."
    )
    amount = models.DecimalField(
        "amount (£)",
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"), "A fee cannot be negative.")],
    )
    per = models.CharField(max_length=10, choices=FeePer, default=FeePer.LEARNER)
    vat = models.CharField("VAT", max_length=10, choices=FeeVat)
    starts_on = models.DateField("from", help_text="The first day it applies.")
    ends_on = models.DateField(
        "until",
        null=True,
        blank=True,
        help_text="The last day it applies. Leave empty while it has no end.",
    )

    class Meta:
        ordering = [
            Case(*(When(kind=kind, then=index) for index, kind in enumerate(FeeKind.values))),
            "starts_on",
            "pk",
        ]
        verbose_name = "fee"
        indexes = [
            # The catalogue's next scheduled change: the first fee to start or end after today.
            models.Index(fields=["starts_on"], name="fee_starts_idx"),
            models.Index(fields=["ends_on"], name="fee_ends_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: £{self.amount}"

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The last day cannot come before the first."})

    def applies_on(self, day):
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def overlaps(self, other):
        """Whether the two are in force on some same day."""
        return (self.ends_on is None or other.starts_on <= self.ends_on) and (
            other.ends_on is None or self.starts_on <= other.ends_on
        )


def standard_fee_overlaps(fees):
    """The fees (of one qualification) that are a standard fee in force on a day another
    standard fee is: a qualification has one standard fee at a time."""
    standard = [fee for fee in fees if fee.kind == FeeKind.STANDARD and fee.starts_on]
    return [
        fee
        for fee in standard
        if any(other is not fee and fee.overlaps(other) for other in standard)
    ]


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


# UNITS: what a qualification is made of. A unit is shared by the qualifications that hold it
# (saved through services.unit_save); its groups and memberships are rows of a qualification.

unit_reference_validator = RegexValidator(
    regex=r"^[A-Z]/\d{3}/\d{4}$",
    message="Enter the Ofqual unit reference number as a capital letter, three digits and four "
    "digits, for example T/617/4242.",
)
unit_code_validator = RegexValidator(
    regex=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$",
    message="Use letters, digits, hyphens and underscores only, for example AIM-MED-01.",
)


class UnitQuerySet(models.QuerySet):
    def published(self, now=None):
        """Those held by a qualification the public sees now."""
        held = UnitMembership.objects.filter(
            unit=models.OuterRef("pk"), qualification__in=Qualification.objects.published(now)
        )
        return self.filter(models.Exists(held))

    def at(self, address):
        """The unit whose address (reference number, else own code) is `address`."""
        return self.filter(models.Q(reference=address) | models.Q(code=address))

    def for_unit_page(self, preview=False):
        """Everything its page and JSON show, in a fixed number of queries: its outcomes, and
        its memberships of the qualifications shown (published ones, every one for a
        `preview`) as `shown_memberships`, their qualifications selected."""
        holding = Qualification.objects.all() if preview else Qualification.objects.published()
        return self.select_related("awarding_organisation").prefetch_related(
            "outcomes",
            models.Prefetch(
                "memberships",
                queryset=UnitMembership.objects.filter(qualification__in=holding)
                .select_related("qualification")
                .order_by("qualification__title", "qualification__pk"),
                to_attr="shown_memberships",
            ),
        )


@reversion.register(follow=["outcomes"])
class Unit(models.Model):
    reference = models.CharField(
        "Ofqual unit reference number",
        max_length=10,
        unique=True,
        null=True,
        blank=True,
        validators=[unit_reference_validator],
        help_text="As on the Ofqual Register, for example T/617/4242. Its page's address.",
    )
    code = models.CharField(
        "own code",
        max_length=30,
        unique=True,
        null=True,
        blank=True,
        validators=[unit_code_validator],
        help_text="Only for a unit not on the Register: the awarding organisation's own code, "
        "its page's address.",
    )
    title = models.CharField(max_length=200)
    level = models.CharField(max_length=2, choices=UnitLevel)
    credits = models.PositiveSmallIntegerField("credit value")
    guided_learning_hours = models.PositiveIntegerField(null=True, blank=True)
    awarding_organisation = models.ForeignKey(
        AwardingOrganisation, on_delete=models.PROTECT, related_name="units"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["reference", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reference__isnull=False) | models.Q(code__isnull=False),
                name="unit_has_an_address",
            )
        ]

    def __str__(self):
        return f"{self.address} {self.title}"

    def get_absolute_url(self):
        return reverse("qualifications:unit", kwargs={"address": self.address})

    @property
    def address(self):
        """What names it on the site: its reference number, else its own code."""
        return self.reference or self.code or ""

    def clean(self):
        # Empty fields are NULL, so that many units may have none.
        self.reference = self.reference or None
        self.code = self.code or None
        if not self.reference and not self.code:
            raise ValidationError(
                {"reference": "Give the unit reference number or, for a unit not on the Register, "
                 "its own code."}
            )  # fmt: skip


@reversion.register(follow=["unit"])
class LearningOutcome(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="outcomes")
    text = models.CharField(
        "the learner will", max_length=500, help_text="For example “Understand conflict”."
    )
    criteria = models.TextField(
        "assessment criteria",
        blank=True,
        help_text="One criterion a line, in order, for example “Explain what causes conflict”.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text

    @property
    def criteria_list(self):
        return [line.strip() for line in self.criteria.splitlines() if line.strip()]


@reversion.register(follow=["qualification"])
class UnitGroup(models.Model):
    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, related_name="unit_groups"
    )
    name = models.CharField(
        max_length=100, help_text="Short, as the specification names it, for example “A”."
    )
    rule = models.CharField(max_length=10, choices=GroupRule, default=GroupRule.ALL)
    minimum = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The credits or units a learner takes from it at least."
    )
    maximum = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="And at most, if there is a limit."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = "group of units"
        verbose_name_plural = "groups of units"
        constraints = [
            models.UniqueConstraint(
                fields=["qualification", "name"], name="unique_unit_group_per_qualification"
            )
        ]

    def __str__(self):
        return f"Group {self.name}"


@reversion.register(follow=["qualification"])
class UnitMembership(models.Model):
    """A unit in a group of a qualification."""

    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, related_name="unit_memberships"
    )
    group = models.ForeignKey(UnitGroup, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = "unit"
        constraints = [
            models.UniqueConstraint(
                fields=["qualification", "unit"], name="unique_unit_per_qualification"
            )
        ]

    def __str__(self):
        # Without reading the unit when it is not read yet: each version of a qualification
        # names its memberships, which would cost a query a unit.
        unit = self._state.fields_cache.get("unit")
        return str(unit) if unit else f"Unit {self.unit_id}"


# DOCUMENTS: files a qualification publishes (its specification, ...), each version a row.


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


# REVIEW: an Editor's change to a qualification the public sees waits for a Publisher (reviews.py).


class PendingChange(models.Model):
    """A change to a published (or withdrawn) qualification, kept apart from what the public
    sees until a Publisher publishes it: the qualification with its rows as they would be, in
    Django's JSON serialization. The live rows stay as they were; django-reversion keeps what was
    published."""

    qualification = models.OneToOneField(
        Qualification, on_delete=models.CASCADE, related_name="pending_change"
    )
    data = models.TextField()
    state = models.CharField(max_length=10, choices=ReviewState, default=ReviewState.EDITING)
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text="Who saved it last: told when it is published or sent back.",
    )
    comment = models.TextField(blank=True, help_text="The Editor's, with the submission.")
    reason = models.TextField(blank=True, help_text="The Publisher's, when sent back.")
    base_version = models.ForeignKey(
        "reversion.Version",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text="The published version it was started from: what changed there since, "
        "publishing it may undo.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["state", "updated_at"])]

    def __str__(self):
        return f"Pending change to {self.qualification}"


class ReviewEvent(models.Model):
    """Who submitted, sent back, published or discarded a pending change, when, and why: the
    review's audit, shown with the qualification's history."""

    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, related_name="review_events"
    )
    action = models.CharField(max_length=10, choices=ReviewAction)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(blank=True, help_text="The comment, or the reason sent back.")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()}: {self.qualification}"


class Notification(models.Model):
    """An email about a review event to one person, kept until it is sent: sent once the event
    commits, retried by `manage.py send_notifications` if that failed, never twice."""

    event = models.ForeignKey(ReviewEvent, on_delete=models.CASCADE, related_name="notifications")
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # A sender holds it until then, so no other sends it meanwhile.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "to"], name="one_notification_per_recipient")
        ]
        indexes = [models.Index(fields=["sent_at", "attempts"])]

    def __str__(self):
        return f"{self.subject} to {self.to}"
