"""One line per log event, each naming the request it belongs to.

Django's own logging (settings.LOGGING) and gunicorn's (gunicorn.conf.py) are both configured from
`logging_config()`, so the access log and the application's messages read alike and can be joined
on the request id. RequestIdMiddleware (qualsite/middleware.py) sets the id for the time Django
handles a request; gunicorn's access line takes it from the response's X-Request-ID header.
"""

import contextvars
import logging

# The id of the request being handled in this thread, "-" outside one.
request_id = contextvars.ContextVar("request_id", default="-")

FORMAT = "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every record, as `request_id`."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            # Django logs a 4xx or 5xx response after the middleware has returned it; such
            # records carry the request, which the middleware gave its id.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or request_id.get()
        return True


class OneLineFormatter(logging.Formatter):
    """Formats a record, traceback included, on one line: a log collector that splits on line
    breaks keeps each event whole, and no message can forge a line of its own."""

    def format(self, record):
        return super().format(record).replace("\r", "\\r").replace("\n", "\\n")


def logging_config(level, loggers=None):
    """Return a `logging.config.dictConfig` dict: everything to standard error, one line per
    event with its request id, at `level`; `loggers` adds to (or overrides) the named loggers."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"one_line": {"()": OneLineFormatter, "format": FORMAT}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                # Here as well as on the root: gunicorn sets its access logger's own level to
                # INFO, and a record that propagates is not held back by the root's level.
                "level": level,
                "formatter": "one_line",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own console handler (in DEBUG) would print each of its messages a second
            # time, in another form: everything goes through the one handler above.
            "django": {"handlers": [], "propagate": True},
            # WeasyPrint reports every refused fetch and unsupported CSS property as a warning.
            "weasyprint": {"level": "ERROR"},
            "fontTools": {"level": "WARNING"},
            **(loggers or {}),
        },
    }
