"""Bad input, generated: whatever query string, slug, header or `?from=` a visitor sends, the site
gives the one answer that input calls for, never a 5xx, and never sends their markup back
unescaped.

Each generated value carries MARKUP somewhere; the page may show it only escaped. The example
counts are kept modest (see the `qualsite` profile in conftest.py) so the suite stays fast.
"""

from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import QueryDict
from django.http.request import split_domain_port, validate_host
from django.utils.http import parse_etags, parse_http_date_safe
from hypothesis import example, given
from hypothesis import strategies as st

from .conftest import SEED_SLUG

# A tag no page of the site holds: found in a response, it came from the request, unescaped.
MARKUP = '<i class="probe">'
CATALOGUE_PARAMETERS = ["q", "level", "subject", "organisation", "page", "from", "utm_source"]

# Any text, NUL bytes and other control characters included, with the markup somewhere in it.
any_text = st.text(max_size=40)
marked_text = st.builds(lambda before, after: before + MARKUP + after, any_text, any_text)
parameter_names = st.sampled_from(CATALOGUE_PARAMETERS) | st.text(min_size=1, max_size=10)
query_strings = st.lists(
    st.tuples(parameter_names, marked_text | any_text), min_size=1, max_size=5
).map(urlencode)
# Raw bytes, percent-encoded: invalid UTF-8 and lone '%'s the form decoding must survive.
raw_query_strings = st.binary(max_size=60).map(lambda raw: quote(raw, safe="=&%"))


# The search box takes this many characters (its maxlength); a longer search is not one it sent.
SEARCH_BOX_LENGTH = 200


def assert_answered(response, status):
    assert response.status_code == status
    assert MARKUP not in response.content.decode(errors="replace")


def catalogue_status(query_string):
    """The catalogue's one right answer: 400 for a search the box could not have sent (longer
    than it takes, or holding a NUL byte); otherwise 200, unknown parameters, filters that name
    nothing and pages that are no page being left out. The search is the last `q`, as the page
    reads it, its surrounding spaces trimmed."""
    q = QueryDict(query_string).get("q", "").strip()
    return 400 if "\x00" in q or len(q) > SEARCH_BOX_LENGTH else 200


@given(query_string=query_strings)
@example(query_string=urlencode({"q": "a" * SEARCH_BOX_LENGTH}))
@example(query_string=urlencode({"q": "a" * (SEARCH_BOX_LENGTH + 1)}))
@example(query_string=urlencode({"q": "mediation\x00", "level": "4"}))
@example(query_string=urlencode([("q", "\x00"), ("q", "mediation")]))
def test_any_catalogue_query_string_gets_its_one_answer_without_markup(client, seed, query_string):
    assert_answered(client.get(f"/?{query_string}"), catalogue_status(query_string))


@given(query_string=raw_query_strings)
@example(query_string="q=%ff%fe&page=%")
@example(query_string="q=%00")
def test_any_raw_catalogue_query_string_gets_its_one_answer(client, seed, query_string):
    assert_answered(client.get(f"/?{query_string}"), catalogue_status(query_string))


@given(slug=marked_text | any_text)
@example(slug=SEED_SLUG)
@example(slug=SEED_SLUG.upper())
@example(slug=f"{SEED_SLUG}/")
def test_any_slug_but_a_published_qualifications_is_not_found(client, seed, slug):
    # Only the seed is in the catalogue: its own slug, exactly, finds it; nothing else does.
    status = 200 if slug == SEED_SLUG else 404
    quoted = quote(slug, safe="")
    for path in [f"/qualifications/{quoted}/", f"/qualifications/{quoted}/factsheet.pdf"]:
        assert_answered(client.get(path), status)


@given(query_string=query_strings)
def test_any_search_the_page_came_from_still_shows_the_page_without_markup(
    client, seed, query_string
):
    assert_answered(client.get(seed.get_absolute_url(), {"from": query_string}), 200)


# Header values a client can send: printable Latin-1, no line breaks.
header_values = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60
)
marked_header_values = st.builds(lambda a, b: a + MARKUP + b, header_values, header_values)
HEADERS = [
    "host",
    "x-request-id",
    "x-forwarded-proto",
    "accept-language",
    "accept-encoding",
    "if-none-match",
    "if-modified-since",
    "referer",
    "user-agent",
    "cookie",
]


def status_for_headers(headers, current):
    """The one right answer to a GET with `headers`, given `current`, the response to the same
    GET without them: 400 for a Host the site does not serve; 304 when the conditional headers
    say the browser's copy is current (RFC 9110: If-None-Match, which when it holds any ETag
    overrides If-Modified-Since); otherwise 200. No other header changes the answer."""
    if "host" in headers:
        domain, _ = split_domain_port(headers["host"])
        if not (domain and validate_host(domain, settings.ALLOWED_HOSTS)):
            return 400
    if etags := parse_etags(headers.get("if-none-match", "")):
        etag = current.get("ETag")
        return 304 if etag and (etags == ["*"] or etag in etags) else 200
    since = parse_http_date_safe(headers.get("if-modified-since", ""))
    last_modified = parse_http_date_safe(current.get("Last-Modified", ""))
    return 304 if since and last_modified and last_modified <= since else 200


@given(headers=st.dictionaries(st.sampled_from(HEADERS), header_values | marked_header_values))
# A Host the site does not serve gets the 400 page, which once asked for that host again: a 500.
@example(headers={"host": "elsewhere.example"})
@example(headers={"host": "testserver", "if-none-match": " * "})
@example(headers={"if-modified-since": "Tue, 19 Jan 2038 03:14:07 GMT"})
@example(headers={"if-none-match": '"other"', "if-modified-since": "Tue, 19 Jan 2038 03:14:07 GMT"})
def test_any_request_headers_get_their_one_answer_without_markup(client, seed, headers):
    for path in ["/", seed.get_absolute_url()]:
        current = client.get(path)
        response = client.get(path, headers=headers)

        assert_answered(response, status_for_headers(headers, current))
        assert MARKUP not in str(response.headers)
