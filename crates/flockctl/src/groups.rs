//! `flockctl groups list` and `flockctl tags …` (tag rules). `groups sync`
//! needs the browser driver and lives with it.

use clap::{Args, Subcommand};
use flock_core::db::Database;
use flock_core::repo::groups;
use flock_core::repo::tags::{self, FieldValue, NewTagRule, OrgField, TagRule};
use flock_core::{ErrorKind, ErrorReport};

use crate::cli::Cli;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum GroupsCommand {
    /// Every group with its member count, our accounts in it, and tags.
    List,
    /// Read the groups of the linked accounts from WhatsApp and record them.
    Sync(crate::groups_sync::SyncArgs),
}

#[derive(Debug, Subcommand)]
pub enum TagsCommand {
    /// Every tag.
    List,
    /// Rules that tag groups and their members on every sync.
    #[command(subcommand)]
    Rule(RuleCommand),
}

#[derive(Debug, Subcommand)]
pub enum RuleCommand {
    /// Add a rule: groups whose subject contains TEXT get a field (where
    /// empty) and/or a tag, and so do their members.
    Add(RuleAddArgs),
    List,
    Remove { id: i64 },
}

#[derive(Debug, Args)]
pub struct RuleAddArgs {
    /// Text the group subject contains (case-insensitive).
    #[arg(long)]
    pub contains: String,
    /// field=value, field one of region, state, district, segment.
    #[arg(long, value_name = "FIELD=VALUE", required_unless_present = "tag")]
    pub set: Option<String>,
    /// Tag to add.
    #[arg(long)]
    pub tag: Option<String>,
}

pub async fn groups(cli: &Cli, db: &Database, cmd: &GroupsCommand) -> Result<(), ErrorReport> {
    match cmd {
        GroupsCommand::Sync(_) => unreachable!("groups sync is dispatched to groups_sync::run"),
        GroupsCommand::List => {
            let rows = groups::overview(db.conn()).await.map_err(|e| e.report())?;
            if cli.json {
                print_json(&serde_json::json!({ "groups": rows }));
            } else {
                for g in &rows {
                    let accounts: Vec<&str> = g.accounts.iter().map(|a| a.name.as_str()).collect();
                    println!(
                        "{:>5}  {:<40}  {:>4} members  accounts: {:<30}  {}{}",
                        g.id,
                        g.subject,
                        g.member_count,
                        accounts.join(", "),
                        g.tags.join(","),
                        if g.removed { "  (left)" } else { "" }
                    );
                }
                println!("{} groups", rows.len());
            }
        }
    }
    Ok(())
}

pub async fn tags(cli: &Cli, db: &Database, cmd: &TagsCommand) -> Result<(), ErrorReport> {
    let conn = db.conn();
    match cmd {
        TagsCommand::List => {
            let all = tags::list(conn).await.map_err(|e| e.report())?;
            let names: Vec<&str> = all.iter().map(|t| t.name.as_str()).collect();
            if cli.json {
                print_json(&serde_json::json!({ "tags": names }));
            } else {
                println!("{}", names.join("\n"));
            }
        }
        TagsCommand::Rule(RuleCommand::Add(args)) => {
            let set = match &args.set {
                None => None,
                Some(spec) => {
                    let Some((field, value)) = spec.split_once('=') else {
                        return Err(ErrorReport {
                            kind: ErrorKind::InvalidInput,
                            message: format!("\"{spec}\" is not field=value"),
                            fix: Some("Write it as --set district=Namakkal".into()),
                        });
                    };
                    Some(FieldValue { field: OrgField::parse(field)?, value: value.trim().to_string() })
                }
            };
            let rule = tags::add_rule(conn, &NewTagRule { contains: args.contains.clone(), set, tag: args.tag.clone() })
                .await?;
            show_rules(cli, &[rule], true);
        }
        TagsCommand::Rule(RuleCommand::List) => {
            let rules = tags::list_rules(conn).await?;
            show_rules(cli, &rules, false);
        }
        TagsCommand::Rule(RuleCommand::Remove { id }) => {
            tags::delete_rule(conn, *id).await?;
            if cli.json {
                print_json(&serde_json::json!({ "removed": id }));
            } else {
                println!("rule {id} removed");
            }
        }
    }
    Ok(())
}

fn show_rules(cli: &Cli, rules: &[TagRule], single: bool) {
    if cli.json {
        if single {
            print_json(&rules[0]);
        } else {
            print_json(&serde_json::json!({ "rules": rules }));
        }
        return;
    }
    for r in rules {
        let mut does = Vec::new();
        if let Some(set) = &r.set {
            does.push(format!("set {} = {}", set.field.as_str(), set.value));
        }
        if let Some(tag) = &r.tag {
            does.push(format!("tag {tag}"));
        }
        println!("{:>4}  subject contains \"{}\" → {}", r.id, r.contains, does.join(", "));
    }
}
