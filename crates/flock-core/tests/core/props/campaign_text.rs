//! A campaign's text: spintax and template rendering. The campaign module's
//! own properties (never panics on small alphabets, same seed same text, a
//! flat group resolves to one of its options) are not repeated here; these
//! check what a composer can type and what a contact's values can hold.

use flock_core::campaigns::spintax::Spintax;
use flock_core::campaigns::template::{RenderError, Template, TemplateError, MAX_MESSAGE_CHARS};
use flock_core::campaigns::vars::{known_variables, variable_name, TargetVars};
use proptest::prelude::*;

/// Writes `text` so that spintax reads it back as exactly that text.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '{' | '}' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A generated spintax text: what it is made of, to know every text it can give.
#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Group(Vec<Vec<Piece>>),
}

fn literal() -> impl Strategy<Value = String> {
    // Any text, but an option may not start with `%` or `#` (`{%` and `{#`
    // open a template tag: documented in spintax.rs).
    "[^%#\\p{Cc}][^\\p{Cc}]{0,5}"
}

fn pieces() -> impl Strategy<Value = Vec<Piece>> {
    let leaf = literal().prop_map(Piece::Text);
    let piece = leaf.prop_recursive(4, 24, 4, |inner| {
        // An option: text first (a group cannot open with another group).
        let option = (literal(), prop::collection::vec(inner, 0..3)).prop_map(|(head, rest)| {
            let mut o = vec![Piece::Text(head)];
            o.extend(rest);
            o
        });
        prop::collection::vec(option, 2..4).prop_map(Piece::Group)
    });
    prop::collection::vec(piece, 1..4)
}

fn source(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => escape(t),
            Piece::Group(options) => {
                format!("{{{}}}", options.iter().map(|o| source(o)).collect::<Vec<_>>().join("|"))
            }
        })
        .collect()
}

/// Every text the pieces can give, one per path (duplicates kept).
fn expansions(pieces: &[Piece]) -> Vec<String> {
    let mut out = vec![String::new()];
    for p in pieces {
        let tails: Vec<String> = match p {
            Piece::Text(t) => vec![t.clone()],
            Piece::Group(options) => options.iter().flat_map(|o| expansions(o)).collect(),
        };
        out = out.iter().flat_map(|head| tails.iter().map(move |t| format!("{head}{t}"))).collect();
    }
    out
}

/// Tokens a composer types, valid and not, mixed at random.
fn composer_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("|".to_string()),
        Just("\\".to_string()),
        Just("{{ name }}".to_string()),
        Just("{{ first_name | default(\"friend\") }}".to_string()),
        Just("{{ district | upper }}".to_string()),
        Just("{{ nmae }}".to_string()),
        Just("{% if district %}".to_string()),
        Just("{% else %}".to_string()),
        Just("{% endif %}".to_string()),
        Just("{% for i in range(100000) %}{{ i }}{% endfor %}".to_string()),
        Just("{# note #}".to_string()),
        Just("{% raw %}".to_string()),
        Just("{% endraw %}".to_string()),
        Just("{{".to_string()),
        Just("}}".to_string()),
        Just("%}".to_string()),
        Just("\n".to_string()),
        "[a-z ]{1,6}",
        "\\PC{1,3}",
    ];
    prop::collection::vec(token, 0..14).prop_map(|t| t.concat())
}

fn valid_position(src: &str, e: &TemplateError) -> Result<(), TestCaseError> {
    if let Some(p) = e.position() {
        prop_assert!(p.offset <= src.len() && src.is_char_boundary(p.offset), "{:?} outside {:?}", p, src);
        let before = &src[..p.offset];
        prop_assert_eq!(p.line as usize, before.matches('\n').count() + 1, "line of {:?} in {:?}", p, src);
    }
    Ok(())
}

