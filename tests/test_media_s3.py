"""Media on S3-compatible object storage (DJANGO_MEDIA_STORAGE=s3), against moto in server mode.

The site runs in gunicorn with the switch on, as a server would; the image, the guide and the
document are made by `manage.py shell` with the same environment. Nothing is mocked: the
bucket is a real S3 API on loopback, with the bucket policy of docs/deployment.md.
"""

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from practice.settings.base import s3_media_settings

from .media_spellings import hostile_spellings, raw_get, refused
from .s3_server import (
    BUCKET,
    bucket_keys,
    create_media_bucket,
    moto_server,
    public_renditions_policy,
    s3_client,
    s3_media_env,
    upload_folder,
)
from .servers import (
    REPO_ROOT,
    database_url_for_other_processes,
    free_port,
    gunicorn,
    run_in_site_process,
)

DEPLOYMENT_PAGE = REPO_ROOT / "docs" / "deployment.md"
GUIDE_TITLE = "Massage after a long run"
DOCUMENT_BYTES = b"%PDF-1.4\n% aftercare leaflet\n"

# -- the switch ---------------------------------------------------------------------------


S3_ENV = {
    "DJANGO_MEDIA_S3_BUCKET": "calmhands-media",
    "DJANGO_MEDIA_S3_ENDPOINT_URL": "https://s3.eu-west-2.example",
    "DJANGO_MEDIA_S3_REGION": "eu-west-2",
    "DJANGO_MEDIA_S3_ACCESS_KEY_ID": "key",
    "DJANGO_MEDIA_S3_SECRET_ACCESS_KEY": "secret",
    "DJANGO_MEDIA_PUBLIC_URL": "https://media.calmhands.example",
}


def test_without_the_switch_uploads_stay_on_disk_and_django_serves_them():
    assert settings.MEDIA_STORAGE == "files"
    assert settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")
    assert "renditions" not in settings.STORAGES
    assert not hasattr(settings, "WAGTAILIMAGES_RENDITION_STORAGE")


def test_the_switch_signs_originals_and_links_renditions_at_the_public_url():
    media = s3_media_settings(S3_ENV)

    private, public = media["default"]["OPTIONS"], media["renditions"]["OPTIONS"]
    assert private["querystring_auth"] is True
    assert "custom_domain" not in private
    assert public["querystring_auth"] is False
    assert (public["url_protocol"], public["custom_domain"]) == (
        "https:",
        "media.calmhands.example",
    )
    for options in (private, public):
        assert options["bucket_name"] == "calmhands-media"
        assert options["endpoint_url"] == "https://s3.eu-west-2.example"
        assert options["file_overwrite"] is False
    assert media["MEDIA_URL"] == "https://media.calmhands.example/"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_MEDIA_S3_BUCKET", "", "needs DJANGO_MEDIA_S3_BUCKET"),
        ("DJANGO_MEDIA_PUBLIC_URL", "", "needs DJANGO_MEDIA_PUBLIC_URL"),
        ("DJANGO_MEDIA_PUBLIC_URL", "media.calmhands.example", "not 'media.calmhands.example/'"),
    ],
)
def test_the_switch_refuses_to_start_without_a_bucket_or_a_public_address(name, value, message):
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        s3_media_settings({**S3_ENV, name: value})


