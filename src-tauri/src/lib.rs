//! The Tauri shell: a thin layer over `flock-core`. It parses the command
//! line, opens the database, registers typed commands and events (one
//! tauri-specta builder, see `bindings`) and holds no business logic.

mod bindings;
mod commands;
mod events;
mod launch;
mod state;

pub use bindings::{export_bindings, specta_builder, BINDINGS_PATH};

use tauri::Manager;

/// Starts the app. Command-line options: see `launch::LaunchOptions`.
pub fn run() {
    let options = launch::LaunchOptions::from_args();
    let builder = specta_builder();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            let state = tauri::async_runtime::block_on(state::AppState::start(app.handle(), &options))?;
            app.manage(state);
            Ok(())
        })
        .run(tauri::generate_context!("tauri.conf.json"));
    if let Err(e) = result {
        eprintln!("error: Flock could not start its window: {e}");
        std::process::exit(1);
    }
}