proptest! {
    #![proptest_config(super::cases(3000))]

    /// Escaped text is that text: spintax gives it back for every seed, and
    /// so does the template (a literal `{{`, `{%`, `|` or `\` is never
    /// read as markup).
    #[test]
    fn escaped_text_renders_as_itself(text in "\\PC{1,60}", seed: u64) {
        let src = escape(&text);
        let s = Spintax::parse(&src).unwrap();
        prop_assert_eq!(s.group_count(), 0);
        prop_assert_eq!(s.resolve(seed), text.clone());
        match Template::compile(&src, &known_variables([])) {
            Ok(t) => prop_assert_eq!(t.render(&TargetVars::new(), seed).unwrap(), text),
            Err(TemplateError::Empty) => prop_assert!(text.trim().is_empty()),
            Err(e) => prop_assert!(false, "{:?} ({:?}) refused: {}", text, src, e),
        }
    }

    /// Nested groups: the count of variants is the count of paths, and
    /// every seed gives one of them.
    #[test]
    fn nested_groups_give_one_of_their_expansions(pieces in pieces(), seed: u64) {
        let src = source(&pieces);
        let all = expansions(&pieces);
        let s = Spintax::parse(&src).unwrap_or_else(|e| panic!("{src:?}: {e}"));
        prop_assert_eq!(s.variant_count(), all.len() as u64, "{:?}", src);
        let got = s.resolve(seed);
        prop_assert!(all.contains(&got), "{:?} gave {:?}, not one of {:?}", src, got, all);
        if let Ok(t) = Template::compile(&src, &known_variables([])) {
            prop_assert_eq!(t.render(&TargetVars::new(), seed).ok(), Some(got).filter(|g| !g.trim().is_empty()));
        }
    }

    /// Whatever a composer types: compiling never panics, an error points
    /// into the text (a character boundary, its line), and a compiled text
    /// renders to at most WhatsApp's length or a typed error; loops stop.
    #[test]
    fn any_composer_text_compiles_or_points_at_the_problem(src in composer_text(), seed: u64, district in "\\PC{0,8}") {
        let known = known_variables([]);
        match Template::compile(&src, &known) {
            Ok(t) => {
                let mut vars = TargetVars::new();
                vars.set_name("Ramesh Kumar").set("district", &district);
                match t.render(&vars, seed) {
                    Ok(text) => prop_assert!(!text.trim().is_empty() && text.chars().count() <= MAX_MESSAGE_CHARS),
                    Err(RenderError::TooLong { chars }) => prop_assert!(chars > MAX_MESSAGE_CHARS),
                    Err(RenderError::MissingValue { variable, position }) => {
                        prop_assert!(known.contains(&variable) || variable == "a variable", "{}", variable);
                        prop_assert!(position.offset <= src.len());
                    }
                    Err(RenderError::Empty) => {}
                    Err(RenderError::Engine { position, .. }) => prop_assert!(position.offset <= src.len()),
                }
            }
            Err(e) => {
                valid_position(&src, &e)?;
                prop_assert!(!e.fix().is_empty());
                if let TemplateError::UnknownVariable { name, .. } = &e {
                    prop_assert!(src.contains(name.as_str()), "{} not in {:?}", name, src);
                }
            }
        }
    }

    /// A contact's value goes out exactly as stored (trimmed): never read
    /// as a template, never cut; over WhatsApp's length it is refused.
    #[test]
    fn contact_values_are_inserted_verbatim(value in prop_oneof![
        "\\PC{0,40}",
        "\\{\\{ ?[a-z_]{1,8} ?\\}\\}|\\{% ?[a-z]{2,6} ?%\\}|\\{[a-z]\\|[a-z]\\}",
        "[a-z]{1,3}".prop_map(|s| s.repeat(MAX_MESSAGE_CHARS / 3 + 7)),
    ]) {
        let t = Template::compile("Hi {{ name }}!", &known_variables([])).unwrap();
        let mut vars = TargetVars::new();
        vars.set("name", &value);
        let want = format!("Hi {}!", value.trim());
        match t.render(&vars, 7) {
            Ok(text) => prop_assert_eq!(text, want),
            Err(RenderError::MissingValue { variable, .. }) => {
                prop_assert!(value.trim().is_empty());
                prop_assert_eq!(variable, "name");
            }
            Err(RenderError::TooLong { chars }) => {
                prop_assert_eq!(chars, want.chars().count());
                prop_assert!(chars > MAX_MESSAGE_CHARS);
            }
            Err(e) => prop_assert!(false, "{:?}: {}", value, e),
        }
    }

    /// Any CSV header that becomes a variable name can be used in a text
    /// and gets that column's value.
    #[test]
    fn every_csv_header_name_is_a_usable_variable(header in "\\PC{1,16}") {
        if let Some(name) = variable_name(&header) {
            let known = known_variables([header.as_str()]);
            prop_assert!(known.contains(&name));
            let t = Template::compile(&format!("{{{{ {name} }}}}"), &known)
                .map_err(|e| TestCaseError::fail(format!("{header:?} → {name:?}: {e}")))?;
            let mut vars = TargetVars::new();
            vars.set_column(&header, "v1");
            // A standard name (a header "Name") is that variable, set the same way.
            prop_assert_eq!(t.render(&vars, 0).unwrap(), "v1");
        }
    }
}
