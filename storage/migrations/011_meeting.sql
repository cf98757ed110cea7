-- The conference day and after it (issue 16). Rows name the question they are about, never a
-- cluster id: clusters are merged and split, a question's cluster is read when needed.

-- Registering to speak at a dialogue's meeting: opened and closed by the secretariat.
CREATE TABLE speaker_lists (
    dialogue_id  INTEGER PRIMARY KEY REFERENCES dialogues (id),
    opened_at    TEXT NOT NULL,
    opened_by    TEXT NOT NULL,
    closed_at    TEXT,
    closed_by    TEXT
);
CREATE TABLE speakers (
    id           INTEGER PRIMARY KEY,
    dialogue_id  INTEGER NOT NULL REFERENCES dialogues (id),
    position     INTEGER NOT NULL,
    resident_id  INTEGER REFERENCES residents (id) ON DELETE SET NULL,
    question_id  INTEGER REFERENCES questions (id),
    topic        TEXT,
    status       TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'called', 'done')),
    created_at   TEXT NOT NULL,
    called_at    TEXT,
    done_at      TEXT,
    UNIQUE (dialogue_id, position)
);
-- One registration waiting per resident; once heard, they may ask to speak again.
CREATE UNIQUE INDEX speakers_waiting ON speakers (dialogue_id, resident_id)
    WHERE status IN ('waiting', 'called') AND resident_id IS NOT NULL;

-- A cluster answered at the meeting: its askers are told at notify_at (that evening), by
-- deliveries written as 'held' with the answer and released by the scheduled tick.
CREATE TABLE onspot_answers (
    question_id  INTEGER PRIMARY KEY REFERENCES questions (id),
    dialogue_id  INTEGER NOT NULL REFERENCES dialogues (id),
    summary      TEXT NOT NULL,
    answered_by  TEXT NOT NULL,
    answered_at  TEXT NOT NULL,
    notify_at    TEXT NOT NULL,
    released_at  TEXT
);
CREATE INDEX onspot_due ON onspot_answers (released_at, notify_at);

-- A matter of the conclusion that needs action: the body responsible (a department's key or
-- a name), the due date, the status; overdue is worked out from the date, never stored.
CREATE TABLE commitments (
    id           INTEGER PRIMARY KEY,
    dialogue_id  INTEGER NOT NULL REFERENCES dialogues (id),
    seq          INTEGER NOT NULL,
    question_id  INTEGER NOT NULL UNIQUE REFERENCES questions (id),
    body         TEXT NOT NULL,
    text         TEXT NOT NULL,
    due          TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'not_started'
                 CHECK (status IN ('not_started', 'in_progress', 'done')),
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    done_at      TEXT,
    UNIQUE (dialogue_id, seq)
);
CREATE TABLE commitment_notes (
    id             INTEGER PRIMARY KEY,
    commitment_id  INTEGER NOT NULL REFERENCES commitments (id),
    at             TEXT NOT NULL,
    by             TEXT NOT NULL,
    text           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'done'))
);
CREATE INDEX commitment_notes_by_commitment ON commitment_notes (commitment_id, id);

-- Whether an answer, or a finished commitment, satisfies the resident who asked or backed;
-- one verdict each, and one follow-up message. The count stays when a resident deletes their
-- data; the link to them and their message go.
CREATE TABLE ratings (
    id           INTEGER PRIMARY KEY,
    question_id  INTEGER NOT NULL REFERENCES questions (id),
    resident_id  INTEGER REFERENCES residents (id) ON DELETE SET NULL,
    subject      TEXT NOT NULL CHECK (subject IN ('answer', 'commitment')),
    satisfied    INTEGER NOT NULL,
    department   TEXT,
    followup     TEXT,
    created_at   TEXT NOT NULL,
    reply        TEXT,
    replied_by   TEXT,
    replied_at   TEXT,
    UNIQUE (question_id, resident_id, subject)
);
CREATE INDEX ratings_by_resident ON ratings (resident_id);

-- A question that resembles one answered in an earlier dialogue (found by the clustering
-- engine of that dialogue when the question was stored), for the office's digest.
CREATE TABLE earlier_links (
    question_id  INTEGER PRIMARY KEY REFERENCES questions (id),
    earlier_id   INTEGER NOT NULL REFERENCES questions (id),
    confidence   REAL NOT NULL
);
