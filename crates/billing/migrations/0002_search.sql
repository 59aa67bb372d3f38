-- Schema version 2: search.
--
-- FTS5 trigram finds substrings of 3+ characters, but Korean given names are two
-- syllables ("민준") and surnames one, so names also get a 1-2 character gram
-- table. Names repeat a lot (a customer's name is on every one of their payments),
-- so they are indexed once, in a dictionary, and rows join to it by the name
-- text; that keeps the write cost of syncing a million payments small.
ALTER TABLE customers ADD COLUMN phone_digits TEXT;  -- customer_tel without hyphens
ALTER TABLE customers ADD COLUMN card_last4 TEXT;
CREATE INDEX customers_phone ON customers (phone_digits);
CREATE INDEX customers_last4 ON customers (card_last4);
CREATE INDEX customers_email ON customers (customer_email COLLATE NOCASE);

-- Every distinct customer or buyer name, with its initial consonants (초성).
CREATE TABLE names (
    name    TEXT PRIMARY KEY NOT NULL,
    chosung TEXT NOT NULL
) WITHOUT ROWID;

-- 1- and 2-character grams of each name and of its 초성 (lower-cased).
CREATE TABLE name_grams (
    gram TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (gram, name)
) WITHOUT ROWID;

-- 3+ character substrings of names and 초성.
CREATE VIRTUAL TABLE names_fts USING fts5 (name, chosung, tokenize = 'trigram');

-- 3+ character substrings of the customer's ids and contact fields;
-- rowid = customers.rowid.
CREATE VIRTUAL TABLE customers_fts USING fts5 (
    customer_uid, customer_email, phone_digits, card_last4, tokenize = 'trigram'
);
