"""gunicorn's logger for the site: its access and error logs never hold a secret address.

The deploy recipe starts gunicorn with ``--logger-class practice.gunicorn_logging.Logger``
(deploy/systemd/practice-gunicorn.service). Each line is written as gunicorn writes it, in
its own format, with the secret part of a client's link, the calendar feed or a
password-reset link (request line, referrer, any header) replaced by ``[secret]``
(secret_paths/redaction.py).
"""

from gunicorn.glogging import Logger as GunicornLogger

from secret_paths.redaction import RedactSecrets


class Logger(GunicornLogger):
    def setup(self, cfg):
        super().setup(cfg)
        # setup() runs again on every reload (HUP): one filter per log, never two.
        for log in (self.error_log, self.access_log):
            if not any(isinstance(existing, RedactSecrets) for existing in log.filters):
                log.addFilter(RedactSecrets())
