use flock_core::config::resolve_database;
use flock_core::db::Database;
use flock_core::paths::DataPaths;
use flock_core::{ErrorKind, ErrorReport};

use crate::cli::{Cli, Command, DbCommand, SimCommand, SimServeArgs};
use crate::output::print_json;

pub async fn run(cli: Cli) -> Result<(), ErrorReport> {
    let paths = DataPaths::new(cli.data_dir.clone().unwrap_or_else(DataPaths::default_root));
    // A bad value of one key is ignored (its default used): say so. A file
    // that cannot be read at all is the error of the command that needs it.
    if let Ok(loaded) = flock_core::settings::SettingsStore::for_paths(&paths).load() {
        for problem in &loaded.problems {
            crate::output::print_warning(cli.json, &problem.report());
        }
    }
    match &cli.command {
        Command::Accounts(cmd) => crate::accounts::run(&cli, &paths, cmd).await,
        Command::Run(args) => crate::run::run(&cli, &paths, args).await,
        Command::Inbox(cmd) => crate::inbox::run(&cli, &open(&cli, &paths).await?, cmd).await,
        Command::Db(cmd) => db(&cli, &paths, cmd).await,
        Command::Sim(SimCommand::Serve(args)) => sim_serve(&cli, args).await,
        Command::Contacts(cmd) => crate::contacts::run(&cli, &open(&cli, &paths).await?, cmd).await,
        Command::Groups(crate::groups::GroupsCommand::Sync(args)) => crate::groups_sync::run(&cli, &paths, args).await,
        Command::Groups(cmd) => crate::groups::groups(&cli, &open(&cli, &paths).await?, cmd).await,
        Command::Tags(cmd) => crate::groups::tags(&cli, &open(&cli, &paths).await?, cmd).await,
        Command::Campaigns(cmd) => crate::campaigns::run(&cli, &paths, &open(&cli, &paths).await?, cmd).await,
        Command::Messages(cmd) => crate::messages::run(&cli, &paths, cmd).await,
        Command::Bench(cmd) => crate::bench::run(&cli, cmd).await,
        Command::Team(cmd) => crate::team::run(&cli, &paths, cmd).await,
    }
}

async fn connect(cli: &Cli, paths: &DataPaths) -> Result<Database, ErrorReport> {
    let (target, _) = resolve_database(cli.database_url.as_deref(), paths)?;
    if target.sqlite_path().is_some() {
        paths.ensure().map_err(|e| ErrorReport {
            kind: ErrorKind::InvalidInput,
            message: format!("cannot create the data folder {}: {e}", paths.root().display()),
            fix: Some("Pass a writable folder with --data-dir".into()),
        })?;
    }
    Ok(Database::connect(target).await.map_err(flock_core::CoreError::from)?)
}

/// Connected with the schema brought up to date.
async fn open(cli: &Cli, paths: &DataPaths) -> Result<Database, ErrorReport> {
    let db = connect(cli, paths).await?;
    db.migrate().await.map_err(flock_core::CoreError::from)?;
    Ok(db)
}

async fn db(cli: &Cli, paths: &DataPaths, cmd: &DbCommand) -> Result<(), ErrorReport> {
    let db = connect(cli, paths).await?;
    if matches!(cmd, DbCommand::Migrate) {
        db.migrate().await.map_err(flock_core::CoreError::from)?;
    }
    let info = db.info().await.map_err(flock_core::CoreError::from)?;
    let password = flock_core::config::password_store(cli.database_url.as_deref(), paths);
    if cli.json {
        print_json(&serde_json::json!({
            "backend": info.backend,
            "url": info.url,
            "applied": info.applied,
            "pending": info.pending,
            "tables": info.tables,
            "password": password,
        }));
    } else {
        println!("database: {} ({})", info.url, info.backend.as_str());
        if let Some(p) = &password {
            println!("password: {}", flock_core::secrets::describe(p));
        }
        println!("migrations: {} applied, {} pending", info.applied, info.pending);
        println!("tables: {}", info.tables.join(", "));
    }
    Ok(())
}

async fn sim_serve(cli: &Cli, args: &SimServeArgs) -> Result<(), ErrorReport> {
    let sim_error = |e: flock_sim::SimError| ErrorReport {
        kind: ErrorKind::Internal,
        message: format!("simulator: {e}"),
        fix: None,
    };
    let config = flock_sim::SimConfig { port: args.port, ..Default::default() };
    let handle = flock_sim::Simulator::start(config).await.map_err(|e| ErrorReport {
        fix: Some("Choose another --port, or 0 for a free one".into()),
        ..sim_error(e)
    })?;
    if let Some(name) = &args.scenario {
        let scenario = flock_sim::load_scenario(name).map_err(|e| ErrorReport {
            kind: ErrorKind::InvalidInput,
            fix: Some("Use --scenario demo".into()),
            ..sim_error(e)
        })?;
        handle.load(&scenario).await.map_err(sim_error)?;
    }
    let url = handle.base_url();
    if cli.json {
        print_json(&serde_json::json!({"event": "listening", "url": url, "port": handle.addr().port()}));
    } else {
        println!("simulator listening on {url}/ (control API under {url}/_sim/); Ctrl-C stops it");
    }
    tokio::signal::ctrl_c().await.map_err(|e| ErrorReport {
        kind: ErrorKind::Internal,
        message: format!("cannot wait for Ctrl-C: {e}"),
        fix: None,
    })?;
    handle.shutdown().await.map_err(sim_error)
}
