use std::collections::HashSet;
use subdesk_codes::ErrorCode;

use subdesk_billing::{
    CustomerQuery, KeyStatus, PaymentQuery, PaymentRecord, PaymentStatus, Store, TimeField,
};

use crate::{customer, payment, temp_store};

fn seeded() -> (tempfile::TempDir, Store) {
    let (d, store) = temp_store();
    let people = [
        ("cust_1", "김민준", "010-1234-5678", "4512-34**-****-1111"),
        ("cust_10", "이민준", "010-2222-3333", "4512-34**-****-2222"),
        ("cust_11", "김민서", "010-5678-9999", "4512-34**-****-3333"),
        ("cust_12", "박서준", "02-345-6789", "4512-34**-****-5678"),
        (
            "vip_kim",
            "Kim Minjun",
            "+82 10-7777-8888",
            "4512-34**-****-4444",
        ),
    ];
    for (uid, name, tel, card) in people {
        store
            .upsert_customer(&customer(uid, name, tel, card))
            .unwrap();
    }
    let buyers = ["김민준", "이민준", "김민서", "박서준", "최지우"];
    let recs: Vec<PaymentRecord> = (0..230)
        .map(|i| {
            let mut p = payment(
                &format!("imp_{i:04}"),
                buyers[i % 5],
                1000 * (i as i64 % 7 + 1),
                1_700_000_000 + (i as i64 / 3) * 3600,
            );
            p.pg_provider = Some(if i % 2 == 0 { "nice" } else { "kcp" }.into());
            if i % 10 == 0 {
                p.status = "failed".into();
                p.failed_at = p.paid_at.take();
            }
            if i % 11 == 0 {
                p.status = "cancelled".into();
                p.cancelled_at = Some(1_800_000_000 + i as i64);
                p.cancel_amount = p.amount;
            }
            p
        })
        .collect();
    store.upsert_payments(&recs).unwrap();
    (d, store)
}

