"""Guides as people write and paste them: each document of the corpus (tests/data/guides/
corpus/) with the structure it must give; pictures from Word and Markdown; what the import
says it made; her defaults; a second import of the same guide."""

import re
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from PIL import Image as PillowImage
from wagtail.images import get_image_model
from wagtail.models import Page

from blog.guide_import import build_draft, import_guide, read_document, read_pasted
from blog.models import Author, BlogPage
from writing_checks.checks import check_page

from .factories import make_superuser
from .guide_documents import GUIDES, PRACTICE_GUIDE

pytestmark = pytest.mark.django_db

CORPUS = GUIDES / "corpus"


def outline(draft) -> list[str]:
    """The guide's blocks as a reader meets them: "h2 Why…", "text (2 lists)", "faq 3"…"""
    lines = []
    for block in draft.body:
        kind, value = block["type"], block["value"]
        if kind == "heading":
            lines.append(f"{value['level']} {value['text']}")
        elif kind == "paragraph":
            lists = value.count("<ul>") + value.count("<ol>")
            lines.append(f"text ({lists} lists)" if lists else "text")
        elif kind == "faq":
            lines.append(f"faq {value['heading']}: {len(value['items'])}")
        elif kind == "callout":
            lines.append(f"warning {value['heading']}")
        elif kind == "call_to_action":
            lines.append(f"booking {value['heading']}")
        elif kind == "image":
            lines.append(f"picture {value['caption']}")
    return lines


def items(draft) -> list[str]:
    html = " ".join(str(block["value"]) for block in draft.body if block["type"] == "paragraph")
    return [strip_tags(item).strip() for item in re.findall(r"<li>(.*?)</li>", html)]


# Each corpus document, and the structure it must give.
CORPUS_OUTLINES = {
    "sentence-case-headings.txt": [
        "h2 Why the neck stiffens",
        "text",
        "h2 What a session does",
        "text",
        "faq Your questions answered: 3",
        "warning When to seek medical advice",
    ],
    "pasted-double-spaced.txt": [
        "text (3 lists)",
        "warning Red flags",
        "booking Ready to sleep better?",
    ],
    "bulleted-questions.txt": [
        "h2 How it helps",
        "text",
        "faq Common questions: 2",
        "warning When not to have a massage",
    ],
}


@pytest.mark.parametrize("name", CORPUS_OUTLINES)
def test_a_corpus_document_gives_its_structure_from_the_file_and_pasted(name):
    path = CORPUS / name
    draft = build_draft(read_document(name, path.read_bytes()))
    assert outline(draft) == CORPUS_OUTLINES[name]
    assert not draft.could_not_place()
    # Pasted into the form, the same text makes the same guide.
    assert build_draft(read_pasted(path.read_text())).body == draft.body


def test_numbered_questions_lose_their_numbers():
    draft = build_draft(
        read_document("neck.txt", (CORPUS / "sentence-case-headings.txt").read_bytes())
    )
    (faq,) = [block["value"] for block in draft.body if block["type"] == "faq"]
    assert [item["question"] for item in faq["items"]] == [
        "Does massage hurt if my neck is very stiff?",
        "How many sessions will I need?",
        "Should I use heat or ice?",
    ]
    assert draft.intro.startswith("Most stiff necks come from")


def test_pasted_text_with_a_blank_line_after_every_line_keeps_every_list_item():
    path = CORPUS / "pasted-double-spaced.txt"
    draft = build_draft(read_pasted(path.read_text()))
    source_items = [
        line.lstrip("-12345. ")
        for line in path.read_text().splitlines()
        if line and len(line) < 60 and not line.endswith((":", "?", ".")) and line != "Red flags"
    ][1:]
    assert len(source_items) == 12
    assert items(draft) == source_items


def test_a_blank_line_between_bullets_does_not_break_the_list():
    draft = build_draft(
        read_pasted("Title\n\nSome text here.\n\n- one\n\n- two\n\n- three\n\nMore text.")
    )
    assert items(draft) == ["one", "two", "three"]


def test_the_practice_guide_closes_with_a_booking_button():
    draft = build_draft(read_document(PRACTICE_GUIDE.name, PRACTICE_GUIDE.read_bytes()))
    cta = draft.body[-1]
    assert cta["type"] == "call_to_action"
    assert cta["value"]["heading"] == "Ready to try massage for sciatica relief?"
    assert cta["value"]["text"].startswith("Book your appointment today")


