//! Search and filtered lists over customers and payments.
//!
//! A text query is answered in *tiers*, best first: exact ids (uid, last four,
//! phone, approval number), then amounts and exact names, then prefixes, then
//! substrings (trigram for 3+ characters, the gram table for 1-2, 초성). Each
//! tier is one indexed query that excludes the rows of earlier tiers, ordered by
//! (key, id) — time, newest first, unless the user sorts the customer list by a
//! column, in which case the tiers merge into one and the column decides. The
//! cursor is (tier, key, id) of the last row, so the next page starts exactly
//! after it: every row appears once, and a page never re-reads the pages before
//! it.

pub(crate) mod index;

use rusqlite::types::Value;
use rusqlite::{Connection, Row, Statement};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::mirror::payments::{self, Payment, PaymentStatus};
use crate::registry::customers::{self, Customer, KeyStatus};
use crate::store::db::Store;
use crate::text;

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;
/// Upper bound of every prefix range: sorts after any valid UTF-8 text.
const PREFIX_END: char = '\u{10FFFF}';

/// Filters and cursor for customers.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct CustomerQuery {
    /// Free text: name (2 syllables and 초성 work), email, phone with or without
    /// hyphens, customer_uid, card last four.
    pub text: Option<String>,
    /// Any of these key statuses (empty = all).
    pub key_status: Vec<KeyStatus>,
    pub pg_provider: Option<String>,
    /// Customers carrying all of these tags.
    pub tags: Vec<String>,
    /// A column order chosen by the user. None: best matches first, then newest.
    pub sort: Option<CustomerSort>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1..=500, default 50.
    pub limit: Option<u32>,
}

/// The customer-list columns a user can sort by.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum CustomerSortField {
    /// Issued at PortOne (else first seen here).
    Issued,
    Name,
    CustomerUid,
    Pg,
    /// Active, unverified, unknown, deleted — the order of urgency, not of letters.
    Status,
    /// Never-verified keys count as the oldest.
    Verified,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SortDirection {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CustomerSort {
    pub field: CustomerSortField,
    pub direction: SortDirection,
}

impl CustomerSortField {
    fn name(self) -> &'static str {
        match self {
            CustomerSortField::Issued => "issued",
            CustomerSortField::Name => "name",
            CustomerSortField::CustomerUid => "customer_uid",
            CustomerSortField::Pg => "pg",
            CustomerSortField::Status => "status",
            CustomerSortField::Verified => "verified",
        }
    }
    /// The sort key as an SQL expression over `customers c`. Never NULL (so the
    /// keyset comparison holds for every row), and each matches an index in
    /// migration 0004 expression for expression.
    fn key_sql(self) -> &'static str {
        match self {
            CustomerSortField::Issued => "c.sort_at",
            CustomerSortField::Name => "coalesce(c.customer_name, '')",
            CustomerSortField::CustomerUid => "c.customer_uid",
            CustomerSortField::Pg => "coalesce(c.pg_provider, '')",
            CustomerSortField::Status => {
                "CASE c.key_status WHEN 'active' THEN 0 WHEN 'unverified' THEN 1 \
                 WHEN 'unknown' THEN 2 ELSE 3 END"
            }
            CustomerSortField::Verified => "coalesce(c.last_verified_at, 0)",
        }
    }
}

/// A row's place in its list: the sort column's value, then its id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
enum SortKey {
    Int(i64),
    Text(String),
}

impl SortKey {
    fn read(r: &Row<'_>, idx: usize) -> rusqlite::Result<SortKey> {
        match r.get::<_, Value>(idx)? {
            Value::Integer(i) => Ok(SortKey::Int(i)),
            Value::Text(t) => Ok(SortKey::Text(t)),
            other => Err(rusqlite::Error::InvalidColumnType(
                idx,
                "sort key".into(),
                other.data_type(),
            )),
        }
    }
    fn value(&self) -> Value {
        match self {
            SortKey::Int(i) => Value::Integer(*i),
            SortKey::Text(t) => Value::Text(t.clone()),
        }
    }
}

/// How a list is ordered: by `key` (an SQL expression), then `id`. `name`
/// goes into cursors so that a cursor is never read under another order.
struct Order<'a> {
    name: &'a str,
    key: &'a str,
    id: &'a str,
    descending: bool,
    /// A column never below `key` on any row, leading the per-name index after the name
    /// (a payment's `event_at`, the latest of its times, when the list is ordered by one
    /// of them): the floor of a descending per-name run bounds it too, so each later name
    /// reads only its rows above the floor instead of all of them (a one-syllable name
    /// matches 20 names and 60,000 payments at a million).
    ceiling: Option<&'a str>,
}

/// Which time a payment list filters and sorts by.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TimeField {
    /// The latest event of the payment.
    #[default]
    Event,
    Paid,
    Cancelled,
    Failed,
}

impl TimeField {
    fn column(self) -> &'static str {
        match self {
            TimeField::Event => "p.event_at",
            TimeField::Paid => "p.paid_at",
            TimeField::Cancelled => "p.cancelled_at",
            TimeField::Failed => "p.failed_at",
        }
    }
}

