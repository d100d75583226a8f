//! Datelines: `6-تشرين الثاني-2023`, `12/08/2014`, `2023-11-06`, `26 تشرين الأول/ أكتوبر 2023`.
//!
//! In: one printed dateline. Out: the Gregorian date and the month family it was printed in, or
//! nothing. Never guesses: a line with any word that is not a month, weekday or era mark is not a
//! dateline (so a headline that happens to contain a number stays a headline). Hijri dates give
//! nothing here because a `NaiveDate` is Gregorian.

use chrono::NaiveDate;

use crate::text::months::{self, MonthFamily};
use crate::text::normalize::{fold_digits, is_invisible};

/// Words that may stand beside a date without making it something else.
const WEEKDAYS: &[&str] = &[
    "الأحد",
    "الاحد",
    "الإثنين",
    "الاثنين",
    "الثلاثاء",
    "الأربعاء",
    "الاربعاء",
    "الخميس",
    "الجمعة",
    "السبت",
];
const ERA_MARKS: &[&str] = &["م", "ميلادي", "ميلادية"];

/// The date a dateline denotes, day first for numeric forms (`12/08/2014` is the twelfth of August).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    parse_dateline(s).map(|(d, _)| d)
}

/// Like [`parse_date`], also telling which month family the line used ([`MonthFamily::default`] for
/// numeric dates), so the date can be spoken the way it was printed.
pub fn parse_dateline(s: &str) -> Option<(NaiveDate, MonthFamily)> {
    let clean: String = fold_digits(s).chars().filter(|c| !is_invisible(*c)).collect();
    let clean = clean.trim();
    if clean.is_empty() || clean.chars().count() > 80 {
        return None;
    }
    numeric(clean).map(|d| (d, MonthFamily::default())).or_else(|| named(clean))
}

fn numeric(s: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = s.split(['-', '/', '.']).map(str::trim).collect();
    if parts.len() != 3
        || !parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n: Vec<u32> = parts.iter().map(|p| p.parse().ok()).collect::<Option<_>>()?;
    if parts[0].len() == 4 {
        NaiveDate::from_ymd_opt(n[0] as i32, n[1], n[2])
    } else if parts[2].len() == 4 {
        NaiveDate::from_ymd_opt(n[2] as i32, n[1], n[0])
    } else {
        None
    }
}

fn named(s: &str) -> Option<(NaiveDate, MonthFamily)> {
    let spaced: String = s
        .chars()
        .map(|c| if matches!(c, '-' | '/' | ',' | '،' | '.' | '\\') { ' ' } else { c })
        .collect();
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let (mut day, mut year, mut month): (Option<u32>, Option<i32>, Option<(u32, MonthFamily)>) =
        (None, None, None);
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if w.bytes().all(|b| b.is_ascii_digit()) {
            let v: u32 = w.parse().ok()?;
            match w.len() {
                1 | 2 if day.is_none() => day = Some(v),
                4 if year.is_none() => year = Some(v as i32),
                _ => return None,
            }
            i += 1;
        } else if let Some((m, used)) = months::match_words(&words[i..]) {
            if m.family == MonthFamily::Hijri {
                return None;
            }
            match month {
                // The paired form `تشرين الأول/ أكتوبر` names one month twice; the first name printed
                // sets the family.
                Some((n, _)) if n != m.month => return None,
                Some(_) => {}
                None => month = Some((m.month, m.family)),
            }
            i += used;
        } else if WEEKDAYS.contains(&w) || ERA_MARKS.contains(&w) {
            i += 1;
        } else {
            return None;
        }
    }
    let ((m, family), d, y) = (month?, day?, year?);
    NaiveDate::from_ymd_opt(y, m, d).map(|date| (date, family))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn seed_dateline_with_levantine_month_parses() {
        assert_eq!(parse_date("6-تشرين الثاني-2023"), ymd(2023, 11, 6));
        assert_eq!(
            parse_dateline("3-نيسان-2024"),
            Some((ymd(2024, 4, 3).unwrap(), MonthFamily::Levantine))
        );
    }

    #[test]
    fn every_month_family_parses() {
        assert_eq!(parse_date("5 مايو 1999"), ymd(1999, 5, 5));
        assert_eq!(parse_dateline("1 جانفي 2020").map(|x| x.1), Some(MonthFamily::Maghrebi));
        assert_eq!(parse_date("1 جانفي 2020"), ymd(2020, 1, 1));
        assert_eq!(parse_date("الاثنين 12 شباط 2024"), ymd(2024, 2, 12));
    }

    #[test]
    fn paired_month_names_are_one_month() {
        assert_eq!(
            parse_dateline("26 تشرين الأول/ أكتوبر 2023"),
            Some((ymd(2023, 10, 26).unwrap(), MonthFamily::Levantine))
        );
        assert_eq!(parse_date("26 أكتوبر/تشرين الأول 2023"), ymd(2023, 10, 26));
        assert_eq!(parse_date("26 أكتوبر/تشرين الثاني 2023"), None);
    }

    #[test]
    fn numeric_dates_are_day_first_and_iso_is_year_first() {
        assert_eq!(parse_date("12/08/2014"), ymd(2014, 8, 12));
        assert_eq!(parse_date("2023-11-06"), ymd(2023, 11, 6));
        assert_eq!(parse_date("3-9-2019"), ymd(2019, 9, 3));
        assert_eq!(parse_date("12\u{202a}/\u{202c}08\u{202a}/\u{202c}2014"), ymd(2014, 8, 12));
    }

    #[test]
    fn arabic_indic_and_persian_digits_parse() {
        assert_eq!(parse_date("٦-تشرين الثاني-٢٠٢٣"), ymd(2023, 11, 6));
        assert_eq!(parse_date("۱۲/۰۸/۲۰۱۴"), ymd(2014, 8, 12));
    }

    #[test]
    fn headlines_and_impossible_dates_are_not_datelines() {
        assert_eq!(parse_date("حصة المواطن 4 آلاف دينار"), None);
        assert_eq!(parse_date("31-شباط-2024"), None);
        assert_eq!(parse_date("15 رمضان 1445"), None);
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("2023"), None);
    }
}
