//! The command registry and the TypeScript bindings generated from it.
//!
//! `ui/src/bindings.ts` is generated from this registry and committed. The test
//! `tests/bindings.rs` fails when the committed file is stale; `make bindings` rewrites it.

use specta_typescript::Typescript;
use tauri_specta::{Builder, ErrorHandlingMode, collect_commands};

use crate::commands::{
    backups, data, exports, keys, money, plans, practice, profiles, reconcile, reports, runs,
    schedules, shared, shell, sync, triage,
};

pub const BINDINGS_HEADER: &str =
    "// Generated from the Rust command registry by `make bindings`. Do not edit.\n";

pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            shell::app_status,
            shell::get_settings::<tauri::Wry>,
            shell::set_language::<tauri::Wry>,
            shell::open_external::<tauri::Wry>,
            shell::ui_ready,
            shell::diagnostics::<tauri::Wry>,
            data::overview,
            data::dashboard,
            data::list_customers,
            data::list_backups,
            data::backup_now,
            backups::backup_setup,
            backups::choose_backup_folder::<tauri::Wry>,
            backups::set_backup_schedule,
            backups::backup_to_folder_now::<tauri::Wry>,
            backups::list_folder_backups::<tauri::Wry>,
            backups::restore_folder_backup::<tauri::Wry>,
            shared::shared_store_setup::<tauri::Wry>,
            shared::save_shared_store_settings::<tauri::Wry>,
            shared::copy_to_shared_store::<tauri::Wry>,
            shared::stop_shared_copy,
            shared::inspect_shared_store::<tauri::Wry>,
            shared::restore_from_shared_store::<tauri::Wry>,
            shared::forget_shared_inspection,
            shared::refresh_from_shared_store::<tauri::Wry>,
            data::customer_tags,
            data::customer_detail,
            data::refresh_customer,
            data::list_payments,
            data::payment_totals,
            data::payment_window,
            data::open_payment_window,
            data::list_payments_at,
            data::payment_facets,
            data::date_range,
            data::day_range,
            data::list_schedules,
            data::search,
            data::audit_log,
            data::verify_audit,
            data::set_customer_notes,
            data::set_customer_tags,
            exports::export_list::<tauri::Wry>,
            exports::stop_export,
            exports::reveal_export,
            keys::key_form,
            keys::new_customer_uid,
            keys::customer_uid_problem,
            keys::charge_needs,
            keys::issue_key,
            keys::issue_key_with_charge,
            keys::verify_keys_now,
            keys::plan_import,
            keys::pick_import_file,
            keys::apply_import,
            keys::sandbox_test_cards,
            keys::pg_channels,
            money::charge_now,
            money::retry_preview,
            money::retry_failed,
            money::refund_payment,
            money::payment_detail,
            money::journal,
            money::reconcile_now,
            money::new_order_id,
            money::decide_conflict,
            money::money_rules,
            money::read_amounts,
            money::charge_preview,
            money::refund_preview,
            money::refund_split,
            schedules::schedule_preview,
            schedules::register_schedule,
            schedules::move_schedule,
            schedules::revoke_schedules,
            schedules::schedule_again_preview,
            schedules::retry_schedule,
            schedules::reschedule_schedule,
            schedules::schedule_detail,
            triage::triage_list,
            triage::triage_count,
            triage::triage_resolve,
            triage::triage_retry,
            triage::triage_check,
            schedules::schedule_totals,
            schedules::schedule_pgs,
            schedules::schedule_calendar,
            schedules::schedule_forecast,
            schedules::key_live_schedules,
            schedules::delete_key,
            plans::plan_rules,
            plans::list_plans,
            plans::plan_detail,
            plans::create_plan,
            plans::update_plan,
            plans::archive_plan,
            plans::subscribe_preview,
            plans::subscribe_customer::<tauri::Wry>,
            plans::subscribe_many_preview,
            plans::subscribe_many::<tauri::Wry>,
            plans::pick_subscribe_csv,
            plans::subscribe_picked_csv::<tauri::Wry>,
            plans::customer_subscriptions,
            plans::pause_subscription,
            plans::resume_subscription::<tauri::Wry>,
            plans::cancel_subscription,
            plans::run_plan_engine,
            plans::plan_engine_status,
            reconcile::compare_period,
            reconcile::refresh_status,
            runs::list_runs,
            runs::run_detail,
            runs::pick_run_file::<tauri::Wry>,
            runs::plan_run_for_plan,
            runs::start_run::<tauri::Wry>,
            runs::pause_run,
            runs::cancel_run,
            sync::sync_now,
            practice::sandbox_clock,
            reports::settlement_report,
            reports::export_settlement::<tauri::Wry>,
            practice::advance_sandbox_clock,
            practice::open_practice_window::<tauri::Wry>,
            sync::stop_sync,
            profiles::list_profiles,
            profiles::switch_profile,
            profiles::recover_database,
            profiles::add_profile,
            profiles::update_profile,
            profiles::remove_profile,
            profiles::save_credentials,
            profiles::credential_status,
            profiles::test_connection,
            profiles::lock_status,
            profiles::unlock_app,
            profiles::lock_app,
            profiles::set_passphrase,
            profiles::clear_passphrase,
            profiles::set_lock_settings,
        ])
        .error_handling(ErrorHandlingMode::Throw)
        // Most IPC types only travel one way; one TypeScript type per Rust type reads better.
        .disable_serde_phases()
        // Amounts are whole won and times are Unix seconds: both far below 2^53.
        .dangerously_cast_bigints_to_number()
        // `IpcError` brings the `ErrorCode` union with it: the UI's text tables are typed by
        // it, so a code without a text fails `tsc`.
        .typ::<crate::error::IpcError>()
        // A form's per-field problems: their texts are typed by `ProblemCode` the same way.
        .typ::<subdesk_billing::registry::keys::FieldProblem>()
        // The same codes as a list, for what the UI checks at run time (a code Rust sent
        // is one it knows; no text is left over for a code that is gone).
        .constant("ERROR_CODES", subdesk_codes::ErrorCode::ALL)
        // The profile form warns about any other address, and says why one was refused.
        // The audit screen describes each action the log records; its table is typed by these.
        .constant(
            "AUDIT_ACTIONS",
            subdesk_billing::store::audit::AUDIT_ACTIONS,
        )
        .constant("DEFAULT_BASE_URL", subdesk_profiles::DEFAULT_BASE_URL)
        .constant("BASE_URL_RULES", subdesk_profiles::BASE_URL_RULES.to_vec())
        // The status words exports write: a UI test checks its own texts say the same.
        .constant("EXPORT_STATUS_WORDS", subdesk_desk::exports::status_words())
}

/// Renders the bindings as they would be written to `ui/src/bindings.ts`.
pub fn render() -> Result<String, String> {
    // One folder per call: tests render the bindings from several threads at once.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("subdesk-bindings-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join("bindings.ts");
    builder()
        .export(Typescript::default().header(BINDINGS_HEADER), &path)
        .map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(text)
}
