//! The column-mapping step of a CSV import: which column holds the phone,
//! the name, the region… proposed from the header names, overridable.

use serde::{Deserialize, Serialize};

use super::ImportError;

/// A contact field a CSV column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ImportField {
    Phone,
    Name,
    Region,
    State,
    District,
    Segment,
    Tags,
    /// Consent given: yes/no, or the date it was given.
    Consent,
}

impl ImportField {
    pub const ALL: [ImportField; 8] = [
        ImportField::Phone,
        ImportField::Name,
        ImportField::Region,
        ImportField::State,
        ImportField::District,
        ImportField::Segment,
        ImportField::Tags,
        ImportField::Consent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportField::Phone => "phone",
            ImportField::Name => "name",
            ImportField::Region => "region",
            ImportField::State => "state",
            ImportField::District => "district",
            ImportField::Segment => "segment",
            ImportField::Tags => "tags",
            ImportField::Consent => "consent",
        }
    }

    pub fn parse(name: &str) -> Result<Self, ImportError> {
        let key = name.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|f| f.as_str() == key || (key == "tag" && *f == ImportField::Tags)).ok_or_else(
            || ImportError::BadMapping {
                message: format!("\"{name}\" is not a contact field"),
                fix: "Map phone, name, region, state, district, segment, tags or consent, e.g. --map phone=Mobile,name=Full Name"
                    .into(),
            },
        )
    }

    /// Header names (lowercase, letters and digits only) that mean this field.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            ImportField::Phone => &[
                "phone", "phonenumber", "phoneno", "mobile", "mobileno", "mobilenumber", "mobilephone", "number",
                "whatsapp", "whatsappnumber", "whatsappno", "contactnumber", "contactno", "cell", "cellphone",
                "tel", "telephone", "msisdn", "phno", "ph",
            ],
            ImportField::Name => &["name", "fullname", "contactname", "customername", "membername", "displayname"],
            ImportField::Region => &["region", "zone", "area"],
            ImportField::State => &["state", "province"],
            ImportField::District => &["district", "city", "town"],
            ImportField::Segment => &["segment", "category", "type", "group"],
            ImportField::Tags => &["tags", "tag", "labels", "label"],
            ImportField::Consent => &[
                "consent", "consented", "consentat", "consentdate", "optin", "optedin", "optindate", "whatsappoptin",
                "marketingconsent", "permission", "gdprconsent",
            ],
        }
    }

    /// A looser match for headers like "Customer Mobile No." or "Party Name".
    fn hint(self) -> Option<&'static str> {
        match self {
            ImportField::Phone => Some("mobile"),
            ImportField::Name => Some("name"),
            _ => None,
        }
    }
}

/// Which column (by header name) fills which field. For a file without a
/// header row, columns are named "column 1", "column 2", ….
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ColumnMapping {
    pub phone: Option<String>,
    pub name: Option<String>,
    pub region: Option<String>,
    pub state: Option<String>,
    pub district: Option<String>,
    pub segment: Option<String>,
    pub tags: Option<String>,
    /// The column saying whether (yes/no) or when (a date) consent was given.
    #[serde(default)]
    pub consent: Option<String>,
}

impl ColumnMapping {
    pub fn get(&self, field: ImportField) -> Option<&str> {
        match field {
            ImportField::Phone => self.phone.as_deref(),
            ImportField::Name => self.name.as_deref(),
            ImportField::Region => self.region.as_deref(),
            ImportField::State => self.state.as_deref(),
            ImportField::District => self.district.as_deref(),
            ImportField::Segment => self.segment.as_deref(),
            ImportField::Tags => self.tags.as_deref(),
            ImportField::Consent => self.consent.as_deref(),
        }
    }

    pub fn set(&mut self, field: ImportField, column: Option<String>) {
        let slot = match field {
            ImportField::Phone => &mut self.phone,
            ImportField::Name => &mut self.name,
            ImportField::Region => &mut self.region,
            ImportField::State => &mut self.state,
            ImportField::District => &mut self.district,
            ImportField::Segment => &mut self.segment,
            ImportField::Tags => &mut self.tags,
            ImportField::Consent => &mut self.consent,
        };
        *slot = column;
    }

