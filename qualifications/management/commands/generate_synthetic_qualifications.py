import random
from collections import namedtuple

from django.core.management import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max

from qualifications import services
from qualifications.choices import Level, Status
from qualifications.models import (
    Audience,
    AwardingOrganisation,
    Employer,
    EmployerSupport,
    ProgressionRole,
    Qualification,
)
from qualifications.querysets import SYNTHETIC_SLUG_PREFIX

ORGANISATION = "Synthetic Awarding Organisation"
TITLE_PREFIX = "[Synthetic]"
EMPLOYER_PREFIX = "[Synthetic] Employer"
EMPLOYERS = 20
# Qualification numbers 900/0000/0 upwards: no awarding organisation has been given them.
NUMBER_BASE = 900

# (topic, subject area, job roles it leads to)
TOPICS = [
    ("Business Management", "Business, Administration and Law", ["Office manager", "Team leader"]),
    (
        "Conflict Resolution",
        "Health, Public Services and Care",
        ["Community mediator", "Caseworker"],
    ),
    ("Health and Social Care", "Health, Public Services and Care", ["Care worker", "Care manager"]),
    ("Early Years Education", "Education and Training", ["Nursery practitioner", "Room leader"]),
    ("Teaching Assistance", "Education and Training", ["Teaching assistant", "Learning mentor"]),
    ("Digital Marketing", "Information and Communication Technology", ["Marketing executive"]),
    ("Cyber Security", "Information and Communication Technology", ["Security analyst"]),
    ("Hospitality Supervision", "Retail and Commercial Enterprise", ["Restaurant supervisor"]),
    ("Customer Service", "Retail and Commercial Enterprise", ["Customer adviser", "Team leader"]),
    (
        "Construction Site Safety",
        "Construction, Planning and the Built Environment",
        ["Site manager"],
    ),
    (
        "Electrical Installation",
        "Construction, Planning and the Built Environment",
        ["Electrician"],
    ),
    ("Accounting", "Business, Administration and Law", ["Accounts assistant", "Bookkeeper"]),
    ("Counselling Skills", "Health, Public Services and Care", ["Counsellor", "Support worker"]),
    ("Youth Work", "Health, Public Services and Care", ["Youth worker"]),
    ("Sport Coaching", "Leisure, Travel and Tourism", ["Sports coach", "Fitness instructor"]),
    ("Travel and Tourism", "Leisure, Travel and Tourism", ["Travel consultant"]),
    ("Animal Care", "Agriculture, Horticulture and Animal Care", ["Animal care assistant"]),
    ("Horticulture", "Agriculture, Horticulture and Animal Care", ["Gardener", "Grounds person"]),
    ("Logistics Operations", "Business, Administration and Law", ["Warehouse supervisor"]),
    ("Leadership and Management", "Business, Administration and Law", ["Operations manager"]),
]
KINDS = ["Award in", "Certificate in", "Diploma in", "Extended Certificate in"]
AUDIENCES = [
    "already work in the sector and wish to gain recognition for your skills",
    "wish to transfer from another career",
    "want to progress to a supervisory role",
    "are returning to work after a break",
    "have recently left school or college",
]

AudienceRow = namedtuple("AudienceRow", "description order")
RoleRow = namedtuple("RoleRow", "title description order")


