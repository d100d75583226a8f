//! Cardinal numbers as fully vocalized Arabic words (العدد).
//!
//! In: a value, the gender of the counted noun's singular, the case of the number phrase, and how
//! its last word ends ([`End`]). Out: vocalized words, every letter marked, so espeak has nothing to
//! guess. Never: digits, `مائة`, or an unvocalized number word.
//!
//! Rules (MSA; IDs appear in tests and `tests/data/text/cardinal.tsv`):
//! - `N1` 1 and 2 agree with the counted noun (وَاحِدٌ/وَاحِدَةٌ، اثْنَانِ/اثْنَتَانِ).
//! - `N2` 3–10 take the opposite gender of the singular noun (ثَلَاثَةُ رِجَالٍ، ثَلَاثُ نِسَاءٍ).
//! - `N3` 11 and 12 agree in both parts; 12 declines like a dual (اثْنَا/اثْنَيْ عَشَرَ).
//! - `N4` 13–19: the unit takes the opposite gender, the ten agrees; both end in fatha.
//! - `N5` tens end in -ūna in the nominative, -īna otherwise; a unit before them is indefinite;
//!   the feminine one before a ten is إِحْدَى (إِحْدَى وَعِشْرُونَ دَقِيقَةً).
//! - `N6` hundreds are feminine: ثَلَاثُ مِئَةٍ، ثَمَانِي مِئَةٍ; 200 is a dual that drops its nūn in
//!   construct (مِئَتَا مِلْيَارٍ، مِئَتَيْ مِلْيَارٍ). Spelled مئة, never مائة.
//! - `N7` أَلْف، مِلْيُون، مِلْيَار are masculine nouns counted like any other: ثَلَاثَةُ آلَافٍ،
//!   أَحَدَ عَشَرَ أَلْفًا، مِئَةُ أَلْفٍ; 101 000 is مِئَةُ أَلْفٍ وَأَلْفٌ.
//! - `N8` the last word ends as [`End`] says: in pause (no final case vowel, accusative tanween read
//!   as ā) before punctuation or alone, with its full ending in running speech, or in construct
//!   before its counted noun.
//!
//! Why vocalize here and not leave it to the diacritizer: number words are the words diacritizers
//! get wrong most (the case depends on the counted noun, which the model does not see as a number),
//! and espeak reads an unvocalized `ستة` as `stt`.

/// Gender of the counted noun's singular (المعدود): مذكر or مؤنث.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Gender {
    /// مذكر
    #[default]
    Masculine,
    /// مؤنث
    Feminine,
}

impl Gender {
    fn opposite(self) -> Self {
        match self {
            Self::Masculine => Self::Feminine,
            Self::Feminine => Self::Masculine,
        }
    }
}

/// Grammatical case of the number phrase (الإعراب).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Case {
    /// مرفوع
    #[default]
    Nominative,
    /// منصوب
    Accusative,
    /// مجرور
    Genitive,
}

/// How the last word of a phrase ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum End {
    /// Before a pause (وقف): no final case vowel, accusative tanween read as ā. For a number said
    /// on its own or before punctuation.
    #[default]
    Pause,
    /// Running speech: the full case ending with tanween (ثَلَاثَةٌ، مِئَةٍ).
    Connected,
    /// Followed by a noun in construct (إضافة): the case vowel without tanween, duals without
    /// their nūn (ثَلَاثَةُ، مِئَتَا).
    Construct,
}

/// How the number is used: with which noun gender, in which case, and how its last word ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NumberForm {
    pub gender: Gender,
    pub case: Case,
    pub end: End,
}

impl NumberForm {
    /// A number said on its own (in pause).
    pub fn new(gender: Gender, case: Case) -> Self {
        Self { gender, case, end: End::Pause }
    }

    /// The same form with another ending.
    pub fn with_end(self, end: End) -> Self {
        Self { end, ..self }
    }
}

use crate::text::normalize::{DAMMA, DAMMATAN, FATHA, FATHATAN, KASRA, KASRATAN};

const WA: &str = "وَ";

/// State of a declinable word: indefinite (تنوين), definite (ال, one vowel), construct (مضاف) or in
/// pause (وقف).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    Indefinite,
    Definite,
    Construct,
    Pause,
}

impl State {
    /// The state of a phrase's last word for an [`End`]; `definite` words never take tanween.
    pub(super) fn at_end(end: End, definite: bool) -> Self {
        match end {
            End::Pause => Self::Pause,
            End::Construct => Self::Construct,
            End::Connected if definite => Self::Definite,
            End::Connected => Self::Indefinite,
        }
    }
}

