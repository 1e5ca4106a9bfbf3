"""The site's own name and address, as settings.SITE_NAME and settings.SITE_URL give them."""

import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.encoding import iri_to_uri


def site_origin(request):
    """Return the origin absolute URLs are made with: SITE_URL when it is set, else the
    request's own scheme and host."""
    return settings.SITE_URL or f"{request.scheme}://{request.get_host()}"


def absolute_url(request, path):
    """Return the absolute URL of `path` (which starts with "/") on this site.

    With SITE_URL set, neither the request's Host header nor its scheme changes the result, so a
    rendering that prints it is the same whoever asked for it.
    """
    return iri_to_uri(site_origin(request) + path)


class PinnedOriginSitemapMixin:
    """Makes a sitemap's addresses with SITE_URL's scheme and host when it is set (Django's
    sitemap view otherwise takes both from the request)."""

    def get_protocol(self, protocol=None):
        if settings.SITE_URL:
            return urlsplit(settings.SITE_URL).scheme
        return super().get_protocol(protocol)

    def get_domain(self, site=None):
        if settings.SITE_URL:
            return urlsplit(settings.SITE_URL).netloc
        return super().get_domain(site)


# What stands for the slug in an address reversed once; none of the site's other path segments.
_SLUG = "slug"


@functools.lru_cache
def _address_around_slug(viewname, script_prefix, urlconf, has_slug):
    if not has_slug:
        return reverse(viewname), ""
    before, after = reverse(viewname, kwargs={"slug": _SLUG}).rsplit(_SLUG, 1)
    return before, after


def address(viewname, slug=None):
    """reverse(viewname), with `slug` if given, worked out once for each address, script prefix
    and URLconf rather than on every call: a catalogue page asks for its own address several
    times, and for twenty qualifications'. A slug is URL-safe as it is."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    before, after = _address_around_slug(viewname, get_script_prefix(), urlconf, slug is not None)
    return f"{before}{slug}{after}" if slug is not None else before
