"""serve_kept: what it keeps, how often it renders, and how it sends what it keeps."""

import gzip
import threading
import time

import brotli
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from qualifications.kept import serve_kept

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
