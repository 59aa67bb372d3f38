//! Customers and their billing keys: the local registry.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::registry::search::index;
use crate::store::audit;
use crate::store::db::Store;
use crate::text;

/// Where a billing key stands at PortOne, as far as we last checked.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// PortOne knows the key.
    Active,
    /// Deleted (by us, through the app).
    Deleted,
    /// PortOne no longer knows the key.
    Unknown,
    /// Imported but not checked against PortOne yet.
    Unverified,
}

impl KeyStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Deleted => "deleted",
            KeyStatus::Unknown => "unknown",
            KeyStatus::Unverified => "unverified",
        }
    }

    pub(crate) fn parse(s: &str) -> KeyStatus {
        match s {
            "active" => KeyStatus::Active,
            "deleted" => KeyStatus::Deleted,
            "unknown" => KeyStatus::Unknown,
            _ => KeyStatus::Unverified,
        }
    }
}

/// A customer (one billing key) as the UI shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Customer {
    pub customer_uid: String,
    pub pg_provider: Option<String>,
    pub pg_id: Option<String>,
    pub card_name: Option<String>,
    /// Masked, as PortOne returns it.
    pub card_number: Option<String>,
    pub card_last4: Option<String>,
    /// 0 credit, 1 check/debit, None when the PG does not say.
    pub card_type: Option<i64>,
    pub customer_name: Option<String>,
    pub customer_tel: Option<String>,
    pub customer_email: Option<String>,
    pub customer_addr: Option<String>,
    pub customer_postcode: Option<String>,
    pub sandbox: bool,
    /// Issued at PortOne (`inserted`), Unix seconds.
    pub issued_at: Option<i64>,
    /// Updated at PortOne, Unix seconds.
    pub updated_at: Option<i64>,
    pub key_status: KeyStatus,
    pub last_verified_at: Option<i64>,
    pub notes: String,
    pub tags: Vec<String>,
    /// When this store first saw the key.
    pub created_local_at: i64,
}

/// A customer object as PortOne returns it (`CustomerAnnotation`), in plain
/// types: what the store upserts. Sync converts the client's type into this.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CustomerRecord {
    pub customer_uid: String,
    pub pg_provider: Option<String>,
    pub pg_id: Option<String>,
    pub customer_id: Option<String>,
    pub card_name: Option<String>,
    pub card_code: Option<String>,
    pub card_number: Option<String>,
    pub card_type: Option<i64>,
    pub customer_name: Option<String>,
    pub customer_tel: Option<String>,
    pub customer_email: Option<String>,
    pub customer_addr: Option<String>,
    pub customer_postcode: Option<String>,
    pub sandbox: bool,
    /// `inserted`, Unix seconds.
    pub inserted: Option<i64>,
    /// `updated`, Unix seconds.
    pub updated: Option<i64>,
    /// The object as received, for the record.
    pub raw_json: Option<String>,
}

pub(crate) const CUSTOMER_COLS: &str = "c.customer_uid, c.pg_provider, c.pg_id, c.card_name, c.card_number, \
     c.card_last4, c.card_type, c.customer_name, c.customer_tel, c.customer_email, c.customer_addr, \
     c.customer_postcode, c.sandbox, c.issued_at, c.updated_at, c.key_status, c.last_verified_at, \
     c.notes, (SELECT json_group_array(tag) FROM (SELECT tag FROM customer_tags t \
     WHERE t.customer_uid = c.customer_uid ORDER BY tag)), c.created_local_at, c.rowid";
/// How many columns `CUSTOMER_COLS` selects (a list's sort key comes next).
pub(crate) const CUSTOMER_COL_COUNT: usize = 21;

/// Map a row selected with `CUSTOMER_COLS`; returns the customer and its rowid
/// (the keyset tiebreak).
pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<(Customer, i64)> {
    let tags_json: String = r.get(18)?;
    let tags: Vec<String> = serde_json::from_str(&tags_json).unwrap_or_default();
    let status: String = r.get(15)?;
    Ok((
        Customer {
            customer_uid: r.get(0)?,
            pg_provider: r.get(1)?,
            pg_id: r.get(2)?,
            card_name: r.get(3)?,
            card_number: r.get(4)?,
            card_last4: r.get(5)?,
            card_type: r.get(6)?,
            customer_name: r.get(7)?,
            customer_tel: r.get(8)?,
            customer_email: r.get(9)?,
            customer_addr: r.get(10)?,
            customer_postcode: r.get(11)?,
            sandbox: r.get::<_, i64>(12)? != 0,
            issued_at: r.get(13)?,
            updated_at: r.get(14)?,
            key_status: KeyStatus::parse(&status),
            last_verified_at: r.get(16)?,
            notes: r.get(17)?,
            tags,
            created_local_at: r.get(19)?,
        },
        r.get(20)?,
    ))
}

