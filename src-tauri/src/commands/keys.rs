//! Billing keys: the issuance form, issuing, deleting, verifying, importing.

use serde::Serialize;
use specta::Type;
use subdesk_billing::mirror::sync::{
    CancelToken, SyncProgress, VerifyReport, VerifyScope, verify_keys,
};
use subdesk_billing::registry::keys::{self, IssueKeyInput, RestPgRule};
use subdesk_billing::{Customer, ImportChoice, ImportFormat};
use subdesk_desk::keys::FirstCharge;
use subdesk_iamport::PgSettingType;
use tauri::State;
use tauri::ipc::Channel;

use subdesk_profiles::ActionKind;

use super::with_session;
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// A configured PG channel that can issue keys over REST.
#[derive(Debug, Clone, Serialize, Type)]
pub struct KeyChannel {
    /// The `pg` value to send: `{pg_provider}.{pg_id}`.
    pub pg: String,
    pub pg_provider: String,
    pub pg_id: String,
    pub channel_name: Option<String>,
    pub sandbox: bool,
    /// Sent with `pg` on key issuance (`GET /users/pg`'s `channel_key`).
    pub channel_key: Option<String>,
}

/// What the issuance form needs: the channels it may offer and each PG's rules.
#[derive(Debug, Clone, Serialize, Type)]
pub struct KeyForm {
    pub channels: Vec<KeyChannel>,
    pub rules: Vec<RestPgRule>,
    pub suggested_customer_uid: String,
}

/// Only the REST (`api_payment`) channels of PGs that issue keys over REST are offered:
/// the account's own configuration (`GET /users/pg`) intersected with the PG rules.
#[tauri::command]
#[specta::specta]
pub async fn key_form(state: State<'_, AppState>) -> IpcResult<KeyForm> {
    let session = state.desk.session_for(ActionKind::Read)?;
    let rules = keys::rest_pg_rules();
    let settings = session.client()?.pg_settings().await?;
    let channels = settings
        .into_iter()
        .filter(|c| c.kind == Some(PgSettingType::ApiPayment))
        .filter(|c| rules.iter().any(|r| r.pg_provider == c.pg_provider))
        .map(|c| KeyChannel {
            pg: format!("{}.{}", c.pg_provider, c.pg_id),
            pg_provider: c.pg_provider,
            pg_id: c.pg_id,
            channel_name: c.channel_name,
            sandbox: c.sandbox,
            channel_key: c.channel_key,
        })
        .collect();
    Ok(KeyForm {
        channels,
        rules,
        suggested_customer_uid: keys::new_customer_uid(subdesk_billing::now()),
    })
}

/// A fresh generated customer_uid for the form's "generate" button.
#[tauri::command]
#[specta::specta]
pub fn new_customer_uid() -> String {
    keys::new_customer_uid(subdesk_billing::now())
}

/// What is wrong with a customer_uid typed into a form (the PG guide's code generator),
/// by the rule the registry applies; None when it is fine.
#[tauri::command]
#[specta::specta]
pub fn customer_uid_problem(
    uid: String,
) -> Option<subdesk_billing::registry::import::ImportProblem> {
    subdesk_billing::registry::import::customer_uid_problem(&uid)
}

/// What a charge of this key needs beyond amount and name (KSNET's kind of goods).
#[tauri::command]
#[specta::specta]
pub async fn charge_needs(
    state: State<'_, AppState>,
    customer_uid: String,
) -> IpcResult<subdesk_desk::keys::ChargeNeeds> {
    let session = state.desk.session_for(ActionKind::Read)?;
    subdesk_desk::keys::charge_needs(&session, &customer_uid)
}

/// Issues a key from card data. Every field problem comes back at once as
/// `invalid_form` with `details.problems`, and then nothing is sent.
#[tauri::command]
#[specta::specta]
pub async fn issue_key(state: State<'_, AppState>, input: IssueKeyInput) -> IpcResult<Customer> {
    subdesk_desk::keys::check_issue(&input, None)?;
    let session = state.desk.session_for(ActionKind::Mutate)?;
    subdesk_desk::keys::issue_key(&session, input).await
}

