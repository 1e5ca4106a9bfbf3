"""The site's own name and address, as settings.SITE_NAME and settings.SITE_URL give them."""

from urllib.parse import urlsplit

from django.conf import settings
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
