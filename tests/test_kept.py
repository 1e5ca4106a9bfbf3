"""serve_kept: what it keeps, how often it renders, and how it sends what it keeps."""

import gzip
import threading
import time

import brotli
import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.cache import patch_vary_headers

from qualifications.kept import KeptRenderingsMiddleware, serve_kept
from qualifications.versions import public_content_changed

from .test_qualification_page import CACHED_DETAIL_PAGE_QUERIES


def test_a_page_with_only_tracking_parameters_is_served_from_the_cache(
    client, seed, django_assert_num_queries
):
    bare = client.get(seed.get_absolute_url())

    with django_assert_num_queries(CACHED_DETAIL_PAGE_QUERIES):
        tracked = client.get(
            seed.get_absolute_url() + "?utm_source=newsletter&utm_medium=email&fbclid=a&gclid=b"
        )

    assert tracked.status_code == 200
    assert tracked["ETag"] == bare["ETag"]
    assert tracked.content == bare.content


def test_a_page_with_a_search_to_go_back_to_is_rendered_for_it(client, seed):
    client.get(seed.get_absolute_url())

    response = client.get(seed.get_absolute_url() + "?from=q%3Dmediation&utm_source=x")

    assert "ETag" not in response
    assert "/?q=mediation" in response.content.decode()


def test_concurrent_first_requests_render_once(db):
    renders = []

    def slow_render():
        renders.append(1)
        time.sleep(0.3)
        return HttpResponse(b"%PDF rendered", content_type="application/pdf")

    request = RequestFactory().get("/qualifications/x/factsheet.pdf")
    responses = []

    def ask():
        responses.append(serve_kept(request, slow_render, key=("factsheet", "x"), public=False))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(renders) == 1
    assert [response.content for response in responses] == [b"%PDF rendered"] * 4


def test_a_kept_page_is_sent_compressed_to_clients_that_accept_it(client, seed):
    plain = client.get(seed.get_absolute_url())
    gzipped = client.get(seed.get_absolute_url(), headers={"accept-encoding": "gzip, deflate"})
    brotlied = client.get(seed.get_absolute_url(), headers={"accept-encoding": "gzip, br"})

    assert "Content-Encoding" not in plain
    assert gzipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(gzipped.content) == plain.content
    assert brotlied["Content-Encoding"] == "br"
    assert brotli.decompress(brotlied.content) == plain.content
    assert len(brotlied.content) < len(plain.content) / 2
    for response in (plain, gzipped, brotlied):
        assert "Accept-Encoding" in response["Vary"].split(", ")
    assert len({plain["ETag"], gzipped["ETag"], brotlied["ETag"]}) == 3


def test_a_coding_the_client_refuses_is_not_sent(client, seed):
    response = client.get(seed.get_absolute_url(), headers={"accept-encoding": "br;q=0, gzip"})

    assert response["Content-Encoding"] == "gzip"


def test_a_browser_holding_a_compressed_copy_is_told_it_is_unchanged(client, seed):
    first = client.get(seed.get_absolute_url(), headers={"accept-encoding": "gzip"})

    again = client.get(
        seed.get_absolute_url(),
        headers={"accept-encoding": "gzip", "if-none-match": first["ETag"]},
    )

    assert again.status_code == 304


def test_a_factsheet_is_not_compressed_again(client, seed):
    response = client.get(seed.get_factsheet_url(), headers={"accept-encoding": "gzip, br"})

    assert "Content-Encoding" not in response
    assert response.content.startswith(b"%PDF")


def test_a_kept_page_tells_shared_caches_a_previewers_copy_differs(client, seed):
    response = client.get(seed.get_absolute_url())

    assert "Cookie" in response["Vary"].split(", ")


