//! Verbalization: normalized printed text in, what will be said out.
//!
//! In: text after [`crate::text::normalize()`]. Out: the same text with every number, date, percent,
//! Latin word and symbol written as Arabic words; number words fully vocalized ([`number()`]).
//! Never: an ASCII digit or a Latin letter in the output, a quote, bracket or slash read aloud, or
//! an existing haraka removed or moved.
//!
//! Rules (IDs in tests and `tests/data/text/*.tsv`):
//! - `V1` a number takes its case from the word before it (genitive after a preposition or a
//!   proclitic `بـ`/`لـ`/`كـ`) and its gender from the counted noun after it (`data/noun_gender.tsv`);
//!   with a known noun it is said in construct ([`NumberForm::construct`]).
//! - `V2` a number after `عام`/`سنة` is a year: genitive cardinal.
//! - `V3` `7 أكتوبر [2023]` and `12/08/2014` are dates: ordinal day + `مِنْ` + month [+ `عَامَ` year].
//! - `V4` a paired month `أكتوبر/ تشرين الأول` is said once (the first name).
//! - `V5` `12%`, `%12`, `12٪` → number + `بِالْمِئَةِ`; decimals → `فَاصِلَة` between the two parts.
//! - `V6` a detached proclitic joins what follows: `بـ 7.9` → `بِسَبْعَة...`, `لـ"العالم"` → `للعالم`.
//! - `V7` Latin words via [`latin`]; quotes, brackets, slashes and markup symbols are silent.

pub mod date;
pub mod latin;
pub mod number;

use std::collections::HashMap;
use std::sync::LazyLock;

pub use date::{date, date_in_case, day_ordinal};
pub use number::{cardinal, number, Case, Gender, NumberForm};

use crate::text::months::{self, MonthFamily};
use crate::text::normalize::{is_arabic_letter, is_harakah, TATWEEL};

pub(crate) const NOUN_GENDER_TSV: &str = include_str!("../data/noun_gender.tsv");

static NOUN_GENDER: LazyLock<HashMap<&'static str, Gender>> = LazyLock::new(|| {
    NOUN_GENDER_TSV
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(w, g)| (w, if g == "f" { Gender::Feminine } else { Gender::Masculine }))
        .collect()
});

/// Gender of a counted noun as printed (with or without a proclitic `ال`), if known.
pub fn noun_gender(word: &str) -> Option<Gender> {
    NOUN_GENDER.get(word).copied()
}

/// Words after which a number is genitive (prepositions and nouns that govern it).
const GENITIVE_BEFORE: &[&str] = &[
    "في",
    "من",
    "إلى",
    "الى",
    "على",
    "عن",
    "حتى",
    "منذ",
    "نحو",
    "حوالي",
    "بنحو",
    "بحوالي",
    "قرابة",
    "خلال",
    "بعد",
    "قبل",
    "مع",
    "عبر",
    "لمدة",
    "بين",
    "أكثر",
    "اكثر",
    "أقل",
    "اقل",
];
/// Words after which a number is a year.
const YEAR_BEFORE: &[&str] = &["عام", "العام", "لعام", "وعام", "سنة", "السنة", "لسنة", "عامي"];
const PERCENT: &str = "بِالْمِئَةِ";
const POINT: &str = "فَاصِلَة";
/// Longer digit runs are read digit by digit (phone numbers, codes), never as one value.
const MAX_VALUE_DIGITS: usize = 15;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// Integer digits (group separators removed) and optional decimal digits.
    Num(String, Option<String>),
    Latin(String),
    Word(String),
    Punct(char),
    Space,
}

