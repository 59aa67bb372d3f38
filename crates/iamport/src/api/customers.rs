//! Billing keys: `/subscribe/customers`.

use reqwest::Method;

use crate::client::Client;
use crate::http::json_body;
use crate::models::{
    Customer, CustomerSchedulesQuery, DeleteBillingKey, IssueBillingKey, MultiGet, Page, Payment,
    SchedulePage,
};
use crate::{Error, Result, validate};

impl Client {
    /// `POST /subscribe/customers/{customer_uid}`: issue (or re-point) a billing key
    /// from card data.
    pub async fn issue_billing_key(
        &self,
        customer_uid: &str,
        request: &IssueBillingKey,
    ) -> Result<Customer> {
        validate::customer_uid(customer_uid)?;
        request.validate()?;
        let target = self.target(&["subscribe", "customers", customer_uid]);
        let body = json_body(request)?;
        self.send(Method::POST, &target, Some(body)).await
    }

    /// `GET /subscribe/customers/{customer_uid}`: one billing key.
    pub async fn get_billing_key(&self, customer_uid: &str) -> Result<Customer> {
        validate::customer_uid(customer_uid)?;
        let target = self.target(&["subscribe", "customers", customer_uid]);
        self.get(&target).await
    }

    /// `DELETE /subscribe/customers/{customer_uid}`: delete a key for good. Pending
    /// schedules on it are not documented to be revoked: unschedule them first.
    pub async fn delete_billing_key(
        &self,
        customer_uid: &str,
        request: &DeleteBillingKey,
    ) -> Result<Customer> {
        validate::customer_uid(customer_uid)?;
        let mut target = self.target(&["subscribe", "customers", customer_uid]);
        target
            .query_opt("reason", request.reason.as_deref())
            .query_opt("extra[requester]", request.requester.map(|r| r.as_str()));
        self.send(Method::DELETE, &target, None).await
    }

    /// `GET /subscribe/customers?customer_uid[]=…`: several keys at once. Keys that do
    /// not exist are listed in `missing` (the server answers 207 for some, 404 for
    /// all).
    pub async fn get_billing_keys<S: AsRef<str>>(
        &self,
        customer_uids: &[S],
    ) -> Result<MultiGet<Customer>> {
        if customer_uids.is_empty() || customer_uids.len() > validate::MULTI_GET_MAX {
            return Err(Error::invalid(
                "customer_uid",
                format!("ask for 1 to {} keys", validate::MULTI_GET_MAX),
            ));
        }
        let mut target = self.target(&["subscribe", "customers"]);
        for uid in customer_uids {
            validate::customer_uid(uid.as_ref())?;
            target.query("customer_uid[]", uid.as_ref());
        }
        let found: Vec<Customer> = match self.get(&target).await {
            Ok(found) => found,
            Err(Error::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(e),
        };
        let missing = customer_uids
            .iter()
            .map(AsRef::as_ref)
            .filter(|uid| !found.iter().any(|c| c.customer_uid == *uid))
            .map(str::to_owned)
            .collect();
        Ok(MultiGet { found, missing })
    }

    /// `GET /subscribe/customers/{customer_uid}/payments`: payments made with a key,
    /// newest first, 20 per page.
    pub async fn billing_key_payments(
        &self,
        customer_uid: &str,
        page: Option<u32>,
    ) -> Result<Page<Payment>> {
        validate::customer_uid(customer_uid)?;
        validate::page(page)?;
        let mut target = self.target(&["subscribe", "customers", customer_uid, "payments"]);
        target.query_opt("page", page);
        self.get(&target).await
    }

    /// `GET /subscribe/customers/{customer_uid}/schedules`: a key's schedules in a
    /// window of `schedule_at` (at most 3 months).
    pub async fn billing_key_schedules(
        &self,
        customer_uid: &str,
        query: &CustomerSchedulesQuery,
    ) -> Result<Page<crate::models::Schedule>> {
        self.customer_schedules_at(
            &["subscribe", "customers", customer_uid, "schedules"],
            customer_uid,
            query,
        )
        .await
    }

    /// `GET /subscribe/payments/schedule/customers/{customer_uid}`: the same list
    /// through the path the spec files under schedules.
    pub async fn schedules_by_customer(
        &self,
        customer_uid: &str,
        query: &CustomerSchedulesQuery,
    ) -> Result<Page<crate::models::Schedule>> {
        self.customer_schedules_at(
            &[
                "subscribe",
                "payments",
                "schedule",
                "customers",
                customer_uid,
            ],
            customer_uid,
            query,
        )
        .await
    }

    async fn customer_schedules_at(
        &self,
        path: &[&str],
        customer_uid: &str,
        query: &CustomerSchedulesQuery,
    ) -> Result<Page<crate::models::Schedule>> {
        validate::customer_uid(customer_uid)?;
        validate::window(query.from, query.to)?;
        validate::page(query.page)?;
        let mut target = self.target(path);
        target
            .query("from", &query.from.to_string())
            .query("to", &query.to.to_string())
            .query_opt("page", query.page)
            // Hyphenated here, underscored on the window list: the spec's names.
            .query_opt("schedule-status", query.status.as_ref().map(|s| s.as_str()));
        Ok(self.get::<SchedulePage>(&target).await?.0)
    }
}
