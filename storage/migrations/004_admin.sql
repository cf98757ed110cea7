-- Fields an admin changed in the chat or on the command line; the config no longer sets them.
ALTER TABLE dialogues ADD COLUMN overrides TEXT NOT NULL DEFAULT '[]';
-- A dialogue whose conclusion is marked complex gets 15 working days instead of 10.
ALTER TABLE dialogues ADD COLUMN complex INTEGER NOT NULL DEFAULT 0;

-- Notices: a resident can turn them off; a chat that blocked the bot is not tried again.
ALTER TABLE residents ADD COLUMN notices INTEGER NOT NULL DEFAULT 1;
ALTER TABLE residents ADD COLUMN active INTEGER NOT NULL DEFAULT 1;

-- A notice written by an admin, sent now or at a time, to an audience.
CREATE TABLE broadcasts (
    id             INTEGER PRIMARY KEY,
    text           TEXT NOT NULL,
    audience       TEXT NOT NULL,
    send_at        TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('scheduled', 'sending', 'done', 'cancelled')),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    progress_chat  TEXT,
    progress_msg   TEXT,
    recipients     INTEGER NOT NULL DEFAULT 0
);

-- The conclusion (thông báo kết luận) of a dialogue, published once to everyone who asked.
CREATE TABLE conclusions (
    dialogue_id   INTEGER PRIMARY KEY REFERENCES dialogues (id),
    text          TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    published_at  TEXT
);
