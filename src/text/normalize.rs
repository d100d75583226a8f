//! Normalization: printed text in, the same text cleaned out (still as printed, nothing verbalized).
//!
//! Steps (rule IDs used in tests and `tests/data/text/normalize.tsv`):
//! - `C1` presentation forms (U+FB50–FDFF, U+FE70–FEFF) and full-width forms are folded with NFKC,
//!   **one character at a time**: NFKC over the whole string would reorder harakat already present
//!   (shadda before fatha becomes fatha before shadda, which espeak misreads).
//! - `C2` invisible characters are dropped: bidi marks and embeddings, ZWJ/ZWNJ/ZWSP, word joiner,
//!   soft hyphen, BOM.
//! - `C3` tatweel (ـ) is dropped inside words, but kept where it carries meaning: the Hijri mark `هـ`
//!   after a number, and a one-letter proclitic detached from a number, a quote or a Latin word
//!   (`بـ 7.9`, `لـ"العالم"`); the verbalizer joins those.
//! - `C4` Arabic-Indic (٠–٩) and Persian (۰–۹) digits become ASCII digits; `٫` becomes `.` and `٬`
//!   becomes `,`, so numbers have one form downstream.
//! - `C5` ASCII `?` `,` `;` in Arabic context become `؟` `،` `؛` (not between digits: `1,000`).
//! - `C6` every run of whitespace (NBSP, thin space, tabs, newlines) becomes one space; ends trimmed.
//!
//! Never: change letters, strip or reorder harakat, or touch digits' values.

use unicode_normalization::UnicodeNormalization;

pub const TATWEEL: char = '\u{0640}';

/// Letters that attach to the next word as proclitics (بـ، لـ، كـ، وـ، فـ).
const PROCLITICS: &[char] = &['ب', 'ل', 'ك', 'و', 'ف'];

/// Cleans printed text without changing what it says. See the module docs for the rules.
pub fn normalize(text: &str) -> String {
    let mut chars: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars() {
        if is_invisible(c) {
            continue; // C2
        }
        if is_compatibility_form(c) {
            chars.extend(c.to_string().nfkc()); // C1
            continue;
        }
        chars.push(fold_digit(c)); // C4
    }
    let chars = tatweel(&chars);
    let chars = arabic_punctuation(&chars);
    chars.iter().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")
    // C6
}

/// Characters that take no space and carry nothing to speak.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// ASCII digits for Arabic-Indic and Persian ones, `.` for `٫` and `,` for `٬` (C4).
pub fn fold_digits(text: &str) -> String {
    text.chars().map(fold_digit).collect()
}

fn fold_digit(c: char) -> char {
    match c {
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        '\u{066B}' => '.',
        '\u{066C}' => ',',
        _ => c,
    }
}

fn is_compatibility_form(c: char) -> bool {
    matches!(c, '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFE}' | '\u{FF01}'..='\u{FF5E}')
}

/// Arabic letters proper (not digits, punctuation or harakat).
pub fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}' | '\u{0671}'..='\u{06D3}')
}

/// C3: keep `هـ` after a number and a detached one-letter proclitic; drop every other tatweel.
fn tatweel(chars: &[char]) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != TATWEEL {
            out.push(c);
            i += 1;
            continue;
        }
        let run_end = i + chars[i..].iter().take_while(|&&x| x == TATWEEL).count();
        let prev = out.last().copied();
        let before_prev = out.len().checked_sub(2).map(|j| out[j]);
        let next = chars.get(run_end).copied();
        let word_start = !before_prev.is_some_and(|p| is_arabic_letter(p) || is_harakah(p));
        let next_is_letter = next.is_some_and(|n| is_arabic_letter(n) || is_harakah(n));
        let hijri = prev == Some('ه')
            && !next_is_letter
            && before_prev.is_some_and(|p| p.is_ascii_digit() || p == ' ')
            && number_before(&out[..out.len() - 1]);
        let proclitic =
            prev.is_some_and(|p| PROCLITICS.contains(&p)) && word_start && !next_is_letter;
        if hijri || proclitic {
            out.push(TATWEEL);
        }
        i = run_end;
    }
    out
}

fn number_before(chars: &[char]) -> bool {
    chars.iter().rev().find(|c| **c != ' ').is_some_and(char::is_ascii_digit)
}

