//! Our order ids. i'mport allows 40 characters; some PGs (smartro_v2) are
//! stricter, so we only ever produce `[A-Za-z0-9_-]`. Plan periods get
//! deterministic ids, so that registering or charging a period twice is refused
//! by i'mport itself; everything else gets a ULID, unique without coordination.

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// i'mport's limit.
pub const MAX_LEN: usize = 40;
/// Longest plan code: keeps period ids (with a retry suffix) within 40.
pub const PLAN_CODE_MAX: usize = 10;

/// A fresh unique order id: `sd-<ULID>` (29 characters), time-ordered.
pub fn unique() -> String {
    format!("sd-{}", ulid::Ulid::new())
}

/// The customer part of a period id: 12 hex digits of sha256(customer_uid). A
/// customer_uid may be 80 characters and contain anything; 48 bits keep the
/// chance of two customers of one plan colliding negligible (≈ 10⁻⁷ at 10,000).
pub fn customer_hash(customer_uid: &str) -> String {
    let h = Sha256::digest(customer_uid.as_bytes());
    hex::encode(&h[..6])
}

/// The id of one plan period: `sd-<plan>-<customer hash>-<label>`; the same
/// customer, plan and period always give the same id.
pub fn for_period(plan_code: &str, customer_uid: &str, label: &str) -> String {
    format!("sd-{plan_code}-{}-{label}", customer_hash(customer_uid))
}

/// The most re-subscriptions of one customer to one plan (`-s<n>` keeps ids within 40).
pub const GENERATION_MAX: u32 = 99;

/// A period id for a subscription of generation `generation`: unchanged for the first
/// subscription, `<period id>-s<n>` for the n-th re-subscription.
pub fn for_generation(period_id: &str, generation: u32) -> String {
    if generation == 0 {
        period_id.to_owned()
    } else {
        format!("{period_id}-s{generation}")
    }
}

/// The id of dunning attempt `attempt` (1-based) of a period: `<period id>-r<n>`.
pub fn for_retry(period_id: &str, attempt: u32) -> String {
    format!("{period_id}-r{attempt}")
}

/// Check an order id against the rules above (ours and those a caller brings).
pub fn validate(merchant_uid: &str) -> Result<()> {
    if merchant_uid.is_empty() {
        return Err(Error::invalid("merchant_uid", "must not be empty"));
    }
    if merchant_uid.len() > MAX_LEN {
        return Err(Error::invalid("merchant_uid", "at most 40 characters"));
    }
    if !merchant_uid
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::invalid(
            "merchant_uid",
            "only letters, digits, '-' and '_'",
        ));
    }
    Ok(())
}

/// Check a plan code: 1–10 lower-case letters or digits.
pub fn validate_plan_code(code: &str) -> Result<()> {
    let ok = !code.is_empty()
        && code.len() <= PLAN_CODE_MAX
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "plan_code",
            "1 to 10 lower-case letters or digits",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use subdesk_codes::ErrorCode;

    #[test]
    fn unique_ids_are_valid_and_distinct() {
        let a = unique();
        let b = unique();
        assert_ne!(a, b);
        validate(&a).unwrap();
        assert_eq!(a.len(), 29);
    }

    #[test]
    fn period_ids_are_deterministic_and_fit() {
        let long_uid = "고객-".repeat(20);
        let a = for_period("gold123456", &long_uid, "202512");
        assert_eq!(a, for_period("gold123456", &long_uid, "202512"));
        assert_ne!(a, for_period("gold123456", &long_uid, "202601"));
        assert_ne!(a, for_period("gold123456", "other", "202512"));
        let r = for_retry(&a, 9);
        validate(&a).unwrap();
        validate(&r).unwrap();
        assert!(r.len() <= MAX_LEN, "{r}");
        let p = for_period("gold123456", &long_uid, "p99999");
        validate(&for_retry(&p, 9)).unwrap();
        let g = for_retry(&for_generation(&p, GENERATION_MAX), 9);
        validate(&g).unwrap();
        assert_eq!(for_generation(&p, 0), p);
        assert_ne!(for_generation(&p, 1), for_generation(&p, 2));
    }

    #[test]
    fn rejects_bad_ids() {
        for bad in ["", "a b", "주문1", &"x".repeat(41), "a/b"] {
            assert_eq!(
                validate(bad).unwrap_err().code(),
                ErrorCode::InvalidInput,
                "{bad}"
            );
        }
        assert!(validate_plan_code("Gold").is_err());
        assert!(validate_plan_code("gold").is_ok());
    }
}