/// What a customer_uid may be: 1..=80 printable ASCII characters without spaces,
/// quotes, commas or backslashes (the API's limit is 80; the charset keeps ids
/// safe in CSV files, URLs and logs).
pub fn validate_customer_uid(uid: &str) -> std::result::Result<(), &'static str> {
    if uid.is_empty() {
        return Err("empty");
    }
    if uid.len() > 80 {
        return Err("too_long");
    }
    if !uid
        .bytes()
        .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b',' | b'\\' | b'`'))
    {
        return Err("bad_chars");
    }
    Ok(())
}

pub(crate) fn check_uid(uid: &str) -> Result<()> {
    validate_customer_uid(uid).map_err(|r| Error::invalid("customer_uid", r))
}

/// Tags: at most 20, each 1..=40 characters, no commas or semicolons (they
/// separate tags in CSV files). Returns them trimmed, sorted, deduplicated.
pub fn normalise_tags(tags: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = tags
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    out.sort();
    out.dedup();
    if out.len() > 20 {
        return Err(Error::invalid("tags", "at most 20 tags"));
    }
    for t in &out {
        if text::char_len(t) > 40 || t.contains([',', ';', '|']) {
            return Err(Error::invalid("tags", format!("bad tag {t:?}")));
        }
    }
    Ok(out)
}

pub(crate) fn check_notes(notes: &str) -> Result<()> {
    if text::char_len(notes) > 4000 {
        return Err(Error::invalid("notes", "at most 4000 characters"));
    }
    Ok(())
}

/// Insert or refresh a customer from a PortOne object, marking it active and
/// verified at `now`. Local notes and tags are kept.
pub(crate) fn upsert_record(tx: &Transaction<'_>, rec: &CustomerRecord, now: i64) -> Result<()> {
    check_uid(&rec.customer_uid)?;
    let phone = rec
        .customer_tel
        .as_deref()
        .map(text::digits)
        .filter(|d| !d.is_empty());
    let last4 = rec.card_number.as_deref().and_then(text::card_last4);
    let sort_at = rec.inserted.unwrap_or(now);
    tx.prepare_cached(
        "INSERT INTO customers (customer_uid, pg_provider, pg_id, customer_id, card_name, card_code,
             card_number, card_type, customer_name, customer_tel, customer_email, customer_addr,
             customer_postcode, sandbox, issued_at, updated_at, key_status, last_verified_at,
             raw_json, created_local_at, modified_local_at, sort_at, phone_digits, card_last4)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 'active', ?17,
             ?18, ?17, ?17, ?19, ?20, ?21)
         ON CONFLICT (customer_uid) DO UPDATE SET
             pg_provider = excluded.pg_provider, pg_id = excluded.pg_id,
             customer_id = excluded.customer_id, card_name = excluded.card_name,
             card_code = excluded.card_code, card_number = excluded.card_number,
             card_type = excluded.card_type, customer_name = excluded.customer_name,
             customer_tel = excluded.customer_tel, customer_email = excluded.customer_email,
             customer_addr = excluded.customer_addr, customer_postcode = excluded.customer_postcode,
             sandbox = excluded.sandbox, issued_at = excluded.issued_at,
             updated_at = excluded.updated_at, key_status = 'active',
             last_verified_at = excluded.last_verified_at, raw_json = excluded.raw_json,
             modified_local_at = excluded.modified_local_at,
             sort_at = coalesce(excluded.issued_at, customers.sort_at),
             phone_digits = excluded.phone_digits, card_last4 = excluded.card_last4",
    )?
    .execute(params![
        rec.customer_uid,
        rec.pg_provider,
        rec.pg_id,
        rec.customer_id,
        rec.card_name,
        rec.card_code,
        rec.card_number,
        rec.card_type,
        rec.customer_name,
        rec.customer_tel,
        rec.customer_email,
        rec.customer_addr,
        rec.customer_postcode,
        rec.sandbox as i64,
        rec.inserted,
        rec.updated,
        now,
        rec.raw_json,
        sort_at,
        phone,
        last4,
    ])?;
    index::reindex_customer(tx, &rec.customer_uid)?;
    Ok(())
}

/// Register a key we only know by uid (import): status `unverified` until checked.
/// Returns false when the uid was already in the registry (nothing changed).
pub(crate) fn insert_unverified(
    tx: &Transaction<'_>,
    uid: &str,
    notes: &str,
    tags: &[String],
    now: i64,
) -> Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT INTO customers (customer_uid, key_status, notes, created_local_at,
                 modified_local_at, sort_at)
             VALUES (?1, 'unverified', ?2, ?3, ?3, ?3)
             ON CONFLICT (customer_uid) DO NOTHING",
        )?
        .execute(params![uid, notes, now])?;
    if n == 0 {
        return Ok(false);
    }
    for t in tags {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO customer_tags (customer_uid, tag) VALUES (?1, ?2)",
        )?
        .execute(params![uid, t])?;
    }
    index::reindex_customer(tx, uid)?;
    Ok(true)
}

/// Mark a key as unknown at PortOne (verified now). A key we deleted stays deleted.
pub(crate) fn mark_unknown(tx: &Transaction<'_>, uid: &str, now: i64) -> Result<()> {
    tx.prepare_cached(
        "UPDATE customers SET key_status = CASE key_status WHEN 'deleted' THEN 'deleted' ELSE 'unknown' END,
             last_verified_at = ?2, modified_local_at = ?2
         WHERE customer_uid = ?1",
    )?
    .execute(params![uid, now])?;
    Ok(())
}

