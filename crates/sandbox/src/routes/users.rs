//! `POST /users/getToken`, `GET /users/pg`, `GET /cards`.

use std::sync::Arc;

use crate::cards::CARD_CODES;
use crate::error::{ApiError, ApiResult};
use crate::pg::{CHANNELS, ChannelType};
use crate::routes::reply::{Reply, Req, ok};
use crate::state::AppState;
use crate::wire::{AuthAnnotation, PgSetting, StandardCode};

pub fn get_token(state: &Arc<AppState>, req: &Req<'_>) -> ApiResult<Reply> {
    let p = req.body_params()?;
    let key = p.opt_str("imp_key")?.unwrap_or_default();
    let secret = p.opt_str("imp_secret")?.unwrap_or_default();
    if key.is_empty() || secret.is_empty() {
        return Err(ApiError::unauthorized(
            "imp_key, imp_secret 파라메터가 누락되었습니다.",
        ));
    }
    if key != state.imp_key || secret != state.imp_secret {
        return Err(ApiError::unauthorized(
            "imp_key, imp_secret이 올바르지 않습니다.",
        ));
    }
    let now = state.clock.now();
    let tok = state.tokens.issue(now);
    ok(AuthAnnotation {
        access_token: tok.access_token,
        expired_at: tok.expired_at,
        now,
    })
}

pub fn pg_settings() -> ApiResult<Reply> {
    let list: Vec<PgSetting> = CHANNELS
        .iter()
        .map(|c| PgSetting {
            pg_provider: c.pg_provider.into(),
            pg_id: c.pg_id.into(),
            sandbox: c.sandbox,
            kind: match c.kind {
                ChannelType::ApiPayment => "api_payment".into(),
                ChannelType::Payment => "payment".into(),
            },
            channel_name: c.channel_name.into(),
            channel_key: c.channel_key.into(),
        })
        .collect();
    ok(list)
}

pub fn card_codes() -> ApiResult<Reply> {
    let list: Vec<StandardCode> = CARD_CODES
        .iter()
        .map(|(c, n)| StandardCode {
            code: (*c).into(),
            name: (*n).into(),
        })
        .collect();
    ok(list)
}
