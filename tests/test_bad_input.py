"""Bad input, generated: whatever query string, slug, header or `?from=` a visitor sends, the site
answers without a 5xx and never sends their markup back unescaped.

Each generated value carries MARKUP somewhere; the page may show it only escaped. The example
counts are kept modest (see the `qualsite` profile in conftest.py) so the suite stays fast.
"""

from urllib.parse import quote, urlencode

from hypothesis import example, given
from hypothesis import strategies as st

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


def assert_handled(response):
    assert response.status_code < 500
    assert MARKUP not in response.content.decode(errors="replace")


@given(query_string=query_strings)
def test_any_catalogue_query_string_is_answered_without_error_or_markup(client, seed, query_string):
    assert_handled(client.get(f"/?{query_string}"))


@given(query_string=raw_query_strings)
def test_any_raw_catalogue_query_string_is_answered_without_error(client, seed, query_string):
    assert_handled(client.get(f"/?{query_string}"))


@given(slug=marked_text | any_text)
def test_any_slug_is_answered_without_error_or_markup(client, seed, slug):
    quoted = quote(slug, safe="")
    for path in [f"/qualifications/{quoted}/", f"/qualifications/{quoted}/factsheet.pdf"]:
        response = client.get(path)

        assert_handled(response)
        assert response.status_code in {200, 301, 404, 410}


@given(query_string=query_strings)
def test_any_search_the_page_came_from_is_answered_without_error_or_markup(
    client, seed, query_string
):
    assert_handled(client.get(seed.get_absolute_url(), {"from": query_string}))


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


@given(headers=st.dictionaries(st.sampled_from(HEADERS), header_values | marked_header_values))
# A Host the site does not serve gets the 400 page, which once asked for that host again: a 500.
@example(headers={"host": "elsewhere.example"})
def test_any_request_headers_are_answered_without_error_or_markup(client, seed, headers):
    for path in ["/", seed.get_absolute_url()]:
        response = client.get(path, headers=headers)

        assert_handled(response)
        assert MARKUP not in str(response.headers)
