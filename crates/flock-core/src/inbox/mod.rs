//! Replies: what an inbound message means for the campaign engine.
//! [`record::record`] stores every inbound message, links it to the contact
//! and the campaign message it answers, and runs [`keywords::KeywordMatcher`]
//! over its text: an opt-out opts the contact out at once (the dispatcher
//! checks opt-outs when it claims, so messages queued before the STOP are
//! skipped in every campaign); an opt-in clears it. [`list::list`] is the
//! inbox as `flockctl inbox list` shows it; [`desk`] is the Inbox screen's
//! (read state, opting out from a reply, the live [`desk::ReplyRecorded`]).

pub mod desk;
pub mod keywords;
pub mod list;
pub mod record;

pub use keywords::{classify, Keyword, KeywordMatch, KeywordMatcher, KeywordSettings, ReplyIntent};
pub use list::{list, InboxEntry, InboxQuery};
pub use record::{record, Recorded};
