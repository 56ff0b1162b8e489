"""Pictures stored before uploads lost their metadata (a running site updated, an old backup
put back) are cleaned: by home/migrations/0010 with its own historical models, and by
``manage.py strip_image_metadata``. Each picture here is written straight to storage, past
the upload's stripping, as the old code stored it."""

import json
import uuid
from io import BytesIO, StringIO

import psycopg
import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from PIL import Image as PillowImage
from wagtail.images.models import Image, Rendition
from wagtail.utils.file import hash_filelike

from home.image_metadata import strip_stored_images
from home.images import FILTER_SPECS
from home.models import OG_IMAGE_FILTER

from .factories import make_guide
from .optional_services import require_postgres
from .s3_server import bucket_keys, create_media_bucket, moto_server, s3_media_env
from .servers import free_port, manage, production_env, run_in_site_process
from .test_image_metadata import GPS_IFD, MARKER, assert_no_metadata, photo_with_location

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_renditions_cache():
    """Each test makes the same pictures, and a rolled-back test's image ids are handed out
    again, so a rendition cached by an earlier test would answer for one not made here."""
    caches["renditions"].clear()


MIGRATION = ("home", "0010_strip_metadata_from_stored_images")
# A JPEG and an AVIF rendition, and the og:image (a JPEG made from any original).
SPECS = ["format-jpeg|width-200", "format-avif|width-200", OG_IMAGE_FILTER]


def stored_as_before(fmt: str, extension: str) -> Image:
    """An image whose original went to storage untouched, as before the fix."""
    name = default_storage.save(
        f"original_images/IMG_{fmt}.{extension}", ContentFile(photo_with_location(fmt))
    )
    with default_storage.open(name, "rb") as stored, PillowImage.open(stored) as picture:
        width, height = picture.size
        assert picture.getexif().get_ifd(GPS_IFD), "the stored original carries its location"
    image = Image(
        title=f"Old {fmt}",
        description="A couch by a window",
        file=name,  # already stored: the upload's stripping leaves a stored file alone
        width=width,
        height=height,
        file_size=default_storage.size(name),
    )
    image.save()
    assert MARKER in read(image.file)
    return image


def read(field_file) -> bytes:
    with field_file.storage.open(field_file.name, "rb") as stored:
        return stored.read()


def run_migration_function():
    """The migration's function, with the models as the migration sees them."""
    state = MigrationLoader(connection).project_state(MIGRATION)
    module = __import__("home.migrations." + MIGRATION[1], fromlist=["x"])
    module.strip_metadata_from_stored_images(state.apps, None)