fn cust(store: &Store, text: &str) -> Vec<String> {
    store
        .list_customers(&CustomerQuery {
            text: Some(text.into()),
            limit: Some(100),
            ..Default::default()
        })
        .unwrap()
        .items
        .into_iter()
        .map(|c| c.customer_uid)
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn korean_two_syllable_given_name() {
    let (_d, store) = seeded();
    assert_eq!(sorted(cust(&store, "민준")), vec!["cust_1", "cust_10"]);
    assert_eq!(
        sorted(cust(&store, "민")),
        vec!["cust_1", "cust_10", "cust_11"]
    );
    assert_eq!(cust(&store, "김민준"), vec!["cust_1"]);
    // Payments by buyer name, two syllables: 김민준 and 이민준 only.
    let page = store
        .list_payments(&PaymentQuery {
            text: Some("민준".into()),
            limit: Some(500),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.items.len(), 92);
    assert!(
        page.items
            .iter()
            .all(|p| p.buyer_name.as_deref().unwrap().ends_with("민준"))
    );
}

#[test]
fn initial_consonants() {
    let (_d, store) = seeded();
    assert_eq!(cust(&store, "ㄱㅁㅈ"), vec!["cust_1"]);
    assert_eq!(sorted(cust(&store, "ㅁㅈ")), vec!["cust_1", "cust_10"]);
    assert_eq!(sorted(cust(&store, "ㅅㅈ")), vec!["cust_12"]);
}

#[test]
fn phone_with_or_without_hyphens() {
    let (_d, store) = seeded();
    assert_eq!(cust(&store, "010-1234-5678"), vec!["cust_1"]);
    assert_eq!(cust(&store, "01012345678"), vec!["cust_1"]);
    assert_eq!(cust(&store, "1234-5678"), vec!["cust_1"]);
    assert_eq!(cust(&store, "7777 8888"), vec!["vip_kim"]);
}

#[test]
fn last_four_ranks_exact_first() {
    let (_d, store) = seeded();
    // cust_12's card ends in 5678; cust_1's phone and cust_11's phone contain it.
    let hits = cust(&store, "5678");
    assert_eq!(hits[0], "cust_12");
    assert_eq!(sorted(hits[1..].to_vec()), vec!["cust_1", "cust_11"]);
}

#[test]
fn uid_exact_then_prefix_and_email_and_latin_names() {
    let (_d, store) = seeded();
    let hits = cust(&store, "cust_1");
    assert_eq!(hits[0], "cust_1");
    assert_eq!(
        sorted(hits[1..].to_vec()),
        vec!["cust_10", "cust_11", "cust_12"]
    );
    assert_eq!(cust(&store, "CUST_12@EXAMPLE.COM"), vec!["cust_12"]);
    assert_eq!(cust(&store, "minjun"), vec!["vip_kim"]);
    assert_eq!(cust(&store, "kim"), vec!["vip_kim"]);
    assert!(cust(&store, "nobody-at-all").is_empty());
    // FTS syntax in user text is just text.
    assert!(cust(&store, "\"OR*(").is_empty());
}

#[test]
fn payments_by_ids_amount_and_approval_number() {
    let (_d, store) = seeded();
    let one = |text: &str| {
        store
            .list_payments(&PaymentQuery {
                text: Some(text.into()),
                limit: Some(500),
                ..Default::default()
            })
            .unwrap()
            .items
    };
    assert_eq!(one("imp_0042")[0].imp_uid, "imp_0042");
    assert_eq!(one("order_imp_0042")[0].imp_uid, "imp_0042");
    let p = store.get_payment("imp_0007").unwrap().payment;
    let by_apply = one(p.apply_num.as_deref().unwrap());
    // Three payments share a paid time and so an approval number here; all come first.
    let exact: Vec<&str> = by_apply[..3].iter().map(|p| p.imp_uid.as_str()).collect();
    assert!(exact.contains(&"imp_0007"), "{exact:?}");
    assert!(by_apply[..3].iter().all(|x| x.apply_num == p.apply_num));
    // Amount typed the Korean way: every 3,000 won payment first.
    let hits = one("₩3,000");
    let n = (0..230).filter(|i| i % 7 == 2).count();
    assert!(hits[..n].iter().all(|p| p.amount == 3000));
    // Prefix of an imp_uid.
    assert_eq!(one("imp_022").len(), 10);
}

#[test]
fn filters() {
    let (_d, store) = seeded();
    let all = |q: PaymentQuery| -> Vec<subdesk_billing::Payment> {
        let mut out = Vec::new();
        let mut q = PaymentQuery {
            limit: Some(40),
            ..q
        };
        loop {
            let page = store.list_payments(&q).unwrap();
            out.extend(page.items);
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => return out,
            }
        }
    };
    let failed = all(PaymentQuery {
        status: vec![PaymentStatus::Failed],
        ..Default::default()
    });
    assert_eq!(
        failed.len(),
        (0..230).filter(|i| i % 10 == 0 && i % 11 != 0).count()
    );
    let kcp_big = all(PaymentQuery {
        pg_provider: Some("kcp".into()),
        amount_min: Some(5000),
        amount_max: Some(6000),
        ..Default::default()
    });
    assert!(
        kcp_big
            .iter()
            .all(|p| p.pg_provider.as_deref() == Some("kcp") && (5000..=6000).contains(&p.amount))
    );
    assert!(!kcp_big.is_empty());
    let cancelled = all(PaymentQuery {
        time_field: TimeField::Cancelled,
        from: Some(1_800_000_000),
        to: Some(1_800_000_100),
        ..Default::default()
    });
    assert_eq!(cancelled.len(), (0..=100).filter(|i| i % 11 == 0).count());
    // Sorted by the chosen time, newest first.
    assert!(
        cancelled
            .windows(2)
            .all(|w| w[0].cancelled_at >= w[1].cancelled_at)
    );
    let by_customer = all(PaymentQuery {
        customer_uid: Some("cust_박서준".into()),
        ..Default::default()
    });
    assert_eq!(by_customer.len(), 46);

    store.set_customer_tags("cust_1", &["vip".into()]).unwrap();
    store.mark_customer_deleted("cust_11").unwrap();
    let vip = store
        .list_customers(&CustomerQuery {
            tags: vec!["vip".into()],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(vip.items.len(), 1);
    let deleted = store
        .list_customers(&CustomerQuery {
            key_status: vec![KeyStatus::Deleted],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(deleted.items[0].customer_uid, "cust_11");
}

#[test]
fn keyset_pages_cover_everything_exactly_once() {
    let (_d, store) = seeded();
    for text in [None, Some("민"), Some("imp_01"), Some("₩2,000"), Some("ㄱ")] {
        for limit in [1u32, 7, 50] {
            let mut q = PaymentQuery {
                text: text.map(str::to_string),
                limit: Some(limit),
                ..Default::default()
            };
            let mut seen = Vec::new();
            loop {
                let page = store.list_payments(&q).unwrap();
                assert!(page.items.len() <= limit as usize);
                seen.extend(page.items.into_iter().map(|p| p.imp_uid));
                match page.next_cursor {
                    Some(c) => q.cursor = Some(c),
                    None => break,
                }
            }
            let unique: HashSet<&String> = seen.iter().collect();
            assert_eq!(
                unique.len(),
                seen.len(),
                "no duplicates for {text:?}/{limit}"
            );
            let one_page = store
                .list_payments(&PaymentQuery {
                    text: text.map(str::to_string),
                    limit: Some(500),
                    ..Default::default()
                })
                .unwrap();
            assert_eq!(
                seen,
                one_page
                    .items
                    .into_iter()
                    .map(|p| p.imp_uid)
                    .collect::<Vec<_>>(),
                "{text:?}/{limit}"
            );
        }
    }
    let mut q = CustomerQuery {
        text: Some("cust".into()),
        limit: Some(1),
        ..Default::default()
    };
    let mut seen = Vec::new();
    while let Some(c) = {
        let page = store.list_customers(&q).unwrap();
        seen.extend(page.items.into_iter().map(|c| c.customer_uid));
        page.next_cursor
    } {
        q.cursor = Some(c);
    }
    assert_eq!(
        sorted(seen),
        vec!["cust_1", "cust_10", "cust_11", "cust_12"]
    );
    assert_eq!(
        store
            .list_payments(&PaymentQuery {
                cursor: Some("garbage".into()),
                ..Default::default()
            })
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
}

#[test]
fn upserts_are_idempotent_and_overview_counts() {
    let (_d, store) = seeded();
    let again = store
        .upsert_payments(&[payment("imp_0001", "이민준", 2000, 1_700_000_000)])
        .unwrap();
    assert_eq!(again.received, 1);
    assert_eq!(store.payment_count().unwrap(), 230);
    let o = store.overview().unwrap();
    assert_eq!((o.customers, o.active_keys, o.payments), (5, 5, 230));
    let s = store.search("민준", None).unwrap();
    assert_eq!(s.customers.items.len(), 2);
    assert_eq!(s.payments.items.len(), 50);
}

/// Every sortable column, both directions, paged one row at a time and in one
/// page: the same rows in the same order as sorting them here, with and without a
/// search and a filter.
#[test]
fn customer_list_sorts_by_each_column_in_both_directions() {
    use subdesk_billing::{Customer, CustomerSort, CustomerSortField as F, SortDirection};
    let (d, store) = seeded();
    // More variety than `seeded`: ties, a missing name and PG, statuses, verified
    // times (set in the file: verification needs PortOne).
    let mut nameless = customer("anon_1", "", "010-0000-0001", "4512-34**-****-9999");
    nameless.customer_name = None;
    nameless.pg_provider = None;
    store.upsert_customer(&nameless).unwrap();
    let mut twin = customer("cust_20", "김민준", "010-9999-0000", "4512-34**-****-0001");
    twin.pg_provider = Some("kcp".into());
    twin.inserted = Some(1_600_000_000);
    store.upsert_customer(&twin).unwrap();
    store.mark_customer_deleted("cust_11").unwrap();
    {
        let c = rusqlite::Connection::open(d.path().join("profile.sqlite3")).unwrap();
        c.execute_batch(
            "UPDATE customers SET key_status = 'unknown' WHERE customer_uid = 'cust_12';
             UPDATE customers SET key_status = 'active', last_verified_at = 1700000500
               WHERE customer_uid IN ('cust_1', 'vip_kim');
             UPDATE customers SET last_verified_at = 1700000900 WHERE customer_uid = 'cust_10';",
        )
        .unwrap();
    }
    let rank = |c: &Customer| match c.key_status {
        KeyStatus::Active => 0,
        KeyStatus::Unverified => 1,
        KeyStatus::Unknown => 2,
        KeyStatus::Deleted => 3,
    };
    let all = store
        .list_customers(&CustomerQuery {
            limit: Some(500),
            ..Default::default()
        })
        .unwrap()
        .items;
    assert_eq!(all.len(), 7);
    // The rowid tiebreak follows insertion order here.
    let order_of: Vec<String> = [
        "cust_1", "cust_10", "cust_11", "cust_12", "vip_kim", "anon_1", "cust_20",
    ]
    .map(String::from)
    .to_vec();
    let pos = |c: &Customer| order_of.iter().position(|u| *u == c.customer_uid).unwrap();
    let fields = [
        F::Issued,
        F::Name,
        F::CustomerUid,
        F::Pg,
        F::Status,
        F::Verified,
    ];
    for field in fields {
        for direction in [SortDirection::Asc, SortDirection::Desc] {
            for (text, pg) in [(None, None), (Some("민준"), None), (None, Some("nice"))] {
                let mut expected: Vec<&Customer> = all
                    .iter()
                    .filter(|c| pg.is_none() || c.pg_provider.as_deref() == pg)
                    .filter(|c| {
                        text.is_none() || c.customer_name.as_deref().unwrap_or("").contains("민준")
                    })
                    .collect();
                expected.sort_by(|a, b| {
                    let o = match field {
                        F::Issued => a.issued_at.cmp(&b.issued_at),
                        F::Name => a
                            .customer_name
                            .clone()
                            .unwrap_or_default()
                            .cmp(&b.customer_name.clone().unwrap_or_default()),
                        F::CustomerUid => a.customer_uid.cmp(&b.customer_uid),
                        F::Pg => a
                            .pg_provider
                            .clone()
                            .unwrap_or_default()
                            .cmp(&b.pg_provider.clone().unwrap_or_default()),
                        F::Status => rank(a).cmp(&rank(b)),
                        F::Verified => a
                            .last_verified_at
                            .unwrap_or(0)
                            .cmp(&b.last_verified_at.unwrap_or(0)),
                    }
                    .then(pos(a).cmp(&pos(b)));
                    if direction == SortDirection::Desc {
                        o.reverse()
                    } else {
                        o
                    }
                });
                let expected: Vec<String> =
                    expected.iter().map(|c| c.customer_uid.clone()).collect();
                let mut q = CustomerQuery {
                    text: text.map(String::from),
                    pg_provider: pg.map(String::from),
                    sort: Some(CustomerSort { field, direction }),
                    limit: Some(1),
                    ..Default::default()
                };
                let mut paged = Vec::new();
                loop {
                    let page = store.list_customers(&q).unwrap();
                    paged.extend(page.items.into_iter().map(|c| c.customer_uid));
                    match page.next_cursor {
                        Some(c) => q.cursor = Some(c),
                        None => break,
                    }
                }
                let ctx = format!("{field:?} {direction:?} {text:?} {pg:?}");
                assert_eq!(paged, expected, "{ctx}, one row a page");
                q.cursor = None;
                q.limit = Some(100);
                let one: Vec<String> = store
                    .list_customers(&q)
                    .unwrap()
                    .items
                    .into_iter()
                    .map(|c| c.customer_uid)
                    .collect();
                assert_eq!(one, expected, "{ctx}, one page");
            }
        }
    }
    // Korean names sort in 가나다 order, the nameless first when ascending.
    let by_name: Vec<Option<String>> = store
        .list_customers(&CustomerQuery {
            sort: Some(CustomerSort {
                field: F::Name,
                direction: SortDirection::Asc,
            }),
            ..Default::default()
        })
        .unwrap()
        .items
        .into_iter()
        .map(|c| c.customer_name)
        .collect();
    assert_eq!(
        by_name,
        [
            None,
            Some("Kim Minjun"),
            Some("김민서"),
            Some("김민준"),
            Some("김민준"),
            Some("박서준"),
            Some("이민준")
        ]
        .map(|n| n.map(String::from))
        .to_vec()
    );
    // A cursor from another sort order is refused, not misread.
    let name_cursor = store
        .list_customers(&CustomerQuery {
            sort: Some(CustomerSort {
                field: F::Name,
                direction: SortDirection::Asc,
            }),
            limit: Some(2),
            ..Default::default()
        })
        .unwrap()
        .next_cursor
        .unwrap();
    let err = store
        .list_customers(&CustomerQuery {
            sort: Some(CustomerSort {
                field: F::Issued,
                direction: SortDirection::Desc,
            }),
            cursor: Some(name_cursor),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
}

/// A name fragment shared by many buyer names: the per-name runs merge into one
/// list, newest first, exactly as sorting every matching payment would order it —
/// page by page, whatever the page size, ties on time included.
#[test]
fn a_fragment_of_many_names_merges_their_payments_newest_first() {
    let (_d, store) = temp_store();
    let givens = [
        "민준", "민서", "민재", "지민", "민호", "서민", "민아", "하민", "민우", "윤민",
    ];
    let surnames = ["김", "이", "박"];
    // (paid time, latest time, stored order, imp_uid)
    let mut rows: Vec<(i64, i64, usize, String)> = Vec::new();
    let mut recs = Vec::new();
    for i in 0..600usize {
        let name = format!("{}{}", surnames[i % 3], givens[(i * 7) % givens.len()]);
        // Times interleave across names, with ties every few rows.
        let at = 1_700_000_000 + ((i * 37) % 211) as i64 * 60;
        let imp = format!("imp_m{i:04}");
        let mut p = payment(&imp, &name, 1000, at);
        // Every fourth payment was refunded later: its latest time is not its paid time,
        // so the paid-time order is not the latest-time order.
        let mut latest = at;
        if i % 4 == 0 {
            latest = at + ((i * 13) % 97) as i64 * 600;
            p.status = "cancelled".into();
            p.cancel_amount = 1000;
            p.cancelled_at = Some(latest);
        }
        rows.push((at, latest, i, imp));
        recs.push(p);
    }
    // A buyer without the fragment: never in the results.
    recs.push(payment("imp_other", "최지우", 1000, 1_800_000_000));
    store.upsert_payments(&recs).unwrap();
    for time_field in [TimeField::Event, TimeField::Paid] {
        // Newest first; on a tie the row stored later (higher id) first.
        let mut expected = rows.clone();
        expected.sort_by_key(|e| {
            let at = if time_field == TimeField::Paid {
                e.0
            } else {
                e.1
            };
            std::cmp::Reverse((at, e.2))
        });
        let expected: Vec<String> = expected.into_iter().map(|e| e.3).collect();
        for limit in [1u32, 7, 50, 500] {
            let mut q = PaymentQuery {
                text: Some("민".into()),
                time_field,
                limit: Some(limit),
                ..Default::default()
            };
            let mut seen = Vec::new();
            loop {
                let page = store.list_payments(&q).unwrap();
                seen.extend(page.items.into_iter().map(|p| p.imp_uid));
                match page.next_cursor {
                    Some(c) => q.cursor = Some(c),
                    None => break,
                }
                if seen.len() > 700 {
                    panic!("paging does not end");
                }
            }
            assert_eq!(seen, expected, "{time_field:?} limit {limit}");
        }
    }
}

/// Past a couple of thousand rows a status or PG filter is checked while the sort
/// column's index is walked instead of sorting every match: the same rows in the
/// same order either way, for a filter that keeps most rows and one that keeps few.
#[test]
fn sorted_lists_with_dense_and_rare_filters_page_in_order() {
    use subdesk_billing::{CustomerSort, CustomerSortField as F, SortDirection};
    let (d, store) = temp_store();
    let surnames = ["김", "이", "박", "최", "정"];
    for i in 0..2400usize {
        let mut c = customer(
            &format!("bulk_{i:05}"),
            &format!("{}{:04}", surnames[i % 5], (i * 7919) % 2400),
            "010-1111-2222",
            "4512-34**-****-1111",
        );
        c.pg_provider = Some(if i % 3 == 0 { "kcp" } else { "nice" }.into());
        store.upsert_customer(&c).unwrap();
    }
    {
        let c = rusqlite::Connection::open(d.path().join("profile.sqlite3")).unwrap();
        c.execute_batch(
            "UPDATE customers SET key_status = 'active' WHERE rowid % 50 <> 0;
             UPDATE customers SET key_status = 'deleted' WHERE rowid % 50 = 0;",
        )
        .unwrap();
    }
    let all = store
        .list_customers(&CustomerQuery {
            limit: Some(500),
            sort: Some(CustomerSort {
                field: F::CustomerUid,
                direction: SortDirection::Asc,
            }),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.items.len(), 500);
    for (status, pg) in [
        // 2,352 rows: past the line, the name index is walked.
        (vec![KeyStatus::Active], None),
        // 48 and 800 rows: found through their own indexes and sorted.
        (vec![KeyStatus::Deleted], None),
        (vec![], Some("kcp")),
        // Two filters together (about 1,570 rows).
        (vec![KeyStatus::Active], Some("nice")),
    ] {
        for direction in [SortDirection::Asc, SortDirection::Desc] {
            let mut q = CustomerQuery {
                key_status: status.clone(),
                pg_provider: pg.map(String::from),
                sort: Some(CustomerSort {
                    field: F::Name,
                    direction,
                }),
                limit: Some(300),
                ..Default::default()
            };
            let mut seen: Vec<(String, String)> = Vec::new();
            loop {
                let page = store.list_customers(&q).unwrap();
                for c in page.items {
                    assert!(status.is_empty() || status.contains(&c.key_status));
                    assert!(pg.is_none() || c.pg_provider.as_deref() == pg);
                    seen.push((c.customer_name.unwrap_or_default(), c.customer_uid));
                }
                match page.next_cursor {
                    Some(cur) => q.cursor = Some(cur),
                    None => break,
                }
            }
            let expected_len = match (status.first(), pg) {
                (Some(KeyStatus::Active), None) => 2352,
                (Some(KeyStatus::Deleted), None) => 48,
                (None, Some("kcp")) => 800,
                _ => seen.len(),
            };
            assert_eq!(seen.len(), expected_len, "{status:?} {pg:?}");
            let mut sorted = seen.clone();
            // Names are unique per surname+number here except for rowid ties, which
            // follow insertion (= customer_uid) order.
            sorted.sort();
            if direction == SortDirection::Desc {
                sorted.reverse();
            }
            assert_eq!(seen, sorted, "{status:?} {pg:?} {direction:?}");
        }
    }
}

/// Every page of a query, walked with its cursor.
fn every_page(store: &Store, q: &PaymentQuery) -> Vec<subdesk_billing::Payment> {
    let mut out = Vec::new();
    let mut q = PaymentQuery {
        limit: Some(37),
        ..q.clone()
    };
    loop {
        let page = store.list_payments(&q).unwrap();
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => return out,
        }
    }
}

#[test]
fn totals_count_and_sum_every_page_of_the_filter() {
    let (_d, store) = seeded();
    let mut extra: Vec<PaymentRecord> = (0..12)
        .map(|i| {
            let mut p = payment(&format!("imp_x{i:02}"), "최지우", 2500, 1_700_500_000 + i);
            p.pay_method = Some(if i % 3 == 0 { "trans" } else { "card" }.into());
            p.card_name = (i % 3 != 0).then(|| {
                if i % 2 == 0 {
                    "신한카드"
                } else {
                    "국민카드"
                }
                .into()
            });
            if i == 5 {
                p.cancel_amount = 1000; // partly refunded, still paid
            }
            if i == 7 {
                p.currency = "USD".into();
            }
            p
        })
        .collect();
    extra[0].pg_provider = Some("tosspayments".into());
    store.upsert_payments(&extra).unwrap();
    let queries = [
        PaymentQuery::default(),
        PaymentQuery {
            status: vec![PaymentStatus::Paid, PaymentStatus::Failed],
            ..Default::default()
        },
        PaymentQuery {
            pg_provider: Some("kcp".into()),
            ..Default::default()
        },
        PaymentQuery {
            time_field: TimeField::Cancelled,
            ..Default::default()
        },
        PaymentQuery {
            time_field: TimeField::Paid,
            from: Some(1_700_100_000),
            to: Some(1_700_600_000),
            ..Default::default()
        },
        PaymentQuery {
            text: Some("민준".into()),
            ..Default::default()
        },
        PaymentQuery {
            text: Some("2,500".into()),
            ..Default::default()
        },
        PaymentQuery {
            pay_method: Some("card".into()),
            card_name: Some("신한카드".into()),
            ..Default::default()
        },
        // Searches (several tiers: their totals are the union of each tier's rows) with
        // filters, by name, initials, id prefix, exact id and amount.
        PaymentQuery {
            text: Some("지우".into()),
            status: vec![PaymentStatus::Paid],
            ..Default::default()
        },
        PaymentQuery {
            text: Some("ㅊㅈㅇ".into()),
            pay_method: Some("card".into()),
            ..Default::default()
        },
        PaymentQuery {
            text: Some("최지우".into()),
            time_field: TimeField::Event,
            from: Some(1_700_500_003),
            ..Default::default()
        },
        PaymentQuery {
            text: Some("imp_x0".into()),
            refunded_only: false,
            card_name: Some("국민카드".into()),
            ..Default::default()
        },
        PaymentQuery {
            text: Some("imp_x05".into()),
            ..Default::default()
        },
        PaymentQuery {
            text: Some("2500".into()),
            pg_provider: Some("tosspayments".into()),
            ..Default::default()
        },
    ];
    for q in &queries {
        let rows = every_page(&store, q);
        let paid = |p: &&subdesk_billing::Payment| {
            p.currency == "KRW"
                && matches!(p.status, PaymentStatus::Paid | PaymentStatus::Cancelled)
        };
        let amount: i64 = rows.iter().filter(paid).map(|p| p.amount).sum();
        let refunded: i64 = rows.iter().filter(paid).map(|p| p.cancel_amount).sum();
        let t = store.payment_totals(q).unwrap();
        assert_eq!(t.count, rows.len() as i64, "{q:?}");
        // An export's total counts the same rows.
        assert_eq!(store.count_payments(q).unwrap(), rows.len() as u64, "{q:?}");
        assert_eq!(
            (t.amount, t.refunded, t.net),
            (amount, refunded, amount - refunded),
            "{q:?}"
        );
        assert_eq!(
            t.other_currency,
            rows.iter().filter(|p| p.currency != "KRW").count() as i64
        );
        // Cursor and limit do not narrow the totals.
        let paged = store
            .payment_totals(&PaymentQuery {
                limit: Some(1),
                ..q.clone()
            })
            .unwrap();
        assert_eq!(paged, t);
    }
    let all = store.payment_totals(&PaymentQuery::default()).unwrap();
    assert_eq!(all.count, 242);
    assert!(all.count > 200 && all.refunded > 0 && all.other_currency == 1);
    let shinhan = every_page(
        &store,
        &PaymentQuery {
            card_name: Some("신한카드".into()),
            ..Default::default()
        },
    );
    assert!(!shinhan.is_empty());
    assert!(
        shinhan
            .iter()
            .all(|p| p.card_name.as_deref() == Some("신한카드"))
    );
    let trans = every_page(
        &store,
        &PaymentQuery {
            pay_method: Some("trans".into()),
            ..Default::default()
        },
    );
    assert_eq!(trans.len(), 4);

    let f = store.payment_facets().unwrap();
    assert_eq!(f.pg_providers, vec!["kcp", "nice", "tosspayments"]);
    assert_eq!(f.pay_methods, vec!["card", "trans"]);
    assert_eq!(f.card_names, vec!["국민카드", "신한카드"]);
}

/// Every row of a positional list, page by page from row 0.
fn every_position(store: &Store, q: &PaymentQuery, snapshot: i64, limit: u32) -> Vec<String> {
    let q = PaymentQuery {
        limit: Some(limit),
        ..q.clone()
    };
    let mut out = Vec::new();
    loop {
        let page = store.payments_at(&q, snapshot, out.len() as i64).unwrap();
        assert!(page.len() <= limit as usize);
        if page.is_empty() {
            return out;
        }
        out.extend(page.into_iter().map(|p| p.imp_uid));
    }
}

fn uids(rows: Vec<subdesk_billing::Payment>) -> Vec<String> {
    rows.into_iter().map(|p| p.imp_uid).collect()
}

#[test]
fn pages_by_position_list_the_keyset_pages_rows_with_every_filter() {
    let (_d, store) = seeded();
    let queries = [
        PaymentQuery::default(),
        PaymentQuery {
            time_field: TimeField::Paid,
            ..Default::default()
        },
        PaymentQuery {
            time_field: TimeField::Cancelled,
            ..Default::default()
        },
        PaymentQuery {
            status: vec![PaymentStatus::Paid, PaymentStatus::Failed],
            pg_provider: Some("kcp".into()),
            ..Default::default()
        },
        PaymentQuery {
            time_field: TimeField::Paid,
            from: Some(1_700_100_000),
            to: Some(1_700_200_000),
            amount_min: Some(2000),
            ..Default::default()
        },
        PaymentQuery {
            refunded_only: true,
            ..Default::default()
        },
    ];
    for q in &queries {
        let w = store.payment_window(q, None).unwrap();
        let keyset = uids(every_page(&store, q));
        assert!(!keyset.is_empty(), "{q:?}");
        assert_eq!(w.count, keyset.len() as i64, "{q:?}");
        assert_eq!(w.newer, 0);
        for limit in [1u32, 7, 50] {
            assert_eq!(
                every_position(&store, q, w.snapshot, limit),
                keyset,
                "{q:?}/{limit}"
            );
        }
        // Straight to a row in the middle: the same rows as the keyset walk has there.
        let mid = keyset.len() / 2;
        let page = store
            .payments_at(
                &PaymentQuery {
                    limit: Some(5),
                    ..q.clone()
                },
                w.snapshot,
                mid as i64,
            )
            .unwrap();
        assert_eq!(
            uids(page),
            keyset[mid..(mid + 5).min(keyset.len())],
            "{q:?}"
        );
        // Past the end: nothing, not an error.
        assert!(
            store
                .payments_at(q, w.snapshot, w.count)
                .unwrap()
                .is_empty()
        );
        // Opened at its top: the same window, and its first page as the keyset walk starts.
        let opened = store
            .open_payment_window(&PaymentQuery {
                limit: Some(7),
                ..q.clone()
            })
            .unwrap();
        assert_eq!(opened.window, w, "{q:?}");
        assert_eq!(
            uids(opened.first_page),
            keyset[..7.min(keyset.len())],
            "{q:?}"
        );
    }
}

#[test]
fn a_positional_list_keeps_its_rows_while_payments_arrive() {
    let (_d, store) = seeded();
    let q = PaymentQuery {
        limit: Some(20),
        ..Default::default()
    };
    let w = store.payment_window(&q, None).unwrap();
    let before = every_position(&store, &q, w.snapshot, 20);
    let first = uids(store.payments_at(&q, w.snapshot, 0).unwrap());
    // A sync stores a newer payment, one in the middle of the list's times, and
    // changes one the list has (its place in time is kept: the paid time).
    let mut newest = payment("imp_new_top", "김민준", 9000, 1_900_000_000);
    newest.merchant_uid = "order_new_top".into();
    let middle = payment("imp_new_mid", "최지우", 9000, 1_700_000_000 + 40 * 3600);
    let mut changed = payment(
        "imp_0100",
        "김민준",
        1000 * (100 % 7 + 1),
        1_700_000_000 + 33 * 3600,
    );
    changed.pg_provider = Some("nice".into());
    changed.name = Some("바뀐 이름".into());
    store.upsert_payments(&[newest, middle, changed]).unwrap();

    // The window on screen: the same rows in the same places, the arrivals counted.
    let again = store.payment_window(&q, Some(w.snapshot)).unwrap();
    assert_eq!(
        (again.snapshot, again.count, again.newer),
        (w.snapshot, w.count, 2)
    );
    assert_eq!(uids(store.payments_at(&q, w.snapshot, 0).unwrap()), first);
    let after = every_position(&store, &q, w.snapshot, 20);
    assert_eq!(after, before, "no row moved, none twice");
    let page = store.payments_at(&q, w.snapshot, 0).unwrap();
    assert!(page.iter().all(|p| p.imp_uid != "imp_new_top"));
    // The changed row shows its new fields where it was.
    let all = store
        .payments_at(
            &PaymentQuery {
                limit: Some(500),
                ..q.clone()
            },
            w.snapshot,
            0,
        )
        .unwrap();
    let at = before.iter().position(|u| u == "imp_0100").unwrap();
    assert_eq!(all[at].name.as_deref(), Some("바뀐 이름"));

    // A fresh window has them, in the keyset order.
    let fresh = store.payment_window(&q, None).unwrap();
    assert_eq!((fresh.count, fresh.newer), (w.count + 2, 0));
    let rows = every_position(&store, &q, fresh.snapshot, 20);
    assert_eq!(rows, uids(every_page(&store, &q)));
    assert_eq!(rows[0], "imp_new_top");
    let opened = store.open_payment_window(&q).unwrap();
    assert_eq!(opened.window, fresh);
    assert_eq!(uids(opened.first_page), rows[..20]);
}

#[test]
fn bad_positions_are_refused() {
    let (_d, store) = seeded();
    let q = PaymentQuery::default();
    let w = store.payment_window(&q, None).unwrap();
    let refused = |r: subdesk_billing::Result<Vec<subdesk_billing::Payment>>| {
        assert_eq!(r.unwrap_err().code(), ErrorCode::InvalidInput);
    };
    refused(store.payments_at(&q, w.snapshot, -1));
    refused(store.payments_at(&q, -1, 0));
    refused(store.payments_at(&q, w.snapshot + 1, 0));
    let searched = PaymentQuery {
        text: Some("민준".into()),
        ..Default::default()
    };
    refused(store.payments_at(&searched, w.snapshot, 0));
    let cursor = PaymentQuery {
        cursor: Some("x".into()),
        ..Default::default()
    };
    refused(store.payments_at(&cursor, w.snapshot, 0));
    assert_eq!(
        store.payment_window(&searched, None).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        store.open_payment_window(&searched).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        store.open_payment_window(&cursor).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        store
            .payment_window(&q, Some(w.snapshot + 5))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
    // Blank text is no search: read by position like no text.
    let blank = PaymentQuery {
        text: Some("  ".into()),
        ..Default::default()
    };
    assert_eq!(store.payments_at(&blank, w.snapshot, 0).unwrap().len(), 50);
}

/// An export's customer total counts the rows the list pages through, searches (several
/// tiers, counted as the union of each tier's rows) and filters included.
#[test]
fn customer_count_is_every_page_of_the_search() {
    let (_d, store) = seeded();
    for text in [
        None,
        Some("민준"),
        Some("ㄱㅁㅈ"),
        Some("cust_1"),
        Some("1111"),
        Some("Kim"),
        Some("010-2222"),
    ] {
        let mut q = CustomerQuery {
            text: text.map(String::from),
            limit: Some(2),
            ..Default::default()
        };
        let mut listed = 0;
        loop {
            let page = store.list_customers(&q).unwrap();
            listed += page.items.len() as u64;
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        assert!(text.is_none() || listed > 0, "{text:?} lists nothing");
        assert_eq!(store.count_customers(&q).unwrap(), listed, "{text:?}");
    }
}
