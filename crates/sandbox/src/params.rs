//! Request decoding. The spec accepts `application/json` and
//! `application/x-www-form-urlencoded` for every operation, so both are decoded into
//! one JSON object; form keys in PHP bracket style (`merchant_uid[]`,
//! `schedules[0][amount]`, `extra[requester]`) become arrays and nested objects.
//! Typed getters then report a wrong type or a missing field as HTTP 400.

use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};

/// Request parameters from a body or a query string.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub map: Map<String, Value>,
}

fn bad_type(key: &str, want: &str) -> ApiError {
    ApiError::bad_request(format!(
        "{key} 파라메터의 형식이 올바르지 않습니다. ({want} 필요)"
    ))
}

fn missing(key: &str) -> ApiError {
    ApiError::bad_request(format!("{key} 파라메터가 누락되었습니다."))
}

impl Params {
    /// Decodes a request body. An empty body is an empty object (e.g. `retry`).
    pub fn from_body(content_type: Option<&str>, body: &[u8]) -> ApiResult<Self> {
        let trimmed = body.iter().all(|b| b.is_ascii_whitespace());
        if trimmed {
            return Ok(Self::default());
        }
        let ct = content_type.unwrap_or("").to_ascii_lowercase();
        let looks_json = body
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{' || *b == b'[');
        if ct.contains("application/x-www-form-urlencoded") || (!ct.contains("json") && !looks_json)
        {
            return Ok(Self::from_pairs(form_urlencoded::parse(body).into_owned()));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(Self { map }),
            Ok(_) => Err(ApiError::bad_request("요청 본문은 JSON 객체여야 합니다.")),
            Err(e) => Err(ApiError::bad_request(format!(
                "JSON 형식이 올바르지 않습니다: {e}"
            ))),
        }
    }

    pub fn from_query(query: Option<&str>) -> Self {
        Self::from_pairs(form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned())
    }

    /// Builds nested values from PHP-style bracket keys.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut root = Value::Object(Map::new());
        for (k, v) in pairs {
            let segs = split_brackets(&k);
            insert_path(&mut root, &segs, Value::String(v));
        }
        let root = arrays_from_numeric_objects(root);
        match root {
            Value::Object(map) => Self { map },
            _ => Self::default(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn opt_str(&self, key: &str) -> ApiResult<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad_type(key, "string")),
        }
    }

    /// A string that must be present and non-empty.
    pub fn req_str(&self, key: &str) -> ApiResult<String> {
        match self.opt_str(key)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(missing(key)),
        }
    }

    /// An integer given as a JSON number (integral) or a numeric string (form bodies).
    pub fn opt_i64(&self, key: &str) -> ApiResult<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => value_i64(v)
                .map(Some)
                .ok_or_else(|| bad_type(key, "integer")),
        }
    }

    pub fn req_i64(&self, key: &str) -> ApiResult<i64> {
        self.opt_i64(key)?.ok_or_else(|| missing(key))
    }

    pub fn opt_bool(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => match s.as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" | "" => Ok(Some(false)),
                _ => Err(bad_type(key, "boolean")),
            },
            Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(Some(false)),
            Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(Some(true)),
            Some(_) => Err(bad_type(key, "boolean")),
        }
    }

    /// An array of strings; a single string is accepted as a one-element array (the
    /// python client's README passes one). Form bodies/queries send `key[]`.
    pub fn opt_str_array(&self, key: &str) -> ApiResult<Option<Vec<String>>> {
        let v = self.get(key).or_else(|| self.get(&format!("{key}[]")));
        match v {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(vec![s.clone()])),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| match i {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(bad_type(key, "array of string")),
                })
                .collect::<ApiResult<Vec<_>>>()
                .map(Some),
            Some(_) => Err(bad_type(key, "array of string")),
        }
    }

    /// An array of objects (`schedules`).
    pub fn req_objects(&self, key: &str) -> ApiResult<Vec<Params>> {
        match self.get(key) {
            None => Err(missing(key)),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| match i {
                    Value::Object(m) => Ok(Params { map: m.clone() }),
                    _ => Err(bad_type(key, "array of object")),
                })
                .collect(),
            Some(_) => Err(bad_type(key, "array of object")),
        }
    }

    /// A nested object such as `extra`.
    pub fn opt_object(&self, key: &str) -> ApiResult<Option<Params>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(Params { map: m.clone() })),
            Some(_) => Err(bad_type(key, "object")),
        }
    }
}

/// Money and times arrive as JSON numbers or, from form bodies, as strings.
pub fn value_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>().ok().or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            })
        }
        _ => None,
    }
}

fn split_brackets(key: &str) -> Vec<String> {
    let Some(open) = key.find('[') else {
        return vec![key.to_string()];
    };
    if !key.ends_with(']') {
        return vec![key.to_string()];
    }
    let mut segs = vec![key[..open].to_string()];
    for part in key[open + 1..key.len() - 1].split("][") {
        segs.push(part.to_string());
    }
    segs
}

fn insert_path(node: &mut Value, segs: &[String], value: Value) {
    let Some((first, rest)) = segs.split_first() else {
        return;
    };
    if first.is_empty() {
        // `key[]`: append to an array.
        if !node.is_array() {
            *node = Value::Array(Vec::new());
        }
        if let Value::Array(a) = node {
            if rest.is_empty() {
                a.push(value);
            } else {
                let mut child = Value::Object(Map::new());
                insert_path(&mut child, rest, value);
                a.push(child);
            }
        }
        return;
    }
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    let Value::Object(m) = node else { return };
    if rest.is_empty() {
        m.insert(first.clone(), value);
        return;
    }
    let child = m
        .entry(first.clone())
        .or_insert_with(|| Value::Object(Map::new()));
    insert_path(child, rest, value);
}

fn arrays_from_numeric_objects(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let numeric = !m.is_empty() && m.keys().all(|k| k.parse::<usize>().is_ok());
            if numeric {
                let mut items: Vec<(usize, Value)> = m
                    .into_iter()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, arrays_from_numeric_objects(v))))
                    .collect();
                items.sort_by_key(|(i, _)| *i);
                Value::Array(items.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(
                    m.into_iter()
                        .map(|(k, v)| (k, arrays_from_numeric_objects(v)))
                        .collect(),
                )
            }
        }
        Value::Array(a) => Value::Array(a.into_iter().map(arrays_from_numeric_objects).collect()),
        other => other,
    }
}

/// Percent-decodes one path segment (ids are URL-encoded by careful clients).
pub fn decode_segment(seg: &str) -> String {
    percent_encoding::percent_decode_str(seg)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_brackets_become_arrays_and_objects() {
        let p = Params::from_body(
            Some("application/x-www-form-urlencoded"),
            b"customer_uid=c1&schedules[0][merchant_uid]=m1&schedules[0][amount]=1000&schedules[1][merchant_uid]=m2&merchant_uid[]=a&merchant_uid[]=b",
        )
        .unwrap();
        let s = p.req_objects("schedules").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].req_i64("amount").unwrap(), 1000);
        assert_eq!(
            p.opt_str_array("merchant_uid").unwrap().unwrap(),
            vec!["a", "b"]
        );
    }

    #[test]
    fn wrong_types_are_400() {
        let p = Params::from_body(Some("application/json"), br#"{"amount":"abc","x":1}"#).unwrap();
        assert_eq!(p.opt_i64("amount").unwrap_err().status, 400);
        assert_eq!(p.opt_str("x").unwrap_err().status, 400);
        assert!(Params::from_body(Some("application/json"), b"{").is_err());
    }
}
