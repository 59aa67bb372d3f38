//! Billing-key issuance over REST, as both front ends run it: every problem of the form
//! at once before anything is sent (the card's and a first charge's), then the request.

use subdesk_billing::registry::keys::{self, FieldProblem, IssueKeyInput};
use subdesk_billing::{ChargeResult, Customer};

use crate::error::{IpcError, IpcResult};
use crate::session::Session;

/// The optional first charge of an issuance.
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FirstCharge {
    /// Whole won.
    pub amount: i64,
    pub name: String,
    /// The total the user confirmed (required on live profiles).
    pub confirmed_total: Option<i64>,
}

/// Every problem of the key form and of its first charge, if any: `invalid_form` with
/// `details.problems` (each a field and a code), or Ok when there is nothing to fix.
pub fn check_issue(input: &IssueKeyInput, charge: Option<&FirstCharge>) -> IpcResult<()> {
    let mut problems: Vec<FieldProblem> = keys::validate_issue(input, subdesk_billing::now());
    match charge {
        Some(c) => problems.extend(keys::validate_first_charge(input, c.amount, &c.name)),
        None => problems.extend(keys::validate_key_only(input)),
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(IpcError::invalid_form(&problems, "sent"))
}

/// What a charge of a key needs beyond amount and name, for the charge and schedule
/// forms: the kind of goods where its PG wants one (KSNET), and the one kept with it.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChargeNeeds {
    pub product_type_required: bool,
    pub product_type: Option<subdesk_billing::ProductType>,
}

pub fn charge_needs(session: &Session, customer_uid: &str) -> IpcResult<ChargeNeeds> {
    let customer = session.store.get_customer(customer_uid)?;
    Ok(ChargeNeeds {
        product_type_required: customer
            .pg_provider
            .as_deref()
            .is_some_and(keys::product_type_required),
        product_type: session.store.key_product_type(customer_uid)?,
    })
}

/// The channel key of the channel `pg` (`{provider}.{MID}`) names, from `GET /users/pg`:
/// always Rust's, never the caller's word, since the PG rules were checked for `pg`. A
/// key the caller names must be that channel's; None when the account does not say (or
/// cannot be asked): `pg` alone then picks the channel.
async fn with_channel_key(session: &Session, mut input: IssueKeyInput) -> IpcResult<IssueKeyInput> {
    let given = input.channel_key.take().filter(|k| !k.trim().is_empty());
    let derived = match (input.pg.split_once('.'), session.client()) {
        (Some((provider, pg_id)), Ok(client)) => {
            client.pg_settings().await.ok().and_then(|channels| {
                channels
                    .into_iter()
                    .find(|c| {
                        c.pg_provider == provider
                            && c.pg_id == pg_id
                            && c.kind == Some(subdesk_iamport::PgSettingType::ApiPayment)
                    })
                    .and_then(|c| c.channel_key)
            })
        }
        _ => None,
    };
    if let (Some(given), Some(derived)) = (&given, &derived)
        && given != derived
    {
        return Err(IpcError::invalid_input(
            "channel_key",
            format!("{given} is not the channel key of {}", input.pg),
        ));
    }
    input.channel_key = derived;
    Ok(input)
}

/// Issues a key from card data, once the form has no problem.
pub async fn issue_key(session: &Session, input: IssueKeyInput) -> IpcResult<Customer> {
    check_issue(&input, None)?;
    let input = with_channel_key(session, input).await?;
    let customer = keys::issue_key(&session.store, session.client()?, input).await?;
    tracing::info!(customer_uid = %customer.customer_uid, "billing key issued");
    Ok(customer)
}

/// Issues a key together with a first charge (`onetime` + `customer_uid`): the key is
/// kept only if the charge is paid. The money policy applies: the live confirmation of
/// the exact total, and reconciliation before new money moves.
pub async fn issue_key_with_charge(
    session: &Session,
    input: IssueKeyInput,
    charge: FirstCharge,
) -> IpcResult<ChargeResult> {
    check_issue(&input, Some(&charge))?;
    crate::money::check_live_confirmation(session, charge.amount, charge.confirmed_total)?;
    session.ensure_reconciled().await?;
    let details = subdesk_billing::ChargeDetails {
        amount: charge.amount,
        name: charge.name,
        tax_free: None,
        vat_amount: None,
        buyer: subdesk_billing::BuyerInput::default(),
        card_quota: None,
        custom_data: None,
        product_type: None,
    };
    Ok(
        keys::issue_key_with_first_charge(&session.store, session.client()?, input, details)
            .await?,
    )
}

/// What step two of an import did.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportOutcome {
    pub result: subdesk_billing::ImportResult,
    /// How the imported keys fared at PortOne; None when nothing was imported or the
    /// check was not asked for.
    pub verify: Option<subdesk_billing::mirror::sync::VerifyReport>,
    /// The check at PortOne failed after the rows were written (the network, the
    /// keyring): the import stands, and the keys are checked again later.
    pub verify_error: Option<IpcError>,
}

/// Step two of an import, as both front ends run it: the plan's good rows (or nothing)
/// written in one transaction, then, when any were imported and a client is given, every
/// key not yet verified checked at PortOne. An error means nothing was written (the same
/// plan can be applied again); a check that fails afterwards is in the outcome, since
/// the import itself happened.
pub async fn apply_import(
    session: &Session,
    plan: &subdesk_billing::ImportPlan,
    choice: subdesk_billing::ImportChoice,
    verify_with: Option<&subdesk_iamport::Client>,
    progress: subdesk_billing::mirror::sync::ProgressFn<'_>,
) -> IpcResult<ImportOutcome> {
    use subdesk_billing::mirror::sync::{CancelToken, VerifyScope, verify_keys};
    // A large import is one long write: off the async runtime's workers.
    let store = session.store.clone();
    let owned = plan.clone();
    let result = tokio::task::spawn_blocking(move || store.apply_import(&owned, choice))
        .await
        .map_err(|e| IpcError::internal(format!("background task failed: {e}")))??;
    let (verify, verify_error) = match verify_with {
        Some(client) if result.imported > 0 => match verify_keys(
            &session.store,
            client,
            VerifyScope::Unverified,
            progress,
            &CancelToken::new(),
        )
        .await
        {
            Ok(report) => (Some(report), None),
            Err(e) => (None, Some(e.into())),
        },
        _ => (None, None),
    };
    Ok(ImportOutcome {
        result,
        verify,
        verify_error,
    })
}
