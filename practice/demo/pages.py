"""Copy for the demo site's pages and the practice's details."""

from datetime import time

PRACTICE = {
    "name": "Calm Hands Massage Therapy",
    "therapist": "Sarah Bennett",
    "author": {
        "credentials": "BSc (Hons) Sports Therapy, Level 5 Soft Tissue Therapist, CNHC registered",
        "bio": (
            "Sarah has treated back, neck and nerve pain for over twelve years. She works with "
            "local GPs and physiotherapists, and keeps her advice up to date with current research."
        ),
    },
    "settings": {
        "name": "Calm Hands Massage Therapy",
        "tagline": "Remedial massage for back pain, sciatica and stress",
        # 01632 960xxx is Ofcom's range reserved for fiction: it never reaches a real person.
        "phone": "+44 1632 960 123",
        "email": "hello@calmhands.example",
        "booking_notification_email": "bookings@calmhands.example",
        "street_address": "14 Orchard Lane",
        "locality": "Harrogate",
        "region": "North Yorkshire",
        "postcode": "HG1 2AB",
        "country": "GB",
        "latitude": "53.993100",
        "longitude": "-1.541200",
        "price_range": "£50–£88",
        "currency": "GBP",
        "opening_hours": [
            {
                "type": "hours",
                "value": {
                    "days": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
                    "opens": time(9, 0).isoformat(),
                    "closes": time(19, 0).isoformat(),
                },
            },
            {
                "type": "hours",
                "value": {
                    "days": ["Saturday"],
                    "opens": "09:00:00",
                    "closes": "13:00:00",
                },
            },
        ],
        "social_links": [
            {
                "type": "link",
                "value": {
                    "label": "Instagram",
                    "url": "https://www.instagram.com/calmhands.example",
                },
            },
        ],
    },
}

HOME = {
    "title": "Home",
    "seo_title": "Calm Hands Massage Therapy | Remedial Massage in Harrogate",
    "search_description": (
        "Remedial massage in Harrogate for sciatica, back and neck pain: deep tissue, trigger "
        "point, myofascial and Swedish massage with a registered therapist."
    ),
    "hero_heading": "Massage that helps you move without pain",
    "hero_text": (
        "Remedial massage for back pain, sciatica, stiffness and stress, with a registered therapist "
        "who listens first."
    ),
    "intro": (
        "<p>Every session starts with a conversation about your pain and your goals. Treatment is "
        "adjusted to you, and you leave with simple advice to keep the benefit going.</p>"
    ),
    "booking_cta_heading": "Ready to feel better?",
    "booking_cta_text": "Tell us what is troubling you and when suits you. We reply within one working day.",
}

SERVICE_INDEX = {
    "slug": "services",
    "title": "Treatments",
    "show_in_menus": True,
    "search_description": "Deep tissue, trigger point, myofascial release and Swedish massage: prices, "
    "session lengths and who each treatment helps.",
    "intro": "<p>Four treatments, each adjusted to you. Not sure which? Book any, and we will choose "
    "together at the start of your session.</p>",
}

BLOG_INDEX = {
    "slug": "blog",
    "title": "Guides",
    "show_in_menus": True,
    "search_description": "Practical guides to back pain, sciatica and massage from a registered "
    "massage therapist.",
    "intro": "<p>Plain-English guides to common aches and pains, and how massage can help.</p>",
}

BOOKING = {
    "slug": "book",
    "title": "Book a session",
    "search_description": "Request a massage appointment online: choose a treatment and the times "
    "that suit you, and we will confirm by email.",
    "intro": "<p>Choose a treatment and two or three times that suit you. We will confirm one of them "
    "by email, usually within one working day.</p>",
    "thank_you_text": "<p>Thank you. Your request has reached us, and we will confirm a time by email, "
    "usually within one working day.</p>",
    "cancellation_policy": "<p>Please give at least 24 hours’ notice if you need to cancel or move a "
    "session. Late cancellations may be charged at half the session price.</p>",
}

CONTACT = {
    "slug": "contact",
    "title": "Contact",
    "show_in_menus": True,
    "search_description": "Contact Calm Hands Massage Therapy in Harrogate by phone, email or message.",
    "intro": "<p>Questions about a treatment, or not sure if massage is right for you? Send a message "
    "and we will reply within two working days.</p>",
    "thank_you_text": "<p>Thank you. Your message has reached us, and we will reply within two "
    "working days.</p>",
    "to_address": "bookings@calmhands.example",
    "from_address": "website@calmhands.example",
    "subject": "New message from the website",
    "fields": [
        {
            "clean_name": "name",
            "label": "Your name",
            "field_type": "singleline",
            "required": True,
        },
        {
            "clean_name": "email",
            "label": "Email",
            "field_type": "email",
            "required": True,
        },
        {
            "clean_name": "message",
            "label": "Message",
            "field_type": "multiline",
            "required": True,
            "help_text": "Please do not include health details here; we will ask at your appointment.",
        },
    ],
}

PRIVACY = {
    "slug": "privacy",
    "title": "Privacy notice",
    "search_description": "What Calm Hands Massage Therapy stores about you, why, for how long, "
    "and how to see or erase it.",
    "intro": "How we look after the information you give us through this website.",
    "body": [
        {"type": "heading", "value": {"text": "Who we are", "level": "h2"}},
        {
            "type": "paragraph",
            "value": "<p>Calm Hands Massage Therapy, 14 Orchard Lane, Harrogate HG1 2AB, is the "
            "controller of the information on this page. Contact us at hello@calmhands.example.</p>",
        },
        {"type": "heading", "value": {"text": "What we store, and why", "level": "h2"}},
        {
            "type": "paragraph",
            "value": "<ul><li><b>Booking requests:</b> your name, email, phone number, the treatment "
            "and times you chose, and whether you have visited before. We use them to arrange your "
            "appointment.</li><li><b>Health notes:</b> only if you choose to tell us about your "
            "problem and give your explicit consent; we record when you consented and to which "
            "wording. We use them to prepare a safe treatment. They are never included in emails "
            "and are seen only by your therapist.</li><li><b>Contact "
            "messages:</b> your name, email and message, to reply to you.</li></ul>",
        },
        {"type": "heading", "value": {"text": "How long we keep it", "level": "h2"}},
        {
            "type": "paragraph",
            "value": "<p>Booking requests, with any health notes, and contact messages are deleted "
            "automatically 12 months after they were sent. Messages our spam filter catches are "
            "deleted after 30 days. Clinical records made at your appointment are kept "
            "separately, as our professional body requires.</p>",
        },
        {"type": "heading", "value": {"text": "Your rights", "level": "h2"}},
        {
            "type": "paragraph",
            "value": "<p>You may withdraw your consent to us keeping your health notes at any time: "
            "email hello@calmhands.example and we will erase them straight away. You may also ask "
            "for a copy of everything we hold about you, or for its erasure, and we will act "
            "within one month. You may also complain to the Information Commissioner’s Office.</p>",
        },
        {"type": "heading", "value": {"text": "Cookies", "level": "h2"}},
        {
            "type": "paragraph",
            "value": "<p>This site sets no tracking or advertising cookies. Forms use a security "
            "cookie that protects them against forgery.</p>",
        },
    ],
}
