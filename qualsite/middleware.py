import re
import uuid

from .logs import request_id

# What an id from the load balancer may look like: short, and nothing that could break a log line
# or a header. Anything else is replaced by one of ours.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")


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
