from django.core.management import BaseCommand, CommandError

from qualifications import notifications


class Command(BaseCommand):
    help = (
        "Send the review emails not yet sent (the mail server failed when they were first tried). "
        "Run it every few minutes, from cron or a scheduler."
    )

    def handle(self, *args, **options):
        sent, failed = notifications.send()
        self.stdout.write(f"{sent} sent, {failed} failed.")
        if failed:
            raise CommandError(f"{failed} email{'s' if failed != 1 else ''} could not be sent.")