/// Filters and cursor for payments.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct PaymentQuery {
    /// Free text: imp_uid, merchant_uid, buyer name (2 syllables and 초성 work),
    /// approval number, amount ("12,000" too), customer_uid.
    pub text: Option<String>,
    /// Any of these statuses (empty = all).
    pub status: Vec<PaymentStatus>,
    /// The time that `from`/`to` apply to and that the list is sorted by.
    pub time_field: TimeField,
    /// Inclusive, Unix seconds.
    pub from: Option<i64>,
    /// Inclusive, Unix seconds.
    pub to: Option<i64>,
    pub pg_provider: Option<String>,
    /// `card`, `trans`, `vbank`, … as i'mport names the method.
    pub pay_method: Option<String>,
    /// The card company as i'mport names it ("신한카드").
    pub card_name: Option<String>,
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    pub customer_uid: Option<String>,
    /// Only the payments of this plan's periods (their order ids are `sd-<plan>-…`).
    pub plan_code: Option<String>,
    /// Only the payments of any plan's periods.
    pub plans_only: bool,
    /// Only payments with something refunded (`cancel_amount > 0`).
    pub refunded_only: bool,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// The order-id range `[lo, hi)` of a plan's periods: `sd-<code>-` up to `sd-<code>.`
/// ('.' follows '-'), so the merchant_uid index walks it.
pub fn plan_uid_range(code: &str) -> (String, String) {
    (format!("sd-{code}-"), format!("sd-{code}."))
}

/// The count and sums of every payment a [`PaymentQuery`] matches (all pages).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PaymentTotals {
    /// Every matching payment, whatever its status or currency.
    pub count: i64,
    /// Won paid: the amounts of matching KRW payments that were paid (status paid or
    /// cancelled; failed and ready ones moved no money).
    pub amount: i64,
    /// Won refunded of those (`cancel_amount`).
    pub refunded: i64,
    /// `amount - refunded`.
    pub net: i64,
    /// Matching payments in another currency: counted, not summed.
    pub other_currency: i64,
}

/// The distinct values stored for the payment filters, sorted.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PaymentFacets {
    pub pg_providers: Vec<String>,
    pub pay_methods: Vec<String>,
    pub card_names: Vec<String>,
}

/// A page of customers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CustomerPage {
    pub items: Vec<Customer>,
    /// Pass back as `cursor` for the next page; None at the end.
    pub next_cursor: Option<String>,
}

/// A page of payments.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PaymentPage {
    pub items: Vec<Payment>,
    pub next_cursor: Option<String>,
}

/// A payment list read by position (row N drawn without the pages before it): the
/// rows a [`PaymentQuery`] lists as they stood when the list was opened.
///
/// `snapshot` is the highest payment id then. Payments are never removed and a new one
/// always gets a higher id (an upsert keeps the id of the payment it updates), so the
/// rows at or below it are the rows the list had: a payment that arrives while the list
/// is read is left out of its pages instead of pushing every later row down by one, and
/// the same row never shows twice. A row whose own time changes (the latest-event order,
/// on a refund) still moves within the list.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PaymentWindow {
    pub snapshot: i64,
    /// How many rows the list has at `snapshot`: its scroll height.
    pub count: i64,
    /// Payments stored after `snapshot` was taken that the query would list (0 when
    /// the window is taken fresh; see [`Store::payment_window`]).
    pub newer: i64,
}

/// A positional payment list opened at its top ([`Store::open_payment_window`]): its
/// window and the rows of its first page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PaymentOpening {
    pub window: PaymentWindow,
    /// The page at row 0 of `window` (`limit` rows as in the query, default 50).
    pub first_page: Vec<Payment>,
}

/// The answer to the search box: the first page of each kind.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SearchResults {
    pub customers: CustomerPage,
    pub payments: PaymentPage,
}

pub(crate) fn encode_cursor2(a: i64, b: i64) -> String {
    format!("{a}:{b}")
}

pub(crate) fn decode_cursor2(c: &str) -> Result<(i64, i64)> {
    let bad = || Error::invalid("cursor", "not a cursor from this list");
    let (a, b) = c.split_once(':').ok_or_else(bad)?;
    Ok((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?))
}

/// A tiered list's cursor: the tier, sort key and id of the page's last row.
type TierCursor = (usize, SortKey, i64);

fn encode_tier_cursor(order: &Order<'_>, c: &TierCursor) -> String {
    serde_json::to_string(&(order.tag(), c)).unwrap_or_default()
}

fn decode_tier_cursor(order: &Order<'_>, c: &str) -> Result<TierCursor> {
    match serde_json::from_str::<(String, TierCursor)>(c) {
        Ok((tag, cursor)) if tag == order.tag() => Ok(cursor),
        _ => Err(Error::invalid("cursor", "not a cursor from this list")),
    }
}

impl Order<'_> {
    fn tag(&self) -> String {
        format!(
            "{}.{}",
            self.name,
            if self.descending { "desc" } else { "asc" }
        )
    }
}

/// Bind only the named parameters a statement uses (tiers use subsets).
fn bind(stmt: &mut Statement<'_>, params: &[(&str, Value)]) -> Result<()> {
    for (name, v) in params {
        if let Some(i) = stmt.parameter_index(name)? {
            stmt.raw_bind_parameter(i, v)?;
        }
    }
    Ok(())
}

