//! CSV import of a real-world mess, and export round trips.

use flock_core::contacts::{export_csv, import_csv, preview, ColumnMapping, ImportOptions, RowOutcome};
use flock_core::entities::contact;
use flock_core::repo::contacts::{self, ContactKey, ContactQuery};
use flock_core::repo::tags::{self, BulkEdit, BulkTarget, FieldChange, OrgField};
use flock_testkit::TestDb;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// Spaces, dashes, local numbers, duplicates, an empty row, a blank line, an
/// invalid number, a line that is not UTF-8, a row missing its columns, a
/// foreign number, text for a number, quoted tags.
fn messy_csv() -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"\xEF\xBB\xBFFull Name,Mobile,District,Tags\r\n"); // 1 (with a BOM)
    bytes.extend_from_slice(b"Arun Kumar, 98765 43210 ,Salem,farmer;vip\r\n"); // 2
    bytes.extend_from_slice(b"Bala,+91-98765-43211,Erode,\r\n"); // 3 existing, nothing new
    bytes.extend_from_slice(b"Chitra,098765 43212,,trader\r\n"); // 4
    bytes.extend_from_slice(b"Deepa,9876543210,Namakkal,\r\n"); // 5 duplicate of row 2
    bytes.extend_from_slice(b",,,\r\n"); // 6 empty row
    bytes.extend_from_slice(b"Elango,12345,Madurai,\r\n"); // 7 too short
    bytes.extend_from_slice(b"Fa\xefz\xff,98765 43213,Salem,\r\n"); // 8 not UTF-8
    bytes.extend_from_slice(b"Ganesh\r\n"); // 9 missing the phone column
    bytes.extend_from_slice(b"\r\n"); // 10 blank line: not a row
    bytes.extend_from_slice(b"Hari,+44 7400 123456,,\r\n"); // 11 foreign number
    bytes.extend_from_slice(b"Indu,call me,,\r\n"); // 12 not a number
    bytes.extend_from_slice(b"Kavya,98765 43214,Theni,\"a, b\"\r\n"); // 13 existing, gets district and tags
    bytes
}

#[tokio::test]
async fn a_messy_file_keeps_every_good_row_and_reports_every_other() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let (bala, _) = contacts::upsert(conn, ContactKey::Phone("+919876543211"), Some("Bala")).await.unwrap();
    tags::bulk_edit(conn, &BulkEdit {
        target: BulkTarget::Contacts,
        ids: vec![bala.id],
        set: vec![FieldChange { field: OrgField::District, value: Some("Erode".into()) }],
        add_tags: vec![],
        remove_tags: vec![],
    })
    .await
    .unwrap();
    let (kavya, _) = contacts::upsert(conn, ContactKey::Phone("+919876543214"), Some("K. Existing")).await.unwrap();

    let bytes = messy_csv();
    let p = preview(&bytes).unwrap();
    assert!(p.has_headers);
    assert_eq!(p.headers, vec!["Full Name", "Mobile", "District", "Tags"]);
    assert_eq!(p.mapping.phone.as_deref(), Some("Mobile"));
    assert_eq!(p.mapping.name.as_deref(), Some("Full Name"));

    let report = import_csv(conn, &bytes, &ImportOptions::new("mess.csv")).await.unwrap();
    let got: Vec<(u64, RowOutcome, Option<&str>)> =
        report.rows.iter().map(|r| (r.row, r.outcome, r.phone.as_deref())).collect();
    use RowOutcome::*;
    assert_eq!(
        got,
        vec![
            (2, Imported, Some("+919876543210")),
            (3, Duplicate, Some("+919876543211")),
            (4, Imported, Some("+919876543212")),
            (5, Duplicate, Some("+919876543210")),
            (6, Rejected, None),
            (7, Rejected, None),
            (8, Rejected, None),
            (9, Rejected, None),
            (11, Imported, Some("+447400123456")),
            (12, Rejected, None),
            (13, Updated, Some("+919876543214")),
        ]
    );
    let reason = |row: u64| report.rows.iter().find(|r| r.row == row).unwrap().reason.clone().unwrap_or_default();
    assert!(reason(3).contains("already in contacts"), "{}", reason(3));
    assert!(reason(5).contains("row 2"), "{}", reason(5));
    assert!(reason(6).contains("empty"), "{}", reason(6));
    assert!(reason(7).contains("12345"), "{}", reason(7));
    assert!(reason(8).contains("UTF-8"), "{}", reason(8));
    assert!(reason(9).contains("Mobile"), "{}", reason(9));
    assert!(reason(12).contains("call me"), "{}", reason(12));
    assert!(reason(13).contains("district") && reason(13).contains("tags"), "{}", reason(13));
    let raw = |row: u64| report.rows.iter().find(|r| r.row == row).unwrap().raw.clone();
    assert_eq!(raw(7), "12345");
    assert_eq!(raw(8), "98765 43213", "the raw value of a badly encoded line is still shown");
    assert_eq!(
        (report.totals.rows, report.totals.imported, report.totals.updated, report.totals.duplicates, report.totals.rejected),
        (11, 3, 1, 2, 5)
    );
    assert_eq!(report.origin, "import:mess.csv");

    // Every good row is there, as written, and nothing else.
    assert_eq!(contact::Entity::find().count(conn).await.unwrap(), 5);
    let arun = contact::Entity::find().filter(contact::Column::Phone.eq("+919876543210")).one(conn).await.unwrap().unwrap();
    assert_eq!(arun.name.as_deref(), Some("Arun Kumar"));
    assert_eq!(arun.district.as_deref(), Some("Salem"));
    assert_eq!(arun.origin.as_deref(), Some("import:mess.csv"));
    assert_eq!(arun.consent_source, None, "a file without a consent column records no consent");
    let row = contacts::search(conn, &ContactQuery { search: Some("arun".into()), ..Default::default() }).await.unwrap();
    assert_eq!(row.items[0].tags, vec!["farmer", "vip"]);
    let kavya = contact::Entity::find_by_id(kavya.id).one(conn).await.unwrap().unwrap();
    assert_eq!(kavya.name.as_deref(), Some("K. Existing"), "a filled field is not overwritten");
    assert_eq!(kavya.district.as_deref(), Some("Theni"), "an empty field is filled");
    let bala = contact::Entity::find_by_id(bala.id).one(conn).await.unwrap().unwrap();
    assert_eq!(bala.district.as_deref(), Some("Erode"));

    // Importing the same file again adds nothing.
    let again = import_csv(conn, &bytes, &ImportOptions::new("mess.csv")).await.unwrap();
    assert_eq!((again.totals.imported, again.totals.updated, again.totals.rejected), (0, 0, 5));
    assert_eq!(contact::Entity::find().count(conn).await.unwrap(), 5);
}

