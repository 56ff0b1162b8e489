"""The practice's sciatica guide (sciatica-massage-guide.txt beside this file), structured.

The text is the therapist's own; only obvious typos are fixed ("sdie" became "side",
and run-together paragraphs were split).
"""

from datetime import date

SLUG = "massage-for-sciatica-relief"
# When the therapist first published the guide, and when she last checked its advice.
PUBLISHED = date(2026, 9, 14)
LAST_REVIEWED = date(2026, 11, 2)
TITLE = "Massage for Sciatica Relief: How It Helps and What to Expect"
SEO_TITLE = "Sciatic Pain: How Massage Can Help"
TAGS = ["sciatica", "back pain"]
SEARCH_DESCRIPTION = (
    "How massage eases sciatica: what causes sciatic pain, which treatments help most, "
    "self-care between sessions, and when to see a doctor first."
)
INTRO = (
    "If you’re living with sciatica, you know the discomfort can be relentless—shooting pain, "
    "numbness, tingling, or weakness running from your lower back down one leg. While medication "
    "and rest can help, many people are turning to massage therapy for sciatica relief as a "
    "natural, drug-free option to ease symptoms and improve mobility."
)


def _list(items):
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


BODY = [
    (
        "paragraph",
        "<p>This article explains how massage works for sciatic pain, the types of massage that "
        "are most effective, and answers common questions so you can make an informed choice.</p>",
    ),
    ("heading", "What Causes Sciatica?"),
    (
        "paragraph",
        "<p>Sciatica is not a standalone condition—it’s a group of symptoms caused by irritation "
        "or compression of the sciatic nerve, the body’s longest nerve. Common causes include:</p>"
        + _list(
            [
                "Herniated discs pressing on the nerve",
                "Piriformis syndrome (tightness in the piriformis muscle in the buttock)",
                "Spinal stenosis narrowing the nerve pathway",
                "Muscle tension in the lower back and hips",
            ]
        )
        + "<p>When the sciatic nerve is compressed, it can trigger pain, tingling, numbness, or "
        "muscle weakness that may radiate down the leg.</p>",
    ),
    ("heading", "How Massage Therapy Helps with Sciatica"),
    (
        "paragraph",
        "<p>Massage for sciatica pain can address both symptoms and contributing factors by:</p>",
    ),
    ("subheading", "Releasing Muscle Tension"),
    (
        "paragraph",
        "<p>Tight muscles in the lower back, hips, and glutes can put extra pressure on the "
        "sciatic nerve. Massage helps relax these tissues, easing nerve compression.</p>",
    ),
    ("subheading", "Improving Blood Flow"),
    (
        "paragraph",
        "<p>Increased circulation delivers oxygen and nutrients to irritated tissues, supporting "
        "healing and reducing inflammation.</p>",
    ),
    ("subheading", "Easing Nerve Entrapment"),
    (
        "paragraph",
        "<p>Trigger point therapy and myofascial release can loosen soft tissue around the "
        "sciatic nerve pathway.</p>",
    ),
    ("subheading", "Promoting Relaxation"),
    (
        "paragraph",
        "<p>Pain often causes muscles to guard and tighten, creating a vicious cycle. Massage "
        "reduces stress hormones and promotes overall relaxation, which may lessen pain "
        "perception.</p>",
    ),
    ("heading", "Best Types of Massage for Sciatica Relief"),
    ("service_list", None),
    ("heading", "Self-Care Between Massage Sessions"),
    (
        "paragraph",
        "<p>To extend the benefits of massage, consider:</p>"
        + _list(
            [
                "Gentle daily stretching of the hamstrings, hips, and lower back",
                "Staying active with low-impact exercise like walking or swimming",
                "Using heat packs to relax tight muscles",
                "Maintaining good posture, especially while sitting",
            ]
        ),
    ),
    (
        "faq",
        (
            "FAQs About Massage for Sciatica",
            [
                (
                    "Can massage make sciatica worse?",
                    "<p>Massage is generally safe when performed by a qualified therapist, but if "
                    "applied too aggressively on inflamed tissues, it may temporarily increase "
                    "discomfort. Always communicate your pain levels to your therapist. I perform "
                    "sciatic relief for my clients in a side-lying position, which is super "
                    "effective.</p>",
                ),
                (
                    "How many sessions before I feel relief?",
                    "<p>Some people notice improvement after one session, but for lasting "
                    "benefits, a series of treatments over several weeks is often recommended. "
                    "It’s never a one-and-done situation, and I will always give the best "
                    "advice.</p>",
                ),
                (
                    "Is massage a cure for sciatica?",
                    "<p>Massage can reduce symptoms and improve function, but it doesn’t “cure” "
                    "the underlying cause. It’s most effective as part of a comprehensive care "
                    "plan.</p>",
                ),
            ],
        ),
    ),
    (
        "warning",
        (
            "When to See a Doctor First",
            "<p>Seek immediate medical advice if you experience:</p>"
            + _list(
                [
                    "Sudden, severe weakness in the leg",
                    "Loss of bladder or bowel control",
                    "Sciatic pain following a serious injury",
                ]
            ),
        ),
    ),
    ("heading", "Conclusion"),
    (
        "paragraph",
        "<p>Massage therapy for sciatic nerve pain offers a gentle yet effective way to reduce "
        "discomfort, improve mobility, and support your body’s natural healing process. When "
        "paired with medical guidance, stretching, and healthy movement, it can be a valuable "
        "tool in your recovery journey.</p>",
    ),
    (
        "call_to_action",
        (
            "Ready to try massage for sciatica relief?",
            "Book your appointment today and take the first step toward moving comfortably "
            "again. I’ll do my very best!",
        ),
    ),
]

# What each service does for sciatica, in the guide's own words, keyed by service slug.
SERVICE_LINES = {
    "deep-tissue-massage": "Reaches deeper muscle layers to address chronic tension.",
    "trigger-point-therapy": "Targets “knots” that may refer pain along the sciatic nerve route.",
    "myofascial-release": "Stretches and loosens the fascia to improve movement and decrease pain.",
    "swedish-massage": "Enhances relaxation and circulation for mild sciatic symptoms.",
}
