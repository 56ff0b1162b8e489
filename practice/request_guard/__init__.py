"""What the site refuses before any view reads a request: bodies it cannot decode, bodies too
large or of a type no public form sends, and text with NUL or control characters; and the
pages it answers with instead (400, 413, 415 and the CSRF failure), in the site's design.

``middleware`` holds the rules, ``views`` the pages.
"""