/// How a word takes its case ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Three-case noun with tanween (أَلْف، مِئَة).
    Triptote,
    /// No tanween, fatha for the genitive unless in construct (مَلَايِين).
    Diptote,
    /// Dual: -āni/-ayni, -ā/-ay in construct (stem without the ending: مِئَت).
    Dual,
    /// Defective ثَمَانٍ (feminine-counting eight).
    Manqus,
    /// A defective adjective in ـِي (الثَّانِي، الْحَادِي): the vowel shows only in the accusative.
    Defective,
    /// Sound feminine plural in ـَات: kasra for the accusative too (دُولَارَاتٍ).
    FemPlural,
    /// Indeclinable or already complete (عِشْرُونَ، ثَلَاثَةَ عَشَرَ).
    Fixed,
}

/// One declinable word: its stem (vocalized, without the case ending) and how it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Word {
    pub(super) stem: String,
    pub(super) kind: Kind,
    pub(super) case: Case,
    pub(super) state: State,
    /// Joined to the previous word with وَ.
    pub(super) and: bool,
}

impl Word {
    pub(super) fn new(stem: &str, kind: Kind, case: Case, state: State) -> Self {
        Self { stem: stem.to_string(), kind, case, state, and: false }
    }

    pub(super) fn fixed(text: String) -> Self {
        Self {
            stem: text,
            kind: Kind::Fixed,
            case: Case::Nominative,
            state: State::Pause,
            and: false,
        }
    }

    pub(super) fn render(&self) -> String {
        let mut s = String::with_capacity(self.stem.len() + 8);
        if self.and {
            s.push_str(WA);
        }
        let stem = self.stem.as_str();
        let ends_ta = stem.ends_with('ة');
        let (case, state) = (self.case, self.state);
        match self.kind {
            Kind::Fixed => s.push_str(stem),
            Kind::Triptote => {
                s.push_str(stem);
                match (state, case) {
                    (State::Indefinite, Case::Nominative) => s.push(DAMMATAN),
                    (State::Indefinite, Case::Genitive) => s.push(KASRATAN),
                    (State::Indefinite, Case::Accusative) if ends_ta => s.push(FATHATAN),
                    (State::Indefinite, Case::Accusative) => {
                        s.push(FATHATAN);
                        s.push('ا');
                    }
                    (State::Construct | State::Definite, c) => s.push(vowel(c)),
                    (State::Pause, Case::Accusative) if !ends_ta => {
                        s.push(FATHA);
                        s.push('ا');
                    }
                    (State::Pause, _) => {}
                }
            }
            Kind::FemPlural => {
                s.push_str(stem);
                match (state, case) {
                    (State::Pause, _) => {}
                    (State::Indefinite, Case::Nominative) => s.push(DAMMATAN),
                    (State::Indefinite, _) => s.push(KASRATAN),
                    (_, Case::Nominative) => s.push(DAMMA),
                    (_, _) => s.push(KASRA),
                }
            }
            Kind::Defective => {
                // الثَّانِي: the ي carries fatha in the accusative only; indefinite is ثَانٍ.
                match (state, case) {
                    (State::Indefinite, Case::Accusative) => {
                        s.push_str(stem);
                        s.push(FATHATAN);
                        s.push('ا');
                    }
                    (State::Indefinite, _) => {
                        s.push_str(stem.strip_suffix("ِي").unwrap_or(stem));
                        s.push(KASRATAN);
                    }
                    (State::Pause, _) => s.push_str(stem),
                    (_, Case::Accusative) => {
                        s.push_str(stem);
                        s.push(FATHA);
                    }
                    (_, _) => s.push_str(stem),
                }
            }
            Kind::Diptote => {
                s.push_str(stem);
                match (state, case) {
                    (State::Pause, _) => {}
                    (State::Construct | State::Definite, c) => s.push(vowel(c)),
                    (State::Indefinite, Case::Nominative) => s.push(DAMMA),
                    (State::Indefinite, _) => s.push(FATHA),
                }
            }
            Kind::Dual => {
                s.push_str(
                    stem.strip_suffix('ة').map_or(stem.to_string(), |t| format!("{t}ت")).as_str(),
                );
                let nominative = case == Case::Nominative;
                s.push_str(match (state, nominative) {
                    (State::Construct, true) => "َا",
                    (State::Construct, false) => "َيْ",
                    (_, true) => "َانِ",
                    (_, false) => "َيْنِ",
                });
            }
            Kind::Manqus => s.push_str(match (state, case) {
                (State::Indefinite, Case::Accusative) => "ثَمَانِيًا",
                (State::Indefinite, _) => "ثَمَانٍ",
                (_, Case::Accusative) => "ثَمَانِيَ",
                (_, _) => "ثَمَانِي",
            }),
        }
        s
    }
}

