"""Documents in S3-compatible object storage, configured from the environment as production is,
against a real S3-compatible server (moto's, started here on a loopback port; set
QUALSITE_TEST_S3_PORT to choose it)."""

import json
import os
import socket
import subprocess
import sys
import urllib.request
import uuid

import boto3
import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from qualifications.models import Document

from . import document_files as files
from .conftest import SEED_SLUG
from .html import form_data

SPECIFICATION = f"/qualifications/{SEED_SLUG}/documents/specification/"
REGION = "eu-west-2"
KEYS = {"DOCUMENTS_S3_ACCESS_KEY_ID": "test-key", "DOCUMENTS_S3_SECRET_ACCESS_KEY": "test-secret"}


def _spare_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """The address of an S3-compatible server running for the whole session."""
    from moto.server import ThreadedMotoServer

    port = int(os.environ.get("QUALSITE_TEST_S3_PORT") or _spare_port())
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def s3_storage(s3_endpoint):
    """STORAGES["default"] as qualsite/settings.py makes it from the environment production
    sets, and a bucket of its own on the server."""
    bucket = f"qualsite-test-{uuid.uuid4().hex[:12]}"
    environment = {
        "DOCUMENTS_S3_BUCKET": bucket,
        "DOCUMENTS_S3_ENDPOINT_URL": s3_endpoint,
        "DOCUMENTS_S3_REGION": REGION,
        "DOCUMENTS_S3_URL_SECONDS": "30",
    } | KEYS
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from django.conf import settings; "
            "print(json.dumps(settings.STORAGES['default'], default=lambda o: type(o).__name__))",
        ],
        cwd=django_settings.BASE_DIR,
        env=os.environ | environment | {"DJANGO_SETTINGS_MODULE": "qualsite.settings_test"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    client(s3_endpoint).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    storage = json.loads(printed.splitlines()[-1])
    assert storage["OPTIONS"].pop("transfer_config") == "TransferConfig"
    return storage, bucket


def client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=KEYS["DOCUMENTS_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["DOCUMENTS_S3_SECRET_ACCESS_KEY"],
    )


@pytest.fixture
def bucket(settings, s3_storage, s3_endpoint):
    """Documents stored in the bucket for this test; the objects it holds, by key."""
    storage, name = s3_storage
    settings.STORAGES = settings.STORAGES | {"default": storage}
    s3 = client(s3_endpoint)

    def objects():
        listed = s3.list_objects_v2(Bucket=name).get("Contents", [])
        return {item["Key"]: s3.get_object(Bucket=name, Key=item["Key"])["Body"].read()
                for item in listed}  # fmt: skip

    for key in objects():
        s3.delete_object(Bucket=name, Key=key)
    return objects


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, response.read()


def test_production_settings_name_the_bucket_and_endpoint(s3_storage, s3_endpoint):
    storage, bucket = s3_storage

    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert (
        storage["OPTIONS"] | {"bucket_name": bucket, "endpoint_url": s3_endpoint}
        == (storage["OPTIONS"])
    )
    assert storage["OPTIONS"]["querystring_expire"] == 30


def test_an_upload_through_the_admin_is_stored_in_the_bucket(admin_client, seed, bucket):
    data = files.pdf("in the bucket")
    url = reverse("admin:qualifications_qualification_change", args=[seed.pk])
    form = form_data(admin_client.get(url).text, "qualification_form") | {
        "documents-TOTAL_FORMS": "1",
        "documents-0-kind": "specification",
        "documents-0-language": "en",
        "documents-0-title": "Specification",
        "documents-0-version_label": "1",
        "documents-0-effective_from": "2020-01-01",
        "documents-0-file": files.upload(data, "../spec.pdf"),
        "_save": "Save",
    }

    response = admin_client.post(url, form)

    assert response.status_code == 302
    assert bucket() == {Document.objects.get().file.name: data}


def test_an_odd_upload_stores_nothing_in_the_bucket(seed, bucket):
    with pytest.raises(Exception, match="not a PDF"):
        files.add_document(seed, files.HTML_PAGE)

    assert bucket() == {}


def test_a_download_is_a_redirect_to_a_short_lived_signed_address(client, seed, bucket):
    data = files.pdf(size=50_000)
    files.add_document(seed, data, title="Spécification")

    response = client.get(SPECIFICATION)

    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
    assert "X-Amz-Expires=30" in response["Location"]
    status, headers, body = fetch(response["Location"])
    assert (status, body) == (200, data)
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == "attachment; filename*=utf-8''Sp%C3%A9cification.pdf"


def test_the_object_store_answers_ranges_itself(client, seed, bucket):
    data = files.pdf(size=50_000)
    files.add_document(seed, data)

    status, headers, body = fetch(client.get(SPECIFICATION)["Location"], {"Range": "bytes=0-99"})

    assert (status, body) == (206, data[:100])
    assert headers["Content-Range"] == f"bytes 0-99/{len(data)}"


def test_documents_of_a_draft_are_not_redirected_to(client, bucket, db):
    from qualifications.choices import Status

    from .factories import QualificationFactory

    document = files.add_document(QualificationFactory(status=Status.DRAFT))

    assert client.get(document.get_absolute_url()).status_code == 404


def test_a_purge_deletes_the_object(admin_client, seed, bucket, django_capture_on_commit_callbacks):
    document = files.add_document(seed)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:qualifications_document_changelist"),
            {"action": "purge", "_selected_action": [document.pk]},
        )

    assert bucket() == {}
