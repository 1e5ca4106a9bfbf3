"""When what the public sees changes by itself: the moment a date takes effect where the site
is (settings.TIME_ZONE), and the next change of a qualification's fees."""

import datetime

from django.utils import timezone


def start_of_day_after(date):
    """The moment a page starts saying that `date` (a certification end date) has passed."""
    return start_of_day(date + datetime.timedelta(days=1))


def start_of_day(date):
    """The moment `date` begins, where the site is (settings.TIME_ZONE)."""
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time()))


def fee_dates_after(fees, today):
    """Of `fees`, the first date after `today` one starts, and the first end date from `today`
    on (the fee stops the day after it), each None if there is none."""
    starts = [fee.starts_on for fee in fees if fee.starts_on > today]
    ends = [fee.ends_on for fee in fees if fee.ends_on is not None and fee.ends_on >= today]
    return min(starts, default=None), min(ends, default=None)


def fee_change_moment(next_start, next_end):
    """The moment the fees shown next change, given fee_dates_after()'s dates, or None."""
    moments = []
    if next_start is not None:
        moments.append(start_of_day(next_start))
    if next_end is not None:
        moments.append(start_of_day_after(next_end))
    return min(moments, default=None)
