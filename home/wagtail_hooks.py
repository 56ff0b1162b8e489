from wagtail import hooks

from .rich_text import PageTreeLinkHandler


@hooks.register("register_rich_text_features", order=1)
def expand_page_links_from_the_page_tree(features):
    # After Wagtail's own registration (order 0), which this replaces.
    features.register_link_type(PageTreeLinkHandler)
