"""Serve a rendering kept in the cache: rendered once per version, then served with an ETag,
Last-Modified and Cache-Control, and a 304 when the browser's copy is current.

One mechanism for every public rendering (qualification pages, factsheets, the catalogue, open
data): the cache key and the ETag are made from everything the rendering prints — its own key
parts, the site's origin (SITE_URL, else the request's scheme and host: pages hold absolute
URLs), the design (templates and stylesheets) and, for public renderings, the public content's
version (versions.py), which changes after every edit, publish or withdrawal and when a scheduled
date passes.

A rendering is made once however many requests ask for it at the same moment (the first takes a
lock in the shared cache, the others wait for its result), and text is kept compressed, gzip and
Brotli, so a kept page is sent as it is to the browsers that accept it. When the cache is
unavailable, every request renders its own copy and lets no one keep it.

Once an address has been answered with a kept rendering, KeptRenderingsMiddleware answers it again
in this process, under the same public version, before sessions, users and the view: a kept page
costs what the health check does.
"""

import functools
import gzip
import hashlib
import re
import threading
import time
from collections import OrderedDict

import brotli
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import parse_etags, parse_http_date_safe

from .site import site_origin
from .versions import CACHE_SECONDS, design_version, public_version, stored_public_version

# How long a browser or CDN may keep a public rendering without asking again (at most: never past
# the public content's next scheduled change).
PUBLIC_MAX_AGE = 300
# The form a rendering is kept in (see _render_and_keep), part of its cache key: a deploy that
# changes it never reads what an older one kept.
KEPT_FORMAT = 2
# The headers of a rendering that are kept with its body.
KEPT_HEADERS = ("Content-Type", "Last-Modified")
# Query parameters that only tell analytics where a visitor came from: the rendering is the same
# with or without them.
TRACKING_PARAMETER = re.compile(r"utm_\w+|fbclid|gclid")
# A request that finds another rendering the same thing waits this long for it at most (a
# factsheet takes well under a second), then renders its own.
RENDER_WAIT_SECONDS = 10
RENDER_POLL_SECONDS = 0.05
# Renderings in these types are kept compressed as well (a PDF is compressed inside already).
COMPRESSIBLE = re.compile(r"text/|application/(json|xml|atom\+xml|ld\+json)")
# The codings a kept text is ready in, the most compact first. Brotli's quality 5 is within a
# fifth of its best (11) at a thirtieth of the time: 0.4 ms for a page rather than 12, which a
# search seen for the first time would otherwise wait for.
CODINGS = {
    "br": lambda content: brotli.compress(content, mode=brotli.MODE_TEXT, quality=5),
    "gzip": lambda content: gzip.compress(content, compresslevel=9, mtime=0),
}


def without_tracking(query):
    """A copy of `query` (a QueryDict) without its tracking parameters (utm_*, fbclid, gclid)."""
    query = query.copy()
    for name in list(query):
        if TRACKING_PARAMETER.fullmatch(name):
            del query[name]
    return query


def serve_kept(request, render, *, key, public=True):
    """Return the response `render()` gives, kept in the cache under `key` (a tuple naming the
    rendering, e.g. ("page", slug)) and what it is made from.

    `render` is called on a cache miss only; a (template) response from it other than 200 (a 404
    or a 410) is returned as it is, never kept. `public=False` is for previews: keep the
    rendering (its `key` must then hold the content's own version) but let no shared cache store
    the response. With `settings.KEEP_RENDERINGS` off, every request renders its own.
    """
    version = public_version() if public else None
    if not settings.KEEP_RENDERINGS or (version is not None and version.number is None):
        # Keeping is off, or the cache is unavailable (no version is known to be current, so
        # nothing may be kept): this request's own rendering, for no one to keep.
        return _never_cached(_rendered(render()))
    made_from = [
        *map(str, key),
        # SITE_URL, or the request's scheme and host when it is not set.
        site_origin(request),
        design_version(),
        str(version.number) if version else "preview",
    ]
    cache_key = (
        f"kept-{KEPT_FORMAT}-" + hashlib.sha256("\n".join(made_from).encode()).hexdigest()[:40]
    )

    kept = _recently_served.get(cache_key) or cache.get(cache_key)
    if kept is None:
        if not_modified := _not_modified_without_rendering(request, cache_key):
            return _with_cache_headers(not_modified, version)
        kept = _render_once(cache_key, render)
        if isinstance(kept, HttpResponse):
            return kept
    _recently_served.add(cache_key, kept)
    response = _respond(request, cache_key, kept, version)
    if version is not None:
        # What KeptRenderingsMiddleware needs to serve this address again without the view.
        response.kept_as = (cache_key, version.number)
    return response


def _respond(request, cache_key, kept, version):
    """The response to `request` from `kept`, the rendering kept under `cache_key`: a 304 if the
    browser's copy is current, else the most compact coding the browser accepts."""
    coding = _coding_for(request, kept["bodies"])
    etag = f'"{cache_key}{"-" + coding if coding else ""}"'
    if _is_conditional(request) and (
        not_modified := get_conditional_response(
            request, etag=etag, last_modified=kept["last_modified"]
        )
    ):
        response = not_modified
    else:
        response = HttpResponse(kept["bodies"][coding], headers=kept["headers"])
        response["ETag"] = etag
        if coding:
            response["Content-Encoding"] = coding
    if len(kept["bodies"]) > 1:
        patch_vary_headers(response, ["Accept-Encoding"])
    return _with_cache_headers(response, version)


def _is_conditional(request):
    return "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META


