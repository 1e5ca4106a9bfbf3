"""gunicorn's settings, for the Docker image and `make run` alike; the environment can tune them."""

import multiprocessing
import os

# WeasyPrint takes about a second to import. Importing it here, in the master, means every worker
# forks with it loaded: workers start at once and no visitor waits on the first factsheet.
import weasyprint  # noqa: F401

wsgi_app = "qualsite.wsgi"
# Load Django once in the master too; workers share its memory.
preload_app = True
bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Factsheets render in well under a second; anything slower than this is stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 1000
max_requests_jitter = 100
# Heartbeat files in memory, not on a container's possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"
errorlog = "-"
# The load balancer in front sets X-Forwarded-*; trust it only from where it is.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
