//! The CSV a bulk run can start from: `customer_uid,amount[,name]`, one charge per
//! line, an optional header. Bad lines are reported by line number, not fatal.

/// One good line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CsvRow {
    pub line: i64,
    pub customer_uid: String,
    pub amount: i64,
    pub name: Option<String>,
}

/// Split one CSV line, honouring double quotes ("" inside quotes is a quote).
pub(crate) fn split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|s| s.trim().to_string()).collect()
}

/// Quote a field for output when it needs it.
pub(crate) fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Parse the whole text: good rows, and (line, reason) for bad ones.
pub(crate) fn parse(text: &str) -> (Vec<CsvRow>, Vec<(i64, String, String)>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (i, raw) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let line = i as i64 + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let cols = split(raw);
        if line == 1
            && cols
                .first()
                .is_some_and(|c| c.eq_ignore_ascii_case("customer_uid"))
        {
            continue;
        }
        let uid = cols.first().cloned().unwrap_or_default();
        if let Err(why) = crate::registry::customers::validate_customer_uid(&uid) {
            bad.push((line, uid, format!("customer_uid: {why}")));
            continue;
        }
        let Some(amount) = cols.get(1).and_then(|a| crate::text::parse_amount(a)) else {
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
        let name = cols.get(2).filter(|n| !n.is_empty()).cloned();
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
}
