"""Serve a public rendering kept in the cache under what it is made of, with an ETag, a 304 when
the browser's copy is current, and Cache-Control.

A rendering's key holds everything it prints: its name and the version of the content it shows,
read from the database at each request (a qualification's `updated_at`, or the catalogue's
version, see services.py), the site's origin (pages hold absolute URLs) and the release (a digest
of the templates, static files and code). A key never names two different renderings, so nothing
is ever deleted or invalidated: a cache that drops an entry costs one render, never a stale page.
There is no render lock: two requests for a rendering nobody has kept may both render it.

Renderings are kept in two tiers, this process's memory ("local", Django's LocMemCache) then the
shared cache, and text is kept gzip- and Brotli-compressed, sent so to browsers that accept it.
"""

import functools
import gzip
import hashlib
import math
import re
from pathlib import Path

import brotli
from django.conf import settings
from django.core.cache import cache, caches
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import parse_http_date_safe

from .site import site_origin

# Kept this long at most; what a key names never changes, so this only frees room.
CACHE_SECONDS = 7 * 24 * 60 * 60
# How long a browser or CDN may keep a public rendering without asking again (at most: never past
# the next scheduled change of what it shows).
PUBLIC_MAX_AGE = 300
# The headers of a rendering that are kept with its body.
KEPT_HEADERS = ("Content-Type", "Last-Modified")
# Query parameters that only tell analytics where a visitor came from.
TRACKING_PARAMETER = re.compile(r"utm_\w+|fbclid|gclid")
# Renderings in these types are kept compressed as well (a PDF is compressed inside already).
COMPRESSIBLE = re.compile(r"text/|application/(json|xml|atom\+xml|ld\+json)")
# The codings a kept text is ready in, the most compact first. Brotli's quality 5 is within a
# fifth of its best (11) at a thirtieth of the time: 0.4 ms for a page rather than 12.
CODINGS = {
    "br": lambda content: brotli.compress(content, mode=brotli.MODE_TEXT, quality=5),
    "gzip": lambda content: gzip.compress(content, compresslevel=9, mtime=0),
}
# What a rendering is made of besides its content: everything a deploy may change.
RELEASE_FILES = ("templates", "static", "qualifications", "qualsite")