pub(super) fn vowel(case: Case) -> char {
    match case {
        Case::Nominative => DAMMA,
        Case::Accusative => FATHA,
        Case::Genitive => KASRA,
    }
}

/// Units 3..=10 as counted with a masculine noun (with tā' marbūṭa).
const UNITS_WITH_TA: [&str; 8] = ["ثَلَاثَة", "أَرْبَعَة", "خَمْسَة", "سِتَّة", "سَبْعَة", "ثَمَانِيَة", "تِسْعَة", "عَشَرَة"];
/// Units 3..=10 as counted with a feminine noun (8 is the defective ثَمَانٍ, handled apart).
const UNITS_WITHOUT_TA: [&str; 8] = ["ثَلَاث", "أَرْبَع", "خَمْس", "سِتّ", "سَبْع", "ثَمَانِي", "تِسْع", "عَشْر"];
/// Tens 20..=90 without their case ending.
const TENS: [&str; 8] = ["عِشْر", "ثَلَاث", "أَرْبَع", "خَمْس", "سِتّ", "سَبْع", "ثَمَان", "تِسْع"];

/// Scale nouns: (singular, plural, plural is diptote). Index 0 is thousand (10^3).
const SCALES: [(&str, &str, bool); 6] = [
    ("أَلْف", "آلَاف", false),
    ("مِلْيُون", "مَلَايِين", true),
    ("مِلْيَار", "مِلْيَارَات", false),
    ("تِرِلْيُون", "تِرِلْيُونَات", false),
    ("كُوَادْرِلْيُون", "كُوَادْرِلْيُونَات", false),
    ("كُوِنْتِلْيُون", "كُوِنْتِلْيُونَات", false),
];

/// A number said on its own (N8: last word in pause), counting a noun of `gender`.
///
/// ```
/// use nashra::text::verbalize::{cardinal, Case, Gender};
/// assert_eq!(cardinal(3, Gender::Masculine, Case::Nominative), "ثَلَاثَة");
/// assert_eq!(cardinal(2023, Gender::Masculine, Case::Genitive), "أَلْفَيْنِ وَثَلَاثَةٍ وَعِشْرِينَ");
/// ```
pub fn cardinal(n: u64, gender: Gender, case: Case) -> String {
    number(n, NumberForm::new(gender, case))
}

/// A number with its full form: see [`NumberForm`].
///
/// ```
/// use nashra::text::verbalize::{number, Case, End, Gender, NumberForm};
/// let form = NumberForm::new(Gender::Masculine, Case::Nominative).with_end(End::Construct);
/// assert_eq!(number(200, form), "مِئَتَا");
/// ```
pub fn number(n: u64, form: NumberForm) -> String {
    if n == 0 {
        return "صِفْر".to_string();
    }
    let mut words = number_words(n, form.gender, form.case);
    if let Some(last) = words.last_mut() {
        last.state = State::at_end(form.end, false);
    }
    words.iter().map(Word::render).collect::<Vec<_>>().join(" ")
}

/// The words of `n` (not yet rendered), for phrases that build on them (ordinals, counted nouns).
pub(super) fn number_words(n: u64, gender: Gender, case: Case) -> Vec<Word> {
    let mut words = Vec::new();
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push(rest % 1000);
        rest /= 1000;
    }
    for (scale, &k) in groups.iter().enumerate().rev() {
        if k == 0 {
            continue;
        }
        let first = words.len();
        if scale == 0 {
            below_thousand(k, gender, case, &mut words);
        } else {
            scaled(k, scale - 1, case, &mut words);
        }
        if first > 0 {
            words[first].and = true;
        }
    }
    words
}

/// 1..=999 counting a noun of `gender`; the last word is left indefinite.
fn below_thousand(k: u64, gender: Gender, case: Case, out: &mut Vec<Word>) {
    let (h, r) = (k / 100, k % 100);
    if h > 0 {
        hundreds(h, case, out);
    }
    if r > 0 {
        let first = out.len();
        below_hundred(r, gender, case, out);
        if first > 0 {
            out[first].and = true;
        }
    }
}

