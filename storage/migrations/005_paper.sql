-- Questions typed in from paper forms, or entered in the chat on a resident's behalf.
ALTER TABLE questions ADD COLUMN entered_by TEXT;
-- A fingerprint of an imported row: importing the same file twice adds nothing.
ALTER TABLE questions ADD COLUMN import_key TEXT;
CREATE UNIQUE INDEX questions_by_import_key ON questions (import_key)
    WHERE import_key IS NOT NULL;
