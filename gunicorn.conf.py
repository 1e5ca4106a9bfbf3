"""gunicorn's settings, for the Docker image and `make run` alike; the environment can tune them."""

import os

# WeasyPrint takes about a second to import. Importing it here, in the master, means every worker
# forks with it loaded: workers start at once and no visitor waits on the first factsheet.
import weasyprint  # noqa: F401
from gunicorn.glogging import Logger

from qualsite.logs import logging_config, request_id

wsgi_app = "qualsite.wsgi"
# Load Django once in the master too; workers share its memory.
preload_app = True
bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
# Two workers per CPU this process may run on (its affinity: taskset, a container's cpuset), not
# per CPU of the host. os.process_cpu_count() is Python 3.13's; on 3.12 the affinity mask is it.
if hasattr(os, "process_cpu_count"):
    cpus = os.process_cpu_count() or 1
else:
    cpus = len(os.sched_getaffinity(0))
workers = int(os.environ.get("WEB_CONCURRENCY", cpus * 2 + 1))
# Factsheets render in well under a second; anything slower than this is stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 1000
max_requests_jitter = 100
# No runtime control socket: nothing here uses gunicornc, and its one default path (in $HOME)
# would be shared by every gunicorn the same user runs on the machine.
control_socket_disable = True
# Heartbeat files in memory, not on a container's possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"
errorlog = "-"
# gunicorn's own messages and its access log in the site's one-line form, with the request id
# (see GunicornLogger below), all on standard error like Django's.
logconfig_dict = logging_config(
    os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    loggers={
        "gunicorn.error": {"handlers": [], "propagate": True},
        "gunicorn.access": {"handlers": [], "propagate": True},
    },
)
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
# The load balancer in front sets X-Forwarded-*; trust it only from where it is.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


class GunicornLogger(Logger):
    """gunicorn's logger, whose access line carries the id the response was given."""

    def access(self, resp, req, environ, request_time):
        sent = next((v for k, v in resp.headers if k.lower() == "x-request-id"), "-")
        token = request_id.set(sent)
        try:
            super().access(resp, req, environ, request_time)
        finally:
            request_id.reset(token)


logger_class = GunicornLogger
