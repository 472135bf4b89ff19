"""gunicorn settings for the ``web`` service: ``gunicorn -c config/gunicorn.conf.py ...``.

No server banner: gunicorn writes ``Server: gunicorn`` on every response and has no setting
to leave it out (the name is ``gunicorn.SERVER``, read when each response is built). Telling
every visitor the server's name helps only someone matching it against known flaws, so each
response is built without that line. This file runs in the master before the workers fork,
so every worker inherits it. (Django itself sends no ``Server`` header; the reverse proxy's
own banner is switched off there: ``server_tokens off;`` in docs/production.md.)
"""

from __future__ import annotations

from gunicorn.http import wsgi


class _ResponseWithoutBanner(wsgi.Response):
    def default_headers(self) -> list[str]:
        return [
            line for line in super().default_headers() if not line.lower().startswith("server:")
        ]


# wsgi.create() builds each HTTP/1 response from this module attribute.
wsgi.Response = _ResponseWithoutBanner
