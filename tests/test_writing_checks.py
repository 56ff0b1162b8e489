"""Checks while she writes: the rules on values, and the warnings in the page editor."""

import re

import pytest
from django.urls import reverse
from wagtail.blocks import StreamValue
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from blog.models import BlogIndexPage, BlogPage
from home.blocks import BaseStreamBlock
from writing_checks.checks import (
    CLAIM_WORDS,
    ReadingEase,
    check_page,
    claim_word_warnings,
    drop_empty_list_items,
    empty_text_warnings,
    heading_warnings,
    image_warnings,
    length_warnings,
    reading_ease,
    syllables,
)
from writing_checks.word_count import count_words, main_text

from .factories import faq, heading, make_guide, make_image, make_service, make_superuser, paragraph
from .page_reading import list_items, visible_text
from .test_admin_language import page_form_data


def stream(*blocks) -> StreamValue:
    return StreamValue(BaseStreamBlock(), list(blocks), is_lazy=True)


def checks(warnings) -> list[str]:
    return [warning.check for warning in warnings]


def image_block(image, alt_text="", decorative=False) -> dict:
    return {
        "type": "image",
        "value": {
            "image": {"image": image.pk, "alt_text": alt_text, "decorative": decorative},
            "caption": "",
        },
    }


# -- lengths -----------------------------------------------------------------------


def test_a_title_over_sixty_characters_is_warned_about():
    page = BlogPage(title="x" * 61, search_description="Fine.")
    [warning] = length_warnings(page)
    assert warning.check == "title-length" and "61 characters" in warning.message
    assert length_warnings(BlogPage(title="x" * 60, search_description="Fine.")) == []


def test_a_short_seo_title_answers_for_a_long_title():
    page = BlogPage(title="x" * 80, seo_title="Sciatica: what helps", search_description="Fine.")
    assert length_warnings(page) == []


def test_a_missing_or_long_search_description_is_warned_about():
    assert checks(length_warnings(BlogPage(title="Sciatica"))) == ["search-description-missing"]
    [warning] = length_warnings(BlogPage(title="Sciatica", search_description="y" * 161))
    assert warning.check == "search-description-length" and "161 characters" in warning.message
    assert length_warnings(BlogPage(title="Sciatica", search_description="y" * 160)) == []


# -- pictures --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_picture_without_alt_text_is_warned_about_unless_decorative():
    image = make_image(title="couch.jpg")
    [warning] = image_warnings(stream(image_block(image)))
    assert warning.check == "image-alt-text" and "couch.jpg" in warning.message
    assert image_warnings(stream(image_block(image, decorative=True))) == []
    assert image_warnings(stream(image_block(image, alt_text="A treatment couch"))) == []


# -- headings ------------------------------------------------------------------


def test_a_subheading_before_any_section_heading_skips_a_level():
    [warning] = heading_warnings(stream(heading("Why it hurts", "h3")))
    assert warning.check == "skipped-heading-level" and "“Why it hurts”" in warning.message


def test_headings_in_order_are_fine():
    body = stream(
        heading("Causes"), heading("Nerves", "h3"), heading("Help"), heading("Stretches", "h3")
    )
    assert heading_warnings(body) == []


def test_an_h4_after_an_h2_in_rich_text_skips_a_level():
    body = stream(heading("Causes"), paragraph("<h4>Odd</h4><p>Text.</p>"))
    assert checks(heading_warnings(body)) == ["skipped-heading-level"]


# -- empty paragraphs and bullets ----------------------------------------------------


def test_empty_paragraphs_and_bullets_are_counted():
    body = stream(
        paragraph("<p>Rest a little.</p><p></p><ul><li>Walk</li><li></li><li> <br/></li></ul>"),
        paragraph(""),
    )
    warnings = {warning.check: warning.message for warning in empty_text_warnings(body)}
    assert warnings["empty-paragraph"].startswith("2 empty paragraphs")
    assert warnings["empty-list-item"].startswith("2 empty bullets")


def test_text_with_nothing_empty_has_no_warning():
    assert empty_text_warnings(stream(paragraph("<ul><li>Walk</li></ul>"))) == []


# -- reading ease ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "count"),
    [
        ("cat", 1),
        ("ease", 1),
        ("make", 1),
        ("gentle", 2),
        ("massage", 2),
        ("therapy", 3),
        ("inflammation", 4),
        ("free", 1),
        ("sciatica", 3),
    ],
)
def test_syllables_are_estimated_from_vowel_groups(word, count):
    assert syllables(word) == count


def test_short_plain_sentences_read_easily():
    text = ["The cat sat on the mat. It was warm. The sun was out. We had tea."] * 4
    ease = reading_ease(text)
    assert ease.score > 80 and ease.in_plain_words == "Very easy to read."


def test_long_sentences_of_long_words_read_hard():
    text = [
        "Myofascial manipulation characteristically facilitates considerable physiological "
        "amelioration, particularly regarding musculoskeletal inflammation, contemporaneously "
        "diminishing sympathetic hyperactivity and consequently improving proprioceptive "
        "coordination throughout rehabilitation."
    ] * 2
    ease = reading_ease(text)
    assert ease.score < 30 and ease.is_hard and ease.in_plain_words.startswith("Very hard")