def test_an_unknown_storage_name_stops_the_site_from_starting():
    result = subprocess.run(
        [sys.executable, "-c", "import practice.settings.base"],
        cwd=REPO_ROOT,
        env={**os.environ, "DJANGO_MEDIA_STORAGE": "ftp"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_MEDIA_STORAGE is 'files' or 's3', not 'ftp'" in result.stderr


def test_the_deployment_page_gives_the_bucket_policy_the_tests_apply():
    """The policy docs/deployment.md tells an operator to set is the one these tests run under."""
    page = DEPLOYMENT_PAGE.read_text()
    blocks = re.findall(r"```json\n(.*?)\n\s*```", page, re.S)
    policies = [block for block in blocks if "PublicRenditions" in block]
    assert len(policies) == 1, "docs/deployment.md gives no bucket policy, or more than one"
    policy = json.loads(policies[0].replace("BUCKET", BUCKET))
    assert policy == public_renditions_policy(BUCKET)


# -- end to end, with moto -------------------------------------------------------------------


def fetch(url: str) -> tuple[int, Message, bytes]:
    """Status, headers (any case) and body; an error status is an answer, not an exception."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers, refused.read()


def image_addresses(html: str) -> set[str]:
    """Every address an <img> or a <source> of the page loads."""
    soup = BeautifulSoup(html, "html.parser")
    found = set()
    for tag in soup.find_all(["img", "source"]):
        if tag.get("src"):
            found.add(tag["src"])
        for candidate in (tag.get("srcset") or "").split(","):
            if candidate.strip():
                found.add(candidate.split()[0])
    return found


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


MAKE_GUIDE_WITH_PICTURE = f"""
import json
from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from tests.factories import make_guide, make_image
image = make_image(title="Runner's calves")
guide = make_guide(title={GUIDE_TITLE!r}, hero_image=image)
document = Document(title="Aftercare leaflet", file=ContentFile({DOCUMENT_BYTES!r}, name="aftercare.pdf"))
document.save()
print(json.dumps({{"original": image.file.name, "guide": guide.url, "document": document.url,
                  "document_file": document.file.name}}))
"""


@pytest.mark.django_db(transaction=True)
def test_a_guide_shows_its_picture_from_the_bucket_and_the_original_stays_private(
    demo_site, tmp_path
):
    local_media = tmp_path / "media"
    local_media.mkdir()
    with moto_server(tmp_path / "moto.log") as moto:
        create_media_bucket(moto.endpoint)
        # The demo's pictures move to the bucket, as an existing site's would.
        upload_folder(moto.endpoint, Path(settings.MEDIA_ROOT))
        public_url = f"{moto.endpoint}/{BUCKET}/"
        env = {
            **os.environ,
            **s3_media_env(moto.endpoint),
            "DJANGO_SETTINGS_MODULE": "practice.settings.test",
            "DATABASE_URL": database_url_for_other_processes(tmp_path),
            "DJANGO_MEDIA_ROOT": str(local_media),
            "DJANGO_CACHE_DIR": str(tmp_path / "cache"),
            "PAGE_CACHE_ENABLED": "1",
        }
        made = json.loads(run_in_site_process(env, MAKE_GUIDE_WITH_PICTURE))
        assert {made["original"], made["document_file"]} <= bucket_keys(moto.endpoint)

        log = tmp_path / "gunicorn.log"
        try:
            with gunicorn(env, free_port(), log) as base_url:
                status, headers, body = fetch(base_url + made["guide"])
                assert status == 200
                pictures = image_addresses(body.decode())
                # Named after the original's stored name (test.jpg, or test_<suffix>.jpg when
                # an earlier test left a test.jpg in the media folder copied to the bucket).
                original_stem = Path(made["original"]).stem
                hero = {url for url in pictures if f"/images/{original_stem}." in url}
                assert hero, pictures
                # Every picture of the page comes from the bucket's public address.
                assert all(url.startswith(public_url) for url in pictures), pictures

                for url in hero:
                    status, headers, body = fetch(url)
                    assert status == 200, url
                    assert headers["Content-Type"].startswith("image/")
                    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
                    assert body

                # The original is in the bucket, refused to anyone, and given to whoever
                # holds a signed address (the admin's link).
                assert fetch(public_url + made["original"])[0] == 403
                signed = s3_client(moto.endpoint).generate_presigned_url(
                    "get_object", Params={"Bucket": BUCKET, "Key": made["original"]}
                )
                assert fetch(signed)[0] == 200

                # A document: not at the bucket's address, but through the site's view.
                assert fetch(public_url + made["document_file"])[0] == 403
                status, headers, body = fetch(base_url + made["document"])
                assert (status, body) == (200, DOCUMENT_BYTES)
                assert headers["Cache-Control"] == "private"  # no CDN keeps a document

                # No spelling of a private file reaches it, at the bucket or at the site.
                for stored in (made["original"], made["document_file"]):
                    for attempt, spelling in hostile_spellings(stored).items():
                        for url in (public_url + spelling, f"{base_url}/media/{spelling}"):
                            status, cache_control, body = raw_get(url)
                            assert refused(status, cache_control), (attempt, url, status)
                            assert DOCUMENT_BYTES not in body, (attempt, url)

                # The page cache keeps the page.
                assert fetch(base_url + made["guide"])[1]["X-Page-Cache"] == "hit"

                # With the bucket gone, a page rendered afresh (a query string the page
                # cache does not keep) still links the same renditions: rendering a page
                # whose renditions exist asks nothing of the bucket.
                moto.stop()
                status, headers, body = fetch(base_url + made["guide"] + "?from=feed")
                assert (status, headers["X-Page-Cache"]) == (200, "bypass")
                assert image_addresses(body.decode()) == pictures
                # ...while whatever does read the bucket fails now.
                assert fetch(base_url + made["document"])[0] == 500
        finally:
            print(log.read_text()[-3000:])  # noqa: T201 - shown on failure

    assert files_under(local_media) == []
