//! Dates read aloud: day as a definite ordinal, `مِنْ`, the month in the family it was printed in,
//! then `عَامَ` and the year as a genitive cardinal.
//!
//! In: a Gregorian date and a month family. Out: `السَّادِسُ مِنْ تشرين الثاني عَامَ أَلْفَيْنِ
//! وَثَلَاثَةٍ وَعِشْرِينَ` (rule `D1`). Month names stay unvocalized: the diacritizer knows them, and
//! they are words, not numbers. Never: a digit, or a month of another family than the printed one.

use chrono::{Datelike, NaiveDate};

use super::number::{cardinal, Case, Gender};
use crate::text::months::{self, MonthFamily};

/// Day ordinals 1..=10 (definite, masculine, without case ending), sun letters assimilated.
const ORDINALS: [&str; 10] = [
    "الْأَوَّل",
    "الثَّانِي",
    "الثَّالِث",
    "الرَّابِع",
    "الْخَامِس",
    "السَّادِس",
    "السَّابِع",
    "الثَّامِن",
    "التَّاسِع",
    "الْعَاشِر",
];

/// The definite masculine ordinal of a day of the month (1..=31), e.g. `السَّابِعِ` (genitive).
pub fn day_ordinal(day: u32, case: Case) -> String {
    let v = match case {
        Case::Nominative => "ُ",
        Case::Accusative => "َ",
        Case::Genitive => "ِ",
    };
    let unit = |d: u32, compound: bool| -> String {
        match d {
            1 if compound => "الْحَادِي".to_string(),
            1 => format!("الْأَوَّل{v}"),
            // الثاني and الحادي are defective: only the accusative shows a vowel.
            2 if case == Case::Accusative => "الثَّانِيَ".to_string(),
            2 => "الثَّانِي".to_string(),
            _ => format!("{}{v}", ORDINALS[(d - 1) as usize]),
        }
    };
    match day {
        1..=10 => unit(day, false),
        11 => "الْحَادِيَ عَشَرَ".to_string(),
        12..=19 => format!("{}َ عَشَرَ", ORDINALS[(day - 11) as usize]),
        20 | 30 => {
            let stem = if day == 20 { "الْعِشْر" } else { "الثَّلَاث" };
            format!("{stem}{}", if case == Case::Nominative { "ُونَ" } else { "ِينَ" })
        }
        21..=29 | 31 => {
            let tens = if day < 30 { "الْعِشْر" } else { "الثَّلَاث" };
            let end = if case == Case::Nominative { "ُونَ" } else { "ِينَ" };
            format!("{} وَ{tens}{end}", unit(day % 10, true))
        }
        _ => cardinal(u64::from(day), Gender::Masculine, case),
    }
}

/// A date as said in a dateline (nominative day).
///
/// ```
/// use chrono::NaiveDate;
/// use nashra::text::{months::MonthFamily, verbalize::date};
/// let d = NaiveDate::from_ymd_opt(2023, 11, 6).unwrap();
/// assert_eq!(date(d, MonthFamily::Levantine), "السَّادِسُ مِنْ تشرين الثاني عَامَ أَلْفَيْنِ وَثَلَاثَةٍ وَعِشْرِينَ");
/// ```
pub fn date(date: NaiveDate, family: MonthFamily) -> String {
    date_in_case(date, family, Case::Nominative)
}

/// A date with the day in `case` (genitive after `في`).
pub fn date_in_case(date: NaiveDate, family: MonthFamily, case: Case) -> String {
    format!(
        "{} مِنْ {}",
        day_ordinal(date.day(), case),
        month_and_year(date.month(), Some(date.year()), family)
    )
}

/// `تشرين الثاني عَامَ أَلْفَيْنِ...`; the year is left out when `year` is `None`.
pub fn month_and_year(month: u32, year: Option<i32>, family: MonthFamily) -> String {
    let family = if family == MonthFamily::Hijri { MonthFamily::default() } else { family };
    let name = months::canonical(month, family).unwrap_or_default();
    match year {
        Some(y) if y > 0 => {
            format!("{name} عَامَ {}", cardinal(y as u64, Gender::Masculine, Case::Genitive))
        }
        _ => name.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    #[test]
    fn seed_dateline_reads_as_levantine_date() {
        let d = NaiveDate::from_ymd_opt(2023, 11, 6).unwrap();
        assert_eq!(
            date(d, MonthFamily::Levantine),
            "السَّادِسُ مِنْ تشرين الثاني عَامَ أَلْفَيْنِ وَثَلَاثَةٍ وَعِشْرِينَ"
        );
        assert_eq!(date(d, MonthFamily::Egyptian), "السَّادِسُ مِنْ نوفمبر عَامَ أَلْفَيْنِ وَثَلَاثَةٍ وَعِشْرِينَ");
    }

    #[test]
    fn day_ordinals_cover_the_month() {
        assert_eq!(day_ordinal(1, Case::Genitive), "الْأَوَّلِ");
        assert_eq!(day_ordinal(2, Case::Nominative), "الثَّانِي");
        assert_eq!(day_ordinal(11, Case::Nominative), "الْحَادِيَ عَشَرَ");
        assert_eq!(day_ordinal(12, Case::Genitive), "الثَّانِيَ عَشَرَ");
        assert_eq!(day_ordinal(17, Case::Genitive), "السَّابِعَ عَشَرَ");
        assert_eq!(day_ordinal(20, Case::Genitive), "الْعِشْرِينَ");
        assert_eq!(day_ordinal(21, Case::Nominative), "الْحَادِي وَالْعِشْرُونَ");
        assert_eq!(day_ordinal(25, Case::Genitive), "الْخَامِسِ وَالْعِشْرِينَ");
        assert_eq!(day_ordinal(31, Case::Genitive), "الْحَادِي وَالثَّلَاثِينَ");
        for d in 1..=31 {
            assert!(day_ordinal(d, Case::Genitive).starts_with("ال"), "{d}");
        }
    }
}
