//! The CSV a bulk run can start from: `customer_uid,amount[,name]`, one charge per
//! row, an optional header. Read by the one [`csv_codec::read`]; bad rows are
//! reported by the line they start on, not fatal.

use crate::csv_codec;

/// One good line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CsvRow {
    pub line: i64,
    pub customer_uid: String,
    pub amount: i64,
    pub name: Option<String>,
}

/// Parse the whole text: good rows, and (line, customer_uid, reason) for bad ones.
/// With a header, its names place the columns; without, they are in that order.
pub(crate) fn parse(text: &str) -> (Vec<CsvRow>, Vec<(i64, String, String)>) {
    let table = csv_codec::read(text, "customer_uid");
    let uid_col = table.column("customer_uid").unwrap_or(0);
    let amount_col = table.column("amount").unwrap_or(1);
    let name_col = table.column("name").unwrap_or(2);
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for row in table.rows {
        let (line, cols) = match row {
            Ok(r) => (r.line, r.fields),
            Err(b) => {
                bad.push((b.line, String::new(), format!("csv: {}", b.reason)));
                continue;
            }
        };
        let uid = cols.get(uid_col).cloned().unwrap_or_default();
        if let Err(why) = crate::registry::customers::validate_customer_uid(&uid) {
            bad.push((line, uid, format!("customer_uid: {why}")));
            continue;
        }
        let Some(amount) = cols
            .get(amount_col)
            .and_then(|a| crate::text::parse_amount(a))
        else {
            bad.push((line, uid, "amount: not a whole number of won".into()));
            continue;
        };
        if amount <= 0 {
            bad.push((line, uid, "amount: must be greater than zero".into()));
            continue;
        }
        if amount > crate::money::charge::MAX_AMOUNT {
            bad.push((
                line,
                uid,
                format!("amount: at most {} won", crate::money::charge::MAX_AMOUNT),
            ));
            continue;
        }
        if cols.len() > 3 {
            bad.push((line, uid, "too many columns".into()));
            continue;
        }
        let name = cols.get(name_col).filter(|n| !n.is_empty()).cloned();
        if name.as_ref().is_some_and(|n| n.chars().count() > 40) {
            bad.push((line, uid, "name: at most 40 characters".into()));
            continue;
        }
        good.push(CsvRow {
            line,
            customer_uid: uid,
            amount,
            name,
        });
    }
    (good, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_good_and_reports_bad_lines() {
        let text = "customer_uid,amount,name\nc1,12000,월 구독\n\"c2\",\"1,000\"\nc3,abc\nc4,-5\n,100\nc5,3000,\"이름 \"\"따옴표\"\"\"\n";
        let (good, bad) = parse(text);
        assert_eq!(good.len(), 3);
        assert_eq!(good[1].customer_uid, "c2");
        assert_eq!(good[1].amount, 1000);
        assert_eq!(good[2].name.as_deref(), Some("이름 \"따옴표\""));
        let lines: Vec<i64> = bad.iter().map(|b| b.0).collect();
        assert_eq!(lines, vec![4, 5, 6]);
    }

    #[test]
    fn a_header_places_the_columns_and_an_open_quote_names_its_line() {
        let (good, bad) = parse("name,amount,customer_uid\n첫달,1000,c1\nx,2000,\"c2\nc3,3000\n");
        assert_eq!(good.len(), 1);
        assert_eq!(
            (good[0].customer_uid.as_str(), good[0].amount),
            ("c1", 1000)
        );
        assert_eq!(good[0].name.as_deref(), Some("첫달"));
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0, 3);
        assert!(bad[0].2.starts_with("csv: "), "{}", bad[0].2);
    }
}
