"""How django-axes sees a sign-in: whose address it came from, and what a locked-out person reads.

Both are named in settings.py's SIGN-IN section (AXES_CLIENT_IP_CALLABLE, AXES_LOCKOUT_CALLABLE).
"""

import ipaddress

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.timesince import timeuntil


def _ip_address(value):
    """Return `value` as a normalised IP address, or None if it is not one."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except (AttributeError, ValueError):
        return None


def client_username(request, credentials):
    """Return the username a sign-in attempt gave, cut to the length axes records, or None.

    The admin's sign-in form does not limit the username's length, and PostgreSQL refuses to store
    a longer one than axes' column holds.
    """
    if credentials:
        username = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        username = getattr(request, "POST", {}).get(settings.AXES_USERNAME_FORM_FIELD)
    if username is None:
        return None
    return username[: AccessAttempt._meta.get_field("username").max_length]


def client_ip_address(request):
    """Return the address a request came from, as far as it can be trusted, or None.

    Directly on the internet that is REMOTE_ADDR, and X-Forwarded-For is ignored: anyone can send
    it. Behind TRUSTED_PROXY_COUNT proxies, each of which appends the address it was reached from,
    the client's is that many entries from the right; anything further left was written by the
    client and could be anything.
    """
    remote_addr = _ip_address(request.META.get("REMOTE_ADDR", ""))
    count = settings.TRUSTED_PROXY_COUNT
    if count == 0:
        return remote_addr
    # Several X-Forwarded-For headers reach Django joined by commas, in the order they came.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(forwarded) < count:
        # Not through the expected proxies: the only address known for certain is the peer's.
        return remote_addr
    return _ip_address(forwarded[-count]) or remote_addr


def lockout_response(request, original_response, credentials):
    """Return the page that says sign-in is locked, for how long, and what to do meanwhile."""
    cool_off = get_cool_off(request)
    # To the second: HTML's <time datetime> takes no finer fraction than milliseconds.
    now = timezone.now().replace(microsecond=0)
    # Every attempt while locked restarts the wait, so this is when the lock ends at the latest.
    locked_until = now + cool_off
    response = render(
        request,
        "registration/locked_out.html",
        {"wait": timeuntil(locked_until, now), "locked_until": locked_until},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    add_never_cache_headers(response)
    return response
