//! Diacritization scoring: DER and WER with the conventions of Fadel et al. (2019), the scorer
//! behind the Tashkeela and Shakkelha leaderboards, reimplemented from its description in
//! `../shared/corpora/diacritization/SOURCE.md`.
//!
//! In: gold and predicted lines (same lines, same letters). Out: [`Scores`], the four published
//! columns (with/without case ending × including/excluding letters whose gold label is "no
//! diacritic") for DER and WER, as percentages.
//!
//! The conventions, step by step:
//! - clean-up: every character that is not one of the 36 letters of [`LETTERS`], one of the eight
//!   marks or a space becomes a space (digits, punctuation and Latin separate words); whitespace is
//!   collapsed; a mark at the start of a word is dropped.
//! - each letter gets one class: none, one mark, or shadda with a vowel in either order; of any
//!   other pair of marks only the first counts.
//! - "without case ending": the last letter of every word is not counted.
//! - "excluding no diacritic": letters whose gold class is none are skipped by DER and counted as
//!   right by WER.
//! - DER = wrong classes / counted letters; WER = words with a wrong letter / words with letters.
//!
//! Never: score lines whose letters differ (that is an error naming the line, not a silent
//! misalignment), or count a letter twice.

use crate::text::normalize::{is_case_mark, SHADDA};

/// The 36 letters the scorer counts (`scorer_constants.json`, ARABIC_LETTERS_LIST).
pub const LETTERS: &str = "ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي";

/// One of the 36 counted letters.
pub fn is_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}')
}

/// The class of one letter: `0` none, `1..=8` a single mark (by code point), `9..` shadda with
/// a vowel. The numbering is ours; only equality matters.
fn class_of(marks: &[char]) -> u8 {
    let single = |c: char| (c as u32 - 0x064A) as u8; // 1..=8
    match marks {
        [] => 0,
        [a] => single(*a),
        [a, b, ..] if *a == SHADDA && *b != SHADDA => 8 + single(*b),
        [a, b, ..] if *b == SHADDA && *a != SHADDA => 8 + single(*a),
        [a, ..] => single(*a),
    }
}

/// The scorer's clean-up of a line: only letters, marks and single spaces, no mark opening a word.
pub fn clean_line(line: &str) -> String {
    let spaced: String =
        line.chars().map(|c| if is_letter(c) || is_case_mark(c) { c } else { ' ' }).collect();
    let mut out = String::with_capacity(spaced.len());
    for word in spaced.split_whitespace() {
        let word = word.trim_start_matches(is_case_mark);
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// One word of a cleaned line: its letters and one class per letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub letters: String,
    pub classes: Vec<u8>,
}

/// The words of a line as the scorer sees them.
pub fn words(line: &str) -> Vec<Word> {
    clean_line(line)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let chars: Vec<char> = w.chars().collect();
            let mut letters = String::new();
            let mut classes = Vec::new();
            let mut i = 0;
            while i < chars.len() {
                let c = chars[i];
                let marks_end =
                    i + 1 + chars[i + 1..].iter().take_while(|&&m| is_case_mark(m)).count();
                letters.push(c);
                classes.push(class_of(&chars[i + 1..marks_end]));
                i = marks_end;
            }
            Word { letters, classes }
        })
        .collect()
}

/// Running counts for one column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub letters: u64,
    pub letter_errors: u64,
    pub words: u64,
    pub word_errors: u64,
}

impl Tally {
    /// Diacritic error rate in percent.
    pub fn der(&self) -> f64 {
        percent(self.letter_errors, self.letters)
    }

    /// Word error rate in percent.
    pub fn wer(&self) -> f64 {
        percent(self.word_errors, self.words)
    }

    fn add(&mut self, other: Tally) {
        self.letters += other.letters;
        self.letter_errors += other.letter_errors;
        self.words += other.words;
        self.word_errors += other.word_errors;
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    part as f64 * 100.0 / whole.max(1) as f64
}

/// The four published columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scores {
    /// With case ending, including no-diacritic letters: the headline number.
    pub with_ce: Tally,
    pub without_ce: Tally,
    pub with_ce_excluding_none: Tally,
    pub without_ce_excluding_none: Tally,
}

impl Scores {
    pub fn add(&mut self, other: &Scores) {
        self.with_ce.add(other.with_ce);
        self.without_ce.add(other.without_ce);
        self.with_ce_excluding_none.add(other.with_ce_excluding_none);
        self.without_ce_excluding_none.add(other.without_ce_excluding_none);
    }
}

/// Why two texts cannot be scored against each other.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreError {
    #[error("gold has {gold} lines, prediction {predicted}")]
    LineCount { gold: usize, predicted: usize },
    #[error("line {line}: gold has {gold} words, prediction {predicted}")]
    WordCount { line: usize, gold: usize, predicted: usize },
    #[error("line {line}, word {word}: gold letters {gold:?}, predicted {predicted:?}")]
    Letters { line: usize, word: usize, gold: String, predicted: String },
}

