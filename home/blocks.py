"""The StreamField blocks every page body shares."""

import copy

from django.utils.html import strip_tags
from django.utils.text import slugify
from wagtail import blocks
from wagtail.images.blocks import ImageBlock
from wagtail.models import Page

from .rich_text import pages_by_id

# What the design supports in running text. No headings here: the heading
# block keeps the outline the table of contents and screen readers rely on.
RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class HeadingValue(blocks.StructValue):
    def anchor(self) -> str:
        return slugify(self.get("text"))


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    level = blocks.ChoiceBlock(
        choices=[("h2", "Section heading"), ("h3", "Subheading")],
        default="h2",
        help_text="Use subheadings only inside a section.",
    )

    class Meta:
        template = "blocks/heading_block.html"
        icon = "title"
        label = "Heading"
        value_class = HeadingValue
        preview_value = {"text": "What causes sciatica?", "level": "h2"}


class FigureBlock(blocks.StructBlock):
    image = ImageBlock()
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        template = "blocks/figure_block.html"
        icon = "image"
        label = "Image"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(max_length=600)
    attribution = blocks.CharBlock(required=False, max_length=120)

    class Meta:
        template = "blocks/quote_block.html"
        icon = "openquote"
        label = "Quote"
        preview_value = {
            "text": "I could sit through a whole film again without my leg aching.",
            "attribution": "A client, after six sessions",
        }


class PageLinkChooserBlock(blocks.PageChooserBlock):
    """Wagtail's page chooser, whose pages come from those the request has read already
    (``home.rich_text.pages_by_id``): a link to a page in the menu costs no query."""

    def bulk_to_python(self, values):
        if self.model_class is not Page:
            return super().bulk_to_python(values)
        pages = pages_by_id(str(value) for value in values if value is not None)
        # One instance per value, as Wagtail gives them.
        return [copy.copy(pages.get(str(value))) for value in values]


# Stored and migrated as Wagtail's own chooser: it differs only in where it reads from.
DECONSTRUCT_ALIASES = {PageLinkChooserBlock: "wagtail.blocks.PageChooserBlock"}


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120)
    text = blocks.TextBlock(required=False, max_length=400)
    button_label = blocks.CharBlock(max_length=40, default="Book a session")
    page = PageLinkChooserBlock()

    class Meta:
        template = "blocks/call_to_action_block.html"
        icon = "pick"
        label = "Call to action"


class CalloutBlock(blocks.StructBlock):
    variant = blocks.ChoiceBlock(
        choices=[("info", "Information"), ("warning", "Warning")],
        default="info",
        help_text='Use "Warning" for safety advice, such as when to see a doctor first.',
    )
    heading = blocks.CharBlock(max_length=120)
    body = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)

    class Meta:
        template = "blocks/callout_block.html"
        icon = "warning"
        label = "Callout"
        preview_value = {
            "variant": "warning",
            "heading": "When to see a doctor first",
            "body": "<p>Seek medical advice at once if you lose bladder control.</p>",
        }


class FAQItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(max_length=200)
    answer = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "help"
        label = "Question"


class FAQValue(blocks.StructValue):
    def schema_entities(self) -> list[dict]:
        """schema.org Question entities, built from the same value the HTML shows."""
        return [
            {
                "@type": "Question",
                "name": item["question"],
                "acceptedAnswer": {
                    "@type": "Answer",
                    "text": strip_tags(item["answer"].source).strip(),
                },
            }
            for item in self.get("items")
        ]


class FAQBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120, default="Frequently asked questions")
    items = blocks.ListBlock(FAQItemBlock(), min_num=1)

    class Meta:
        template = "blocks/faq_block.html"
        icon = "help"
        label = "FAQ"
        value_class = FAQValue
        preview_value = {
            "heading": "Frequently asked questions",
            "items": [
                {
                    "question": "How many sessions will I need?",
                    "answer": "<p>Many people feel a change after one session.</p>",
                }
            ],
        }


class BaseStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES,
        icon="pilcrow",
        label="Text",
        template="blocks/paragraph_block.html",
    )
    image = FigureBlock()
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
    callout = CalloutBlock()
    faq = FAQBlock()

    class Meta:
        # One FAQ per page keeps a single, complete FAQPage in the structured data.
        block_counts = {"faq": {"max_num": 1}}


def faq_schema(stream) -> dict | None:
    """schema.org FAQPage for the FAQ blocks of a stream, or None if it has none."""
    entities = [
        entity
        for child in stream
        if child.block_type == "faq"
        for entity in child.value.schema_entities()
    ]
    if not entities:
        return None
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": entities,
    }


def headings(stream) -> list[HeadingValue]:
    """The section headings of a stream, for a table of contents."""
    return [
        child.value
        for child in stream
        if child.block_type == "heading" and child.value["level"] == "h2"
    ]
