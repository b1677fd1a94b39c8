fn main() {
    // The manifest lives at the repository root (so the Tauri CLI finds the
    // root tauri.conf.json); the capabilities stay beside the shell's code.
    tauri_build::try_build(
        tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/**/*"),
    )
    .expect("tauri-build failed: check tauri.conf.json and src-tauri/capabilities");
}
