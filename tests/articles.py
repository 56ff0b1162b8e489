"""Publishing guides in tests the way the admin does: under the blog index, through a revision."""

from django.utils.text import slugify

from blog.models import BlogIndexPage, BlogPage


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
