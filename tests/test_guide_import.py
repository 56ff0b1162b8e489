"""Importing a guide from a document: the practice's own guide, documents of other shapes,
refusals that make no page, the command and the admin's "Import a guide"."""

import re
import subprocess
import sys
import zipfile
from io import BytesIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils.html import strip_tags
from wagtail.models import Page

from blog.guide_elements import GuideImportError
from blog.guide_import import build_draft, import_guide, read_document, read_pasted
from blog.models import BlogIndexPage, BlogPage
from services.models import ServicePage

from .factories import make_service, make_staff_user, make_superuser
from .guide_documents import (
    GUIDES,
    PRACTICE_GUIDE,
    WORD_FAQ,
    WORD_INTRO,
    WORD_QUESTIONS,
    WORD_SECTION,
    WORD_STEPS,
    WORD_TITLE,
    WORD_WARNING,
    WORD_WARNING_TEXT,
    word_guide,
)
from .servers import REPO_ROOT

pytestmark = pytest.mark.django_db


def blocks(draft, block_type):
    return [block["value"] for block in draft.body if block["type"] == block_type]


def text_of(html: str) -> str:
    return " ".join(strip_tags(html.replace("</li>", " ").replace("</p>", " ")).split())


def draft_of(path):
    return build_draft(read_document(path.name, path.read_bytes()))


# -- the practice's own guide --------------------------------------------------------------

SOURCE_LINES = [line.strip() for line in PRACTICE_GUIDE.read_text().splitlines() if line.strip()]


def source_section(heading: str) -> list[str]:
    """The source's lines under ``heading``, up to the next of the guide's headings."""
    start = SOURCE_LINES.index(heading) + 1
    end = next(i for i in range(start, len(SOURCE_LINES)) if SOURCE_LINES[i] in SECTION_HEADINGS)
    return SOURCE_LINES[start:end]


# The guide's headings as its author wrote them, each checked to be a line of the source.
SECTION_HEADINGS = [
    "What Causes Sciatica?",
    "How Massage Therapy Helps with Sciatica",
    "Best Types of Massage for Sciatica Relief",
    "Self-Care Between Massage Sessions",
    "FAQs About Massage for Sciatica",
    "When to See a Doctor First",
    "Conclusion",
    "Ready to try massage for sciatica relief?",
]
INVITATION = SECTION_HEADINGS[-1]
SUBHEADINGS = [
    "Releasing Muscle Tension",
    "Improving Blood Flow",
    "Easing Nerve Entrapment",
    "Promoting Relaxation",
]


def test_the_practice_guide_headings_are_lines_of_its_source():
    text = PRACTICE_GUIDE.read_text()
    for heading in SECTION_HEADINGS + SUBHEADINGS:
        assert heading in text


def test_the_practice_guide_keeps_its_title_and_every_heading_in_order():
    draft = draft_of(PRACTICE_GUIDE)
    assert draft.title == SOURCE_LINES[0]
    assert draft.seo_title == SOURCE_LINES[1]
    headings = blocks(draft, "heading")
    # The FAQ, the warning and the closing invitation are blocks of their own.
    expected = [h for h in SECTION_HEADINGS if h not in SECTION_HEADINGS[4:6] + [INVITATION]]
    assert [h["text"] for h in headings if h["level"] == "h2"] == expected
    assert [h["text"] for h in headings if h["level"] == "h3"] == SUBHEADINGS
    # Each sub-heading sits in its section, after its heading.
    order = [h["text"] for h in headings]
    assert order.index("How Massage Therapy Helps with Sciatica") < order.index(SUBHEADINGS[0])
    assert order.index(SUBHEADINGS[-1]) < order.index("Best Types of Massage for Sciatica Relief")


def test_the_practice_guide_has_every_question_and_answer_of_its_source():
    draft = draft_of(PRACTICE_GUIDE)
    faq_lines = source_section("FAQs About Massage for Sciatica")
    expected = [
        (line.removeprefix("Q: "), faq_lines[i + 1])
        for i, line in enumerate(faq_lines)
        if line.startswith("Q: ")
    ]
    assert len(expected) == 3
    (faq,) = blocks(draft, "faq")
    assert faq["heading"] == "FAQs About Massage for Sciatica"
    assert [(i["question"], text_of(i["answer"])) for i in faq["items"]] == expected
    assert draft.questions == [(i["question"], i["answer"]) for i in faq["items"]]


