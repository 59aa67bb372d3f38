//! Property tests driven by the official spec: answers are generated from the
//! spec's own definitions (required fields always present, optional ones missing,
//! `null` or set; integers as int, float or numeric string; unknown extra fields) and
//! every one must decode. Arbitrary JSON and bytes must never panic the decoder.
//!
//! A unit-test module rather than an integration test because the envelope decoder
//! and the token model are private.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::Money;
use crate::auth::AuthAnnotation;
use crate::envelope::decode;
use crate::models::*;

const SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/iamport-v1.openapi.json"
);

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        // A missing or unreadable spec fails the test: it must never be skipped.
        let text = std::fs::read_to_string(SPEC_PATH)
            .unwrap_or_else(|e| panic!("the official spec must be at {SPEC_PATH}: {e}"));
        serde_json::from_str(&text).expect("the spec is JSON")
    })
}

fn definition(name: &str) -> &'static Value {
    let d = &spec()["definitions"][name];
    assert!(d.is_object(), "definition {name} missing from the spec");
    d
}

/// The `response` schema of a `…Response` wrapper (`allOf: [ResponseAnnotation, {response}]`).
fn response_schema(wrapper: &str) -> &'static Value {
    let all = definition(wrapper)["allOf"].as_array().expect("allOf");
    all.iter()
        .find_map(|part| part["properties"].get("response"))
        .unwrap_or_else(|| panic!("{wrapper} has no response"))
}

/// An integer in every encoding the sources report. `0` is frequent on purpose: it
/// is the "not happened" timestamp.
fn integer() -> BoxedStrategy<Value> {
    prop_oneof![
        2 => Just(json!(0)),
        4 => (0i64..4_000_000_000).prop_map(Value::from),
        1 => (0i64..4_000_000_000).prop_map(|i| json!(i as f64 + 0.5)),
        1 => (0i64..4_000_000_000).prop_map(|i| Value::String(i.to_string())),
    ]
    .boxed()
}

/// A number with or without decimals, or as a numeric string.
fn number() -> BoxedStrategy<Value> {
    prop_oneof![
        (0i64..100_000_000).prop_map(Value::from),
        (0i64..10_000_000).prop_map(|c| json!(c as f64 / 100.0)),
        (0i64..10_000_000).prop_map(|c| Value::String(Decimal::new(c, 2).to_string())),
    ]
    .boxed()
}

fn text() -> BoxedStrategy<Value> {
    prop_oneof![
        "[a-z0-9_]{0,12}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
        Just(Value::String("김민준 ₩12,000".into())),
    ]
    .boxed()
}

fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        integer(),
        number(),
        text()
    ]
    .boxed()
}

/// A value for `schema`, resolving `$ref`s into the spec's definitions.
fn value_for(schema: &'static Value, depth: u32) -> BoxedStrategy<Value> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/definitions/");
        return value_for(definition(name), depth + 1);
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return proptest::sample::select(values.clone()).boxed();
    }
    let ty = schema.get("type").and_then(Value::as_str);
    match ty {
        Some("string") => text(),
        Some("integer") => integer(),
        Some("number") => number(),
        Some("boolean") => any::<bool>().prop_map(Value::Bool).boxed(),
        Some("array") => {
            let item = value_for(&schema["items"], depth + 1);
            proptest::collection::vec(item, 0..if depth > 2 { 2 } else { 4 })
                .prop_map(Value::Array)
                .boxed()
        }
        _ if schema.get("properties").is_some() => object_for(schema, depth),
        // `type: object` with no properties (e.g. `promotion`): an empty object.
        _ => Just(json!({})).boxed(),
    }
}

/// A property name and its value, `None` when the property is left out.
type Field = (String, Option<Value>);

