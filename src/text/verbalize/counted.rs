//! A number with the noun it counts, both generated (currencies, units, minutes): `سَبْعَةُ
//! دُولَارَاتٍ`، `خَمْسُونَ سِنْتًا`، `دِينَارٌ وَاحِدٌ كُوَيْتِيٌّ`.
//!
//! In: a value, a [`Noun`] (vocalized stems of its singular and plural, gender, an optional
//! adjective), the case of the phrase and how it ends. Out: vocalized words.
//!
//! Rules (the counted noun, التمييز; IDs in tests):
//! - `K1` 1: the noun, then وَاحِد agreeing with it (دُولَارٌ وَاحِدٌ).
//! - `K2` 2: the noun in the dual (دُولَارَانِ، دَقِيقَتَيْنِ).
//! - `K3` 3–10 (and hundreds/thousands ending in them): the number in construct, the plural in the
//!   genitive (سَبْعَةُ دُولَارَاتٍ، ثَلَاثُ دَقَائِقَ).
//! - `K4` 11–99 (or ending in them): the singular, accusative and indefinite (خَمْسُونَ سِنْتًا).
//! - `K5` round hundreds, thousands, millions: the number in construct, the singular in the
//!   genitive (مِئَةُ دُولَارٍ، أَلْفُ دِينَارٍ); so too after 101 and 102 (مِئَةٌ وَوَاحِدُ دِينَارٍ is
//!   avoided by news readers, who say مِئَةٌ وَوَاحِدٌ then the noun: we follow the last number).
//! - `K6` an adjective agrees with the noun: singular or dual as the noun, feminine singular after
//!   a plural of things (دَنَانِيرَ كُوَيْتِيَّةٍ).
//!
//! Never: a digit, or a plural after 11.

use super::number::{
    number, number_words, vowel, Case, End, Gender, Kind, NumberForm, State, Word,
};

/// How a plural takes its case ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plural {
    /// Sound feminine ـَات (دُولَارَات): kasra for the accusative too.
    Sound,
    /// Broken plural with tanween (أَمْتَار).
    Broken,
    /// Broken plural without tanween (دَنَانِير، دَقَائِق).
    Diptote,
    /// Does not decline (يُورُو).
    Fixed,
}

/// A counted noun: vocalized stems without case endings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Noun<'a> {
    pub singular: &'a str,
    pub plural: &'a str,
    pub plural_kind: Plural,
    pub gender: Gender,
    /// Nisba adjective stem in ـِيّ (كُوَيْتِيّ), agreeing with the noun.
    pub adjective: Option<&'a str>,
    /// Words said after the noun phrase, unchanged (فِي السَّاعَةِ).
    pub after: Option<&'a str>,
}

