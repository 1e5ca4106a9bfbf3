"""What search engines and link previews read: sitemap, robots.txt, canonical links, meta
description, Open Graph tags and the qualification's schema.org JSON-LD."""

import datetime
import json
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from qualifications.choices import Status
from qualifications.models import Qualification

from .factories import ProgressionRoleFactory, QualificationFactory, UnitFactory, give_units
from .html import select, select_one

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def meta(response, **attrs):
    return select_one(response.text, "meta", **attrs).attrs["content"]


def canonical(response):
    return select_one(response.text, "link", rel="canonical").attrs["href"]


def json_ld(response):
    (block,) = select(response.text, "script", type="application/ld+json")
    return json.loads(block.raw_text)


# SITEMAP AND ROBOTS


def test_sitemap_lists_every_published_qualification_with_its_last_change(client, seed):
    changed = timezone.make_aware(datetime.datetime(2026, 3, 14, 9, 30))
    other = QualificationFactory()
    Qualification.objects.filter(pk=other.pk).update(updated_at=changed)
    draft = QualificationFactory(status=Status.DRAFT)

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    urls = {
        url.findtext("s:loc", namespaces=SITEMAP_NS): url.findtext(
            "s:lastmod", namespaces=SITEMAP_NS
        )
        for url in ET.fromstring(response.content).findall("s:url", SITEMAP_NS)
    }
    assert urls == {
        # The catalogue changed when its latest qualification did.
        "http://testserver/": max(seed.updated_at, changed).date().isoformat(),
        f"http://testserver{seed.get_absolute_url()}": seed.updated_at.date().isoformat(),
        f"http://testserver{other.get_absolute_url()}": changed.date().isoformat(),
    }
    assert draft.get_absolute_url() not in response.text


def test_sitemap_lists_the_units_of_published_qualifications_only(client, db):
    listed, unlisted = UnitFactory(), UnitFactory()
    give_units(QualificationFactory(credits=None), ("A", "all", None, None, [listed]))
    draft = QualificationFactory(credits=None, status=Status.DRAFT)
    give_units(draft, ("A", "all", None, None, [unlisted]))

    response = client.get("/sitemap.xml")

    locations = [
        url.findtext("s:loc", namespaces=SITEMAP_NS)
        for url in ET.fromstring(response.content).findall("s:url", SITEMAP_NS)
    ]
    assert f"http://testserver{listed.get_absolute_url()}" in locations
    assert f"http://testserver{unlisted.get_absolute_url()}" not in locations


def test_sitemap_uses_the_address_it_was_asked_on(client, seed):
    response = client.get("/sitemap.xml", secure=True, headers={"host": "localhost"})

    assert f"<loc>https://localhost{seed.get_absolute_url()}</loc>" in response.text


def test_robots_txt_allows_crawling_and_names_the_sitemap(client, db):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.text.splitlines()
    assert "User-agent: *" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert not any(line.startswith("Disallow: /") for line in lines)


# CANONICAL, DESCRIPTION, OPEN GRAPH


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/", "Find a qualification"),
        ("/qualifications/interpersonal-mediation-level-4/", "Interpersonal Mediation Level 4"),
    ],
)
def test_each_page_has_a_canonical_link_description_and_open_graph_tags(
    client, seed, settings, path, title
):
    settings.SITE_NAME = "Example Awarding Body"

    response = client.get(path)

    url = f"http://testserver{path}"
    assert canonical(response) == url
    assert meta(response, property="og:url") == url
    assert meta(response, property="og:title").startswith(title)
    assert meta(response, property="og:type") == "website"
    assert meta(response, property="og:site_name") == "Example Awarding Body"
    description = meta(response, name="description").strip()
    assert len(description) > 40
    assert meta(response, property="og:description").strip() == description


def test_a_qualifications_description_is_its_summary(client, seed):
    response = client.get(seed.get_absolute_url())

    description = meta(response, name="description")
    assert description.startswith("This qualification has been designed to support you")
    assert description == seed.summary


def test_the_qualification_pages_canonical_link_leaves_out_the_search_it_came_from(client, seed):
    response = client.get(seed.get_absolute_url(), {"from": "q=mediation", "utm_source": "x"})

    assert canonical(response) == f"http://testserver{seed.get_absolute_url()}"


