"""Serve a rendering kept in the cache: rendered once per version, then served with an ETag,
Last-Modified and Cache-Control, and a 304 when the browser's copy is current.

One mechanism for every public rendering (qualification pages, factsheets, the catalogue, open
data): the cache key and the ETag are made from everything the rendering prints — its own key
parts, the request's scheme and host (pages hold absolute URLs), the design (templates and
stylesheets) and, for public renderings, the public content's version (versions.py), which changes
after every edit, publish or withdrawal and when a scheduled date passes.
"""

import hashlib

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
)
from django.utils.http import parse_http_date_safe

from .versions import CACHE_SECONDS, design_version, public_version

# How long a browser or CDN may keep a public rendering without asking again (at most: never past
# the public content's next scheduled change).
PUBLIC_MAX_AGE = 300
# The headers of a rendering that are kept with its body.
KEPT_HEADERS = ("Content-Type", "Last-Modified")


def serve_kept(request, render, *, key, public=True):
    """Return the response `render()` gives, kept in the cache under `key` (a tuple naming the
    rendering, e.g. ("page", slug)) and what it is made from.

    `render` is called on a cache miss only; a (template) response from it other than 200 (a 404
    or a 410) is returned as it is, never kept. `public=False` is for previews: keep the
    rendering (its `key` must then hold the content's own version) but let no shared cache store
    the response.
    """
    version = public_version() if public else None
    made_from = [
        *map(str, key),
        request.scheme,
        request.get_host(),
        design_version(),
        str(version.number) if version else "preview",
    ]
    cache_key = "kept-" + hashlib.sha256("\n".join(made_from).encode()).hexdigest()[:40]
    etag = f'"{cache_key}"'

    kept = cache.get(cache_key)
    if kept is None:
        if not_modified := get_conditional_response(request, etag=etag):
            return _with_cache_headers(not_modified, version)
        response = render()
        if response.status_code != 200:
            return response
        if not getattr(response, "is_rendered", True):
            response.render()
        kept = {
            "content": response.content,
            "headers": {name: response[name] for name in KEPT_HEADERS if name in response},
        }
        cache.set(cache_key, kept, CACHE_SECONDS)
    last_modified = parse_http_date_safe(kept["headers"].get("Last-Modified", ""))
    if not_modified := get_conditional_response(request, etag=etag, last_modified=last_modified):
        return _with_cache_headers(not_modified, version)
    response = HttpResponse(kept["content"], headers=kept["headers"])
    response["ETag"] = etag
    return _with_cache_headers(response, version)


def _with_cache_headers(response, version):
    if version is None:
        add_never_cache_headers(response)
    else:
        patch_cache_control(response, public=True, max_age=version.max_age(PUBLIC_MAX_AGE))
    return response
