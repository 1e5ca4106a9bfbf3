"""What every request goes through that is the site's own, not one app's."""

import logging
import re
import uuid

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from qualifications.kept import last_kept

from .logs import request_id

logger = logging.getLogger(__name__)

# What an id from the load balancer may look like: short, and nothing that could break a log line
# or a header. Anything else is replaced by one of ours.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")


# Seconds a client is asked to wait before trying again while the database is unavailable.
RETRY_AFTER_SECONDS = 10


class RequestIdMiddleware:
    """Gives each request an id, logged with everything logged while it is handled and returned
    in the X-Request-ID response header: the load balancer's own X-Request-ID if it sent a sane
    one, so its logs and ours join up, or a new random one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get("X-Request-ID", "")
        request.request_id = sent if SANE_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
        token = request_id.set(request.request_id)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            return response
        finally:
            request_id.reset(token)


class DatabaseUnavailableMiddleware:
    """Answer a request whose view found the database unavailable with the rendering last kept at
    its address if there is one, else the site's 503 page and a Retry-After header, not a 500 and
    a traceback: nothing is wrong with the request or the code, and the next request after the
    database is back is served as usual (Django reconnects)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable for %s: %s", request.path, exception)
        if (kept := last_kept(request)) is not None:
            return kept
        # Rendered without the request: its context processors could ask the database again.
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response
