//! Test harness: a sandbox on port 0, a plain HTTP client, and a validator that checks
//! every API answer against the official spec's response schema.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{Value, json};
use subdesk_sandbox::{DEFAULT_IMP_KEY, DEFAULT_IMP_SECRET, Sandbox, SandboxConfig};

pub fn spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/iamport-v1.openapi.json")
}

/// The spec, loaded once. A missing spec fails the test suite: conformance is not optional.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let p = spec_path();
        let text = std::fs::read_to_string(&p)
            .unwrap_or_else(|e| panic!("official spec missing at {}: {e}", p.display()));
        serde_json::from_str(&text).expect("spec is JSON")
    })
}

pub struct Harness {
    pub sb: Sandbox,
    pub base: String,
    pub http: reqwest::Client,
    pub token: String,
}

pub async fn start() -> Harness {
    start_with(SandboxConfig::default()).await
}

pub async fn start_with(cfg: SandboxConfig) -> Harness {
    let sb = Sandbox::start(cfg).await.expect("sandbox starts");
    let base = sb.base_url();
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let mut h = Harness {
        sb,
        base,
        http,
        token: String::new(),
    };
    h.token = h.fresh_token().await;
    h
}

impl Harness {
    pub async fn fresh_token(&self) -> String {
        let (s, v) = self
            .call(
                "POST",
                "/users/getToken",
                Some(json!({"imp_key": DEFAULT_IMP_KEY, "imp_secret": DEFAULT_IMP_SECRET})),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v["response"]["access_token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    /// Calls the API with the current token and validates the answer against the spec.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut rb = self.http.request(
            method.parse().expect("method"),
            format!("{}{}", self.base, path),
        );
        if !self.token.is_empty() {
            rb = rb.header("Authorization", format!("Bearer {}", self.token));
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.expect("request");
        let status = resp.status().as_u16();
        let v: Value = resp.json().await.expect("JSON envelope on every answer");
        conform(method, path, status, &v);
        (status, v)
    }

    pub async fn call_form(&self, method: &str, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let resp = self
            .http
            .request(
                method.parse().expect("method"),
                format!("{}{}", self.base, path),
            )
            .header("Authorization", self.token.clone())
            .form(form)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let v: Value = resp.json().await.expect("JSON");
        conform(method, path, status, &v);
        (status, v)
    }

    pub async fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let mut rb = self.http.request(
            method.parse().expect("method"),
            format!("{}/__sandbox{}", self.base, path),
        );
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.expect("control request");
        assert!(
            resp.status().is_success(),
            "control {path}: {}",
            resp.status()
        );
        resp.json::<Value>().await.expect("json")["response"].clone()
    }

    /// Moves the sandbox clock and fetches a token valid at the new time.
    pub async fn advance(&mut self, secs: i64) -> Value {
        let v = self
            .control("POST", "/clock/advance", Some(json!({"seconds": secs})))
            .await;
        self.token = self.fresh_token().await;
        v
    }

    pub async fn issue_key(&self, uid: &str, card: &str) -> Value {
        let (s, v) = self
            .call(
                "POST",
                &format!("/subscribe/customers/{uid}"),
                Some(json!({"card_number": card, "expiry": "2099-12", "birth": "900101", "pwd_2digit": "12", "customer_name": "김민준", "customer_email": "minjun@example.kr"})),
            )
            .await;
        assert_eq!((s, v["code"].as_i64()), (200, Some(0)), "{v}");
        v["response"].clone()
    }

    pub async fn again(&self, uid: &str, muid: &str, amount: i64) -> Value {
        let (s, v) = self
            .call("POST", "/subscribe/payments/again", Some(json!({"customer_uid": uid, "merchant_uid": muid, "amount": amount, "name": "월간 구독"})))
            .await;
        assert_eq!(s, 200, "{v}");
        v
    }
}

// ---- conformance ----------------------------------------------------------------

/// Operations whose list answer is a page object although the spec says array
/// (README, Deviations): validated as a page of the spec's item schema.
fn page_override(template: &str) -> bool {
    matches!(
        template,
        "/subscribe/payments/schedule"
            | "/subscribe/customers/{customer_uid}/schedules"
            | "/subscribe/payments/schedule/customers/{customer_uid}"
    )
}

fn match_template(path: &str) -> Option<String> {
    let paths = spec()["paths"].as_object()?;
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut best: Option<(usize, String)> = None;
    for t in paths.keys() {
        let ts: Vec<&str> = t.trim_matches('/').split('/').collect();
        if ts.len() != segs.len() {
            continue;
        }
        let mut literal = 0;
        let ok = ts.iter().zip(&segs).all(|(a, b)| {
            if a.starts_with('{') {
                true
            } else if a == b {
                literal += 1;
                true
            } else {
                false
            }
        });
        if ok && best.as_ref().is_none_or(|(l, _)| literal > *l) {
            best = Some((literal, t.clone()));
        }
    }
    best.map(|(_, t)| t)
}

/// Validates one API answer; panics with every problem found.
pub fn conform(method: &str, path_and_query: &str, status: u16, v: &Value) {
    let path = path_and_query.split('?').next().unwrap_or("");
    // The status segment of find/findAll is optional in practice; the spec lists it.
    let template = match_template(path)
        .or_else(|| match_template(&format!("{path}/paid")))
        .unwrap_or_else(|| panic!("no spec path for {path}"));
    let mut errs = Vec::new();
    let op = &spec()["paths"][&template][method.to_ascii_lowercase()];
    let resp_schema = &op["responses"][status.to_string()]["schema"];
    if status == 200 || status == 207 {
        if v["code"] != json!(0) {
            // Refusals: the envelope only, response null.
            validate(&envelope_only(), v, "$", &mut errs);
            if !v["response"].is_null() {
                errs.push("$.response must be null on a refusal".into());
            }
        } else if method == "GET" && page_override(&template) {
            let item = &resp_schema["allOf"][1]["properties"]["response"]["items"];
            let page = json!({"allOf": [{"$ref": "#/definitions/ResponseAnnotation"}, {"properties": {"response": {"required": ["total", "previous", "next"], "properties": {"total": {"type": "integer"}, "previous": {"type": "integer"}, "next": {"type": "integer"}, "list": {"type": "array", "items": item}}}}}]});
            validate(&page, v, "$", &mut errs);
        } else {
            assert!(
                !resp_schema.is_null(),
                "spec has no {status} schema for {method} {template}"
            );
            validate(resp_schema, v, "$", &mut errs);
        }
    } else {
        assert!(
            op["responses"].get(status.to_string()).is_some()
                || matches!(status, 400 | 401 | 404 | 413 | 405 | 500 | 502 | 503),
            "status {status} not listed for {method} {template}"
        );
        validate(&envelope_only(), v, "$", &mut errs);
        if !v["response"].is_null() || v["code"] == json!(0) {
            errs.push("errors carry a non-zero code and response null".into());
        }
    }
    for k in ["code", "message", "response"] {
        if v.get(k).is_none() {
            errs.push(format!("$.{k} missing from envelope"));
        }
    }
    assert!(
        errs.is_empty(),
        "{method} {path} ({status}) does not conform:\n{}\n{v}",
        errs.join("\n")
    );
}

fn envelope_only() -> Value {
    json!({"allOf": [{"$ref": "#/definitions/ResponseAnnotation"}, {"properties": {"response": {}}}]})
}

fn resolve(schema: &Value) -> &Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/definitions/");
            &spec()["definitions"][name]
        }
        None => schema,
    }
}

