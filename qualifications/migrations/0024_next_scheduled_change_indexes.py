"""Indexes for the public content's next scheduled change: the first go-live, withdrawal or
certification end date after now, of the published qualifications, is one step into each, not a
scan of the catalogue."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('qualifications', '0023_catalogue_at_scale'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='qualification',
            index=models.Index(fields=['status', 'live_from'], name='qualification_goes_live_idx'),
        ),
        migrations.AddIndex(
            model_name='qualification',
            index=models.Index(fields=['status', 'live_until'], name='qualification_withdrawn_idx'),
        ),
        migrations.AddIndex(
            model_name='qualification',
            index=models.Index(fields=['status', 'certification_end_date'], name='qualification_cert_end_idx'),
        ),
    ]
