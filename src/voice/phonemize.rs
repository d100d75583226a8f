//! Text to phonemes, sentence by sentence, the way Piper voices were trained.
//!
//! In: (already diacritized) text and an espeak voice name. Out: espeak's sentences, each a list of
//! phonemes (single Unicode code points after NFD), with clause punctuation kept: the terminator
//! (`. ? ! , : ;`) ends each clause and `, : ;` are followed by a space. Language-switch flags such
//! as `(en)` are removed. Must never happen: punctuation dropped or clauses glued (the voice then
//! loses its pauses and intonation), or an espeak failure returned as empty phonemes.
//!
//! NFD here applies to espeak's IPA output only, never to Arabic text.

use unicode_normalization::UnicodeNormalization;

use super::espeak::{self, Clause};
use super::VoiceError;

/// Removes espeak language flags: every `(` + one or more non-`)` characters + `)`, leftmost first.
pub fn strip_language_flags(phonemes: &str) -> String {
    let mut out = String::with_capacity(phonemes.len());
    let mut rest = phonemes;
    while let Some(open) = rest.find('(') {
        let after = &rest[open + 1..];
        match after.find(')') {
            Some(close) if close > 0 => {
                out.push_str(&rest[..open]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Groups espeak clauses into sentences of code-point phonemes.
pub fn clauses_to_sentences(clauses: &[Clause]) -> Vec<Vec<String>> {
    let mut sentences = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for clause in clauses {
        let mut text = strip_language_flags(&clause.phonemes);
        text.push_str(clause.terminator);
        if matches!(clause.terminator, "," | ":" | ";") {
            text.push(' ');
        }
        current.extend(text.nfd().map(String::from));
        if clause.end_of_sentence {
            sentences.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        sentences.push(current);
    }
    // A trailing empty sentence (espeak's end-of-text clause) carries nothing to say.
    if sentences.last().is_some_and(Vec::is_empty) {
        sentences.pop();
    }
    sentences
}

/// Phonemizes `text` with espeak voice `voice` into sentences of phonemes.
pub fn phonemize(voice: &str, text: &str) -> Result<Vec<Vec<String>>, VoiceError> {
    let clauses = espeak::clauses(voice, text)?;
    Ok(clauses_to_sentences(&clauses))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use super::*;

    fn clause(p: &str, t: &'static str, eos: bool) -> Clause {
        Clause { phonemes: p.into(), terminator: t, end_of_sentence: eos }
    }

    #[test]
    fn language_flags_are_removed_like_the_reference_regex() {
        assert_eq!(strip_language_flags("a(en)b(ar)c"), "abc");
        assert_eq!(strip_language_flags("a()b"), "a()b");
        assert_eq!(strip_language_flags("a((en)b"), "ab");
        assert_eq!(strip_language_flags("a(en"), "a(en");
    }

    #[test]
    fn comma_gets_a_space_and_period_ends_the_sentence() {
        let s = clauses_to_sentences(&[
            clause("ab", ",", false),
            clause("c", ".", true),
            clause("d", "?", true),
        ]);
        assert_eq!(s, vec![vec!["a", "b", ",", " ", "c", "."], vec!["d", "?"]]);
    }

    #[test]
    fn text_without_final_terminator_is_still_a_sentence() {
        let s = clauses_to_sentences(&[clause("ab", "", false)]);
        assert_eq!(s, vec![vec!["a", "b"]]);
    }

    #[test]
    fn phonemes_are_nfd_code_points() {
        // U+00E7 (ç) decomposes into c + combining cedilla.
        let s = clauses_to_sentences(&[clause("\u{e7}", "", true)]);
        assert_eq!(s, vec![vec!["c".to_string(), "\u{327}".to_string()]]);
    }

    #[test]
    fn trailing_empty_sentence_is_dropped() {
        let s = clauses_to_sentences(&[clause("a", ".", true), clause("", "", true)]);
        assert_eq!(s, vec![vec!["a", "."]]);
    }

    #[test]
    fn english_two_sentences_through_espeak() {
        let s = phonemize("en-us", "Hi, there. Bye!").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].join(""), "hˈaɪ, ðˈɛɹ.");
        assert_eq!(s[1].last().map(String::as_str), Some("!"));
    }
}