#[tokio::test]
async fn a_mapping_can_be_overridden_and_a_default_country_chosen() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    // No header row; UK local numbers.
    let bytes = b"07400 123456,Alice,London\n07400 654321,Bob,Leeds\n".to_vec();
    let p = preview(&bytes).unwrap();
    assert!(!p.has_headers);
    assert_eq!(p.mapping.phone.as_deref(), Some("column 1"));
    let mut mapping = p.mapping.clone();
    for (field, column) in ColumnMapping::parse_overrides("district=column 3").unwrap() {
        mapping.set(field, column);
    }
    let options = ImportOptions {
        file_name: "uk.csv".into(),
        default_country: "GB".into(),
        mapping: Some(mapping),
        has_headers: None,
    };
    let report = import_csv(conn, &bytes, &options).await.unwrap();
    assert_eq!(report.totals.imported, 2);
    assert_eq!(report.rows[0].row, 1);
    let alice = contact::Entity::find().filter(contact::Column::Phone.eq("+447400123456")).one(conn).await.unwrap().unwrap();
    assert_eq!((alice.name.as_deref(), alice.district.as_deref()), (Some("Alice"), Some("London")));

    let bad = ImportOptions { mapping: Some(ColumnMapping { phone: Some("Cell".into()), ..Default::default() }), ..options.clone() };
    let err = import_csv(conn, &bytes, &bad).await.unwrap_err();
    assert!(err.report().message.contains("Cell"), "{}", err.report());
    let no_phone = ImportOptions { mapping: Some(ColumnMapping::default()), ..options.clone() };
    assert!(import_csv(conn, &bytes, &no_phone).await.is_err());
    let bad_country = ImportOptions { default_country: "XX".into(), ..options };
    assert!(import_csv(conn, &bytes, &bad_country).await.is_err());
}

