//! Datelines: `6-تشرين الثاني-2023`, `12/08/2014`, `2023-11-06`, `26 تشرين الأول/ أكتوبر 2023`,
//! and the machine forms feeds and page metadata use: ISO 8601 / RFC 3339 timestamps
//! (`2023-11-06T10:30:00+03:00`) and RFC 2822 dates (`Mon, 06 Nov 2023 10:30:00 +0300`).
//!
//! In: one printed dateline. Out: the Gregorian date and the month family it was printed in, or
//! nothing. Never guesses: a line with any word that is not a month, weekday, era mark, clock time
//! or time-of-day word is not a dateline (so a headline that happens to contain a number stays a
//! headline). Hijri dates give nothing here because a `NaiveDate` is Gregorian, but a line that
//! prints both calendars (`22 ربيع الآخر 1445 هـ الموافق 6 نوفمبر 2023 م`) gives its Gregorian date.
//! A timestamp's date is the one in the time zone it was written in (`2023-11-06T23:30:00+03:00` is
//! the sixth, as the newsroom printed it), never converted to the reader's zone.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

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
/// The Hijri era mark, alone or glued to the year (`1445هـ`).
const HIJRI_MARKS: &[&str] = &["هـ", "ه", "هجري", "هجرية"];
/// Time-of-day words printed after a clock time (`10:30 ص`, `مساءً`). `م` is an era mark above.
const TIME_WORDS: &[&str] = &[
    "ص",
    "صباحا",
    "صباحاً",
    "مساء",
    "مساءً",
    "مساءا",
    "ظهرا",
    "ظهراً",
    "الساعة",
    "am",
    "pm",
    "AM",
    "PM",
    "GMT",
    "UTC",
];
/// Where a time zone phrase starts (`بتوقيت مكة المكرمة`, `توقيت القدس`): the rest is dropped.
const ZONE_WORDS: &[&str] = &["بتوقيت", "توقيت", "غرينتش", "جرينتش"];
/// What separates the parts of a dateline that prints two calendars or a date and a time.
const PART_SEPARATORS: &[&str] = &["الموافق", "الموافق:", "|", " - ", " – ", " — "];

/// The date a dateline denotes, day first for numeric forms (`12/08/2014` is the twelfth of August).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    parse_dateline(s).map(|(d, _)| d)
}

/// Like [`parse_date`], also telling which month family the line used ([`MonthFamily::default`] for
/// numeric dates and timestamps), so the date can be spoken the way it was printed.
pub fn parse_dateline(s: &str) -> Option<(NaiveDate, MonthFamily)> {
    let clean: String = fold_digits(s).chars().filter(|c| !is_invisible(*c)).collect();
    let clean = clean.trim();
    if clean.is_empty() || clean.chars().count() > 120 {
        return None;
    }
    if let Some(date) = timestamp(clean) {
        return Some((date, MonthFamily::default()));
    }
    match printed(clean) {
        Printed::Gregorian(date, family) => Some((date, family)),
        Printed::Hijri | Printed::Time | Printed::No => compound(clean),
    }
}

/// What one printed part of a dateline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Printed {
    Gregorian(NaiveDate, MonthFamily),
    /// A Hijri date: a date, but not one a `NaiveDate` can hold.
    Hijri,
    /// Only a clock time (`10:30 ص`).
    Time,
    No,
}

/// The moment a date or timestamp denotes, to order feed items published on the same day. A
/// timestamp without an offset is taken as UTC; a date alone as its midnight in UTC.
pub fn parse_instant(s: &str) -> Option<DateTime<FixedOffset>> {
    let clean: String = fold_digits(s).chars().filter(|c| !is_invisible(*c)).collect();
    let clean = clean.trim();
    instant(clean).or_else(|| {
        let midnight = parse_date(clean)?.and_time(NaiveTime::MIN);
        FixedOffset::east_opt(0)?.from_local_datetime(&midnight).single()
    })
}

