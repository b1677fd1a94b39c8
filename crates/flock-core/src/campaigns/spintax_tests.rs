use proptest::prelude::*;

use super::*;

fn all_resolutions(s: &Spintax, seeds: u64) -> std::collections::BTreeSet<String> {
    (0..seeds).map(|seed| s.resolve(seed)).collect()
}

#[test]
fn picks_one_option_per_group() {
    let s = Spintax::parse("{Hello|Hi|Vanakkam} Ramesh").unwrap();
    assert_eq!(s.group_count(), 1);
    assert_eq!(s.variant_count(), 3);
    let seen = all_resolutions(&s, 200);
    let want: std::collections::BTreeSet<String> = ["Hello Ramesh", "Hi Ramesh", "Vanakkam Ramesh"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(seen, want);
}

#[test]
fn nested_groups() {
    let s = Spintax::parse("{Hi|Hello {there|friend}}!").unwrap();
    assert_eq!(s.group_count(), 2);
    assert_eq!(s.variant_count(), 3);
    let seen = all_resolutions(&s, 300);
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(
        seen.contains("Hello friend!") && seen.contains("Hi!") && seen.contains("Hello there!")
    );
}

#[test]
fn same_seed_same_text_and_seeds_differ() {
    let s = Spintax::parse("{a|b|c|d}{1|2|3|4}{x|y|z}").unwrap();
    assert_eq!(s.resolve(42), s.resolve(42));
    assert_eq!(s.variant_count(), 48);
    assert!(all_resolutions(&s, 400).len() > 40);
}

#[test]
fn template_tags_are_never_spintax() {
    let src = "{Hi {{ first_name }}|Hello {{ name | default(\"a|b}\") }}} {# {not|spun} #}";
    let s = Spintax::parse(src).unwrap();
    assert_eq!(s.group_count(), 1);
    for t in all_resolutions(&s, 50) {
        assert!(
            t == "Hi {{ first_name }} {# {not|spun} #}"
                || t == "Hello {{ name | default(\"a|b}\") }} {# {not|spun} #}",
            "{t}"
        );
    }
    let s = Spintax::parse("{% if x %}{a|b}{% endif %}").unwrap();
    assert_eq!(s.group_count(), 1);
    let s = Spintax::parse("{% raw %}{not|spun}{% endraw %} {a|b}").unwrap();
    assert_eq!(s.group_count(), 1);
    assert!(s.resolve(1).starts_with("{% raw %}{not|spun}{% endraw %} "));
}

#[test]
fn bars_outside_groups_and_escapes_are_text() {
    let s = Spintax::parse("Price | Offer \\{SAVE10\\} \\| \\\\ \\n").unwrap();
    assert_eq!(s.group_count(), 0);
    assert_eq!(s.resolve(0), "Price | Offer {SAVE10} | \\ \\n");
    let s = Spintax::parse("{a\\|b|c}").unwrap();
    assert!(all_resolutions(&s, 50).contains("a|b"));
    // A group that starts with whitespace before a nested group is fine.
    let s = Spintax::parse("{ {a|b}|c}").unwrap();
    assert_eq!(s.variant_count(), 3);
}

#[test]
fn errors_name_their_position() {
    let at = |line, column| (line, column);
    type Case = (&'static str, fn(&SpintaxError) -> bool, (u32, u32));
    let cases: &[Case] = &[
        (
            "Hi {a|b",
            |e| matches!(e, SpintaxError::UnclosedGroup { .. }),
            at(1, 4),
        ),
        (
            "Hi\n {a|{b|c}",
            |e| matches!(e, SpintaxError::UnclosedGroup { .. }),
            at(2, 2),
        ),
        (
            "Hi a|b}",
            |e| matches!(e, SpintaxError::UnexpectedClose { .. }),
            at(1, 7),
        ),
        (
            "{a||b}",
            |e| matches!(e, SpintaxError::EmptyOption { .. }),
            at(1, 4),
        ),
        (
            "{|b}",
            |e| matches!(e, SpintaxError::EmptyOption { .. }),
            at(1, 2),
        ),
        (
            "{a|}",
            |e| matches!(e, SpintaxError::EmptyOption { .. }),
            at(1, 4),
        ),
        (
            "{}",
            |e| matches!(e, SpintaxError::EmptyOption { .. }),
            at(1, 2),
        ),
        (
            "Code {SAVE10}",
            |e| matches!(e, SpintaxError::SingleOption { .. }),
            at(1, 6),
        ),
        (
            "Hi {{ name }",
            |e| matches!(e, SpintaxError::UnclosedTag { opener: "{{", .. }),
            at(1, 4),
        ),
        (
            "{{a|b}|c}",
            |e| matches!(e, SpintaxError::UnclosedTag { opener: "{{", .. }),
            at(1, 1),
        ),
        (
            "ö {% if x",
            |e| matches!(e, SpintaxError::UnclosedTag { opener: "{%", .. }),
            at(1, 3),
        ),
        (
            "{% raw %}{a|b}",
            |e| {
                matches!(
                    e,
                    SpintaxError::UnclosedTag {
                        opener: "{% raw %}",
                        ..
                    }
                )
            },
            at(1, 1),
        ),
        (
            "{#",
            |e| matches!(e, SpintaxError::UnclosedTag { opener: "{#", .. }),
            at(1, 1),
        ),
    ];
    for (src, kind, (line, column)) in cases {
        let e = Spintax::parse(src).unwrap_err();
        assert!(kind(&e), "{src:?}: {e:?}");
        assert_eq!(
            (e.position().line, e.position().column),
            (*line, *column),
            "{src:?}: {e}"
        );
        assert!(!e.fix().is_empty());
    }
    let deep = "{a|".repeat(MAX_DEPTH + 1) + &"}".repeat(MAX_DEPTH + 1);
    assert!(matches!(
        Spintax::parse(&deep),
        Err(SpintaxError::TooDeep { .. })
    ));
    let ok = "{a|".repeat(MAX_DEPTH) + "b" + &"}".repeat(MAX_DEPTH);
    assert!(Spintax::parse(&ok).is_ok());
}

#[test]
fn position_counts_characters_not_bytes() {
    let p = Position::at("நன்றி\n🙏 {", 3 * 5 + 1 + 4 + 1);
    assert_eq!((p.line, p.column), (2, 3));
    assert_eq!(Position::at("ab", 99).column, 3);
}

#[test]
fn variant_count_saturates() {
    let src = "{a|b|c|d}".repeat(40);
    assert_eq!(Spintax::parse(&src).unwrap().variant_count(), u64::MAX);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics_and_is_deterministic(src in "[a-c{}|\\\\%# ]{0,40}", seed: u64) {
        if let Ok(s) = Spintax::parse(&src) {
            prop_assert_eq!(s.resolve(seed), s.resolve(seed));
            prop_assert_eq!(s.choices(seed).len(), s.group_count());
        }
    }

    #[test]
    fn any_unicode_never_panics(src in "\\PC{0,60}", seed: u64) {
        if let Ok(s) = Spintax::parse(&src) {
            let _ = s.resolve(seed);
            let _ = s.variant_count();
        } else if let Err(e) = Spintax::parse(&src) {
            prop_assert!(e.position().offset <= src.len());
        }
    }

    #[test]
    fn generated_spintax_parses_and_resolves_to_an_option(
        a in "[a-z ]{1,8}", b in "[a-z ]{1,8}", c in "[a-z ]{1,8}", seed: u64,
    ) {
        let s = Spintax::parse(&format!("<{{{a}|{b}|{c}}}>")).unwrap();
        let t = s.resolve(seed);
        let options = [format!("<{a}>"), format!("<{b}>"), format!("<{c}>")];
        prop_assert!(options.contains(&t), "{} not one of {:?}", t, options);
    }
}

#[test]
fn choices_are_pinned_across_builds() {
    // If this changes, a retry after an upgrade would send another text.
    let s = Spintax::parse("{a|b|c|d|e|f|g|h}{1|2|3|4|5|6|7|8}{x|y|z}").unwrap();
    let seed = crate::campaigns::seed::target_seed(1, "contact:1");
    assert_eq!(s.resolve(seed), "h4z");
}