def test_a_few_words_are_not_scored():
    assert reading_ease(["Rest well."]).score is None
    assert reading_ease(["Rest well."]).in_plain_words == "Too little text to score yet."


@pytest.mark.parametrize(
    ("score", "words"),
    [
        (85, "Very easy"),
        (65, "Easy to read for most adults"),
        (55, "Fairly hard"),
        (40, "Hard to read"),
        (10, "Very hard"),
    ],
)
def test_scores_are_said_in_plain_words(score, words):
    assert ReadingEase(score, 200).in_plain_words.startswith(words)


# -- claims --------------------------------------------------------------------------


def test_claim_words_are_found_in_any_case_with_a_suggestion():
    warnings = claim_word_warnings(["Massage CURES sciatica.", "Relief guaranteed. It cures."])
    messages = {warning.message.split("”")[0].strip("“"): warning.message for warning in warnings}
    assert set(messages) == {"cures", "guaranteed"}
    assert "(2 times)" in messages["cures"] and CLAIM_WORDS["cures"] in messages["cures"]
    assert "may help" in messages["guaranteed"]


def test_words_that_only_contain_a_claim_word_are_fine():
    assert claim_word_warnings(["A curious, securely healthy manicure."]) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Is massage a cure for sciatica?",  # a question
        "Massage can reduce symptoms, but it doesn’t “cure” the underlying cause.",  # quoted
        'Some call it a "miracle" treatment; it is simply careful work.',  # quoted
        "There is no guarantee of relief.",  # negated
        "Massage will not cure a slipped disc.",  # negated
        "We never promise a miracle.",  # negated
    ],
)
def test_a_claim_word_asked_quoted_or_negated_is_no_claim(sentence):
    assert claim_word_warnings([sentence]) == []


@pytest.mark.parametrize(
    ("sentence", "word"),
    [
        ("Massage cures sciatica.", "cures"),
        ("Relief is guaranteed after one session.", "guaranteed"),
        ("Does it hurt? Rarely, and it heals the back.", "heals"),  # a question before it
        ("A proven treatment, not a fad.", "proven"),  # the negation comes after
    ],
)
def test_a_claim_word_stated_is_a_claim(sentence, word):
    [warning] = claim_word_warnings([sentence])
    assert warning.message.startswith(f"“{word}”")


def test_the_practice_guides_own_disclaimer_is_no_claim():
    from practice.demo.article import BODY

    _, items = dict(BODY)["faq"]
    questions = [question for question, _ in items]
    pieces = [*questions, *(re.sub(r"<[^>]+>", "", answer) for _, answer in items)]
    assert "Is massage a cure for sciatica?" in questions
    assert claim_word_warnings(pieces) == []


# -- the word count ------------------------------------------------------------------------


def test_words_are_counted_as_the_browsers_word_segments():
    # Each counted as Chromium's Intl.Segmenter("en", {granularity: "word"}) counted it.
    assert count_words("drug-free it’s don't 1.5 e.g. compression.Improving 10:30 £45") == 12
    assert count_words("— · ⚠ …") == 0


def test_the_text_of_main_is_counted_as_textcontent_joins_it():
    html = (
        "<header>Menu words</header><main><h1>Title here</h1>"
        "<ol><li>The Knee Hug</li><li>The Cat</li></ol>"
        "<details><summary>Is it safe?</summary><p>Closed answer</p></details>"
        "</main><footer>Not counted</footer>"
    )
    # As Wagtail's Checks panel counts: text joined with nothing between ("HugThe", "CatIs"),
    # the closed answer counted, the header and footer not.
    assert count_words(main_text(html)) == 9


@pytest.mark.django_db
def test_the_panel_counts_the_words_of_the_page_as_shown(admin_client):
    guide = make_guide(
        title="Back pain", intro="Walk a little.", body=[paragraph("<p>Rest well today.</p>")]
    )
    html = admin_client.get(reverse("writing_checks_on_edit", args=[guide.pk])).content.decode()
    served = admin_client.get(guide.url).content.decode()
    words = count_words(main_text(served))
    assert words > 7  # the title, the intro, the text and the page's own lines
    assert f"Words: {words} (as the page shows them" in visible_text(html)


# -- author and review date ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_guide_with_no_author_and_no_review_date_is_warned_about(demo_site):
    guide = make_guide(title="Bare guide")
    assert "guide-without-author-or-review" in checks(check_page(guide).warnings)
    from blog.models import Author

    guide.author = Author.objects.get()
    guide.last_reviewed = "2026-11-01"
    assert not {"guide-without-author-or-review", "guide-without-author"} & set(
        checks(check_page(guide).warnings)
    )


