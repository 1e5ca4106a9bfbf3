"""Fees, who may take a qualification, where it is offered and how it is funded; editors and
publishers edit fees as they edit a qualification's other rows."""

import django.core.validators
import django.db.models.deletion
import qualifications.models
from decimal import Decimal
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

FEE_PERMISSIONS = ["add_feeline", "change_feeline", "delete_feeline", "view_feeline"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="qualifications", codename__in=FEE_PERMISSIONS
    )
    for group in Group.objects.filter(name__in=["Editor", "Publisher"]):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):

    dependencies = [
        ('qualifications', '0032_catalogue_version'),
    ]

    operations = [
        migrations.AddField(
            model_name='awardingorganisation',
            name='fees_contact',
            field=models.CharField(blank=True, help_text='An email address or a web address: a qualification without fees on the site says to ask here.', max_length=200, validators=[qualifications.models.validate_fees_contact], verbose_name='where to ask about fees'),
        ),
        migrations.AddField(
            model_name='qualification',
            name='advanced_learner_loans',
            field=models.BooleanField(blank=True, help_text='Only for levels 3 to 6. Leave empty unless you know.', null=True, verbose_name='Advanced Learner Loans may fund it'),
        ),
        migrations.AddField(
            model_name='qualification',
            name='approved_16_to_18',
            field=models.BooleanField(blank=True, null=True, verbose_name='approved for 16–18'),
        ),
        migrations.AddField(
            model_name='qualification',
            name='approved_18_plus',
            field=models.BooleanField(blank=True, null=True, verbose_name='approved for 18+'),
        ),
        migrations.AddField(
            model_name='qualification',
            name='approved_19_plus',
            field=models.BooleanField(blank=True, null=True, verbose_name='approved for 19+'),
        ),
        migrations.AddField(
            model_name='qualification',
            name='approved_pre_16',
            field=models.BooleanField(blank=True, null=True, verbose_name='approved for pre-16'),
        ),
        migrations.AddField(
            model_name='qualification',
            name='offered_in_northern_ireland',
            field=models.BooleanField(blank=True, null=True, verbose_name='offered in Northern Ireland'),
        ),
        migrations.AddField(
            model_name='qualification',
            name='offered_in_wales',
            field=models.BooleanField(blank=True, null=True, verbose_name='offered in Wales'),
        ),
        migrations.AddField(
            model_name='qualification',
            name='offered_internationally',
            field=models.BooleanField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='qualification',
            name='welsh_medium',
            field=models.BooleanField(blank=True, null=True, verbose_name='available through the medium of Welsh'),
        ),
        migrations.CreateModel(
            name='FeeLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('standard', 'Standard qualification fee'), ('package', 'Package fee'), ('learner', 'Associated learner fee'), ('centre', 'Mandatory centre fee')], max_length=10)),
                ('description', models.CharField(blank=True, help_text='What it is for, for example “Resit of one unit”.', max_length=200)),
                ('amount', models.DecimalField(decimal_places=2, max_digits=9, validators=[django.core.validators.MinValueValidator(Decimal('0'), 'A fee cannot be negative.')], verbose_name='amount (£)')),
                ('per', models.CharField(choices=[('learner', 'per learner'), ('unit', 'per unit'), ('centre', 'per centre'), ('year', 'per year')], default='learner', max_length=10)),
                ('vat', models.CharField(choices=[('included', 'VAT included'), ('excluded', 'plus VAT'), ('none', 'no VAT')], max_length=10, verbose_name='VAT')),
                ('starts_on', models.DateField(help_text='The first day it applies.', verbose_name='from')),
                ('ends_on', models.DateField(blank=True, help_text='The last day it applies. Leave empty while it has no end.', null=True, verbose_name='until')),
                ('qualification', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='fees', to='qualifications.qualification')),
            ],
            options={
                'verbose_name': 'fee',
                'ordering': [models.Case(models.When(kind='standard', then=0), models.When(kind='package', then=1), models.When(kind='learner', then=2), models.When(kind='centre', then=3)), 'starts_on', 'pk'],
                'indexes': [models.Index(fields=['starts_on'], name='fee_starts_idx'), models.Index(fields=['ends_on'], name='fee_ends_idx')],
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
