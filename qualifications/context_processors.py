from django.utils.functional import SimpleLazyObject

from .site import absolute_url


def canonical_url(request):
    """This page's address without its query string: the default canonical link.

    Views whose query string picks what the page shows (the catalogue) put their own in the
    context. Worked out only when a template prints it: the 400 page, which prints none, is also
    the answer to a request whose Host header is not allowed, and must not ask for that host.
    """
    return {"canonical_url": SimpleLazyObject(lambda: absolute_url(request, request.path))}
