"""Settings for qualsite, every one read from the environment (or a local `.env` file).

Production must supply DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and EMAIL_URL; without them the site
refuses to start. Local development (`make run`) sets DJANGO_DEBUG=true in `.env`, which supplies
safe stand-ins. See `.env.example` for every variable.
"""

import hashlib
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from qualsite.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

# GENERAL
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if DEBUG:
    SECRET_KEY = SECRET_KEY or "insecure-local-development-key-never-use-it-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
elif not (SECRET_KEY and ALLOWED_HOSTS):
    raise ImproperlyConfigured(
        "Set DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS: production needs both. "
        "For local development, set DJANGO_DEBUG=true instead."
    )

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

ROOT_URLCONF = "qualsite.urls"
WSGI_APPLICATION = "qualsite.wsgi.application"
ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="admin/")

# DATABASES
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Up to 64 MB of the file kept in each connection's page cache, not SQLite's default 2 MB: a
    # broad search looks up thousands of rows, each otherwise read from the file again.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "init_command", "PRAGMA cache_size = -65536"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Checks silenced by choice: see SECURITY.
SILENCED_SYSTEM_CHECKS = []

# CACHES
# Rendered pages and factsheets are kept here, shared by every worker (qualifications/kept.py),
# each under what it is made of: a cache that drops entries only costs a render. With no
# CACHE_URL, a folder in the system's temporary directory, one per checkout and database, so
# `make run`'s workers render a factsheet once, not once each. Several servers share
# Redis: CACHE_URL=redis://host:6379/0 (Django's own Redis backend, made tolerant of outages by
# qualsite/cache.py: a cache that fails slows pages down but never stops them).
_cache_folder = (
    "qualsite-cache-"
    + hashlib.sha256(f"{BASE_DIR}\n{DATABASES['default']['NAME']}".encode()).hexdigest()[:12]
)
CACHES = {
    "default": env.cache_url(
        "CACHE_URL",
        default=f"filecache://{Path(tempfile.gettempdir()) / _cache_folder}",
    )
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache":
    # Past this many files, the folder drops a third of them at random (a render each): room for
    # every page and factsheet of a few thousand qualifications (a few tens of megabytes).
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 10_000)
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "qualsite.cache.TolerantRedisCache"
    # A cache that does not answer within a second or two is treated as down, so no request waits
    # long on it; not sooner, lest a busy moment look like an outage.
    CACHES["default"].setdefault("OPTIONS", {}).update(socket_connect_timeout=1, socket_timeout=2)
# Each process keeps the renderings it served last in its own memory too, in front of the shared
# cache: a kept page then costs one database query (its version), as the health check does.
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "kept-renderings",
    "OPTIONS": {"MAX_ENTRIES": 200},
}

# Public renderings (pages, factsheets, the catalogue, open data) are kept in the cache, each
# under the version of what it shows (qualifications/kept.py). false renders each on every
# request, while the catalogue's filter values stay cached: for measuring what a rendering costs,
# or ruling the cache out when a page looks stale.
KEEP_RENDERINGS = env.bool("KEEP_RENDERINGS", default=True)

# A catalogue search counts this many matches at most and lists the best of them: past it the page
# says "More than 500", more than anyone pages through rather than narrowing the search.
CATALOGUE_SEARCH_LIMIT = 500

# APPS
INSTALLED_APPS = [
    # Django's admin, its front page our dashboard (qualsite/admin_site.py).
    "qualsite.apps.QualsiteAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    # The search's tsvector field and GIN index on PostgreSQL; nothing on SQLite.
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "reversion",
    "qualifications",
]

# MIDDLEWARE
MIDDLEWARE = [
    # First, so everything logged while a request is handled names it.
    "qualsite.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # After the Host check and before the rest: an address this process has answered from a
    # kept rendering is answered again without sessions, users or the view (kept.py).
    "qualifications.kept.KeptRenderingsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Its exceptions hook runs whatever the order: it sees what the views raise first.
    "qualsite.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in's response into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# TEMPLATES
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qualifications.context_processors.canonical_url",
            ],
        },
    },
]

# FIXTURES
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# AUTHENTICATION
# django-axes' backend comes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# STATIC
STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "qualsite.storage.StaticFilesStorage"},
}

# DOCUMENTS (uploaded specifications, handbooks, ...)
# On the local disk under MEDIA_ROOT by default; with DOCUMENTS_S3_BUCKET set, in S3-compatible
# object storage through django-storages, which every server shares. Never served from a URL of
# their own: a view checks who may see them (qualifications/documents.py).
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
DOCUMENTS_S3_BUCKET = env.str("DOCUMENTS_S3_BUCKET", default="")
if DOCUMENTS_S3_BUCKET:
    from boto3.s3.transfer import TransferConfig

    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": DOCUMENTS_S3_BUCKET,
            # Empty: Amazon S3 itself; else the address of another S3-compatible service.
            "endpoint_url": env.str("DOCUMENTS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("DOCUMENTS_S3_REGION", default="") or None,
            # Empty: boto3 finds credentials itself (an instance role, ~/.aws).
            "access_key": env.str("DOCUMENTS_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("DOCUMENTS_S3_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": None,
            "querystring_auth": True,
            # A download is a redirect to a signed address of the object, good for this long.
            "querystring_expire": env.int("DOCUMENTS_S3_URL_SECONDS", default=60),
            "file_overwrite": False,
            # One part of a large upload in memory at a time, not ten (bench/uploads.py: a
            # 25 MB upload's peak memory).
            "transfer_config": TransferConfig(use_threads=False),
            "addressing_style": env.str("DOCUMENTS_S3_ADDRESSING_STYLE", default="") or None,
        },
    }