def test_the_booking_button_links_to_the_booking_page():
    guide, draft = import_guide(read_document(PRACTICE_GUIDE.name, PRACTICE_GUIDE.read_bytes()))
    block = guide.get_latest_revision_as_object().body.raw_data[-1]
    assert block["type"] == "call_to_action"
    booking = Page.objects.get(pk=block["value"]["page"])
    assert booking.specific_class.__name__ == "BookingPage"
    assert "a button to the booking page" in " ".join(draft.notes())


# -- what the import says -----------------------------------------------------------------


def test_the_summary_counts_what_was_made_and_names_the_search_title():
    draft = build_draft(read_document(PRACTICE_GUIDE.name, PRACTICE_GUIDE.read_bytes()))
    summary = draft.summary()
    assert (
        "Made 9 headings, 4 lists, 3 questions, 1 callout, 0 pictures, a booking button." in summary
    )
    assert (
        "the second, “Massage for Sciatica Relief: How It Helps and What to Expect”, is offered"
        in summary
    )


def test_a_heading_the_guide_cannot_hold_is_said():
    draft = build_draft(
        read_document(
            "g.md", b"# Title\n\nIntro text.\n\n## FAQ\n\n### General\n\n### Does it hurt?\n\nNo."
        )
    )
    assert draft.could_not_place() == [
        "The heading “General” in the questions section, before any question, was left out."
    ]


def test_the_command_says_what_it_could_not_place_and_still_succeeds(tmp_path, capsys):
    path = tmp_path / "guide.txt"
    path.write_text(
        "Title Here\n\nIntro text that is long enough.\n\nFAQ\nQ: Answered?\nYes.\nQ: Not answered?\n"
    )
    call_command("import_guide", str(path))
    out, err = capsys.readouterr()
    assert "/edit/" in out
    assert "Could not place: The question “Not answered?” has no answer" in err


# -- her defaults ---------------------------------------------------------------------------


def test_the_draft_is_by_the_practices_therapist_reviewed_today():
    author = Author.objects.get()
    guide, _ = import_guide(read_pasted("A Title\n\nSome text for the guide."))
    draft = guide.get_latest_revision_as_object()
    assert draft.author == author
    assert draft.last_reviewed == timezone.localdate()


# -- the same guide again -------------------------------------------------------------------


def test_importing_the_same_guide_again_makes_a_new_draft_of_it(client):
    client.force_login(make_superuser())
    text = (CORPUS / "bulleted-questions.txt").read_text()
    client.post(reverse("blog_import_guide"), {"text": text})
    guide = BlogPage.objects.get(title="Massage After Running")
    guide.get_latest_revision().publish()
    revisions = guide.revisions.count()

    changed = text.replace("a day or two later", "two days later")
    response = client.post(reverse("blog_import_guide"), {"text": changed}, follow=True)
    assert BlogPage.objects.filter(title="Massage After Running").count() == 1
    guide.refresh_from_db()
    assert guide.revisions.count() == revisions + 1
    assert guide.has_unpublished_changes
    assert "two days later" not in guide.intro  # the live guide is as it was
    assert "two days later" in guide.get_latest_revision_as_object().intro
    message = " ".join(str(m) for m in response.context["messages"])
    assert "was already a guide: this is a new draft of it" in message

    client.post(reverse("blog_import_guide"), {"text": changed, "separate": "on"})
    assert BlogPage.objects.filter(title="Massage After Running").count() == 2


# -- pictures -------------------------------------------------------------------------------


def picture_bytes(colour=(120, 160, 140), kind="PNG") -> bytes:
    buffer = BytesIO()
    PillowImage.new("RGB", (640, 400), colour).save(buffer, kind)
    return buffer.getvalue()


def word_guide_with_pictures() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Stretches for the Lower Back", 1)
    document.add_paragraph("Three gentle stretches ease a stiff lower back in the morning.")
    document.add_heading("The Knee Hug", 2)
    document.add_paragraph("Lie on your back and draw both knees to your chest.")
    document.add_picture(BytesIO(picture_bytes()))
    described = document.inline_shapes[0]._inline.docPr
    described.set("descr", "A woman on a mat hugging her knees to her chest")
    document.add_paragraph("The knee hug, held for thirty seconds", style="Caption")
    document.add_heading("The Cat Stretch", 2)
    document.add_paragraph("On hands and knees, round the back up, then let it sink.")
    document.add_picture(BytesIO(picture_bytes((90, 110, 170), "JPEG")))
    document.add_paragraph("The cat stretch", style="Caption")
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_word_pictures_become_images_in_place_with_captions_and_descriptions():
    guide, draft = import_guide(read_document("stretches.docx", word_guide_with_pictures()))
    body = guide.get_latest_revision_as_object().body
    assert [child.block_type for child in body] == [
        "heading", "paragraph", "image", "heading", "paragraph", "image"
    ]  # fmt: skip
    knee, cat = body[2].value, body[5].value
    assert knee["caption"] == "The knee hug, held for thirty seconds"
    assert knee["image"].description == "A woman on a mat hugging her knees to her chest"
    assert knee["image"].contextual_alt_text == knee["image"].description
    assert cat["caption"] == "The cat stretch" and cat["image"].description == ""
    assert get_image_model().objects.filter(pk=cat["image"].pk).exists()
    assert "2 pictures" in draft.summary()
    assert "Describe the picture “The cat stretch”" in draft.summary()