/// A small Swagger 2.0 validator: $ref, allOf, the spec's one-of-by-properties idiom,
/// types, required, enum, maxLength, arrays, unknown properties. Swagger 2.0 has no
/// `nullable`; the spec documents nulls in prose (fail_reason, imp_uid, payment_status,
/// card_type …), so null is accepted for optional properties and refused for required ones.
pub fn validate(schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
    let schema = resolve(schema);
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        // Properties across allOf parts combine: check each part without unknown-field
        // checks, then check unknown fields against the union.
        let mut known = std::collections::HashSet::new();
        for part in all {
            let part = resolve(part);
            if let Some(p) = part.get("properties").and_then(Value::as_object) {
                known.extend(p.keys().cloned());
            }
            validate_inner(part, v, at, errs, false);
        }
        if let Some(o) = v.as_object() {
            for k in o.keys() {
                if !known.contains(k) {
                    errs.push(format!("{at}.{k}: not in spec"));
                }
            }
        }
        return;
    }
    validate_inner(schema, v, at, errs, true);
}

fn validate_inner(schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>, strict: bool) {
    let props = schema.get("properties").and_then(Value::as_object);
    // `{properties: {CustomerResponse: {$ref}, SuperBillingKeyResponse: {$ref}}}`: the
    // spec's way of saying "one of these".
    if let Some(p) = props
        && !p.is_empty()
        && p.keys()
            .all(|k| k.chars().next().is_some_and(char::is_uppercase))
    {
        let mut best: Option<Vec<String>> = None;
        for alt in p.values() {
            let mut e = Vec::new();
            validate(alt, v, at, &mut e);
            if e.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|b| e.len() < b.len()) {
                best = Some(e);
            }
        }
        errs.extend(best.unwrap_or_default());
        return;
    }
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        let ok = match t {
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "array" => v.is_array(),
            "object" => v.is_object(),
            _ => true,
        };
        if !ok {
            errs.push(format!("{at}: expected {t}, got {v}"));
            return;
        }
    }
    if let (Some(e), false) = (schema.get("enum").and_then(Value::as_array), v.is_null())
        && !e.contains(v)
    {
        errs.push(format!("{at}: {v} not in enum {e:?}"));
    }
    if let (Some(max), Some(s)) = (schema.get("maxLength"), v.as_str()) {
        let max = max
            .as_u64()
            .or_else(|| max.as_str().and_then(|m| m.parse().ok()))
            .unwrap_or(u64::MAX);
        if s.chars().count() as u64 > max {
            errs.push(format!("{at}: longer than {max}"));
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            validate(items, x, &format!("{at}[{i}]"), errs);
        }
    }
    if let Some(p) = props {
        let Some(o) = v.as_object() else {
            if !v.is_null() {
                errs.push(format!("{at}: expected object"));
            }
            return;
        };
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for r in &required {
            match o.get(*r) {
                None => errs.push(format!("{at}.{r}: required")),
                Some(Value::Null) => errs.push(format!("{at}.{r}: required, got null")),
                _ => {}
            }
        }
        for (k, val) in o {
            match p.get(k) {
                Some(ps) if !val.is_null() => validate(ps, val, &format!("{at}.{k}"), errs),
                Some(_) => {}
                None if strict => errs.push(format!("{at}.{k}: not in spec")),
                None => {}
            }
        }
    }
}

/// A loopback webhook receiver: answers 200 and forwards each JSON body.
pub async fn webhook_receiver() -> (String, tokio::sync::mpsc::UnboundedReceiver<Value>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", l.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            loop {
                let n = s.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(i) = text.find("\r\n\r\n") {
                    let len = text[..i]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buf.len() >= i + 4 + len {
                        let body: Value =
                            serde_json::from_slice(&buf[i + 4..i + 4 + len]).unwrap_or(Value::Null);
                        let _ = tx.send(body);
                        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
                        break;
                    }
                }
            }
        }
    });
    (url, rx)
}
