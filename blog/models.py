import datetime
import re
from dataclasses import dataclass

from django import forms
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.text import slugify
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet
from wagtailseo.models import SeoType, TwitterCard

from home.blocks import RICH_TEXT_FEATURES, BaseStreamBlock, faq_schema, headings
from home.models import BasePage, HeroImageMixin, PageWithPicturesManager
from home.private_sections import live_public, public
from writing_checks.checks import WritingWarning
from writing_checks.panel import EmptyBulletsDroppedForm, WritingChecksPanel

WORDS_PER_MINUTE = 200
FAQ_ANCHOR = "faq-heading"  # the FAQ block's heading (templates/blocks/faq_block.html)


@dataclass(frozen=True)
class ContentsEntry:
    """A place in a guide the table of contents links to."""

    text: str
    anchor: str


# A tag's slug as taggit makes it (Unicode letters and digits, "_" and "-").
TAG_SLUG = re.compile(r"[\w-]{1,100}")


@register_snippet
class Author(models.Model):
    name = models.CharField(max_length=120)
    credentials = models.CharField(
        max_length=200,
        blank=True,
        help_text="For example: BSc, Level 5 Sports Massage, CNHC registered",
    )
    bio = models.TextField(max_length=800, blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("credentials"),
        FieldPanel("bio"),
        FieldPanel("photo"),
    ]

    def __str__(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    def schema(self) -> dict:
        data = {"@type": "Person", "name": self.name}
        if self.credentials:
            data["jobTitle"] = self.credentials
        if self.bio:
            data["description"] = self.bio
        return data


class BlogPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "blog.BlogPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class BlogIndexPage(RoutablePageMixin, BasePage):
    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["blog.BlogPage"]
    max_count = 1

    class Meta:
        verbose_name = "Guides index"
        verbose_name_plural = "Guides indexes"

    ARTICLES_PER_PAGE = 10

    def articles(self, tag: str | None = None):
        # Every article is a child of the one blog index (its tree rules and max_count), so
        # no path filter is needed, and SQLite then reads the newest through the date index
        # instead of sorting every article.
        articles = (
            public(BlogPage.objects.live())
            .select_related("hero_image", "author")
            .prefetch_related("hero_image__renditions")
            .order_by("-date", "-pk")
        )
        if tag:
            articles = articles.filter(tags__slug=tag)
        return articles

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        tag = request.GET.get("tag") or None
        if tag and not TAG_SLUG.fullmatch(tag):
            # Any text may come here. None that is not a slug names a tag, and some (a NUL
            # byte) PostgreSQL refuses with an error: the page says no article has it.
            articles = BlogPage.objects.none()
            tag = "".join(ch for ch in tag[:100] if ch.isprintable()) or "?"
        else:
            articles = self.articles(tag)
        paginator = Paginator(articles, self.ARTICLES_PER_PAGE)
        if not tag:
            # The same articles, counted from the page tree alone: no join with their table.
            paginator.count = public(Page.objects.child_of(self).live().type(BlogPage)).count()
        context.update(
            articles=paginator.get_page(request.GET.get("page")),
            current_tag=tag,
            query_prefix=urlencode({"tag": tag}) if tag else "",
        )
        return context

    @path("feed/", name="feed")
    def feed(self, request):
        from .feeds import ArticleFeed

        return ArticleFeed(self)(request)


class BlogPage(HeroImageMixin, BasePage):
    author = models.ForeignKey(
        Author, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date = models.DateField("Published on", db_index=True, default=datetime.date.today)
    last_reviewed = models.DateField(
        null=True,
        blank=True,
        help_text="When the advice was last checked and still holds.",
    )
    intro = models.TextField(
        max_length=400, help_text="A short summary, shown under the title and on cards."
    )
    body = StreamField(BaseStreamBlock())
    related_services = ParentalManyToManyField(
        "services.ServicePage", blank=True, related_name="+", verbose_name="Related treatments"
    )
    tags = ClusterTaggableManager(through=BlogPageTag, blank=True)

    content_panels = Page.content_panels + [
        WritingChecksPanel(),
        MultiFieldPanel(
            [
                FieldPanel("author"),
                FieldRowPanel([FieldPanel("date"), FieldPanel("last_reviewed")]),
            ],
            heading="About this article",
        ),
        FieldPanel("intro"),
        FieldPanel("hero_image"),
        FieldPanel("hero_image_decorative"),
        FieldPanel("body"),
        FieldPanel("related_services", widget=forms.CheckboxSelectMultiple),
        FieldPanel("tags"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]

    parent_page_types = ["blog.BlogIndexPage"]
    subpage_types: list[str] = []
    in_site_search = True  # found by the search in every page's header

    seo_content_type = SeoType.ARTICLE
    seo_twitter_card = TwitterCard.LARGE
    seo_image_sources = ["og_image", "hero_image"]
    seo_description_sources = ["search_description", "intro"]

    base_form_class = EmptyBulletsDroppedForm

    objects = PageWithPicturesManager("hero_image", "author")

    class Meta:
        verbose_name = "Guide"
        verbose_name_plural = "Guides"

    def writing_warnings(self) -> list[WritingWarning]:
        """A guide's own checks while she writes (writing_checks/checks.py has the rest)."""
        warnings = []
        if not any(child.block_type == "faq" for child in self.body or ()):
            warnings.append(
                WritingWarning(
                    "guide-without-faq",
                    "This guide has no FAQ block. Readers' questions, answered, are what "
                    "search engines and clients look for.",
                )
            )
        if self.author is None and self.last_reviewed is None:
            warnings.append(
                WritingWarning(
                    "guide-without-author-or-review",
                    "No author and no “last reviewed” date (About this article): readers "
                    "and search engines look for who wrote health advice, and when it was "
                    "last checked.",
                )
            )
        elif self.author is None:
            warnings.append(
                WritingWarning(
                    "guide-without-author",
                    "No author (About this article): readers look for who wrote health advice.",
                )
            )
        elif self.last_reviewed is None:
            warnings.append(
                WritingWarning(
                    "guide-without-review-date",
                    "No “last reviewed” date (About this article): readers look for when "
                    "the advice was last checked.",
                )
            )
        if not self.related_services.all():
            warnings.append(
                WritingWarning(
                    "guide-without-treatment",
                    "No related treatment is ticked, so the guide leads to no booking.",
                )
            )
        return warnings

    @property
    def seo_author(self) -> str:
        return self.author.name if self.author else ""

    # One pair of dates for the page, its JSON-LD, Open Graph, the feed and the sitemap:
    # the ones the therapist sets, never the day the page was loaded or re-saved.
    @property
    def seo_published_at(self) -> datetime.date:
        return self.date

    @property
    def seo_modified_at(self) -> datetime.date:
        return self.last_reviewed or self.date

    @cached_property
    def reading_minutes(self) -> int:
        text = " ".join([self.intro, *self.body.stream_block.get_searchable_content(self.body)])
        return max(1, round(len(text.split()) / WORDS_PER_MINUTE))

    def table_of_contents(self) -> list[ContentsEntry]:
        """Every section a reader can jump to, in order: the section headings, the FAQ and
        the warning callouts (each has its heading's anchor on the page)."""
        section_headings = {id(value) for value in headings(self.body)}
        entries = []
        for child in self.body or ():
            value = child.value
            if child.block_type == "heading" and id(value) in section_headings:
                entries.append(ContentsEntry(value["text"], value.anchor()))
            elif child.block_type == "faq":
                entries.append(ContentsEntry(value["heading"], FAQ_ANCHOR))
            elif child.block_type == "callout" and value["variant"] == "warning":
                entries.append(ContentsEntry(value["heading"], slugify(value["heading"])))
        return entries

    def live_related_services(self):
        return live_public(self.related_services).order_by("path")

    @cached_property
    def topic_tags(self) -> list:
        return list(self.tags.all())

    def related_articles(self, count: int = 3) -> list["BlogPage"]:
        """Other live articles, those sharing a topic first, then the newest."""
        ordering = ["-date", "-pk"]
        if self.topic_tags:
            # Without topics, Django folds the test into a constant, and PostgreSQL
            # refuses to order by a constant.
            shares_a_topic = BlogPageTag.objects.filter(
                content_object=OuterRef("pk"), tag__in=[tag.pk for tag in self.topic_tags]
            )
            ordering.insert(0, Exists(shares_a_topic).desc())
        return list(
            public(BlogPage.objects.live())
            .exclude(pk=self.pk)
            .select_related("hero_image")
            .prefetch_related("hero_image__renditions")
            .order_by(*ordering)[:count]
        )

    def article_schema(self) -> dict:
        data = {
            "@context": "https://schema.org",
            "@type": "Article",
            "headline": self.title,
            "description": self.seo_description,
            "mainEntityOfPage": {"@type": "WebPage", "@id": self.get_full_url()},
            "datePublished": self.seo_published_at.isoformat(),
            "dateModified": self.seo_modified_at.isoformat(),
            "publisher": self.practice_schema_reference,
        }
        if self.author:
            data["author"] = self.author.schema()
        if self.og_image_rendition:
            data["image"] = [self.og_image_rendition.full_url]
        return data

    def get_sitemap_urls(self, request=None):
        return [
            {**url, "lastmod": self.seo_modified_at} for url in super().get_sitemap_urls(request)
        ]

    def structured_data(self) -> list[dict]:
        faq = faq_schema(self.body)
        return [
            *super().structured_data(),
            self.article_schema(),
            *([faq] if faq else []),
        ]