@pytest.mark.parametrize(
    ("query_string", "expected"),
    [
        ("", "/"),
        ("?q=&level=&subject=&organisation=&page=1", "/"),
        ("?utm_source=mail&q=mediation", "/?q=mediation"),
        ("?level=4&q=mediation", "/?q=mediation&level=4"),
        ("?level=99&q=mediation", "/?q=mediation"),
        ("?page=abc", "/"),
    ],
)
def test_the_catalogues_canonical_link_is_its_clean_address(client, seed, query_string, expected):
    response = client.get(f"/{query_string}")

    assert canonical(response) == f"http://testserver{expected}"


def test_a_later_page_of_the_catalogue_is_its_own_canonical_page(client, db):
    for n in range(25):
        QualificationFactory(title=f"Carpentry {n:02d}")

    assert canonical(client.get("/?page=2")) == "http://testserver/?page=2"
    assert canonical(client.get("/?page=9")) == "http://testserver/?page=2"


def test_search_results_are_kept_out_of_search_engines_but_not_browsing(client, seed):
    assert meta(client.get("/", {"q": "mediation"}), name="robots") == "noindex, follow"
    assert not select(client.get("/").text, "meta", name="robots")
    assert not select(client.get("/", {"level": 4}).text, "meta", name="robots")


def test_error_pages_claim_no_canonical_address(client, db):
    response = client.get("/qualifications/no-such-thing/")

    assert response.status_code == 404
    assert not select(response.text, "link", rel="canonical")
    assert not select(response.text, "meta", property="og:url")


# JSON-LD


def test_the_qualification_page_describes_the_credential_in_json_ld(client, seed):
    data = json_ld(client.get(seed.get_absolute_url()))

    url = f"http://testserver{seed.get_absolute_url()}"
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "EducationalOccupationalCredential"
    assert data["name"] == "Interpersonal Mediation Level 4 Qualification"
    assert data["url"] == url
    assert data["description"] == seed.overview
    assert data["credentialCategory"] == {"@type": "DefinedTerm", "name": "Regulated qualification"}
    assert data["educationalLevel"]["@type"] == "DefinedTerm"
    assert data["educationalLevel"]["name"] == "Level 4"
    assert data["educationalLevel"]["termCode"] == "4"
    assert data["identifier"] == {
        "@type": "PropertyValue",
        "propertyID": "Ofqual qualification number",
        "value": "601/4433/6",
    }
    assert data["recognizedBy"]["@type"] == "Organization"
    assert data["recognizedBy"]["name"] == "Ofqual"
    assert data["provider"] == {"@type": "Organization", "name": "AIM Qualifications"}
    assert data["competencyRequired"].startswith("a minimum Level 3 literacy")
    assert data["dateModified"] == seed.updated_at.isoformat()
    assert data["mentions"] == [
        {
            "@type": "Occupation",
            "name": "Family mediator",
            "description": "Help divorcing or separating couples reach agreement without having "
            "to go to court.",
        },
        {
            "@type": "Occupation",
            "name": "Patient advice and liaison service (PALS) officer",
            "description": "Give support, advice and information about NHS services.",
        },
    ]


def test_an_unregulated_qualification_claims_no_recognition(client, db):
    qualification = QualificationFactory(is_ofqual_regulated=False, entry_requirement="")

    data = json_ld(client.get(qualification.get_absolute_url()))

    assert "recognizedBy" not in data
    assert "competencyRequired" not in data
    assert "mentions" not in data
    assert data["credentialCategory"]["name"] == "Qualification"


def test_json_ld_stays_valid_whatever_staff_type(client, db):
    hostile = 'Ends here </script><script>alert("x")</script> <!-- & "quotes" \\ \u2028 done'
    qualification = QualificationFactory(title='The "Best" </script> Award', overview=hostile)
    ProgressionRoleFactory(qualification=qualification, title="</SCRIPT>", description="&amp;")

    response = client.get(qualification.get_absolute_url())

    data = json_ld(response)
    assert data["name"] == 'The "Best" </script> Award'
    assert data["description"] == hostile
    assert data["mentions"][0] == {
        "@type": "Occupation",
        "name": "</SCRIPT>",
        "description": "&amp;",
    }
    assert "<script>alert" not in response.text
    assert response.text.count("</script>") == 1


def test_a_draft_preview_carries_no_structured_data(admin_client, db):
    draft = QualificationFactory(status=Status.DRAFT)

    response = admin_client.get(draft.get_absolute_url())

    assert response.status_code == 200
    assert not select(response.text, "script")
