use proptest::prelude::*;

use super::*;
use crate::campaigns::seed::target_seed;
use crate::campaigns::vars::known_variables;

fn known() -> Vec<String> {
    known_variables(["Ward No."])
}

fn ramesh() -> TargetVars {
    let mut v = TargetVars::new();
    v.set_name("Ramesh Kumar")
        .set("district", "Madurai")
        .set_column("Ward No.", "12");
    v
}

#[test]
fn renders_variables_fallbacks_and_columns() {
    let t = Template::compile(
        "Hi {{first_name}} from {{ district }}, ward {{ ward_no }}.",
        &known(),
    )
    .unwrap();
    assert_eq!(
        t.render(&ramesh(), 1).unwrap(),
        "Hi Ramesh from Madurai, ward 12."
    );

    let t = Template::compile("Hi {{ first_name | default(\"friend\") }}!", &known()).unwrap();
    assert_eq!(t.render(&ramesh(), 1).unwrap(), "Hi Ramesh!");
    assert_eq!(t.render(&TargetVars::new(), 1).unwrap(), "Hi friend!");
    let mut blank = TargetVars::new();
    blank.set("first_name", "  ");
    assert_eq!(t.render(&blank, 1).unwrap(), "Hi friend!");

    let t = Template::compile(
        "Hello{% if district %} from {{ district }}{% endif %}.",
        &known(),
    )
    .unwrap();
    assert_eq!(t.render(&ramesh(), 1).unwrap(), "Hello from Madurai.");
    assert_eq!(t.render(&TargetVars::new(), 1).unwrap(), "Hello.");
}

#[test]
fn no_html_escaping_and_text_kept_as_written() {
    let t = Template::compile("{{ name }} & <b>'x'</b>\n", &known()).unwrap();
    let mut v = TargetVars::new();
    v.set_name("A & B <C>");
    assert_eq!(t.render(&v, 0).unwrap(), "A & B <C> & <b>'x'</b>\n");
}

