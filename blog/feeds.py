import datetime

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Rss201rev2Feed


class ArticleFeed(Feed):
    """RSS 2.0 feed of the newest articles of one blog index."""

    feed_type = Rss201rev2Feed
    item_count = 20

    def __init__(self, index_page):
        super().__init__()
        self.index_page = index_page

    def title(self):
        return self.index_page.title

    # Full URLs at the site's public address (its Site), whatever host the request came in on.
    def link(self):
        return self.index_page.full_url

    def feed_url(self):
        return self.index_page.full_url + self.index_page.reverse_subpage("feed")

    def description(self):
        return self.index_page.search_description or f"New articles from {self.index_page.title}"

    def items(self):
        return self.index_page.articles()[: self.item_count]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.intro

    def item_link(self, item):
        return item.full_url

    # The article's own dates, as the page and its structured data give them; the feed
    # wants a time of day, so each is the start of that day where the practice is.
    def item_pubdate(self, item):
        return datetime.datetime.combine(item.seo_published_at, datetime.time())

    def item_updateddate(self, item):
        return datetime.datetime.combine(item.seo_modified_at, datetime.time())

    def item_author_name(self, item):
        return item.author.name if item.author else None
