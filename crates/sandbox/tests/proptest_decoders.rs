//! Random bodies against the decoders and the live handlers: never a panic, always
//! an envelope with a sensible status.

use proptest::prelude::*;
use subdesk_sandbox::params::Params;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn decoders_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512), json in any::<bool>()) {
        let ct = if json { "application/json" } else { "application/x-www-form-urlencoded" };
        if let Ok(p) = Params::from_body(Some(ct), &body) {
            for k in ["amount", "merchant_uid", "schedules", "merchant_uid[]", "checksum"] {
                let _ = p.opt_i64(k);
                let _ = p.opt_str(k);
                let _ = p.opt_str_array(k);
                let _ = p.req_objects(k);
                let _ = p.opt_bool(k);
            }
        }
    }
}

fn arb_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-z0-9\\-]{0,20}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("4242-4242-4242-4242")),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("merchant_uid".to_string()),
                    Just("amount".to_string()),
                    Just("customer_uid".to_string()),
                    Just("schedule_at".to_string()),
                    "[a-z_]{1,8}"
                ],
                inner,
                0..4
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn handlers_answer_random_bodies_with_envelopes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt
        .block_on(subdesk_sandbox::Sandbox::start(Default::default()))
        .unwrap();
    let base = sb.base_url();
    let http = reqwest::Client::new();
    let token = rt.block_on(async {
        let v: serde_json::Value = http.post(format!("{base}/users/getToken"))
            .json(&serde_json::json!({"imp_key": subdesk_sandbox::DEFAULT_IMP_KEY, "imp_secret": subdesk_sandbox::DEFAULT_IMP_SECRET}))
            .send().await.unwrap().json().await.unwrap();
        v["response"]["access_token"].as_str().unwrap().to_string()
    });
    let paths = [
        "/subscribe/payments/again",
        "/subscribe/payments/onetime",
        "/subscribe/payments/schedule",
        "/subscribe/payments/unschedule",
        "/payments/cancel",
        "/subscribe/customers/p1",
        "/subscribe/payments/schedule/x/reschedule",
    ];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 200,
        ..ProptestConfig::default()
    });
    runner
        .run(&(0..paths.len(), arb_value()), |(i, body)| {
            let (status, v) = rt.block_on(async {
                let r = http
                    .post(format!("{base}{}", paths[i]))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let s = r.status().as_u16();
                (s, r.json::<serde_json::Value>().await.unwrap())
            });
            prop_assert!(matches!(status, 200 | 400 | 404), "status {status}");
            prop_assert!(v.get("code").is_some() && v.get("response").is_some());
            if v["code"] != 0 {
                prop_assert!(v["response"].is_null());
            }
            Ok(())
        })
        .unwrap();
    rt.block_on(sb.shutdown());
}