def insert_rows(model, field_names, rows):
    """Insert `rows` (tuples of the values of `field_names`) into `model`'s table: COPY on
    PostgreSQL, one prepared INSERT for them all elsewhere."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(model._meta.get_field(name).column) for name in field_names
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(field_names))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


class Command(BaseCommand):
    help = (
        f"Creates synthetic qualifications for benchmarks: published, titled “{TITLE_PREFIX} …”, "
        f"with slugs starting “{SYNTHETIC_SLUG_PREFIX}”, awarded by “{ORGANISATION}”, each with "
        "audiences, job roles and employers. --delete removes every one of them again. They are "
        "made in the database only, never in fixtures/."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--count", type=int, help="how many to add to those already there")
        group.add_argument("--delete", action="store_true", help="delete every synthetic one")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")

    def handle(self, *args, count=None, delete=False, seed=1, **options):
        if delete:
            message = f"Deleted {self.delete()} synthetic qualifications."
        elif count < 1:
            raise CommandError("--count must be at least 1.")
        else:
            created = self.create(count, random.Random(seed))
            total = Qualification.objects.synthetic().count()
            message = f"Created {created} synthetic qualifications ({total} in all)."
        if options["verbosity"]:
            self.stdout.write(message)

    @transaction.atomic
    def delete(self):
        count = services.qualifications_delete(Qualification.objects.synthetic())
        Employer.objects.filter(name__startswith=EMPLOYER_PREFIX, supports__isnull=True).delete()
        AwardingOrganisation.objects.filter(name=ORGANISATION, qualifications__isnull=True).delete()
        return count

    @transaction.atomic
    def create(self, count, rng):
        organisation, _ = AwardingOrganisation.objects.get_or_create(name=ORGANISATION)
        employers = [
            Employer.objects.get_or_create(name=f"{EMPLOYER_PREFIX} {n:02d}")[0]
            for n in range(1, EMPLOYERS + 1)
        ]
        start = Qualification.objects.synthetic().count() + 1
        last_pk = Qualification.objects.aggregate(last=Max("pk"))["last"] or 0
        taken = set(Qualification.objects.values_list("qualification_number", flat=True))
        qualifications, rows = [], []

        def made():
            for n in range(start, start + count):
                qualification, row = self.make(n, rng, organisation, employers, taken)
                qualifications.append(qualification)
                rows.append(row)
                yield qualification

        # Every concrete field but the key, as the model gives it (defaults, auto_now), so a
        # field added later is filled as bulk_create would fill it; bulk_create itself takes
        # several times as long to turn a hundred thousand instances into SQL. The rows stream
        # into the database as they are made, so it indexes them while the next are built.
        fields = [
            field
            for field in Qualification._meta.concrete_fields
            if not field.primary_key and not field.generated
        ]
        insert_rows(
            Qualification,
            [field.name for field in fields],
            (tuple(field.pre_save(q, add=True) for field in fields) for q in made()),
        )
        ids = dict(
            Qualification.objects.filter(pk__gt=last_pk).synthetic().values_list("slug", "pk")
        )
        for qualification in qualifications:
            qualification.pk = ids[qualification.slug]
        # Their rows, hundreds of thousands at the largest sizes, go in as plain tuples.
        pairs = list(zip(qualifications, rows, strict=True))
        insert_rows(
            Audience,
            ["qualification", "description", "order"],
            [(q.pk, a.description, a.order) for q, (audiences, _, _) in pairs for a in audiences],
        )
        insert_rows(
            ProgressionRole,
            ["qualification", "title", "description", "order"],
            [(q.pk, r.title, r.description, r.order) for q, (_, roles, _) in pairs for r in roles],
        )
        insert_rows(
            EmployerSupport,
            ["qualification", "employer", "order"],
            [
                (q.pk, employer.pk, order)
                for q, (_, _, supporters) in pairs
                for order, employer in enumerate(supporters, start=1)
            ],
        )
        # Their search text, built from what was written; no versions: they are made, not edited.
        services.qualifications_saved([q.pk for q in qualifications], versioned=False)
        return len(qualifications)

    def make(self, n, rng, organisation, employers, taken):
        """The `n`th synthetic qualification, and its (audiences, roles, supporting employers)."""
        topic, subject_area, role_titles = rng.choice(TOPICS)
        level = Level(rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7]))
        kind = rng.choice(KINDS)
        qualification = Qualification(
            title=f"{TITLE_PREFIX} {level.label} {kind} {topic} {n:05d}",
            slug=f"{SYNTHETIC_SLUG_PREFIX}{n:05d}",
            status=Status.PUBLISHED,
            awarding_organisation=organisation,
            qualification_number=self.number(n, taken),
            level=level,
            overview=(
                f"This synthetic qualification, made for testing, covers {topic.lower()} at "
                f"{level.label.lower()}: the principles, the law and good practice, and the "
                "skills to apply them at work."
            ),
            subject_area=subject_area,
            further_study=f"Learners may progress to further study in {topic.lower()}.",
            guided_learning_hours=rng.choice([None, 30, 60, 120, 240]),
            # One in five offered in Wales, for the catalogue's `offered_in` filter; from `n`,
            # not the random generator, so the other facts stay as they were.
            offered_in_wales=n % 5 == 0,
        )
        audiences = [
            AudienceRow(text, order) for order, text in enumerate(rng.sample(AUDIENCES, 2), start=1)
        ]
        roles = [
            RoleRow(title, f"Works as a {title.lower()}.", order)
            for order, title in enumerate(role_titles, start=1)
        ]
        supporters = rng.sample(employers, 2)
        return qualification, (audiences, roles, supporters)

    @staticmethod
    def number(n, taken):
        """A free qualification number from 900/0000/0 upwards, as unlike any real one as can be."""
        while True:
            number = f"{NUMBER_BASE + n // 100_000:03d}/{n // 10 % 10_000:04d}/{n % 10}"
            if number not in taken:
                taken.add(number)
                return number
            n += 1_000_000
