from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from .models import Qualification, Unit
from .site import PinnedOriginSitemapMixin


class CatalogueSitemap(PinnedOriginSitemapMixin, Sitemap):
    """The catalogue's first page, last modified when a published qualification last was."""

    def items(self):
        return ["qualifications:list"]

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        return Qualification.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class QualificationSitemap(PinnedOriginSitemapMixin, Sitemap):
    """Every published qualification's page."""

    def items(self):
        return Qualification.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, qualification):
        return qualification.updated_at


class UnitSitemap(PinnedOriginSitemapMixin, Sitemap):
    """Every unit of a published qualification: its own page."""

    def items(self):
        return Unit.objects.published().only("reference", "code", "updated_at").order_by("pk")

    def lastmod(self, unit):
        return unit.updated_at


SITEMAPS = {
    "catalogue": CatalogueSitemap,
    "qualifications": QualificationSitemap,
    "units": UnitSitemap,
}
