import logging
import math

from django.conf import settings
from django.contrib.sitemaps.views import sitemap
from django.core.exceptions import BadRequest, TooManyFieldsSent
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, HttpResponseGone, JsonResponse, QueryDict
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import (
    add_never_cache_headers,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.functional import cached_property
from django.utils.http import http_date
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.defaults import bad_request
from django.views.generic import DetailView, ListView

from qualsite.cache import cache_is_available

from . import documents, opendata, structured_data
from .forms import OFFERED_IN_FIELDS, CatalogueSearchForm
from .kept import PUBLIC_MAX_AGE, kept_value, release, serve_kept, without_tracking
from .models import DocumentKind, PendingChange, Qualification, factsheet_filename
from .permissions import can_preview
from .querysets import DocumentAddress
from .search import suggestion as spelling_suggestion
from .services import catalogue_version
from .site import absolute_url
from .sitemaps import SITEMAPS

logger = logging.getLogger(__name__)


def catalogue_facets(version=None):
    """The catalogue's filter values (CatalogueFacets), counted once per version of the
    catalogue (`version`, or the current one) and kept, not on every request."""
    number, _ = version or catalogue_version()
    return kept_value(
        f"catalogue-facets-{number}-{release()}", Qualification.objects.catalogue_facets
    )


def serve_catalogue_kept(request, render, *, key, version=None):
    """serve_kept() for a rendering of the catalogue (listings, open data, feed, sitemap), kept
    under the catalogue's version (`version`, or the current one)."""

    def kept_under(version):
        number, next_change = version
        return (*key, number), next_change

    return serve_kept(
        request,
        render,
        *kept_under(version or catalogue_version()),
        recheck=lambda: kept_under(catalogue_version()),
    )


def serve_qualification_kept(request, render, *, key, slug, previewer=False):
    """serve_kept() for a rendering of one qualification (its page, factsheet, JSON), kept under
    its own version; `render` is given it. One that is not live is not kept, unless for a
    `previewer`, then privately; one that does not exist is withdrawn_response()'s."""
    qualification = Qualification.objects.keeping(slug)
    if qualification is None or not (previewer or qualification.is_live()):
        return withdrawn_response(request, slug)

    def kept_under(qualification):
        return (*key, slug, *qualification.kept_version()), qualification.next_scheduled_change()

    def recheck():
        now = Qualification.objects.keeping(slug)
        return kept_under(now) if now is not None and now.is_live() else None

    return serve_kept(
        request,
        lambda: render(qualification),
        *kept_under(qualification),
        public=qualification.is_live(),
        recheck=recheck,
    )


class CataloguePaginator(Paginator):
    """A Paginator that takes the count it is given (a listing's, from the filters' values) or
    counts a search up to `limit` + 1: past `limit`, `counted_all` is False and the pages are
    those of the best `limit`."""

    def __init__(self, object_list, per_page, *, count=None, limit=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.limit, self.counted_all = limit, True
        if count is not None:
            self.count = count  # in place of the cached property

    def page(self, number):
        # The page's keys first, in order, then their rows: sorting every match's whole row to
        # reach a deep page took 24 of the 30 ms of /?page=250 at 10,000 on PostgreSQL, where its
        # keys alone are read from the catalogue index.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = self.object_list.model.objects.for_catalogue().in_bulk(keys)
        return self._get_page([rows[key] for key in keys], number, self)

    @cached_property
    def count(self):
        if self.limit is None:
            return super().count
        # Counted without the rank, which a count does not need.
        total = self.object_list.order_by().values("pk")[: self.limit + 1].count()
        self.counted_all = total <= self.limit
        return min(total, self.limit)


class QualificationListView(ListView):
    template_name = "qualifications/qualification_list.html"
    context_object_name = "qualifications"
    paginate_by = 20
    paginator_class = CataloguePaginator

    def get(self, request, *args, **kwargs):
        version = catalogue_version()
        self.facets = catalogue_facets(version)
        self.search = CatalogueSearchForm(request.GET, facets=self.facets)
        if not self.search.is_understood():
            # The site's 400 page, without the traceback Django would log for raising BadRequest:
            # a mangled query string is the visitor's mistake, not the site's.
            return bad_request(request, BadRequest("The catalogue search could not be understood."))
        # A search for exactly one qualification's number goes straight to its page.
        if found := self.filtered().numbered(self.search.criteria.q):
            return redirect(found)
        # Kept under the search as the form understood it: the same search by any address (other
        # parameter order, unknown parameters) is one rendering, but a filter left out is part of
        # it, because the page says so.
        return serve_catalogue_kept(
            request,
            lambda: super(QualificationListView, self).get(request, *args, **kwargs),
            key=(
                "catalogue",
                self.search.url(page=self.search.criteria.page),
                *self.search.ignored_filters,
            ),
            version=version,
        )

    def filters(self):
        """The search's filters, as filter_by() and CatalogueFacets.count() take them."""
        criteria = self.search.criteria
        return {
            "level": criteria.level,
            "subject_area": criteria.subject,
            "awarding_organisation": criteria.organisation,
            "offered_in": OFFERED_IN_FIELDS.get(criteria.offered_in, ""),
        }

    def filtered(self):
        return Qualification.objects.published().filter_by(**self.filters())

    def get_queryset(self):
        # The paginator reads each page's rows with for_catalogue().
        q = self.search.criteria.q
        return self.filtered().search(q) if q else self.filtered().order_by("title", "pk")

    def get_paginator(self, queryset, per_page, **kwargs):
        if self.search.criteria.q:
            kwargs["limit"] = settings.CATALOGUE_SEARCH_LIMIT
        else:
            # A listing is counted from the filters' values, kept per version.
            kwargs["count"] = self.facets.count(**self.filters())
        return super().get_paginator(queryset, per_page, **kwargs)

    def paginate_queryset(self, queryset, page_size):
        # A page past the end shows the last one, rather than a 404 for a link gone stale.
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.search.criteria.page or 1)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page_obj = context["page_obj"]
        page = page_obj.number
        suggestion = None
        if not page_obj.paginator.count and self.search.criteria.q:
            suggestion = spelling_suggestion(self.search.criteria.q, self.filtered())
        return context | {
            "search": self.search,
            "previous_url": page_obj.has_previous() and self.search.url(page=page - 1),
            "next_url": page_obj.has_next() and self.search.url(page=page + 1),
            "result_link_query": self.search.link_query(page=page),
            # Without unknown parameters, empty filters or page=1: one address per state.
            "canonical_url": absolute_url(self.request, self.search.url(page=page)),
            "suggestion": suggestion,
            "suggestion_url": suggestion and self.search.url(q=suggestion),
        }


class QualificationDetailView(DetailView):
    template_name = "qualifications/qualification_detail.html"
    context_object_name = "qualification"

    def get(self, request, *args, **kwargs):
        # The page at its canonical address (no query string, as search engines and shared links
        # give it, or only tracking parameters) is kept in the cache for the public. Previews, and
        # pages with a query string (breadcrumbs back to a search), are rendered each time.
        if without_tracking(request.GET) or previewing(request):
            return self.render_page(request, *args, **kwargs)
        return kept_for_the_public(
            serve_qualification_kept(
                request,
                lambda _: self.render_page(request, *args, **kwargs),
                key=("page",),
                slug=kwargs["slug"],
            )
        )

    def render_page(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            return withdrawn_response(request, kwargs["slug"])

    def get_queryset(self):
        return Qualification.objects.visible_to(self.request.user).for_detail_page()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        url = absolute_url(self.request, self.object.get_absolute_url())
        came_from = self.came_from()
        pending_preview = getattr(self.request, "pending_preview", None)
        return context | {
            "pending_preview": pending_preview,
            "pending_factsheet_url": pending_preview
            and reverse(
                "admin:qualifications_qualification_preview_factsheet", args=[self.object.pk]
            ),
            "pending_change_url": self.pending_change_url() if not pending_preview else None,
            "structured_data": structured_data.credential(self.object, url),
            "came_from": came_from,
            "came_from_url": came_from.url(page=came_from.criteria.page) if came_from else None,
        }

    def pending_change_url(self):
        """For staff who may preview, the admin's preview of this qualification's pending change,
        if it has one; None for the public, at no cost."""
        if not previewing(self.request) or not self.object.is_live():
            return None
        if not PendingChange.objects.filter(qualification=self.object).exists():
            return None
        return reverse("admin:qualifications_qualification_preview", args=[self.object.pk])

    def came_from(self):
        """The catalogue search the visitor followed a link from, re-validated, or None.

        Catalogue links carry it as `?from=<the search's query string>`. It goes through the
        catalogue's own form and only ever becomes a link to the catalogue, never an address of
        its own; the page's canonical link leaves it out.
        """
        query_string = self.request.GET.get("from", "")
        if not query_string:
            return None
        try:
            data = QueryDict(query_string)
        except TooManyFieldsSent:
            return None
        search = CatalogueSearchForm(data, facets=catalogue_facets())
        if not search.is_understood() or not search.clean_query(page=search.criteria.page):
            return None
        return search

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response["Last-Modified"] = http_date(self.object.updated_at.timestamp())
        if not self.object.is_live():
            # A preview of a draft, scheduled or withdrawn qualification must never sit in a
            # shared cache.
            add_never_cache_headers(response)
        return response


@require_safe
def factsheet_view(request, slug):
    # WeasyPrint takes about a second to import: only this view pays for it, not every
    # management command (under gunicorn it is already loaded, see gunicorn.conf.py).
    from .factsheets import render_factsheet

    def render(qualification):
        qualification = Qualification.objects.for_detail_page().get(pk=qualification.pk)
        page_url = absolute_url(request, qualification.get_absolute_url())
        response = HttpResponse(
            render_factsheet(qualification, page_url=page_url), content_type="application/pdf"
        )
        response["Last-Modified"] = http_date(qualification.updated_at.timestamp())
        return response

    response = kept_for_the_public(
        serve_qualification_kept(
            request, render, key=("factsheet",), slug=slug, previewer=previewing(request)
        )
    )
    if response.status_code in (200, 304):
        response["Content-Disposition"] = f'attachment; filename="{factsheet_filename(slug)}"'
    return response


# DOCUMENTS: served by a view, never from a public URL of the storage, so a qualification's
# documents are seen by whoever may see its page, and no one else.


# Read once: DocumentKind.values builds its list on every call.
DOCUMENT_KINDS = frozenset(DocumentKind.values)


@require_safe
def document_view(request, slug, kind, document="", language="en"):
    """The version of a document in effect today: the address other sites link to."""
    if kind not in DOCUMENT_KINDS:
        raise Http404("No such kind of document.")
    return _document_response(
        request, slug, DocumentAddress(kind=kind, language=language, slug=document)
    )


@require_safe
def document_version_view(request, slug, pk):
    """One version of a document, at its permanent address."""
    return _document_response(request, slug, DocumentAddress(pk=pk))


def _document_response(request, slug, address):
    # Seen by whoever may see the qualification's page: 404 or 410 as the page answers;
    # staff who may preview see every version, those not yet in effect too.
    today = timezone.localdate()
    qualification = Qualification.objects.keeping(slug, document=address, today=today)
    if qualification is None:
        raise Http404("No qualification has that address.")
    public = qualification.is_live()
    if not public and not previewing(request):
        return withdrawn_response(request, slug)
    document = qualification.serving_document
    if document is None or (document.effective_from > today and not previewing(request)):
        raise Http404("No such document.")
    if document.purged_at is not None:
        response = HttpResponseGone(
            "This document was removed.\n", content_type="text/plain; charset=utf-8"
        )
        add_never_cache_headers(response)
        return response
    if public and documents.sent_whole(document):
        # Kept as a page is: what an address serves is decided by the qualification's own
        # version (its documents' changes move it on, and so does a version taking effect).
        def kept_under(qualification):
            key = ("document", slug, address, *qualification.kept_version())
            return key, qualification.next_scheduled_change()

        def recheck():
            now = Qualification.objects.keeping(slug)
            return kept_under(now) if now is not None and now.is_live() else None

        response = serve_kept(
            request,
            lambda: documents.whole_file_response(document),
            *kept_under(qualification),
            recheck=recheck,
        )
        if response.status_code in (200, 304):
            response["Content-Disposition"] = documents.disposition(document)
        return kept_for_the_public(response)
    max_age = PUBLIC_MAX_AGE
    if (next_change := qualification.next_scheduled_change()) is not None:
        max_age = min(max_age, math.floor((next_change - timezone.now()).total_seconds()))
    return kept_for_the_public(
        documents.file_response(request, document, public=public, max_age=max_age)
    )


def previewing(request):
    """True if the visitor may preview drafts. A request without a session cookie is answered
    without loading a session: a kept page then costs no more than the health check."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return can_preview(request.user)


def kept_for_the_public(response):
    """`response`, marked as differing with the cookie: a previewer's copy is not the public's,
    so no shared cache may give one to the other."""
    patch_vary_headers(response, ["Cookie"])
    return response


# OPEN DATA: published qualifications only, kept like the pages, readable from any site.


def _readable_anywhere(response):
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _json_error(status, message):
    return JsonResponse({"error": message}, status=status)


@require_safe
def catalogue_json_view(request):
    page = request.GET.get("page", "1")

    def render():
        data = opendata.catalogue_page(page, lambda path: absolute_url(request, path))
        if data is None:
            return _json_error(404, "No such page: ?page= takes a number from 1 to the pages.")
        return JsonResponse(data)

    return _readable_anywhere(serve_catalogue_kept(request, render, key=("catalogue.json", page)))


@require_safe
def qualification_json_view(request, slug):
    def render(qualification):
        qualification = Qualification.objects.for_detail_page().get(pk=qualification.pk)
        return JsonResponse(
            opendata.qualification_data(qualification, lambda path: absolute_url(request, path))
        )

    try:
        response = serve_qualification_kept(request, render, key=("qualification.json",), slug=slug)
    except Http404:
        response = _json_error(404, "No qualification has that address.")
    if response.status_code == 410:
        response = _json_error(410, "This qualification has been withdrawn.")
    return _readable_anywhere(response)


@require_safe
def catalogue_csv_view(request):
    def render():
        return HttpResponse(
            opendata.catalogue_csv(lambda path: absolute_url(request, path)),
            content_type="text/csv; charset=utf-8",
        )

    response = _readable_anywhere(serve_catalogue_kept(request, render, key=("catalogue.csv",)))
    response["Content-Disposition"] = 'attachment; filename="qualifications.csv"'
    return response


@require_safe
def fees_csv_view(request):
    def render():
        return HttpResponse(opendata.fees_csv(), content_type="text/csv; charset=utf-8")

    response = _readable_anywhere(serve_catalogue_kept(request, render, key=("fees.csv",)))
    response["Content-Disposition"] = 'attachment; filename="fees.csv"'
    return response


@require_safe
def feed_view(request):
    return _readable_anywhere(
        serve_catalogue_kept(request, lambda: opendata.QualificationFeed()(request), key=("feed",))
    )


@require_safe
def sitemap_view(request):
    return serve_catalogue_kept(
        request, lambda: sitemap(request, sitemaps=SITEMAPS), key=("sitemap",)
    )


def withdrawn_response(request, slug):
    """The 410 Gone page of a withdrawn qualification; Http404 if `slug` names none."""
    qualification = (
        Qualification.objects.withdrawn()
        .filter(slug=slug)
        .only("title", "qualification_number")
        .first()
    )
    if qualification is None:
        raise Http404("No qualification has that address.")
    return HttpResponseGone(render_to_string("410.html", {"qualification": qualification}, request))


@never_cache
@require_safe
def healthz_view(request):
    """200 when the database answers, 503 when it does not: for a load balancer's health check.

    The body also says whether the cache answers; without it the site is slower but still serves,
    so a cache outage alone never takes a server out of the load balancer.
    """
    try:
        with connection.cursor() as cursor:
            # Raw: whether the database answers at all, asking no table (the ORM always does).
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        # The reason in a word; the details (hosts, ports) go to the log, not to the public.
        logger.warning("health check: database unavailable: %s", error)
        return HttpResponse(
            f"database unavailable ({type(error).__name__})\n",
            status=503,
            content_type="text/plain",
        )
    cache_state = "ok" if cache_is_available() else "unavailable, serving without it"
    return HttpResponse(f"database ok\ncache {cache_state}\n", content_type="text/plain")


@require_safe
def robots_txt_view(request):
    """Everything may be crawled; the sitemap lists every published qualification and unit."""
    sitemap_url = absolute_url(request, reverse("sitemap"))
    response = HttpResponse(
        f"User-agent: *\nDisallow:\n\nSitemap: {sitemap_url}\n",
        content_type="text/plain; charset=utf-8",
    )
    patch_cache_control(response, public=True, max_age=86400)
    return response
