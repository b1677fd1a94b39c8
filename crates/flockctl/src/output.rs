use flock_core::ErrorReport;
use serde::Serialize;

pub fn print_error(json: bool, report: &ErrorReport) {
    if json {
        let body = serde_json::json!({ "error": report });
        eprintln!("{body}");
    } else {
        eprintln!("error: {report}");
    }
}

/// A problem that does not stop the command (e.g. a bad value in settings.json).
pub fn print_warning(json: bool, report: &ErrorReport) {
    if json {
        eprintln!("{}", serde_json::json!({ "warning": report }));
    } else {
        eprintln!("warning: {report}");
    }
}

/// One JSON object (or a JSON line of a stream) on stdout.
pub fn print_json<T: Serialize>(value: &T) {
    match serde_json::to_string(value) {
        Ok(line) => println!("{line}"),
        Err(e) => eprintln!("error: cannot encode the output as JSON: {e}"),
    }
}
