//! Dates read aloud: day as a definite ordinal, `مِنْ`, the month in the family it was printed in,
//! then `عَامَ` and the year as a genitive cardinal.
//!
//! In: a date (Gregorian, or Hijri with the Hijri family) and a month family. Out: `السَّادِسُ مِنْ تشرين الثاني عَامَ أَلْفَيْنِ
//! وَثَلَاثَةٍ وَعِشْرِينَ` (rule `D1`). Month names stay unvocalized: the diacritizer knows them, and
//! they are words, not numbers. Never: a digit, or a month of another family than the printed one.

use chrono::{Datelike, NaiveDate};

use super::number::{cardinal, Case, End, Gender};
use super::ordinal::ordinal;
use crate::text::months::{self, MonthFamily};

/// The definite masculine ordinal of a day of the month (1..=31), e.g. `السَّابِعِ` (genitive). The
/// noun it describes is يَوْم (masculine).
pub fn day_ordinal(day: u32, case: Case) -> String {
    ordinal(u64::from(day), Gender::Masculine, case, End::Connected)
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
    // A `NaiveDate` is Gregorian: never name its month with a Hijri name.
    let family = if family == MonthFamily::Hijri { MonthFamily::default() } else { family };
    day_month_year(date.day(), date.month(), Some(i64::from(date.year())), family, case, End::Pause)
}

/// `day` of `month` (1..=12 in `family`'s calendar) [of `year`], the day in `case`; the year (or the
/// month when there is no year) ends as `end`. Hijri dates take the Hijri month names.
pub fn day_month_year(
    day: u32,
    month: u32,
    year: Option<i64>,
    family: MonthFamily,
    case: Case,
    end: End,
) -> String {
    format!("{} مِنْ {}", day_ordinal(day, case), month_and_year_in(month, year, family, end))
}

/// `تشرين الثاني عَامَ أَلْفَيْنِ...`; the year is left out when `year` is `None`.
pub fn month_and_year(month: u32, year: Option<i32>, family: MonthFamily) -> String {
    month_and_year_in(month, year.map(i64::from), family, End::Pause)
}

fn month_and_year_in(month: u32, year: Option<i64>, family: MonthFamily, end: End) -> String {
    // After مِنْ the month is genitive: ذو القعدة and ذو الحجة become ذي (one of the five nouns).
    let name = months::canonical(month, family).unwrap_or_default();
    let genitive;
    let name = match name.strip_prefix("ذو ") {
        Some(rest) => {
            genitive = format!("ذي {rest}");
            genitive.as_str()
        }
        None => name,
    };
    match year {
        Some(y) if y > 0 => format!("{name} عَامَ {}", year_words(y as u64, end)),
        _ => name.to_string(),
    }
}

/// A year after عَامَ: a genitive cardinal.
pub fn year_words(year: u64, end: End) -> String {
    let n = cardinal(year, Gender::Masculine, Case::Genitive);
    if end == End::Pause {
        return n;
    }
    super::number::number(
        year,
        super::number::NumberForm::new(Gender::Masculine, Case::Genitive).with_end(end),
    )
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
