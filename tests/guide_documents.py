"""Guide documents made for the import tests, in the shapes a therapist writes them."""

from io import BytesIO
from pathlib import Path

from .servers import REPO_ROOT

GUIDES = REPO_ROOT / "tests" / "data" / "guides"
PRACTICE_GUIDE = REPO_ROOT / "practice" / "demo" / "sciatica-massage-guide.txt"

# The Word guide's words, so that tests compare the result with what the document says.
WORD_TITLE = "Massage for Tension Headaches"
WORD_INTRO = "A tension headache often starts in the neck and the shoulders."
WORD_SECTION = "How Massage Eases a Headache"
WORD_STEPS = [
    "Warm the neck with slow strokes",
    "Release the base of the skull",
    "Finish with the temples",
]
WORD_WARNING = "When to See a Doctor First"
WORD_WARNING_TEXT = "See a doctor at once if a headache is sudden and severe."
WORD_FAQ = "Frequently Asked Questions"
WORD_QUESTIONS = [
    ("Is massage safe if I get migraines?", ["Yes, between attacks. Tell me before we start."]),
    (
        "How long is a session?",
        ["An hour, with time to talk first.", "Half an hour suits a first visit."],
    ),
]


def word_guide(path: Path | None = None) -> bytes:
    """A .docx with headings, italics, a numbered list and bold questions (python-docx)."""
    import docx

    document = docx.Document()
    document.add_heading(WORD_TITLE, 1)
    intro = document.add_paragraph(WORD_INTRO.removesuffix(" and the shoulders.") + " and ")
    intro.add_run("the shoulders").italic = True
    intro.add_run(".")
    document.add_heading(WORD_SECTION, 2)
    document.add_paragraph("Trigger Point Therapy works in three steps:")
    for step in WORD_STEPS:
        document.add_paragraph(step, style="List Number")
    document.add_heading(WORD_WARNING, 2)
    document.add_paragraph(WORD_WARNING_TEXT)
    document.add_heading(WORD_FAQ, 2)
    for question, answers in WORD_QUESTIONS:
        document.add_paragraph().add_run(question).bold = True
        for answer in answers:
            document.add_paragraph(answer)
    buffer = BytesIO()
    document.save(buffer)
    data = buffer.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data
