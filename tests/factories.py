import datetime
from decimal import Decimal

import factory

from qualifications import services
from qualifications.choices import FeeKind, FeePer, FeeVat, Level, Status
from qualifications.models import (
    Audience,
    AwardingOrganisation,
    Employer,
    EmployerSupport,
    FeeLine,
    LearningOutcome,
    ProgressionRole,
    Qualification,
    Unit,
    UnitLevel,
)
from qualifications.units import Group, Structure


class AwardingOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AwardingOrganisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Awarding Organisation {n}")


class QualificationFactory(factory.django.DjangoModelFactory):
    """Saved through the write path, as every writer saves."""

    class Meta:
        model = Qualification

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        qualification = model_class(*args, **kwargs)
        services.qualification_save(qualification)
        return qualification

    title = factory.Sequence(lambda n: f"Test Qualification {n}")
    slug = factory.Sequence(lambda n: f"test-qualification-{n}")
    status = Status.PUBLISHED
    awarding_organisation = factory.SubFactory(AwardingOrganisationFactory)
    qualification_number = factory.Sequence(
        lambda n: f"{600 + n // 10000 % 400:03d}/{n % 10000:04d}/{n % 10}"
    )
    level = Level.LEVEL_3
    overview = "Covers the principles of the subject."


class RowFactory(factory.django.DjangoModelFactory):
    """A qualification's row, saved through the write path as an edit of its qualification."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        row = model_class(*args, **kwargs)
        services.row_save(row)
        return row


class AudienceFactory(RowFactory):
    class Meta:
        model = Audience

    qualification = factory.SubFactory(QualificationFactory)
    description = factory.Sequence(lambda n: f"want to learn subject {n}")
    order = factory.Sequence(int)


class ProgressionRoleFactory(RowFactory):
    class Meta:
        model = ProgressionRole

    qualification = factory.SubFactory(QualificationFactory)
    title = factory.Sequence(lambda n: f"Role {n}")
    description = "Does useful work."
    order = factory.Sequence(int)


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    name = factory.Sequence(lambda n: f"Employer {n} Ltd")


class EmployerSupportFactory(RowFactory):
    class Meta:
        model = EmployerSupport

    qualification = factory.SubFactory(QualificationFactory)
    employer = factory.SubFactory(EmployerFactory)
    order = factory.Sequence(int)


class FeeLineFactory(RowFactory):
    """A fee in force since 1 January 2020, for good, unless told otherwise."""

    class Meta:
        model = FeeLine

    qualification = factory.SubFactory(QualificationFactory)
    kind = FeeKind.STANDARD
    amount = Decimal("250.00")
    per = FeePer.LEARNER
    vat = FeeVat.EXCLUDED
    starts_on = datetime.date(2020, 1, 1)


class UnitFactory(factory.django.DjangoModelFactory):
    """A unit, saved through the write path (services.unit_save)."""

    class Meta:
        model = Unit

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        unit = model_class(*args, **kwargs)
        services.unit_save(unit)
        return unit

    reference = factory.Sequence(
        lambda n: f"{'ABCDFHJKLMRTY'[n // 10000 % 13]}/6{n // 1000 % 100:02d}/{n % 10000:04d}"
    )
    title = factory.Sequence(lambda n: f"Unit topic {n}")
    level = UnitLevel.LEVEL_3
    credits = 3
    guided_learning_hours = 20
    awarding_organisation = factory.SubFactory(AwardingOrganisationFactory)


def give_units(qualification, *groups):
    """Give `qualification` these groups through the write path (services.structure_save), each
    (name, rule, minimum, maximum, units); returns its Structure."""
    structure = Structure(
        [Group(name, rule, low, high, list(units)) for name, rule, low, high, units in groups],
        qualification.credits,
    )
    services.structure_save(qualification, structure)
    return structure


UNITS_SLUG = "workplace-conflict-units-level-3"


def units_qualification():
    """A published qualification with units in two groups, at UNITS_SLUG, its first unit
    T/617/4242 with an outcome: what the public pages with units are checked on."""
    qualification = QualificationFactory(
        title="Workplace Conflict Units Level 3", slug=UNITS_SLUG, credits=9
    )
    AudienceFactory(qualification=qualification, description="work with people in dispute")
    first = UnitFactory(reference="T/617/4242", title="Understanding conflict at work")
    LearningOutcome.objects.create(
        unit=first,
        text="understand the causes of conflict",
        criteria="Explain common causes of conflict\nDescribe how conflict escalates",
    )
    others = [
        UnitFactory(title=f"Handling disputes, part {n}", reference=None, code=f"WCU-{n}")
        for n in range(1, 4)
    ]
    give_units(
        qualification,
        ("A", "all", None, None, [first]),
        ("B", "credits", 6, None, others),
    )
    return qualification
