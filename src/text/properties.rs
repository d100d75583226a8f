//! Property tests of the front end (proptest): claims that must hold for any input, not only for
//! the golden rows.
//!
//! - `P1` no ASCII digit, Latin letter or spoken-aloud symbol survives into `spoken`, for random
//!   mixes of Arabic words, digits, Latin words, dates, amounts and punctuation.
//! - `P2` the words said for any integer up to 10^12, in every gender, case and ending, parse back
//!   ([`crate::text::verbalize::parse::value`]) to that integer.
//! - `P3` spoken text never carries a vowel before a shadda (espeak misreads that order).

use proptest::prelude::*;

use super::verbalize::{number, parse, Case, End, Gender, NumberForm};

/// Pieces of news text, joined by random separators.
fn piece() -> impl Strategy<Value = String> {
    let arabic = prop::sample::select(vec![
        "قال",
        "الوزير",
        "في",
        "عام",
        "من",
        "بنسبة",
        "نحو",
        "دولار",
        "سيارات",
        "المادة",
        "القرن",
        "الساعة",
        "أكتوبر",
        "تشرين الأول",
        "بـ",
        "لـ",
        "و",
        "د.",
        "ص.ب",
        "ق.م",
        "مليار",
        "هـ",
        "م",
        "كم",
        "إن",
        "بلغ",
        "جنود",
        "حماس",
        "الـ",
    ])
    .prop_map(str::to_string);
    let digits = "[0-9]{1,16}".prop_map(String::from);
    let decimal = (0u64..100_000, 0u64..1000).prop_map(|(a, b)| format!("{a}.{b}"));
    let date = (1u32..40, 1u32..14, 1900u32..2100, prop::sample::select(vec!['/', '-', '.']))
        .prop_map(|(d, m, y, s)| format!("{d}{s}{m}{s}{y}"));
    let time = (0u32..30, 0u32..70).prop_map(|(h, m)| format!("{h}:{m:02}"));
    let latin = "[A-Za-z]{1,9}".prop_map(String::from);
    let mixed = "[A-Za-z0-9]{1,8}".prop_map(String::from);
    let symbol = prop::sample::select(vec![
        "%", "$", "€", "£", "/", "-", "–", "×", "&", "*", "#", "@", "(", ")", "\"", "«", "»", ":",
        "،", ".", "?", "!", "٪", "°", "+", "=", "_", "|", "~", "^", "<", ">", "١٢", "٫", "٬",
    ])
    .prop_map(str::to_string);
    prop_oneof![arabic, digits, decimal, date, time, latin, mixed, symbol]
}

fn news_like() -> impl Strategy<Value = String> {
    prop::collection::vec((piece(), prop::sample::select(vec!["", " ", "  "])), 1..24)
        .prop_map(|parts| parts.into_iter().map(|(p, sep)| format!("{p}{sep}")).collect::<String>())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn p1_no_digit_latin_letter_or_symbol_survives_into_spoken(text in news_like()) {
        let said = super::spoken(&text);
        prop_assert!(
            !said.chars().any(|c| c.is_ascii_alphanumeric()
                || ('\u{0660}'..='\u{0669}').contains(&c)
                || matches!(c, '/' | '%' | '٪' | '$' | '€' | '£' | '&' | '*' | '#' | '@' | '+'
                    | '=' | '_' | '|' | '~' | '^' | '<' | '>' | '°' | '×')),
            "{text:?} -> {said:?}"
        );
        for s in super::sentences(&text) {
            prop_assert!(!s.spoken.chars().any(|c| c.is_ascii_alphanumeric()), "{text:?} -> {:?}", s.spoken);
        }
    }

    #[test]
    fn p2_number_words_parse_back_to_their_value(
        n in prop_oneof![0u64..1000, 0u64..1_000_000, 0u64..=1_000_000_000_000],
        gender in prop::sample::select(vec![Gender::Masculine, Gender::Feminine]),
        case in prop::sample::select(vec![Case::Nominative, Case::Accusative, Case::Genitive]),
        end in prop::sample::select(vec![End::Pause, End::Connected, End::Construct]),
    ) {
        let words = number(n, NumberForm::new(gender, case).with_end(end));
        prop_assert_eq!(parse::value_as_said(&words, end), Some(n), "{}", words);
    }

    #[test]
    fn p3_spoken_text_puts_shadda_before_the_vowel(text in news_like()) {
        let said = super::spoken(&text);
        let chars: Vec<char> = said.chars().collect();
        prop_assert!(
            !chars.windows(2).any(|w| ('\u{064B}'..='\u{0650}').contains(&w[0]) && w[1] == '\u{0651}'),
            "{said:?}"
        );
    }
}

/// Every integer of the first ten thousand and round values to 10^12 parse back, exhaustively.
#[test]
fn every_small_number_and_every_round_number_parses_back() {
    let mut values: Vec<u64> = (0..=10_000).collect();
    let mut p = 1u64;
    while p <= 1_000_000_000_000 {
        values.extend((1..=999).map(|k| k * p));
        p *= 1000;
    }
    for n in values {
        for gender in [Gender::Masculine, Gender::Feminine] {
            for case in [Case::Nominative, Case::Accusative, Case::Genitive] {
                for end in [End::Pause, End::Connected, End::Construct] {
                    let words = number(n, NumberForm::new(gender, case).with_end(end));
                    assert_eq!(parse::value_as_said(&words, end), Some(n), "{words}");
                }
            }
        }
    }
}
