use sea_orm_migration::prelude::*;

/// Moves the old per-contact `opt_outs` into the suppression list: every
/// opt-out (and its lifting) becomes history under the contact's phone and
/// privacy id, and every contact opted out now is suppressed under both keys.
/// Copied rows carry `actor = 'migration'` (that is how `down` finds them).
#[derive(DeriveMigrationName)]
pub struct Migration;

const KEYS: [(&str, &str); 2] = [("phone", "phone"), ("lid", "lid")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (column, kind) in KEYS {
            db.execute_unprepared(&format!(
                "INSERT INTO suppression_events (\"key\", kind, action, source, reason, actor, at) \
                 SELECT c.{column}, '{kind}', 'opt_out', o.source, o.reason, 'migration', o.created_at \
                 FROM opt_outs o JOIN contacts c ON c.id = o.contact_id WHERE c.{column} IS NOT NULL"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "INSERT INTO suppression_events (\"key\", kind, action, source, reason, actor, at) \
                 SELECT c.{column}, '{kind}', 'opt_in', 'migrated', NULL, 'migration', o.revoked_at \
                 FROM opt_outs o JOIN contacts c ON c.id = o.contact_id \
                 WHERE c.{column} IS NOT NULL AND o.revoked_at IS NOT NULL"
            ))
            .await?;
            let latest = |col: &str| {
                format!(
                    "(SELECT o.{col} FROM opt_outs o WHERE o.contact_id = c.id AND o.revoked_at IS NULL \
                     ORDER BY o.created_at DESC LIMIT 1)"
                )
            };
            db.execute_unprepared(&format!(
                "INSERT INTO suppressions (\"key\", kind, source, reason, actor, created_at) \
                 SELECT c.{column}, '{kind}', COALESCE({}, 'migrated'), {}, 'migration', c.opted_out_at \
                 FROM contacts c WHERE c.opted_out_at IS NOT NULL AND c.{column} IS NOT NULL",
                latest("source"),
                latest("reason"),
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DELETE FROM suppression_events WHERE actor = 'migration'").await?;
        db.execute_unprepared("DELETE FROM suppressions WHERE actor = 'migration'").await?;
        Ok(())
    }
}
