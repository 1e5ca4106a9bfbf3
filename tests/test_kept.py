"""Kept renderings: kept under what they are made of, re-rendered only when that changes, sent
compressed, with ETags and 304s."""

import gzip
import json

import brotli
import pytest
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.cache import patch_vary_headers

from qualifications import services
from qualifications.choices import Status
from qualifications.kept import KeptRenderingsMiddleware, release, serve_kept

from .conftest import KEPT_VERSION_QUERIES, clear_caches
from .factories import EmployerFactory, EmployerSupportFactory, QualificationFactory


def _unchanged(client, address, response):
    """Whether a browser holding `response` of `address` is told its copy is still current."""
    return client.get(address, headers={"if-none-match": response["ETag"]}).status_code == 304


def test_a_page_with_only_tracking_parameters_is_served_kept(
    client, seed, django_assert_num_queries
):
    bare = client.get(seed.get_absolute_url())

    with django_assert_num_queries(KEPT_VERSION_QUERIES):
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


def test_saving_a_draft_re_renders_nothing_public(client, seed):
    addresses = [seed.get_absolute_url(), seed.get_factsheet_url(), "/", "/qualifications.json"]
    first = {address: client.get(address) for address in addresses}

    QualificationFactory(title="Unfinished draft", status=Status.DRAFT)

    assert [a for a in addresses if not _unchanged(client, a, first[a])] == []


def test_an_edit_re_renders_that_qualifications_renderings_and_the_listings_only(client, db):
    edited, other = QualificationFactory(), QualificationFactory()
    addresses = [
        edited.get_absolute_url(),
        edited.get_factsheet_url(),
        f"/qualifications/{edited.slug}.json",
        other.get_absolute_url(),
        other.get_factsheet_url(),
        "/",
        "/qualifications.json",
        "/qualifications.atom",
        "/sitemap.xml",
    ]
    first = {address: client.get(address) for address in addresses}

    edited.title = "A new title"
    services.qualification_save(edited)

    assert [a for a in addresses if not _unchanged(client, a, first[a])] == [
        edited.get_absolute_url(),
        edited.get_factsheet_url(),
        f"/qualifications/{edited.slug}.json",
        "/",
        "/qualifications.json",
        "/qualifications.atom",
        "/sitemap.xml",
    ]
    assert "A new title" in client.get(edited.get_absolute_url()).text


def test_a_renamed_employer_re_renders_the_pages_that_name_it(client, db):
    employer = EmployerFactory(name="Old Name Ltd")
    support = EmployerSupportFactory(employer=employer)
    page = client.get(support.qualification.get_absolute_url())

    employer.name = "New Name Ltd"
    services.shared_save(employer)

    again = client.get(support.qualification.get_absolute_url())
    assert again["ETag"] != page["ETag"]
    assert "New Name Ltd" in again.text


def test_a_rendering_the_cache_dropped_is_rendered_again_the_same(client, seed):
    first = client.get(seed.get_absolute_url())
    clear_caches()

    again = client.get(seed.get_absolute_url())

    assert again.status_code == 200
    assert (again["ETag"], again.content) == (first["ETag"], first.content)


def test_a_deploy_with_new_static_files_keys_every_rendering_anew(client, seed, settings, tmp_path):
    first = client.get(seed.get_absolute_url())
    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": {"css/site.css": "new"}}))
    settings.STATIC_ROOT = tmp_path
    release.cache_clear()
    try:
        again = client.get(seed.get_absolute_url())
    finally:
        release.cache_clear()

    assert again["ETag"] != first["ETag"]


def test_a_process_serves_its_recent_renderings_without_the_shared_cache(
    client, seed, django_assert_num_queries
):
    first = client.get(seed.get_absolute_url())
    caches["default"].clear()

    with django_assert_num_queries(KEPT_VERSION_QUERIES):
        again = client.get(seed.get_absolute_url())

    assert again.content == first.content


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
        # The same rendering in each coding: one weak validator.
        assert response["ETag"] == plain["ETag"]
    assert plain["ETag"].startswith('W/"')


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
    assert again["Cache-Control"] == first["Cache-Control"]


def test_a_factsheet_is_not_compressed_again(client, seed):
    response = client.get(seed.get_factsheet_url(), headers={"accept-encoding": "gzip, br"})

    assert "Content-Encoding" not in response
    assert response.content.startswith(b"%PDF")


def test_a_kept_page_tells_shared_caches_a_previewers_copy_differs(client, seed):
    response = client.get(seed.get_absolute_url())

    assert "Cookie" in response["Vary"].split(", ")


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


def test_a_rendering_that_is_not_found_is_never_kept(db):
    renders = []

    def render():
        renders.append(1)
        return HttpResponse("gone", status=410)

    request = RequestFactory().get("/qualifications/x/")
    first = serve_kept(request, render, key=("page", "x"))
    second = serve_kept(request, render, key=("page", "x"))

    assert (first.status_code, second.status_code, len(renders)) == (410, 410, 2)


# KeptRenderingsMiddleware: an address answered from a kept rendering, answered again.


def _counting_view(calls, version):
    def view(request):
        calls.append(request.get_full_path())
        response = serve_kept(
            request,
            lambda: HttpResponse("<p>kept</p>", content_type="text/html; charset=utf-8"),
            ("test-page", version[0]),
            recheck=lambda: (("test-page", version[0]), None),
        )
        response["Content-Disposition"] = "inline"
        patch_vary_headers(response, ["Cookie"])
        return response

    return view


def test_an_address_answered_from_a_kept_rendering_is_answered_again_without_the_view(db):
    calls = []
    middleware = KeptRenderingsMiddleware(_counting_view(calls, ["1"]))

    first = middleware(RequestFactory().get("/page/?q=a", HTTP_ACCEPT_ENCODING="gzip"))
    again = middleware(RequestFactory().get("/page/?q=a", HTTP_ACCEPT_ENCODING="gzip"))

    assert calls == ["/page/?q=a"]
    assert again.content == first.content
    assert dict(again.items()) == dict(first.items())
    assert again["Vary"] == "Accept-Encoding, Cookie"


def test_when_what_it_was_kept_under_changes_the_view_answers_again(db):
    calls, version = [], ["1"]
    middleware = KeptRenderingsMiddleware(_counting_view(calls, version))
    first = middleware(RequestFactory().get("/page/"))

    version[0] = "2"
    again = middleware(RequestFactory().get("/page/", HTTP_IF_NONE_MATCH=first["ETag"]))

    assert len(calls) == 2
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]


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
    middleware = KeptRenderingsMiddleware(_counting_view(calls, ["1"]))
    middleware(RequestFactory().get("/page/"))

    middleware(RequestFactory().get(**other))

    assert len(calls) == 2


def test_two_checkouts_of_one_release_key_their_renderings_alike(settings, tmp_path):
    for checkout in ("a", "b"):
        (tmp_path / checkout / "templates").mkdir(parents=True)
        (tmp_path / checkout / "templates" / "page.html").write_text("<p>one design</p>")
    digests = []
    for checkout in ("a", "b"):
        settings.BASE_DIR = tmp_path / checkout
        release.cache_clear()
        digests.append(release())
    release.cache_clear()

    assert digests[0] == digests[1]
