"""Email about reviews, through Django's email (EMAIL_URL): written to an outbox
(models.Notification) in the transaction of the step it tells of, sent once that commits, and
kept to be retried (`manage.py send_notifications`) if sending failed. A failure to send never
undoes the step or holds it up; a message is never sent twice for one event."""

import logging
from datetime import timedelta

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator

from .models import Notification

logger = logging.getLogger(__name__)
# How long a sender holds a message it is sending: longer than the mail server's timeout.
CLAIM = timedelta(minutes=5)
SUBJECT_LENGTH = Notification._meta.get_field("subject").max_length


def queue(event, users, subject, body):
    """Write the message about `event` to each of `users` who has an email address, to be sent
    once the current transaction commits."""
    subject = Truncator(" ".join(subject.split())).chars(SUBJECT_LENGTH)
    rows = Notification.objects.bulk_create(
        [
            Notification(event=event, to=user.email, subject=subject, body=body)
            for user in users
            if user.email
        ],
        ignore_conflicts=True,
    )
    if rows:
        # After the step commits; a failure to send (kept to retry) never fails the request.
        transaction.on_commit(lambda: send(Notification.objects.filter(event=event)), robust=True)


def send(notifications=None):
    """Send each unsent message of `notifications` (a QuerySet; default every unsent one), one
    sender at a time; returns (sent, failed) counts. A message fails after the mail server's
    timeout (EMAIL_TIMEOUT) at most, and is then kept with its error; the rest wait for the next
    try, so a server that does not answer holds a request up for one timeout, not one each."""
    notifications = Notification.objects.all() if notifications is None else notifications
    sent = failed = 0
    for pk in notifications.filter(sent_at=None).order_by("pk").values_list("pk", flat=True):
        now = timezone.now()
        # Claimed for long enough to be sent, so a sender running at the same time skips it.
        claimed = Notification.objects.filter(
            Q(claimed_until=None) | Q(claimed_until__lt=now), pk=pk, sent_at=None
        ).update(claimed_until=now + CLAIM)
        if not claimed:
            continue
        notification = Notification.objects.get(pk=pk)
        message = EmailMessage(notification.subject, notification.body, to=[notification.to])
        try:
            message.send()
        except Exception as error:  # any failure of the mail server: kept, not raised
            logger.warning("Email %s to %s not sent: %s", pk, notification.to, error)
            Notification.objects.filter(pk=pk).update(
                claimed_until=None, attempts=notification.attempts + 1, last_error=str(error)[:500]
            )
            failed += 1
            break
        else:
            Notification.objects.filter(pk=pk).update(
                sent_at=timezone.now(), claimed_until=None, attempts=notification.attempts + 1
            )
            sent += 1
    return sent, failed
