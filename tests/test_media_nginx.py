"""nginx from deploy/nginx/ serves renditions from disk and nothing else under /media/,
however the address is spelled (the table in tests/media_spellings.py).

Only nginx runs: the media locations never reach the app, so its upstream is a port
nothing listens on."""

import pytest

from .front_proxy import nginx, require_nginx, write_loopback_config
from .media_spellings import hostile_spellings, raw_get, refused
from .servers import free_port

pytestmark = pytest.mark.nginx

RENDITION = "images/photo.2e16d0ba.fill-480x360.format-jpeg.jpg"
PRIVATE = {
    "original_images/photo.jpg": b"original with GPS",
    "documents/rota.pdf": b"%PDF-1.4 staff rota",
}


@pytest.fixture(scope="module", params=["on", "off"], ids=["merge_slashes on", "merge_slashes off"])
def front(request, tmp_path_factory):
    """nginx as deployed, and with ``merge_slashes off`` too: the guarantee must not rest
    on its default."""
    require_nginx()
    workdir = tmp_path_factory.mktemp("media-nginx")
    media = workdir / "public" / "media"
    for name, content in {RENDITION: b"rendition", **PRIVATE}.items():
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(content)
    (media / "images" / "folder").mkdir()
    port, purge_port = free_port(), free_port()
    config = write_loopback_config(
        workdir / "nginx", port, purge_port, free_port(), workdir / "public"
    )
    config.write_text(
        config.read_text().replace("http {\n", f"http {{\nmerge_slashes {request.param};\n", 1)
    )
    with nginx(config, workdir / "nginx", port) as base_url:
        yield base_url


def test_a_rendition_is_served_from_disk_with_a_long_cache(front):
    status, cache_control, body = raw_get(front + "/media/" + RENDITION)
    assert (status, body) == (200, b"rendition")
    assert cache_control == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("stored_name", sorted(PRIVATE))
def test_no_spelling_of_a_private_file_is_served(front, stored_name):
    for attempt, spelling in hostile_spellings(stored_name).items():
        status, cache_control, body = raw_get(front + "/media/" + spelling)
        assert refused(status, cache_control), (attempt, spelling, status, cache_control)
        assert PRIVATE[stored_name] not in body, (attempt, spelling)


def test_a_folder_under_the_renditions_is_neither_listed_nor_redirected(front):
    for path in ("/media/images/", "/media/images/folder", "/media/images/folder/"):
        status, cache_control, _ = raw_get(front + path)
        assert refused(status, cache_control), (path, status, cache_control)
