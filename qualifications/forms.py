from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from django.urls import reverse

# Longer than any title; the search box will not take more.
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class CatalogueCriteria:
    """A catalogue search, validated: what the QuerySet is asked for."""

    q: str = ""
    level: int | None = None
    subject: str = ""
    organisation: int | None = None
    page: int | None = None


class CatalogueSearchForm(forms.Form):
    """The catalogue's query string: `q`, the filters `level`, `subject` and `organisation`, `page`.

    A search that cannot be understood (longer than the box allows, or with a NUL byte) leaves the
    form unusable, and the view answers 400. A filter or page that does not fit (a level no
    qualification has, an organisation since removed, `page=abc`) is dropped and the rest of the
    search still runs, so a link shared before the catalogue changed still lands somewhere useful.
    Repeated parameters count once, the last one winning, as everywhere in Django.
    """

    FILTERS = ("level", "subject", "organisation")

    q = forms.CharField(
        label="Search qualifications",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.SearchInput(attrs={"class": "search__input"}),
    )
    level = forms.TypedChoiceField(label="Level", required=False, coerce=int, empty_value=None)
    subject = forms.ChoiceField(label="Subject area", required=False)
    organisation = forms.TypedChoiceField(
        label="Awarding organisation", required=False, coerce=int, empty_value=None
    )
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, data, *, facets):
        # Plain ids ("q", "level"), which the page's labels and styles rely on.
        super().__init__(data, auto_id="%s", label_suffix="")
        self.fields["level"].choices = [("", "Any level"), *facets.levels]
        self.fields["subject"].choices = [
            ("", "Any subject area"),
            *((name, name) for name in facets.subject_areas),
        ]
        self.fields["organisation"].choices = [
            ("", "Any awarding organisation"),
            *facets.awarding_organisations,
        ]
        for name in self.FILTERS:
            self.fields[name].widget.attrs["class"] = "filters__select"

    def is_understood(self):
        """Whether the search can run: the query itself is fine (filters may have been dropped)."""
        return self.is_bound and "q" not in self.errors

    @property
    def criteria(self):
        cleaned = self.cleaned_data
        return CatalogueCriteria(
            q=cleaned.get("q") or "",
            level=cleaned.get("level"),
            subject=cleaned.get("subject") or "",
            organisation=cleaned.get("organisation"),
            page=cleaned.get("page"),
        )

    @property
    def ignored_filters(self):
        """The labels of filters given that were not recognised and so were left out."""
        return [self.fields[name].label for name in self.FILTERS if name in self.errors]

    @property
    def filter_fields(self):
        """The filters worth showing: those with at least one value to choose."""
        return [self[name] for name in self.FILTERS if len(self.fields[name].choices) > 1]

    def _label(self, name):
        value = self.cleaned_data.get(name)
        if value in (None, ""):
            return ""
        return dict(self.fields[name].choices)[value]

    def describe(self):
        """The search in words, for headings and messages: “mediation” at Level 4, …"""
        criteria = self.criteria
        parts = [f"“{criteria.q}”"] if criteria.q else []
        filters = [label for label in map(self._label, self.FILTERS) if label]
        if filters:
            parts.append(("with " if parts else "") + ", ".join(filters))
        return " ".join(parts)

    def clean_query(self, page=None):
        """The search as a query string without anything unknown or empty, e.g. for canonical
        links: a QueryDict of q, the filters and (if `page` is over 1) the page."""
        criteria = self.criteria
        values = {
            "q": criteria.q,
            "level": criteria.level,
            "subject": criteria.subject,
            "organisation": criteria.organisation,
            "page": page if page and page > 1 else None,
        }
        query = QueryDict(mutable=True)
        query.update(
            {name: str(value) for name, value in values.items() if value not in (None, "")}
        )
        return query

    def url(self, page=None):
        """The catalogue's address for this search, with only what it needs."""
        query = self.clean_query(page=page)
        return reverse("qualifications:list") + (f"?{query.urlencode()}" if query else "")

    def link_query(self, page=None):
        """The query string a catalogue link carries to a qualification page, so that its
        breadcrumbs lead back to this very page of results: "?from=…", or "" if no search."""
        query = self.clean_query(page=page)
        return "?" + urlencode({"from": query.urlencode()}) if query else ""
