"""What every request goes through that is the site's own, not one app's."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before trying again while the database is unavailable.
RETRY_AFTER_SECONDS = 10


class DatabaseUnavailableMiddleware:
    """Answer a request whose view found the database unavailable with the site's 503 page and a
    Retry-After header, not a 500 and a traceback: nothing is wrong with the request or the code,
    and the next request after the database is back is served as usual (Django reconnects)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable for %s: %s", request.path, exception)
        # Rendered without the request: its context processors could ask the database again.
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response
