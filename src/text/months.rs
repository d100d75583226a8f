//! Month names of every family printed in Arabic news (`data/months.tsv`), shared by the dateline
//! parser in `ingest` and the date verbalizer.
//!
//! In: a month name as printed (`تشرين الثاني`, `أكتوبر`, `جانفي`). Out: its number and family, or the
//! canonical name of a month in a family. Never guesses: an unknown word is not a month.
//!
//! Why families matter: a reader in Baghdad hears `تشرين الثاني`, one in Cairo `نوفمبر`, one in Algiers
//! `نوفمبر` too but `جانفي` for January. The spoken date keeps the family the page printed.

use std::sync::LazyLock;

/// The naming tradition a month name belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MonthFamily {
    /// Levantine and Iraqi Syriac names (كانون الثاني، شباط ...).
    Levantine,
    /// Egyptian and Gulf names from the Latin ones (يناير، فبراير ...). The default when the page gives
    /// no name (numeric dates), since it is understood everywhere.
    #[default]
    Egyptian,
    /// Maghrebi names from the French ones (جانفي، فيفري ...).
    Maghrebi,
    /// Hijri lunar months (محرم ... ذو الحجة). Never a Gregorian month.
    Hijri,
}

impl MonthFamily {
    fn from_tag(tag: &str) -> Option<Self> {
        match tag {
            "levantine" => Some(Self::Levantine),
            "egyptian" => Some(Self::Egyptian),
            "maghrebi" => Some(Self::Maghrebi),
            "hijri" => Some(Self::Hijri),
            _ => None,
        }
    }
}

/// One row of `months.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthName {
    pub name: &'static str,
    /// 1..=12 within its family's calendar.
    pub month: u32,
    pub family: MonthFamily,
    /// The spelling used when this month is spoken in this family.
    pub canonical: bool,
}

pub(crate) const MONTHS_TSV: &str = include_str!("data/months.tsv");

static MONTHS: LazyLock<Vec<MonthName>> = LazyLock::new(|| {
    MONTHS_TSV
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let [name, month, family, canonical] = cols[..] else {
                return None;
            };
            Some(MonthName {
                name,
                month: month.parse().ok()?,
                family: MonthFamily::from_tag(family)?,
                canonical: canonical == "1",
            })
        })
        .collect()
});

/// All month names, in file order (which decides the family of a name shared by two families).
pub fn all() -> &'static [MonthName] {
    &MONTHS
}

/// The month a printed name denotes; the first row wins for names two families share (`مارس`).
pub fn lookup(name: &str) -> Option<&'static MonthName> {
    MONTHS.iter().find(|m| m.name == name)
}

/// The spoken name of `month` (1..=12) in `family`.
pub fn canonical(month: u32, family: MonthFamily) -> Option<&'static str> {
    MONTHS.iter().find(|m| m.family == family && m.month == month && m.canonical).map(|m| m.name)
}

/// The longest month name at the start of `words`, and how many words it took (names have at most
/// two words: `تشرين الثاني`, `ذو الحجة`).
pub fn match_words(words: &[&str]) -> Option<(&'static MonthName, usize)> {
    if words.len() >= 2 {
        let two = format!("{} {}", words[0], words[1]);
        if let Some(m) = lookup(&two) {
            return Some((m, 2));
        }
    }
    words.first().and_then(|w| lookup(w)).map(|m| (m, 1))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    #[test]
    fn every_family_has_one_canonical_name_per_month() {
        for family in [
            MonthFamily::Levantine,
            MonthFamily::Egyptian,
            MonthFamily::Maghrebi,
            MonthFamily::Hijri,
        ] {
            for month in 1..=12 {
                let n = all()
                    .iter()
                    .filter(|m| m.family == family && m.month == month && m.canonical)
                    .count();
                assert_eq!(n, 1, "{family:?} month {month}");
            }
        }
    }

    #[test]
    fn two_word_names_win_over_their_first_word() {
        let (m, used) = match_words(&["تشرين", "الثاني", "2023"]).unwrap();
        assert_eq!((m.month, m.family, used), (11, MonthFamily::Levantine, 2));
        assert_eq!(lookup("مارس").unwrap().family, MonthFamily::Egyptian);
        assert_eq!(canonical(3, MonthFamily::Maghrebi), Some("مارس"));
        assert_eq!(canonical(8, MonthFamily::Levantine), Some("آب"));
    }
}
