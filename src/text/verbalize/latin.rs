//! Latin-script words in Arabic text, written in Arabic script so an Arabic-only voice can say them.
//!
//! In: a run of Latin words. Out: Arabic script. Order of preference (rule IDs):
//! - `L1` the editable lexicon `data/latin.tsv` (longest match, up to four words, case-insensitive):
//!   `The Hill` → ذا هيل, `RT` → آر تي.
//! - `L2` other all-capital words of up to six letters (and their plural `s`) are acronyms, spelled
//!   with the Arabic names of the letters: `IMF` → آي إم إف.
//! - `L3` anything else is transliterated letter by letter (rough). Each such word is reported once
//!   per run (a `tracing` warning naming it), so the lexicon can grow.
//!
//! Never: leave a Latin letter in the output (espeak would switch to English phonemes).

use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, Mutex};

pub(crate) const LATIN_TSV: &str = include_str!("../data/latin.tsv");

/// Lower-cased Latin phrase → Arabic.
static LEXICON: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    LATIN_TSV
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(latin, arabic)| (latin.to_lowercase(), arabic))
        .collect()
});

/// Longest lexicon phrase, in words.
const MAX_PHRASE_WORDS: usize = 4;

const LETTER_NAMES: [&str; 26] = [
    "إيه",
    "بي",
    "سي",
    "دي",
    "إي",
    "إف",
    "جي",
    "إتش",
    "آي",
    "جيه",
    "كيه",
    "إل",
    "إم",
    "إن",
    "أو",
    "بي",
    "كيو",
    "آر",
    "إس",
    "تي",
    "يو",
    "في",
    "دبليو",
    "إكس",
    "واي",
    "زد",
];

/// Arabic script for a sequence of Latin words (already split on spaces).
pub fn latin_words(words: &[&str]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let longest = (1..=MAX_PHRASE_WORDS.min(words.len() - i)).rev().find_map(|n| {
            let phrase = words[i..i + n].join(" ").to_lowercase();
            LEXICON.get(&phrase).map(|a| (n, *a))
        });
        match longest {
            Some((n, arabic)) => {
                out.push(arabic.to_string());
                i += n;
            }
            None => {
                out.push(word(words[i]));
                i += 1;
            }
        }
    }
    out.retain(|w| !w.is_empty());
    out.join(" ")
}

/// One Latin word: lexicon (`L1`), acronym (`L2`) or transliteration (`L3`).
pub fn word(w: &str) -> String {
    if let Some(a) = LEXICON.get(&w.to_lowercase()) {
        return (*a).to_string();
    }
    let letters: String = w.chars().filter(char::is_ascii_alphabetic).collect();
    let core = letters.strip_suffix('s').filter(|c| c.len() >= 2).unwrap_or(&letters);
    if !core.is_empty() && core.len() <= 6 && core.chars().all(|c| c.is_ascii_uppercase()) {
        let mut spelled: Vec<&str> =
            core.bytes().map(|b| LETTER_NAMES[usize::from(b - b'A')]).collect();
        if core.len() < letters.len() {
            spelled.push("إس");
        }
        return spelled.join(" ");
    }
    let said = transliterate(&letters.to_lowercase());
    report_unknown(w, &said);
    said
}

/// Latin words already reported in this process.
static REPORTED: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

/// L3: warns once per process about a Latin word that fell through to transliteration; returns
/// whether this call reported it.
fn report_unknown(word: &str, said: &str) -> bool {
    let mut seen = REPORTED.lock().unwrap_or_else(|p| p.into_inner());
    let first = seen.insert(word.to_lowercase());
    if first {
        tracing::warn!(
            word,
            transliteration = said,
            "latin word not in src/text/data/latin.tsv, transliterated"
        );
    }
    first
}

/// `L3`: a rough Arabic spelling of a lower-case Latin word.
fn transliterate(w: &str) -> String {
    let b = w.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let two = b.get(i..i + 2);
        let digraph = match two {
            Some(b"sh") => Some("ش"),
            Some(b"ch") => Some("تش"),
            Some(b"th") => Some("ث"),
            Some(b"kh") => Some("خ"),
            Some(b"gh") => Some("غ"),
            Some(b"ph") => Some("ف"),
            Some(b"oo") | Some(b"ou") => Some("و"),
            Some(b"ee") | Some(b"ea") | Some(b"ei") => Some("ي"),
            _ => None,
        };
        if let Some(d) = digraph {
            if i == 0 && matches!(two, Some(b"oo" | b"ou" | b"ee" | b"ea")) {
                out.push('أ');
            }
            out.push_str(d);
            i += 2;
            continue;
        }
        let c = b[i];
        let vowel = matches!(c, b'a' | b'e' | b'i' | b'o' | b'u');
        if i == 0 && vowel {
            out.push_str(match c {
                b'i' | b'e' => "إ",
                b'o' | b'u' => "أو",
                _ => "أ",
            });
            i += 1;
            continue;
        }
        let last = i + 1 == b.len();
        out.push_str(match c {
            b'a' => "ا",
            b'e' if last => "",
            b'e' | b'i' | b'y' => "ي",
            b'o' | b'u' | b'w' => "و",
            b'b' | b'p' => "ب",
            b'c' | b'k' | b'q' => "ك",
            b'd' => "د",
            b'f' | b'v' => "ف",
            b'g' => "غ",
            b'h' => "ه",
            b'j' => "ج",
            b'l' => "ل",
            b'm' => "م",
            b'n' => "ن",
            b'r' => "ر",
            b's' => "س",
            b't' => "ت",
            b'x' => "كس",
            b'z' => "ز",
            _ => "",
        });
        i += 1;
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    #[test]
    fn lexicon_phrases_win_longest_first() {
        assert_eq!(latin_words(&["The", "Hill"]), "ذا هيل");
        assert_eq!(latin_words(&["RT"]), "آر تي");
        assert_eq!(latin_words(&["UAVs"]), "يو إيه فيز");
        assert_eq!(latin_words(&["cnn"]), "سي إن إن");
    }

    #[test]
    fn unknown_acronyms_are_spelled_with_letter_names() {
        assert_eq!(word("IMF"), "آي إم إف");
        assert_eq!(word("NGOs"), "إن جي أو إس");
    }

    #[test]
    fn an_unknown_word_is_reported_once_per_run() {
        assert!(report_unknown("Qwzxtest", "x"));
        assert!(!report_unknown("qwzxtest", "x"));
        assert!(!report_unknown("QWZXTEST", "x"));
    }

    #[test]
    fn other_words_are_transliterated_without_latin_letters() {
        assert_eq!(word("Putin"), "بوتين");
        assert_eq!(word("Sheikh"), "شيخ");
        for w in ["weebtech", "Zelensky", "quixotic", "Ukraine"] {
            let a = word(w);
            assert!(!a.is_empty() && !a.chars().any(|c| c.is_ascii()), "{w}: {a}");
        }
    }
}
