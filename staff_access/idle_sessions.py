"""A signed-in session ends ``SESSION_COOKIE_AGE`` (8 hours) after its last use."""

import time

SESSION_RENEWED_AT = "_idle_timer_renewed_at"
RENEW_AFTER_SECONDS = 5 * 60


def idle_session_middleware(get_response):
    """Starts a signed-in session's SESSION_COOKIE_AGE again when it is used, at most every five
    minutes, so it ends that long after its last use. (SESSION_SAVE_EVERY_REQUEST would write
    the session on each of an admin page's parallel requests.)"""

    def middleware(request):
        response = get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or user is None or not user.is_authenticated:
            return response
        now = int(time.time())
        if now - session.get(SESSION_RENEWED_AT, 0) >= RENEW_AFTER_SECONDS:
            session[SESSION_RENEWED_AT] = now  # saved, with a new expiry, by SessionMiddleware
        return response

    return middleware
