"""The admin's front page: what concerns each member of staff, in panels above the app list.

Each panel is one query, however large the catalogue: its first rows, each row carrying how many
rows there are in all (a window count), so a panel says how many more there are without a second
query.
"""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import BooleanField, Case, Count, ExpressionWrapper, Q, Value, When, Window
from django.urls import reverse
from django.utils import timezone

from .choices import ReviewAction, ReviewState, Status
from .models import Notification, PendingChange, Qualification, ReviewEvent
from .permissions import can_preview, can_publish

# How many rows a panel lists; it says how many more there are.
LIMIT = 10
SCHEDULE_DAYS = 30
CERTIFICATION_END_DAYS = 90
# The fields a panel shows of a qualification and of a person: read alone, as the count reads
# every row that matches.
QUALIFICATION = ("title", "qualification_number")
PERSON = ("first_name", "last_name", "username")


@dataclass(frozen=True)
class Panel:
    rows: list
    total: int
    # The admin's changelist of all of them, where one can be filtered so.
    more_url: str = ""

    @property
    def more(self):
        return self.total - len(self.rows)


def first_rows(queryset, more_url=""):
    """The first LIMIT rows of `queryset` (ordered) and how many it has in all, in one query."""
    rows = list(queryset.annotate(total_rows=Window(Count("pk")))[:LIMIT])
    return Panel(rows, rows[0].total_rows if rows else 0, more_url)


def fields(relation, names):
    """What only() names to read `names` of `relation` (followed by select_related), the
    relation included."""
    return [relation, *(f"{relation}__{name}" for name in names)]


def panels(user):
    """The panels `user` sees, by name: None for one they may not see. None at all for staff who
    may not see qualifications."""
    if not can_preview(user):
        return {}
    publisher = can_publish(user)
    return {
        "awaiting_review": awaiting_review() if publisher else None,
        "your_changes": your_changes(user),
        "scheduled": scheduled(timezone.now()),
        "certification_ending": certification_ending(timezone.localdate()),
        "recently_published": recently_published(),
        # Publishers run the reviews these emails tell of; the messages are to other people.
        "unsent_emails": unsent_emails() if publisher else None,
    }


def awaiting_review():
    """Changes submitted for review, the longest waiting first."""
    changes = PendingChange.objects.filter(state=ReviewState.SUBMITTED)
    changes = changes.select_related("qualification", "editor").only(
        "comment", "updated_at", *fields("qualification", QUALIFICATION), *fields("editor", PERSON)
    )
    return first_rows(changes.order_by("updated_at", "pk"))


def your_changes(user):
    """The changes `user` saved and has not submitted: those sent back first, as they wait on
    them, then the latest."""
    changes = PendingChange.objects.filter(
        editor=user, state__in=[ReviewState.EDITING, ReviewState.SENT_BACK]
    )
    sent_back_first = Case(When(state=ReviewState.SENT_BACK, then=Value(0)), default=Value(1))
    changes = changes.select_related("qualification")
    changes = changes.only("state", "reason", "updated_at", *fields("qualification", QUALIFICATION))
    return first_rows(changes.order_by(sent_back_first, "-updated_at", "pk"))


def scheduled(now):
    """Published qualifications going live or withdrawn in the next SCHEDULE_DAYS days, the
    soonest first; each has `goes_live` and `withdrawn` (which happen within them) and `due`
    (the first of them)."""
    days = (now, now + timedelta(days=SCHEDULE_DAYS))
    goes_live, withdrawn = Q(live_from__range=days), Q(live_until__range=days)
    qualifications = Qualification.objects.filter(goes_live | withdrawn, status=Status.PUBLISHED)
    qualifications = qualifications.only(*QUALIFICATION, "live_from", "live_until").annotate(
        goes_live=ExpressionWrapper(goes_live, output_field=BooleanField()),
        withdrawn=ExpressionWrapper(withdrawn, output_field=BooleanField()),
        due=Case(When(goes_live, then="live_from"), default="live_until"),
    )
    return first_rows(qualifications.order_by("due", "pk"))


def certification_ending(today):
    """Qualifications the public has seen whose certification ends in the next
    CERTIFICATION_END_DAYS days, the soonest first."""
    last = today + timedelta(days=CERTIFICATION_END_DAYS)
    qualifications = Qualification.objects.exclude(status=Status.DRAFT).filter(
        certification_end_date__range=(today, last)
    )
    qualifications = qualifications.only(*QUALIFICATION, "certification_end_date")
    query = {
        "status__in": f"{Status.PUBLISHED},{Status.WITHDRAWN}",
        "certification_end_date__gte": today.isoformat(),
        "certification_end_date__lte": last.isoformat(),
    }
    more_url = f"{reverse('admin:qualifications_qualification_changelist')}?{urlencode(query)}"
    return first_rows(qualifications.order_by("certification_end_date", "pk"), more_url)


def recently_published():
    """The changes published last, the latest first."""
    events = ReviewEvent.objects.filter(action=ReviewAction.PUBLISHED)
    events = events.select_related("qualification", "user").only(
        "at", *fields("qualification", QUALIFICATION), *fields("user", PERSON)
    )
    return first_rows(events.order_by("-at", "-pk"))


def unsent_emails():
    """Review emails tried and not sent (`manage.py send_notifications` tries them again), the
    oldest first."""
    notifications = Notification.objects.filter(sent_at=None, attempts__gt=0)
    notifications = notifications.select_related("event__qualification").only(
        "to",
        "subject",
        "attempts",
        "last_error",
        "event",
        *fields("event__qualification", QUALIFICATION),
    )
    return first_rows(notifications.order_by("pk"))
