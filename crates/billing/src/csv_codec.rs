//! The one CSV codec of the product, on the `csv` crate. Every CSV Subdesk writes
//! (the payment export, a bulk run's report) goes through [`CsvWriter`], and every
//! CSV it reads (a bulk run's input, an import) through [`read`], so quoting,
//! formula defusing, the byte-order mark and line numbers mean the same everywhere.

use std::borrow::Cow;
use std::io::{self, Write};

/// Written first, so that spreadsheet apps read the file as UTF-8 (Korean stays
/// Korean in Excel); stripped when reading.
pub const BOM: &str = "\u{feff}";

/// What a spreadsheet reads as the start of a formula: `= + - @`, and tab and CR,
/// which some apps strip before looking again.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell a spreadsheet would run as a formula gets a leading apostrophe, so a
/// buyer named `=HYPERLINK(…)` stays text. Everything else is left as it is.
pub fn defuse(value: &str) -> Cow<'_, str> {
    if value.starts_with(FORMULA_START) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// Writes a CSV for people: the BOM, a header, then rows, every cell defused and
/// quoted when it holds a comma, a quote or a line break; lines end in `\n`.
pub struct CsvWriter<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    /// Start a CSV on `out` with this header. Every row must have as many cells.
    pub fn new(mut out: W, header: &[&str]) -> io::Result<Self> {
        out.write_all(BOM.as_bytes())?;
        let mut w = CsvWriter {
            inner: csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(out),
        };
        w.row(header)?;
        Ok(w)
    }

    /// Write one row.
    pub fn row<I>(&mut self, cells: I) -> io::Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.inner
            .write_record(cells.into_iter().map(|c| defuse(c.as_ref()).into_owned()))?;
        Ok(())
    }

    /// Flush and hand back the output.
    pub fn finish(self) -> io::Result<W> {
        self.inner.into_inner().map_err(|e| e.into_error())
    }
}

/// One record read, trimmed field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The input line the record starts on (1-based; blank lines count).
    pub line: i64,
    pub fields: Vec<String>,
}

/// A record that cannot be read, and why, for a message that names its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRecord {
    /// The input line the record starts on.
    pub line: i64,
    pub reason: String,
}

impl std::fmt::Display for BadRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// What [`read`] found: the header, if the input has one, and every other record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Option<Vec<String>>,
    pub rows: Vec<std::result::Result<Record, BadRecord>>,
}

impl Table {
    /// Where the header puts column `name` (any case); None without a header or
    /// when the header has no such column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header
            .as_ref()?
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    }
}

/// Why an unterminated quote is a bad record rather than the rest of the input.
pub const UNTERMINATED_QUOTE: &str = "a quote opened in this row is never closed";

/// Read after the input, on a line of its own. The `csv` crate reads an
/// unterminated quote to the end of the input without complaint; with this after
/// it, a closed input ends in a record that is this mark, starting right after the
/// input, while an open quote swallows the mark into its field.
const END_MARK: &str = "\0subdesk-end\0";

/// Where records really start. The `csv` crate gives the offset where it began
/// reading a record, which is before the line breaks (and blank lines) ahead of it,
/// and counts lines so that CRLF input drifts; a person needs the line of the
/// record's first character, counted by `\n`.
struct Lines<'a> {
    input: &'a [u8],
    at: usize,
    line: i64,
}

impl<'a> Lines<'a> {
    fn new(input: &'a [u8]) -> Self {
        Lines {
            input,
            at: 0,
            line: 1,
        }
    }

