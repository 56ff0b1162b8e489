import datetime
import re

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone
from django.utils.html import strip_tags

from availability.models import TimeOff
from bookings.models import BookingRequest, Notification
from services.forms import CONSENT_VERSION, minutes_in_words
from services.models import BookingPage, QuarantinedSubmission, ServicePage
from services.opening_hours import opening_hours_text
from services.protection import issue_form_token

from .factories import make_service, set_practice_details
from .optional_services import require_redis
from .posts import booking_data, picked_times

pytestmark = pytest.mark.django_db


def post(client, data, **extra):
    return client.post("/book/", data, **extra)


def chosen_page(client, service=None) -> str:
    """The booking page after "Show free times" for the treatment's first length."""
    service = service or ServicePage.objects.live().order_by("path").first()
    option = service.ordered_session_options().first()
    return client.get(f"/book/?service={service.slug}&session={option.pk}").content.decode()


def test_booking_page_preselects_the_service_from_the_book_button(client, demo_site):
    service = make_service(title="Hot Stone Massage")
    html = client.get("/book/?service=hot-stone-massage").content.decode()
    assert f'<option value="{service.slug}" selected>' in html


def test_booking_page_groups_session_lengths_by_service_without_javascript(client, demo_site):
    service = make_service(title="Hot Stone Massage", options=[(45, "50.00"), (75, "70.00")])
    html = client.get("/book/").content.decode()
    group = html.split('<optgroup label="Hot Stone Massage">', 1)[1].split("</optgroup>", 1)[0]
    options = re.findall(r"<option [^>]*>[^<]*</option>", group)
    # Only this treatment's lengths are in its group, each naming the treatment for the
    # script that offers only the chosen treatment's lengths.
    assert options == [
        f'<option value="{option.pk}" data-service="hot-stone-massage">'
        f"{option.duration_minutes} minutes – £{option.price:.0f}</option>"
        for option in service.ordered_session_options()
    ]
    assert "<script" not in html.split("<form", 1)[1].split("</form>", 1)[0]


def test_every_session_length_is_in_the_group_of_its_own_treatment(client, demo_site):
    html = client.get("/book/").content.decode()
    session_select = html.split('name="session"', 1)[1].split("</select>", 1)[0]
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', session_select, re.S)
    services = {service.title: service for service in ServicePage.objects.live()}
    assert len(groups) == len(services) > 1
    for title, group in groups:
        service = services[title]
        offered = re.findall(r'<option value="(\d+)" data-service="([^"]+)"', group)
        assert offered == [
            (str(option.pk), service.slug) for option in service.ordered_session_options()
        ]


def test_the_script_that_filters_session_lengths_is_a_static_file(client, demo_site):
    html = client.get("/book/").content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert '<script src="/static/services/booking-form.js" defer>' in scripts
    assert all("src=" in tag or "application/ld+json" in tag for tag in scripts)
    assert finders.find("services/booking-form.js")


def test_the_booking_pages_show_the_published_intro_thanks_and_cancellation_policy(
    client, demo_site
):
    page = BookingPage.objects.get()
    page.intro = "<p>Tell us when suits you.</p>"
    page.thank_you_text = "<p>Thanks: we will write within a day.</p>"
    page.cancellation_policy = "<p>Please give 48 hours' notice.</p>"
    page.save_revision().publish()

    form_page = client.get("/book/").content.decode()
    thanks = client.get("/book/thanks/").content.decode()

    assert "Tell us when suits you." in form_page
    assert "48 hours" in form_page
    assert "we will write within a day" in thanks
    assert "48 hours" in thanks


def test_booking_page_words_the_health_notes_consent(client, demo_site):
    html = chosen_page(client)
    for words in ("What:", "Why:", "How long:", "How to withdraw:", "12 months"):
        assert words in html


def test_honeypot_is_hidden_from_people_and_assistive_technology(client, demo_site):
    html = chosen_page(client)
    assert '<div class="form__trap" hidden aria-hidden="true">' in html
    assert 'name="website"' in html and 'tabindex="-1"' in html


