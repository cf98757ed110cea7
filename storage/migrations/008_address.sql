-- How a dialogue's texts address residents: "ông/bà", "anh/chị" or "bạn" (domain/address.py).
ALTER TABLE dialogues ADD COLUMN address TEXT NOT NULL DEFAULT 'ông/bà';
