//! Files a person hands Subdesk (a key import, a bulk run's CSV): read here, in Rust, with
//! one size cap and one text rule, whichever front end chose the file.

use std::io::Read;
use std::path::Path;

use crate::error::{ErrorCode, IpcError, IpcResult};

/// The largest CSV Subdesk reads: ~100,000 lines with room to spare. A larger file is
/// refused before it is read (split it).
pub const MAX_CSV_BYTES: u64 = 20_000_000;

/// A text file as Subdesk reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextFile {
    /// The file's name without its folder, for labels ("customers.csv").
    pub name: String,
    pub text: String,
    /// Decoded from CP949 (Korean Excel's default "CSV" save), not UTF-8.
    pub was_cp949: bool,
}

/// Reads a CSV of at most [`MAX_CSV_BYTES`]: UTF-8 (a BOM is dropped), or CP949 when it
/// is not UTF-8 and decodes cleanly as CP949. Anything else is refused as not text.
pub fn read_csv(path: &Path) -> IpcResult<TextFile> {
    let unreadable = |e: std::io::Error| {
        IpcError::new(
            ErrorCode::FileUnreadable,
            format!("cannot read {}: {e}", path.display()),
        )
        .with_details(serde_json::json!({ "file": file_name(path) }))
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    if size > MAX_CSV_BYTES {
        return Err(too_large(path, size));
    }
    // The file may grow while it is read: never take more than the cap.
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_CSV_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_CSV_BYTES {
        return Err(too_large(path, bytes.len() as u64));
    }
    let (text, was_cp949) = decode(bytes).ok_or_else(|| {
        IpcError::new(
            ErrorCode::FileNotText,
            format!(
                "{} is not text in UTF-8 or CP949 (save it as CSV)",
                path.display()
            ),
        )
        .with_details(serde_json::json!({ "file": file_name(path) }))
    })?;
    Ok(TextFile {
        name: file_name(path),
        text,
        was_cp949,
    })
}

/// UTF-8 (without its BOM), else CP949 if it decodes without a single replacement. A NUL
/// byte means a binary file (a spreadsheet saved as .xlsx, an image), whatever decodes.
fn decode(bytes: Vec<u8>) -> Option<(String, bool)> {
    if bytes.contains(&0) {
        return None;
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.remove(0);
            }
            Some((text, false))
        }
        Err(e) => {
            let bytes = e.into_bytes();
            let (text, had_errors) = encoding_rs::EUC_KR.decode_without_bom_handling(&bytes);
            (!had_errors).then(|| (text.into_owned(), true))
        }
    }
}

/// Pasted text gets the file's cap: the same rows, the same limit.
pub fn check_text_size(text: &str) -> IpcResult<()> {
    if text.len() as u64 > MAX_CSV_BYTES {
        return Err(too_large(Path::new("pasted text"), text.len() as u64));
    }
    Ok(())
}

fn too_large(path: &Path, bytes: u64) -> IpcError {
    IpcError::new(
        ErrorCode::FileTooLarge,
        format!(
            "{} is {} MB; Subdesk reads CSV files of up to {} MB (split it)",
            path.display(),
            bytes.div_ceil(1_000_000),
            MAX_CSV_BYTES / 1_000_000
        ),
    )
    .with_details(serde_json::json!({
        "file": file_name(path),
        "bytes": bytes,
        "max_bytes": MAX_CSV_BYTES,
        "max_mb": MAX_CSV_BYTES / 1_000_000,
    }))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn utf8_with_or_without_bom_and_cp949_read_as_the_same_text() {
        let dir = tempfile::tempdir().unwrap();
        let text = "customer_uid,name\ncust-1,홍길동\n";
        let plain = read_csv(&write(&dir, "a.csv", text.as_bytes())).unwrap();
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        let with_bom = read_csv(&write(&dir, "b.csv", &bom)).unwrap();
        let (cp949, _, _) = encoding_rs::EUC_KR.encode(text);
        let excel = read_csv(&write(&dir, "c.csv", &cp949)).unwrap();
        assert_eq!(plain.text, text);
        assert_eq!(with_bom.text, text);
        assert_eq!(excel.text, text);
        assert!(!plain.was_cp949 && excel.was_cp949);
        assert_eq!(excel.name, "c.csv");
    }

    #[test]
    fn a_binary_file_is_not_text() {
        let dir = tempfile::tempdir().unwrap();
        // The start of an .xlsx (a zip): NUL bytes and invalid sequences.
        let e = read_csv(&write(
            &dir,
            "book.xlsx",
            b"PK\x03\x04\x14\x00\x06\x00\xff\xfe",
        ))
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::FileNotText);
        assert_eq!(e.details.unwrap()["file"], "book.xlsx");
    }

    #[test]
    fn a_file_over_the_cap_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.csv");
        let file = std::fs::File::create(&path).unwrap();
        // Sparse: the size is there, the disk is not used.
        file.set_len(MAX_CSV_BYTES + 1).unwrap();
        let e = read_csv(&path).unwrap_err();
        assert_eq!(e.code, ErrorCode::FileTooLarge);
        assert_eq!(e.details.unwrap()["max_bytes"], MAX_CSV_BYTES);
        // Exactly at the cap is allowed (and is all NULs here, so "not text").
        file.set_len(MAX_CSV_BYTES).unwrap();
        assert_eq!(read_csv(&path).unwrap_err().code, ErrorCode::FileNotText);
    }

    #[test]
    fn a_missing_file_says_so() {
        let e = read_csv(Path::new("/nonexistent/customers.csv")).unwrap_err();
        assert_eq!(e.code, ErrorCode::FileUnreadable);
    }
}