    /// The byte and line where the record the reader began at `byte` starts. Records
    /// come in order, so counting carries on from the previous one.
    fn start_of(&mut self, byte: u64) -> (usize, i64) {
        let mut start = (byte as usize).max(self.at);
        while matches!(self.input.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let end = start.min(self.input.len());
        self.line += self.input[self.at..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as i64;
        self.at = end;
        (start, self.line)
    }
}

/// Read CSV text: the BOM stripped, quoted fields holding commas, doubled quotes
/// and line breaks, rows of any length, every field trimmed, rows with nothing in
/// them skipped. The first row is the header when one of its fields is
/// `key_column` (any case). A row whose quote is never closed is a [`BadRecord`]
/// naming the line it starts on.
pub fn read(text: &str, key_column: &str) -> Table {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    let input = format!("{text}\n{END_MARK}\n");
    let mark_at = text.len() + 1;
    let mut lines = Lines::new(input.as_bytes());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input.as_bytes());
    let mut rows: Vec<std::result::Result<Record, BadRecord>> = Vec::new();
    let mut closed = false;
    for result in reader.records() {
        match result {
            Ok(r) => {
                let (start, line) = lines.start_of(r.position().map_or(0, |p| p.byte()));
                if start == mark_at && &r[0] == END_MARK {
                    closed = true;
                    break;
                }
                if r.iter().all(str::is_empty) {
                    continue;
                }
                let fields = r.iter().map(str::to_string).collect();
                rows.push(Ok(Record { line, fields }));
            }
            Err(e) => {
                let (_, line) = lines.start_of(e.position().map_or(0, |p| p.byte()));
                rows.push(Err(BadRecord {
                    line,
                    reason: e.to_string(),
                }));
            }
        }
    }
    if !closed && let Some(last) = rows.pop() {
        let line = match last {
            Ok(r) => r.line,
            Err(b) => b.line,
        };
        rows.push(Err(BadRecord {
            line,
            reason: UNTERMINATED_QUOTE.into(),
        }));
    }
    let is_header = matches!(rows.first(),
        Some(Ok(r)) if r.fields.iter().any(|f| f.eq_ignore_ascii_case(key_column)));
    let header = if is_header {
        rows.remove(0).ok().map(|r| r.fields)
    } else {
        None
    };
    Table { header, rows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A one-cell row exactly as the writer writes it (without the BOM, header and
    /// line end).
    fn cell(value: &str) -> String {
        let mut w = CsvWriter::new(Vec::new(), &["h"]).unwrap();
        w.row([value]).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        let body = out.strip_prefix("\u{feff}h\n").unwrap();
        body.strip_suffix('\n').unwrap().to_string()
    }

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(cell("김민준"), "김민준");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-5"), "'-5");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
    }

    #[test]
    fn every_formula_start_is_defused_and_nothing_else() {
        for start in ['=', '+', '-', '@', '\t', '\r'] {
            let v = format!("{start}1+1");
            assert_eq!(defuse(&v), format!("'{v}"), "{start:?}");
        }
        for v in ["", "1+1", "a=b", "'=x", " =x", "김"] {
            assert_eq!(defuse(v), v);
        }
    }

    #[test]
    fn the_file_starts_with_bom_and_header_and_ends_each_line_with_lf() {
        let mut w = CsvWriter::new(Vec::new(), &["a", "b"]).unwrap();
        w.row(["1", "x,y"]).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out, "\u{feff}a,b\n1,\"x,y\"\n");
    }

    #[test]
    fn reads_quotes_newlines_bom_and_blank_lines_with_their_lines() {
        let t = read(
            "\u{feff}customer_uid,amount,name\n\nc1, 12000 ,\"월, 구독\"\n\"c2\",\"1,000\",\"two\nlines\"\nc3,5,\"이름 \"\"따옴표\"\"\"\n",
            "customer_uid",
        );
        assert_eq!(t.header.as_deref().map(|h| h.len()), Some(3));
        assert_eq!(t.column("AMOUNT"), Some(1));
        assert_eq!(t.column("tags"), None);
        let rows: Vec<Record> = t.rows.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(rows[0].line, 3);
        assert_eq!(rows[0].fields, ["c1", "12000", "월, 구독"]);
        assert_eq!(rows[1].line, 4);
        assert_eq!(rows[1].fields, ["c2", "1,000", "two\nlines"]);
        assert_eq!(rows[2].line, 6);
        assert_eq!(rows[2].fields[2], "이름 \"따옴표\"");
    }

    #[test]
    fn no_header_without_the_key_column() {
        let t = read("\n\nk1,a\nk2\n", "customer_uid");
        assert_eq!(t.header, None);
        assert_eq!(t.column("customer_uid"), None);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].as_ref().unwrap().line, 3);
    }

    #[test]
    fn an_unterminated_quote_is_a_bad_record_naming_its_line() {
        let t = read("k0\nk1,\"unterminated\nk2\nk3\n", "customer_uid");
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].as_ref().unwrap().fields, ["k0"]);
        let bad = t.rows[1].as_ref().unwrap_err();
        assert_eq!(bad.line, 2);
        assert_eq!(bad.to_string(), format!("line 2: {UNTERMINATED_QUOTE}"));
        // Closed quotes, and input without a final line break, are fine.
        let t = read("k1,\"a\"\nk2,\"b\"", "customer_uid");
        assert!(t.rows.iter().all(|r| r.is_ok()));
        assert_eq!(t.rows.len(), 2);
        assert!(read("", "customer_uid").rows.is_empty());
        // A quote left open on blanks is still open.
        let t = read("k1\n\"   \n", "customer_uid");
        assert_eq!(t.rows[1].as_ref().unwrap_err().line, 2);
    }

    fn write_rows(rows: &[Vec<String>]) -> String {
        let mut w = CsvWriter::new(Vec::new(), &["c0", "c1", "c2"]).unwrap();
        for r in rows {
            w.row(r).unwrap();
        }
        String::from_utf8(w.finish().unwrap()).unwrap()
    }

    proptest! {
        /// What the writer writes, the reader reads back: the same cells (trimmed,
        /// and defused, since the writer defuses), on the lines where they start.
        #[test]
        fn written_rows_read_back(rows in prop::collection::vec(
            prop::collection::vec("[a-z0-9 ,\"\n\r=+@-]{0,8}", 3), 0..8)) {
            let text = write_rows(&rows);
            let t = read(&text, "c0");
            prop_assert!(t.header.is_some());
            let back: Vec<Vec<String>> = t
                .rows
                .into_iter()
                .map(|r| r.map(|r| r.fields))
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let want: Vec<Vec<String>> = rows
                .iter()
                .filter(|r| r.iter().any(|c| !defuse(c).trim().is_empty()))
                .map(|r| r.iter().map(|c| defuse(c).trim().to_string()).collect())
                .collect();
            prop_assert_eq!(back, want);
        }

        /// No written cell starts like a formula.
        #[test]
        fn no_cell_is_left_a_formula(value in "[=+@\t\r-]?\\PC{0,12}") {
            let d = defuse(&value);
            // Spelled out, not FORMULA_START: the test states the rule on its own.
            prop_assert!(!d.starts_with(['=', '+', '-', '@', '\t', '\r']));
            let apostrophed = format!("'{}", value);
            prop_assert!(d == value || d == apostrophed);
        }
    }
}
