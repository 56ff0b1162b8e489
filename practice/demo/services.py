"""The practice's four treatments, as the demo content command publishes them."""

SERVICES = [
    {
        "slug": "deep-tissue-massage",
        "title": "Deep Tissue Massage",
        "summary": (
            "Slow, firm pressure that reaches the deeper layers of muscle, for long-standing "
            "tension, stiffness and pain that keeps coming back."
        ),
        "options": [(60, "60.00"), (90, "85.00")],
        "benefits": [
            "Eases chronic tension in the back, neck, hips and shoulders",
            "Helps restore range of movement in stiff joints",
            "Can reduce pain that radiates from tight muscles, such as some sciatic pain",
            "Supports recovery from training and physical work",
        ],
        "who_it_helps": (
            "<p>People with long-standing muscle tension, desk-bound neck and shoulder pain, "
            "lower back and hip tightness, or sciatic pain linked to tight glutes and piriformis. "
            "Pressure is always adjusted to you: deep does not mean painful.</p>"
        ),
        "contraindications": (
            "<ul><li>A recent injury, fracture or operation in the area (under six weeks)</li>"
            "<li>Deep vein thrombosis, or a history of blood clots, without your doctor's approval</li>"
            "<li>Blood-thinning medication, or a bleeding disorder</li>"
            "<li>Fever, infection, or an inflamed or broken skin area</li>"
            "<li>Sudden weakness in a leg, or any loss of bladder or bowel control: "
            "see a doctor the same day</li></ul>"
        ),
        "body": [
            ("heading", "What happens in a session"),
            (
                "paragraph",
                "<p>We start with a short conversation about where it hurts, what makes it worse "
                "and what you hope to be able to do again. I then work slowly through the layers "
                "of muscle, checking the pressure with you as we go. Most people feel pleasantly "
                "tired afterwards, and a little tender for a day or two.</p>",
            ),
            (
                "faq",
                [
                    (
                        "Will deep tissue massage hurt?",
                        "<p>It should feel strong but never sharp. Tell me at any point and I will "
                        "ease off: working with your body, not against it, gets better results.</p>",
                    ),
                    (
                        "What should I wear?",
                        "<p>You undress to your comfort level and are covered with towels "
                        "throughout. Only the area being worked on is uncovered.</p>",
                    ),
                ],
            ),
        ],
    },
    {
        "slug": "trigger-point-therapy",
        "title": "Trigger Point Therapy",
        "summary": (
            "Focused pressure on tight 'knots' in muscle that send pain elsewhere, such as "
            "headaches from the neck or leg pain from the buttock."
        ),
        "options": [(45, "50.00"), (60, "60.00")],
        "benefits": [
            "Releases knots that refer pain to other parts of the body",
            "Often eases tension headaches that start in the neck and shoulders",
            "Can relieve buttock and leg pain from a tight piriformis muscle",
            "Gives you simple self-care to keep the knots from returning",
        ],
        "who_it_helps": (
            "<p>People whose pain is felt away from its source: headaches from tight shoulders, "
            "arm pain from the upper back, or pain down the leg from the glutes. It suits people "
            "who want a focused session on one problem area.</p>"
        ),
        "contraindications": (
            "<ul><li>A recent injury or operation in the area</li>"
            "<li>Blood-thinning medication or a bleeding disorder</li>"
            "<li>Fever or infection</li>"
            "<li>Pain with numbness spreading in both legs: see a doctor first</li></ul>"
        ),
        "body": [
            ("heading", "How it works"),
            (
                "paragraph",
                "<p>A trigger point is a small, tender spot in a tight band of muscle. Pressing it "
                "often reproduces the pain you know. I hold steady pressure until the muscle lets "
                "go, then stretch the area gently. You stay in control of the pressure at all "
                "times.</p>",
            ),
            (
                "faq",
                [
                    (
                        "How soon will I feel a difference?",
                        "<p>Many people feel the area loosen during the session. Lasting change "
                        "usually takes two to four sessions, with the stretches I show you.</p>",
                    ),
                ],
            ),
        ],
    },
    {
        "slug": "myofascial-release",
        "title": "Myofascial Release",
        "summary": (
            "Gentle, sustained stretches of the fascia, the connective tissue around muscles, "
            "to free restricted movement and ease persistent pain."
        ),
        "options": [(60, "62.00"), (90, "88.00")],
        "benefits": [
            "Frees movement where tissue feels stuck or restricted",
            "Gentle enough for sensitive or long-standing pain",
            "Can ease pain around scars once they have fully healed",
            "Improves posture and ease of movement",
        ],
        "who_it_helps": (
            "<p>People with stiffness that stretching alone does not shift, persistent back or "
            "hip pain, or pain that flares with firm pressure. Its slow pace suits people who "
            "find other massage too intense.</p>"
        ),
        "contraindications": (
            "<ul><li>Open wounds, burns, or scars that have not fully healed</li>"
            "<li>Active cancer treatment, unless your care team agrees</li>"
            "<li>Fever, infection or acute inflammation</li>"
            "<li>A recent fracture</li></ul>"
        ),
        "body": [
            ("heading", "What it feels like"),
            (
                "paragraph",
                "<p>Unlike other massage, no oil is used. I apply light, sustained pressure and wait "
                "for the tissue to soften, often for a minute or more at a time. Many people "
                "describe a slow melting or warmth as the restriction lets go.</p>",
            ),
            (
                "faq",
                [
                    (
                        "Is myofascial release the same as massage?",
                        "<p>It is a form of hands-on therapy, but slower and gentler. It works on "
                        "the connective tissue rather than kneading the muscle.</p>",
                    ),
                ],
            ),
        ],
    },
    {
        "slug": "swedish-massage",
        "title": "Swedish Massage",
        "summary": (
            "Flowing, relaxing full-body massage that calms the nervous system, improves "
            "circulation and eases everyday aches."
        ),
        "options": [(60, "55.00"), (90, "78.00")],
        "benefits": [
            "Deep relaxation and better sleep",
            "Improves circulation",
            "Eases mild muscle aches and tension",
            "A gentle start if you are new to massage",
        ],
        "who_it_helps": (
            "<p>Anyone who wants to relax and unwind, people who are stressed or sleeping badly, "
            "and those with mild symptoms, including mild sciatic discomfort, who prefer a gentle "
            "treatment.</p>"
        ),
        "contraindications": (
            "<ul><li>Fever, infection or contagious skin conditions</li>"
            "<li>Deep vein thrombosis without your doctor's approval</li>"
            "<li>The first three months of pregnancy: please ask before booking</li></ul>"
        ),
        "body": [
            ("heading", "What to expect"),
            (
                "paragraph",
                "<p>Long, gliding strokes with a light oil, working from your back and shoulders "
                "to your legs, arms and scalp. The room is warm and quiet, and you can simply "
                "rest.</p>",
            ),
            (
                "faq",
                [
                    (
                        "Is Swedish massage suitable if I have never had a massage?",
                        "<p>Yes. It is the gentlest of the treatments and a good way to find out "
                        "what pressure you enjoy.</p>",
                    ),
                ],
            ),
        ],
    },
]
