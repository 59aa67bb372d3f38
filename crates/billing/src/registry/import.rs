//! Import billing keys by customer_uid from a pasted list or a CSV file (read by the
//! one [`csv_codec::read`]): the way to adopt keys the merchant's website issued
//! through the payment window.
//!
//! Two steps, so nothing is ever imported silently in part: `plan_import`
//! parses and validates every row and reports the bad ones by line and reason;
//! the caller then chooses `apply_import(plan, GoodRowsOnly)` or imports nothing.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::csv_codec::{self, BadRecord, Record};
use crate::error::{Error, Result};
use crate::registry::customers::{self, validate_customer_uid};
use crate::store::audit;
use crate::store::db::Store;

/// How to read the input.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    /// CSV when the first line is a header with `customer_uid` or any line has a
    /// comma; else a list.
    #[default]
    Auto,
    /// One customer_uid per line.
    List,
    /// CSV: column `customer_uid`, optional `notes` and `tags` (tags separated by
    /// `;` or `|`). The header is optional; without it the columns are in that order.
    Csv,
}

/// Why a row cannot be imported.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ImportProblem {
    /// No customer_uid on the row.
    Empty,
    /// Longer than 80 characters.
    TooLong,
    /// Characters outside printable ASCII, or quotes, commas, backslashes, spaces.
    BadChars,
    /// The same customer_uid appears on an earlier line.
    Duplicate,
    /// Broken CSV (unterminated quote).
    BadCsv,
    /// Notes or tags are invalid.
    BadExtra,
}

/// A row that will be imported.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportRow {
    /// Line in the input where the row starts (1-based).
    pub line: i64,
    pub customer_uid: String,
    pub notes: String,
    pub tags: Vec<String>,
}

/// A row that will not be imported, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BadRow {
    pub line: i64,
    /// The raw value (cut to 100 characters).
    pub value: String,
    pub problem: ImportProblem,
    /// For duplicates: the line of the first occurrence.
    pub first_line: Option<i64>,
}

/// The result of parsing: what would be imported and what would not.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportPlan {
    /// Data rows read (header and blank lines excluded).
    pub rows_total: i64,
    /// Valid rows not in the registry yet.
    pub good: Vec<ImportRow>,
    /// Valid rows whose key is already in the registry (left as they are).
    pub already_registered: Vec<ImportRow>,
    pub bad: Vec<BadRow>,
}

/// What is wrong with a customer_uid, if anything, by the one rule
/// ([`validate_customer_uid`]): for an import's rows and for forms that take one.
pub fn customer_uid_problem(uid: &str) -> Option<ImportProblem> {
    match validate_customer_uid(uid) {
        Ok(()) => None,
        Err("empty") => Some(ImportProblem::Empty),
        Err("too_long") => Some(ImportProblem::TooLong),
        Err(_) => Some(ImportProblem::BadChars),
    }
}

/// What to do with a plan that has bad rows.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ImportChoice {
    /// Import nothing.
    Nothing,
    /// Import the good rows, skip the bad ones.
    GoodRowsOnly,
}

/// What `apply_import` did.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportResult {
    pub imported: i64,
    /// Rows skipped because the key was registered meanwhile.
    pub already_registered: i64,
    pub skipped_bad: i64,
    /// The imported uids, to verify against PortOne next.
    pub imported_uids: Vec<String>,
}

fn cut(s: &str) -> String {
    s.chars().take(100).collect()
}

