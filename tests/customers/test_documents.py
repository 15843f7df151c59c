"""Document uploads (content-checked, size-limited, private) and the permission-checked download."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings

from customers import services
from customers.models import CustomerEvent, Document, EventKind
from tests.customers.factories import (
    GB_EXAMPLE_RIC,
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    CustomerFactory,
    UserFactory,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
API = "/api/v1/customers/me/documents/"


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("payslip.pdf", PDF_BYTES, "application/pdf", ".pdf"),
        ("card.PNG", PNG_BYTES, "image/png", ".png"),
        ("card.jpeg", JPEG_BYTES, "image/jpeg", ".jpg"),
    ],
)
def test_accepted_files_are_stored_privately_under_a_generated_name(
    customer, private_root, name, content, content_type, extension
):
    document = services.document_upload(
        customer=customer, kind="income_proof", file=upload(name, content, "text/plain"), actor=customer.user
    )
    document.refresh_from_db()
    assert document.content_type == content_type  # from the bytes, not from the client
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.original_name == name
    stored = Path(document.file.path)
    assert stored.is_relative_to(private_root)
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT))
    assert stored.name.endswith(extension)
    assert name.split(".")[0] not in stored.name
    assert stored.read_bytes() == content
    with pytest.raises(ValueError, match="no URL"):
        document.file.url  # noqa: B018


def test_the_original_file_name_is_kept_masked(customer):
    document = services.document_upload(
        customer=customer,
        kind="id_card",
        file=upload(f"身份证{GB_EXAMPLE_RIC}.png", PNG_BYTES),
        actor=customer.user,
    )
    assert document.original_name == "身份证1101**********002X.png"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("statement.pdf", b"This is plain text pretending to be a PDF.\n", "Upload a PDF, JPEG or PNG file."),
        ("photo.jpg", b"<html><script>alert(1)</script></html>", "Upload a PDF, JPEG or PNG file."),
        ("card.png", JPEG_BYTES, "The file's content does not match its extension."),
        ("payslip.pdf", PNG_BYTES, "The file's content does not match its extension."),
        ("payslip.exe", PDF_BYTES, "Upload a PDF, JPEG or PNG file."),
        ("payslip", PDF_BYTES, "Upload a PDF, JPEG or PNG file."),
        ("empty.pdf", b"", "The submitted file is empty."),  # DRF refuses it before the service
    ],
)
def test_disguised_and_unsupported_uploads_are_refused_by_the_api(api, customer, name, content, message):
    api.force_authenticate(customer.user)
    response = api.post(API, {"kind": "income_proof", "file": upload(name, content, "application/pdf")})
    assert response.status_code == 400
    assert response.json()["errors"] == {"file": [message]}
    assert not Document.objects.exists()


def test_uploads_over_the_size_limit_are_refused(api, customer, settings, private_root):
    settings.LOANHUB_UPLOAD_MAX_BYTES = 1024
    api.force_authenticate(customer.user)
    too_big = upload("big.pdf", PDF_BYTES + b"0" * 1024)
    response = api.post(API, {"kind": "income_proof", "file": too_big})
    assert response.status_code == 400
    assert response.json()["errors"] == {"file": ["The file is larger than 1.0\xa0KB."]}
    assert not Document.objects.exists()
    assert not any(private_root.rglob("*.pdf"))
    just_fits = upload("fits.pdf", PDF_BYTES + b"0" * (1024 - len(PDF_BYTES)))
    assert api.post(API, {"kind": "income_proof", "file": just_fits}).status_code == 201


def test_the_service_refuses_empty_files_too(customer):
    with pytest.raises(services.CustomerValidationError) as info:
        services.document_upload(
            customer=customer, kind="id_card", file=upload("a.pdf", b""), actor=customer.user
        )
    assert info.value.errors == {"file": ["The file is empty."]}


def test_the_default_limit_is_five_mebibytes():
    assert settings.LOANHUB_UPLOAD_MAX_BYTES == 5 * 1024 * 1024
    assert services.upload_max_bytes() == 5 * 1024 * 1024


def test_upload_then_list_through_the_api(api, customer):
    api.force_authenticate(customer.user)
    response = api.post(API, {"kind": "id_card", "file": upload("front.png", PNG_BYTES)})
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "id_card"
    assert body["content_type"] == "image/png"
    assert body["size"] == len(PNG_BYTES)
    assert body["download_url"] == f"/customers/documents/{body['id']}/"
    listing = api.get(API)
    assert listing.status_code == 200
    assert [d["id"] for d in listing.json()] == [body["id"]]


def test_a_user_may_not_upload_to_someone_elses_profile(customer, users):
    with pytest.raises(services.CustomerPermissionError):
        services.document_upload(
            customer=customer, kind="id_card", file=upload("x.png", PNG_BYTES), actor=users["customer"]
        )
    assert not Document.objects.exists()


# --- download ---------------------------------------------------------------------------------
@pytest.fixture
def documents(customer):
    return {
        kind: services.document_upload(
            customer=customer, kind=kind, file=upload(f"{kind}.pdf", PDF_BYTES), actor=customer.user
        )
        for kind in ("id_card", "income_proof")
    }


def _get(client, user, document):
    if user is not None:
        client.force_login(user)
    return client.get(f"/customers/documents/{document.pk}/")


@pytest.mark.parametrize("kind", ["id_card", "income_proof"])
def test_the_owner_downloads_their_document_privately_and_unaudited(client, customer, documents, kind):
    response = _get(client, customer.user, documents[kind])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert not CustomerEvent.objects.exists()


@pytest.mark.parametrize(
    ("who", "kind", "expected"),
    [
        ("anonymous", "income_proof", 404),
        ("anonymous", "id_card", 404),
        ("other_customer", "income_proof", 404),
        ("other_customer", "id_card", 404),
        ("staff_without_role", "income_proof", 404),
        ("officer", "income_proof", 200),
        ("officer", "id_card", 200),
        ("senior", "id_card", 200),
        ("auditor", "income_proof", 200),
        # an identity card image shows the number unmasked: staff need the reveal permission
        ("auditor", "id_card", 404),
        ("analyst", "id_card", 404),
        ("marketing", "id_card", 404),
        # profiles may be listed by marketing and risk staff, but papers are for officers and audit
        ("marketing", "income_proof", 404),
        ("analyst", "income_proof", 404),
    ],
)
def test_download_permissions(client, users, documents, who, kind, expected):
    if who == "anonymous":
        actor = None
    elif who == "other_customer":
        actor = CustomerFactory().user
    elif who == "staff_without_role":
        actor = UserFactory(username="plainstaff")
    else:
        actor = users[who]
    response = _get(client, actor, documents[kind])
    assert response.status_code == expected
    events = CustomerEvent.objects.filter(kind=EventKind.DOCUMENT_VIEW)
    if expected == 200:
        event = events.get()
        assert (event.actor, event.field, event.payload) == (actor, kind, {"document": documents[kind].pk})
    else:
        assert not events.exists()


def test_an_unknown_document_is_404(client, users):
    client.force_login(users["officer"])
    assert client.get("/customers/documents/999999/").status_code == 404