# The largest document staff may upload, in bytes.
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=25 * 1024 * 1024)
# An Office or OpenDocument file (a ZIP) may unpack to this much at most, and no entry may unpack
# to more than DOCUMENT_ZIP_MAX_RATIO times its packed size: past either it is a ZIP bomb.
DOCUMENT_ZIP_MAX_BYTES = env.int("DOCUMENT_ZIP_MAX_BYTES", default=250 * 1024 * 1024)
DOCUMENT_ZIP_MAX_RATIO = env.int("DOCUMENT_ZIP_MAX_RATIO", default=100)

# SECURITY
# Behind a load balancer that terminates TLS, set DJANGO_SECURE_PROXY_SSL_HEADER=true so Django
# trusts its X-Forwarded-Proto header.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False)
    else None
)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# The load balancer's health check speaks plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
# Both are opt-in: once browsers hold them (a preload list ships in their releases) they cannot
# be taken back for months, and includeSubDomains forces HTTPS on every host under the domain,
# which is the domain owner's decision, not this site's. `check --deploy` would warn while they
# are off; that warning is the choice made here, so it is silenced only then.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS += [
    check
    for check, opted_in in [
        ("security.W005", SECURE_HSTS_INCLUDE_SUBDOMAINS),
        ("security.W021", SECURE_HSTS_PRELOAD),
    ]
    if not opted_in
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every script, style, font and image comes from the site itself: no inline code, no CDN.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# The site reads and prints; it uses none of the browser's powerful features, so it denies them
# all to itself and to anything it could ever embed. Each is one Chromium knows (a browser test
# checks), so none is noise in the header.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "clipboard-read",
        "clipboard-write",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "otp-credentials",
        "payment",
        "picture-in-picture",
        "publickey-credentials-create",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "window-management",
        "xr-spatial-tracking",
    ]
}

# SIGN-IN
# django-axes counts failed sign-ins by account and by client address, separately: a guesser who
# cycles through accounts from one address is stopped, and so is one who spreads the guesses on
# one account over many addresses. Once either count reaches the limit within the lockout period,
# every sign-in for that account, or from that address, is refused, even with the right password,
# until the period has passed with no further attempt, or a publisher deletes the attempts in admin.
AXES_FAILURE_LIMIT = env.int("DJANGO_SIGNIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("DJANGO_SIGNIN_LOCKOUT_MINUTES", default=60))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A successful sign-in leaves the counts alone: clearing them would let anyone with an account of
# their own wipe their address's failures, and with them their guesses at everyone else's account.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "qualsite.signin.client_ip_address"
AXES_USERNAME_CALLABLE = "qualsite.signin.client_username"
AXES_LOCKOUT_CALLABLE = "qualsite.signin.lockout_response"
# How many proxies in front of the site append the client's address to X-Forwarded-For. With 0,
# the header is ignored (anyone can send it) and the connection's own address counts. Behind the
# TLS-terminating load balancer that DJANGO_SECURE_PROXY_SSL_HEADER declares, the default is 1.
TRUSTED_PROXY_COUNT = env.int(
    "DJANGO_TRUSTED_PROXY_COUNT", default=1 if SECURE_PROXY_SSL_HEADER else 0
)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXY_COUNT is a number of proxies: 0 or more.")
# A staff session lasts a working day from sign-in. It is not renewed by each request
# (SESSION_SAVE_EVERY_REQUEST stays off), so a session in constant use still ends, and a stolen
# session cookie is good for a day at most.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = False

# LOGGING
# One line per event, with the id of the request it belongs to (qualsite/logs.py); gunicorn's
# access log is configured from the same place (gunicorn.conf.py).
LOGGING = logging_config(env.str("DJANGO_LOG_LEVEL", default="INFO"))

# EMAIL: review notifications (qualifications/notifications.py). Production must say how to send
# them (smtp+tls://user:password@host:587); local development prints them on the console.
EMAIL_URL = env.str("EMAIL_URL", default="consolemail://" if DEBUG else "")
if not EMAIL_URL:
    raise ImproperlyConfigured(
        "Set EMAIL_URL (for example smtp+tls://user:password@smtp.example.org:587): the review "
        "emails are sent through it."
    )
_email = env.email_url_config(EMAIL_URL)
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"]}}
if _email["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {"file_path": _email["EMAIL_FILE_PATH"]}
elif _email["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {
        "host": _email["EMAIL_HOST"],
        "port": _email["EMAIL_PORT"],
        "username": _email["EMAIL_HOST_USER"],
        "password": _email["EMAIL_HOST_PASSWORD"],
        "use_tls": _email.get("EMAIL_USE_TLS", False),
        "use_ssl": _email.get("EMAIL_USE_SSL", False),
        # Seconds before a mail server that does not answer counts as failed (then retried).
        "timeout": env.int("EMAIL_TIMEOUT", default=10),
    }
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# SITE
# Who runs the site: its name heads every page, the page titles and the factsheets.
SITE_NAME = env.str("SITE_NAME", default="Qualification catalogue")
# The site's public origin (scheme and host, e.g. https://qualifications.example.org): canonical
# links, the sitemap, robots.txt, the JSON-LD, Open Graph tags and the printed factsheet all use
# it, whatever Host header or scheme a request came with. Empty: each request's own origin.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")
if SITE_URL:
    _site = urlsplit(SITE_URL)
    if (
        _site.scheme not in ("http", "https")
        or not _site.hostname
        or "@" in _site.netloc
        or (_site.path, _site.query, _site.fragment) != ("", "", "")
    ):
        raise ImproperlyConfigured(
            f"SITE_URL must be a scheme and host only, like https://qualifications.example.org, "
            f"not {SITE_URL!r}."
        )
