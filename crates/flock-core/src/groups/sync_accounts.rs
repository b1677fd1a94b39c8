//! Group sync of live accounts: read each active account's groups from its
//! WhatsApp Web session and record them (`apply_snapshot`), with the tag rules.

use super::{apply_snapshot_with_progress, AccountGroupsSnapshot, SyncError, SyncProgress, SyncSummary};
use crate::accounts::{AccountManager, AccountState};
use crate::db::Database;
use crate::repo::tags;

/// Syncs one account (`Some(id)`), or every active account (`None`), one
/// after the other. `progress` sees each account's groups being recorded.
pub async fn sync_groups(
    accounts: &AccountManager,
    db: &Database,
    account_id: Option<i64>,
    mut progress: impl FnMut(SyncProgress),
) -> Result<Vec<SyncSummary>, SyncError> {
    let ids: Vec<i64> = match account_id {
        Some(id) => vec![id],
        None => accounts
            .list()
            .await?
            .into_iter()
            .filter(|a| a.state == AccountState::Active)
            .map(|a| a.id)
            .collect(),
    };
    if ids.is_empty() {
        return Err(SyncError::NoActiveAccount);
    }
    let rules = tags::list_rules(db.conn()).await.map_err(|e| match e {
        tags::TagsError::Repo(r) => SyncError::Repo(r),
        tags::TagsError::Invalid { message, fix } => SyncError::Repo(crate::repo::RepoError::Conflict { message, fix }),
    })?;
    let mut summaries = Vec::with_capacity(ids.len());
    for id in ids {
        let groups = accounts.read_groups(id).await?;
        let snapshot = AccountGroupsSnapshot { account_id: id, groups };
        let summary = apply_snapshot_with_progress(db.conn(), &snapshot, &rules, &mut progress).await?;
        tracing::info!(account = id, groups = summary.groups_total, added = summary.groups_added,
            members_added = summary.members_added, "groups synced");
        summaries.push(summary);
    }
    Ok(summaries)
}
