def canonical_url(request):
    """This page's address without its query string: the default canonical link.

    Views whose query string picks what the page shows (the catalogue) put their own in the context.
    """
    return {"canonical_url": request.build_absolute_uri(request.path)}
