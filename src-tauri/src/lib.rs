//! The Tauri shell: a thin layer over `flock-core`. It parses the command
//! line, opens the database, registers typed commands and events (one
//! tauri-specta builder, see `bindings`) and holds no business logic.

mod bindings;
mod campaign_events;
mod campaigns;
mod commands;
mod contacts;
mod dashboard;
mod demo;
mod demo_campaigns;
mod events;
mod inbox;
mod launch;
mod logs;
mod notifications;
mod state;

pub use bindings::{export_bindings, specta_builder, BINDINGS_PATH};

use tauri::Manager;

/// Starts the app. Command-line options: see `launch::LaunchOptions`.
pub fn run() {
    let options = launch::LaunchOptions::from_args();
    let builder = specta_builder();
    let instance = tauri_plugin_single_instance::Builder::new()
        .dbus_id(options.instance_id())
        .callback(|app, _args, _cwd| focus_main_window(app))
        .build();
    let result = tauri::Builder::default()
        // First: a second launch on this data folder hands over to this one
        // and exits before anything else starts (the data-folder lock in
        // `AppState` also stops a `flockctl run` on it).
        .plugin(instance)
        // Used from Rust only (the window has no opener or notification permission):
        // `open_log_folder` opens the log folder, `notifications` shows the alerts.
        .plugin(tauri_plugin_opener::Builder::new().open_js_links_on_click(false).build())
        .plugin(tauri_plugin_notification::init())
        // Used from Rust only too: the campaign commands open the file dialogs.
        .plugin(tauri_plugin_dialog::init())
        .manage(notifications::Notifier::default())
        .manage(campaign_events::CampaignWatch::default())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            let state = tauri::async_runtime::block_on(state::AppState::start(app.handle(), &options))?;
            app.manage(state);
            logs::start(app.handle());
            if options.demo_fill() {
                demo::start(app.handle());
            }
            Ok(())
        })
        .build(tauri::generate_context!("tauri.conf.json"));
    let app = match result {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: Flock could not start its window: {e}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        if let tauri::RunEvent::ExitRequested { .. } = event {
            // Close every account's browser before leaving; profiles stay.
            if let Some(state) = handle.try_state::<state::AppState>() {
                tauri::async_runtime::block_on(state.shutdown());
            }
        }
    });
}

/// A second launch: bring the first window to the front.
fn focus_main_window(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}
