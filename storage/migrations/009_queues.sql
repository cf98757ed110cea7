-- Deliveries are claimed before they are sent ('sending', by whom and when), so two processes
-- never send one twice and a crash resends only what was in flight. SQLite cannot change a
-- CHECK constraint in place: the table is rebuilt with the same rows.
CREATE TABLE deliveries_new (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,
    chat_id      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    ref          TEXT NOT NULL,
    text         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (
        status IN ('held', 'pending', 'sending', 'sent', 'failed', 'blocked', 'cancelled')
    ),
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    sent_at      TEXT,
    error        TEXT,
    file_ref     TEXT,
    file_name    TEXT,
    claimed_by   TEXT,
    claimed_at   TEXT,
    next_try_at  TEXT,
    UNIQUE (kind, ref, channel, chat_id)
);
INSERT INTO deliveries_new (id, channel, chat_id, kind, ref, text, status, attempts, created_at,
                            sent_at, error, file_ref, file_name)
    SELECT id, channel, chat_id, kind, ref, text, status, attempts, created_at, sent_at, error,
           file_ref, file_name
    FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_pending ON deliveries (status, id);
-- Replies a resident is waiting for are claimed before notices.
CREATE INDEX deliveries_by_kind ON deliveries (status, kind, id);

-- What the channels delivered, written before the channel is told it arrived (Telegram's offset
-- moves on the next getUpdates, a Zalo webhook is answered 200). A row leaves in the same
-- transaction that marks its update handled (processed_updates), so an update is handled once.
CREATE TABLE inbox (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,
    update_key   TEXT NOT NULL,
    chat         TEXT,
    body         TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_try_at  TEXT,
    UNIQUE (channel, update_key)
);