/// Issues a key together with a first charge: the key is kept only if the charge is paid.
/// Field problems (the card's and the charge's) come back as `invalid_form`, nothing sent.
#[tauri::command]
#[specta::specta]
pub async fn issue_key_with_charge(
    state: State<'_, AppState>,
    input: IssueKeyInput,
    charge: FirstCharge,
) -> IpcResult<subdesk_billing::ChargeResult> {
    subdesk_desk::keys::check_issue(&input, Some(&charge))?;
    let session = state.desk.session_for(ActionKind::MoveMoney)?;
    subdesk_desk::keys::issue_key_with_charge(&session, input, charge).await
}

/// Checks the given keys (or every key when empty) against PortOne, reporting progress.
#[tauri::command]
#[specta::specta]
pub async fn verify_keys_now(
    state: State<'_, AppState>,
    customer_uids: Vec<String>,
    on_progress: Channel<SyncProgress>,
) -> IpcResult<VerifyReport> {
    let session = state.desk.session_for(ActionKind::Read)?;
    let scope = if customer_uids.is_empty() {
        VerifyScope::All
    } else {
        VerifyScope::Uids(customer_uids)
    };
    let progress = move |p: &SyncProgress| {
        let _ = on_progress.send(p.clone());
    };
    Ok(verify_keys(
        &session.store,
        session.client()?,
        scope,
        &progress,
        &CancelToken::new(),
    )
    .await?)
}

/// Step one of an import: parse and check a pasted list or CSV text, write nothing.
#[tauri::command]
#[specta::specta]
pub async fn plan_import(
    state: State<'_, AppState>,
    text: String,
) -> IpcResult<crate::state::PlannedImport> {
    subdesk_desk::files::check_text_size(&text)?;
    let session = state.desk.session_for(ActionKind::Read)?;
    let profile_id = session.profile.id.clone();
    let plan = with_session(&state, move |s| {
        s.store.plan_import(&text, ImportFormat::Auto)
    })
    .await?;
    state.hold_import(profile_id, plan)
}

/// A file chosen for an import, read and checked: step one, from a file.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PickedImport {
    /// The file's name (no folder).
    pub file_name: String,
    /// Decoded from CP949 (Korean Excel's CSV), not UTF-8.
    pub was_cp949: bool,
    pub planned: crate::state::PlannedImport,
}

