from .site import absolute_url


def canonical_url(request):
    """This page's canonical link by default: its address without its query string.

    Views whose query string picks what the page shows (the catalogue) put their own
    `canonical_url` in the context. The site's name comes from the `site_name` template tag, which
    also works where no request is at hand (the 500 page, the factsheet).
    """
    return {"canonical_url": absolute_url(request, request.path)}
