//! Integration tests of the WhatsApp Web simulator: a real Chromium drives
//! the page through the internals a bridge would use.

mod support;

mod control_api;
mod facts;
mod history;
mod login;
mod messaging;
mod modules;
mod screenshots;
