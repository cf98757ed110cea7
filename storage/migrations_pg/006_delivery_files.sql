ALTER TABLE deliveries ADD COLUMN file_ref TEXT;
ALTER TABLE deliveries ADD COLUMN file_name TEXT;
