"""What a visitor may type into any form of the site: no control characters, but for line
breaks and tabs in a box of several lines. The booking and contact forms
(``services.protection``) and the client's own link page (``bookings.client_pages``) follow
this one rule."""

CONTROL_CHARACTERS = {chr(code) for code in range(32)} | {"\x7f"}
MULTILINE_ALLOWED = {"\n", "\r", "\t"}