def test_a_process_serves_its_recent_renderings_without_reading_the_shared_cache(
    client, seed, django_assert_num_queries
):
    first = client.get(seed.get_absolute_url())
    assert "Content-Encoding" not in first  # so the ETag is the cache key itself
    cache.delete(first["ETag"].strip('"'))

    with django_assert_num_queries(0):
        again = client.get(seed.get_absolute_url())

    assert again.content == first.content


def test_with_keeping_off_every_request_renders_its_own(db, settings):
    settings.KEEP_RENDERINGS = False
    renders = []

    def render():
        renders.append(1)
        return HttpResponse(f"rendering {len(renders)}")

    request = RequestFactory().get("/")
    first = serve_kept(request, render, key=("catalogue", "/"))
    second = serve_kept(request, render, key=("catalogue", "/"))

    assert (first.content, second.content) == (b"rendering 1", b"rendering 2")
    assert "ETag" not in second
    assert "no-store" in second["Cache-Control"]


# KeptRenderingsMiddleware: an address served before, answered again without the view.


def _counting_view(calls):
    def view(request):
        calls.append(request.get_full_path())
        response = serve_kept(
            request,
            lambda: HttpResponse("<p>kept</p>", content_type="text/html; charset=utf-8"),
            key=("test-page",),
        )
        response["Content-Disposition"] = "inline"
        patch_vary_headers(response, ["Cookie"])
        return response

    return view


def test_an_address_served_before_is_answered_without_the_view(db):
    calls = []
    middleware = KeptRenderingsMiddleware(_counting_view(calls))
    request = RequestFactory().get("/page/?q=a", HTTP_ACCEPT_ENCODING="gzip")

    first = middleware(request)
    again = middleware(RequestFactory().get("/page/?q=a", HTTP_ACCEPT_ENCODING="gzip"))

    assert calls == ["/page/?q=a"]
    assert again.content == first.content
    assert dict(again.items()) == dict(first.items())
    assert again["Content-Disposition"] == "inline"
    assert again["Vary"] == "Accept-Encoding, Cookie"


def test_the_answer_again_is_a_304_for_a_current_copy(db):
    middleware = KeptRenderingsMiddleware(_counting_view([]))
    first = middleware(RequestFactory().get("/page/"))

    again = middleware(RequestFactory().get("/page/", HTTP_IF_NONE_MATCH=first["ETag"]))

    assert again.status_code == 304
    assert again["Content-Disposition"] == "inline"


@pytest.mark.parametrize(
    "other",
    [
        {"path": "/page/?q=b"},
        {"path": "/page/", "HTTP_HOST": "other.example"},
        {"path": "/page/", "secure": True},
        {"path": "/page/", "HTTP_COOKIE": "sessionid=a-previewers-session"},
    ],
    ids=["another query", "another host", "https", "a session"],
)
def test_only_the_same_address_and_origin_without_a_session_is_answered_again(db, settings, other):
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    calls = []
    middleware = KeptRenderingsMiddleware(_counting_view(calls))
    middleware(RequestFactory().get("/page/"))

    middleware(RequestFactory().get(**other))

    assert len(calls) == 2


def test_after_a_change_the_view_answers_again(db):
    calls = []
    middleware = KeptRenderingsMiddleware(_counting_view(calls))
    middleware(RequestFactory().get("/page/"))

    public_content_changed()
    middleware(RequestFactory().get("/page/"))

    assert len(calls) == 2


def test_through_the_site_an_answer_again_is_the_views_answer(client, seed):
    for address in [
        seed.get_absolute_url(),
        seed.get_factsheet_url(),
        "/qualifications.json",
        "/?q=mediation",
    ]:
        first = client.get(address, HTTP_ACCEPT_ENCODING="br")
        again = client.get(address, HTTP_ACCEPT_ENCODING="br")

        per_request = {"X-Request-ID"}
        assert again.status_code == 200
        assert again.content == first.content
        assert {k: v for k, v in again.items() if k not in per_request} == {
            k: v for k, v in first.items() if k not in per_request
        }