/// N6: 100..=900 in steps of 100, indefinite.
pub(super) fn hundreds(h: u64, case: Case, out: &mut Vec<Word>) {
    match h {
        1 => out.push(Word::new("مِئَة", Kind::Triptote, case, State::Indefinite)),
        2 => out.push(Word::new("مِئَت", Kind::Dual, case, State::Indefinite)),
        _ => {
            // The unit counts مئة (feminine), so it takes the form without tā', in construct.
            out.push(unit_3_to_10(h, Gender::Feminine, case, State::Construct));
            out.push(Word::new("مِئَة", Kind::Triptote, Case::Genitive, State::Indefinite));
        }
    }
}

/// N2: 3..=10 counting a noun of `gender`.
pub(super) fn unit_3_to_10(u: u64, gender: Gender, case: Case, state: State) -> Word {
    let i = (u - 3) as usize;
    match gender.opposite() {
        Gender::Feminine => Word::new(UNITS_WITH_TA[i], Kind::Triptote, case, state),
        Gender::Masculine if u == 8 => Word::new("ثَمَانِي", Kind::Manqus, case, state),
        Gender::Masculine => Word::new(UNITS_WITHOUT_TA[i], Kind::Triptote, case, state),
    }
}

/// 1..=99 counting a noun of `gender`, indefinite.
pub(super) fn below_hundred(r: u64, gender: Gender, case: Case, out: &mut Vec<Word>) {
    let oblique = case != Case::Nominative;
    let fem = gender == Gender::Feminine;
    match r {
        // N1
        1 => out.push(Word::new(
            if fem { "وَاحِدَة" } else { "وَاحِد" },
            Kind::Triptote,
            case,
            State::Indefinite,
        )),
        2 => out.push(Word::new(
            if fem { "اثْنَت" } else { "اثْن" },
            Kind::Dual,
            case,
            State::Indefinite,
        )),
        3..=10 => out.push(unit_3_to_10(r, gender, case, State::Indefinite)),
        // N3
        11 => out.push(Word::fixed(if fem { "إِحْدَى عَشْرَةَ" } else { "أَحَدَ عَشَرَ" }.to_string())),
        12 => out.push(Word::fixed(
            match (fem, oblique) {
                (false, false) => "اثْنَا عَشَرَ",
                (false, true) => "اثْنَيْ عَشَرَ",
                (true, false) => "اثْنَتَا عَشْرَةَ",
                (true, true) => "اثْنَتَيْ عَشْرَةَ",
            }
            .to_string(),
        )),
        // N4
        13..=19 => {
            let i = (r - 13) as usize;
            let unit = if fem { UNITS_WITHOUT_TA[i] } else { UNITS_WITH_TA[i] };
            let ten = if fem { "عَشْرَةَ" } else { "عَشَرَ" };
            out.push(Word::fixed(format!("{unit}{FATHA} {ten}")));
        }
        // N5
        _ => {
            let (t, u) = (r / 10, r % 10);
            if u == 1 && fem {
                // إِحْدَى وَعِشْرُونَ: the feminine one before a ten.
                out.push(Word::fixed("إِحْدَى".to_string()));
            } else if u > 0 {
                below_hundred(u, gender, case, out);
            }
            let ending = if oblique { "ِينَ" } else { "ُونَ" };
            let mut tens = Word::fixed(format!("{}{ending}", TENS[(t - 2) as usize]));
            tens.and = u > 0;
            out.push(tens);
        }
    }
}

