-- A document sent after a delivery's text (the conclusion's signed notice), by channel reference.
ALTER TABLE deliveries ADD COLUMN file_ref TEXT;
ALTER TABLE deliveries ADD COLUMN file_name TEXT;
