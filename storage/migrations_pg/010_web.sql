-- PostgreSQL twin of storage/migrations/010_web.sql. SQLite's triggers become trigger functions
-- with the same effect: every insert or change of a question, its cluster's handling or its
-- supports moves the schema's revision and stamps the row with it.
ALTER TABLE clusters ADD COLUMN report_text TEXT;

CREATE TABLE web_links (
    token_hash  TEXT PRIMARY KEY,
    person      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);

CREATE TABLE web_sessions (
    token_hash  TEXT PRIMARY KEY,
    person      TEXT NOT NULL,
    csrf        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

CREATE TABLE web_revision (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    rev  BIGINT NOT NULL
);
INSERT INTO web_revision (id, rev) VALUES (1, 0);
ALTER TABLE questions ADD COLUMN web_rev BIGINT NOT NULL DEFAULT 0;
ALTER TABLE clusters ADD COLUMN web_rev BIGINT NOT NULL DEFAULT 0;
CREATE INDEX questions_by_web_rev ON questions (dialogue_id, web_rev);
CREATE INDEX clusters_by_web_rev ON clusters (dialogue_id, web_rev);

-- The row itself is stamped before it is written (SQLite updates it again after); the WHEN
-- clause, as in SQLite, keeps a stamp written by another trigger from counting twice.
CREATE FUNCTION web_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE web_revision SET rev = rev + 1 RETURNING rev INTO NEW.web_rev;
    RETURN NEW;
END;
$$;
CREATE TRIGGER questions_web_insert BEFORE INSERT ON questions
    FOR EACH ROW EXECUTE FUNCTION web_stamp();
CREATE TRIGGER questions_web_update BEFORE UPDATE ON questions
    FOR EACH ROW WHEN (NEW.web_rev = OLD.web_rev) EXECUTE FUNCTION web_stamp();
CREATE TRIGGER clusters_web_insert BEFORE INSERT ON clusters
    FOR EACH ROW EXECUTE FUNCTION web_stamp();
CREATE TRIGGER clusters_web_update BEFORE UPDATE ON clusters
    FOR EACH ROW WHEN (NEW.web_rev = OLD.web_rev) EXECUTE FUNCTION web_stamp();

-- A support changes what its question's row shows.
CREATE FUNCTION web_stamp_supported() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    now_rev BIGINT;
BEGIN
    UPDATE web_revision SET rev = rev + 1 RETURNING rev INTO now_rev;
    IF TG_OP = 'DELETE' THEN
        UPDATE questions SET web_rev = now_rev WHERE id = OLD.question_id;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE questions SET web_rev = now_rev WHERE id IN (OLD.question_id, NEW.question_id);
    ELSE
        UPDATE questions SET web_rev = now_rev WHERE id = NEW.question_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER supports_web_change AFTER INSERT OR UPDATE OR DELETE ON supports
    FOR EACH ROW EXECUTE FUNCTION web_stamp_supported();