def test_valid_booking_is_stored_then_redirected_to_thanks(client, demo_site):
    service = make_service(title="Hot Stone Massage", options=[(75, "70.00")])
    response = post(client, booking_data(service))
    assert response.status_code == 302
    assert response["Location"] == "/book/thanks/"
    booking = BookingRequest.objects.get()
    assert booking.status == BookingRequest.Status.NEW
    assert booking.service == service
    assert booking.service_title == "Hot Stone Massage"
    assert booking.session_minutes == 75
    assert booking.window_3_start is None
    assert booking.notes == "" and booking.notes_consent_at is None
    assert set(booking.notifications.values_list("kind", flat=True)) == {
        Notification.Kind.BOOKING_PRACTICE,
        Notification.Kind.BOOKING_ACKNOWLEDGEMENT,
    }
    thanks = client.get("/book/thanks/")
    assert thanks.status_code == 200
    assert strip_tags(BookingPage.objects.get().thank_you_text) in thanks.content.decode()


def test_double_click_stores_one_request(client, demo_site):
    data = booking_data()
    first, second = post(client, data), post(client, data)
    assert first.status_code == second.status_code == 302
    assert BookingRequest.objects.count() == 1
    assert Notification.objects.count() == 2


def test_a_request_stores_up_to_three_free_times_as_its_windows(client, demo_site):
    service = ServicePage.objects.live().order_by("path").first()
    times = picked_times(service.ordered_session_options().first().duration_minutes, 4)
    assert_refused(post(client, booking_data(times=times)), "times", "up to 3 times")

    assert post(client, booking_data(times=times[:3])).status_code == 302
    booking = BookingRequest.objects.get()
    assert [start.isoformat() for _n, start, _end in booking.windows()] == [
        timezone.localtime(datetime.datetime.fromisoformat(t)).isoformat() for t in times[:3]
    ]
    assert booking.status == BookingRequest.Status.NEW


def test_notes_with_consent_record_the_consent_time_and_wording(client, demo_site):
    data = booking_data(notes="Sciatica, left leg", notes_consent="on")
    assert post(client, data).status_code == 302
    booking = BookingRequest.objects.get()
    assert booking.notes == "Sciatica, left leg"
    assert booking.notes_consent_version == CONSENT_VERSION
    assert abs((timezone.now() - booking.notes_consent_at).total_seconds()) < 60


