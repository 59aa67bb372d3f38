//! The settlement and VAT figures of a period, per PG and in total, from the mirror:
//! card sales (payments paid in the period), their cancellations (each cancel in the
//! period, from i'mport's `cancel_history`, so a refund in a later month counts in that
//! month), the net, the taxable and tax-free parts and the VAT — what an accountant
//! takes for the 부가세 return.
//!
//! The tax-free part of a sale is the one Subdesk sent with the charge (from its
//! journal); a payment Subdesk did not charge (a website's payment window, a schedule
//! registered elsewhere) is counted fully taxable and marked `estimated`, since i'mport's
//! payment answer does not carry it. A cancel takes the payment's tax-free share in
//! proportion to its amount. VAT is i'mport's rule per payment: the VAT Subdesk sent, else
//! round((amount − tax-free) / 11).

use std::collections::BTreeMap;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::money::charge::vat_of;
use crate::store::db::Store;

/// The kind of sale (매출유형) a payment method is on the 부가세 return: card slips, easy
/// pays, transfers, virtual accounts, phone bills, and what else i'mport names.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SalesType {
    Card,
    EasyPay,
    Transfer,
    VirtualAccount,
    Phone,
    Other,
}

impl SalesType {
    pub const ALL: [SalesType; 6] = [
        SalesType::Card,
        SalesType::EasyPay,
        SalesType::Transfer,
        SalesType::VirtualAccount,
        SalesType::Phone,
        SalesType::Other,
    ];

    /// The sales type of i'mport's `pay_method`.
    pub fn of(pay_method: Option<&str>) -> SalesType {
        match pay_method.unwrap_or_default() {
            "card" => SalesType::Card,
            "kakaopay" | "naverpay" | "payco" | "tosspay" | "samsung" | "ssgpay" | "lpay"
            | "applepay" | "kpay" | "chai" | "paypal" | "toss_brandpay" => SalesType::EasyPay,
            "trans" => SalesType::Transfer,
            "vbank" => SalesType::VirtualAccount,
            "phone" => SalesType::Phone,
            _ => SalesType::Other,
        }
    }

    /// The type's name on a Korean or an English sheet.
    pub fn label(self, ko: bool) -> &'static str {
        match (self, ko) {
            (SalesType::Card, true) => "신용카드",
            (SalesType::EasyPay, true) => "간편결제",
            (SalesType::Transfer, true) => "계좌이체",
            (SalesType::VirtualAccount, true) => "가상계좌",
            (SalesType::Phone, true) => "휴대폰",
            (SalesType::Other, true) => "기타",
            (SalesType::Card, false) => "Credit card",
            (SalesType::EasyPay, false) => "Easy pay",
            (SalesType::Transfer, false) => "Bank transfer",
            (SalesType::VirtualAccount, false) => "Virtual account",
            (SalesType::Phone, false) => "Phone bill",
            (SalesType::Other, false) => "Other",
        }
    }
}

/// The figures of one PG (or of all, in `total`), whole won.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SettlementLine {
    /// `pg_provider`; empty for payments without one, and for the total.
    pub pg_provider: String,
    /// The line's 매출유형, when the settlement was asked per sales type (None in the total).
    pub sales_type: Option<SalesType>,
    pub sales_count: i64,
    pub sales_amount: i64,
    pub sales_tax_free: i64,
    pub sales_vat: i64,
    pub cancel_count: i64,
    pub cancel_amount: i64,
    pub cancel_tax_free: i64,
    pub cancel_vat: i64,
    pub net_amount: i64,
    pub net_tax_free: i64,
    pub net_vat: i64,
    /// Sales whose tax-free part Subdesk did not send: counted fully taxable.
    pub estimated_count: i64,
}

impl SettlementLine {
    fn add(&mut self, o: &SettlementLine) {
        self.sales_count += o.sales_count;
        self.sales_amount += o.sales_amount;
        self.sales_tax_free += o.sales_tax_free;
        self.sales_vat += o.sales_vat;
        self.cancel_count += o.cancel_count;
        self.cancel_amount += o.cancel_amount;
        self.cancel_tax_free += o.cancel_tax_free;
        self.cancel_vat += o.cancel_vat;
        self.estimated_count += o.estimated_count;
        self.net();
    }

    fn net(&mut self) {
        self.net_amount = self.sales_amount - self.cancel_amount;
        self.net_tax_free = self.sales_tax_free - self.cancel_tax_free;
        self.net_vat = self.sales_vat - self.cancel_vat;
    }
}

/// A period's settlement: one line per PG (by name), and the total.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Settlement {
    /// Unix seconds, inclusive.
    pub from: i64,
    /// Unix seconds, exclusive.
    pub to: i64,
    pub lines: Vec<SettlementLine>,
    pub total: SettlementLine,
    /// The lines are per PG and sales type (매출유형).
    pub by_sales_type: bool,
}

