//! Payments: lookups, lists, cancel, balance.

use reqwest::Method;

use crate::client::Client;
use crate::http::json_body;
use crate::models::payment::status_segment;
use crate::models::{
    CancelRequest, Page, Payment, PaymentBalance, PaymentListQuery, PaymentStatus, PaymentsByIds,
    PaymentsByStatusQuery, Sorting,
};
use crate::{Error, Result, validate};

impl Client {
    /// `GET /payments/{imp_uid}`. Payments on test channels are hidden unless
    /// `include_sandbox` is true.
    pub async fn get_payment(&self, imp_uid: &str, include_sandbox: bool) -> Result<Payment> {
        validate::imp_uid(imp_uid)?;
        let mut target = self.target(&["payments", imp_uid]);
        if include_sandbox {
            target.query("include_sandbox", "true");
        }
        self.get(&target).await
    }

    /// `GET /payments?imp_uid[]=…&merchant_uid[]=…`: up to 100 payments at once.
    /// Ids that matched nothing are listed as missing (207 for some, 404 for all).
    pub async fn get_payments<A: AsRef<str>, B: AsRef<str>>(
        &self,
        imp_uids: &[A],
        merchant_uids: &[B],
    ) -> Result<PaymentsByIds> {
        let n = imp_uids.len() + merchant_uids.len();
        if n == 0 || n > validate::MULTI_GET_MAX {
            return Err(Error::invalid(
                "imp_uid",
                format!("ask for 1 to {} payments", validate::MULTI_GET_MAX),
            ));
        }
        let mut target = self.target(&["payments"]);
        for id in imp_uids {
            validate::imp_uid(id.as_ref())?;
            target.query("imp_uid[]", id.as_ref());
        }
        for id in merchant_uids {
            validate::merchant_uid(id.as_ref())?;
            target.query("merchant_uid[]", id.as_ref());
        }
        let found: Vec<Payment> = match self.get(&target).await {
            Ok(found) => found,
            Err(Error::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(e),
        };
        let missing = |ids: Vec<&str>, key: fn(&Payment) -> &str| -> Vec<String> {
            ids.into_iter()
                .filter(|id| !found.iter().any(|p| key(p) == *id))
                .map(str::to_owned)
                .collect()
        };
        let missing_imp_uids =
            missing(imp_uids.iter().map(AsRef::as_ref).collect(), |p| &p.imp_uid);
        let missing_merchant_uids =
            missing(merchant_uids.iter().map(AsRef::as_ref).collect(), |p| {
                &p.merchant_uid
            });
        Ok(PaymentsByIds {
            found,
            missing_imp_uids,
            missing_merchant_uids,
        })
    }

    /// `GET /payments/find/{merchant_uid}[/{payment_status}]`: the newest payment (by
    /// `sorting`) with this order id — how a charge with a lost answer is resolved.
    /// [`Error::NotFound`] means no payment was made with it.
    pub async fn find_payment(
        &self,
        merchant_uid: &str,
        status: Option<PaymentStatus>,
        sorting: Option<Sorting>,
    ) -> Result<Payment> {
        validate::merchant_uid(merchant_uid)?;
        let mut target = match &status {
            Some(s) => self.target(&["payments", "find", merchant_uid, status_segment(s)?]),
            None => self.target(&["payments", "find", merchant_uid]),
        };
        if let Some(Sorting::Other(_)) = sorting {
            return Err(Error::invalid("sorting", "unknown sorting"));
        }
        target.query_opt("sorting", sorting.as_ref().map(|s| s.as_str()));
        self.get(&target).await
    }

    /// `GET /payments/findAll/{merchant_uid}[/{payment_status}]`: every payment with
    /// this order id (failed attempts and the final one).
    pub async fn find_all_payments(
        &self,
        merchant_uid: &str,
        status: Option<PaymentStatus>,
        query: &PaymentListQuery,
    ) -> Result<Page<Payment>> {
        validate::merchant_uid(merchant_uid)?;
        query.validate()?;
        let mut target = match &status {
            Some(s) => self.target(&["payments", "findAll", merchant_uid, status_segment(s)?]),
            None => self.target(&["payments", "findAll", merchant_uid]),
        };
        list_params(&mut target, query);
        self.get(&target).await
    }

    /// `GET /payments/status/{payment_status}`: payments by status in a time window
    /// (at most 90 days), paged.
    pub async fn payments_by_status(&self, query: &PaymentsByStatusQuery) -> Result<Page<Payment>> {
        query.list.validate()?;
        if let (Some(from), Some(to)) = (query.from, query.to)
            && to < from
        {
            return Err(Error::invalid("to", "must not be before from"));
        }
        let segment = match &query.status {
            Some(s) => status_segment(s)?,
            None => "all",
        };
        let mut target = self.target(&["payments", "status", segment]);
        target
            .query_opt("from", query.from)
            .query_opt("to", query.to);
        list_params(&mut target, &query.list);
        self.get(&target).await
    }

    /// `POST /payments/cancel`: full or partial refund. Send `checksum` so that a
    /// replayed cancel is refused instead of refunding twice. Never retried
    /// automatically.
    pub async fn cancel_payment(&self, request: &CancelRequest) -> Result<Payment> {
        request.validate()?;
        let target = self.target(&["payments", "cancel"]);
        let body = json_body(request)?;
        self.send(Method::POST, &target, Some(body)).await
    }

    /// `GET /payments/{imp_uid}/balance`: what remains of a payment, by component.
    pub async fn payment_balance(&self, imp_uid: &str) -> Result<PaymentBalance> {
        validate::imp_uid(imp_uid)?;
        self.get(&self.target(&["payments", imp_uid, "balance"]))
            .await
    }
}

fn list_params(target: &mut crate::http::Target, q: &PaymentListQuery) {
    target
        .query_opt("page", q.page)
        .query_opt("limit", q.limit)
        .query_opt("sorting", q.sorting.as_ref().map(|s| s.as_str()));
}