def run_command():
    out = StringIO()
    call_command("strip_image_metadata", stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("run", [run_migration_function, run_command], ids=["migration", "command"])
def test_old_pictures_and_their_renditions_lose_their_metadata(client, demo_site, run):
    images = [stored_as_before("JPEG", "jpg"), stored_as_before("AVIF", "avif")]
    old = {}
    for image in images:
        renditions = image.get_renditions(*SPECS)
        assert MARKER in read(renditions[OG_IMAGE_FILTER].file), "the bug: og:image publishes it"
        keys = [r.get_cache_key() for r in renditions.values()]
        assert all(caches["renditions"].get(key) is not None for key in keys)
        old[image.pk] = (image.file.name, [r.file.name for r in renditions.values()], keys)

    run()

    for image in images:
        old_name, rendition_names, keys = old[image.pk]
        image.refresh_from_db()
        assert_no_metadata(image.file, f"the cleaned original {old_name}")
        assert image.file.name != old_name
        assert not default_storage.exists(old_name)
        assert image.file_size == len(read(image.file))
        assert image.file_hash == hash_filelike(BytesIO(read(image.file)))
        with default_storage.open(image.file.name, "rb") as stored, PillowImage.open(stored) as p:
            assert (image.width, image.height) == p.size == (300, 400)  # turned upright
        assert not Rendition.objects.filter(image=image).exists()
        assert not any(Rendition.objects.model().file.storage.exists(n) for n in rendition_names)
        assert all(caches["renditions"].get(key) is None for key in keys)
        for spec, rendition in image.get_renditions(*SPECS).items():
            assert_no_metadata(rendition.file, f"{spec} made again from {old_name}")

    guide = make_guide(hero_image=images[1])
    page = client.get(guide.url)
    assert page.status_code == 200
    fresh = Rendition.objects.filter(image=images[1], filter_spec__in=FILTER_SPECS)
    assert fresh.exists()
    assert all(r.url in page.content.decode() for r in fresh if r.filter_spec != OG_IMAGE_FILTER)


def test_the_command_reports_counts_and_a_second_run_changes_nothing(demo_site):
    image = stored_as_before("JPEG", "jpg")
    image.get_renditions(*SPECS)

    assert run_command().startswith("Stripped metadata from 1 image(s); deleted 3 rendition(s)")
    cleaned_name = Image.objects.get(pk=image.pk).file.name
    assert run_command().startswith("Stripped metadata from 0 image(s); deleted 0 rendition(s)")
    assert Image.objects.get(pk=image.pk).file.name == cleaned_name


def test_cleaning_a_picture_empties_the_page_cache(client, settings, demo_site):
    """Cached pages may link what was deleted. The image row is updated in place and this one
    has no renditions, so only home's ``stored_images_cleaned`` tells the page cache."""
    settings.PAGE_CACHE_ENABLED = True
    stored_as_before("JPEG", "jpg")
    assert client.get("/")["X-Page-Cache"] == "miss"
    assert client.get("/")["X-Page-Cache"] == "hit"

    assert run_command().startswith("Stripped metadata from 1 image(s); deleted 0 rendition(s)")

    assert client.get("/")["X-Page-Cache"] == "miss"


def test_a_picture_without_metadata_is_left_as_it_is(demo_site):
    plain = PillowImage.new("RGB", (300, 200), (143, 176, 152))
    buffer = ContentFile(b"", name="plain.png")
    plain.save(buffer.file, "PNG")
    name = default_storage.save("original_images/plain.png", ContentFile(buffer.file.getvalue()))
    image = Image.objects.create(
        title="Plain", description="Green", file=name, width=300, height=200
    )
    rendition = image.get_rendition("width-100")

    assert (strip_stored_images(Image, Rendition).images) == 0
    image.refresh_from_db()
    assert image.file.name == name
    assert Rendition.objects.filter(pk=rendition.pk).exists()


def test_an_image_whose_file_is_missing_is_named_and_the_rest_are_cleaned(demo_site):
    """An update never stops on a row whose file was lost (a partial restore, a copy)."""
    lost = stored_as_before("JPEG", "jpg")
    default_storage.delete(lost.file.name)
    kept = stored_as_before("AVIF", "avif")

    output = run_command()

    assert output.startswith("Stripped metadata from 1 image(s)")
    assert f"Not in storage, left as it is: {lost.file.name!r}" in output
    kept.refresh_from_db()
    assert_no_metadata(kept.file, "the image after the lost one")
    assert Image.objects.get(pk=lost.pk).file.name == lost.file.name


# -- the update itself: `manage.py migrate` on SQLite and on PostgreSQL ------------------

MAKE_OLD_IMAGE = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from wagtail.images.models import Image
from tests.test_image_metadata import photo_with_location
name = default_storage.save("original_images/IMG_2043.avif", ContentFile(photo_with_location("AVIF")))
image = Image(title="Old", description="A couch", file=name, width=400, height=300)
image.save()
image.get_renditions("format-jpeg|width-200", "format-avif|width-200")
print(image.pk)
"""
CHECK_IMAGE = """
import io
import json
from wagtail.images.models import Image
from tests.test_image_metadata import GPS_IFD, MARKER
from PIL import Image as PillowImage
image = Image.objects.get(pk={pk})
def gps(field_file):
    with field_file.storage.open(field_file.name, "rb") as f:
        content = f.read()
    with PillowImage.open(io.BytesIO(content)) as p:
        return bool(p.getexif().get_ifd(GPS_IFD)) or MARKER in content
count = image.renditions.count()
fresh = image.get_renditions("format-jpeg|width-200", "format-avif|width-200").values()
print(json.dumps([count, gps(image.file), [gps(r.file) for r in fresh]]))
"""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    server = require_postgres()
    name = f"practice_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_updating_a_running_site_cleans_its_pictures(tmp_path, database_url):
    env = production_env(tmp_path, free_port())
    env["DATABASE_URL"] = database_url
    manage(env, "migrate", "--noinput")
    manage(env, "migrate", "home", "0009", "--noinput")  # the site as it ran before
    pk = run_in_site_process(env, MAKE_OLD_IMAGE)
    assert json.loads(run_in_site_process(env, CHECK_IMAGE.format(pk=pk)))[:2] == [2, True]

    manage(env, "migrate", "--noinput")  # the update

    renditions_left, original_has_gps, fresh_have_gps = json.loads(
        run_in_site_process(env, CHECK_IMAGE.format(pk=pk))
    )
    assert renditions_left == 0
    assert original_has_gps is False
    assert fresh_have_gps == [False, False]


def test_the_command_cleans_pictures_in_the_bucket(tmp_path):
    """With object storage on (moto, the bucket as docs/deployment.md sets it up)."""
    with moto_server(tmp_path / "moto.log") as moto:
        create_media_bucket(moto.endpoint)
        env = {**production_env(tmp_path, free_port()), **s3_media_env(moto.endpoint)}
        manage(env, "migrate", "--noinput")
        pk = run_in_site_process(env, MAKE_OLD_IMAGE)
        before = bucket_keys(moto.endpoint)
        old = {key for key in before if key.startswith("original_images/IMG_2043")}
        assert len(old) == 1 and any(key.startswith("images/IMG_2043") for key in before)
        assert json.loads(run_in_site_process(env, CHECK_IMAGE.format(pk=pk)))[:2] == [2, True]
        old_renditions = {key for key in before if key.startswith("images/")}

        manage(env, "strip_image_metadata")

        renditions_left, original_has_gps, fresh_have_gps = json.loads(
            run_in_site_process(env, CHECK_IMAGE.format(pk=pk))
        )
        assert (renditions_left, original_has_gps, fresh_have_gps) == (0, False, [False, False])
        after = bucket_keys(moto.endpoint)
        assert not (old | old_renditions) & after, "the old original and renditions are gone"
