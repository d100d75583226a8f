//! Ordinal numbers (العدد الترتيبي), always definite: `الْخَامِسُ`، `الْحَادِيَةَ عَشْرَةَ`،
//! `الثَّالِثُ وَالْعِشْرُونَ`.
//!
//! In: a value, the gender of the noun it describes, its case and how it ends. Out: vocalized words.
//! Rules (IDs in tests and `tests/data/text/ordinal.tsv`):
//! - `O1` 1–10 have their own forms (الْأَوَّلُ/الْأُولَى، الثَّانِي/الثَّانِيَةُ ... الْعَاشِرُ/الْعَاشِرَةُ),
//!   agreeing with the noun; الثَّانِي is defective (its vowel shows only in the accusative).
//! - `O2` 11–19: both parts end in fatha; the unit is الْحَادِي/الْحَادِيَة for 11, the ten agrees
//!   (الْحَادِيَ عَشَرَ، الثَّالِثَةَ عَشْرَةَ).
//! - `O3` 20, 30 ... 90 are the definite tens, the same for both genders; 21–99 are the unit
//!   ordinal (الْحَادِي، not الْأَوَّل) + وَ + the definite ten, both declined.
//! - `O4` from 100 on: the hundreds (and thousands) as a definite cardinal, then وَ + the ordinal of
//!   the rest (الْمِئَةُ وَالْخَامِسُ وَالْعِشْرُونَ).
//! - `O5` clock hours use الْوَاحِدَة for 1 (not الْأُولَى): see [`hour`].
//!
//! Never: an indefinite or unvocalized ordinal.

use super::number::{number_words, Case, End, Gender, Kind, State, Word};
use crate::text::normalize::SHADDA;

