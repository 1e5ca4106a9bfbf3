"""The catalogue's index keys every column the listing's filters read after its order, instead of
including them (which SQLite cannot): a page deep in the list is read from the index alone on
both databases, without a look-up of each row it skips."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('qualifications', '0024_next_scheduled_change_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='qualification',
            name='qualification_catalogue_idx',
        ),
        migrations.AddIndex(
            model_name='qualification',
            index=models.Index(fields=['status', 'title', 'id', 'live_from', 'live_until', 'level', 'subject_area', 'awarding_organisation'], name='qualification_catalogue_idx'),
        ),
    ]
