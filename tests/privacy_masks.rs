//! Properties of privacy mode's masks: whatever the input, a masked phone number shows at most
//! two of its digits, and a masked name shows nothing of the name but its initials.

use callbrowser::privacy::{mask_name, mask_phone, mask_text};
use proptest::prelude::*;
use proptest::sample::select;

/// Strings mixing digits (ASCII and others), letters, separators and hostile characters.
fn mixed() -> impl Strategy<Value = String> {
    let pieces = select(vec![
        "0",
        "1",
        "5",
        "9",
        "٣",
        "५",
        "½",
        "²",
        "+",
        " ",
        "-",
        "(",
        ")",
        ".",
        "a",
        "Z",
        "é",
        "ß",
        "ǅ",
        "ª",
        "王",
        "\u{202E}",
        "\u{200B}",
        "\u{1b}[31m",
        "\u{0301}",
        "\t",
        "\n",
        "@",
        "_",
    ]);
    prop::collection::vec(
        prop_oneof![
            pieces.prop_map(String::from),
            any::<char>().prop_map(String::from)
        ],
        0..40,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_masked_number_shows_at_most_two_digits(s in mixed()) {
        let out = mask_phone(&s);
        prop_assert!(out.chars().filter(|c| c.is_numeric()).count() <= 2, "{s:?} → {out:?}");
        prop_assert!(
            !out.chars().any(|c| c.is_alphabetic() && !c.is_numeric()),
            "{s:?} → {out:?}"
        );
    }

    #[test]
    fn a_number_shows_only_its_own_last_two_digits(d in "[0-9]{3,15}") {
        let out = mask_phone(&d);
        let kept: String = out.chars().filter(char::is_ascii_digit).collect();
        prop_assert_eq!(kept, d[d.len() - 2..].to_string());
        prop_assert_eq!(out.chars().count(), d.len());
    }

    #[test]
    fn a_masked_name_is_initials_only(s in mixed()) {
        let out = mask_name(&s);
        prop_assert!(out.chars().filter(|c| c.is_numeric()).count() <= 2, "{s:?} → {out:?}");
        // No lowercase letter of the input, but one that has no capital form.
        prop_assert!(
            !out.chars().any(|c| c.is_lowercase() && c.to_uppercase().next() != Some(c)),
            "{s:?} → {out:?}"
        );
        // Each word one initial (a capital may be more than one letter: ß → SS).
        if out.chars().any(char::is_alphabetic) {
            for w in out.split(' ') {
                prop_assert!(w.ends_with('.') && w.chars().count() <= 4, "{s:?} → {out:?}");
            }
        }
    }

    #[test]
    fn free_text_keeps_no_long_number_whole(a in "[0-9]{7,12}", before in "[a-z ]{0,10}") {
        let text = format!("{before} {a} and more");
        let out = mask_text(&text, &[]);
        prop_assert!(!out.contains(&a), "{text:?} → {out:?}");
        prop_assert!(out.chars().filter(|c| c.is_ascii_digit()).count() <= 2);
    }
}
