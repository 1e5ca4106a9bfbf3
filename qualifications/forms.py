import html
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from django.utils.safestring import mark_safe

from .choices import Level
from .models import OFFERED_IN
from .site import address

# Longer than any title; the search box will not take more.
MAX_QUERY_LENGTH = 200


# The catalogue's `offered_in` values and their labels: england, wales, northern-ireland,
# internationally.
OFFERED_IN_FILTER = {label.lower().replace(" ", "-"): label for label in OFFERED_IN.values()}
# Each value's field.
OFFERED_IN_FIELDS = {label.lower().replace(" ", "-"): field for field, label in OFFERED_IN.items()}


def _offered_in_words(label):
    return label.lower() if label == "Internationally" else f"in {label}"


def _integer(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _html(text):
    # html.escape, as Django's escape() is, without its check for lazy text: these widgets write
    # out every catalogue page's form, and that check was most of their time.
    return html.escape(str(text))


def _attributes(attrs):
    # As flatatt() writes them: True as a bare name, False and None left out.
    return "".join(
        f" {name}" if value is True else f' {name}="{_html(value)}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )


class SearchBox(forms.SearchInput):
    """The search input written out in Python rather than through Django's three input
    templates; the same HTML. Every catalogue page shows it."""

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        return mark_safe(
            f'<input type="{self.input_type}" name="{_html(name)}"'
            + ("" if value is None else f' value="{_html(value)}"')
            + _attributes(self.build_attrs(self.attrs, attrs))
            + ">"
        )


class FilterSelect(forms.Select):
    """A select written out in Python rather than through the form templates, one of which
    Django renders per option: every catalogue page shows three, and the templates were a third of
    the page's rendering time. The same HTML, without the templates' blank lines.

    A filter value that names nothing is dropped, not an error to correct: the select shows what
    the search used, and is not marked invalid nor pointed at an error message no page shows.
    """

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {
            attribute: setting
            for attribute, setting in self.build_attrs(self.attrs, attrs).items()
            if attribute not in ("aria-invalid", "aria-describedby")
        }
        # As Select marks it: the first option whose value is the one given.
        (selected,) = self.format_value(value)
        options = []
        for option_value, label in self.choices:
            option_value = str(option_value)
            mark = " selected" if option_value == selected else ""
            if mark:
                selected = None
            options.append(f'<option value="{_html(option_value)}"{mark}>{_html(label)}</option>')
        options = "\n".join(options)
        return mark_safe(f'<select name="{_html(name)}"{_attributes(attrs)}>\n{options}\n</select>')


@dataclass(frozen=True)
class CatalogueCriteria:
    """A catalogue search, validated: what the QuerySet is asked for."""

    q: str = ""
    level: int | None = None
    subject: str = ""
    organisation: int | None = None
    offered_in: str = ""
    page: int | None = None


class CatalogueSearchForm(forms.Form):
    """The catalogue's query string: `q`, the filters `level`, `subject`, `organisation` and
    `offered_in`, `page`.

    A search that cannot be understood (longer than the box allows, or with a NUL byte) leaves the
    form unusable, and the view answers 400. A filter that names a real level, subject area or
    organisation is kept even if no published qualification has it now (the page then says there
    are none); one that names nothing (`level=99`, an organisation never seen) and a page that is
    no page number (`page=abc`) are dropped and the rest of the search still runs, so a link
    shared before the catalogue changed still lands somewhere useful.
    Repeated parameters count once, the last one winning, as everywhere in Django.
    """

    FILTERS = ("level", "subject", "organisation", "offered_in")

    q = forms.CharField(
        label="Search qualifications",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=SearchBox(attrs={"class": "search__input"}),
    )
    level = forms.TypedChoiceField(
        label="Level", required=False, coerce=int, empty_value=None, widget=FilterSelect
    )
    subject = forms.ChoiceField(label="Subject area", required=False, widget=FilterSelect)
    organisation = forms.TypedChoiceField(
        label="Awarding organisation",
        required=False,
        coerce=int,
        empty_value=None,
        widget=FilterSelect,
    )
    offered_in = forms.ChoiceField(
        label="Offered in",
        required=False,
        choices=[("", "Anywhere"), *OFFERED_IN_FILTER.items()],
        widget=FilterSelect,
    )
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, data, *, facets):
        # Plain ids ("q", "level"), which the page's labels and styles rely on.
        super().__init__(data, auto_id="%s", label_suffix="")
        # The values on offer, and the one asked for if it is real though nothing has it now.
        levels, subjects = list(facets.levels), [(name, name) for name in facets.subject_areas]
        organisations = list(facets.awarding_organisations)
        level, organisation = (
            _integer(self.data.get("level")),
            _integer(self.data.get("organisation")),
        )
        subject = self.data.get("subject")
        if level in Level.values and level not in dict(levels):
            levels.append((level, Level(level).label))
        if subject in facets.known_subject_areas and subject not in dict(subjects):
            subjects.append((subject, subject))
        known = facets.known_awarding_organisations or {}
        if organisation in known and organisation not in dict(organisations):
            organisations.append((organisation, known[organisation]))
        self.fields["level"].choices = [("", "Any level"), *sorted(levels)]
        self.fields["subject"].choices = [
            ("", "Any subject area"),
            *sorted(subjects, key=lambda pair: pair[1].casefold()),
        ]
        self.fields["organisation"].choices = [
            ("", "Any awarding organisation"),
            *sorted(organisations, key=lambda pair: pair[1].casefold()),
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
            offered_in=cleaned.get("offered_in") or "",
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
        label = dict(self.fields[name].choices)[value]
        return f"offered {_offered_in_words(label)}" if name == "offered_in" else label

    def describe(self):
        """The search in words, for headings and messages: “mediation” at Level 4, …"""
        criteria = self.criteria
        parts = [f"“{criteria.q}”"] if criteria.q else []
        filters = [label for label in map(self._label, self.FILTERS) if label]
        if filters:
            parts.append(("with " if parts else "") + ", ".join(filters))
        return " ".join(parts)

    def describe_none(self):
        """A sentence saying nothing was found: “No Level 2 qualifications in Law”, or, for a
        search, “No qualifications match “zzzz” with Level 4”."""
        if self.criteria.q:
            return f"No qualifications match {self.describe()}"
        level, subject, organisation, offered_in = map(self._label, self.FILTERS)
        return "".join(
            [
                "No ",
                f"{level} " if level else "",
                "qualifications",
                f" in {subject}" if subject else "",
                f" from {organisation}" if organisation else "",
                f" {offered_in}" if offered_in else "",
            ]
        )

    def clean_query(self, page=None, q=None):
        """The search as a query string without anything unknown or empty, e.g. for canonical
        links: a QueryDict of q (or the `q` given instead), the filters and (if `page` is over 1)
        the page."""
        criteria = self.criteria
        values = {
            "q": criteria.q if q is None else q,
            "level": criteria.level,
            "subject": criteria.subject,
            "organisation": criteria.organisation,
            "offered_in": criteria.offered_in,
            "page": page if page and page > 1 else None,
        }
        query = QueryDict(mutable=True)
        query.update(
            {name: str(value) for name, value in values.items() if value not in (None, "")}
        )
        return query

    def url(self, page=None, q=None):
        """The catalogue's address for this search (or for `q` with the same filters), with only
        what it needs."""
        query = self.clean_query(page=page, q=q)
        return address("qualifications:list") + (f"?{query.urlencode()}" if query else "")

    def link_query(self, page=None):
        """The query string a catalogue link carries to a qualification page, so that its
        breadcrumbs lead back to this very page of results: "?from=…", or "" if no search."""
        query = self.clean_query(page=page)
        return "?" + urlencode({"from": query.urlencode()}) if query else ""
