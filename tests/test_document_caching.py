"""Every answer from /documents/ is private, and a document its collection restricts is
never stored by any cache (a CDN in front of the site), whoever asks: the file for someone
allowed, the sign-in redirect or the password page for a visitor, who never gets the file."""

import pytest
from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from wagtail.models import Collection, CollectionViewRestriction

from .factories import make_staff_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 staff rota"
PASSWORD = "members-only-4821"


def restricted_collection(kind: str, nested: bool) -> tuple[Collection, CollectionViewRestriction]:
    """A collection with a restriction of ``kind``; or a collection inside one, which
    inherits it without a restriction of its own."""
    restricted = Collection.get_first_root_node().add_child(name=f"Restricted {kind}")
    restriction = CollectionViewRestriction.objects.create(
        collection=restricted,
        restriction_type=kind,
        password=PASSWORD if kind == CollectionViewRestriction.PASSWORD else "",
    )
    if nested:
        return restricted.add_child(name="Inside"), restriction
    return restricted, restriction


def document_in(collection: Collection) -> Document:
    return Document.objects.create(
        title="Rota", collection=collection, file=ContentFile(PDF, name="rota.pdf")
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def let_in(client, kind: str, restriction, document) -> None:
    """What someone allowed does: signs in, or gives the collection's password."""
    if kind == CollectionViewRestriction.LOGIN:
        client.force_login(make_staff_user())
    else:
        answer = client.post(
            f"/documents/authenticate_with_password/{restriction.pk}/",
            {"password": PASSWORD, "return_url": document.url},
        )
        assert answer.status_code == 302 and answer["Location"] == document.url


@pytest.mark.parametrize("nested", [False, True], ids=["collection", "inside-a-collection"])
@pytest.mark.parametrize(
    "kind", [CollectionViewRestriction.LOGIN, CollectionViewRestriction.PASSWORD]
)
def test_a_restricted_document_is_never_stored_by_a_shared_cache(client, demo_site, kind, nested):
    collection, restriction = restricted_collection(kind, nested)
    document = document_in(collection)

    refused = client.get(document.url)
    assert refused["Cache-Control"] == "private, no-store"
    assert PDF not in body(refused)
    if kind == CollectionViewRestriction.LOGIN:
        assert refused.status_code == 302 and "/_util/login/" in refused["Location"]
    else:
        assert refused.status_code == 200
        assert "password" in body(refused).decode().lower()

    let_in(client, kind, restriction, document)
    served = client.get(document.url)
    assert served.status_code == 200
    assert body(served) == PDF
    assert served["Cache-Control"] == "private, no-store"


def test_a_staff_only_document_fetched_as_staff_is_private_and_not_stored(client, demo_site):
    collection, _ = restricted_collection(CollectionViewRestriction.LOGIN, nested=False)
    document = document_in(collection)
    client.force_login(make_staff_user())
    served = client.get(document.url)
    assert (served.status_code, body(served)) == (200, PDF)
    assert served["Cache-Control"] == "private, no-store"
    revalidated = client.get(document.url, HTTP_IF_NONE_MATCH=served["ETag"])
    assert revalidated.status_code == 304
    assert revalidated["Cache-Control"] == "private, no-store"


def test_a_document_anyone_may_read_is_still_private(client, demo_site):
    document = document_in(Collection.get_first_root_node())
    served = client.get(document.url)
    assert (served.status_code, body(served)) == (200, PDF)
    assert served["Cache-Control"] == "private"


@pytest.mark.parametrize("address", ["/documents/999999/rota.pdf", "wrong-name"])
def test_a_document_address_that_names_nothing_is_a_404(client, demo_site, address):
    document = document_in(Collection.get_first_root_node())
    url = f"/documents/{document.pk}/other.pdf" if address == "wrong-name" else address
    response = client.get(url)
    assert response.status_code == 404
    assert PDF not in body(response)
