//! How a reader says vocalized text: the last step before espeak, for Arabic voices.
//!
//! In: diacritized text as `text::diacritize` writes it, with every case ending and every silent
//! letter (سكون) written as in vocalized print. Out: the same text changed where speech differs
//! from writing, at word ends only:
//!
//! - R1, pause (وقف): before punctuation that espeak pauses at, and at the end of the text, a
//!   word loses its final short vowel or tanween (`الْمَدِينَةِ.` → `الْمَدِينَة.`); tanween with
//!   fatha before a final alif or alif maqsura leaves the long vowel (`عَامًا.` → `عَاما.`, said
//!   ʕaːmaː, not ʕaːman). Shadda and sukun stay (`مُهِمّ` is said with the doubled م).
//! - R2, joining (وصل): a silent last letter before hamzat al-wasl takes the helping vowel:
//!   fatha on مِنْ before the article (`مِنَ الْ`), damma on the pronoun م (`عَلَيْهِمُ الْ`),
//!   kasra otherwise (`أَعْلَنَتِ الْ`، `عَنِ الْ`).
//!
//! espeak applies neither rule itself (it says `الْمَدْرَسَةِ،` as almadrasati, `مِنْ الْ` as min
//! al). The diacritizer writes, these rules read: the vocalized text that `nashra text --stage
//! diacritized` shows and that DER is measured on stays the written one (docs/text.md).

use super::diacritize::{join_letters, letters_with_marks};
use super::normalize::{is_arabic_letter, is_harakah, DAMMA, FATHA, FATHATAN, KASRA, SUKUN};
use super::verbalize::{CLAUSE_MARKS, QUOTES};

/// The text as it is said: R1 and R2 applied to every word.
pub fn pronounce(text: &str) -> String {
    map_words(text, |word, after| match after {
        After::Pause => paused(word),
        After::Word(next) if starts_with_wasl(next) => joined(word, next),
        After::Word(_) | After::Other => word.to_owned(),
    })
}

/// What follows a word, for the rules of its last letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum After<'a> {
    /// Punctuation espeak pauses at, or the end of the text.
    Pause,
    /// Another word, with only whitespace and quotes or brackets between (read without a pause).
    Word(&'a str),
    /// Anything else (a digit, a Latin word, a symbol).
    Other,
}