def test_notes_without_consent_are_refused_with_a_clear_message(client, demo_site):
    response = post(client, booking_data(notes="Sciatica, left leg"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "please tick this box to agree that we may store them" in html
    assert "Sciatica, left leg" in html  # kept, so the visitor can tick and resend
    assert not BookingRequest.objects.exists()


def test_notes_are_never_in_the_string_or_repr_of_a_request(client, demo_site):
    post(client, booking_data(notes="Sciatica, left leg", notes_consent="on"))
    booking = BookingRequest.objects.get()
    assert "Sciatica" not in str(booking) and "Sciatica" not in repr(booking)


def test_booking_view_hides_every_posted_value_from_error_reports(rf, demo_site):
    from services.models import BookingPage

    page = BookingPage.objects.get()
    request = rf.post("/book/", booking_data())
    request.user = None
    response = page.booking_form(request)
    assert response.status_code == 302
    assert request.sensitive_post_parameters == "__ALL__"


BAD_INPUTS = [
    ("a past time", {"times": ["2020-01-06T10:00:00+00:00"]}, "times", "no longer free"),
    ("a time that is not one", {"times": ["tomorrow"]}, "times", "no longer free"),
    ("no time", {"times": None}, "times", "Please choose a time"),
    ("an invalid email", {"email": "jane.example.com"}, "email", "valid email"),
    ("a CR/LF in the email", {"email": "jane@example.com\r\nBcc: x@evil.test"}, "email", ""),
    ("a CR/LF in the name", {"name": "Jane\r\nBcc: x@evil.test"}, "name", "single line"),
    ("a NUL byte in the name", {"name": "Jane\x00Doe"}, "name", "Null characters"),
    ("a NUL byte in the notes", {"notes": "pain\x00", "notes_consent": "on"}, "notes", "Null"),
    ("an implausible phone", {"phone": "12"}, "phone", "phone number we can call"),
    ("letters for a phone", {"phone": "call me maybe"}, "phone", "phone number we can call"),
    ("an unknown service", {"service": "hot-stones"}, "service", "one of our treatments"),
    ("a made-up session", {"session": "999999"}, "session", "Select a valid choice"),
    ("a very long name", {"name": "J" * 101}, "name", "at most 100 characters"),
    ("very long notes", {"notes": "x" * 2001, "notes_consent": "on"}, "notes", "at most 2000"),
    ("no client type", {"client_type": None}, "client_type", "required"),
]
WEEKDAYS_NINE_TO_FIVE = [
    {
        "type": "hours",
        "value": {
            "days": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
            "opens": "09:00:00",
            "closes": "17:00:00",
        },
    }
]


def next_sunday() -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.weekday() != 6:
        day += datetime.timedelta(days=1)
    return day


def assert_refused(response, field, message):
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    if message:
        assert message in html
    # The error is tied to its input, and the input is marked invalid.
    if field not in ("client_type", "times"):
        assert f'aria-describedby="id_{field}_error' in html
        assert 'aria-invalid="true"' in html
    kept = "Jane Doe" if field == "email" else "jane@example.com"
    assert kept in html  # what was typed is kept
    assert not BookingRequest.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_gets_a_clear_error_next_to_its_field_and_stores_nothing(
    client, demo_site, overrides, field, message
):
    set_practice_details(opening_hours=WEEKDAYS_NINE_TO_FIVE)
    assert_refused(post(client, booking_data(**overrides)), field, message)


def test_a_time_on_a_day_the_practice_is_closed_is_refused(client, demo_site):
    set_practice_details(opening_hours=WEEKDAYS_NINE_TO_FIVE)
    sunday = datetime.datetime.combine(
        next_sunday(), datetime.time(10), tzinfo=timezone.get_default_timezone()
    )
    response = post(client, booking_data(times=[sunday.isoformat()]))
    assert_refused(response, "times", "no longer free")


def test_a_session_length_of_another_service_is_refused(client, demo_site):
    other = make_service(title="Hot Stone Massage")
    response = post(client, booking_data(service=other.slug))
    assert_refused(response, "session", "offered")


def test_a_mismatched_length_is_refused_next_to_the_field_naming_the_lengths_offered(
    client, demo_site
):
    chosen = make_service(title="Hot Stone Massage", options=[(60, "55.00"), (90, "75.00")])
    other = make_service(title="Bamboo Massage", options=[(45, "50.00")])
    data = booking_data(chosen, session=str(other.ordered_session_options().first().pk))
    response = post(client, data)
    assert_refused(response, "session", "")
    error = response.content.decode().split('id="id_session_error">', 1)[1].split("</p>", 1)[0]
    assert error == (
        "Please choose one of the session lengths offered for Hot Stone Massage: 60 or 90 minutes."
    )


def test_minutes_in_words():
    assert minutes_in_words([]) == ""
    assert minutes_in_words([60]) == "60 minutes"
    assert minutes_in_words([60, 90]) == "60 or 90 minutes"
    assert minutes_in_words([30, 60, 90]) == "30, 60 or 90 minutes"


def test_every_value_entered_is_kept_after_an_error(client, demo_site):
    data = booking_data(phone="12", notes="Stiff neck", notes_consent="on")
    html = post(client, data).content.decode()
    assert 'value="Jane Doe"' in html and 'value="jane@example.com"' in html
    for picked in data["times"]:
        assert re.search(rf'value="{re.escape(picked)}" checked', html)
    assert re.search(rf'<option value="{data["session"]}"[^>]* selected[ >]', html)
    assert f'<option value="{data["service"]}" selected>' in html
    assert "Stiff neck</textarea>" in html
    assert 'value="new" id="id_client_type_0" required checked' in html
    assert 'id="id_notes_consent" checked' in html


def test_oversized_post_gets_a_clear_error_and_stores_nothing(client, demo_site):
    response = post(client, booking_data(name="x" * 100_000))
    assert response.status_code == 400
    assert "far too long" in response.content.decode()
    assert not BookingRequest.objects.exists()


def test_post_without_csrf_token_is_refused(demo_site):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/book/", booking_data())
    assert response.status_code == 403
    assert not BookingRequest.objects.exists()


def test_filled_honeypot_is_quarantined_not_stored_or_emailed(client, demo_site):
    response = post(client, booking_data(website="http://spam.example"))
    assert response.status_code == 302  # the bot learns nothing
    assert not BookingRequest.objects.exists()
    assert not Notification.objects.exists()
    spam = QuarantinedSubmission.objects.get()
    assert spam.reason == "honeypot" and spam.form == "booking"
    assert spam.email == "jane@example.com"


def test_form_sent_faster_than_a_person_could_is_quarantined(client, demo_site):
    response = post(client, booking_data(form_token=issue_form_token()))
    assert response.status_code == 302
    assert not BookingRequest.objects.exists()
    assert QuarantinedSubmission.objects.get().reason == "too fast"


def test_form_sent_after_the_minimum_fill_time_is_stored(client, demo_site, settings):
    settings.FORM_MIN_FILL_SECONDS = 0
    assert post(client, booking_data(form_token=issue_form_token())).status_code == 302
    assert BookingRequest.objects.count() == 1


def test_forged_form_token_is_quarantined(client, demo_site):
    post(client, booking_data(form_token=booking_data()["form_token"] + "x"))
    assert not BookingRequest.objects.exists()
    assert QuarantinedSubmission.objects.get().reason == "no valid form token"


def test_too_many_posts_a_minute_get_429_with_a_clear_page(client, demo_site, settings):
    settings.FORM_RATE_LIMIT_POSTS = 3
    statuses = [post(client, booking_data(phone="1")).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    response = post(client, booking_data())
    assert response.status_code == 429
    assert "Please wait a minute" in response.content.decode()
    assert response["Retry-After"] == "60"
    assert not BookingRequest.objects.exists()
    # Another address is not affected.
    assert post(client, booking_data(), REMOTE_ADDR="192.0.2.7").status_code == 302


def test_visitor_input_is_escaped_on_the_form_page(client, demo_site):
    html = post(client, booking_data(name="<script>alert(1)</script>", phone="1")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


CACHE_BACKENDS = {
    "local memory": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "file": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache"},
    "redis": {"BACKEND": "caching.shared_cache.FallbackRedisCache"},  # as production uses it
}


@pytest.mark.parametrize(
    "backend",
    [
        pytest.param(name, marks=pytest.mark.redis) if name == "redis" else name
        for name in CACHE_BACKENDS
    ],
)
def test_rate_limit_works_with_each_cache_backend(client, demo_site, settings, tmp_path, backend):
    config = dict(CACHE_BACKENDS[backend])
    if backend == "file":
        config["LOCATION"] = str(tmp_path / "cache")
    if backend == "redis":
        config["LOCATION"] = require_redis(15)
    settings.CACHES = {"default": config}
    from django.core.cache import cache

    cache.clear()
    settings.FORM_RATE_LIMIT_POSTS = 2
    statuses = [post(client, booking_data(phone="1")).status_code for _ in range(3)]
    cache.clear()
    assert statuses == [400, 400, 429]


# -- the opening hours beside the time fields ---------------------------------------------


def hours(days, opens, closes) -> dict:
    return {"type": "hours", "value": {"days": days, "opens": opens, "closes": closes}}


WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def stream(blocks):
    from home.models import PracticeSettings

    return PracticeSettings._meta.get_field("opening_hours").to_python(blocks)


@pytest.mark.parametrize(
    ("blocks", "short", "spoken"),
    [
        (
            [hours(WEEKDAYS, "09:00:00", "18:00:00"), hours(["Saturday"], "10:00:00", "14:00:00")],
            "Mon–Fri 9:00–18:00, Sat 10:00–14:00",
            "Monday to Friday, 9:00 to 18:00; Saturday, 10:00 to 14:00",
        ),
        (
            # Days in any order; two blocks for the same days make one entry, earliest first.
            [
                hours(["Friday", "Monday", "Wednesday"], "14:00:00", "18:30:00"),
                hours(["Monday", "Wednesday", "Friday"], "08:15:00", "12:00:00"),
            ],
            "Mon, Wed & Fri 8:15–12:00 and 14:00–18:30",
            "Monday, Wednesday and Friday, 8:15 to 12:00 and 14:00 to 18:30",
        ),
        (
            [hours(["Sunday", "Saturday", "Tuesday", "Wednesday", "Thursday"], "10:00", "16:00")],
            "Tue–Thu, Sat & Sun 10:00–16:00",
            "Tuesday to Thursday, Saturday and Sunday, 10:00 to 16:00",
        ),
    ],
    ids=["weekdays and saturday", "split day", "two runs"],
)
def test_opening_hours_are_written_for_people(db, blocks, short, spoken):
    text = opening_hours_text(stream(blocks))
    assert (text.short, text.spoken) == (short, spoken)


def test_no_opening_hours_write_nothing(db):
    assert opening_hours_text(stream([])) is None


def offered(html) -> list[str]:
    """The times offered, as a person reads them: each time's label."""
    return re.findall(
        r'<input type="(?:radio|checkbox)" name="times"[^>]*>\s*<label[^>]*>([^<]+)<', html
    )


def test_the_times_offered_follow_her_opening_hours(client, demo_site):
    set_practice_details(opening_hours=[hours(WEEKDAYS, "09:00:00", "17:00:00")])
    times = offered(chosen_page(client))
    assert times and all("09:00" <= time < "17:00" for time in times)
    assert "09:00" in times

    # When she changes her hours, the times offered follow.
    set_practice_details(opening_hours=[hours(WEEKDAYS, "07:00:00", "12:00:00")])
    times = offered(chosen_page(client))
    assert "07:00" in times and all(time < "12:00" for time in times)


def test_with_nothing_free_the_page_says_so_kindly_and_gives_the_phone(client, demo_site):
    set_practice_details(opening_hours=[], phone="01632 960123")
    html = chosen_page(client)
    assert "Nothing is free just now" in html
    assert "01632 960123" in html
    assert not offered(html)
    assert '<form class="form booking-form"' not in html


def test_a_time_taken_before_the_post_is_refused_with_the_nearest_free_times(client, demo_site):
    service = ServicePage.objects.live().order_by("path").first()
    service.booking_mode = ServicePage.BookingMode.INSTANT
    service.save_revision().publish()
    data = booking_data(service)
    assert post(client, data).status_code == 302
    response = post(client, booking_data(service, times=data["times"]))
    assert_refused_after(response, "This time is no longer free. The nearest free times are")


def assert_refused_after(response, message):
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert BookingRequest.objects.count() == 1


def test_every_field_is_labelled_and_only_optional_ones_are_marked(client, demo_site):
    html = chosen_page(client)
    form = html.split('<form class="form booking-form"', 1)[1].split("</form>", 1)[0]
    assert "Every field is needed unless it says “optional”." in form
    assert "(required)" not in form
    ids = re.findall(r'<(?:input|select|textarea) [^>]*id="(id_[a-z0-9_]+)"', form)
    visible = [id_ for id_ in ids if id_ not in {"id_form_token", "id_website"}]
    assert len(visible) >= 7
    for id_ in visible:
        assert f'<label for="{id_}">' in form, id_
    time_ids = re.findall(r'<input type="checkbox" name="times" id="([^"]+)"', form)
    assert time_ids
    for id_ in time_ids:
        assert f'<label for="{id_}">' in form, id_
    assert form.count("<legend") >= 5  # the times, each day, about you, health, the radios


def test_with_every_day_taken_off_the_page_gives_her_hours_phone_and_email(client, demo_site):
    set_practice_details(
        opening_hours=WEEKDAYS_NINE_TO_FIVE, phone="01632 960123", email="hello@practice.example"
    )
    today = timezone.localdate()
    TimeOff.objects.create(
        reason="Away", first_day=today, last_day=today + datetime.timedelta(days=400)
    )
    html = chosen_page(client)
    assert "Nothing is free just now" in html
    assert "We are open Monday to Friday, 9:00 to 17:00." in html
    assert "01632 960123" in html and "hello@practice.example" in html
    assert not offered(html)
