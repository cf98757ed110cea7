"""The office's desk in a browser: server-rendered pages over the bot's own services.

An adapter like the channels: it may import handlers/ and domain/, which never import it.

context.py    what every page shares (services, path prefix, templates), who is signed in
auth.py       sign-in by one-time link, sessions, the role and CSRF checks, security headers
render.py     pages from templates/ with the catalog's words (domain/locale/vi/web.toml)
pages.py      dialogues, overdue answers, the audit log
questions.py  a dialogue's questions by category and cluster, search, filters, merging
cluster.py    one cluster and the office's work on it (through handlers/desk.py)
reports.py    the report files, the digest's chart, the suggested duplicates
notices.py    notices: write, audience and its count, now or later, progress
sheet.py      the spreadsheet round trip (download, fill in Excel, upload)
app.py        the routes and the role each needs
server.py     serving it in `run`, alone (`web`), or with the demo
"""