/// Scores one line pair (`line` is 1-based, for errors).
pub fn score_line(gold: &str, predicted: &str, line: usize) -> Result<Scores, ScoreError> {
    let (g, p) = (words(gold), words(predicted));
    if g.len() != p.len() {
        return Err(ScoreError::WordCount { line, gold: g.len(), predicted: p.len() });
    }
    let mut s = Scores::default();
    for (n, (gw, pw)) in g.iter().zip(&p).enumerate() {
        if gw.letters != pw.letters {
            return Err(ScoreError::Letters {
                line,
                word: n + 1,
                gold: gw.letters.clone(),
                predicted: pw.letters.clone(),
            });
        }
        score_word(gw, pw, &mut s);
    }
    Ok(s)
}

fn score_word(gold: &Word, predicted: &Word, s: &mut Scores) {
    let last = gold.classes.len().saturating_sub(1);
    let mut wrong = [false; 4];
    for (i, (&g, &p)) in gold.classes.iter().zip(&predicted.classes).enumerate() {
        let bad = g != p;
        let none = g == 0;
        let case_ending = i == last;
        let columns = [
            (&mut s.with_ce, true),
            (&mut s.without_ce, !case_ending),
            (&mut s.with_ce_excluding_none, !none),
            (&mut s.without_ce_excluding_none, !case_ending && !none),
        ];
        for (k, (tally, counted)) in columns.into_iter().enumerate() {
            if counted {
                tally.letters += 1;
                tally.letter_errors += u64::from(bad);
                wrong[k] |= bad;
            }
        }
    }
    for (k, tally) in [
        &mut s.with_ce,
        &mut s.without_ce,
        &mut s.with_ce_excluding_none,
        &mut s.without_ce_excluding_none,
    ]
    .into_iter()
    .enumerate()
    {
        tally.words += 1;
        tally.word_errors += u64::from(wrong[k]);
    }
}

/// Scores whole texts line by line.
pub fn score(gold: &[&str], predicted: &[&str]) -> Result<Scores, ScoreError> {
    if gold.len() != predicted.len() {
        return Err(ScoreError::LineCount { gold: gold.len(), predicted: predicted.len() });
    }
    let mut total = Scores::default();
    for (i, (g, p)) in gold.iter().zip(predicted).enumerate() {
        total.add(&score_line(g, p, i + 1)?);
    }
    Ok(total)
}

/// Removes the eight marks (the input a diacritizer is scored on).
pub fn strip_marks(text: &str) -> String {
    text.chars().filter(|&c| !is_case_mark(c)).collect()
}

/// A prediction for `printed` (one line) taken from text that says more or less than it: the
/// diacritized spoken form, where numbers became words and Latin became Arabic script.
///
/// The words of `printed` (as the scorer splits them) are aligned with the words of `spoken` by
/// their bare letters (longest common subsequence); each printed word takes the marks of its
/// partner. A one-letter proclitic printed apart (`و 20`, `ب 10`) is found at the start of the
/// word it was joined to. A printed word with no partner was not said as printed (the second name
/// of a paired month, an expanded abbreviation): it takes its word from `fallback` (another
/// prediction of the same line, with the same words) or stays bare. Returns the prediction (the
/// printed words with marks, one space apart) and how many words had no partner.
pub fn project(printed: &str, spoken: &str, fallback: Option<&str>) -> (String, usize) {
    let gold: Vec<String> = words(printed).into_iter().map(|w| w.letters).collect();
    let said: Vec<&str> = spoken_words(spoken);
    let bare: Vec<String> = said.iter().map(|w| strip_marks(w)).collect();
    let fallback: Vec<&str> = fallback.map(spoken_words).unwrap_or_default();
    let pairs = align(&gold, &bare);
    let mut out = Vec::with_capacity(gold.len());
    let mut missing = 0;
    let mut last_partner: Option<usize> = None;
    for (i, g) in gold.iter().enumerate() {
        if let Some(j) = pairs[i] {
            out.push(said[j].to_string());
            last_partner = Some(j);
            continue;
        }
        // A proclitic printed apart is at the start of a spoken word before the next partner.
        let from = last_partner.map_or(0, |j| j + 1);
        let to = pairs[i..].iter().flatten().next().copied().unwrap_or(said.len());
        let joined = (g.chars().count() == 1)
            .then(|| (from..to).find(|&j| bare[j].starts_with(g.as_str()) && bare[j] != *g))
            .flatten()
            .map(|j| leading_letters(said[j], 1));
        match joined {
            Some(prefix) => out.push(prefix),
            None => {
                missing += 1;
                let from_fallback = fallback.get(i).filter(|w| strip_marks(w) == *g);
                out.push(from_fallback.map_or_else(|| g.clone(), |w| (*w).to_string()));
            }
        }
    }
    (out.join(" "), missing)
}