fn split_tags(s: &str) -> Vec<String> {
    s.split([';', '|'])
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Parse and validate `input` against the registry in `store`.
pub(crate) fn plan(store: &Store, input: &str, format: ImportFormat) -> Result<ImportPlan> {
    let table = csv_codec::read(input, "customer_uid");
    let csv = match format {
        ImportFormat::Csv => true,
        ImportFormat::List => false,
        ImportFormat::Auto => table.header.is_some() || input.contains(','),
    };
    // Column positions: from the header when there is one, else uid, notes, tags.
    let (uid_col, notes_col, tags_col) = match &table.header {
        Some(_) if csv => (
            table.column("customer_uid").unwrap_or(0),
            table.column("notes"),
            table.column("tags"),
        ),
        _ => (0, Some(1), Some(2)),
    };
    let records: Vec<std::result::Result<Record, BadRecord>> = if csv {
        table.rows
    } else {
        let input = input.strip_prefix(csv_codec::BOM).unwrap_or(input);
        input
            .lines()
            .enumerate()
            .map(|(i, l)| {
                Ok(Record {
                    line: i as i64 + 1,
                    fields: vec![l.to_string()],
                })
            })
            .collect()
    };
    let mut seen: HashMap<String, i64> = HashMap::new();
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    let mut total = 0i64;
    for rec in records {
        let (line, fields) = match rec {
            Ok(r) => (r.line, r.fields),
            Err(b) => {
                total += 1;
                bad.push(BadRow {
                    line: b.line,
                    value: String::new(),
                    problem: ImportProblem::BadCsv,
                    first_line: None,
                });
                continue;
            }
        };
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue; // blank lines are not rows
        }
        total += 1;
        let get = |i: Option<usize>| {
            i.and_then(|i| fields.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let uid = get(Some(uid_col));
        let notes = get(notes_col);
        let tags = split_tags(&get(tags_col));
        if let Some(problem) = customer_uid_problem(&uid) {
            bad.push(BadRow {
                line,
                value: cut(&uid),
                problem,
                first_line: None,
            });
            continue;
        }
        if let Some(first) = seen.get(&uid) {
            bad.push(BadRow {
                line,
                value: cut(&uid),
                problem: ImportProblem::Duplicate,
                first_line: Some(*first),
            });
            continue;
        }
        seen.insert(uid.clone(), line);
        let tags = match customers::normalise_tags(&tags) {
            Ok(t) if customers::check_notes(&notes).is_ok() => t,
            _ => {
                bad.push(BadRow {
                    line,
                    value: cut(&uid),
                    problem: ImportProblem::BadExtra,
                    first_line: None,
                });
                continue;
            }
        };
        rows.push(ImportRow {
            line,
            customer_uid: uid,
            notes,
            tags,
        });
    }
    let existing = store.existing_uids(rows.iter().map(|r| r.customer_uid.as_str()))?;
    let (already_registered, good) = rows
        .into_iter()
        .partition(|r| existing.contains(&r.customer_uid));
    Ok(ImportPlan {
        rows_total: total,
        good,
        already_registered,
        bad,
    })
}

impl Store {
    /// Step 1: parse and validate, change nothing.
    pub fn plan_import(&self, input: &str, format: ImportFormat) -> Result<ImportPlan> {
        plan(self, input, format)
    }

    /// Step 1 from a file.
    pub fn plan_import_file(
        &self,
        path: impl AsRef<std::path::Path>,
        format: ImportFormat,
    ) -> Result<ImportPlan> {
        let path = path.as_ref();
        let bytes =
            std::fs::read(path).map_err(|e| Error::io(format!("read {}", path.display()), e))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::invalid("file", "not UTF-8 text (save the CSV as UTF-8)"))?;
        plan(self, &text, format)
    }

    /// Step 2: import the plan's good rows (all in one transaction), or nothing.
    /// The rows are validated again: a plan that crossed the IPC boundary is input.
    pub fn apply_import(&self, plan: &ImportPlan, choice: ImportChoice) -> Result<ImportResult> {
        let skipped_bad = plan.bad.len() as i64;
        if choice == ImportChoice::Nothing {
            self.audit_record(
                "import.apply",
                &serde_json::json!({ "choice": "nothing", "rows": plan.rows_total, "bad": skipped_bad }),
                "ok",
            )?;
            return Ok(ImportResult {
                imported: 0,
                already_registered: 0,
                skipped_bad,
                imported_uids: Vec::new(),
            });
        }
        let mut seen = std::collections::HashSet::new();
        let mut rows = Vec::with_capacity(plan.good.len());
        for r in &plan.good {
            customers::check_uid(&r.customer_uid)?;
            customers::check_notes(&r.notes)?;
            if !seen.insert(r.customer_uid.as_str()) {
                return Err(Error::invalid(
                    "customer_uid",
                    format!("duplicate {}", r.customer_uid),
                ));
            }
            rows.push((r, customers::normalise_tags(&r.tags)?));
        }
        let now = crate::now();
        self.write(|tx| {
            let mut imported_uids = Vec::new();
            let mut already = 0;
            for (r, tags) in &rows {
                if customers::insert_unverified(tx, &r.customer_uid, &r.notes, tags, now)? {
                    imported_uids.push(r.customer_uid.clone());
                } else {
                    already += 1;
                }
            }
            audit::append(
                tx,
                self.profile(),
                "import.apply",
                &serde_json::json!({
                    "choice": "good_rows_only",
                    "rows": plan.rows_total,
                    "imported": imported_uids.len(),
                    "already_registered": already,
                    "bad": skipped_bad,
                }),
                "ok",
            )?;
            Ok(ImportResult {
                imported: imported_uids.len() as i64,
                already_registered: already,
                skipped_bad,
                imported_uids,
            })
        })
    }

    fn existing_uids<'a>(
        &self,
        uids: impl Iterator<Item = &'a str>,
    ) -> Result<std::collections::HashSet<String>> {
        let list: Vec<&str> = uids.collect();
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT customer_uid FROM customers WHERE customer_uid IN (SELECT value FROM json_each(?1))",
            )?;
            let json = serde_json::to_string(&list).map_err(|e| Error::Internal(e.to_string()))?;
            let v = stmt.query_map([json], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            Ok(v)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one customer_uid rule, as the PG guide's generator and the import see it.
    #[test]
    fn a_customer_uid_problem_is_named() {
        assert_eq!(customer_uid_problem("cus_20250101_abc-DEF.1"), None);
        assert_eq!(customer_uid_problem(""), Some(ImportProblem::Empty));
        assert_eq!(customer_uid_problem(&"a".repeat(80)), None);
        assert_eq!(
            customer_uid_problem(&"a".repeat(81)),
            Some(ImportProblem::TooLong)
        );
        for bad in ["a\"b", "a'b", "a,b", "a\\b", "a`b", "a b", "고객1"] {
            assert_eq!(
                customer_uid_problem(bad),
                Some(ImportProblem::BadChars),
                "{bad}"
            );
        }
    }
}