    /// Reads `"phone=Mobile,name=Full Name"` (an empty column unmaps the field).
    pub fn parse_overrides(spec: &str) -> Result<Vec<(ImportField, Option<String>)>, ImportError> {
        let mut out = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((field, column)) = part.split_once('=') else {
                return Err(ImportError::BadMapping {
                    message: format!("\"{part}\" is not field=column"),
                    fix: "Write the mapping as --map phone=Mobile,name=Full Name".into(),
                });
            };
            let column = column.trim();
            out.push((ImportField::parse(field)?, (!column.is_empty()).then(|| column.to_string())));
        }
        Ok(out)
    }

    /// Column index of each mapped field in `headers` (case-insensitive).
    pub(crate) fn resolve(&self, headers: &[String]) -> Result<Vec<(ImportField, usize)>, ImportError> {
        let mut out = Vec::new();
        for field in ImportField::ALL {
            let Some(column) = self.get(field) else { continue };
            let wanted = column.trim().to_lowercase();
            let index = headers.iter().position(|h| h.trim().to_lowercase() == wanted).ok_or_else(|| {
                ImportError::BadMapping {
                    message: format!("the file has no column \"{column}\" (for {})", field.as_str()),
                    fix: format!("Pick one of its columns: {}", headers.join(", ")),
                }
            })?;
            out.push((field, index));
        }
        Ok(out)
    }
}

fn normalise_header(h: &str) -> String {
    h.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase()
}

/// Does the first row look like a header row?
pub(crate) fn looks_like_headers(first: &[String]) -> bool {
    let named = first.iter().any(|h| {
        let n = normalise_header(h);
        ImportField::ALL.iter().any(|f| f.aliases().contains(&n.as_str()))
    });
    let has_number = first.iter().any(|c| c.chars().filter(char::is_ascii_digit).count() >= 7);
    named || !has_number
}

/// A mapping proposed from header names; with no header row, from the
/// first row's values (the first column holding a phone-like value).
pub fn propose_mapping(headers: &[String], first_row: Option<&[String]>, has_headers: bool) -> ColumnMapping {
    let mut mapping = ColumnMapping::default();
    let mut used = vec![false; headers.len()];
    if has_headers {
        for field in ImportField::ALL {
            let exact = headers.iter().enumerate().find(|(i, h)| !used[*i] && field.aliases().contains(&normalise_header(h).as_str()));
            let loose = || {
                field.hint().and_then(|hint| {
                    headers.iter().enumerate().find(|(i, h)| !used[*i] && normalise_header(h).contains(hint))
                })
            };
            if let Some((i, h)) = exact.or_else(loose) {
                used[i] = true;
                mapping.set(field, Some(h.clone()));
            }
        }
    } else if let Some(row) = first_row {
        let phone = row.iter().position(|c| c.chars().filter(char::is_ascii_digit).count() >= 7);
        if let Some(i) = phone {
            mapping.phone = headers.get(i).cloned();
        }
        let name = row
            .iter()
            .enumerate()
            .position(|(i, c)| Some(i) != phone && c.chars().any(char::is_alphabetic));
        if let Some(i) = name {
            mapping.name = headers.get(i).cloned();
        }
    }
    mapping
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn headers_are_recognised_by_their_usual_names() {
        let h = s(&["Full Name", "WhatsApp No.", "District", "Tags"]);
        assert!(looks_like_headers(&h));
        let m = propose_mapping(&h, None, true);
        assert_eq!(m.phone.as_deref(), Some("WhatsApp No."));
        assert_eq!(m.name.as_deref(), Some("Full Name"));
        assert_eq!(m.district.as_deref(), Some("District"));
        assert_eq!(m.tags.as_deref(), Some("Tags"));
        assert_eq!(m.region, None);
        let m = propose_mapping(&s(&["Party Name", "Customer Mobile Number"]), None, true);
        assert_eq!((m.name.as_deref(), m.phone.as_deref()), (Some("Party Name"), Some("Customer Mobile Number")));
    }

    #[test]
    fn a_file_without_headers_is_mapped_from_its_values() {
        let first = s(&["Arun", "98765 43210", "Salem"]);
        assert!(!looks_like_headers(&first));
        let h = s(&["column 1", "column 2", "column 3"]);
        let m = propose_mapping(&h, Some(&first), false);
        assert_eq!((m.phone.as_deref(), m.name.as_deref()), (Some("column 2"), Some("column 1")));
    }

    #[test]
    fn overrides_are_read_and_checked() {
        let o = ColumnMapping::parse_overrides("phone=Mobile, name=Full Name,tags=").unwrap();
        assert_eq!(o[0], (ImportField::Phone, Some("Mobile".into())));
        assert_eq!(o[1], (ImportField::Name, Some("Full Name".into())));
        assert_eq!(o[2], (ImportField::Tags, None));
        assert!(ColumnMapping::parse_overrides("colour=Red").is_err());
        assert!(ColumnMapping::parse_overrides("phone").is_err());
        let m = ColumnMapping { phone: Some("mobile".into()), ..Default::default() };
        assert_eq!(m.resolve(&s(&["Name", "Mobile"])).unwrap(), vec![(ImportField::Phone, 1)]);
        assert!(ColumnMapping { phone: Some("Cell".into()), ..Default::default() }.resolve(&s(&["Mobile"])).is_err());
    }
}