fn exists(tx: &Transaction<'_>, uid: &str) -> Result<()> {
    let found: Option<i64> = tx
        .query_row(
            "SELECT 1 FROM customers WHERE customer_uid = ?1",
            [uid],
            |r| r.get(0),
        )
        .optional()?;
    match found {
        Some(_) => Ok(()),
        None => Err(Error::NotFound {
            what: "customer",
            id: uid.to_string(),
        }),
    }
}

impl Store {
    /// Insert or refresh a customer from a PortOne customer object (e.g. right
    /// after the app issued a key). Notes and tags are kept.
    pub fn upsert_customer(&self, rec: &CustomerRecord) -> Result<Customer> {
        let now = crate::now();
        self.write(|tx| {
            upsert_record(tx, rec, now)?;
            audit::append(
                tx,
                self.profile(),
                "customer.upsert",
                &serde_json::json!({ "customer_uid": rec.customer_uid, "pg_provider": rec.pg_provider }),
                "ok",
            )?;
            Ok(())
        })?;
        self.get_customer(&rec.customer_uid)
    }

    /// One customer by uid.
    pub fn get_customer(&self, customer_uid: &str) -> Result<Customer> {
        self.read(|conn| {
            let sql = format!("SELECT {CUSTOMER_COLS} FROM customers c WHERE c.customer_uid = ?1");
            conn.prepare_cached(&sql)?
                .query_row([customer_uid], from_row)
                .optional()?
                .map(|(c, _)| c)
                .ok_or_else(|| Error::NotFound {
                    what: "customer",
                    id: customer_uid.to_string(),
                })
        })
    }

    /// Replace a customer's local notes.
    pub fn set_customer_notes(&self, customer_uid: &str, notes: &str) -> Result<Customer> {
        check_notes(notes)?;
        self.write(|tx| {
            exists(tx, customer_uid)?;
            tx.execute(
                "UPDATE customers SET notes = ?2, modified_local_at = ?3 WHERE customer_uid = ?1",
                params![customer_uid, notes, crate::now()],
            )?;
            audit::append(
                tx,
                self.profile(),
                "customer.set_notes",
                &serde_json::json!({ "customer_uid": customer_uid, "notes_chars": text::char_len(notes) }),
                "ok",
            )?;
            Ok(())
        })?;
        self.get_customer(customer_uid)
    }

    /// Replace a customer's local tags.
    pub fn set_customer_tags(&self, customer_uid: &str, tags: &[String]) -> Result<Customer> {
        let tags = normalise_tags(tags)?;
        self.write(|tx| {
            exists(tx, customer_uid)?;
            tx.execute(
                "DELETE FROM customer_tags WHERE customer_uid = ?1",
                [customer_uid],
            )?;
            for t in &tags {
                tx.execute(
                    "INSERT INTO customer_tags (customer_uid, tag) VALUES (?1, ?2)",
                    params![customer_uid, t],
                )?;
            }
            tx.execute(
                "UPDATE customers SET modified_local_at = ?2 WHERE customer_uid = ?1",
                params![customer_uid, crate::now()],
            )?;
            audit::append(
                tx,
                self.profile(),
                "customer.set_tags",
                &serde_json::json!({ "customer_uid": customer_uid, "tags": tags }),
                "ok",
            )?;
            Ok(())
        })?;
        self.get_customer(customer_uid)
    }

    /// Mark a key deleted (after the app deleted it at PortOne). The row stays:
    /// the registry keeps history.
    pub fn mark_customer_deleted(&self, customer_uid: &str) -> Result<Customer> {
        self.write(|tx| {
            exists(tx, customer_uid)?;
            tx.execute(
                "UPDATE customers SET key_status = 'deleted', modified_local_at = ?2 WHERE customer_uid = ?1",
                params![customer_uid, crate::now()],
            )?;
            audit::append(
                tx,
                self.profile(),
                "customer.mark_deleted",
                &serde_json::json!({ "customer_uid": customer_uid }),
                "ok",
            )?;
            Ok(())
        })?;
        self.get_customer(customer_uid)
    }

    /// Every tag in use, with how many customers carry it.
    pub fn tags(&self) -> Result<Vec<(String, i64)>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT tag, count(*) FROM customer_tags GROUP BY tag ORDER BY tag",
            )?;
            let v = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(v)
        })
    }

    /// Customer uids to verify: all keys not deleted locally, or those given.
    pub(crate) fn uids_to_verify(&self, only_unverified: bool) -> Result<Vec<String>> {
        self.read(|conn| {
            let sql = if only_unverified {
                "SELECT customer_uid FROM customers WHERE key_status = 'unverified' ORDER BY customer_uid"
            } else {
                "SELECT customer_uid FROM customers WHERE key_status <> 'deleted' ORDER BY customer_uid"
            };
            let mut stmt = conn.prepare(sql)?;
            let v = stmt
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(v)
        })
    }
}