/// An object: required properties always set (never null), optional ones missing,
/// null or set, plus unknown fields the client must ignore.
fn object_for(schema: &'static Value, depth: u32) -> BoxedStrategy<Value> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let props = schema["properties"].as_object().expect("properties");
    let fields: Vec<BoxedStrategy<Field>> = props
        .iter()
        .map(|(name, prop)| {
            let name = name.clone();
            let v = value_for(prop, depth + 1);
            if required.contains(&name.as_str()) {
                v.prop_map(move |v| (name.clone(), Some(v))).boxed()
            } else {
                prop_oneof![
                    1 => Just((name.clone(), None)),
                    1 => Just((name.clone(), Some(Value::Null))),
                    3 => v.prop_map(move |v| (name.clone(), Some(v))),
                ]
                .boxed()
            }
        })
        .collect();
    let extras = proptest::collection::btree_map("x_[a-z]{1,8}", leaf(), 0..3);
    (fields, extras)
        .prop_map(|(fields, extras): (Vec<Field>, BTreeMap<String, Value>)| {
            let mut m = Map::new();
            for (k, v) in fields {
                if let Some(v) = v {
                    m.insert(k, v);
                }
            }
            for (k, v) in extras {
                m.entry(k).or_insert(v);
            }
            Value::Object(m)
        })
        .boxed()
}

fn envelope(response: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"code": 0, "message": null, "response": response})).expect("encode")
}

/// What a lenient timestamp should read as.
fn expected_ts(v: Option<&Value>) -> Option<i64> {
    let t = match v? {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f.trunc() as i64))?,
        Value::String(s) => s.parse::<i64>().ok()?,
        _ => return None,
    };
    (t != 0).then_some(t)
}

fn expected_money(v: &Value) -> Money {
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) => Money::won(i),
            None => Money::from_decimal(n.to_string().parse::<Decimal>().expect("decimal")),
        },
        Value::String(s) => s.parse().expect("money text"),
        other => panic!("not an amount: {other}"),
    }
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

macro_rules! decodes {
    ($name:ident, $wrapper:literal, $ty:ty, |$json:ident, $decoded:ident| $check:block) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            #[test]
            fn $name($json in value_for(response_schema($wrapper), 0)) {
                let body = envelope($json.clone());
                let decoded = decode::<$ty>(200, &body, false);
                prop_assert!(decoded.is_ok(), "{} failed: {:?}\n{}", $wrapper, decoded.err(), $json);
                let $decoded = decoded.unwrap();
                $check
            }
        }
    };
}

decodes!(
    auth_response,
    "AuthResponse",
    AuthAnnotation,
    |json, auth| {
        prop_assert_eq!(Some(auth.access_token), text_of(json.get("access_token")));
    }
);

decodes!(payment_response, "PaymentResponse", Payment, |json, p| {
    prop_assert_eq!(Some(p.imp_uid.clone()), text_of(json.get("imp_uid")));
    prop_assert_eq!(
        Some(p.status.as_str().to_owned()),
        text_of(json.get("status"))
    );
    prop_assert_eq!(p.amount, expected_money(&json["amount"]));
    prop_assert_eq!(p.paid_at, expected_ts(json.get("paid_at")));
    prop_assert_eq!(p.cancelled_at, expected_ts(json.get("cancelled_at")));
    let history = json
        .get("cancel_history")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    prop_assert_eq!(p.cancel_history.len(), history);
});

decodes!(
    payment_list_response,
    "PaymentListResponse",
    Page<Payment>,
    |json, page| {
        let n = json
            .get("list")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        prop_assert_eq!(page.list.len(), n);
        prop_assert!(page.next.is_none_or(|p| p > 0));
    }
);

decodes!(
    multiple_payments_response,
    "MultiplePaymentsResponse",
    Vec<Payment>,
    |json, list| {
        prop_assert_eq!(list.len(), json.as_array().map_or(0, Vec::len));
    }
);

decodes!(
    customer_response,
    "CustomerResponse",
    Customer,
    |json, c| {
        prop_assert_eq!(
            Some(c.customer_uid.clone()),
            text_of(json.get("customer_uid"))
        );
        prop_assert_eq!(c.inserted, expected_ts(json.get("inserted")));
        prop_assert!(!c.is_super() || json.get("channelGroupId").is_some());
    }
);

decodes!(
    super_billing_key_response,
    "SuperBillingKeyResponse",
    Customer,
    |json, c| {
        prop_assert_eq!(c.channel_group_id, text_of(json.get("channelGroupId")));
    }
);

decodes!(
    multiple_customers_response,
    "MultipleCustomersResponse",
    Vec<Customer>,
    |json, list| {
        prop_assert_eq!(list.len(), json.as_array().map_or(0, Vec::len));
    }
);