def test_a_picture_without_a_description_stops_the_publish_until_described(client):
    client.force_login(make_superuser())
    response = client.post(
        reverse("blog_import_guide"),
        {"document": upload("stretches.docx", word_guide_with_pictures())},
        follow=True,
    )
    guide = BlogPage.objects.get(title="Stretches for the Lower Back")
    assert "The picture “The cat stretch” (block 6) has no alt text" in response.content.decode()
    body = guide.get_latest_revision_as_object().body
    # What the editor's form runs before a publish: the undescribed picture is refused.
    with pytest.raises(ValidationError):
        body.stream_block.clean(body)


def test_markdown_pictures_beside_the_file_come_through_and_missing_ones_are_said(tmp_path, capsys):
    (tmp_path / "couch.jpg").write_bytes(picture_bytes(kind="JPEG"))
    guide_path = tmp_path / "guide.md"
    guide_path.write_text(
        "# Your First Visit\n\nWhat happens at a first appointment, step by step.\n\n"
        '## The Room\n\n![A treatment couch under a window](couch.jpg "The treatment room")\n\n'
        "It is warm and quiet.\n\n![A map](map.png)\n"
    )
    call_command("import_guide", str(guide_path))
    _, err = capsys.readouterr()
    guide = BlogPage.objects.get(title="Your First Visit")
    body = guide.get_latest_revision_as_object().body
    (picture,) = [child.value for child in body if child.block_type == "image"]
    assert picture["caption"] == "The treatment room"
    assert picture["image"].description == "A treatment couch under a window"
    assert "Could not place: The picture map.png is not in what was imported" in err


def upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


MARKDOWN_WITH_PICTURES = (
    "# Your First Visit\n\nWhat happens at a first appointment, step by step.\n\n"
    '## The Room\n\n![A treatment couch under a window](couch.jpg "The treatment room")\n\n'
    "It is warm and quiet.\n\n![A map](map.png)\n"
)


def test_in_the_admin_a_markdown_file_brings_the_pictures_chosen_beside_it(client):
    client.force_login(make_superuser())
    response = client.post(
        reverse("blog_import_guide"),
        {
            "document": upload("guide.md", MARKDOWN_WITH_PICTURES.encode()),
            "pictures": [
                upload("couch.jpg", picture_bytes(kind="JPEG")),
                upload("unrelated.png", picture_bytes()),
            ],
        },
        follow=True,
    )
    assert response.status_code == 200
    guide = BlogPage.objects.get(title="Your First Visit")
    body = guide.get_latest_revision_as_object().body
    (picture,) = [child.value for child in body if child.block_type == "image"]
    assert picture["caption"] == "The treatment room"
    assert picture["image"].description == "A treatment couch under a window"
    said = " ".join(str(message) for message in response.context["messages"])
    assert "Could not place: The picture map.png is not in what was imported" in said


def test_in_the_admin_pictures_chosen_with_a_text_file_are_not_used(client):
    client.force_login(make_superuser())
    images = get_image_model().objects.count()
    client.post(
        reverse("blog_import_guide"),
        {
            "document": upload("guide.txt", b"Your First Visit\n\nWhat happens, step by step.\n"),
            "pictures": [upload("couch.jpg", picture_bytes(kind="JPEG"))],
        },
    )
    assert BlogPage.objects.filter(title="Your First Visit").exists()
    assert get_image_model().objects.count() == images


def test_the_imported_practice_guide_is_not_told_its_disclaimer_is_a_claim():
    guide, _ = import_guide(read_document(PRACTICE_GUIDE.name, PRACTICE_GUIDE.read_bytes()))
    warnings = check_page(guide.get_latest_revision_as_object()).warnings
    claims = " ".join(w.message for w in warnings if w.check == "claim-words")
    assert "“cure”" not in claims
    checks = {warning.check for warning in warnings}
    assert not {"guide-without-author-or-review", "guide-without-faq"} & checks