// The marks by name, for the rules that write or read them (verbalize, diacritize, pronounce).
pub const FATHATAN: char = '\u{064B}';
pub const DAMMATAN: char = '\u{064C}';
pub const KASRATAN: char = '\u{064D}';
pub const FATHA: char = '\u{064E}';
pub const DAMMA: char = '\u{064F}';
pub const KASRA: char = '\u{0650}';
pub const SHADDA: char = '\u{0651}';
pub const SUKUN: char = '\u{0652}';

/// Arabic harakat, shadda, sukun, superscript alef.
pub fn is_harakah(c: char) -> bool {
    is_case_mark(c) || c == '\u{0670}'
}

/// The eight marks from fathatan to sukun (U+064B–U+0652): what a diacritizer writes and the
/// DER scorer counts. Other marks, such as the superscript alef [`is_harakah`] also takes, are
/// ordinary characters to both.
pub fn is_case_mark(c: char) -> bool {
    (FATHATAN..=SUKUN).contains(&c)
}

/// C5: `?` `,` `;` take their Arabic forms when the nearest letter before them is Arabic.
fn arabic_punctuation(chars: &[char]) -> Vec<char> {
    let mut out = chars.to_vec();
    // The nearest letter so far, kept while walking forward (looking back from every mark would
    // be quadratic on a long run of punctuation).
    let mut last_letter: Option<char> = None;
    for i in 0..out.len() {
        let mapped = match out[i] {
            '?' => '؟',
            ',' => '،',
            ';' => '؛',
            c => {
                if c.is_alphabetic() {
                    last_letter = Some(c);
                }
                continue;
            }
        };
        let prev_digit = i > 0 && out[i - 1].is_ascii_digit();
        let next_digit = out.get(i + 1).is_some_and(char::is_ascii_digit);
        if out[i] == ',' && prev_digit && next_digit {
            continue;
        }
        if last_letter.is_some_and(is_arabic_letter) {
            out[i] = mapped;
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    #[test]
    fn presentation_forms_fold_without_reordering_harakat() {
        // ﻻ (lam-alef isolated) and ﷲ fold; the shadda-then-fatha order of مُمَثِّلُو stays.
        assert_eq!(normalize("ﻻ ﷲ"), "لا الله");
        let vocalized = "مُمَثِّلُو";
        assert_eq!(normalize(vocalized), vocalized);
        let shadda_first = "ر\u{0651}\u{064E}";
        assert_eq!(normalize(shadda_first), shadda_first);
    }

    #[test]
    fn invisible_controls_vanish() {
        assert_eq!(normalize("د\u{202A}.\u{202C} ديفيد\u{200C}\u{200D}\u{00AD}"), "د. ديفيد");
        assert_eq!(normalize("\u{FEFF}\u{200F}نص\u{2067}"), "نص");
    }

    #[test]
    fn tatweel_goes_inside_words_and_stays_where_it_means_something() {
        assert_eq!(normalize("كبـــير جـداً"), "كبير جداً");
        assert_eq!(normalize("عام 1445هـ"), "عام 1445هـ");
        assert_eq!(normalize("عام 1445 هـ"), "عام 1445 هـ");
        assert_eq!(normalize("تقدر بـ 7.9 مليار"), "تقدر بـ 7.9 مليار");
        assert_eq!(normalize("قال لـ\"العالم\""), "قال لـ\"العالم\"");
        assert_eq!(normalize("لـــ\"العالم\""), "لـ\"العالم\"");
        assert_eq!(normalize("هـذا"), "هذا");
    }

    #[test]
    fn eastern_digits_fold_with_their_separators() {
        assert_eq!(normalize("١٠٫٥ و۲۰۲۳ و١٬٠٠٠"), "10.5 و2023 و1,000");
    }

    #[test]
    fn ascii_punctuation_turns_arabic_after_arabic_letters() {
        assert_eq!(normalize("هل أتى? نعم, ربما; لا"), "هل أتى؟ نعم، ربما؛ لا");
        assert_eq!(normalize("Hello, world? 1,000"), "Hello, world? 1,000");
        assert_eq!(normalize("بلغ 1,000 دينار, تقريبا"), "بلغ 1,000 دينار، تقريبا");
    }

    #[test]
    fn whitespace_collapses_to_single_spaces() {
        assert_eq!(normalize("  نص\u{00A0}\u{2009} آخر\n\tهنا  "), "نص آخر هنا");
    }
}
