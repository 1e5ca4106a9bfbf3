"""The PDF factsheet: the page's section templates, typeset by WeasyPrint for A4."""

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils._os import safe_join
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# WeasyPrint resolves relative URLs against this base; it names no real host, so nothing here can
# reach the network even if the fetcher below were bypassed.
BASE_URL = "https://factsheet.invalid/"

logger = logging.getLogger(__name__)


class StaticFilesOnlyFetcher(URLFetcher):
    """Serves the project's own static files from disk and refuses every other URL."""

    def fetch(self, url, headers=None):
        path = static_file_for(url)
        if path is None:
            raise ValueError(f"The factsheet renderer may not fetch {url!r}")
        content_type, _ = mimetypes.guess_type(path)
        with open(path, "rb") as file:
            body = file.read()
        return URLFetcherResponse(
            url, body=body, headers={"Content-Type": content_type or "application/octet-stream"}
        )


def static_file_for(url):
    """Return the path on disk of the static file that `url` names, or None if it names none."""
    parts = urlsplit(url)
    static_prefix = "/" + settings.STATIC_URL.lstrip("/")
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith(static_prefix):
        return None
    name = unquote(parts.path.removeprefix(static_prefix))
    try:
        # The static folders first: they hold the current files, where a STATIC_ROOT left from an
        # earlier collectstatic may not. Only collectstatic's hashed copies (production) are in
        # STATIC_ROOT alone.
        source = finders.find(name)
        if source:
            return Path(source)
        collected = Path(safe_join(settings.STATIC_ROOT, name))
        return collected if collected.is_file() else None
    except SuspiciousFileOperation:
        return None


def render_factsheet(qualification, page_url=None):
    """Return the qualification's factsheet as PDF bytes; `page_url`, the address of its page on
    the web, is printed on it so a reader of the paper copy can find the page."""
    try:
        # The factsheet gives its documents' absolute addresses: the page's, less its path.
        origin = (page_url or "").removesuffix(qualification.get_absolute_url())
        html = render_to_string(
            "qualifications/factsheet.html",
            {
                "qualification": qualification,
                "page_url": page_url,
                "origin": origin,
                "factsheet": True,
            },
        )
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesOnlyFetcher())
        return document.write_pdf(pdf_tags=True)
    except Exception as error:
        # Django logs the traceback under the same request id; this line says which
        # qualification it was, which the traceback does not.
        logger.error(
            "The factsheet of qualification %r failed to render: %r", qualification.slug, error
        )
        raise
