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

-- A revision number for what the office's page shows, moved by triggers on every change to a
-- question, its cluster's handling or its supports, whichever process makes it (the bot, an
-- import, the page): the page keeps a dialogue's questions in memory and reads again only
-- the rows whose revision is newer than the one it holds (bot/web/listing.py).
CREATE TABLE web_revision (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    rev  INTEGER NOT NULL
);
INSERT INTO web_revision (id, rev) VALUES (1, 0);
ALTER TABLE questions ADD COLUMN web_rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clusters ADD COLUMN web_rev INTEGER NOT NULL DEFAULT 0;
CREATE INDEX questions_by_web_rev ON questions (dialogue_id, web_rev);
CREATE INDEX clusters_by_web_rev ON clusters (dialogue_id, web_rev);

CREATE TRIGGER questions_web_insert AFTER INSERT ON questions BEGIN
    UPDATE web_revision SET rev = rev + 1;
    UPDATE questions SET web_rev = (SELECT rev FROM web_revision) WHERE id = NEW.id;
END;
-- The WHEN clause keeps the trigger's own update from counting as another change.
CREATE TRIGGER questions_web_update AFTER UPDATE ON questions
WHEN NEW.web_rev = OLD.web_rev BEGIN
    UPDATE web_revision SET rev = rev + 1;
    UPDATE questions SET web_rev = (SELECT rev FROM web_revision) WHERE id = NEW.id;
END;
CREATE TRIGGER clusters_web_insert AFTER INSERT ON clusters BEGIN
    UPDATE web_revision SET rev = rev + 1;
    UPDATE clusters SET web_rev = (SELECT rev FROM web_revision) WHERE id = NEW.id;
END;
CREATE TRIGGER clusters_web_update AFTER UPDATE ON clusters
WHEN NEW.web_rev = OLD.web_rev BEGIN
    UPDATE web_revision SET rev = rev + 1;
    UPDATE clusters SET web_rev = (SELECT rev FROM web_revision) WHERE id = NEW.id;
END;
CREATE TRIGGER supports_web_insert AFTER INSERT ON supports BEGIN
    UPDATE web_revision SET rev = rev + 1;
    UPDATE questions SET web_rev = (SELECT rev FROM web_revision) WHERE id = NEW.question_id;
END;
CREATE TRIGGER supports_web_update AFTER UPDATE ON supports BEGIN
    UPDATE web_revision SET rev = rev + 1;
    UPDATE questions SET web_rev = (SELECT rev FROM web_revision)
        WHERE id IN (OLD.question_id, NEW.question_id);
END;
CREATE TRIGGER supports_web_delete AFTER DELETE ON supports BEGIN
    UPDATE web_revision SET rev = rev + 1;
    UPDATE questions SET web_rev = (SELECT rev FROM web_revision) WHERE id = OLD.question_id;
END;
