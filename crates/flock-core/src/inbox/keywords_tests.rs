use super::*;

fn intent(reply: &str) -> ReplyIntent {
    classify(reply, &KeywordSettings::default())
}

fn opts_out(reply: &str) -> bool {
    matches!(intent(reply), ReplyIntent::OptOut { .. })
}

#[test]
fn english_opt_outs() {
    for r in [
        "STOP",
        "stop",
        " Stop ",
        "stop!",
        "STOP!!!",
        "Stop.",
        "STOP🙏",
        "stop please",
        "STOP please",
        "Please stop",
        "pls STOP",
        "Stop sending me messages",
        "stop it",
        "Unsubscribe",
        "unsubscribe me",
        "opt-out",
        "Opt out",
        "OPTOUT",
        "No, stop!",
        "ok stop",
        "remove me from your list",
        "cancel",
        "Cancel please",
        "END",
        "quit",
        "ｓｔｏｐ",
        "stop\u{200B}",
    ] {
        assert!(opts_out(r), "{r:?} should opt out");
    }
}

#[test]
fn english_non_opt_outs() {
    for r in [
        "don't stop sending",
        "Dont stop",
        "where is the bus stop",
        "stopping by tomorrow",
        "nonstop offers?",
        "Can you stop by?",
        "cancel my order",
        "the end",
        "what does STOP do",
        "s t o p",
        "",
        "   ",
        "🙏",
        "Thanks for the update",
        "I will never unsubscribe",
        "start",
    ] {
        assert!(!opts_out(r), "{r:?} should not opt out");
    }
}

#[test]
fn hindi_opt_outs_and_negations() {
    for r in [
        "रोकें",
        "रोको",
        "रोको ना",
        "रोक दो",
        "बंद करो",
        "बंद करें",
        "कृपया बंद करें",
        "मुझे मैसेज बंद करो",
        "मैसेज बंद करो जी",
        "अनसब्सक्राइब",
        "मैसेज मत भेजो",
        "मुझे मैसेज मत भेजो।",
        "band karo",
        "message band karo",
        "Bandh karo please",
    ] {
        assert!(opts_out(r), "{r:?} should opt out");
    }
    for r in [
        "मत बंद करो",
        "बंद मत करो",
        "रोको मत",
        "दुकान कब खुलेगी?",
        "नमस्ते",
        "band mat karo",
    ] {
        assert!(!opts_out(r), "{r:?} should not opt out");
    }
}

#[test]
fn tamil_opt_outs() {
    for r in [
        "நிறுத்து",
        "நிறுத்தவும்",
        "நிறுத்துங்கள்",
        "தயவுசெய்து நிறுத்துங்கள்",
        "தயவு செய்து நிறுத்தவும்",
        "மெசேஜ் அனுப்புவதை நிறுத்துங்கள்",
        "மெசேஜ் அனுப்ப வேண்டாம்",
        "அனுப்பாதீர்கள்",
        "நிறுத்துங்க சார்",
        "niruthu",
    ] {
        assert!(opts_out(r), "{r:?} should opt out");
    }
    for r in ["நிறுத்த வேண்டாம்", "நன்றி", "வணக்கம்"]
    {
        assert!(!opts_out(r), "{r:?} should not opt out");
    }
}

#[test]
fn opt_in_is_whole_message_and_opt_out_wins() {
    assert_eq!(
        intent("START"),
        ReplyIntent::OptIn {
            keyword: "start".into()
        }
    );
    assert_eq!(
        intent("start please"),
        ReplyIntent::OptIn {
            keyword: "start".into()
        }
    );
    assert_eq!(
        intent("शुरू करें"),
        ReplyIntent::OptIn {
            keyword: "शुरू करें".into()
        }
    );
    assert_eq!(intent("start from tomorrow?"), ReplyIntent::Other);
    assert_eq!(
        intent("stop start"),
        ReplyIntent::OptOut {
            keyword: "stop".into()
        }
    );
}

#[test]
fn the_matched_keyword_is_reported_and_settings_are_editable() {
    assert_eq!(
        intent("मुझे मैसेज बंद करो"),
        ReplyIntent::OptOut {
            keyword: "बंद करो".into()
        }
    );
    let settings = KeywordSettings {
        opt_out: vec![Keyword::new("BASTA", KeywordMatch::Start)],
        opt_in: vec![],
    };
    let m = KeywordMatcher::new(&settings);
    assert_eq!(
        m.classify("Basta!"),
        ReplyIntent::OptOut {
            keyword: "BASTA".into()
        }
    );
    assert_eq!(m.classify("stop"), ReplyIntent::Other);
    let json = serde_json::to_value(KeywordSettings::default()).unwrap();
    assert_eq!(
        json["optOut"][0],
        serde_json::json!({"phrase": "stop", "match": "start"})
    );
    let back: KeywordSettings = serde_json::from_value(json).unwrap();
    assert_eq!(back, KeywordSettings::default());
}

#[test]
fn normalisation() {
    assert_eq!(words(" Don’t STOP!! "), vec!["dont", "stop"]);
    assert_eq!(words("opt-out"), vec!["opt", "out"]);
    // Devanagari and Tamil signs stay inside their words.
    assert_eq!(words("बंद करो।"), vec!["बंद", "करो"]);
    assert_eq!(words("நிறுத்து!"), vec!["நிறுத்து"]);
    // NFKC: full-width letters and composed/decomposed forms read alike.
    assert_eq!(words("ＳＴＯＰ"), vec!["stop"]);
    assert_eq!(words("e\u{301}"), words("\u{e9}"));
}