const MASCULINE: [&str; 10] = [
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

const FEMININE: [&str; 10] = [
    "الْأُولَى",
    "الثَّانِيَة",
    "الثَّالِثَة",
    "الرَّابِعَة",
    "الْخَامِسَة",
    "السَّادِسَة",
    "السَّابِعَة",
    "الثَّامِنَة",
    "التَّاسِعَة",
    "الْعَاشِرَة",
];

/// Definite tens 20..=90 without the case ending.
const TENS: [&str; 8] = ["الْعِشْر", "الثَّلَاث", "الْأَرْبَع", "الْخَمْس", "السِّتّ", "السَّبْع", "الثَّمَان", "التِّسْع"];

/// The ordinal of `n` describing a noun of `gender`.
///
/// ```
/// use nashra::text::verbalize::{ordinal, Case, End, Gender};
/// assert_eq!(ordinal(21, Gender::Masculine, Case::Genitive, End::Pause), "الْحَادِي وَالْعِشْرِينَ");
/// assert_eq!(ordinal(5, Gender::Feminine, Case::Nominative, End::Connected), "الْخَامِسَةُ");
/// ```
pub fn ordinal(n: u64, gender: Gender, case: Case, end: End) -> String {
    render(words(n, gender, case, false), end)
}

/// A clock hour (`O5`): feminine ordinal of 1..=12 (or 0..=24), with الْوَاحِدَة for 1.
pub fn hour(h: u64, case: Case, end: End) -> String {
    render(words(h, Gender::Feminine, case, true), end)
}

fn render(mut words: Vec<Word>, end: End) -> String {
    if let Some(last) = words.last_mut() {
        if last.kind != Kind::Fixed {
            last.state = State::at_end(end, true);
            if end == End::Construct {
                last.state = State::Definite;
            }
        }
    }
    words.iter().map(Word::render).collect::<Vec<_>>().join(" ")
}

/// One of the ten single ordinals, declined and definite.
fn unit(u: u64, gender: Gender, case: Case, compound: bool, clock: bool) -> Word {
    let i = (u - 1) as usize;
    match (gender, u) {
        (Gender::Feminine, 1) if compound => {
            Word::new("الْحَادِيَة", Kind::Triptote, case, State::Definite)
        }
        (Gender::Feminine, 1) if clock => {
            Word::new("الْوَاحِدَة", Kind::Triptote, case, State::Definite)
        }
        (Gender::Feminine, 1) => Word::fixed(FEMININE[0].to_string()),
        (Gender::Feminine, _) => Word::new(FEMININE[i], Kind::Triptote, case, State::Definite),
        (Gender::Masculine, 1) if compound => {
            Word::new("الْحَادِي", Kind::Defective, case, State::Definite)
        }
        (Gender::Masculine, 2) => Word::new(MASCULINE[1], Kind::Defective, case, State::Definite),
        (Gender::Masculine, _) => Word::new(MASCULINE[i], Kind::Triptote, case, State::Definite),
    }
}

fn tens(t: u64, case: Case) -> Word {
    let ending = if case == Case::Nominative { "ُونَ" } else { "ِينَ" };
    Word::fixed(format!("{}{ending}", TENS[(t - 2) as usize]))
}

fn words(n: u64, gender: Gender, case: Case, clock: bool) -> Vec<Word> {
    let fem = gender == Gender::Feminine;
    match n {
        0 => vec![Word::fixed("الصِّفْر".to_string())],
        1..=10 => vec![unit(n, gender, case, false, clock)],
        11..=19 => {
            // O2: الْحَادِيَ عَشَرَ، الثَّانِيَةَ عَشْرَةَ: both parts fixed in fatha.
            let u = n - 10;
            let first = match (fem, u) {
                (false, 1) => "الْحَادِي".to_string(),
                (true, 1) => "الْحَادِيَة".to_string(),
                (false, _) => MASCULINE[(u - 1) as usize].to_string(),
                (true, _) => FEMININE[(u - 1) as usize].to_string(),
            };
            let ten = if fem { "عَشْرَةَ" } else { "عَشَرَ" };
            vec![Word::fixed(format!("{first}َ {ten}"))]
        }
        20..=99 => {
            let (t, u) = (n / 10, n % 10);
            let mut out = Vec::new();
            if u > 0 {
                out.push(unit(u, gender, case, true, clock));
            }
            let mut ten = tens(t, case);
            ten.and = u > 0;
            out.push(ten);
            out
        }
        _ => {
            // O4: the round part as a definite cardinal, then the ordinal of the rest.
            let (round, rest) = (n - n % 100, n % 100);
            let mut out = number_words(round, gender, case);
            if let Some(first) = out.first_mut() {
                first.stem = definite(&first.stem);
                if matches!(first.state, State::Indefinite) {
                    first.state = State::Definite;
                }
            }
            if let Some(last) = out.last_mut() {
                if last.state == State::Indefinite {
                    last.state = State::Definite;
                }
            }
            if rest > 0 {
                let mut tail = words(rest, gender, case, clock);
                if let Some(t) = tail.first_mut() {
                    t.and = true;
                }
                out.extend(tail);
            }
            out
        }
    }
}

/// Letters that assimilate the lām of the article (الحروف الشمسية); before the others (moon
/// letters) it is said with sukun.
pub(super) const SUN_LETTERS: &str = "تثدذرزسشصضطظلن";

/// `ال` before a vocalized word: `الْ` before a moon letter, `ال` + shadda on a sun letter.
pub fn definite(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) if SUN_LETTERS.contains(c) => format!("ال{c}{SHADDA}{}", chars.as_str()),
        Some('ا') => format!("الِ{word}"),
        Some(_) => format!("الْ{word}"),
        None => String::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    const M: Gender = Gender::Masculine;
    const F: Gender = Gender::Feminine;

    #[test]
    fn first_ten_agree_with_their_noun() {
        assert_eq!(ordinal(1, M, Case::Nominative, End::Connected), "الْأَوَّلُ");
        assert_eq!(ordinal(1, F, Case::Genitive, End::Connected), "الْأُولَى");
        assert_eq!(ordinal(2, M, Case::Genitive, End::Connected), "الثَّانِي");
        assert_eq!(ordinal(2, M, Case::Accusative, End::Connected), "الثَّانِيَ");
        assert_eq!(ordinal(5, F, Case::Genitive, End::Pause), "الْخَامِسَة");
        assert_eq!(ordinal(10, M, Case::Accusative, End::Connected), "الْعَاشِرَ");
    }

    #[test]
    fn teens_are_fixed_in_fatha_and_the_ten_agrees() {
        assert_eq!(ordinal(11, M, Case::Nominative, End::Pause), "الْحَادِيَ عَشَرَ");
        assert_eq!(ordinal(11, F, Case::Genitive, End::Pause), "الْحَادِيَةَ عَشْرَةَ");
        assert_eq!(ordinal(15, F, Case::Nominative, End::Pause), "الْخَامِسَةَ عَشْرَةَ");
        assert_eq!(ordinal(12, M, Case::Genitive, End::Pause), "الثَّانِيَ عَشَرَ");
    }

    #[test]
    fn compound_ordinals_use_hadi_and_decline_both_parts() {
        assert_eq!(ordinal(21, M, Case::Nominative, End::Pause), "الْحَادِي وَالْعِشْرُونَ");
        assert_eq!(ordinal(21, F, Case::Genitive, End::Pause), "الْحَادِيَةِ وَالْعِشْرِينَ");
        assert_eq!(ordinal(34, M, Case::Accusative, End::Pause), "الرَّابِعَ وَالثَّلَاثِينَ");
        assert_eq!(ordinal(60, F, Case::Nominative, End::Pause), "السِّتُّونَ");
    }

    #[test]
    fn hundreds_are_a_definite_cardinal_then_the_rest() {
        assert_eq!(ordinal(100, M, Case::Genitive, End::Pause), "الْمِئَة");
        assert_eq!(ordinal(125, M, Case::Nominative, End::Pause), "الْمِئَةُ وَالْخَامِسُ وَالْعِشْرُونَ");
        assert_eq!(ordinal(150, F, Case::Genitive, End::Pause), "الْمِئَةِ وَالْخَمْسِينَ");
    }

    #[test]
    fn clock_hours_say_wahida_for_one() {
        assert_eq!(hour(1, Case::Nominative, End::Pause), "الْوَاحِدَة");
        assert_eq!(hour(10, Case::Accusative, End::Connected), "الْعَاشِرَةَ");
        assert_eq!(hour(11, Case::Nominative, End::Pause), "الْحَادِيَةَ عَشْرَةَ");
        assert_eq!(hour(12, Case::Genitive, End::Pause), "الثَّانِيَةَ عَشْرَةَ");
    }

    #[test]
    fn article_assimilates_to_sun_letters() {
        assert_eq!(definite("ثَلَاثُ"), "الثَّلَاثُ");
        assert_eq!(definite("مِئَةُ"), "الْمِئَةُ");
    }
}