#[tokio::test]
async fn an_export_reads_back_as_the_same_contacts() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let csv = "Name,Phone,Region,State,District,Segment,Tags\n\
               Arun,9876543210,West,Tamil Nadu,Salem,dealer,farmer; vip\n\
               \"Bala, Jr.\",9876543211,West,Tamil Nadu,Erode,,\n\
               Chitra,9876543212,South,Tamil Nadu,Madurai,retail,vip\n";
    let report = import_csv(conn, csv.as_bytes(), &ImportOptions::new("list.csv")).await.unwrap();
    assert_eq!(report.totals.imported, 3);
    let chitra = contact::Entity::find().filter(contact::Column::Phone.eq("+919876543212")).one(conn).await.unwrap().unwrap();
    contacts::opt_out(conn, chitra.id, "asked", "manual").await.unwrap();

    let mut out = Vec::new();
    let n = export_csv(conn, &ContactQuery::default(), &mut out).await.unwrap();
    assert_eq!(n, 3);
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.lines().next().unwrap().starts_with("phone,name,region,state,district,segment,tags,groups,opted_out"));
    let chitra_line = text.lines().find(|l| l.contains("+919876543212")).unwrap();
    assert!(chitra_line.contains(",yes,"), "opted-out contacts are marked: {chitra_line}");

    // Into a fresh database: the same people with the same fields and tags.
    let other = TestDb::new().await;
    let other_db = other.open().await;
    let back = import_csv(other_db.conn(), &out, &ImportOptions::new("export.csv")).await.unwrap();
    assert_eq!((back.totals.imported, back.totals.rejected), (3, 0));
    assert_eq!(all(conn).await, all(other_db.conn()).await);

    // A filtered export holds only the filtered list.
    let mut out = Vec::new();
    let n = export_csv(conn, &ContactQuery { tag: Some("vip".into()), opted_out: Some(false), ..Default::default() }, &mut out)
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert!(String::from_utf8(out).unwrap().contains("+919876543210"));
}

type Fields = (Option<String>, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>, Vec<String>);

async fn all(c: &sea_orm::DatabaseConnection) -> Vec<Fields> {
    let page = contacts::search(c, &ContactQuery { sort: contacts::ContactSort::Phone, ..Default::default() }).await.unwrap();
    page.items.into_iter().map(|r| (r.phone, r.name, r.region, r.state, r.district, r.segment, r.tags)).collect()
}

#[tokio::test]
async fn a_big_file_keeps_rows_and_reasons_in_order() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let mut csv = String::from("name,phone\n");
    for i in 0..5_000u64 {
        if i % 1_000 == 7 {
            csv.push_str(&format!("Bad {i},12{i}\n"));
        } else if i % 1_000 == 8 {
            csv.push_str("Short\n");
        } else {
            csv.push_str(&format!("Person {i},9{:09}\n", 800_000_000 + i));
        }
    }
    let report = import_csv(conn, csv.as_bytes(), &ImportOptions::new("big.csv")).await.unwrap();
    assert_eq!(
        (report.totals.rows, report.totals.imported, report.totals.rejected),
        (5_000, 4_990, 10)
    );
    for (i, r) in report.rows.iter().enumerate() {
        assert_eq!(r.row, i as u64 + 2);
        let n = i as u64;
        match n % 1_000 {
            7 => assert_eq!((r.outcome, r.raw.clone()), (RowOutcome::Rejected, format!("12{n}"))),
            8 => assert_eq!(r.outcome, RowOutcome::Rejected),
            _ => assert_eq!(r.phone.clone(), Some(format!("+919{:09}", 800_000_000 + n))),
        }
    }
    assert_eq!(contact::Entity::find().count(conn).await.unwrap(), 4_990);
}

#[tokio::test]
async fn an_export_neutralises_formulas_and_keeps_phone_numbers_usable() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let csv = "name,phone,district,tags\n\
               \"=HYPERLINK(\"\"http://evil.example\"\",\"\"open\"\")\",9876543210,@SUM(1),+cmd\n\
               -2+3,9876543211,Salem,\n";
    import_csv(conn, csv.as_bytes(), &ImportOptions::new("evil.csv")).await.unwrap();
    let mut out = Vec::new();
    export_csv(conn, &ContactQuery { sort: contacts::ContactSort::Phone, ..Default::default() }, &mut out).await.unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].starts_with("+919876543210,"), "a plain E.164 number stays usable: {}", lines[1]);
    assert!(lines[1].contains("\"'=HYPERLINK("), "{}", lines[1]);
    assert!(lines[1].contains(",'@SUM(1),"), "{}", lines[1]);
    assert!(lines[1].contains(",'+cmd,"), "{}", lines[1]);
    assert!(lines[2].starts_with("+919876543211,'-2+3,"), "{}", lines[2]);
    for line in &lines[1..] {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '@', '-']) && (!cell.starts_with('+') || cell.chars().skip(1).all(|c| c.is_ascii_digit())),
                "a cell a spreadsheet would run: {cell:?} in {line}"
            );
        }
    }

    // Read back: the same names and fields, without the quote.
    let other = TestDb::new().await;
    let other_db = other.open().await;
    import_csv(other_db.conn(), &out, &ImportOptions::new("export.csv")).await.unwrap();
    assert_eq!(all(conn).await, all(other_db.conn()).await);
}