/// `text` with each Arabic word (letters and their marks) replaced by `f(word, what follows)`;
/// everything between words is kept as it is.
pub(crate) fn map_words(text: &str, mut f: impl FnMut(&str, After) -> String) -> String {
    let is_word = |c: char| is_arabic_letter(c) || is_harakah(c);
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(start) = rest.find(is_word) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
        let (word, tail) = rest.split_at(end);
        let gap = tail.trim_start_matches(|c: char| c.is_whitespace() || QUOTES.contains(&c));
        let after = match gap.chars().next() {
            None => After::Pause,
            Some(c) if CLAUSE_MARKS.contains(&c) => After::Pause,
            Some(c) if is_word(c) => {
                After::Word(&gap[..gap.find(|c: char| !is_word(c)).unwrap_or(gap.len())])
            }
            Some(_) => After::Other,
        };
        out.push_str(&f(word, after));
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// R1: a word as said before a pause.
fn paused(word: &str) -> String {
    let mut letters = letters_with_marks(word);
    let n = letters.len();
    if let Some(last) = letters.last_mut() {
        last.1.retain(|m| !matches!(m, FATHATAN..=KASRA));
    }
    // Tanween with fatha is written on the letter before a final alif or alif maqsura.
    if n >= 2 && matches!(letters[n - 1].0, 'ا' | 'ى') && letters[n - 1].1.is_empty() {
        letters[n - 2].1.retain(|&m| m != FATHATAN);
    }
    join_letters(letters)
}

/// R2: a word as said before `next`, which begins with hamzat al-wasl.
fn joined(word: &str, next: &str) -> String {
    let mut letters = letters_with_marks(word);
    let Some(last) = letters.last() else { return word.to_owned() };
    if last.1.as_slice() != [SUKUN] {
        return word.to_owned();
    }
    let bare: String = letters.iter().map(|l| l.0).collect();
    let stem = bare.strip_prefix(['و', 'ف']).unwrap_or(&bare);
    let vowel = if (bare == "من" || stem == "من") && next.starts_with("ال") {
        FATHA
    } else if pronoun_mim(&letters) {
        DAMMA
    } else {
        KASRA
    };
    if let Some(last) = letters.last_mut() {
        last.1 = vec![vowel];
    }
    join_letters(letters)
}

/// Whether a word begins with hamzat al-wasl: a bare alif (the article, `ابن`، `اسم`, verbal
/// nouns of forms VII-X), which is not said after another word.
pub(crate) fn starts_with_wasl(word: &str) -> bool {
    word.starts_with(['ا', 'ٱ'])
}

/// Whether the letters (of [`letters_with_marks`]) end in the pronoun م of هُمْ، هِمْ، كُمْ، تُمْ:
/// ه، ك or ت with damma or kasra, then م.
pub(crate) fn pronoun_mim(letters: &[(char, Vec<char>)]) -> bool {
    match letters {
        [.., (h, marks), ('م', _)] => {
            matches!(h, 'ه' | 'ك' | 'ت') && matches!(marks.last(), Some(&DAMMA | &KASRA))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_before_a_pause_loses_its_case_ending() {
        for (written, said) in [
            ("ذَهَبَ إِلَى الْمَدْرَسَةِ، ثُمَّ عَادَ.", "ذَهَبَ إِلَى الْمَدْرَسَة، ثُمَّ عَاد."),
            ("عَاشَ تِسْعِينَ عَامًا.", "عَاشَ تِسْعِينَ عَاما."),
            ("فِي مُسْتَشْفًى", "فِي مُسْتَشْفى"),
            ("هَذَا أَمْرٌ مُهِمٌّ", "هَذَا أَمْرٌ مُهِمّ"),
            ("وَصَلَ الْوَفْدُ؟ نَعَمْ", "وَصَلَ الْوَفْد؟ نَعَمْ"),
            // Inside a clause nothing changes.
            ("كِتَابٌ جَدِيدٌ وَقَلَمٌ", "كِتَابٌ جَدِيدٌ وَقَلَم"),
        ] {
            assert_eq!(pronounce(written), said, "{written}");
        }
    }

    #[test]
    fn a_silent_letter_before_hamzat_al_wasl_takes_the_helping_vowel() {
        for (written, said) in [
            ("خَرَجَ مِنْ الْبَيْتِ", "خَرَجَ مِنَ الْبَيْت"),
            ("وَمِنْ الْمُتَوَقَّعِ أَنْ", "وَمِنَ الْمُتَوَقَّعِ أَنْ"),
            ("مِنْ ابْنِهِ", "مِنِ ابْنِه"),
            ("أَعْلَنَتْ الْوِزَارَةُ", "أَعْلَنَتِ الْوِزَارَة"),
            ("عَنْ الْأَمْرِ", "عَنِ الْأَمْر"),
            ("عَلَيْهِمْ الْأَمْرُ", "عَلَيْهِمُ الْأَمْر"),
            ("وَهُمْ الْأَكْثَرُ", "وَهُمُ الْأَكْثَر"),
            // Not before a pause, nor before hamzat al-qat' or another letter.
            ("جَاءَ مِنْ، الْبَيْتِ", "جَاءَ مِنْ، الْبَيْت"),
            ("مِنْ أَجْلِ ذَلِكَ", "مِنْ أَجْلِ ذَلِك"),
            ("لَمْ يَكُنْ", "لَمْ يَكُنْ"),
            // A vowel is already said.
            ("مِنَ الْبَيْتِ", "مِنَ الْبَيْت"),
        ] {
            assert_eq!(pronounce(written), said, "{written}");
        }
    }

    #[test]
    fn text_without_arabic_words_is_unchanged() {
        for text in ["", " ", "CNN.", "1, 2"] {
            assert_eq!(pronounce(text), text);
        }
    }
}
