//! Scheduled charges: `/subscribe/payments/schedule…`.

use reqwest::Method;
use serde::Serialize;

use super::paid_or_error;
use crate::client::Client;
use crate::http::json_body;
use crate::models::{
    Page, Payment, Schedule, SchedulePage, ScheduleRequest, ScheduleWindowQuery, UnscheduleRequest,
};
use crate::{Error, Result, validate};

#[derive(Serialize)]
struct ScheduleAt {
    schedule_at: i64,
}

impl Client {
    /// `POST /subscribe/payments/schedule`: register future charges on a key (issuing
    /// it from card data first if the request carries some). Returns the created
    /// schedules. Never retried automatically: after a lost answer, look each entry up
    /// with [`Client::get_schedule`].
    pub async fn schedule(&self, request: &ScheduleRequest) -> Result<Vec<Schedule>> {
        request.validate()?;
        let target = self.target(&["subscribe", "payments", "schedule"]);
        let body = json_body(request)?;
        Ok(self
            .send::<SchedulePage>(Method::POST, &target, Some(body))
            .await?
            .0
            .list)
    }

    /// `POST /subscribe/payments/unschedule`: revoke pending schedules. Returns the
    /// revoked ones; nothing to revoke is a [`Error::Rejected`].
    pub async fn unschedule(&self, request: &UnscheduleRequest) -> Result<Vec<Schedule>> {
        request.validate()?;
        let target = self.target(&["subscribe", "payments", "unschedule"]);
        let body = json_body(request)?;
        Ok(self
            .send::<SchedulePage>(Method::POST, &target, Some(body))
            .await?
            .0
            .list)
    }

    /// `GET /subscribe/payments/schedule`: every key's schedules in a window of
    /// `schedule_at` (at most 3 months).
    pub async fn schedules_in_window(&self, query: &ScheduleWindowQuery) -> Result<Page<Schedule>> {
        validate::window(query.from, query.to)?;
        validate::page(query.page)?;
        validate::limit(query.limit)?;
        let mut target = self.target(&["subscribe", "payments", "schedule"]);
        target
            .query("schedule_from", &query.from.to_string())
            .query("schedule_to", &query.to.to_string())
            .query_opt("schedule_status", query.status.as_ref().map(|s| s.as_str()))
            .query_opt("page", query.page)
            .query_opt("limit", query.limit)
            .query_opt("sorting", query.oldest_first.then_some("scheduled"));
        Ok(self.get::<SchedulePage>(&target).await?.0)
    }

    /// `GET /subscribe/payments/schedule/{merchant_uid}`: one schedule.
    pub async fn get_schedule(&self, merchant_uid: &str) -> Result<Schedule> {
        validate::merchant_uid(merchant_uid)?;
        self.get(&self.target(&["subscribe", "payments", "schedule", merchant_uid]))
            .await
    }

    /// `PUT /subscribe/payments/schedule/{merchant_uid}`: move a pending schedule.
    /// Only the time can change; to change the amount, unschedule and schedule anew
    /// with a new `merchant_uid`.
    pub async fn update_schedule(&self, merchant_uid: &str, schedule_at: i64) -> Result<Schedule> {
        validate::merchant_uid(merchant_uid)?;
        check_time(schedule_at)?;
        let target = self.target(&["subscribe", "payments", "schedule", merchant_uid]);
        let body = json_body(&ScheduleAt { schedule_at })?;
        self.send(Method::PUT, &target, Some(body)).await
    }

    /// `POST /subscribe/payments/schedule/{merchant_uid}/reschedule`: re-arm a failed
    /// or revoked schedule at a new time, keeping its `merchant_uid`.
    pub async fn reschedule(&self, merchant_uid: &str, schedule_at: i64) -> Result<Schedule> {
        validate::merchant_uid(merchant_uid)?;
        check_time(schedule_at)?;
        let target = self.target(&[
            "subscribe",
            "payments",
            "schedule",
            merchant_uid,
            "reschedule",
        ]);
        let body = json_body(&ScheduleAt { schedule_at })?;
        self.send(Method::POST, &target, Some(body)).await
    }

    /// `POST /subscribe/payments/schedule/{merchant_uid}/retry`: charge a failed or
    /// revoked schedule now. A charge: `Ok` only when paid, as
    /// [`Client::charge_again`].
    pub async fn retry_schedule(&self, merchant_uid: &str) -> Result<Payment> {
        validate::merchant_uid(merchant_uid)?;
        let target = self.target(&["subscribe", "payments", "schedule", merchant_uid, "retry"]);
        paid_or_error(self.send(Method::POST, &target, None).await?)
    }
}

fn check_time(schedule_at: i64) -> Result<()> {
    if schedule_at <= 0 {
        return Err(Error::invalid("schedule_at", "must be a unix time"));
    }
    Ok(())
}
