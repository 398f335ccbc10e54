"""The web UI: a server-rendered mailbox viewer at `/` (Jinja2 templates, a little plain JavaScript).

Read-only pages read the store; every action (event injection, template review, domain
verification) is a call of the `/_emulator/` API from the browser.
"""