/// Lets the person choose a CSV in the system's file dialog, reads it in Rust (size cap,
/// UTF-8 or CP949) and plans the import. None when the dialog was cancelled. The path
/// never comes from the webview, so a page cannot make Subdesk read a file of its
/// choosing.
#[tauri::command]
#[specta::specta]
pub async fn pick_import_file(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> IpcResult<Option<PickedImport>> {
    let Some(path) = crate::dialogs::pick_csv(&app).await? else {
        return Ok(None);
    };
    let file = tauri::async_runtime::spawn_blocking(move || subdesk_desk::files::read_csv(&path))
        .await
        .map_err(|e| IpcError::internal(format!("background task failed: {e}")))??;
    let (file_name, was_cp949) = (file.name, file.was_cp949);
    let profile_id = state.desk.session_for(ActionKind::Read)?.profile.id.clone();
    let plan = with_session(&state, move |s| {
        s.store.plan_import(&file.text, ImportFormat::Auto)
    })
    .await?;
    Ok(Some(PickedImport {
        file_name,
        was_cp949,
        planned: state.hold_import(profile_id, plan)?,
    }))
}

/// Step two: import nothing, or only the good rows of the plan held under `plan_id`, then
/// verify them against PortOne. A plan is applied once, on the profile it was read for.
#[tauri::command]
#[specta::specta]
pub async fn apply_import(
    state: State<'_, AppState>,
    plan_id: u32,
    choice: ImportChoice,
    on_progress: Channel<SyncProgress>,
) -> IpcResult<subdesk_desk::keys::ImportOutcome> {
    let session = state.desk.session_for(ActionKind::Mutate)?;
    let held = state.take_import(plan_id, &session.profile.id)?;
    let progress = move |p: &SyncProgress| {
        let _ = on_progress.send(p.clone());
    };
    // The client for the check: a keyring that cannot be read fails the check, not the
    // import.
    let client = session.client().cloned();
    let applied = subdesk_desk::keys::apply_import(
        &session,
        &held.plan,
        choice,
        client.as_ref().ok(),
        &progress,
    )
    .await;
    match applied {
        Ok(mut outcome) => {
            if let (Err(e), true) = (client, outcome.result.imported > 0) {
                outcome.verify_error = Some(e);
            }
            Ok(outcome)
        }
        Err(e) => {
            // Nothing was imported: the same plan can be tried again.
            state.return_import(held);
            Err(e)
        }
    }
}

/// A PG channel configured on the profile's account, as `GET /users/pg` reports it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PgChannelView {
    pub pg_provider: String,
    pub pg_id: String,
    /// `payment` (browser window), `api_payment` (REST), `certification`, or what the API sent.
    pub kind: String,
    pub channel_name: Option<String>,
    pub sandbox: bool,
    /// A REST channel of a PG Subdesk issues keys on (Rust's rules): `key` (alone or with
    /// a first charge) or `first_charge_only`; None otherwise (windows included).
    pub rest_issue: Option<String>,
    /// The PG guide's row for that REST issuance, when the guide has one.
    pub guide_entry: Option<String>,
}

/// Every channel of the profile's account, for the PG guide's readiness view.
#[tauri::command]
#[specta::specta]
pub async fn pg_channels(state: State<'_, AppState>) -> IpcResult<Vec<PgChannelView>> {
    let session = state.desk.session_for(ActionKind::Read)?;
    let settings = session.client()?.pg_settings().await?;
    Ok(settings
        .into_iter()
        .map(|c| {
            let rest = (c.kind == Some(PgSettingType::ApiPayment))
                .then(|| keys::rest_readiness(&c.pg_provider))
                .flatten();
            PgChannelView {
                rest_issue: rest.as_ref().map(|(k, _)| (*k).to_owned()),
                guide_entry: rest.and_then(|(_, e)| e),
                kind: match &c.kind {
                    Some(PgSettingType::Payment) => "payment".to_owned(),
                    Some(PgSettingType::ApiPayment) => "api_payment".to_owned(),
                    Some(PgSettingType::Certification) => "certification".to_owned(),
                    Some(other) => format!("{other:?}"),
                    None => "unknown".to_owned(),
                },
                pg_provider: c.pg_provider,
                pg_id: c.pg_id,
                channel_name: c.channel_name,
                sandbox: c.sandbox,
            }
        })
        .collect())
}

/// A sandbox test card, for the table shown on the sandbox profile.
#[derive(Debug, Clone, Serialize, Type)]
pub struct TestCardView {
    pub number: String,
    pub behaviour: String,
    pub fail_reason: Option<String>,
    pub card_name: String,
    pub description_ko: String,
    pub description_en: String,
}

#[tauri::command]
#[specta::specta]
pub fn sandbox_test_cards() -> Vec<TestCardView> {
    subdesk_sandbox::TEST_CARDS
        .iter()
        .map(|c| TestCardView {
            number: c.number.to_owned(),
            behaviour: format!("{:?}", c.behaviour).to_lowercase(),
            fail_reason: c.fail_reason.map(str::to_owned),
            card_name: c.card_name.to_owned(),
            description_ko: c.description_ko.to_owned(),
            description_en: c.description_en.to_owned(),
        })
        .collect()
}