def test_the_practice_guide_warning_is_a_callout_with_its_whole_text():
    draft = draft_of(PRACTICE_GUIDE)
    (callout,) = blocks(draft, "callout")
    assert callout["variant"] == "warning"
    assert callout["heading"] == "When to See a Doctor First"
    assert text_of(callout["body"]) == " ".join(source_section("When to See a Doctor First"))
    assert "<ul><li>Sudden, severe weakness in the leg</li>" in callout["body"]


def test_the_practice_guide_text_is_all_there_with_its_lists():
    draft = draft_of(PRACTICE_GUIDE)
    body_text = text_of(" ".join(blocks(draft, "paragraph")))
    for heading in ["What Causes Sciatica?", "Self-Care Between Massage Sessions", "Conclusion"]:
        for line in source_section(heading):
            assert line in body_text
    causes = next(p for p in blocks(draft, "paragraph") if "Herniated discs" in p)
    assert "<ul><li>Herniated discs pressing on the nerve</li>" in causes
    # The paragraph that ran into the next heading is split from it.
    assert any(p.endswith("easing nerve compression.</p>") for p in blocks(draft, "paragraph"))
    # "Name – what it does." lines are a list of terms.
    types = next(p for p in blocks(draft, "paragraph") if "Swedish Massage" in p)
    assert "<li><b>Deep Tissue Massage</b> – Reaches deeper muscle layers" in types


def test_the_practice_guide_intro_and_search_description_come_from_its_first_paragraph():
    draft = draft_of(PRACTICE_GUIDE)
    first_paragraph = SOURCE_LINES[3]
    assert SOURCE_LINES[2] == "Introduction"
    assert draft.intro == first_paragraph
    assert len(draft.search_description) <= 160
    assert draft.search_description.endswith("…")
    words = draft.search_description.removesuffix("…").split()
    assert first_paragraph.split()[: len(words)] == words
    # The introduction's heading is not repeated; its second paragraph opens the body.
    assert draft.body[0]["type"] == "paragraph"
    assert text_of(draft.body[0]["value"]) == SOURCE_LINES[4]


def test_the_practice_guide_suggests_the_treatments_it_names():
    draft = draft_of(PRACTICE_GUIDE)
    text = PRACTICE_GUIDE.read_text().lower()
    named = [
        s.title for s in ServicePage.objects.live().order_by("path") if s.title.lower() in text
    ]
    assert len(named) == 4
    assert [page.title for page in draft.treatments] == named


def test_a_treatment_not_live_is_not_suggested():
    hidden = make_service(title="Sciatic Stretch Therapy")
    hidden.unpublish()
    draft = build_draft(read_pasted("Title\n\nSciatic stretch therapy and Swedish massage help."))
    assert [page.title for page in draft.treatments] == ["Swedish Massage"]