fn tokenize(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_ascii_digit() {
            let mut int = String::new();
            while i < chars.len() {
                if chars[i].is_ascii_digit() {
                    int.push(chars[i]);
                    i += 1;
                } else if chars[i] == ','
                    && chars.get(i + 1..i + 4).is_some_and(|g| g.iter().all(char::is_ascii_digit))
                    && !chars.get(i + 4).is_some_and(char::is_ascii_digit)
                {
                    i += 1; // thousands separator
                } else {
                    break;
                }
            }
            let mut frac = None;
            if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                i += 1;
                let f: String = chars[i..].iter().take_while(|c| c.is_ascii_digit()).collect();
                i += f.len();
                frac = Some(f);
            }
            out.push(Tok::Num(int, frac));
        } else if c.is_ascii_alphabetic() {
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric()
                    || (matches!(chars[i], '\'' | '-' | '.')
                        && chars.get(i + 1).is_some_and(char::is_ascii_alphabetic)))
            {
                i += 1;
            }
            out.push(Tok::Latin(chars[start..i].iter().filter(|c| !c.is_ascii_digit()).collect()));
        } else if is_arabic_letter(c) || is_harakah(c) || c == TATWEEL {
            while i < chars.len()
                && (is_arabic_letter(chars[i]) || is_harakah(chars[i]) || chars[i] == TATWEEL)
            {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        } else if c.is_whitespace() {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            out.push(Tok::Space);
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

/// Index of the next token that is not a space, from `i`.
fn skip_space(toks: &[Tok], i: usize) -> usize {
    if matches!(toks.get(i), Some(Tok::Space)) {
        i + 1
    } else {
        i
    }
}

/// The month named at `i` (one or two words), with the index after it.
fn month_at(toks: &[Tok], i: usize) -> Option<(&'static months::MonthName, String, usize)> {
    let Some(Tok::Word(w1)) = toks.get(i) else {
        return None;
    };
    if let (Some(Tok::Space), Some(Tok::Word(w2))) = (toks.get(i + 1), toks.get(i + 2)) {
        let two = format!("{w1} {w2}");
        if let Some(m) = months::lookup(&two) {
            return Some((m, two, i + 3));
        }
    }
    months::lookup(w1).filter(|m| m.family != MonthFamily::Hijri).map(|m| (m, w1.clone(), i + 1))
}

/// After a month at `i`, a paired `/ other-month` naming the same month: index after it (V4).
fn skip_paired_month(toks: &[Tok], i: usize, month: u32) -> usize {
    let j = skip_space(toks, i);
    if toks.get(j) == Some(&Tok::Punct('/')) {
        if let Some((m, _, end)) = month_at(toks, skip_space(toks, j + 1)) {
            if m.month == month {
                return end;
            }
        }
    }
    i
}

fn digits_one_by_one(d: &str) -> String {
    d.chars()
        .filter_map(|c| c.to_digit(10))
        .map(|v| cardinal(u64::from(v), Gender::Masculine, Case::Nominative))
        .collect::<Vec<_>>()
        .join(" ")
}

fn integer(d: &str, form: NumberForm) -> String {
    let trimmed = d.trim_start_matches('0');
    if trimmed.len() > MAX_VALUE_DIGITS {
        return digits_one_by_one(d);
    }
    number(trimmed.parse().unwrap_or(0), form)
}

/// Decimals: the fraction part is read as a number, with each leading zero said (`0.05` → صفر
/// فاصلة صفر خمسة).
fn decimal(int: &str, frac: &str, case: Case) -> String {
    let plain = NumberForm { gender: Gender::Masculine, case, construct: false };
    let zeros = frac.chars().take_while(|&c| c == '0').count();
    let mut parts = vec![integer(int, plain), POINT.to_string()];
    let rest = &frac[zeros..];
    parts.extend(std::iter::repeat_n(
        "صِفْر".to_string(),
        if rest.is_empty() { zeros.max(1) } else { zeros },
    ));
    if !rest.is_empty() {
        parts.push(integer(rest, plain));
    }
    parts.join(" ")
}

/// Vocalized prefix for a proclitic letter, and whether it makes what follows genitive.
fn proclitic(letter: char) -> (&'static str, bool) {
    match letter {
        'ب' => ("بِ", true),
        'ل' => ("لِ", true),
        'ك' => ("كَ", true),
        'و' => ("وَ", false),
        _ => ("فَ", false),
    }
}

/// Writes out everything that is not an Arabic word. See the module docs for the rules.
pub fn verbalize(text: &str) -> String {
    let toks = tokenize(text);
    let mut out: Vec<String> = Vec::new();
    let mut prev_word: Option<String> = None;
    let mut pending: Option<char> = None;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Space => {
                out.push(" ".to_string());
                i += 1;
            }
            Tok::Word(w) => {
                let bare: Vec<char> = w.chars().filter(|&c| c != TATWEEL).collect();
                if w.ends_with(TATWEEL) && bare.len() == 1 && bare[0] != 'ه' {
                    pending = Some(bare[0]); // V6
                    i += 1;
                    continue;
                }
                if w == "هـ" {
                    out.push("هِجْرِيًّا".to_string());
                    i += 1;
                    continue;
                }
                let mut said = w.replace(TATWEEL, "");
                let mut next = i + 1;
                if let Some((m, name, end)) = month_at(&toks, i) {
                    said = name;
                    next = skip_paired_month(&toks, end, m.month); // V4
                }
                if let Some(p) = pending.take() {
                    said = if p == 'ل' && said.starts_with("ال") {
                        format!("لل{}", &said["ال".len()..])
                    } else {
                        format!("{p}{said}")
                    };
                }
                prev_word = Some(said.clone());
                out.push(said);
                i = next;
            }
            Tok::Latin(_) => {
                let mut words = Vec::new();
                let mut j = i;
                while let Some(Tok::Latin(l)) = toks.get(j) {
                    words.push(l.as_str());
                    if toks.get(j + 1) == Some(&Tok::Space)
                        && matches!(toks.get(j + 2), Some(Tok::Latin(_)))
                    {
                        j += 2;
                    } else {
                        j += 1;
                        break;
                    }
                }
                let said = latin::latin_words(&words);
                out.push(match pending.take() {
                    Some(p) => format!("{}{said}", proclitic(p).0),
                    None => said,
                });
                prev_word = None;
                i = j;
            }
            Tok::Num(int, frac) => {
                let (prefix, genitive_clitic) = match pending.take() {
                    Some(p) => proclitic(p),
                    None => ("", false),
                };
                let prev = prev_word.as_deref().unwrap_or("");
                let case = if genitive_clitic || GENITIVE_BEFORE.contains(&prev) {
                    Case::Genitive
                } else {
                    Case::Nominative
                };
                let (said, next) = say_number(&toks, i, int, frac.as_deref(), case, prev);
                out.push(format!("{prefix}{said}"));
                prev_word = None;
                i = next;
            }
            Tok::Punct(c) => {
                let c = *c;
                i += 1;
                match c {
                    '%' | '٪' => {
                        // `%12`: the number follows.
                        let j = skip_space(&toks, i);
                        if let Some(Tok::Num(int, frac)) = toks.get(j) {
                            let (said, next) =
                                say_number(&toks, j, int, frac.as_deref(), Case::Nominative, "");
                            out.push(format!("{said} {PERCENT}"));
                            i = next;
                        } else {
                            out.push(PERCENT.to_string());
                        }
                    }
                    '&' => out.push("وَ".to_string()),
                    '-' | '–' | '—' => out.push(" ، ".to_string()),
                    '.' | '،' | '؛' | ':' | '؟' | '!' | '?' | ',' | ';' | '…' => {
                        out.push(c.to_string());
                    }
                    // V7: quotes, brackets, slashes and markup are silent.
                    _ => out.push(" ".to_string()),
                }
                if c != '%' && c != '٪' {
                    prev_word = None;
                }
            }
        }
    }
    tidy(&out.concat())
}

