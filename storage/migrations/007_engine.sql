-- Who put a question in its cluster: NULL for the engine, or the official who merged it there
-- (the answer's preview says which members no official has looked at).
ALTER TABLE questions ADD COLUMN clustered_by TEXT;
-- An official has looked at the cluster (merged, split, confirmed in an answer's preview):
-- the engine no longer merges it with another.
ALTER TABLE clusters ADD COLUMN reviewed_by TEXT;
ALTER TABLE clusters ADD COLUMN reviewed_at TEXT;
-- Changes with every change to a dialogue's clusters, so that the engine each process keeps in
-- memory knows when to catch up with the others' work (an import, a second bot).
ALTER TABLE dialogues ADD COLUMN cluster_gen TEXT NOT NULL DEFAULT '';

-- Duplicates the engine is unsure of: two questions whose clusters may be one request.
CREATE TABLE suggestions (
    id           INTEGER PRIMARY KEY,
    dialogue_id  INTEGER NOT NULL REFERENCES dialogues (id),
    question_id  INTEGER NOT NULL REFERENCES questions (id),
    other_id     INTEGER NOT NULL REFERENCES questions (id),
    confidence   REAL NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'merged', 'dismissed')),
    created_at   TEXT NOT NULL,
    decided_by   TEXT,
    decided_at   TEXT,
    UNIQUE (question_id, other_id)
);
CREATE INDEX suggestions_by_dialogue ON suggestions (dialogue_id, status);

-- Pairs of questions whose clusters the engine must never join: dismissed suggestions, and a
-- question an official split off with the members it left.
CREATE TABLE kept_apart (
    dialogue_id  INTEGER NOT NULL REFERENCES dialogues (id),
    question_id  INTEGER NOT NULL REFERENCES questions (id),
    other_id     INTEGER NOT NULL REFERENCES questions (id),
    reason       TEXT NOT NULL CHECK (reason IN ('dismissed', 'split')),
    decided_by   TEXT NOT NULL,
    decided_at   TEXT NOT NULL,
    PRIMARY KEY (question_id, other_id)
);
CREATE INDEX kept_apart_by_dialogue ON kept_apart (dialogue_id);
