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

/// How a CSV's bytes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvEncoding {
    /// UTF-8 with a byte-order mark, so Excel reads Korean right: the default.
    #[default]
    Utf8Bom,
    /// CP949 (Windows' Korean code page, a superset of EUC-KR), without a BOM: what
    /// older Korean tools and Excel's plain "CSV" save expect. A character CP949 has no
    /// code for is refused ([`Unencodable`]), never replaced.
    Cp949,
}

/// A cell holds a character CP949 cannot encode (an emoji, most scripts other than
/// Korean, Latin, Japanese kana and common Chinese characters). Carried inside the
/// `io::Error` of [`CsvWriter::row`] (kind `InvalidData`); see [`Unencodable::of`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unencodable {
    /// The first character that has no CP949 code.
    pub character: char,
    /// The row's cell it is in (0-based), in the order the cells were given.
    pub cell: usize,
}

impl std::fmt::Display for Unencodable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} (U+{:04X}) in cell {} has no CP949 code",
            self.character, self.character as u32, self.cell
        )
    }
}

impl std::error::Error for Unencodable {}

impl Unencodable {
    /// The refusal inside an error from [`CsvWriter::row`], if that is what it is.
    pub fn of(e: &io::Error) -> Option<&Unencodable> {
        e.get_ref()?.downcast_ref::<Unencodable>()
    }
}

/// The first character of `text` CP949 cannot encode.
fn first_unencodable(text: &str) -> Option<char> {
    let mut buf = [0u8; 4];
    text.chars()
        .find(|c| encoding_rs::EUC_KR.encode(c.encode_utf8(&mut buf)).2)
}

/// Where the csv crate's bytes go: straight out (UTF-8), or held until the row is
/// complete and then encoded as CP949 (the csv crate is flushed after every row).
enum Sink<W: Write> {
    Utf8(W),
    Cp949 { out: W, pending: Vec<u8> },
}

impl<W: Write> Write for Sink<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Utf8(out) => out.write(buf),
            Sink::Cp949 { pending, .. } => {
                pending.extend_from_slice(buf);
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Utf8(out) => out.flush(),
            Sink::Cp949 { out, pending } => {
                let line = std::mem::take(pending);
                if line.is_empty() {
                    return Ok(());
                }
                // The csv crate writes the cells it was given, so the row is UTF-8.
                let text = String::from_utf8_lossy(&line);
                let (bytes, _, unmappable) = encoding_rs::EUC_KR.encode(&text);
                if unmappable {
                    let character = first_unencodable(&text).unwrap_or('\u{fffd}');
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        Unencodable { character, cell: 0 },
                    ));
                }
                out.write_all(&bytes)
            }
        }
    }
}

/// Writes a CSV for people: the BOM (or CP949 bytes), a header, then rows, every cell
/// defused and quoted when it holds a comma, a quote or a line break; lines end in
/// `\n`. In CP949 rows are encoded one at a time, so a refused row leaves nothing of
/// itself in the output.
pub struct CsvWriter<W: Write> {
    inner: csv::Writer<Sink<W>>,
    encoding: CsvEncoding,
}

impl<W: Write> CsvWriter<W> {
    /// Start a UTF-8 CSV (with BOM) on `out` with this header. Every row must have as
    /// many cells.
    pub fn new(out: W, header: &[&str]) -> io::Result<Self> {
        Self::with_encoding(out, header, CsvEncoding::Utf8Bom)
    }

    /// Start a CSV in `encoding` on `out` with this header.
    pub fn with_encoding(mut out: W, header: &[&str], encoding: CsvEncoding) -> io::Result<Self> {
        let sink = match encoding {
            CsvEncoding::Utf8Bom => {
                out.write_all(BOM.as_bytes())?;
                Sink::Utf8(out)
            }
            CsvEncoding::Cp949 => Sink::Cp949 {
                out,
                pending: Vec::new(),
            },
        };
        let mut w = CsvWriter {
            inner: csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(sink),
            encoding,
        };
        w.row(header)?;
        Ok(w)
    }

    /// Write one row. In CP949, a cell with a character CP949 has no code for fails the
    /// row with [`Unencodable`] inside the error, naming the cell.
    pub fn row<I>(&mut self, cells: I) -> io::Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| defuse(c.as_ref()).into_owned())
            .collect();
        self.inner.write_record(&cells)?;
        if self.encoding == CsvEncoding::Cp949
            && let Err(e) = self.inner.flush()
        {
            return Err(match Unencodable::of(&e) {
                Some(u) => {
                    let found = cells.iter().enumerate().find_map(|(cell, c)| {
                        first_unencodable(c).map(|character| Unencodable { character, cell })
                    });
                    io::Error::new(io::ErrorKind::InvalidData, found.unwrap_or(u.clone()))
                }
                None => e,
            });
        }
        Ok(())
    }

    /// Flush and hand back the output.
    pub fn finish(self) -> io::Result<W> {
        let mut out = match self.inner.into_inner().map_err(|e| e.into_error())? {
            Sink::Utf8(out) | Sink::Cp949 { out, .. } => out,
        };
        out.flush()?;
        Ok(out)
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
    fn cp949_has_no_bom_and_korean_in_two_bytes_per_syllable() {
        let mut w =
            CsvWriter::with_encoding(Vec::new(), &["이름", "금액"], CsvEncoding::Cp949).unwrap();
        w.row(["홍길동", "12000"]).unwrap();
        let out = w.finish().unwrap();
        let (want, _, bad) = encoding_rs::EUC_KR.encode("이름,금액\n홍길동,12000\n");
        assert!(!bad);
        assert_eq!(out, want.into_owned());
        assert_ne!(&out[..3], BOM.as_bytes());
    }

    #[test]
    fn cp949_refuses_a_character_it_cannot_encode_and_writes_nothing_of_that_row() {
        let mut w = CsvWriter::with_encoding(Vec::new(), &["a", "b"], CsvEncoding::Cp949).unwrap();
        w.row(["ok", "김"]).unwrap();
        let e = w.row(["김민준", "구독 🎉"]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            Unencodable::of(&e),
            Some(&Unencodable {
                character: '🎉',
                cell: 1
            })
        );
        let out = w.finish().unwrap();
        let (text, _, _) = encoding_rs::EUC_KR.decode(&out);
        assert_eq!(text, "a,b\nok,김\n");
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
