-- How the office handles one distinct request (a duplicate cluster); id = its first question.
CREATE TABLE clusters (
    id            INTEGER PRIMARY KEY REFERENCES questions (id),
    dialogue_id   INTEGER NOT NULL REFERENCES dialogues (id),
    department    TEXT,
    answer_due    TEXT,
    answer        TEXT,
    answered_at   TEXT,
    answered_by   TEXT,
    forwarded_to  TEXT,
    updated_at    TEXT NOT NULL
);
INSERT INTO clusters (id, dialogue_id, updated_at)
    SELECT id, dialogue_id, created_at FROM questions WHERE cluster_id IS NULL;

-- Officials and admins granted in the chat, beside those in the config.
CREATE TABLE staff (
    person    TEXT PRIMARY KEY,
    role      TEXT NOT NULL CHECK (role IN ('official', 'admin')),
    added_by  TEXT NOT NULL,
    added_at  TEXT NOT NULL
);

-- Small facts the bot must remember across restarts (office chat, last digest, ...).
CREATE TABLE kv (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Who changed what in the office's handling, for officials to read.
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    who     TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL
);

-- Every message sent outside a conversation, written before it is sent: a restart resumes
-- without sending anyone the same thing twice and without skipping anyone.
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    ref         TEXT NOT NULL,
    text        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (
        status IN ('held', 'pending', 'sent', 'failed', 'blocked', 'cancelled')
    ),
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    error       TEXT,
    UNIQUE (kind, ref, channel, chat_id)
);
CREATE INDEX deliveries_pending ON deliveries (status, id);
