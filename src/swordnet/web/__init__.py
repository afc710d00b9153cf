"""The web application and the REST API (``/api/v1``), on the same services as the CLI.

``app.create_app`` builds it; ``deps`` resolves who is asking and checks the policy on
every route; ``pages`` are the HTML pages (Jinja2 and HTMX, zh-CN and English);
``api.v1`` is the JSON API, with errors as RFC 9457 problem documents.
"""