/// The charge Subdesk sent for a payment (one per order id: the journal's unique index),
/// joined to read the tax-free part and VAT it sent.
const SENT_CHARGE: &str = "LEFT JOIN journal j ON j.merchant_uid = p.merchant_uid
       AND j.op IN ('charge_again', 'charge_onetime') AND j.state IN ('succeeded', 'resolved')";

impl Store {
    /// The settlement of [from, to) in KRW payments, one line per PG.
    pub fn settlement(&self, from: i64, to: i64) -> Result<Settlement> {
        self.settlement_by(from, to, false)
    }

    /// The settlement of [from, to) in KRW payments: one line per PG, or with
    /// `by_sales_type` per PG and sales type (매출유형, from the payment method).
    pub fn settlement_by(&self, from: i64, to: i64, by_sales_type: bool) -> Result<Settlement> {
        let kind = |method: Option<String>| by_sales_type.then(|| SalesType::of(method.as_deref()));
        self.read(|c| {
            let mut by_pg: BTreeMap<(String, Option<SalesType>), SettlementLine> = BTreeMap::new();
            // Sales: payments paid in the period (cancelled ones too: their cancel is
            // counted where it happened).
            let mut stmt = c.prepare(&format!(
                "SELECT coalesce(p.pg_provider, ''), p.amount,
                        json_extract(j.request_json, '$.details.tax_free'),
                        json_extract(j.request_json, '$.details.vat_amount'),
                        j.id IS NOT NULL, p.pay_method
                 FROM payments p {SENT_CHARGE}
                 WHERE p.currency = 'KRW' AND p.paid_at >= ?1 AND p.paid_at < ?2"
            ))?;
            let mut rows = stmt.query(params![from, to])?;
            while let Some(r) = rows.next()? {
                let pg: String = r.get(0)?;
                let amount: i64 = r.get(1)?;
                let tax_free: Option<i64> = r.get(2)?;
                let vat: Option<i64> = r.get(3)?;
                let sent: bool = r.get(4)?;
                let line = by_pg.entry((pg, kind(r.get(5)?))).or_default();
                let tax_free = tax_free.unwrap_or(0).clamp(0, amount);
                line.sales_count += 1;
                line.sales_amount += amount;
                line.sales_tax_free += tax_free;
                line.sales_vat += vat.unwrap_or_else(|| vat_of(amount, tax_free));
                if !sent {
                    line.estimated_count += 1;
                }
            }
            // Cancels: each entry of i'mport's cancel history dated in the period.
            let mut stmt = c.prepare(&format!(
                "SELECT coalesce(p.pg_provider, ''), p.amount,
                        CAST(json_extract(h.value, '$.amount') AS INTEGER),
                        json_extract(j.request_json, '$.details.tax_free'), p.pay_method
                 FROM payments p {SENT_CHARGE}, json_each(p.raw_json, '$.cancel_history') h
                 WHERE p.currency = 'KRW' AND p.cancelled_at >= ?1 AND json_valid(p.raw_json)
                   AND CAST(json_extract(h.value, '$.cancelled_at') AS INTEGER) >= ?1
                   AND CAST(json_extract(h.value, '$.cancelled_at') AS INTEGER) < ?2"
            ))?;
            let mut rows = stmt.query(params![from, to])?;
            while let Some(r) = rows.next()? {
                let pg: String = r.get(0)?;
                let amount: i64 = r.get(1)?;
                let cancelled: i64 = r.get::<_, Option<i64>>(2)?.unwrap_or(0).clamp(0, amount);
                let tax_free: i64 = r.get::<_, Option<i64>>(3)?.unwrap_or(0).clamp(0, amount);
                // The cancel's share of the payment's tax-free part.
                let cancel_tax_free = if amount > 0 {
                    ((i128::from(tax_free) * i128::from(cancelled)) / i128::from(amount)) as i64
                } else {
                    0
                };
                let line = by_pg.entry((pg, kind(r.get(4)?))).or_default();
                line.cancel_count += 1;
                line.cancel_amount += cancelled;
                line.cancel_tax_free += cancel_tax_free;
                line.cancel_vat += vat_of(cancelled, cancel_tax_free);
            }
            let mut total = SettlementLine::default();
            let lines: Vec<SettlementLine> = by_pg
                .into_iter()
                .map(|((pg, sales_type), mut line)| {
                    line.pg_provider = pg;
                    line.sales_type = sales_type;
                    line.net();
                    total.add(&line);
                    line
                })
                .collect();
            Ok(Settlement {
                from,
                to,
                lines,
                total,
                by_sales_type,
            })
        })
    }
}
