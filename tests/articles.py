"""Publishing guides in tests the way the admin does: under the blog index, through a revision."""

import subprocess
import sys

from django.utils.text import slugify

from blog.models import BlogIndexPage, BlogPage

from .servers import REPO_ROOT


def publish_article(
    title: str, *, date="2026-10-01", intro: str = "", tags=(), **fields
) -> BlogPage:
    article = BlogPage(
        title=title,
        slug=slugify(title),
        date=date,
        intro=intro or f"About {title}.",
        body=[],
        **fields,
    )
    BlogIndexPage.objects.get().add_child(instance=article)
    if tags:
        article.tags.add(*tags)
    article.save_revision().publish()
    return article


def publish_in_another_process(env: dict[str, str], title: str, date: str) -> None:
    """``publish_article`` run by ``manage.py shell`` with ``env``: as another server would."""
    script = (
        f"from tests.articles import publish_article; publish_article({title!r}, date={date!r})"
    )
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
