-- Duplicate clusters: a question points at the first member of its cluster (NULL: its own).
ALTER TABLE questions ADD COLUMN cluster_id INTEGER REFERENCES questions (id);
-- What the bot suggests when the resident chose "other"; never replaces their own choice.
ALTER TABLE questions ADD COLUMN suggested_category TEXT;
-- 'complaint' when the text reads like a khiếu nại / tố cáo petition, for the office to see.
ALTER TABLE questions ADD COLUMN flag TEXT;
CREATE INDEX questions_by_cluster ON questions (cluster_id);

-- A resident backing an existing question ("Tôi cũng muốn hỏi điều này") instead of repeating it.
CREATE TABLE supports (
    id           INTEGER PRIMARY KEY,
    question_id  INTEGER NOT NULL REFERENCES questions (id),
    resident_id  INTEGER REFERENCES residents (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (question_id, resident_id)
);
CREATE INDEX supports_by_resident ON supports (resident_id);
