ALTER TABLE questions ADD COLUMN entered_by TEXT;
ALTER TABLE questions ADD COLUMN import_key TEXT;
CREATE UNIQUE INDEX questions_by_import_key ON questions (import_key)
    WHERE import_key IS NOT NULL;