#[test]
fn missing_value_without_fallback_names_the_variable() {
    let t = Template::compile("Hi\n  {{ district }}", &known()).unwrap();
    let e = t.render(&TargetVars::new(), 0).unwrap_err();
    match e {
        RenderError::MissingValue { variable, position } => {
            assert_eq!(variable, "district");
            assert_eq!((position.line, position.column), (2, 6));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_variable_is_an_error_with_position_and_suggestion() {
    let e =
        Template::compile("Hello\n{Hi|Hey} {{ distrct | default('x') }}", &known()).unwrap_err();
    match &e {
        TemplateError::UnknownVariable {
            name,
            position,
            suggestion,
            ..
        } => {
            assert_eq!(name, "distrct");
            assert_eq!((position.line, position.column), (2, 13));
            assert_eq!(suggestion.as_deref(), Some("district"));
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("did you mean `district`"), "{e}");
    assert!(e.fix().contains("first_name"));
    let e = Template::compile("{{ Name }}", &known()).unwrap_err();
    assert!(
        matches!(e, TemplateError::UnknownVariable { suggestion: Some(ref s), .. } if s == "name")
    );
    // Inside a spintax option, in an if, and the first unknown by position wins.
    let e = Template::compile("{a|{% if zz %}b{% endif %}} {{ yy }}", &known()).unwrap_err();
    assert!(
        matches!(e, TemplateError::UnknownVariable { ref name, .. } if name == "zz"),
        "{e:?}"
    );
    // `loop`, set variables and the `range` function are not unknown.
    Template::compile(
        "{% set n = 2 %}{% for i in range(n) %}{{ loop.index }}{% endfor %}",
        &known(),
    )
    .unwrap();
    // An attribute of a known name is not a variable.
    Template::compile("{{ name.upper() }}", &known()).unwrap();
}

#[test]
fn syntax_errors_point_into_the_source() {
    let e = Template::compile("Hi {{ name | }}", &known()).unwrap_err();
    assert!(matches!(e, TemplateError::Syntax { .. }), "{e:?}");
    assert_eq!(e.position().unwrap().line, 1);
    let e = Template::compile("line one\n{% if name %}no end", &known()).unwrap_err();
    assert!(matches!(e, TemplateError::Syntax { .. }), "{e:?}");
    // A block split across spintax options is refused even though the
    // translated whole would parse.
    let e = Template::compile("{Hi {% if name %}|Hello{% endif %}}", &known()).unwrap_err();
    assert!(matches!(e, TemplateError::Syntax { .. }), "{e:?}");
    assert!(e.fix().contains("one spintax option"));
    assert_eq!(
        Template::compile("  \n", &known()).unwrap_err(),
        TemplateError::Empty
    );
    let e = Template::compile("{Hi|Hello", &known()).unwrap_err();
    assert!(matches!(
        e,
        TemplateError::Spintax(SpintaxError::UnclosedGroup { .. })
    ));
}

#[test]
fn spintax_and_variables_together_deterministic_per_target() {
    let t = Template::compile(
        "{Hi|Hello|Vanakkam} {{ first_name | default('friend') }}{!|.}",
        &known(),
    )
    .unwrap();
    let shape = t.shape();
    assert_eq!(shape.variables, vec!["first_name".to_string()]);
    assert_eq!((shape.spintax_groups, shape.spintax_variants), (2, 6));
    let seed = target_seed(9, "contact:5");
    let first = t.render(&ramesh(), seed).unwrap();
    for _ in 0..5 {
        assert_eq!(t.render(&ramesh(), seed).unwrap(), first);
    }
    let texts: std::collections::BTreeSet<String> = (0..200)
        .map(|i| {
            t.render(&ramesh(), target_seed(9, &format!("contact:{i}")))
                .unwrap()
        })
        .collect();
    assert_eq!(texts.len(), 6, "{texts:?}");
}

#[test]
fn literal_braces_stay_literal() {
    let t = Template::compile("Code \\{\\{SAVE10\\}\\} for {{ name }}", &known()).unwrap();
    let mut v = TargetVars::new();
    v.set_name("Asha");
    assert_eq!(t.render(&v, 0).unwrap(), "Code {{SAVE10}} for Asha");
}

#[test]
fn a_value_with_braces_is_never_spun_or_evaluated() {
    let t = Template::compile("Hi {{ name }}", &known()).unwrap();
    let mut v = TargetVars::new();
    v.set_name("{a|b} {{ 7 * 7 }}");
    assert_eq!(t.render(&v, 3).unwrap(), "Hi {a|b} {{ 7 * 7 }}");
}

#[test]
fn runaway_and_oversized_output_are_errors() {
    let t = Template::compile("{% for i in range(100000) %}{{ i }}{% endfor %}", &known()).unwrap();
    assert!(matches!(
        t.render(&TargetVars::new(), 0),
        Err(RenderError::Engine { .. })
    ));
    let t = Template::compile("{{ name * 70000 }}", &known()).unwrap();
    let mut v = TargetVars::new();
    v.set_name("a");
    assert!(
        matches!(t.render(&v, 0), Err(RenderError::TooLong { .. })),
        "{:?}",
        t.render(&v, 0)
    );
    let t = Template::compile("{% if name %}x{% endif %}", &known()).unwrap();
    assert_eq!(t.render(&TargetVars::new(), 0), Err(RenderError::Empty));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn compile_and_render_never_panic(src in "[a-c{}|%#\\\\ ]{0,30}|\\PC{0,30}", seed: u64) {
        if let Ok(t) = Template::compile(&src, &known()) {
            let a = t.render(&ramesh(), seed);
            prop_assert_eq!(a, t.render(&ramesh(), seed));
        }
    }
}

#[test]
fn errors_become_reports_with_a_fix() {
    let e = Template::compile("{{ distrct }}", &known()).unwrap_err();
    let r = crate::ErrorReport::from(&e);
    assert_eq!(r.kind, crate::ErrorKind::InvalidInput);
    assert!(
        r.message.contains("distrct") && r.message.contains("line 1, column 4"),
        "{}",
        r.message
    );
    assert!(r.fix.unwrap().contains("district"));
    let t = Template::compile("{{ district }}", &known()).unwrap();
    let r = crate::ErrorReport::from(&t.render(&TargetVars::new(), 0).unwrap_err());
    assert_eq!(
        r.fix.as_deref(),
        Some("Give a fallback: {{ district | default(\"…\") }}, or fill district for this contact")
    );
}

#[test]
fn problem_view_for_the_composer() {
    let p = Template::compile("Hi\n{{ frist_name }}", &known())
        .unwrap_err()
        .problem();
    assert_eq!(p.variable.as_deref(), Some("frist_name"));
    assert_eq!(p.suggestion.as_deref(), Some("first_name"));
    assert_eq!(p.position.map(|x| (x.line, x.column)), Some((2, 4)));
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["position"]["line"], 2);
    let p = Template::compile("{a|", &known()).unwrap_err().problem();
    assert_eq!((p.variable, p.position.map(|x| x.column)), (None, Some(1)));
}

#[test]
fn double_braces_meant_as_text_get_an_escape_hint() {
    let e = Template::compile("Use code {{SAVE10}}", &known()).unwrap_err();
    assert!(matches!(e, TemplateError::UnknownVariable { ref name, .. } if name == "SAVE10"));
    assert!(e.fix().ends_with("use \\{ and \\}"), "{}", e.fix());
}

#[test]
fn csv_columns_in_hindi_and_tamil_are_variables() {
    let known = known_variables(["மாவட்டம்"]);
    let t = Template::compile("{{ மாவட்டம் }}!", &known).unwrap();
    let mut v = TargetVars::new();
    v.set_column("மாவட்டம்", "மதுரை");
    assert_eq!(t.render(&v, 0).unwrap(), "மதுரை!");
    let known = known_variables(["मतदान केंद्र"]);
    let t = Template::compile("केंद्र: {{ मतदान_केंद्र }}", &known).unwrap();
    let mut v = TargetVars::new();
    v.set_column("मतदान केंद्र", "12");
    assert_eq!(t.render(&v, 0).unwrap(), "केंद्र: 12");
}
