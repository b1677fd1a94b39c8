//! Contacts at the scale of a real marketing list: CSV import with a column
//! mapping and a per-row report, and CSV export of any filtered list.
