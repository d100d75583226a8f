//! The editable word lists behind the verbalizer (`src/text/data/*.tsv`), parsed once.
//!
//! In: the TSV files, embedded at build time. Out: lookups by printed word. Never: a lookup that
//! panics on a malformed row (malformed rows are skipped here and rejected by the data-hygiene test).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::counted::{Noun, Plural};
use super::number::Gender;

pub(crate) const NOUN_GENDER_TSV: &str = include_str!("../data/noun_gender.tsv");
pub(crate) const GOVERNORS_TSV: &str = include_str!("../data/governors.tsv");
pub(crate) const UNITS_TSV: &str = include_str!("../data/units.tsv");
pub(crate) const ABBREVIATIONS_TSV: &str = include_str!("../data/abbreviations.tsv");

/// Data rows of a TSV file: not empty, not a `#` comment.
pub(crate) fn rows(tsv: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    tsv.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).map(|l| l.split('\t').collect())
}

/// How a counted noun is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Singular,
    Dual,
    Plural,
}

static NOUNS: LazyLock<HashMap<&'static str, (Gender, Count)>> = LazyLock::new(|| {
    rows(NOUN_GENDER_TSV)
        .filter_map(|c| {
            let gender = if *c.get(1)? == "f" { Gender::Feminine } else { Gender::Masculine };
            let count = match *c.get(2)? {
                "p" => Count::Plural,
                "d" => Count::Dual,
                _ => Count::Singular,
            };
            Some((c[0], (gender, count)))
        })
        .collect()
});

/// Gender of a counted noun's singular and how it is printed, if the noun is listed: also a
/// listed singular printed with the alif of its accusative tanween (وزيرا، قتيلا), as after 11-99.
pub fn noun(word: &str) -> Option<(Gender, Count)> {
    NOUNS.get(word).copied().or_else(|| {
        let stem = word.strip_suffix('ا')?;
        NOUNS.get(stem).copied().filter(|&(_, count)| count == Count::Singular)
    })
}

static TIME_NOUNS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    rows(NOUN_GENDER_TSV).filter(|c| c.get(3) == Some(&"t")).map(|c| c[0]).collect()
});

/// Whether a counted noun is a unit of time or مرة (`noun_gender.tsv`: t), which a count takes
/// as an adverb after a verb of duration (`استمرت 3 أيام` → ثَلَاثَةَ).
pub fn is_time_noun(word: &str) -> bool {
    TIME_NOUNS.contains(word)
}

/// What a word before a number says about the number (`governors.tsv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A preposition or adverb that opens a phrase (في، خلال): the number is genitive, and a verb
    /// before it does not make the number its object.
    Preposition,
    /// A construct head (قيمة، عمر): the number is genitive; it may be the subject of a verb
    /// before it (بلغ عدد القتلى 30).
    Genitive,
    /// إِنَّ and its sisters: the number is accusative.
    Accusative,
    /// A transitive verb: a number shortly after it is its object.
    Verb,
    /// كان and its sisters: a number right after it is its subject (but its predicate after
    /// the لِ of result: ليصبح 55), one shortly after a subject with the article its predicate.
    Kana,
    /// An intransitive verb that lasts or recurs (استمر، عاش، فاز): a count of time units shortly
    /// after it is an adverb (accusative), any other number its subject.
    During,
    /// عام، سنة: the number is a year.
    Year,
    /// المادة، القرن: the number is an ordinal describing this noun.
    Ordinal(Gender),
}

impl Role {
    /// A listed verb of any kind: what reaches a number past the words between them (V1).
    pub fn is_verb(self) -> bool {
        matches!(self, Role::Verb | Role::Kana | Role::During)
    }
}

static GOVERNORS: LazyLock<HashMap<&'static str, Role>> = LazyLock::new(|| {
    rows(GOVERNORS_TSV)
        .filter_map(|c| {
            let role = match *c.get(1)? {
                "prep" => Role::Preposition,
                "gen" => Role::Genitive,
                "acc" => Role::Accusative,
                "verb" => Role::Verb,
                "kana" => Role::Kana,
                "during" => Role::During,
                "year" => Role::Year,
                "ordinal-m" => Role::Ordinal(Gender::Masculine),
                "ordinal-f" => Role::Ordinal(Gender::Feminine),
                _ => return None,
            };
            Some((c[0], role))
        })
        .collect()
});

