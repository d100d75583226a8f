//! Number words back to their value: the inverse of [`super::number()`], so tests can check that
//! what is said for a number is that number, in every gender, case and state.
//!
//! In: cardinal number words, vocalized or not, joined by spaces (`أَلْفَيْنِ وَثَلَاثَةٍ وَعِشْرِينَ`,
//! `ثلاثمئة`, `مائة`). Out: the value, or `None` when a word is not a number word or the words do
//! not form a number. Never: a value for text that merely contains a number word among others.

use crate::text::normalize::{is_harakah, FATHATAN};

/// Scale nouns by their bare stems: (singular, plural, power of 1000).
const SCALES: [(&str, &str, u32); 7] = [
    ("الف", "الاف", 1),
    ("مليون", "ملايين", 2),
    ("مليار", "مليارات", 3),
    ("ترليون", "ترليونات", 4),
    ("تريليون", "تريليونات", 4),
    ("كوادرليون", "كوادرليونات", 5),
    ("كونتليون", "كونتليونات", 6),
];

const UNITS: [(&str, u64); 10] = [
    ("ثلاث", 3),
    ("اربع", 4),
    ("خمس", 5),
    ("ست", 6),
    ("سبع", 7),
    ("ثماني", 8),
    ("ثمان", 8),
    ("تسع", 9),
    ("عشر", 10),
    ("سته", 6),
];

const TENS: [(&str, u64); 8] = [
    ("عشر", 20),
    ("ثلاث", 30),
    ("اربع", 40),
    ("خمس", 50),
    ("ست", 60),
    ("سبع", 70),
    ("ثمان", 80),
    ("تسع", 90),
];

/// Whether a scale noun counts two of itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dual {
    No,
    Yes,
    /// `ألفا`: the construct dual (two thousand) or, after a number, the accusative singular
    /// (أَحَدَ عَشَرَ أَلْفًا, or أَلْفَا in pause). What came before decides.
    Ambiguous,
}

/// One word, classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Zero,
    /// 1..=10, possibly the first part of a teen.
    Unit(u64),
    /// عشر/عشرة after a unit makes a teen; alone it is 10.
    Ten,
    Tens(u64),
    /// 100 or 200 (مئة، مئتان), or n×100 written as one word (ثلاثمئة).
    Hundred(u64),
    /// A scale noun: its power of 1000 and its [`Dual`] reading.
    Scale(u32, Dual),
}

/// Bare letters with hamza seats, alef maqsura and tā' marbūṭa folded.
fn fold(word: &str) -> String {
    word.chars()
        .filter(|&c| !is_harakah(c))
        .map(|c| match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ى' => 'ي',
            'ة' => 'ه',
            _ => c,
        })
        .collect()
}

fn unit(bare: &str) -> Option<u64> {
    let stem = bare.strip_suffix('ه').unwrap_or(bare);
    let stem = stem.strip_suffix('ا').unwrap_or(stem); // accusative tanween ثَلَاثًا
    match stem {
        "واحد" | "احد" | "احدي" => return Some(1),
        "اثن" | "اثنان" | "اثنين" | "اثنا" | "اثني" | "اثنت" | "اثنتان" | "اثنتين" | "اثنتا"
        | "اثنتي" => return Some(2),
        _ => {}
    }
    if matches!(bare, "واحده" | "واحدا" | "احدا") {
        return Some(1);
    }
    UNITS.iter().find(|(u, _)| *u == stem || format!("{u}ه") == stem).map(|&(_, v)| v)
}

fn tens(bare: &str) -> Option<u64> {
    let stem = bare.strip_suffix("ون").or_else(|| bare.strip_suffix("ين"))?;
    TENS.iter().find(|(t, _)| *t == stem).map(|&(_, v)| v)
}

fn hundred(bare: &str) -> Option<u64> {
    for (form, v) in [
        ("مئه", 100),
        ("مائه", 100),
        ("مئتان", 200),
        ("مئتين", 200),
        ("مئتا", 200),
        ("مئتي", 200),
        ("مائتان", 200),
        ("مائتين", 200),
        ("مائتا", 200),
        ("مائتي", 200),
    ] {
        if bare == form {
            return Some(v);
        }
    }
    // ثلاثمئة، تسعمائة: a unit written together with مئة.
    let head = bare.strip_suffix("مئه").or_else(|| bare.strip_suffix("مائه"))?;
    unit(head).filter(|u| (3..=9).contains(u)).map(|u| u * 100)
}

fn scale(bare: &str) -> Option<(u32, Dual)> {
    for &(single, plural, power) in &SCALES {
        if bare == single || bare == plural {
            return Some((power, Dual::No));
        }
        if bare == format!("{single}ا") {
            return Some((power, Dual::Ambiguous));
        }
        let dual = ["ان", "ين", "ي"].iter().any(|e| bare == format!("{single}{e}"));
        if dual {
            return Some((power, Dual::Yes));
        }
    }
    None
}