/// Whether `s` is a machine timestamp (ISO 8601, RFC 3339, RFC 2822) rather than a printed
/// dateline: such a date is spoken from its value, never read out as printed.
pub fn is_timestamp(s: &str) -> bool {
    let clean: String = fold_digits(s).chars().filter(|c| !is_invisible(*c)).collect();
    instant(clean.trim()).is_some()
}

/// A dateline of several parts (`… هـ الموافق … م`, `6 نوفمبر 2023 | 10:30`): every part must be a
/// date or a time, and the first Gregorian date is the answer.
fn compound(s: &str) -> Option<(NaiveDate, MonthFamily)> {
    let mut parts = vec![s.to_owned()];
    for sep in PART_SEPARATORS {
        parts = parts.iter().flat_map(|p| p.split(sep).map(str::to_owned)).collect();
    }
    let parts: Vec<&str> = parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).collect();
    if parts.len() < 2 {
        return None;
    }
    let mut found = None;
    for part in parts {
        match printed(part) {
            Printed::Gregorian(date, family) => {
                found = found.or(Some((date, family)));
            }
            Printed::Hijri | Printed::Time => {}
            Printed::No => return None,
        }
    }
    found
}

/// ISO 8601 / RFC 3339 timestamps and RFC 2822 dates, as feeds, JSON exports and `<meta>` tags
/// write them. The date is the one in the offset written, not in UTC.
fn timestamp(s: &str) -> Option<NaiveDate> {
    instant(s).map(|dt| dt.date_naive())
}

/// A timestamp (ISO 8601, RFC 3339, RFC 2822) with its offset; UTC when it has none.
fn instant(s: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt);
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(dt) = DateTime::parse_from_str(s, format) {
            return Some(dt);
        }
    }
    for format in
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"]
    {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, format) {
            return FixedOffset::east_opt(0)?.from_local_datetime(&naive).single();
        }
    }
    rfc2822(s)
}

/// RFC 2822 (`Mon, 06 Nov 2023 10:30:00 +0300`). Feeds often print a weekday that does not match
/// the date; the date wins, so a failed parse is retried without the weekday.
fn rfc2822(s: &str) -> Option<DateTime<FixedOffset>> {
    if !s.is_ascii() {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return Some(dt);
    }
    let (_, rest) = s.split_once(',')?;
    DateTime::parse_from_rfc2822(rest.trim()).ok()
}

/// One printed part: a numeric or named date, possibly with a weekday, era mark and clock time.
fn printed(s: &str) -> Printed {
    let Some(words) = date_words(s) else {
        return Printed::No;
    };
    if words.is_empty() {
        return Printed::Time;
    }
    let joined = words.join(" ");
    match numeric(&joined) {
        Some(date) => Printed::Gregorian(date, MonthFamily::default()),
        None => named(&joined),
    }
}

/// The words of a dateline without its clock time, time-of-day words, zone phrase and standalone
/// separators; `None` when a clock time is malformed.
fn date_words(s: &str) -> Option<Vec<&str>> {
    let mut words = Vec::new();
    for w in s.split_whitespace() {
        if ZONE_WORDS.contains(&w) {
            break;
        }
        let w = w.trim_matches(|c| matches!(c, ',' | '،' | '(' | ')'));
        if w.is_empty() || matches!(w, "|" | ":") {
            continue;
        }
        if TIME_WORDS.contains(&w) {
            continue;
        }
        if w.contains(':') {
            if !is_clock_time(w) {
                return None;
            }
            continue;
        }
        words.push(w);
    }
    let is_separator = |w: &&str| matches!(*w, "-" | "–" | "—" | "/");
    while words.last().is_some_and(is_separator) {
        words.pop();
    }
    while words.first().is_some_and(is_separator) {
        words.remove(0);
    }
    Some(words)
}

