//! The one list of commands, events and types the UI can use. The TypeScript
//! bindings in `ui/src/lib/bindings.ts` are generated from it; a test fails
//! when the committed file is stale (`UPDATE_BINDINGS=1 cargo nextest run`
//! rewrites it).

use specta_typescript::Typescript;
use tauri::Wry;
use tauri_specta::{collect_commands, collect_events, Builder};

use crate::{campaign_events, campaigns, commands, contacts, dashboard, events, inbox, logs, notifications};

/// Relative to the repository root.
pub const BINDINGS_PATH: &str = "ui/src/lib/bindings.ts";

pub fn specta_builder() -> Builder<Wry> {
    Builder::<Wry>::new()
        .commands(collect_commands![
            commands::app_info,
            commands::database_info,
            commands::set_database_url,
            commands::list_accounts,
            commands::list_workstations,
            commands::add_account,
            commands::link_account,
            commands::logout_account,
            commands::reset_account,
            commands::remove_account,
            commands::set_show_browser,
            commands::demo_scan,
            contacts::search_contacts,
            contacts::set_opt_out,
            contacts::list_groups,
            contacts::bulk_edit,
            contacts::list_tag_rules,
            contacts::add_tag_rule,
            contacts::delete_tag_rule,
            contacts::preview_contacts_csv,
            contacts::import_contacts_csv,
            contacts::export_contacts_csv,
            contacts::sync_groups,
            logs::log_folder,
            logs::read_log,
            logs::open_log_folder,
            notifications::notifications_enabled,
            notifications::set_notifications_enabled,
            campaigns::list_campaigns,
            campaigns::get_campaign,
            campaigns::create_campaign_draft,
            campaigns::open_campaign_draft,
            campaigns::save_campaign_draft,
            campaigns::check_campaign_text,
            campaigns::inspect_media,
            campaigns::choose_media_file,
            campaigns::choose_csv_file,
            campaigns::preview_csv_file,
            campaigns::campaign_audience_count,
            campaigns::campaign_senders,
            campaigns::review_campaign,
            campaigns::start_campaign,
            campaigns::pause_campaign,
            campaigns::resume_campaign,
            campaigns::cancel_campaign,
            campaigns::campaign_report,
            campaigns::retry_failed_messages,
            campaigns::export_campaign_report,
            inbox::list_inbox,
            inbox::set_replies_read,
            inbox::mark_inbox_read,
            inbox::set_reply_opt_out,
            dashboard::get_dashboard,
        ])
        .events(collect_events![
            events::DatabaseChanged,
            events::AccountChanged,
            events::GroupsSyncProgress,
            events::ResyncNeeded,
            events::DispatcherHealthChanged,
            logs::LogLinesAppended,
            campaign_events::CampaignProgressed,
            campaign_events::CampaignChanged,
            inbox::ReplyReceived,
        ])
        // Row ids are i64 in the database but stay far below 2^53.
        .dangerously_cast_bigints_to_number()
        // One TypeScript name per Rust type (no _Serialize/_Deserialize pairs).
        .disable_serde_phases()
}

pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    specta_builder()
        .export(Typescript::default().header("// @ts-nocheck"), path)
        .map_err(|e| format!("cannot export the TypeScript bindings to {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn committed_typescript_bindings_are_fresh() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let committed = root.join(super::BINDINGS_PATH);
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            super::export_bindings(&committed).unwrap();
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("bindings.ts");
        super::export_bindings(&fresh).unwrap();
        let fresh = std::fs::read_to_string(fresh).unwrap();
        let current = std::fs::read_to_string(&committed).unwrap_or_default();
        assert!(
            fresh == current,
            "{} is stale: run `UPDATE_BINDINGS=1 cargo nextest run --workspace -E 'test(committed_typescript_bindings_are_fresh)'` and commit it",
            super::BINDINGS_PATH
        );
    }
}