/// The first `n` letters of a word with their marks.
fn leading_letters(word: &str, n: usize) -> String {
    let mut out = String::new();
    let mut letters = 0;
    for c in word.chars() {
        if !is_case_mark(c) {
            if letters == n {
                break;
            }
            letters += 1;
        }
        out.push(c);
    }
    out
}

/// The words of a text as the scorer splits them, with their marks.
fn spoken_words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(is_letter(c) || is_case_mark(c)))
        .map(|w| w.trim_start_matches(is_case_mark))
        .filter(|w| !w.is_empty())
        .collect()
}

/// For each word of `a`, the index of its partner in `b` (equal words, longest common
/// subsequence, earliest partner on ties).
fn align(a: &[String], b: &[String]) -> Vec<Option<usize>> {
    let (n, m) = (a.len(), b.len());
    // lcs[i][j] = LCS length of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] =
                if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut pairs = vec![None; n];
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            pairs[i] = Some(j);
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    #[test]
    fn clean_up_turns_non_letters_into_single_spaces_and_drops_word_initial_marks() {
        assert_eq!(clean_line("فِي 16 فِبْرَايِرَ، (2014)"), "فِي فِبْرَايِرَ");
        assert_eq!(clean_line("َبِ x"), "بِ");
        assert_eq!(clean_line("# ثَقَافَةٌ\t"), "ثَقَافَةٌ");
    }

    #[test]
    fn shadda_pairs_are_one_class_in_either_order_other_pairs_keep_the_first_mark() {
        let a = words("ر\u{0651}\u{064E}")[0].classes[0];
        let b = words("ر\u{064E}\u{0651}")[0].classes[0];
        assert_eq!(a, b);
        assert_ne!(a, words("ر\u{064E}")[0].classes[0]);
        assert_eq!(words("ر\u{064E}\u{0652}")[0].classes[0], words("ر\u{064E}")[0].classes[0]);
        assert_eq!(words("ر")[0].classes[0], 0);
    }

    #[test]
    fn case_ending_columns_leave_out_the_last_letter() {
        let s = score(&["كَتَبَ"], &["كَتَبُ"]).unwrap();
        assert_eq!((s.with_ce.letters, s.with_ce.letter_errors), (3, 1));
        assert_eq!((s.without_ce.letters, s.without_ce.letter_errors), (2, 0));
        assert_eq!((s.with_ce.words, s.with_ce.word_errors), (1, 1));
        assert_eq!((s.without_ce.words, s.without_ce.word_errors), (1, 0));
    }

    #[test]
    fn excluding_none_skips_gold_bare_letters_in_der_and_forgives_them_in_wer() {
        // Gold ا has no mark; the prediction's sukun on it is not counted.
        let s = score(&["كَانَ"], &["كَاْنَ"]).unwrap();
        assert_eq!((s.with_ce.letters, s.with_ce.letter_errors), (3, 1));
        assert_eq!(
            (s.with_ce_excluding_none.letters, s.with_ce_excluding_none.letter_errors),
            (2, 0)
        );
        assert_eq!(s.with_ce_excluding_none.word_errors, 0);
        assert_eq!(s.with_ce.word_errors, 1);
    }

    #[test]
    fn different_letters_are_an_error_naming_the_place() {
        let e = score(&["كتب قلم"], &["كتب قلب"]).unwrap_err();
        assert!(matches!(e, ScoreError::Letters { line: 1, word: 2, .. }), "{e}");
        assert!(matches!(score(&["a"], &[]).unwrap_err(), ScoreError::LineCount { .. }));
    }

    #[test]
    fn projection_takes_marks_from_the_spoken_words_and_leaves_unsaid_words_bare() {
        let (p, missing) =
            project("في 16 فبراير/شباط 2014", "فِي السَّادِسَ عَشَرَ مِنْ فِبْرَايِرَ عَامَ أَلْفَيْنِ", None);
        assert_eq!(p, "فِي فِبْرَايِرَ شباط");
        assert_eq!(missing, 1);
        assert_eq!(project("كتب", "", None).0, "كتب");
    }

    #[test]
    fn projection_finds_detached_proclitics_and_takes_unsaid_words_from_the_fallback() {
        let (p, missing) = project("بين 10 و 20 شخصا", "بَيْنَ عَشَرَةٍ وَعِشْرِينَ شَخْصًا", None);
        assert_eq!((p.as_str(), missing), ("بَيْنَ وَ شَخْصًا", 0));
        let (p, missing) = project("في مارس/آذار", "فِي مَارِسَ", Some("فِي مَارِسَ آذَارَ"));
        assert_eq!((p.as_str(), missing), ("فِي مَارِسَ آذَارَ", 1));
    }

    #[test]
    fn rates_are_percentages() {
        let t = Tally { letters: 200, letter_errors: 3, words: 40, word_errors: 2 };
        assert_eq!(format!("{:.2} {:.2}", t.der(), t.wer()), "1.50 5.00");
        assert_eq!(Tally::default().der(), 0.0);
    }
}