def test_the_practice_guide_becomes_a_draft_that_publishes_with_its_faq(client):
    index = BlogIndexPage.objects.get()
    data = PRACTICE_GUIDE.read_bytes()
    guide, draft = import_guide(read_document(PRACTICE_GUIDE.name, data))
    guide = BlogPage.objects.get(pk=guide.pk)
    assert guide.get_parent().pk == index.pk
    assert not guide.live and guide.has_unpublished_changes
    assert guide.latest_revision is not None and guide.first_published_at is None
    assert client.get(guide.url or f"/blog/{guide.slug}/").status_code == 404

    revision = guide.latest_revision.as_object()
    assert revision.intro == draft.intro
    assert sorted(s.title for s in revision.related_services.all()) == sorted(
        page.title for page in draft.treatments
    )
    guide.latest_revision.publish()
    response = client.get(guide.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Can massage make sciatica worse?" in html
    assert '"@type": "FAQPage"' in html or '"@type":"FAQPage"' in html


# -- documents of other shapes -------------------------------------------------------------


def test_a_markdown_guide_with_q_and_a_lines():
    draft = draft_of(GUIDES / "shoulder-tension.md")
    assert draft.title == "Easing Shoulder Tension from Desk Work"
    assert draft.intro.startswith("Hours at a keyboard pull the shoulders up and forward.")
    assert draft.search_description.startswith("Hours at a keyboard")
    assert [h["text"] for h in blocks(draft, "heading")] == [
        "Why the Shoulders Tighten",
        "What Helps",
    ]
    paragraphs = " ".join(blocks(draft, "paragraph"))
    assert "<ul><li>a screen set too low</li>" in paragraphs
    assert "<ol><li>Stand up every half hour.</li>" in paragraphs
    (callout,) = blocks(draft, "callout")
    assert callout["heading"] == "When to Seek Medical Advice"
    assert "See your GP first" in callout["body"]
    (faq,) = blocks(draft, "faq")
    assert faq["heading"] == "Questions"
    assert [(i["question"], text_of(i["answer"])) for i in faq["items"]] == [
        (
            "Can massage help a stiff neck too?",
            "Yes. The neck and the shoulders share muscles, so a session treats both.",
        ),
        (
            "How soon will I feel better?",
            "Most people feel looser the same day; the change lasts longer after a few sessions.",
        ),
    ]
    assert [page.title for page in draft.treatments] == ["Swedish Massage"]


def test_markdown_emphasis_and_links_become_rich_text():
    elements = read_document("guide.md", (GUIDES / "shoulder-tension.md").read_bytes())
    first = next(e for e in elements if getattr(e, "text", "").startswith("Hours"))
    assert "<b>Massage</b>" in first.html and "<i>small habits</i>" in first.html
    assert (
        '<a href="https://www.nhs.uk/live-well/exercise/">NHS advice on posture</a>' in first.html
    )


def test_markdown_raw_html_and_unsafe_links_are_not_passed_on():
    markdown = (
        "# Title\n\nText <script>alert(1)</script> and [a trap](javascript:alert(1)).\n\n"
        "## Questions\n\n### Is it safe?\n\nYes, <b>quite</b>.\n"
    )
    draft = build_draft(read_document("guide.md", markdown.encode()))
    body = str(draft.body)
    assert "<script" not in body and 'href="javascript' not in body
    # The intro is plain text, escaped wherever it is shown.
    assert draft.intro.startswith("Text <script>alert(1)</script>")
    (faq,) = blocks(draft, "faq")
    assert faq["items"][0]["question"] == "Is it safe?"


def test_a_word_guide_with_bold_questions_and_a_numbered_list():
    draft = build_draft(read_document("headaches.docx", word_guide()))
    assert draft.title == WORD_TITLE
    assert draft.intro == WORD_INTRO
    assert [h["text"] for h in blocks(draft, "heading")] == [WORD_SECTION]
    (text,) = blocks(draft, "paragraph")
    assert "<ol>" + "".join(f"<li>{step}</li>" for step in WORD_STEPS) + "</ol>" in text
    (callout,) = blocks(draft, "callout")
    assert (callout["heading"], text_of(callout["body"])) == (WORD_WARNING, WORD_WARNING_TEXT)
    (faq,) = blocks(draft, "faq")
    assert faq["heading"] == WORD_FAQ
    assert [(i["question"], text_of(i["answer"])) for i in faq["items"]] == [
        (question, " ".join(answers)) for question, answers in WORD_QUESTIONS
    ]
    assert [page.title for page in draft.treatments] == ["Trigger Point Therapy"]


def test_word_italics_are_kept():
    elements = read_document("headaches.docx", word_guide())
    intro = next(e for e in elements if getattr(e, "text", "") == WORD_INTRO)
    assert "<i>the shoulders</i>" in intro.html


def test_word_title_and_subtitle_styles_give_the_title_and_the_search_title():
    import docx

    document = docx.Document()
    document.add_paragraph("Massage in Pregnancy", style="Title")
    document.add_paragraph("What is safe, and when", style="Subtitle")
    document.add_heading("The First Three Months", 1)
    document.add_paragraph("Most therapists wait until the second trimester.")
    buffer = BytesIO()
    document.save(buffer)
    draft = build_draft(read_document("pregnancy.docx", buffer.getvalue()))
    assert (draft.title, draft.seo_title) == ("Massage in Pregnancy", "What is safe, and when")
    assert [h["text"] for h in blocks(draft, "heading")] == ["The First Three Months"]
    assert draft.intro == "Most therapists wait until the second trimester."


def test_a_text_guide_with_numbered_questions_and_question_subheadings():
    source = (GUIDES / "desk-back.txt").read_text()
    draft = draft_of(GUIDES / "desk-back.txt")
    lines = [line for line in source.splitlines() if line]
    assert draft.title == lines[0]
    assert draft.intro == lines[1]
    assert [h["text"] for h in blocks(draft, "heading")] == [
        "Why Sitting Hurts",
        "Small Changes That Help",
    ]
    assert "<ul><li>Set the screen at eye level</li>" in " ".join(blocks(draft, "paragraph"))
    (faq,) = blocks(draft, "faq")
    assert faq["heading"] == "Questions People Ask"
    expected = []
    for index, line in enumerate(lines):
        if line.endswith("?") and lines.index("Questions People Ask") < index:
            expected.append((re.sub(r"^\d+\. ", "", line), lines[index + 1]))
    assert len(expected) == 3
    assert [(i["question"], text_of(i["answer"])) for i in faq["items"]] == expected
    (callout,) = blocks(draft, "callout")
    assert callout["heading"] == "When to See a Doctor"
    assert [page.title for page in draft.treatments] == ["Deep Tissue Massage"]


def test_pasted_text_is_read_like_a_text_file():
    pasted = (GUIDES / "desk-back.txt").read_text()
    assert build_draft(read_pasted(pasted)).body == draft_of(GUIDES / "desk-back.txt").body


def test_a_question_without_an_answer_is_left_out_and_reported():
    draft = build_draft(
        read_pasted("Title\n\nIntro text.\n\nFAQ\nQ: Answered?\nYes.\nQ: Not answered?\n")
    )
    (faq,) = blocks(draft, "faq")
    assert [i["question"] for i in faq["items"]] == ["Answered?"]
    assert draft.unanswered == ["Not answered?"]
    assert "Not answered?" in draft.summary()


# -- refusals: a clear message, and no page ------------------------------------------------


def not_a_zip():
    return "guide.docx", b"This is plain text with a .docx name."


def zip_without_a_document():
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    return "guide.docx", buffer.getvalue()


def damaged_word_document():
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document><unclosed")
    return "guide.docx", buffer.getvalue()


REFUSED = {
    "not a zip": (not_a_zip, "not a Word document"),
    "zip without a document": (zip_without_a_document, "not a Word document"),
    "damaged": (damaged_word_document, "damaged"),
    "empty": (lambda: ("guide.txt", b"  \n\n "), "empty"),
    "huge": (lambda: ("guide.txt", b"Title\n" + b"a" * (5 * 1024 * 1024)), "larger than 5 MB"),
    "wrong type": (lambda: ("guide.pdf", b"%PDF-1.7"), "choose a .txt, .md or .docx"),
    "old word": (lambda: ("guide.doc", b"\xd0\xcf\x11\xe0"), "Save it from Word as a .docx"),
    "binary text": (lambda: ("guide.txt", b"Title\x00\x00\x01"), "not a text file"),
    "no title": (lambda: ("guide.md", b"- a list\n- and nothing else\n" * 60), "no title"),
    "title only": (lambda: ("guide.md", b"# Just a title\n"), "no text"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_document_that_cannot_be_a_guide_is_refused_with_a_message(case):
    make, message = REFUSED[case]
    name, data = make()
    with pytest.raises(GuideImportError, match=re.escape(message)):
        build_draft(read_document(name, data))


@pytest.mark.parametrize("case", REFUSED)
def test_the_admin_refuses_it_and_makes_no_page(client, case):
    make, message = REFUSED[case]
    name, data = make()
    client.force_login(make_superuser())
    pages = Page.objects.count()
    response = client.post(reverse("blog_import_guide"), {"document": upload(name, data)})
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert Page.objects.count() == pages


@pytest.mark.parametrize("case", ["not a zip", "empty", "huge", "wrong type"])
def test_the_command_refuses_it_and_makes_no_page(tmp_path, case):
    make, message = REFUSED[case]
    name, data = make()
    path = tmp_path / name
    path.write_bytes(data)
    pages = Page.objects.count()
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("import_guide", str(path))
    assert Page.objects.count() == pages


# -- the command ---------------------------------------------------------------------------


def test_the_command_prints_the_drafts_edit_address(capsys):
    call_command("import_guide", str(GUIDES / "shoulder-tension.md"))
    out, err = capsys.readouterr()
    guide = BlogPage.objects.get(title="Easing Shoulder Tension from Desk Work")
    assert out.strip().endswith(f"/admin/pages/{guide.pk}/edit/")
    assert not guide.live
    assert "2 questions" in err and "The FAQ is “Questions”" in err


def test_the_command_puts_the_draft_under_the_parent_given(capsys):
    call_command("import_guide", str(GUIDES / "desk-back.txt"), "--parent", "/blog/")
    guide = BlogPage.objects.get(title="Back Pain at the Desk: What Massage Can Do")
    assert guide.get_parent().specific == BlogIndexPage.objects.get()


def test_the_command_refuses_a_parent_that_takes_no_guides():
    pages = Page.objects.count()
    with pytest.raises(CommandError, match="cannot be added under"):
        call_command("import_guide", str(GUIDES / "desk-back.txt"), "--parent", "/services/")
    with pytest.raises(CommandError, match="No page has the address"):
        call_command("import_guide", str(GUIDES / "desk-back.txt"), "--parent", "/nowhere/")
    assert Page.objects.count() == pages


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("missing.txt", None, "no such file"),
        ("guide.docx", b"not a zip", "not a Word document"),
    ],
)
def test_the_command_exits_non_zero_with_a_message_on_a_file_it_cannot_read(
    tmp_path, name, data, message
):
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    result = subprocess.run(
        [sys.executable, "manage.py", "import_guide", str(path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "practice.settings.test", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert result.stdout == ""


# -- the admin -----------------------------------------------------------------------------


def upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_the_guides_index_offers_import_a_guide(client):
    client.force_login(make_superuser())
    index = BlogIndexPage.objects.get()
    listing = client.get(reverse("wagtailadmin_explore", args=[index.pk])).content.decode()
    assert "Import a guide" in listing
    assert f"{reverse('blog_import_guide')}?parent={index.pk}" in listing
    home = client.get(reverse("wagtailadmin_explore", args=[index.get_parent().pk]))
    assert "Import a guide" not in home.content.decode()


def test_uploading_a_word_guide_lands_on_its_draft_with_what_was_recognised(client):
    client.force_login(make_superuser())
    index = BlogIndexPage.objects.get()
    url = f"{reverse('blog_import_guide')}?parent={index.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"document": upload("headaches.docx", word_guide())}, follow=True)
    guide = BlogPage.objects.get(title=WORD_TITLE)
    assert response.redirect_chain[-1][0] == reverse("wagtailadmin_pages:edit", args=[guide.pk])
    message = " ".join(str(m) for m in response.context["messages"])
    assert "is a draft" in message
    assert "2 questions" in message and f"The FAQ is “{WORD_FAQ}”" in message
    assert f"The warning is “{WORD_WARNING}”" in message
    assert "Suggested treatments: Trigger Point Therapy" in message
    assert not guide.live
    assert guide.latest_revision.user.username == "therapist"


def test_pasting_text_makes_a_draft_too(client):
    client.force_login(make_superuser())
    pasted = (GUIDES / "desk-back.txt").read_text()
    response = client.post(reverse("blog_import_guide"), {"text": pasted})
    guide = BlogPage.objects.get(title="Back Pain at the Desk: What Massage Can Do")
    assert response.url == reverse("wagtailadmin_pages:edit", args=[guide.pk])
    assert not guide.live


def test_the_form_asks_for_a_document_or_text(client):
    client.force_login(make_superuser())
    pages = Page.objects.count()
    response = client.post(reverse("blog_import_guide"), {"text": "  "})
    assert "Choose a document to upload, or paste" in response.content.decode()
    assert Page.objects.count() == pages


def test_someone_who_cannot_add_guides_cannot_import_one(client):
    client.force_login(make_staff_user())
    pages = Page.objects.count()
    response = client.post(reverse("blog_import_guide"), {"text": "Title\n\nSome text."})
    assert response.status_code in (302, 403)
    assert Page.objects.count() == pages