/// The SQL that selects dictionary names matching `q`, and its parameter.
/// 1-2 characters use the gram table; 3+ the trigram index, on 초성 when the
/// query is made of initial consonants only.
fn names_matching(q: &str, params: &mut Vec<(&'static str, Value)>) -> &'static str {
    let ql = q.to_lowercase();
    let n = text::char_len(&ql);
    if n <= 2 {
        params.push((":gram", Value::Text(ql)));
        "SELECT name FROM name_grams WHERE gram = :gram"
    } else {
        let col = if text::is_chosung_query(&ql) {
            "chosung"
        } else {
            "name"
        };
        params.push((
            ":names_fts",
            Value::Text(format!("{col} : {}", text::fts_phrase(&ql))),
        ));
        "SELECT name FROM names_fts WHERE names_fts MATCH :names_fts"
    }
}

/// One tier of a search.
enum Tier {
    /// A predicate; `selective` tiers match few rows, so they are found through
    /// their own indexes and sorted, instead of walking the time index.
    Sql { pred: String, selective: bool },
    /// Rows whose `column` equals any name from `names_sql`: one index walk per
    /// name ((name, time) index, `limit` rows each), merged. A two-syllable name
    /// matches thousands of rows, but a page only needs the newest few per name.
    PerName {
        names_sql: &'static str,
        column: &'static str,
    },
}

impl Tier {
    fn all() -> Tier {
        Tier::Sql {
            pred: "1".into(),
            selective: false,
        }
    }
    fn sel(pred: impl Into<String>) -> Tier {
        Tier::Sql {
            pred: pred.into(),
            selective: true,
        }
    }
    fn predicate(&self) -> String {
        match self {
            Tier::Sql { pred, .. } => pred.clone(),
            Tier::PerName { names_sql, column } => format!("{column} IN ({names_sql})"),
        }
    }
}

struct Plan {
    tiers: Vec<Tier>,
    filters: Vec<&'static str>,
    params: Vec<(&'static str, Value)>,
}

/// Run the tiers from the cursor on, collecting up to `limit` rows. `select`
/// must end its column list with `order.key`; `map` reads the entity and its id.
fn run_tiers<T>(
    conn: &Connection,
    select: &str,
    order: &Order<'_>,
    plan: &Plan,
    cursor: Option<&str>,
    limit: u32,
    map: impl Fn(&Row<'_>) -> rusqlite::Result<(T, SortKey, i64)>,
) -> Result<(Vec<T>, Option<String>)> {
    let (mut tier, mut after) = match cursor {
        Some(c) => {
            let (t, key, id) = decode_tier_cursor(order, c)?;
            (t, Some((key, id)))
        }
        None => (0, None),
    };
    let (cmp, dir) = if order.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    let mut out: Vec<T> = Vec::new();
    let mut last: Option<TierCursor> = None;
    while tier < plan.tiers.len() && out.len() < limit as usize {
        let (pred, selective, per_name) = match &plan.tiers[tier] {
            Tier::Sql { pred, selective } => (pred.clone(), *selective, None),
            Tier::PerName { names_sql, column } => {
                (format!("{column} = :each_name"), false, Some(*names_sql))
            }
        };
        let mut sql = format!("{select} WHERE ({pred})");
        for earlier in &plan.tiers[..tier] {
            // coalesce: a predicate over a NULL column is NULL, and NOT NULL would
            // drop the row instead of keeping it.
            sql.push_str(&format!(" AND NOT coalesce(({}), 0)", earlier.predicate()));
        }
        for f in &plan.filters {
            sql.push_str(&format!(" AND ({f})"));
        }
        // `+` keeps the planner off the sort index for selective tiers: walking it
        // would read the whole table to find a handful of rows.
        let plus = if selective { "+" } else { "" };
        let (key, id) = (order.key, order.id);
        sql.push_str(&format!(" AND ({key}) IS NOT NULL"));
        if after.is_some() {
            sql.push_str(&past(
                &format!("{plus}({key})"),
                &format!("{plus}{id}"),
                cmp,
                "c",
            ));
        }
        let tail = format!(" ORDER BY {plus}({key}) {dir}, {plus}{id} {dir} LIMIT :lim");
        let want = limit as usize - out.len();
        let mut params: Vec<(&str, Value)> = plan.params.clone();
        if let Some((k, i)) = &after {
            params.push((":c_key", k.value()));
            params.push((":c_id", Value::Integer(*i)));
        }
        params.push((":lim", Value::Integer(want as i64)));
        let names: Vec<Option<String>> = match per_name {
            None => vec![None],
            Some(names_sql) => {
                let mut st = conn.prepare_cached(names_sql)?;
                bind(&mut st, &plan.params)?;
                let mut rows = st.raw_query();
                let mut v = Vec::new();
                while let Some(r) = rows.next()? {
                    v.push(Some(r.get::<_, String>(0)?));
                }
                v
            }
        };
        // Per-name runs: once `want` rows are in hand, a name only contributes rows
        // that beat the worst of them (the floor), so most names cost one index seek
        // instead of `want` rows.
        let floored = per_name.map(|_| {
            let rcmp = if order.descending { ">" } else { "<" };
            let ceiling = match order.ceiling {
                Some(c) if order.descending => format!(" AND {c} >= :f_key"),
                _ => String::new(),
            };
            format!(
                "{sql}{}{ceiling}{tail}",
                past(&format!("({key})"), id, rcmp, "f")
            )
        });
        let sql = format!("{sql}{tail}");
        let by_order = |a: &(T, SortKey, i64), b: &(T, SortKey, i64)| {
            let o = (&a.1, a.2).cmp(&(&b.1, b.2));
            if order.descending { o.reverse() } else { o }
        };
        let mut got: Vec<(T, SortKey, i64)> = Vec::new();
        for name in names {
            let floor = (got.len() >= want)
                .then(|| got.last().map(|(_, k, i)| (k.value(), *i)))
                .flatten();
            let text = match &floored {
                Some(f) if floor.is_some() => f,
                _ => &sql,
            };
            let mut stmt = conn.prepare_cached(text)?;
            let mut ps = params.clone();
            if let Some(n) = name {
                ps.push((":each_name", Value::Text(n)));
            }
            if let Some((k, i)) = floor {
                ps.push((":f_key", k));
                ps.push((":f_id", Value::Integer(i)));
            }
            bind(&mut stmt, &ps)?;
            let mut rows = stmt.raw_query();
            let before = got.len();
            while let Some(r) = rows.next()? {
                got.push(map(r)?);
            }
            if got.len() > before && per_name.is_some() {
                got.sort_by(by_order);
                got.truncate(want);
            }
        }
        for (item, k, id) in got {
            last = Some((tier, k, id));
            out.push(item);
        }
        if out.len() < limit as usize {
            tier += 1;
            after = None;
        }
    }
    let next = if out.len() == limit as usize {
        last.as_ref().map(|c| encode_tier_cursor(order, c))
    } else {
        None
    };
    Ok((out, next))
}

/// ` AND (key, id) {cmp} (:{p}_key, :{p}_id)`, spelled out: SQLite seeks an index
/// on an expression with `key >= k` but not with a row-value comparison.
fn past(key: &str, id: &str, cmp: &str, p: &str) -> String {
    format!(" AND {key} {cmp}= :{p}_key AND ({key} {cmp} :{p}_key OR {id} {cmp} :{p}_id)")
}

/// Whether the plan's filters keep at least `n` customers (reads at most `n`
/// index entries).
fn filtered_rows_at_least(conn: &Connection, plan: &Plan, n: i64) -> Result<bool> {
    let mut sql = String::from("SELECT count(*) FROM (SELECT 1 FROM customers c WHERE 1");
    for f in &plan.filters {
        sql.push_str(&format!(" AND ({f})"));
    }
    sql.push_str(" LIMIT :probe)");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut params = plan.params.clone();
    params.push((":probe", Value::Integer(n)));
    bind(&mut stmt, &params)?;
    let mut rows = stmt.raw_query();
    let count: i64 = match rows.next()? {
        Some(r) => r.get(0)?,
        None => 0,
    };
    Ok(count >= n)
}

fn json_list<T: Serialize>(v: &[T]) -> Value {
    Value::Text(serde_json::to_string(v).unwrap_or_else(|_| "[]".into()))
}

/// A status or PG filter matching at least this many customers is checked row by
/// row while a column's sort index is walked (a page fills at once); a rarer one
/// is found through its own index and its few rows sorted.
const DENSE_FILTER_ROWS: i64 = 2000;

/// `walk_sort_index`: keep the status and PG filters off their indexes (`+`), so
/// that the planner walks the sort column's index instead of sorting every match.
fn customer_plan(q: &CustomerQuery, walk_sort_index: bool) -> Result<Plan> {
    let mut params: Vec<(&'static str, Value)> = Vec::new();
    let mut filters: Vec<&'static str> = Vec::new();
    if !q.key_status.is_empty() {
        let v: Vec<&str> = q.key_status.iter().map(|s| s.as_str()).collect();
        params.push((":statuses", json_list(&v)));
        filters.push(if walk_sort_index {
            "+c.key_status IN (SELECT value FROM json_each(:statuses))"
        } else {
            "c.key_status IN (SELECT value FROM json_each(:statuses))"
        });
    }
    if let Some(pg) = &q.pg_provider {
        params.push((":pg", Value::Text(pg.clone())));
        filters.push(if walk_sort_index {
            "+c.pg_provider = :pg"
        } else {
            "c.pg_provider = :pg"
        });
    }
    let tags = customers::normalise_tags(&q.tags)?;
    if !tags.is_empty() {
        params.push((":ntags", Value::Integer(tags.len() as i64)));
        params.push((":tags", json_list(&tags)));
        filters.push(
            "(SELECT count(*) FROM customer_tags t WHERE t.customer_uid = c.customer_uid \
             AND t.tag IN (SELECT value FROM json_each(:tags))) = :ntags",
        );
    }
    let text = q
        .text
        .as_deref()
        .map(text::normalise_query)
        .unwrap_or_default();
    if text.is_empty() {
        return Ok(Plan {
            tiers: vec![Tier::all()],
            filters,
            params,
        });
    }
    let digits = if text::is_numeric_like(&text) {
        Some(text::digits(&text))
    } else {
        None
    };
    params.push((":q", Value::Text(text.clone())));
    params.push((":q_hi", Value::Text(format!("{text}{PREFIX_END}"))));
    let mut tiers = Vec::new();
    // Tier 0: exact ids and contacts.
    let mut exact = String::from(
        "c.customer_uid = :q OR c.customer_name = :q OR c.customer_email = :q COLLATE NOCASE",
    );
    if let Some(d) = &digits {
        params.push((":qd", Value::Text(d.clone())));
        params.push((":qd_hi", Value::Text(format!("{d}{PREFIX_END}"))));
        exact.push_str(" OR c.phone_digits = :qd OR c.card_last4 = :qd");
    }
    tiers.push(Tier::sel(exact));
    // Tier 1: prefixes of ids and phones.
    let mut prefix = String::from("c.customer_uid >= :q AND c.customer_uid < :q_hi");
    if digits.is_some() {
        prefix.push_str(" OR (c.phone_digits >= :qd AND c.phone_digits < :qd_hi)");
    }
    tiers.push(Tier::sel(prefix));
    // Then names starting with the text, one run per name (a surname alone starts
    // a fifth of all names).
    tiers.push(Tier::PerName {
        names_sql: "SELECT name FROM names WHERE name >= :q AND name < :q_hi",
        column: "c.customer_name",
    });
    // Then names containing the text, one run per name (a short fragment such
    // as "ㅅㅇ" is in thousands of names).
    let names_sql = names_matching(&text, &mut params);
    tiers.push(Tier::PerName {
        names_sql,
        column: "c.customer_name",
    });
    // Last, substrings of ids and contacts.
    let mut phrases: Vec<String> = Vec::new();
    if text::char_len(&text) >= 3 {
        phrases.push(text::fts_phrase(&text));
    }
    if let Some(d) = &digits
        && d.len() >= 3
        && *d != text
    {
        phrases.push(text::fts_phrase(d));
    }
    if !phrases.is_empty() {
        params.push((":cfts", Value::Text(phrases.join(" OR "))));
        tiers.push(Tier::sel(
            "c.rowid IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH :cfts)",
        ));
    }
    if q.sort.is_some() {
        // A column order chosen by the user holds over every match: one tier.
        let any = tiers
            .iter()
            .map(|t| format!("({})", t.predicate()))
            .collect::<Vec<_>>()
            .join(" OR ");
        tiers = vec![Tier::sel(any)];
    }
    Ok(Plan {
        tiers,
        filters,
        params,
    })
}

fn payment_plan(q: &PaymentQuery) -> Result<Plan> {
    let mut params: Vec<(&'static str, Value)> = Vec::new();
    let mut filters: Vec<&'static str> = Vec::new();
    if !q.status.is_empty() {
        let v: Vec<&str> = q.status.iter().map(|s| s.as_str()).collect();
        params.push((":statuses", json_list(&v)));
        filters.push("p.status IN (SELECT value FROM json_each(:statuses))");
    }
    if let Some(from) = q.from {
        params.push((":from", Value::Integer(from)));
        filters.push(match q.time_field {
            TimeField::Event => "p.event_at >= :from",
            TimeField::Paid => "p.paid_at >= :from",
            TimeField::Cancelled => "p.cancelled_at >= :from",
            TimeField::Failed => "p.failed_at >= :from",
        });
    }
    if let Some(to) = q.to {
        params.push((":to", Value::Integer(to)));
        filters.push(match q.time_field {
            TimeField::Event => "p.event_at <= :to",
            TimeField::Paid => "p.paid_at <= :to",
            TimeField::Cancelled => "p.cancelled_at <= :to",
            TimeField::Failed => "p.failed_at <= :to",
        });
    }
    if let Some(pg) = &q.pg_provider {
        params.push((":pg", Value::Text(pg.clone())));
        filters.push("p.pg_provider = :pg");
    }
    if let Some(m) = &q.pay_method {
        params.push((":method", Value::Text(m.clone())));
        filters.push("p.pay_method = :method");
    }
    if let Some(c) = &q.card_name {
        params.push((":card", Value::Text(c.clone())));
        filters.push("p.card_name = :card");
    }
    if let Some(v) = q.amount_min {
        params.push((":amin", Value::Integer(v)));
        filters.push("p.amount >= :amin");
    }
    if let Some(v) = q.amount_max {
        params.push((":amax", Value::Integer(v)));
        filters.push("p.amount <= :amax");
    }
    if let Some(c) = &q.customer_uid {
        params.push((":cuid", Value::Text(c.clone())));
        filters.push("p.customer_uid = :cuid");
    }
    if let Some(code) = &q.plan_code {
        let (lo, hi) = plan_uid_range(code);
        params.push((":plan_lo", Value::Text(lo)));
        params.push((":plan_hi", Value::Text(hi)));
        filters.push("p.merchant_uid >= :plan_lo AND p.merchant_uid < :plan_hi");
    }
    if q.plans_only {
        filters.push(
            "EXISTS (SELECT 1 FROM plans pl WHERE p.merchant_uid >= 'sd-' || pl.code || '-' \
             AND p.merchant_uid < 'sd-' || pl.code || '.')",
        );
    }
    if q.refunded_only {
        filters.push("p.cancel_amount > 0");
    }
    let text = q
        .text
        .as_deref()
        .map(text::normalise_query)
        .unwrap_or_default();
    if text.is_empty() {
        return Ok(Plan {
            tiers: vec![Tier::all()],
            filters,
            params,
        });
    }
    params.push((":q", Value::Text(text.clone())));
    params.push((":q_hi", Value::Text(format!("{text}{PREFIX_END}"))));
    let mut tiers: Vec<Tier> = vec![Tier::sel(
        "p.imp_uid = :q OR p.merchant_uid = :q OR p.apply_num = :q OR p.customer_uid = :q",
    )];
    if let Some(a) = text::parse_amount(&text) {
        params.push((":amount", Value::Integer(a)));
        // Not selective (an amount is shared by many payments): the (amount,
        // time) index walks it in order.
        tiers.push(Tier::Sql {
            pred: "p.amount = :amount".into(),
            selective: false,
        });
    }
    tiers.push(Tier::Sql {
        pred: "p.buyer_name = :q".into(),
        selective: false,
    });
    tiers.push(Tier::sel(
        "(p.imp_uid >= :q AND p.imp_uid < :q_hi) OR (p.merchant_uid >= :q AND p.merchant_uid < :q_hi) \
         OR (p.apply_num >= :q AND p.apply_num < :q_hi)",
    ));
    let names_sql = names_matching(&text, &mut params);
    tiers.push(Tier::PerName {
        names_sql,
        column: "p.buyer_name",
    });
    Ok(Plan {
        tiers,
        filters,
        params,
    })
}

fn limit_of(l: Option<u32>) -> u32 {
    l.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// The rowid column of `from` (`"payments p"` or `"customers c"`).
fn id_of(from: &str) -> &'static str {
    if from.starts_with("payments") {
        "p.id"
    } else {
        "c.rowid"
    }
}

/// A condition true for the rows of `from` that any tier of `plan` lists. One tier is its
/// own predicate; several are the union of each tier's rows, each found through its own
/// index (a name's, an id's, an amount's), where their predicates joined by OR would be
/// tested on every row of the table (0.76 s against 0.13 s for a two-syllable name at a
/// million payments).
fn any_tier(plan: &Plan, from: &str, id: &str) -> String {
    if let [only] = plan.tiers.as_slice() {
        return format!("coalesce(({}), 0)", only.predicate());
    }
    let each = plan
        .tiers
        .iter()
        .map(|t| format!("SELECT {id} FROM {from} WHERE {}", t.predicate()))
        .collect::<Vec<_>>()
        .join(" UNION ");
    format!("{id} IN ({each})")
}

/// How many rows `plan` lists from `from` (every tier, the filters, and only rows
/// with a sort key, as [`run_tiers`] lists them): an export's total.
fn count_plan(conn: &Connection, from: &str, key: &str, plan: &Plan) -> Result<u64> {
    let any = any_tier(plan, from, id_of(from));
    let mut sql = format!("SELECT count(*) FROM {from} WHERE ({any}) AND ({key}) IS NOT NULL");
    for f in &plan.filters {
        sql.push_str(&format!(" AND ({f})"));
    }
    let mut stmt = conn.prepare_cached(&sql)?;
    bind(&mut stmt, &plan.params)?;
    let mut rows = stmt.raw_query();
    let n: i64 = match rows.next()? {
        Some(r) => r.get(0)?,
        None => 0,
    };
    Ok(n.max(0) as u64)
}

/// The filters of a positional payment page: only lists without search text (their
/// tiers are one index walk; a search is read by its keyset pages), and no cursor.
fn positional_plan(q: &PaymentQuery) -> Result<Plan> {
    if q.cursor.is_some() {
        return Err(Error::invalid(
            "cursor",
            "a page by position takes no cursor",
        ));
    }
    let plan = payment_plan(q)?;
    if plan.tiers.len() != 1 {
        return Err(Error::invalid(
            "text",
            "a search is read by its pages, not by position",
        ));
    }
    Ok(plan)
}

/// The highest payment id (0 for none).
fn max_payment_id(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT coalesce(max(id), 0) FROM payments", [], |r| {
            r.get(0)
        })?,
    )
}

fn check_snapshot(conn: &Connection, snapshot: i64) -> Result<()> {
    if snapshot < 0 || snapshot > max_payment_id(conn)? {
        return Err(Error::invalid("snapshot", "not a snapshot of this store"));
    }
    Ok(())
}

/// [`Store::payment_window`] on a reader.
fn window_on(
    conn: &Connection,
    q: &PaymentQuery,
    plan: &Plan,
    snapshot: Option<i64>,
) -> Result<PaymentWindow> {
    let key = q.time_field.column();
    let snapshot = match snapshot {
        Some(s) => {
            check_snapshot(conn, s)?;
            s
        }
        None => max_payment_id(conn)?,
    };
    // All matching rows less the few above the snapshot: both counts walk an
    // index (a bound on the id alone would read the table).
    let all = count_above(conn, key, plan, None)?;
    let newer = count_above(conn, key, plan, Some(snapshot))?;
    Ok(PaymentWindow {
        snapshot,
        count: all - newer,
        newer,
    })
}

/// [`Store::payments_at`] on a reader, the snapshot known to be the store's.
fn page_on(
    conn: &Connection,
    q: &PaymentQuery,
    plan: &Plan,
    snapshot: i64,
    offset: i64,
) -> Result<Vec<Payment>> {
    let key = q.time_field.column();
    // The ids of the page first, from the sort column's index alone (it carries the
    // id): skipping `offset` rows reads index entries, not payments.
    let mut inner =
        format!("SELECT p.id FROM payments p WHERE ({key}) IS NOT NULL AND +p.id <= :snap");
    for f in &plan.filters {
        inner.push_str(&format!(" AND ({f})"));
    }
    inner.push_str(&format!(
        " ORDER BY ({key}) DESC, p.id DESC LIMIT :lim OFFSET :off"
    ));
    let sql = format!(
        "SELECT {} FROM payments p WHERE p.id IN ({inner}) ORDER BY ({key}) DESC, p.id DESC",
        payments::PAYMENT_COLS
    );
    let mut params = plan.params.clone();
    params.push((":snap", Value::Integer(snapshot)));
    params.push((":lim", Value::Integer(limit_of(q.limit) as i64)));
    params.push((":off", Value::Integer(offset)));
    let mut stmt = conn.prepare_cached(&sql)?;
    bind(&mut stmt, &params)?;
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(payments::from_row(r)?.0);
    }
    Ok(out)
}

/// How many rows the plan lists, all of them or only those with ids above `above`.
fn count_above(conn: &Connection, key: &str, plan: &Plan, above: Option<i64>) -> Result<i64> {
    let mut sql = format!("SELECT count(*) FROM payments p WHERE ({key}) IS NOT NULL");
    for f in &plan.filters {
        sql.push_str(&format!(" AND ({f})"));
    }
    let mut params = plan.params.clone();
    if let Some(a) = above {
        // Few rows above a recent snapshot: the rowid range finds them at once.
        sql.push_str(" AND p.id > :above");
        params.push((":above", Value::Integer(a)));
    }
    let mut stmt = conn.prepare_cached(&sql)?;
    bind(&mut stmt, &params)?;
    let mut rows = stmt.raw_query();
    Ok(match rows.next()? {
        Some(r) => r.get(0)?,
        None => 0,
    })
}

impl Store {
    /// Customers matching a query: in the column order the user chose, else best
    /// matches first, then newest first.
    pub fn list_customers(&self, q: &CustomerQuery) -> Result<CustomerPage> {
        let plan = customer_plan(q, false)?;
        let order = match q.sort {
            Some(s) => Order {
                name: s.field.name(),
                key: s.field.key_sql(),
                id: "c.rowid",
                descending: s.direction == SortDirection::Desc,
                ceiling: None,
            },
            None => Order {
                name: "relevance",
                key: CustomerSortField::Issued.key_sql(),
                id: "c.rowid",
                descending: true,
                ceiling: None,
            },
        };
        let select = format!(
            "SELECT {}, {} FROM customers c",
            customers::CUSTOMER_COLS,
            order.key
        );
        self.read(|conn| {
            // Sorted by a column with a status or PG filter and no search: walk the
            // column's index when the filter keeps many rows (sorting them all for
            // each page would take long), use the filter's index when it keeps few.
            // (Issued time has (status, time) and (PG, time) indexes: both at once.)
            let column_sort = q.sort.is_some_and(|s| s.field != CustomerSortField::Issued);
            let indexed_filter = !q.key_status.is_empty() || q.pg_provider.is_some();
            let plan = if column_sort
                && indexed_filter
                && plan.tiers.len() == 1
                && matches!(
                    plan.tiers[0],
                    Tier::Sql {
                        selective: false,
                        ..
                    }
                )
                && filtered_rows_at_least(conn, &plan, DENSE_FILTER_ROWS)?
            {
                customer_plan(q, true)?
            } else {
                plan
            };
            let (items, next_cursor) = run_tiers(
                conn,
                &select,
                &order,
                &plan,
                q.cursor.as_deref(),
                limit_of(q.limit),
                |r| {
                    let (c, id) = customers::from_row(r)?;
                    Ok((c, SortKey::read(r, customers::CUSTOMER_COL_COUNT)?, id))
                },
            )?;
            Ok(CustomerPage { items, next_cursor })
        })
    }

    /// Payments matching a query, best matches first, then by the chosen time,
    /// newest first.
    pub fn list_payments(&self, q: &PaymentQuery) -> Result<PaymentPage> {
        let plan = payment_plan(q)?;
        let select = format!(
            "SELECT {}, {} FROM payments p",
            payments::PAYMENT_COLS,
            q.time_field.column()
        );
        self.read(|conn| {
            let order = Order {
                name: q.time_field.column(),
                key: q.time_field.column(),
                id: "p.id",
                descending: true,
                // (Mirrored payments keep `event_at` the latest of their four times.)
                ceiling: (q.time_field != TimeField::Event).then_some("p.event_at"),
            };
            let (items, next_cursor) = run_tiers(
                conn,
                &select,
                &order,
                &plan,
                q.cursor.as_deref(),
                limit_of(q.limit),
                |r| {
                    let (p, id) = payments::from_row(r)?;
                    Ok((p, SortKey::read(r, payments::PAYMENT_COL_COUNT)?, id))
                },
            )?;
            Ok(PaymentPage { items, next_cursor })
        })
    }

    /// The window a positional payment list reads (see [`PaymentWindow`]): with
    /// `snapshot` None, the store as it is now; with the snapshot of the list on screen,
    /// that list's count again and how many matching payments came after it (the
    /// list offers them rather than moving its rows). Search text and cursors are
    /// refused (a search is read by its keyset pages).
    pub fn payment_window(&self, q: &PaymentQuery, snapshot: Option<i64>) -> Result<PaymentWindow> {
        let plan = positional_plan(q)?;
        self.read(|conn| window_on(conn, q, &plan, snapshot))
    }

    /// A positional payment list opened at its top: the window of the store as it is now
    /// ([`payment_window`](Self::payment_window) with no snapshot) and the page at row 0
    /// of that window ([`payments_at`](Self::payments_at)), in one call, so a list's
    /// first rows wait for one answer instead of a window and then a page.
    pub fn open_payment_window(&self, q: &PaymentQuery) -> Result<PaymentOpening> {
        let plan = positional_plan(q)?;
        self.read(|conn| {
            let window = window_on(conn, q, &plan, None)?;
            let first_page = page_on(conn, q, &plan, window.snapshot, 0)?;
            Ok(PaymentOpening { window, first_page })
        })
    }

    /// The page of a positional payment list that starts at row `offset` (0 = the
    /// newest): the rows [`list_payments`](Self::list_payments) would list for `q` at
    /// that place, of the payments stored at `snapshot` (a [`PaymentWindow`]'s). `limit`
    /// as in `q` (1..=500, default 50). Past the end, an empty page; a negative offset,
    /// a snapshot this store never had, search text or a cursor is refused.
    pub fn payments_at(
        &self,
        q: &PaymentQuery,
        snapshot: i64,
        offset: i64,
    ) -> Result<Vec<Payment>> {
        let plan = positional_plan(q)?;
        if offset < 0 {
            return Err(Error::invalid("offset", "a row number is 0 or more"));
        }
        self.read(|conn| {
            check_snapshot(conn, snapshot)?;
            page_on(conn, q, &plan, snapshot, offset)
        })
    }

    /// How many customers `list_customers` pages through for `q` (its cursor and
    /// limit aside).
    pub fn count_customers(&self, q: &CustomerQuery) -> Result<u64> {
        let plan = customer_plan(q, false)?;
        let key = match q.sort {
            Some(s) => s.field.key_sql(),
            None => CustomerSortField::Issued.key_sql(),
        };
        self.read(|conn| count_plan(conn, "customers c", key, &plan))
    }

    /// How many payments `list_payments` pages through for `q` (its cursor and limit
    /// aside).
    pub fn count_payments(&self, q: &PaymentQuery) -> Result<u64> {
        let plan = payment_plan(q)?;
        self.read(|conn| count_plan(conn, "payments p", q.time_field.column(), &plan))
    }

    /// The count and sums of everything `list_payments` would list for `q`, over all
    /// its pages (cursor and limit are ignored): one SQL query over the same plan.
    pub fn payment_totals(&self, q: &PaymentQuery) -> Result<PaymentTotals> {
        let (sql, params) = totals_sql(q, None)?;
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            bind(&mut stmt, &params)?;
            let mut rows = stmt.raw_query();
            let r = rows
                .next()?
                .ok_or_else(|| Error::Internal("an aggregate returned no row".into()))?;
            totals_row(r, 0)
        })
    }

    /// [`Store::payment_totals`] of `q` for each PG at once, as the same query with that
    /// PG as its filter would give it (one pass over the rows instead of one per PG: the
    /// dashboard's bars). PGs with no payment in `q` are left out; biggest count first.
    pub fn payment_totals_by_pg(&self, q: &PaymentQuery) -> Result<Vec<(String, PaymentTotals)>> {
        let (sql, params) = totals_sql(q, Some("p.pg_provider"))?;
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            bind(&mut stmt, &params)?;
            let mut rows = stmt.raw_query();
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let pg: Option<String> = r.get(0)?;
                if let Some(pg) = pg.filter(|p| !p.is_empty()) {
                    out.push((pg, totals_row(r, 1)?));
                }
            }
            out.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(&b.0)));
            Ok(out)
        })
    }

    /// The PGs, payment methods and card companies the stored payments name: the
    /// choices of the payment filters.
    pub fn payment_facets(&self) -> Result<PaymentFacets> {
        self.read(|conn| {
            let distinct = |col: &str| -> Result<Vec<String>> {
                let sql = format!(
                    "SELECT DISTINCT {col} FROM payments WHERE {col} IS NOT NULL AND {col} <> '' \
                     ORDER BY {col}"
                );
                let mut stmt = conn.prepare_cached(&sql)?;
                let v = stmt
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(v)
            };
            Ok(PaymentFacets {
                pg_providers: distinct("pg_provider")?,
                pay_methods: distinct("pay_method")?,
                card_names: distinct("card_name")?,
            })
        })
    }

    /// The search box: first page of customers and of payments for `text`.
    pub fn search(&self, text: &str, limit: Option<u32>) -> Result<SearchResults> {
        let customers = self.list_customers(&CustomerQuery {
            text: Some(text.to_string()),
            limit,
            ..Default::default()
        })?;
        let payments = self.list_payments(&PaymentQuery {
            text: Some(text.to_string()),
            limit,
            ..Default::default()
        })?;
        Ok(SearchResults {
            customers,
            payments,
        })
    }

    /// A deliberately naive search (LIKE over the columns, no index): the bench's
    /// baseline. Not for the app.
    #[doc(hidden)]
    pub fn naive_payment_search(&self, text: &str, limit: u32) -> Result<Vec<String>> {
        self.read(|conn| {
            let pat = format!("%{text}%");
            let mut stmt = conn.prepare_cached(
                "SELECT imp_uid FROM payments WHERE buyer_name LIKE ?1 OR imp_uid LIKE ?1
                 OR merchant_uid LIKE ?1 OR apply_num LIKE ?1 OR customer_uid LIKE ?1
                 ORDER BY event_at DESC, id DESC LIMIT ?2",
            )?;
            let v = stmt
                .query_map(rusqlite::params![pat, limit], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(v)
        })
    }

    /// Naive customer search (LIKE scan), for the bench's baseline.
    #[doc(hidden)]
    pub fn naive_customer_search(&self, text: &str, limit: u32) -> Result<Vec<String>> {
        self.read(|conn| {
            let pat = format!("%{text}%");
            let mut stmt = conn.prepare_cached(
                "SELECT customer_uid FROM customers WHERE customer_name LIKE ?1 OR customer_uid LIKE ?1
                 OR customer_email LIKE ?1 OR customer_tel LIKE ?1 OR card_number LIKE ?1
                 ORDER BY sort_at DESC LIMIT ?2",
            )?;
            let v = stmt
                .query_map(rusqlite::params![pat, limit], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(v)
        })
    }
}

/// The totals' query of `q`, grouped by `group` (a column) when given, which then leads
/// the row: one copy of what counts and what sums, for the list's totals and the
/// dashboard's bars alike.
fn totals_sql(
    q: &PaymentQuery,
    group: Option<&str>,
) -> Result<(String, Vec<(&'static str, Value)>)> {
    let plan = payment_plan(q)?;
    let any = any_tier(&plan, "payments p", "p.id");
    let mut sql = format!(
        "SELECT {}count(*), \
         coalesce(sum(CASE WHEN p.currency = 'KRW' AND p.status IN ('paid', 'cancelled') \
             THEN p.amount END), 0), \
         coalesce(sum(CASE WHEN p.currency = 'KRW' AND p.status IN ('paid', 'cancelled') \
             THEN p.cancel_amount END), 0), \
         count(CASE WHEN p.currency <> 'KRW' THEN 1 END) \
         FROM payments p WHERE ({any}) AND ({}) IS NOT NULL",
        group.map(|g| format!("{g}, ")).unwrap_or_default(),
        q.time_field.column()
    );
    for f in &plan.filters {
        sql.push_str(&format!(" AND ({f})"));
    }
    if let Some(g) = group {
        sql.push_str(&format!(" GROUP BY {g}"));
    }
    Ok((sql, plan.params))
}

/// A totals row's four figures, from column `at` on.
fn totals_row(r: &rusqlite::Row<'_>, at: usize) -> Result<PaymentTotals> {
    let (count, amount, refunded, other_currency): (i64, i64, i64, i64) =
        (r.get(at)?, r.get(at + 1)?, r.get(at + 2)?, r.get(at + 3)?);
    Ok(PaymentTotals {
        count,
        amount,
        refunded,
        net: amount - refunded,
        other_currency,
    })
}
