//! Maintenance of the search structures: the name dictionary (grams, trigram,
//! 초성) and the customers' trigram index.

use rusqlite::{OptionalExtension, Transaction, params};

use crate::error::Result;
use crate::text;

/// Add `name` to the dictionary if it is new. Names repeat across thousands of
/// payments, so this is usually one ignored insert.
pub(crate) fn ensure_name(tx: &Transaction<'_>, name: &str) -> Result<()> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(());
    }
    let cho = text::chosung(name);
    let added = tx
        .prepare_cached("INSERT OR IGNORE INTO names (name, chosung) VALUES (?1, ?2)")?
        .execute(params![name, cho])?;
    if added == 0 {
        return Ok(());
    }
    let mut grams = text::short_grams(name);
    grams.extend(text::short_grams(&cho));
    let mut ins =
        tx.prepare_cached("INSERT OR IGNORE INTO name_grams (gram, name) VALUES (?1, ?2)")?;
    for g in grams {
        ins.execute(params![g, name])?;
    }
    tx.prepare_cached("INSERT INTO names_fts (name, chosung) VALUES (?1, ?2)")?
        .execute(params![name, cho])?;
    Ok(())
}

/// Refresh a customer's row in the trigram index and its name in the dictionary.
pub(crate) fn reindex_customer(tx: &Transaction<'_>, uid: &str) -> Result<()> {
    type Row = (
        i64,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = tx
        .prepare_cached(
            "SELECT rowid, customer_uid, customer_email, phone_digits, card_last4, customer_name
             FROM customers WHERE customer_uid = ?1",
        )?
        .query_row([uid], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .optional()?;
    let Some((rowid, uid, email, phone, last4, name)) = row else {
        return Ok(());
    };
    tx.prepare_cached("DELETE FROM customers_fts WHERE rowid = ?1")?
        .execute([rowid])?;
    tx.prepare_cached(
        "INSERT INTO customers_fts (rowid, customer_uid, customer_email, phone_digits, card_last4)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![rowid, uid, email, phone, last4])?;
    if let Some(n) = name {
        ensure_name(tx, &n)?;
    }
    Ok(())
}

/// Rebuild every search structure from the tables (migration 2's backfill, and
/// a repair tool).
pub(crate) fn rebuild_all(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch(
        "DELETE FROM names; DELETE FROM name_grams; DELETE FROM names_fts; DELETE FROM customers_fts;",
    )?;
    let customers: Vec<(String, Option<String>, Option<String>)> = {
        let mut stmt =
            tx.prepare("SELECT customer_uid, customer_tel, card_number FROM customers")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    for (uid, tel, card) in &customers {
        let phone = tel.as_deref().map(text::digits).filter(|d| !d.is_empty());
        let last4 = card.as_deref().and_then(text::card_last4);
        tx.prepare_cached(
            "UPDATE customers SET phone_digits = ?2, card_last4 = ?3 WHERE customer_uid = ?1",
        )?
        .execute(params![uid, phone, last4])?;
        reindex_customer(tx, uid)?;
    }
    let names: Vec<String> = {
        let mut stmt =
            tx.prepare("SELECT DISTINCT buyer_name FROM payments WHERE buyer_name IS NOT NULL")?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    for n in &names {
        ensure_name(tx, n)?;
    }
    Ok(())
}
