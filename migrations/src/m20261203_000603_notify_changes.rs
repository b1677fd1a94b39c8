use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// PostgreSQL only (team mode): every change another workstation must see
/// at once is announced on the `flock_changes` channel by a trigger, so it
/// reaches every desk's screens whichever program wrote it (the app, a
/// `flockctl` command, a dispatcher). The payload is a small JSON object,
/// `{"t": "<table>", "id": <row or campaign id>}`; listeners read the row
/// themselves. Messages announce their campaign (an insert of many rows:
/// one notice per campaign, from a statement trigger); a lease renewal
/// alone (`lease_expires_at`) is not announced. SQLite is one desk: nothing
/// to announce.
#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
CREATE OR REPLACE FUNCTION flock_notify_row() RETURNS trigger AS $$
DECLARE
  rec record;
BEGIN
  IF TG_OP = 'DELETE' THEN rec := OLD; ELSE rec := NEW; END IF;
  IF TG_TABLE_NAME = 'accounts' AND TG_OP = 'UPDATE'
     AND (to_jsonb(NEW) - 'lease_expires_at' - 'updated_at') = (to_jsonb(OLD) - 'lease_expires_at' - 'updated_at') THEN
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'messages' THEN
    PERFORM pg_notify('flock_changes', json_build_object('t', 'messages', 'id', rec.campaign_id)::text);
  ELSE
    PERFORM pg_notify('flock_changes', json_build_object('t', TG_TABLE_NAME, 'id', rec.id)::text);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION flock_notify_messages_inserted() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('flock_changes', json_build_object('t', 'messages', 'id', c.campaign_id)::text)
  FROM (SELECT DISTINCT campaign_id FROM new_rows) c;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER flock_notify_accounts AFTER INSERT OR UPDATE OR DELETE ON accounts
  FOR EACH ROW EXECUTE FUNCTION flock_notify_row();
CREATE TRIGGER flock_notify_campaigns AFTER INSERT OR UPDATE OR DELETE ON campaigns
  FOR EACH ROW EXECUTE FUNCTION flock_notify_row();
CREATE TRIGGER flock_notify_messages_updated AFTER UPDATE ON messages
  FOR EACH ROW EXECUTE FUNCTION flock_notify_row();
CREATE TRIGGER flock_notify_messages_inserted AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flock_notify_messages_inserted();
CREATE TRIGGER flock_notify_inbound AFTER INSERT ON inbound_messages
  FOR EACH ROW EXECUTE FUNCTION flock_notify_row();
"#;

const DOWN: &str = r#"
DROP TRIGGER IF EXISTS flock_notify_inbound ON inbound_messages;
DROP TRIGGER IF EXISTS flock_notify_messages_inserted ON messages;
DROP TRIGGER IF EXISTS flock_notify_messages_updated ON messages;
DROP TRIGGER IF EXISTS flock_notify_campaigns ON campaigns;
DROP TRIGGER IF EXISTS flock_notify_accounts ON accounts;
DROP FUNCTION IF EXISTS flock_notify_messages_inserted();
DROP FUNCTION IF EXISTS flock_notify_row();
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared(UP).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared(DOWN).await?;
        Ok(())
    }
}