# -- a whole page ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_guide_without_faq_or_treatment_is_warned_and_one_with_both_is_not(demo_site):
    bare = make_guide(title="Bare guide", body=[paragraph("<p>Rest.</p>")])
    assert {"guide-without-faq", "guide-without-treatment"} <= set(
        checks(check_page(bare).warnings)
    )

    service = make_service(title="Deep tissue")
    from blog.models import Author

    full = make_guide(
        title="Full guide",
        search_description="A guide.",
        author=Author.objects.get(),
        last_reviewed="2026-11-01",
        body=[heading("Help"), faq(("Does it hurt?", "<p>Not much.</p>"))],
        related_services=[service],
    )
    assert check_page(full).warnings == []


@pytest.mark.django_db
def test_a_guide_with_every_warning_still_saves_and_publishes(demo_site):
    guide = make_guide(
        title="Massage cures everything, guaranteed, a miracle for your aching back today",
        intro="It heals.",
        body=[heading("Deep", "h3"), paragraph("<p></p><ul><li></li></ul>")],
    )
    warnings = set(checks(check_page(guide).warnings))
    assert {
        "title-length",
        "search-description-missing",
        "skipped-heading-level",
        "empty-paragraph",
        "empty-list-item",
        "claim-words",
        "guide-without-faq",
        "guide-without-treatment",
    } <= warnings
    assert BlogPage.objects.get(pk=guide.pk).live


# -- in the editor ---------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, demo_site):
    client.force_login(make_superuser())
    return client


@pytest.mark.django_db
def test_the_edit_view_shows_the_drafts_warnings(admin_client):
    guide = make_guide(title="Back pain", intro="Massage is guaranteed to help.")
    response = admin_client.get(reverse("wagtailadmin_pages:edit", args=[guide.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Checks while you write" in html
    assert "“guaranteed” reads as a medical claim" in html
    assert any(item.startswith("This guide has no FAQ block.") for item in list_items(html))
    assert reverse("writing_checks_on_edit", args=[guide.pk]) in html
    assert "writing_checks/writing-checks.js" in html


@pytest.mark.django_db
def test_the_checks_follow_the_unsaved_form_and_save_nothing(admin_client):
    guide = make_guide(title="Back pain", intro="A calm intro.")
    edit = admin_client.get(reverse("wagtailadmin_pages:edit", args=[guide.pk]))
    form = edit.context["form"]
    data = {
        key: value
        for key, value in form.initial.items()
        if isinstance(value, str | int) and not isinstance(value, bool)
    }
    posted = nested_form_data(
        {
            **data,
            "title": "Back pain",
            "slug": guide.slug,
            "date": "2026-10-01",
            "intro": "This cures back pain.",
            "body": streamfield([]),
            "tagged_items": inline_formset([]),
        }
    )
    response = admin_client.post(reverse("writing_checks_on_edit", args=[guide.pk]), posted)
    assert response.status_code == 200
    assert "“cures” reads as a medical claim" in response.content.decode()
    guide.refresh_from_db()
    assert guide.intro == "A calm intro."
    assert guide.get_latest_revision().content["intro"] == "A calm intro."


@pytest.mark.django_db
def test_a_new_guide_can_be_checked_before_its_first_save(admin_client):
    index = BlogIndexPage.objects.get()
    url = reverse("writing_checks_on_add", args=["blog", "blogpage", index.pk])
    response = admin_client.post(
        url, {"title": "Miracle relief", "date": "2026-12-01", "intro": "", "body-count": "0"}
    )
    assert response.status_code == 200
    assert "“miracle” reads as a medical claim" in response.content.decode()
    assert not BlogPage.objects.filter(title="Miracle relief").exists()


@pytest.mark.django_db
def test_the_checks_address_is_only_for_editors(client, demo_site):
    guide = make_guide()
    response = client.post(reverse("writing_checks_on_edit", args=[guide.pk]), {})
    assert response.status_code in (302, 403)


def test_dropping_empty_bullets_keeps_the_rest_of_the_text():
    body = stream(
        paragraph("<p>Try:</p><ul><li>Walk</li><li></li></ul><ol><li> </li></ol><p>Rest.</p>")
    )
    assert drop_empty_list_items(body) == 2
    assert body[0].value.source == "<p>Try:</p><ul><li>Walk</li></ul><p>Rest.</p>"
    assert empty_text_warnings(body) == []


@pytest.mark.django_db
def test_an_empty_bullet_is_warned_of_while_she_writes_and_never_saved(admin_client):
    guide = make_guide(title="Back pain", body=[paragraph("<ul><li>Walk daily</li><li></li></ul>")])
    edit_url = reverse("wagtailadmin_pages:edit", args=[guide.pk])
    data = page_form_data(admin_client.get(edit_url).context["form"])

    checked = admin_client.post(reverse("writing_checks_on_edit", args=[guide.pk]), data)
    assert (
        "1 empty bullet in a list: a bullet with nothing after it would be published. Delete it."
        in (list_items(checked.content))
    )

    assert admin_client.post(edit_url, data).status_code == 302
    draft = BlogPage.objects.get(pk=guide.pk).get_latest_revision_as_object()
    saved = re.sub(r' data-block-key="\w+"', "", draft.body[0].value.source)
    assert saved == "<ul><li>Walk daily</li></ul>"
