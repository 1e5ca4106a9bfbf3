from django.db import models
from django.db.models import Prefetch

from .choices import Status


class QualificationQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        """Published qualifications, and drafts too for staff, who preview them."""
        return self if user.is_staff else self.published()

    def for_catalogue(self):
        return self.select_related("awarding_organisation").order_by("title")

    def for_detail_page(self):
        """Everything the page and the factsheet render, in a fixed number of queries."""
        from .models import EmployerSupport

        return self.select_related("awarding_organisation").prefetch_related(
            "audiences",
            "progression_roles",
            Prefetch(
                "employer_supports",
                queryset=EmployerSupport.objects.select_related("employer"),
            ),
        )
