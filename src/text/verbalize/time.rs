//! Clock times read aloud: the hour as a feminine ordinal (the noun is السَّاعَة), then the minutes.
//!
//! In: hours, minutes, optional seconds, the case of the phrase (genitive after في، عند، منذ ...), how
//! it ends, and whether a period of the day follows in print. Out: vocalized words, e.g. `10:30` →
//! `الْعَاشِرَةُ وَالنِّصْفُ`. Rules (IDs in tests and `tests/data/text/time.tsv`):
//! - `T1` the hour is a definite feminine ordinal agreeing in case (الْوَاحِدَةُ for 1, الْحَادِيَةَ
//!   عَشْرَةَ for 11); hours 13–23 are said on the 12-hour clock followed by مَسَاءً, 0 as الثَّانِيَةَ
//!   عَشْرَةَ لَيْلًا, unless the text already says the period (صباحا، مساء، ص، م).
//! - `T2` quarter, third and half past are وَالرُّبْعُ، وَالثُّلْثُ، وَالنِّصْفُ; 40 and 45 are the next
//!   hour إِلَّا ثُلْثًا / إِلَّا رُبْعًا; other minutes are counted: وَخَمْسُ دَقَائِقَ.
//! - `T3` seconds are counted after the minutes: وَثَلَاثُ ثَوَانٍ.
//!
//! Never: digits, or a masculine hour.

use super::counted::{counted, Noun, Plural};
use super::number::{vowel, Case, End, Gender};
use super::ordinal::hour;

pub(crate) const MINUTE: Noun = Noun {
    singular: "دَقِيقَة",
    plural: "دَقَائِق",
    plural_kind: Plural::Diptote,
    gender: Gender::Feminine,
    adjective: None,
    after: None,
};

pub(crate) const SECOND: Noun = Noun {
    singular: "ثَانِيَة",
    plural: "ثَوَان",
    plural_kind: Plural::Broken,
    gender: Gender::Feminine,
    adjective: None,
    after: None,
};

/// The period of the day said after an hour on the 12-hour clock (T1), if the text gives none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// The text prints a period itself, or the hour needs none.
    None,
    Morning,
    Evening,
    Night,
}

impl Period {
    fn words(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::Morning => Some("صَبَاحًا"),
            Self::Evening => Some("مَسَاءً"),
            Self::Night => Some("لَيْلًا"),
        }
    }
}

/// `h:m[:s]` (24-hour clock) in `case`. `printed_period` is true when the text says صباحا/مساء
/// itself (then no period is added). Returns `None` for an impossible time.
///
/// ```
/// use nashra::text::verbalize::{time::clock, Case, End};
/// assert_eq!(clock(10, 30, None, Case::Nominative, End::Pause, false).unwrap(), "الْعَاشِرَةُ وَالنِّصْف");
/// ```
pub fn clock(
    h: u32,
    m: u32,
    s: Option<u32>,
    case: Case,
    end: End,
    printed_period: bool,
) -> Option<String> {
    if h > 24 || m > 59 || s.is_some_and(|s| s > 59) {
        return None;
    }
    let (mut h12, period) = match h {
        0 | 24 => (12, Period::Night),
        13..=23 => (h - 12, Period::Evening),
        _ => (h, Period::None),
    };
    let period = if printed_period { Period::None } else { period };
    // T2: 40 and 45 are said as the next hour less a third or a quarter.
    let less = match (m, s) {
        (40, None) => Some("إِلَّا ثُلْثًا"),
        (45, None) => Some("إِلَّا رُبْعًا"),
        _ => None,
    };
    if less.is_some() {
        h12 = h12 % 12 + 1;
    }
    let nothing_after = m == 0 && s.is_none() && period == Period::None;
    let hour_end = if nothing_after { end } else { End::Connected };
    let mut parts = vec![hour(u64::from(h12), case, hour_end)];
    let last_end = |more: bool| if more { End::Connected } else { end };
    let more_after_minutes = s.is_some() || period != Period::None;
    match (m, less) {
        (_, Some(l)) => parts.push(l.to_string()),
        (0, _) => {}
        (15 | 20 | 30, _) => {
            let stem = match m {
                15 => "الرُّبْع",
                20 => "الثُّلْث",
                _ => "النِّصْف",
            };
            let mut w = format!("وَ{stem}");
            if last_end(more_after_minutes) != End::Pause {
                w.push(vowel(case));
            }
            parts.push(w);
        }
        _ => parts.push(format!(
            "وَ{}",
            counted(u64::from(m), &MINUTE, case, last_end(more_after_minutes))
        )),
    }
    if let Some(s) = s.filter(|&s| s > 0) {
        parts.push(format!(
            "وَ{}",
            counted(u64::from(s), &SECOND, case, last_end(period != Period::None))
        ));
    }
    if let Some(p) = period.words() {
        parts.push(p.to_string());
    }
    Some(parts.join(" "))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    fn say(h: u32, m: u32) -> String {
        clock(h, m, None, Case::Nominative, End::Pause, false).unwrap()
    }

    #[test]
    fn half_quarter_and_third_past_have_their_own_words() {
        assert_eq!(say(10, 30), "الْعَاشِرَةُ وَالنِّصْف");
        assert_eq!(say(3, 15), "الثَّالِثَةُ وَالرُّبْع");
        assert_eq!(say(9, 20), "التَّاسِعَةُ وَالثُّلْث");
    }

    #[test]
    fn forty_five_is_the_next_hour_less_a_quarter() {
        assert_eq!(say(10, 45), "الْحَادِيَةَ عَشْرَةَ إِلَّا رُبْعًا");
        assert_eq!(say(12, 40), "الْوَاحِدَةُ إِلَّا ثُلْثًا");
    }

    #[test]
    fn other_minutes_are_counted_feminine() {
        assert_eq!(say(3, 5), "الثَّالِثَةُ وَخَمْسُ دَقَائِق");
        assert_eq!(say(7, 12), "السَّابِعَةُ وَاثْنَتَا عَشْرَةَ دَقِيقَة");
        assert_eq!(say(1, 1), "الْوَاحِدَةُ وَدَقِيقَةٌ وَاحِدَة");
        assert_eq!(say(2, 2), "الثَّانِيَةُ وَدَقِيقَتَانِ");
        assert_eq!(say(8, 25), "الثَّامِنَةُ وَخَمْسٌ وَعِشْرُونَ دَقِيقَة");
    }

    #[test]
    fn afternoon_hours_use_the_twelve_hour_clock_with_a_period() {
        assert_eq!(say(15, 0), "الثَّالِثَةُ مَسَاءً");
        assert_eq!(say(0, 15), "الثَّانِيَةَ عَشْرَةَ وَالرُّبْعُ لَيْلًا");
        assert_eq!(
            clock(21, 30, None, Case::Nominative, End::Pause, true).unwrap(),
            "التَّاسِعَةُ وَالنِّصْف"
        );
    }

    #[test]
    fn case_follows_the_phrase_and_seconds_come_last() {
        assert_eq!(clock(10, 0, None, Case::Genitive, End::Connected, false).unwrap(), "الْعَاشِرَةِ");
        assert_eq!(
            clock(5, 10, Some(2), Case::Nominative, End::Pause, false).unwrap(),
            "الْخَامِسَةُ وَعَشْرُ دَقَائِقَ وَثَانِيَتَانِ"
        );
        assert!(clock(25, 0, None, Case::Nominative, End::Pause, false).is_none());
        assert!(clock(10, 60, None, Case::Nominative, End::Pause, false).is_none());
    }
}