/// `10:30`, `9:05:12`, `10:30ص`.
fn is_clock_time(w: &str) -> bool {
    let digits = w.trim_end_matches(|c: char| !c.is_ascii_digit());
    let parts: Vec<&str> = digits.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts.iter().all(|p| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0].parse::<u32>().is_ok_and(|h| h < 24)
        && parts[1..].iter().all(|p| p.parse::<u32>().is_ok_and(|m| m < 60))
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

/// A date with a month name, in any order (`6 تشرين الثاني 2023`, `نوفمبر 6، 2023`), with an
/// optional weekday and era mark, glued (`2023م`, `1445هـ`) or not.
fn named(s: &str) -> Printed {
    let spaced: String = s
        .chars()
        .map(|c| if matches!(c, '-' | '/' | ',' | '،' | '.' | '\\') { ' ' } else { c })
        .collect();
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let (mut day, mut year, mut month): (Option<u32>, Option<i32>, Option<(u32, MonthFamily)>) =
        (None, None, None);
    let mut hijri = false;
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let digits = w.trim_end_matches(|c: char| !c.is_ascii_digit());
        let suffix = &w[digits.len()..];
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            if HIJRI_MARKS.contains(&suffix) {
                hijri = true;
            } else if !suffix.is_empty() && !ERA_MARKS.contains(&suffix) {
                return Printed::No;
            }
            let Ok(v) = digits.parse::<u32>() else {
                return Printed::No;
            };
            match digits.len() {
                1 | 2 if day.is_none() => day = Some(v),
                4 if year.is_none() => year = Some(v as i32),
                _ => return Printed::No,
            }
            i += 1;
        } else if let Some((m, used)) = months::match_words(&words[i..]) {
            let is_hijri = |f: MonthFamily| f == MonthFamily::Hijri;
            match month {
                // The paired form `تشرين الأول/ أكتوبر` names one month twice; the first name printed
                // sets the family.
                Some((n, f)) if n != m.month || is_hijri(f) != is_hijri(m.family) => {
                    return Printed::No
                }
                Some(_) => {}
                None => month = Some((m.month, m.family)),
            }
            i += used;
        } else if HIJRI_MARKS.contains(&w) {
            hijri = true;
            i += 1;
        } else if WEEKDAYS.contains(&w) || ERA_MARKS.contains(&w) || w == "يوم" {
            i += 1;
        } else {
            return Printed::No;
        }
    }
    let (Some((m, family)), Some(d), Some(y)) = (month, day, year) else {
        return Printed::No;
    };
    if family == MonthFamily::Hijri {
        return Printed::Hijri;
    }
    if hijri {
        // `هـ` after a Gregorian month name: not a date we can vouch for.
        return Printed::No;
    }
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => Printed::Gregorian(date, family),
        None => Printed::No,
    }
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

    #[test]
    fn iso_8601_timestamps_give_the_date_in_their_own_offset() {
        assert_eq!(parse_date("2023-11-06T10:30:00+03:00"), ymd(2023, 11, 6));
        assert_eq!(parse_date("2023-11-06T23:30:00+03:00"), ymd(2023, 11, 6));
        assert_eq!(parse_date("2023-11-06T23:30:00-05:00"), ymd(2023, 11, 6));
        assert_eq!(parse_date("2023-11-06T20:30:00Z"), ymd(2023, 11, 6));
        assert_eq!(parse_date("2023-11-06T10:30:00.123+0300"), ymd(2023, 11, 6));
        assert_eq!(parse_date("2023-11-06T10:30"), ymd(2023, 11, 6));
        assert_eq!(parse_date("2023-11-06 10:30:00"), ymd(2023, 11, 6));
        assert_eq!(parse_date("٢٠٢٣-١١-٠٦T10:30:00Z"), ymd(2023, 11, 6));
        assert_eq!(
            parse_dateline("2023-11-06T10:30:00Z").map(|x| x.1),
            Some(MonthFamily::default())
        );
        assert_eq!(parse_date("2023-02-30T10:30:00Z"), None);
    }

    #[test]
    fn rfc_2822_dates_parse_even_with_a_wrong_weekday() {
        assert_eq!(parse_date("Mon, 06 Nov 2023 10:30:00 +0300"), ymd(2023, 11, 6));
        assert_eq!(parse_date("Mon, 6 Nov 2023 23:59:59 GMT"), ymd(2023, 11, 6));
        assert_eq!(parse_date("6 Nov 2023 10:30:00 +0000"), ymd(2023, 11, 6));
        // 2023-11-06 was a Monday; feeds are not always right about it.
        assert_eq!(parse_date("Tue, 06 Nov 2023 10:30:00 +0300"), ymd(2023, 11, 6));
        assert_eq!(parse_date("Mon, 31 Nov 2023 10:30:00 +0300"), None);
    }

    #[test]
    fn clock_times_and_time_of_day_words_beside_a_date_are_allowed() {
        assert_eq!(parse_date("الاثنين 6 نوفمبر 2023 - 10:30 ص"), ymd(2023, 11, 6));
        assert_eq!(parse_date("6 تشرين الثاني 2023 | 10:30 مساءً"), ymd(2023, 11, 6));
        assert_eq!(parse_date("06/11/2023 10:30"), ymd(2023, 11, 6));
        assert_eq!(parse_date("06/11/2023 - 10:30:15"), ymd(2023, 11, 6));
        assert_eq!(
            parse_date("الإثنين، 6 نوفمبر 2023 الساعة 10:30 بتوقيت مكة المكرمة"),
            ymd(2023, 11, 6)
        );
        assert_eq!(parse_date("12 / 08 / 2014"), ymd(2014, 8, 12));
        assert_eq!(parse_date("6 نوفمبر 2023 25:30"), None, "not a clock time");
        assert_eq!(parse_date("10:30"), None, "a time alone is not a date");
    }

    #[test]
    fn glued_era_marks_and_both_calendars_give_the_gregorian_date() {
        assert_eq!(parse_date("6 نوفمبر 2023م"), ymd(2023, 11, 6));
        assert_eq!(
            parse_dateline("الاثنين 22 ربيع الآخر 1445هـ الموافق 6 نوفمبر 2023م"),
            Some((ymd(2023, 11, 6).unwrap(), MonthFamily::Egyptian))
        );
        assert_eq!(parse_date("22 ربيع الآخر 1445 هـ - 6 تشرين الثاني 2023 م"), ymd(2023, 11, 6));
        assert_eq!(parse_date("22 ربيع الآخر 1445هـ"), None);
        assert_eq!(parse_date("6 نوفمبر 2023هـ"), None, "a Gregorian month with a Hijri mark");
        assert_eq!(parse_date("6 نوفمبر 2023 الموافق خبر عاجل"), None);
    }

    #[test]
    fn every_month_family_parses_in_every_spelling_of_the_table() {
        for m in months::all().iter().filter(|m| m.family != MonthFamily::Hijri) {
            let line = format!("15 {} 2022", m.name);
            assert_eq!(
                parse_dateline(&line),
                Some((ymd(2022, m.month, 15).unwrap(), lookup_family(m.name))),
                "{line}"
            );
        }
    }

    /// The family a shared name (`مارس`, `سبتمبر`) is read as: its first row.
    fn lookup_family(name: &str) -> MonthFamily {
        months::lookup(name).unwrap().family
    }

    #[test]
    fn instants_keep_their_offset_and_dates_are_midnight_utc() {
        let a = parse_instant("Mon, 06 Nov 2023 10:30:00 +0300").unwrap();
        let b = parse_instant("2023-11-06T08:00:00Z").unwrap();
        assert!(a < b, "10:30 in Baghdad is 07:30 UTC, before 08:00 UTC");
        assert_eq!(
            parse_instant("6 تشرين الثاني 2023").unwrap().to_rfc3339(),
            "2023-11-06T00:00:00+00:00"
        );
        assert_eq!(
            parse_instant("2023-11-06 10:30").unwrap().to_rfc3339(),
            "2023-11-06T10:30:00+00:00"
        );
        assert_eq!(parse_instant("خبر"), None);
    }

    #[test]
    fn month_first_datelines_parse() {
        assert_eq!(parse_date("نوفمبر 6، 2023"), ymd(2023, 11, 6));
        assert_eq!(parse_date("يوم الأحد 5 مايو 1999"), ymd(1999, 5, 5));
    }
}