/// `n` of `noun` in `case`.
///
/// ```
/// use nashra::text::verbalize::counted::{counted, Noun, Plural};
/// use nashra::text::verbalize::{Case, End, Gender};
/// let dollar = Noun { singular: "دُولَار", plural: "دُولَارَات", plural_kind: Plural::Sound,
///     gender: Gender::Masculine, adjective: None, after: None };
/// assert_eq!(counted(7, &dollar, Case::Nominative, End::Pause), "سَبْعَةُ دُولَارَات");
/// assert_eq!(counted(50, &dollar, Case::Nominative, End::Connected), "خَمْسُونَ دُولَارًا");
/// ```
pub fn counted(n: u64, noun: &Noun, case: Case, end: End) -> String {
    let fixed_singular = noun.plural_kind == Plural::Fixed;
    let singular_kind = if fixed_singular { Kind::Fixed } else { Kind::Triptote };
    let noun_word =
        |stem: &str, kind: Kind, case: Case| Word::new(stem, kind, case, State::Indefinite);
    let plural_kind = match noun.plural_kind {
        Plural::Sound => Kind::FemPlural,
        Plural::Broken => Kind::Triptote,
        Plural::Diptote => Kind::Diptote,
        Plural::Fixed => Kind::Fixed,
    };
    let last2 = n % 100;
    let mut words: Vec<Word> = Vec::new();
    // (number of the noun as said, its case) for the adjective.
    let (noun_number, noun_case);
    match n {
        1 => {
            // K1
            words.push(noun_word(noun.singular, singular_kind, case));
            let one =
                if noun.gender == Gender::Feminine { "وَاحِدَة" } else { "وَاحِد" };
            words.push(noun_word(one, Kind::Triptote, case));
            (noun_number, noun_case) = (Count::Singular, case);
        }
        2 => {
            // K2
            if fixed_singular {
                words.extend(two_words(noun.gender, case));
                words.push(Word::fixed(noun.singular.to_string()));
            } else {
                words.push(noun_word(noun.singular, Kind::Dual, case));
            }
            (noun_number, noun_case) = (Count::Dual, case);
        }
        _ => {
            let (plural, construct) = match last2 {
                3..=10 => (true, true),    // K3
                11..=99 => (false, false), // K4
                0 => (false, true),        // K5
                _ => (false, false),       // 101, 102: said as written, noun genitive
            };
            let form = NumberForm::new(noun.gender, case);
            let mut nums = if n == 0 {
                vec![Word::fixed("صِفْر".to_string())]
            } else {
                number_words(n, form.gender, form.case)
            };
            if let Some(last) = nums.last_mut() {
                last.state = if construct { State::Construct } else { State::Indefinite };
            }
            words.extend(nums);
            let noun_case_here =
                if plural || construct || last2 <= 2 { Case::Genitive } else { Case::Accusative };
            if plural {
                words.push(noun_word(noun.plural, plural_kind, Case::Genitive));
                noun_number = Count::Plural;
            } else {
                words.push(noun_word(noun.singular, singular_kind, noun_case_here));
                noun_number = Count::Singular;
            }
            noun_case = noun_case_here;
        }
    }
    if let Some(adj) = noun.adjective {
        words.push(adjective(adj, noun, noun_number, noun_case));
    }
    // `وَاحِد` follows the noun; the adjective comes after the noun it describes, so for 1 the
    // order is noun, adjective, وَاحِد.
    if n == 1 && noun.adjective.is_some() {
        words.swap(1, 2);
    }
    if let Some(last) = words.last_mut() {
        if last.kind != Kind::Fixed {
            last.state = State::at_end(end, false);
        }
    }
    let mut said = words.iter().map(Word::render).collect::<Vec<_>>().join(" ");
    if let Some(after) = noun.after {
        said.push(' ');
        said.push_str(after);
    }
    said
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Count {
    Singular,
    Dual,
    Plural,
}

fn two_words(gender: Gender, case: Case) -> Vec<Word> {
    let n = number(2, NumberForm::new(gender, case).with_end(End::Connected));
    vec![Word::fixed(n)]
}

/// K6: the nisba adjective `stem` (ending in ـِيّ) agreeing with the counted noun.
fn adjective(stem: &str, noun: &Noun, count: Count, case: Case) -> Word {
    let feminine_stem = format!("{stem}َة");
    match count {
        Count::Singular if noun.gender == Gender::Feminine => {
            Word::new(&feminine_stem, Kind::Triptote, case, State::Indefinite)
        }
        Count::Singular => Word::new(stem, Kind::Triptote, case, State::Indefinite),
        Count::Dual if noun.gender == Gender::Feminine => {
            Word::new(&feminine_stem, Kind::Dual, case, State::Indefinite)
        }
        Count::Dual => Word::new(stem, Kind::Dual, case, State::Indefinite),
        // Plurals of things take a feminine singular adjective.
        Count::Plural => Word::new(&feminine_stem, Kind::Triptote, case, State::Indefinite),
    }
}

/// The vowel of a case, for callers that build their own endings.
pub fn case_vowel(case: Case) -> char {
    vowel(case)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    const DOLLAR: Noun = Noun {
        singular: "دُولَار",
        plural: "دُولَارَات",
        plural_kind: Plural::Sound,
        gender: Gender::Masculine,
        adjective: None,
        after: None,
    };
    const MINUTE: Noun = crate::text::verbalize::time::MINUTE;
    const KWD: Noun = Noun {
        singular: "دِينَار",
        plural: "دَنَانِير",
        plural_kind: Plural::Diptote,
        gender: Gender::Masculine,
        adjective: Some("كُوَيْتِيّ"),
        after: None,
    };
    const NOM: Case = Case::Nominative;
    const GEN: Case = Case::Genitive;
    const ACC: Case = Case::Accusative;

    #[test]
    fn one_follows_its_noun_and_two_is_a_dual() {
        assert_eq!(counted(1, &DOLLAR, NOM, End::Connected), "دُولَارٌ وَاحِدٌ");
        assert_eq!(counted(2, &DOLLAR, GEN, End::Pause), "دُولَارَيْنِ");
        assert_eq!(counted(2, &MINUTE, NOM, End::Pause), "دَقِيقَتَانِ");
        assert_eq!(counted(1, &MINUTE, NOM, End::Pause), "دَقِيقَةٌ وَاحِدَة");
    }

    #[test]
    fn three_to_ten_take_the_genitive_plural() {
        assert_eq!(counted(7, &DOLLAR, NOM, End::Connected), "سَبْعَةُ دُولَارَاتٍ");
        assert_eq!(counted(5, &MINUTE, GEN, End::Connected), "خَمْسِ دَقَائِقَ");
        assert_eq!(counted(103, &DOLLAR, NOM, End::Pause), "مِئَةٌ وَثَلَاثَةُ دُولَارَات");
    }

    #[test]
    fn eleven_to_ninety_nine_take_the_accusative_singular() {
        assert_eq!(counted(50, &DOLLAR, NOM, End::Connected), "خَمْسُونَ دُولَارًا");
        assert_eq!(counted(12, &MINUTE, GEN, End::Connected), "اثْنَتَيْ عَشْرَةَ دَقِيقَةً");
        assert_eq!(counted(25, &MINUTE, ACC, End::Pause), "خَمْسًا وَعِشْرِينَ دَقِيقَة");
    }

    #[test]
    fn round_numbers_take_the_genitive_singular_in_construct() {
        assert_eq!(counted(100, &DOLLAR, NOM, End::Connected), "مِئَةُ دُولَارٍ");
        assert_eq!(counted(3000, &DOLLAR, GEN, End::Pause), "ثَلَاثَةِ آلَافِ دُولَار");
        assert_eq!(counted(200, &DOLLAR, NOM, End::Connected), "مِئَتَا دُولَارٍ");
    }

    #[test]
    fn adjectives_agree_with_the_counted_noun() {
        assert_eq!(counted(5, &KWD, NOM, End::Pause), "خَمْسَةُ دَنَانِيرَ كُوَيْتِيَّة");
        assert_eq!(counted(1, &KWD, NOM, End::Connected), "دِينَارٌ كُوَيْتِيٌّ وَاحِدٌ");
        assert_eq!(counted(2, &KWD, NOM, End::Pause), "دِينَارَانِ كُوَيْتِيَّانِ");
        assert_eq!(counted(20, &KWD, NOM, End::Connected), "عِشْرُونَ دِينَارًا كُوَيْتِيًّا");
    }
}
