-- The text an official wrote to stand for a cluster in the report and the digests (residents
-- type without diacritics; the signed report needs clean text). The residents' own texts in
-- questions stay as they wrote them.
ALTER TABLE clusters ADD COLUMN report_text TEXT;

-- One-time sign-in links to the office's web page, sent by the bot on /web. Only a hash of the
-- link's secret is kept, so the database alone cannot be used to sign in.
CREATE TABLE web_links (
    token_hash  TEXT PRIMARY KEY,
    person      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);

-- Signed-in browsers: the cookie's secret is hashed the same way; every form of the session
-- carries its CSRF token.
CREATE TABLE web_sessions (
    token_hash  TEXT PRIMARY KEY,
    person      TEXT NOT NULL,
    csrf        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
