-- Dialogues come from the config (and later from admins); next_seq hands out receipt numbers.
CREATE TABLE dialogues (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    host          TEXT NOT NULL DEFAULT '',
    audience      TEXT NOT NULL DEFAULT '',
    deadline      TEXT NOT NULL,
    meeting_at    TEXT,
    meeting_note  TEXT NOT NULL DEFAULT '',
    location      TEXT NOT NULL DEFAULT '',
    timezone      TEXT NOT NULL,
    categories    TEXT NOT NULL,
    closed        INTEGER NOT NULL DEFAULT 0,
    next_seq      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- One row per chat that answered the consent request; a refusal keeps nothing but the refusal.
CREATE TABLE residents (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    consent     TEXT NOT NULL CHECK (consent IN ('granted', 'declined')),
    consent_at  TEXT NOT NULL,
    village     TEXT,
    name        TEXT,
    UNIQUE (channel, chat_id)
);

CREATE TABLE questions (
    id            INTEGER PRIMARY KEY,
    dialogue_id   INTEGER NOT NULL REFERENCES dialogues (id),
    seq           INTEGER NOT NULL,
    receipt_code  TEXT NOT NULL UNIQUE,
    resident_id   INTEGER REFERENCES residents (id) ON DELETE SET NULL,
    category      TEXT NOT NULL,
    text          TEXT NOT NULL,
    village       TEXT,
    author_name   TEXT,
    source        TEXT NOT NULL DEFAULT 'chat',
    status        TEXT NOT NULL DEFAULT 'received',
    created_at    TEXT NOT NULL,
    UNIQUE (dialogue_id, seq)
);
CREATE INDEX questions_by_resident ON questions (resident_id);
CREATE INDEX questions_by_dialogue ON questions (dialogue_id, category);

-- Conversation state per (channel, chat): a restart continues where the resident was.
CREATE TABLE conversations (
    channel     TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    step        TEXT NOT NULL,
    nonce       INTEGER NOT NULL,
    data        TEXT NOT NULL,
    choices     TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (channel, chat_id)
);

-- Updates already handled, so a redelivered update changes nothing.
CREATE TABLE processed_updates (
    channel       TEXT NOT NULL,
    update_key    TEXT NOT NULL,
    processed_at  TEXT NOT NULL,
    PRIMARY KEY (channel, update_key)
);