/// `word` without a proclitic وَ or فَ, when more than `keep` letters are left (وبعد → بعد; a
/// longer `keep` spares words whose first letter is their own: وقعت).
pub fn without_conjunction(word: &str, keep: usize) -> &str {
    word.strip_prefix(['و', 'ف']).filter(|r| r.chars().count() > keep).unwrap_or(word)
}

/// The role of `word`, also when it carries a proclitic وَ or فَ (`وفي`, `فمن`), or a clitic that
/// leaves the role as it is: بِ، لِ، كَ before a construct head (`بعمر`، `لكل`: the head is
/// genitive, the number after it still its genitive complement) or before an ordinal's or a
/// year's noun with the article (`للمرة`، `بالمادة`، `للعام`), and the future سَ or the لِ of
/// purpose before a listed verb (`ستدفع`، `ليبلغ`: still transitive). So the list holds each
/// word once, bare.
pub fn governor(word: &str) -> Option<Role> {
    let listed = |w: &str| GOVERNORS.get(w).copied();
    listed(word).or_else(|| {
        let bare = without_conjunction(word, 1);
        listed(bare).or_else(|| {
            // للمرة، للعام: لِ before the article, whose alif is not written.
            if let Some(noun) = bare.strip_prefix("لل") {
                let role = listed(&format!("ال{noun}"));
                return role.filter(|r| matches!(r, Role::Ordinal(_) | Role::Year));
            }
            let mut chars = bare.chars();
            let clitic = chars.next()?;
            let rest = chars.as_str();
            match (clitic, listed(rest)?) {
                ('ب' | 'ل' | 'ك', Role::Genitive) => Some(Role::Genitive),
                ('ب' | 'ك', role @ (Role::Ordinal(_) | Role::Year)) if rest.starts_with("ال") => {
                    Some(role)
                }
                ('س' | 'ل', role) if role.is_verb() && rest.starts_with(['ي', 'ت', 'ن', 'أ']) => {
                    Some(role)
                }
                _ => None,
            }
        })
    })
}

/// A currency or unit written as a symbol (`units.tsv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub noun: Noun<'static>,
    /// Symbol of the unit that counts the decimals (cents), and how many make one unit.
    pub subunit: Option<(&'static str, u32)>,
}

fn dash(s: &'static str) -> Option<&'static str> {
    (s != "-").then_some(s)
}

static UNITS: LazyLock<HashMap<String, Unit>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for c in rows(UNITS_TSV) {
        let [symbols, singular, plural, kind, gender, adjective, after, subunit, ratio] = c[..]
        else {
            continue;
        };
        let plural_kind = match kind {
            "sound" => Plural::Sound,
            "diptote" => Plural::Diptote,
            "fixed" => Plural::Fixed,
            _ => Plural::Broken,
        };
        let gender = if gender == "f" { Gender::Feminine } else { Gender::Masculine };
        let unit = Unit {
            noun: Noun {
                singular,
                plural,
                plural_kind,
                gender,
                adjective: dash(adjective),
                after: dash(after),
            },
            subunit: dash(subunit).zip(ratio.parse().ok()),
        };
        for symbol in symbols.split(' ') {
            map.insert(symbol.to_lowercase(), unit.clone());
        }
    }
    map
});

/// The unit a symbol stands for (Latin symbols case-insensitively).
pub fn unit(symbol: &str) -> Option<&'static Unit> {
    UNITS.get(&symbol.to_lowercase())
}

/// Every unit (once per symbol).
pub fn all_units() -> impl Iterator<Item = &'static Unit> {
    UNITS.values()
}

/// The longest unit symbol, in characters.
pub fn longest_unit_symbol() -> usize {
    UNITS.keys().map(|k| k.chars().count()).max().unwrap_or(0)
}

/// An abbreviation and what is said for it (`abbreviations.tsv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abbreviation {
    pub expansion: &'static str,
    /// A title said only before a name (د. → الدكتور); otherwise said anywhere.
    pub title: bool,
}

static ABBREVIATIONS: LazyLock<HashMap<&'static str, Abbreviation>> = LazyLock::new(|| {
    rows(ABBREVIATIONS_TSV)
        .filter_map(|c| {
            Some((c[0], Abbreviation { expansion: c.get(1)?, title: *c.get(2)? == "title" }))
        })
        .collect()
});

/// The abbreviation printed exactly as `printed` (with its dots).
pub fn abbreviation(printed: &str) -> Option<Abbreviation> {
    ABBREVIATIONS.get(printed).copied()
}

/// Every abbreviation as printed (for segmentation).
pub fn abbreviations() -> impl Iterator<Item = &'static str> {
    ABBREVIATIONS.keys().copied()
}