/// N7: `k` (1..=999) times the scale noun `scale` (0 = thousand).
fn scaled(k: u64, scale: usize, case: Case, out: &mut Vec<Word>) {
    let (single, plural, diptote) = SCALES[scale];
    let plural_kind = if diptote { Kind::Diptote } else { Kind::Triptote };
    let (h, r) = (k / 100, k % 100);
    match k {
        1 => out.push(Word::new(single, Kind::Triptote, case, State::Indefinite)),
        2 => out.push(Word::new(single, Kind::Dual, case, State::Indefinite)),
        3..=10 => {
            out.push(unit_3_to_10(k, Gender::Masculine, case, State::Construct));
            out.push(Word::new(plural, plural_kind, Case::Genitive, State::Indefinite));
        }
        11..=99 => {
            below_hundred(k, Gender::Masculine, case, out);
            out.push(Word::new(single, Kind::Triptote, Case::Accusative, State::Indefinite));
        }
        _ if r == 0 || r <= 2 => {
            // مِئَةُ أَلْفٍ، and for 101/102 thousand: مِئَةُ أَلْفٍ وَأَلْفٌ / وَأَلْفَانِ.
            hundreds(h, case, out);
            if let Some(last) = out.last_mut() {
                last.state = State::Construct;
            }
            out.push(Word::new(single, Kind::Triptote, Case::Genitive, State::Indefinite));
            if r > 0 {
                let kind = if r == 1 { Kind::Triptote } else { Kind::Dual };
                let mut w = Word::new(single, kind, case, State::Indefinite);
                w.and = true;
                out.push(w);
            }
        }
        _ => {
            // The noun's form follows the last number said: مِئَةٌ وَثَلَاثَةُ آلَافٍ، مِئَةٌ وَخَمْسُونَ أَلْفًا.
            hundreds(h, case, out);
            let first = out.len();
            if r <= 10 {
                out.push(unit_3_to_10(r, Gender::Masculine, case, State::Construct));
                out.push(Word::new(plural, plural_kind, Case::Genitive, State::Indefinite));
            } else {
                below_hundred(r, Gender::Masculine, case, out);
                out.push(Word::new(single, Kind::Triptote, Case::Accusative, State::Indefinite));
            }
            out[first].and = true;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    const M: Gender = Gender::Masculine;
    const F: Gender = Gender::Feminine;
    const NOM: Case = Case::Nominative;
    const ACC: Case = Case::Accusative;
    const GEN: Case = Case::Genitive;

    fn with_noun(n: u64, gender: Gender, case: Case) -> String {
        number(n, NumberForm::new(gender, case).with_end(End::Construct))
    }

    fn connected(n: u64, gender: Gender, case: Case) -> String {
        number(n, NumberForm::new(gender, case).with_end(End::Connected))
    }

    #[test]
    fn connected_speech_keeps_the_full_case_ending() {
        assert_eq!(connected(3, M, NOM), "ثَلَاثَةٌ");
        assert_eq!(connected(100, M, GEN), "مِئَةٍ");
        assert_eq!(connected(1000, M, ACC), "أَلْفًا");
        assert_eq!(connected(2, M, ACC), "اثْنَيْنِ");
        assert_eq!(connected(5_000_000, M, GEN), "خَمْسَةِ مَلَايِينَ");
        assert_eq!(connected(20, M, NOM), "عِشْرُونَ");
    }

    #[test]
    fn one_and_two_agree_with_the_noun() {
        assert_eq!(cardinal(1, M, NOM), "وَاحِد");
        assert_eq!(cardinal(1, F, NOM), "وَاحِدَة");
        assert_eq!(cardinal(2, M, NOM), "اثْنَانِ");
        assert_eq!(cardinal(2, F, GEN), "اثْنَتَيْنِ");
    }

    #[test]
    fn three_takes_feminine_with_masculine_noun() {
        assert_eq!(with_noun(3, M, NOM), "ثَلَاثَةُ");
        assert_eq!(with_noun(3, F, NOM), "ثَلَاثُ");
        assert_eq!(with_noun(8, F, GEN), "ثَمَانِي");
        assert_eq!(with_noun(8, F, ACC), "ثَمَانِيَ");
        assert_eq!(with_noun(10, F, GEN), "عَشْرِ");
        assert_eq!(with_noun(10, M, GEN), "عَشَرَةِ");
    }

    #[test]
    fn eleven_to_nineteen_follow_their_own_rules() {
        assert_eq!(cardinal(11, F, NOM), "إِحْدَى عَشْرَةَ");
        assert_eq!(cardinal(12, M, GEN), "اثْنَيْ عَشَرَ");
        assert_eq!(cardinal(13, M, NOM), "ثَلَاثَةَ عَشَرَ");
        assert_eq!(cardinal(18, F, NOM), "ثَمَانِيَ عَشْرَةَ");
        assert_eq!(cardinal(16, F, ACC), "سِتَّ عَشْرَةَ");
    }

    #[test]
    fn tens_decline_and_units_before_them_take_tanween() {
        assert_eq!(cardinal(20, M, NOM), "عِشْرُونَ");
        assert_eq!(cardinal(60, M, GEN), "سِتِّينَ");
        assert_eq!(cardinal(21, M, NOM), "وَاحِدٌ وَعِشْرُونَ");
        assert_eq!(cardinal(23, M, GEN), "ثَلَاثَةٍ وَعِشْرِينَ");
        assert_eq!(cardinal(28, F, NOM), "ثَمَانٍ وَعِشْرُونَ");
        assert_eq!(cardinal(99, F, ACC), "تِسْعًا وَتِسْعِينَ");
    }

    #[test]
    fn hundreds_are_feminine_and_spelled_mia() {
        assert_eq!(cardinal(100, M, NOM), "مِئَة");
        assert_eq!(cardinal(200, M, NOM), "مِئَتَانِ");
        assert_eq!(cardinal(300, M, NOM), "ثَلَاثُ مِئَة");
        assert_eq!(cardinal(800, M, GEN), "ثَمَانِي مِئَة");
        assert_eq!(cardinal(107, M, NOM), "مِئَةٌ وَسَبْعَة");
        assert_eq!(cardinal(999, M, NOM), "تِسْعُ مِئَةٍ وَتِسْعَةٌ وَتِسْعُونَ");
        assert!(!cardinal(500, M, NOM).contains("مائة"));
    }

    #[test]
    fn two_hundred_drops_its_nun_before_a_noun() {
        assert_eq!(with_noun(200, M, NOM), "مِئَتَا");
        assert_eq!(with_noun(200, M, GEN), "مِئَتَيْ");
        assert_eq!(with_noun(200_000, M, NOM), "مِئَتَا أَلْفِ");
    }

    #[test]
    fn thousands_are_masculine_nouns() {
        assert_eq!(cardinal(1000, M, NOM), "أَلْف");
        assert_eq!(cardinal(2000, F, NOM), "أَلْفَانِ");
        assert_eq!(cardinal(3000, F, NOM), "ثَلَاثَةُ آلَاف");
        assert_eq!(cardinal(11_000, M, NOM), "أَحَدَ عَشَرَ أَلْفَا");
        assert_eq!(cardinal(100_000, M, NOM), "مِئَةُ أَلْف");
        assert_eq!(cardinal(101_000, M, NOM), "مِئَةُ أَلْفٍ وَأَلْف");
        assert_eq!(cardinal(150_000, M, NOM), "مِئَةٌ وَخَمْسُونَ أَلْفَا");
        assert_eq!(cardinal(103_000, M, NOM), "مِئَةٌ وَثَلَاثَةُ آلَاف");
        assert_eq!(cardinal(3006, M, NOM), "ثَلَاثَةُ آلَافٍ وَسِتَّة");
    }

    #[test]
    fn millions_and_billions() {
        assert_eq!(cardinal(5_000_000, M, NOM), "خَمْسَةُ مَلَايِين");
        assert_eq!(cardinal(5_000_001, M, NOM), "خَمْسَةُ مَلَايِينَ وَوَاحِد");
        assert_eq!(cardinal(2_000_000_000, M, GEN), "مِلْيَارَيْنِ");
        assert_eq!(cardinal(1_000_000_000_000, M, NOM), "تِرِلْيُون");
        assert_eq!(cardinal(0, M, NOM), "صِفْر");
    }

    #[test]
    fn year_after_aam_is_genitive() {
        assert_eq!(cardinal(2023, M, GEN), "أَلْفَيْنِ وَثَلَاثَةٍ وَعِشْرِينَ");
        assert_eq!(cardinal(1999, M, GEN), "أَلْفٍ وَتِسْعِ مِئَةٍ وَتِسْعَةٍ وَتِسْعِينَ");
    }

    #[test]
    fn every_output_is_non_empty_arabic_without_digits() {
        let mut n: u64 = 1;
        let mut values: Vec<u64> = (0..=2100).collect();
        while let Some(next) = n.checked_mul(7) {
            values.extend([n, n + 1, n.saturating_sub(1), n * 3 / 2]);
            n = next + 13;
        }
        values.push(u64::MAX);
        for v in values {
            for g in [M, F] {
                for c in [NOM, ACC, GEN] {
                    let s = cardinal(v, g, c);
                    assert!(!s.is_empty(), "{v}");
                    assert!(s.chars().all(|ch| !ch.is_ascii() || ch == ' '), "{v}: {s}");
                    assert!(
                        !s.contains("  ") && !s.starts_with(' ') && !s.ends_with(' '),
                        "{v}: {s}"
                    );
                }
            }
        }
    }
}
