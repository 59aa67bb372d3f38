//! Deterministic demo data: N customers and M payments from a seed, with Korean names,
//! phones and emails, card last-fours spread out, statuses paid / failed / cancelled /
//! partially cancelled, and times spread over the year before the sandbox clock.

use serde::{Deserialize, Serialize};

use crate::auth::splitmix;
use crate::error::ApiResult;
use crate::pg::CHANNELS;
use crate::state::AppState;
use crate::store;
use crate::wire::{Customer, Payment, default_vat};

#[derive(Debug, Clone, Deserialize)]
pub struct SeedRequest {
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub customers: u64,
    #[serde(default)]
    pub payments: u64,
}

#[derive(Debug, Serialize)]
pub struct SeedResult {
    pub customers: u64,
    pub payments: u64,
    pub millis: u128,
}

const SURNAMES: &[(&str, &str)] = &[
    ("김", "kim"),
    ("이", "lee"),
    ("박", "park"),
    ("최", "choi"),
    ("정", "jung"),
    ("강", "kang"),
    ("조", "cho"),
    ("윤", "yoon"),
    ("장", "jang"),
    ("임", "lim"),
    ("한", "han"),
    ("오", "oh"),
    ("서", "seo"),
    ("신", "shin"),
    ("권", "kwon"),
];
const GIVEN: &[(&str, &str)] = &[
    ("민준", "minjun"),
    ("서연", "seoyeon"),
    ("도윤", "doyun"),
    ("하은", "haeun"),
    ("시우", "siwoo"),
    ("지우", "jiwoo"),
    ("예준", "yejun"),
    ("서윤", "seoyun"),
    ("주원", "juwon"),
    ("지민", "jimin"),
    ("하준", "hajun"),
    ("수아", "sua"),
    ("지호", "jiho"),
    ("지유", "jiyu"),
    ("준서", "junseo"),
    ("채원", "chaewon"),
    ("현우", "hyunwoo"),
    ("다은", "daeun"),
    ("건우", "gunwoo"),
    ("민서", "minseo"),
];
const PLANS: &[(&str, i64)] = &[
    ("베이직 월간 구독", 9_900),
    ("스탠다드 월간 구독", 19_900),
    ("프리미엄 월간 구독", 39_000),
    ("연간 구독", 99_000),
    ("정기배송 커피 원두", 24_500),
    ("필라테스 10회권", 250_000),
];
const COMPANIES: &[(&str, &str)] = &[
    ("361", "BC카드"),
    ("365", "삼성카드"),
    ("366", "신한카드"),
    ("367", "현대카드"),
    ("368", "롯데카드"),
    ("371", "NH카드"),
    ("374", "하나카드"),
    ("381", "KB국민카드"),
];
const DECLINES: &[&str] = &[
    "[3011] 잔액부족 - 결제 가능 잔액이 부족합니다.",
    "[3051] 한도초과 - 카드 사용 한도를 초과하였습니다.",
    "[3054] 유효기간 경과 카드입니다.",
    "[3041] 분실 또는 도난 신고된 카드입니다.",
];
const YEAR: i64 = 365 * 86_400;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = splitmix(self.0);
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

fn person(i: u64, seed: u64) -> (String, String, String, String, String) {
    let h = splitmix(seed ^ i.wrapping_mul(0xA24B_AED4_963E_E407));
    let (sk, se) = SURNAMES[(h % SURNAMES.len() as u64) as usize];
    let (gk, ge) = GIVEN[((h >> 8) % GIVEN.len() as u64) as usize];
    let tel = format!("010-{:04}-{:04}", (h >> 16) % 10_000, (h >> 32) % 10_000);
    let email = format!("{ge}.{se}{i}@example.kr");
    let masked = format!(
        "{}******{:04}",
        400_000 + (h >> 40) % 600_000,
        (h >> 20) % 10_000
    );
    (
        format!("{sk}{gk}"),
        tel,
        email,
        masked,
        format!("seed{seed}_cust_{i:06}"),
    )
}