fn classify(word: &str) -> Option<Token> {
    let bare = fold(word);
    if bare == "صفر" {
        return Some(Token::Zero);
    }
    if bare == "عشر" || bare == "عشره" {
        return Some(Token::Ten);
    }
    if let Some(v) = tens(&bare) {
        return Some(Token::Tens(v));
    }
    if let Some(v) = hundred(&bare) {
        return Some(Token::Hundred(v));
    }
    if let Some(v) = unit(&bare) {
        return Some(Token::Unit(v));
    }
    // ألفًا with tanween is the accusative singular; only ألفا without it is ambiguous.
    let tanween = word.contains(FATHATAN);
    scale(&bare).map(|(p, dual)| {
        Token::Scale(p, if dual == Dual::Ambiguous && tanween { Dual::No } else { dual })
    })
}

/// Splits off the conjunction وَ when what follows is a number word (واحد itself starts with و).
fn token(word: &str) -> Option<Token> {
    classify(word).or_else(|| {
        let rest = word.strip_prefix('و')?;
        let rest = rest.trim_start_matches(is_harakah);
        classify(rest)
    })
}

/// The value of cardinal number words, as [`value`], knowing how the number ended when said:
/// in pause the accusative singular أَلْفًا is said أَلْفَا, which is written like the construct
/// dual (أَلْفَا دُولَارٍ, two thousand dollars); `end` tells them apart.
pub fn value_as_said(words: &str, end: super::End) -> Option<u64> {
    value_with(words, end == super::End::Pause)
}

/// The value of cardinal number words.
///
/// ```
/// use nashra::text::verbalize::{cardinal, parse::value, Case, Gender};
/// assert_eq!(value("ثلاثة آلاف وستة"), Some(3006));
/// assert_eq!(value(&cardinal(2023, Gender::Masculine, Case::Genitive)), Some(2023));
/// assert_eq!(value("ثلاثة قطط"), None);
/// ```
pub fn value(words: &str) -> Option<u64> {
    value_with(words, false)
}

fn value_with(words: &str, pausal_last: bool) -> Option<u64> {
    let tokens: Vec<Token> = words.split_whitespace().map(token).collect::<Option<_>>()?;
    let last = tokens.len().saturating_sub(1);
    if tokens.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut group: u64 = 0;
    // A unit just read, that عشر or مئة may still combine with.
    let mut last_unit: Option<u64> = None;
    for (i, t) in tokens.into_iter().enumerate() {
        match t {
            Token::Zero => return (total == 0 && group == 0).then_some(0),
            Token::Unit(u) => {
                group += u;
                last_unit = Some(u);
                continue;
            }
            // After a unit, عشر makes a teen (ثَلَاثَةَ عَشَرَ); alone it is ten: both add ten.
            Token::Ten => group += 10,
            Token::Tens(v) => group += v,
            Token::Hundred(v) => match (v, last_unit) {
                (100, Some(u)) if (3..=9).contains(&u) => group += u * 100 - u,
                _ => group += v,
            },
            Token::Scale(power, dual) => {
                let scale = 1000u64.checked_pow(power)?;
                let two = match dual {
                    Dual::Yes => true,
                    Dual::No => false,
                    Dual::Ambiguous => group == 0 && !(pausal_last && i == last),
                };
                let times = if two {
                    if group != 0 {
                        return None;
                    }
                    2
                } else if group == 0 {
                    1
                } else {
                    group
                };
                total = total.checked_add(times.checked_mul(scale)?)?;
                group = 0;
            }
        }
        last_unit = None;
    }
    total.checked_add(group)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    #[test]
    fn reads_plain_and_vocalized_words() {
        assert_eq!(value("ثلاثة اَلاف وتسع مئة وسبعة عشر"), Some(3917));
        assert_eq!(value("ثَلَاثَةُ آلَافٍ وَسِتَّة"), Some(3006));
        assert_eq!(value("مِئَةُ أَلْفٍ وَأَلْف"), Some(101_000));
        assert_eq!(value("أَحَدَ عَشَرَ أَلْفَا"), Some(11_000));
        assert_eq!(value("مِئَتَا مِلْيَار"), Some(200_000_000_000));
        assert_eq!(value("تسعمائة"), Some(900));
        assert_eq!(value("صِفْر"), Some(0));
        assert_eq!(value("إِحْدَى عَشْرَةَ"), Some(11));
        assert_eq!(value("عشر"), Some(10));
    }

    #[test]
    fn dual_scale_words_count_two() {
        assert_eq!(value("أَلْفَانِ"), Some(2000));
        assert_eq!(value("مليونين وخمسة"), Some(2_000_005));
        assert_eq!(value("أَلْفَا"), Some(2000));
    }

    #[test]
    fn other_words_are_not_numbers() {
        assert_eq!(value("ثلاثة قطط"), None);
        assert_eq!(value(""), None);
        assert_eq!(value("وزير"), None);
    }
}