@functools.cache
def release():
    """A digest of the templates, static files, code and collected static manifest, read once per
    process: a deploy that changes any of them keys every rendering anew."""
    digest = hashlib.sha256()
    paths = [path for folder in RELEASE_FILES for path in (settings.BASE_DIR / folder).rglob("*")]
    for path in sorted(p for p in paths if p.is_file() and "__pycache__" not in p.parts):
        # Named from the checkout, so servers installed at different paths share their keys.
        digest.update(path.relative_to(settings.BASE_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()[:16]


def without_tracking(query):
    """A copy of `query` (a QueryDict) without its tracking parameters (utm_*, fbclid, gclid)."""
    query = query.copy()
    for name in list(query):
        if TRACKING_PARAMETER.fullmatch(name):
            del query[name]
    return query


def kept_value(key, make):
    """The value kept under `key` (a string) in this process or the shared cache, else
    `make()`'s, kept in both unless it is None."""
    local = caches["local"]
    value = local.get(key)
    if value is None:
        value = cache.get(key)
        if value is None:
            value = make()
            if value is None:
                return None
            cache.set(key, value, CACHE_SECONDS)
        local.set(key, value, CACHE_SECONDS)
    return value


def serve_kept(request, render, key, next_change=None, *, public=True, recheck=None):
    """The response `render()` gives, kept under `key` (a tuple: the rendering's name and the
    version of what it shows) with the origin and the release.

    `render` is called only when nothing is kept; a response from it other than 200 (a 404, a
    410) is returned as it is, never kept. `public=False` (a preview) lets no browser or shared
    cache keep the response; `next_change` (a datetime, or None) is when what it shows next
    changes by itself, which no copy may outlive. `recheck()`, for a public rendering, gives the
    (key, next_change) it would be kept under now, or None: KeptRenderingsMiddleware asks it
    before answering the address again. With settings.KEEP_RENDERINGS off, every request
    renders its own.
    """
    if not settings.KEEP_RENDERINGS:
        return _never_cached(_rendered(render()))
    cache_key = _cache_key(request, key)
    rendered = None

    def keep():
        nonlocal rendered
        rendered = _rendered(render())
        if rendered.status_code != 200:
            return None
        if public:
            # Where it was kept, for last_kept() while the database is unavailable.
            cache.set(_address_key(request), cache_key, CACHE_SECONDS)
        return _kept_form(rendered)

    # A browser's copy known current from its ETag alone, rendered or not: 304 at once.
    response = get_conditional_response(request, etag=_etag(cache_key))
    if response is None:
        kept = kept_value(cache_key, keep)
        if kept is None:
            return rendered
        response = _respond(request, cache_key, kept)
        if public and recheck is not None:
            response.kept_as = (cache_key, recheck)
    return _with_cache_headers(response, cache_key, public, next_change)


class KeptRenderingsMiddleware:
    """Answers an anonymous GET for an address this process has answered from a kept public
    rendering, from that rendering again, before sessions, users, CSRF and the view, once its
    `recheck()` (one query) says it is still what the address would be kept under. Through the
    view, a kept page answered at 0.73 to 0.92x the health check's throughput (bench/pages.py),
    against 0.9x wanted. The view's own headers (Vary, Content-Disposition, CORS,
    X-Frame-Options) are given again. A database that fails here leaves the request to the view,
    and so to DatabaseUnavailableMiddleware."""

    # Headers made for each answer, rather than given again.
    MADE_PER_REQUEST = frozenset(
        {
            *("cache-control", "content-encoding", "content-length", "content-type"),
            *("etag", "expires", "last-modified"),
        }
    )
    # Addresses remembered at most; past it, forgotten all at once and learnt again.
    ADDRESSES = 1000

    def __init__(self, get_response):
        self.get_response = get_response
        self.served = {}  # (origin, path and query) -> (cache key, recheck, headers)

    def __call__(self, request):
        if (
            request.method != "GET"
            or not settings.KEEP_RENDERINGS
            or settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            return self.get_response(request)
        address = (site_origin(request), request.get_full_path())
        if (served := self.served.get(address)) and (again := self._again(request, *served)):
            return again
        response = self.get_response(request)
        if (kept_as := getattr(response, "kept_as", None)) and response.status_code == 200:
            if len(self.served) >= self.ADDRESSES:
                self.served.clear()
            headers = {k: v for k, v in response.items() if k.lower() not in self.MADE_PER_REQUEST}
            self.served[address] = (*kept_as, headers)
        return response

    def _again(self, request, cache_key, recheck, headers):
        try:
            current = recheck()
        except DatabaseError:
            return None
        if current is None or _cache_key(request, current[0]) != cache_key:
            return None
        response = get_conditional_response(request, etag=_etag(cache_key))
        if response is None:
            kept = kept_value(cache_key, lambda: None)
            if kept is None:
                return None
            response = _respond(request, cache_key, kept)
        for name, value in headers.items():
            response[name] = value
        return _with_cache_headers(response, cache_key, True, current[1])


def _cache_key(request, key):
    made_of = "\n".join([*map(str, key), site_origin(request), release()])
    return "kept-" + hashlib.sha256(made_of.encode()).hexdigest()[:40]


def _etag(cache_key):
    # Weak: the same rendering in any coding.
    return f'W/"{cache_key.removeprefix("kept-")}"'


def _respond(request, cache_key, kept):
    # A 304 for a browser whose copy is as recent, else the rendering in the best coding.
    last_modified = parse_http_date_safe(kept["headers"].get("Last-Modified", ""))
    return get_conditional_response(
        request, etag=_etag(cache_key), last_modified=last_modified
    ) or _response(request, kept)


def _with_cache_headers(response, cache_key, public, next_change):
    response["ETag"] = _etag(cache_key)
    if not public:
        return _never_cached(response)
    seconds = PUBLIC_MAX_AGE
    if next_change is not None:
        seconds = min(seconds, math.floor((next_change - timezone.now()).total_seconds()))
    patch_cache_control(response, public=True, max_age=max(0, seconds))
    return response


def last_kept(request):
    """The public rendering last kept at the address of `request` (a GET), for it alone, or None:
    served while the database that says whether it is current is unavailable."""
    if request.method != "GET" or not settings.KEEP_RENDERINGS:
        return None
    cache_key = cache.get(_address_key(request))
    kept = cache_key and kept_value(cache_key, lambda: None)
    return _never_cached(_response(request, kept)) if kept else None


def _address_key(request):
    address = f"{site_origin(request)}{request.get_full_path()}"
    return "kept-at-" + hashlib.sha256(address.encode()).hexdigest()[:40]


def _response(request, kept):
    coding = _coding_for(request, kept["bodies"])
    response = HttpResponse(kept["bodies"][coding], headers=kept["headers"])
    if coding:
        response["Content-Encoding"] = coding
    if len(kept["bodies"]) > 1:
        patch_vary_headers(response, ["Accept-Encoding"])
    return response


def _kept_form(response):
    content = response.content
    headers = {name: response[name] for name in KEPT_HEADERS if name in response}
    bodies = {None: content}
    if COMPRESSIBLE.match(headers.get("Content-Type", "")):
        bodies |= {coding: compress(content) for coding, compress in CODINGS.items()}
    return {"bodies": bodies, "headers": headers}


def _rendered(response):
    if not getattr(response, "is_rendered", True):
        response.render()
    return response


def _coding_for(request, bodies):
    """The content coding (a key of `bodies`) to send: the most compact one the client accepts,
    None for the text as it is."""
    accepted = _accepted_codings(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    return next((coding for coding in CODINGS if coding in bodies and coding in accepted), None)


@functools.lru_cache(maxsize=64)
def _accepted_codings(header):
    """The codings an Accept-Encoding header accepts (a frozenset)."""
    accepted = set()
    for item in header.split(","):
        coding, _, parameters = item.strip().partition(";")
        if not re.fullmatch(r"\s*q\s*=\s*0(\.0*)?\s*", parameters):
            accepted.add(coding.strip().lower())
    return frozenset(accepted)


def _never_cached(response):
    add_never_cache_headers(response)
    return response