/// A number token at `i` with what it may start (a date, a percent); returns the words and the
/// index after everything consumed.
fn say_number(
    toks: &[Tok],
    i: usize,
    int: &str,
    frac: Option<&str>,
    case: Case,
    prev: &str,
) -> (String, usize) {
    let after = i + 1;
    // V3: numeric date d/m/yyyy or d-m-yyyy.
    if frac.is_none() {
        if let (
            Some(Tok::Punct(s1)),
            Some(Tok::Num(m, None)),
            Some(Tok::Punct(s2)),
            Some(Tok::Num(y, None)),
        ) = (toks.get(after), toks.get(after + 1), toks.get(after + 2), toks.get(after + 3))
        {
            if s1 == s2 && matches!(s1, '/' | '-' | '.') && y.len() == 4 {
                let parsed = chrono::NaiveDate::from_ymd_opt(
                    y.parse().unwrap_or(0),
                    m.parse().unwrap_or(0),
                    int.parse().unwrap_or(0),
                );
                if let Some(d) = parsed {
                    return (date_in_case(d, MonthFamily::default(), case), after + 4);
                }
            }
        }
        // V3: day + month name [+ year].
        let day: u32 = int.parse().unwrap_or(0);
        if (1..=31).contains(&day) && int.len() <= 2 {
            if let Some((m, name, end)) = month_at(toks, skip_space(toks, after)) {
                let mut end = skip_paired_month(toks, end, m.month);
                let mut said = format!("{} مِنْ {name}", day_ordinal(day, case));
                let j = skip_space(toks, end);
                if let Some(Tok::Num(y, None)) = toks.get(j) {
                    if y.len() == 4 {
                        let year = integer(
                            y,
                            NumberForm {
                                gender: Gender::Masculine,
                                case: Case::Genitive,
                                construct: false,
                            },
                        );
                        said = format!("{said} عَامَ {year}");
                        end = j + 1;
                    }
                }
                return (said, end);
            }
        }
    }
    // V5: percent after the number.
    let j = skip_space(toks, after);
    if matches!(toks.get(j), Some(Tok::Punct('%' | '٪'))) {
        let said = match frac {
            Some(f) => decimal(int, f, case),
            None => integer(int, NumberForm { gender: Gender::Masculine, case, construct: false }),
        };
        return (format!("{said} {PERCENT}"), j + 1);
    }
    if let Some(f) = frac {
        return (decimal(int, f, case), after);
    }
    // V2: years.
    if YEAR_BEFORE.contains(&prev) {
        return (
            integer(
                int,
                NumberForm { gender: Gender::Masculine, case: Case::Genitive, construct: false },
            ),
            after,
        );
    }
    // V1: counted noun.
    let noun = match toks.get(skip_space(toks, after)) {
        Some(Tok::Word(w)) => noun_gender(w).or_else(|| w.strip_prefix("ال").and_then(noun_gender)),
        _ => None,
    };
    let value_small = int.len() <= 2 && matches!(int.trim_start_matches('0'), "1" | "2");
    let form = NumberForm {
        gender: noun.unwrap_or_default(),
        case,
        construct: noun.is_some() && !value_small,
    };
    (integer(int, form), after)
}

/// Collapses spaces and removes spaces before punctuation left by silent symbols.
fn tidy(s: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(joined.len());
    for c in joined.chars() {
        if matches!(c, '.' | '،' | '؛' | ':' | '؟' | '!' | ',' | ';' | '…' | '?')
            && out.ends_with(' ')
        {
            out.pop();
        }
        if c == '،' && out.ends_with('،') {
            continue;
        }
        out.push(c);
    }
    out.trim_start_matches(['،', ' ']).trim().to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests;