decodes!(
    schedule_response,
    "ScheduleResponse",
    SchedulePage,
    |json, page| {
        prop_assert_eq!(page.0.list.len(), json.as_array().map_or(0, Vec::len));
    }
);

decodes!(
    single_schedule_response,
    "SingleScheduleResponse",
    Schedule,
    |json, s| {
        prop_assert_eq!(s.schedule_at, expected_ts(json.get("schedule_at")));
        prop_assert_eq!(s.executed_at, expected_ts(json.get("executed_at")));
        prop_assert_eq!(
            s.payment_status.map(|p| p.as_str().to_owned()),
            text_of(json.get("payment_status")).filter(|t| !t.trim().is_empty())
        );
    }
);

decodes!(
    payment_balance_response,
    "PaymentBalanceResponse",
    PaymentBalance,
    |json, b| {
        prop_assert_eq!(b.amount, expected_money(&json["amount"]));
    }
);

decodes!(
    card_codes_response,
    "StandardCodeListResponse",
    Vec<StandardCode>,
    |json, list| {
        prop_assert_eq!(list.len(), json.as_array().map_or(0, Vec::len));
    }
);

decodes!(
    pg_settings_response,
    "MultiplePgSettingResponse",
    Vec<PgSetting>,
    |json, list| {
        prop_assert_eq!(list.len(), json.as_array().map_or(0, Vec::len));
    }
);

/// Schedule lists also come as page objects (official clients, the sandbox).
fn schedule_page() -> BoxedStrategy<Value> {
    let item = value_for(&response_schema("ScheduleResponse")["items"], 0);
    (proptest::collection::vec(item, 0..4), integer(), integer())
        .prop_map(|(list, prev, next)| json!({"total": list.len(), "previous": prev, "next": next, "list": list}))
        .boxed()
}

/// Any JSON value, nested.
fn any_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("imp_uid".to_owned()),
                    Just("amount".to_owned()),
                    Just("status".to_owned()),
                    Just("list".to_owned()),
                    Just("customer_uid".to_owned()),
                    Just("paid_at".to_owned()),
                    "[a-z_]{1,10}".prop_map(|s| s)
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn no_panic_on(status: u16, body: &[u8]) {
    let _ = decode::<Payment>(status, body, true);
    let _ = decode::<Page<Payment>>(status, body, false);
    let _ = decode::<Vec<Customer>>(status, body, false);
    let _ = decode::<SchedulePage>(status, body, false);
    let _ = decode::<Schedule>(status, body, false);
    let _ = decode::<PaymentBalance>(status, body, false);
    let _ = decode::<Vec<PgSetting>>(status, body, false);
    let _ = decode::<AuthAnnotation>(status, body, false);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn schedule_lists_as_pages_decode(json in schedule_page()) {
        let page = decode::<SchedulePage>(200, &envelope(json.clone()), false);
        prop_assert!(page.is_ok(), "{:?} {}", page.err(), json);
        prop_assert_eq!(page.unwrap().0.list.len(), json["list"].as_array().map_or(0, Vec::len));
    }

    #[test]
    fn refusals_are_rejected_whatever_the_payload(code in prop_oneof![Just(-1i64), Just(1i64), any::<i64>()], msg in any::<Option<String>>(), resp in any_json()) {
        prop_assume!(code != 0);
        let body = serde_json::to_vec(&json!({"code": code, "message": msg, "response": resp})).unwrap();
        match decode::<Payment>(200, &body, true) {
            Err(crate::Error::Rejected { status: 200, code: c, message }) => {
                prop_assert_eq!(c, code);
                prop_assert_eq!(message, msg);
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn arbitrary_json_never_panics(status in prop_oneof![Just(200u16), Just(207u16), Just(400u16), Just(401u16), Just(404u16), Just(500u16), 100u16..600], resp in any_json()) {
        no_panic_on(status, &serde_json::to_vec(&resp).unwrap());
        no_panic_on(status, &envelope(resp));
    }

    #[test]
    fn arbitrary_bytes_never_panic(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..512)) {
        no_panic_on(status, &body);
    }
}