pub fn seed(state: &AppState, req: &SeedRequest) -> ApiResult<SeedResult> {
    let started = std::time::Instant::now();
    let now = state.clock.now();
    let rest: Vec<_> = CHANNELS
        .iter()
        .filter(|c| c.kind == crate::pg::ChannelType::ApiPayment && !c.sandbox)
        .collect();
    let mut conn = state.store.lock();
    let tx = conn.transaction()?;
    for i in 0..req.customers {
        let (name, tel, email, masked, uid) = person(i, req.seed);
        let h = splitmix(req.seed ^ i);
        let ch = rest[(h % rest.len() as u64) as usize];
        let (code, cname) = COMPANIES[((h >> 12) % COMPANIES.len() as u64) as usize];
        let inserted = now - YEAR + (h >> 24) as i64 % YEAR;
        store::upsert_customer(
            &tx,
            &Customer {
                customer_uid: uid,
                pg_provider: ch.pg_provider.into(),
                pg_id: ch.pg_id.into(),
                sandbox: false,
                customer_id: None,
                card_name: cname.into(),
                card_code: Some(code.into()),
                card_issuer_code: None,
                card_issuer_name: None,
                card_publisher_code: None,
                card_publisher_name: None,
                card_number: Some(masked),
                card_type: Some(((h >> 30) % 2) as i64),
                customer_name: Some(name),
                customer_tel: Some(tel),
                customer_email: Some(email),
                customer_addr: None,
                customer_postcode: None,
                inserted,
                updated: inserted,
            },
        )?;
    }
    let set_aside = store::set_aside_payment_indexes(&tx)?;
    let first_id = store::next_payment_id(&tx)?;
    let mut rng = Rng(req.seed ^ 0x5EED);
    for n in 0..req.payments {
        let id = first_id + n as i64;
        let cust_i = rng.below(req.customers.max(1));
        let (name, tel, email, masked, uid) = person(cust_i, req.seed);
        let ch = rest[(splitmix(req.seed ^ cust_i) % rest.len() as u64) as usize];
        let (code, cname) =
            COMPANIES[((splitmix(req.seed ^ cust_i) >> 12) % COMPANIES.len() as u64) as usize];
        let (plan, amount) = PLANS[rng.below(PLANS.len() as u64) as usize];
        let started_at = now - YEAR + rng.below(YEAR as u64) as i64;
        let roll = rng.below(100);
        let imp_uid = store::imp_uid_for(id);
        let mut p = Payment {
            imp_uid: imp_uid.clone(),
            merchant_uid: format!("seed{}_order_{n:08}", req.seed),
            pay_method: "card".into(),
            channel: "api".into(),
            pg_provider: ch.pg_provider.into(),
            emb_pg_provider: None,
            pg_tid: Some(format!(
                "{}{:016}",
                ch.pg_id,
                rng.next() % 10_000_000_000_000_000
            )),
            pg_id: ch.pg_id.into(),
            sandbox: false,
            escrow: false,
            apply_num: None,
            bank_code: None,
            bank_name: None,
            card_code: Some(code.into()),
            card_name: Some(cname.into()),
            card_issuer_code: None,
            card_issuer_name: None,
            card_publisher_code: None,
            card_publisher_name: None,
            card_quota: 0,
            card_number: Some(masked),
            card_type: Some(0),
            vbank_code: None,
            vbank_name: None,
            vbank_num: None,
            vbank_holder: None,
            vbank_date: 0,
            vbank_issued_at: 0,
            name: Some(plan.into()),
            amount,
            cancel_amount: 0,
            currency: "KRW".into(),
            buyer_name: Some(name),
            buyer_email: Some(email),
            buyer_tel: Some(tel),
            buyer_addr: None,
            buyer_postcode: None,
            custom_data: None,
            user_agent: None,
            status: "paid".into(),
            started_at,
            paid_at: 0,
            failed_at: 0,
            cancelled_at: 0,
            fail_reason: None,
            cancel_reason: None,
            receipt_url: None,
            cancel_history: Vec::new(),
            cancel_receipt_urls: Vec::new(),
            cash_receipt_issued: false,
            customer_uid: Some(uid),
            customer_uid_usage: Some("payment".into()),
        };
        // 80% paid, 10% failed, 6% fully cancelled, 4% partially cancelled.
        let mut cancel: Option<(i64, i64)> = None;
        if roll < 10 {
            p.status = "failed".into();
            p.failed_at = started_at;
            p.fail_reason = Some(DECLINES[rng.below(DECLINES.len() as u64) as usize].into());
        } else {
            p.paid_at = started_at;
            p.apply_num = Some(format!("{:08}", rng.below(100_000_000)));
            p.receipt_url = Some(state.receipt_url(&imp_uid));
            if roll >= 90 {
                let at = (started_at + 3_600 + rng.below(7 * 86_400) as i64).min(now);
                let amt = if roll >= 96 { amount / 2 } else { amount };
                p.cancel_amount = amt;
                p.cancelled_at = at;
                p.cancel_reason = Some("고객 요청".into());
                if amt == amount {
                    p.status = "cancelled".into();
                }
                cancel = Some((amt, at));
            }
        }
        store::insert_payment(&tx, id, &p, 0, default_vat(amount, 0))?;
        if let Some((amt, at)) = cancel {
            tx.prepare_cached(
                "INSERT INTO cancel_history (payment_id, pg_tid, amount, tax_free, vat_amount, cancelled_at, reason, cancellation_id, receipt_url) VALUES (?1, ?2, ?3, 0, ?4, ?5, '고객 요청', ?6, NULL)",
            )?
            .execute(rusqlite::params![id, format!("{}c{id}", ch.pg_id), amt, default_vat(amt, 0), at, format!("cncl_seed_{id}")])?;
            tx.execute(
                "UPDATE payments SET cancel_vat = ?2 WHERE id = ?1",
                rusqlite::params![id, default_vat(amt, 0)],
            )?;
        }
    }
    set_aside.restore(&tx)?;
    tx.commit()?;
    Ok(SeedResult {
        customers: req.customers,
        payments: req.payments,
        millis: started.elapsed().as_millis(),
    })
}