class KeptRenderingsMiddleware:
    """Serves a public rendering again, for an address this process has served it at, without
    the rest of the middleware and the view: a kept page then costs what the health check does.

    After the view has answered an address (path and query string, on the site's origin) with a
    rendering kept under the current public version, the next request for that address, under
    that version, is answered from the same kept rendering by `_respond` (ETag, 304, coding), with
    the headers the view and the inner middleware added (Vary, Content-Disposition, CORS,
    X-Frame-Options). Only anonymous GETs (no session cookie: a previewer sees drafts) and only
    while the cache holds the public version; anything else, and any address not seen under this
    version, goes to the view as usual. Sits after CommonMiddleware, whose Host check and
    Content-Length apply to these answers too.
    """

    # Headers `_respond` makes for each request, or takes from the kept rendering.
    MADE_PER_REQUEST = frozenset(
        [
            *("cache-control", "content-encoding", "content-length", "content-type", "etag"),
            *("expires", "last-modified", "vary"),
        ]
    )

    def __init__(self, get_response):
        self.get_response = get_response
        # (address, origin, public version) -> (cache key, {header: value}, [vary]).
        self.served = _RecentlyServed(size=1000)

    def __call__(self, request):
        if not (
            settings.KEEP_RENDERINGS
            and request.method == "GET"
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        ):
            return self.get_response(request)
        version = stored_public_version()
        address = (request.get_full_path(), site_origin(request))
        if (
            version is not None
            and version.is_current()
            and (served := self.served.get((*address, version.number)))
        ):
            cache_key, headers, vary = served
            if (kept := _recently_served.get(cache_key)) is not None:
                response = _respond(request, cache_key, kept, version)
                for name, value in headers.items():
                    response[name] = value
                patch_vary_headers(response, vary)
                return response
        response = self.get_response(request)
        kept_as = getattr(response, "kept_as", None)
        if kept_as is not None and response.status_code == 200:
            cache_key, number = kept_as
            headers = {
                name: value
                for name, value in response.items()
                if name.lower() not in self.MADE_PER_REQUEST
            }
            vary = [name.strip() for name in response.get("Vary", "").split(",") if name.strip()]
            self.served.add((*address, number), (cache_key, headers, vary))
        return response


class _RecentlyServed:
    """What this process served last, by key: least recently used first out. What a cache key
    names never changes (a new version is a new key), so a rendering here is as current as the
    shared cache's, and a hit skips reading and unpickling it from there: only the public version
    is read for each request."""

    def __init__(self, size):
        self.size, self.kept, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, cache_key):
        with self.lock:
            kept = self.kept.get(cache_key)
            if kept is not None:
                self.kept.move_to_end(cache_key)
            return kept

    def add(self, cache_key, kept):
        with self.lock:
            self.kept[cache_key] = kept
            self.kept.move_to_end(cache_key)
            while len(self.kept) > self.size:
                self.kept.popitem(last=False)


# A few megabytes at most: pages are about 15 KB with their compressed copies, factsheets 25 KB.
_recently_served = _RecentlyServed(size=100)


def _render_once(cache_key, render):
    """Return the rendering kept under `cache_key` (rendered here, or by a request that was
    already rendering it), or `render()`'s response when it is not to be kept."""
    lock_key = cache_key + "-rendering"
    deadline = time.monotonic() + RENDER_WAIT_SECONDS
    while True:
        if cache.add(lock_key, True, RENDER_WAIT_SECONDS):
            try:
                return _render_and_keep(cache_key, render)
            finally:
                cache.delete(lock_key)
        # No lock, yet none could be taken: the cache failed. Or waited long enough.
        if cache.get(lock_key) is None or time.monotonic() > deadline:
            return _render_and_keep(cache_key, render)
        time.sleep(RENDER_POLL_SECONDS)
        if (kept := cache.get(cache_key)) is not None:
            return kept


def _render_and_keep(cache_key, render):
    response = _rendered(render())
    if response.status_code != 200:
        return response
    content = response.content
    headers = {name: response[name] for name in KEPT_HEADERS if name in response}
    bodies = {None: content}
    if COMPRESSIBLE.match(headers.get("Content-Type", "")):
        bodies |= {coding: compress(content) for coding, compress in CODINGS.items()}
    last_modified = parse_http_date_safe(headers.get("Last-Modified", ""))
    kept = {"bodies": bodies, "headers": headers, "last_modified": last_modified}
    cache.set(cache_key, kept, CACHE_SECONDS)
    return kept


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
    """The codings an Accept-Encoding header accepts (a frozenset); browsers send a handful of
    headers, read once each."""
    accepted = set()
    for item in header.split(","):
        coding, _, parameters = item.strip().partition(";")
        if not re.fullmatch(r"\s*q\s*=\s*0(\.0*)?\s*", parameters):
            accepted.add(coding.strip().lower())
    return frozenset(accepted)


def _not_modified_without_rendering(request, cache_key):
    """A 304 for a browser whose copy (in any coding) is current although the cache no longer
    holds it, or None."""
    current = {f'"{cache_key}{suffix}"' for suffix in ("", *(f"-{c}" for c in CODINGS))}
    for etag in parse_etags(request.META.get("HTTP_IF_NONE_MATCH", "")):
        if etag.removeprefix("W/") in current:
            return get_conditional_response(request, etag=etag)
    return None


def _with_cache_headers(response, version):
    if version is None:
        add_never_cache_headers(response)
    else:
        patch_cache_control(response, public=True, max_age=version.max_age(PUBLIC_MAX_AGE))
    return response


def _never_cached(response):
    add_never_cache_headers(response)
    return response
