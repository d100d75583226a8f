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

/// One Latin word: lexicon (`L1`), acronym (`L2`) or transliteration (`L3`). A word written in
/// camel case (`OpenStreetMap`, `saveMLAK`) is several words run together: each is said on its own.
pub fn word(w: &str) -> String {
    if let Some(a) = LEXICON.get(&w.to_lowercase()) {
        return (*a).to_string();
    }
    let letters: String = w.chars().filter(char::is_ascii_alphabetic).collect();
    let parts = camel_parts(&letters);
    if parts.len() > 1 {
        return parts
            .iter()
            .map(|p| word(p))
            .filter(|a| !a.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
    }
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

/// The words of a camel-case run: a new word starts at a capital after a small letter
/// (`OpenStreetMap` → Open, Street, Map; `saveMLAK` → save, MLAK). An all-capital or
/// all-small word, or one capital first, is one part.
fn camel_parts(letters: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let b = letters.as_bytes();
    for i in 1..b.len() {
        if b[i].is_ascii_uppercase() && b[i - 1].is_ascii_lowercase() {
            parts.push(&letters[start..i]);
            start = i;
        }
    }
    parts.push(&letters[start..]);
    parts
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

/// `L3`: an Arabic spelling of a lower-case Latin word by English spelling rules: doubled
/// consonants said once, `c` soft before e/i/y, `-ation`/`-tion` as يشن/شن, the unstressed
/// `-er(s)`/`-ed` and a final silent `e` without a vowel letter, a final `s` voiced after a
/// voiced consonant (the plural of Linings, Chapters, labs; not plus), a final `y` after a
/// consonant ي (or اي in a word with no other vowel: `by`, `fly`). Rough for names from other
/// languages; the lexicon is the place for those.
fn transliterate(w: &str) -> String {
    let b = w.as_bytes();
    let n = b.len();
    let is_vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u');
    let vowels = b.iter().filter(|&&c| is_vowel(c)).count();
    let mut out = String::new();
    let mut i = 0;
    while i < n {
        let rest = &b[i..];
        // Doubled consonants are one sound (Harry, Potter); `cc` before e/i is /ks/ (accent).
        if i > 0 && !is_vowel(b[i]) && b[i] == b[i - 1] && b[i] != b'c' {
            i += 1;
            continue;
        }
        let cluster = [
            (&b"ation"[..], "يشن"),
            (b"tion", "شن"),
            (b"sh", "ش"),
            (b"ch", "تش"),
            (b"th", "ث"),
            (b"kh", "خ"),
            (b"gh", "غ"),
            (b"ph", "ف"),
            (b"ck", "ك"),
            (b"wh", "و"),
            (b"oo", "و"),
            (b"ou", "و"),
            (b"ee", "ي"),
            (b"ea", "ي"),
            (b"ei", "ي"),
        ]
        .into_iter()
        .find(|(spelled, _)| rest.starts_with(spelled));
        if let Some((spelled, said)) = cluster {
            if i == 0 && is_vowel(spelled[0]) {
                out.push('أ');
            }
            out.push_str(said);
            i += spelled.len();
            continue;
        }
        let c = b[i];
        if i == 0 && is_vowel(c) {
            out.push_str(match c {
                b'i' | b'e' => "إ",
                b'o' | b'u' => "أو",
                _ => "أ",
            });
            i += 1;
            continue;
        }
        let after_consonant = i > 0 && !is_vowel(b[i - 1]);
        // Unstressed endings: Potter, Chapters, Powered; a final silent e (Prince).
        let ending = &b[i + 1..];
        let weak_e = c == b'e'
            && after_consonant
            && vowels > 1
            && matches!(ending, b"" | b"r" | b"s" | b"d" | b"rs");
        let soft_c = c == b'c' && matches!(b.get(i + 1), Some(b'e' | b'i' | b'y'));
        let voiced_s = c == b's'
            && i + 1 == n
            && i > 0
            && matches!(b[i - 1], b'r' | b'n' | b'm' | b'l' | b'g' | b'd' | b'b' | b'v');
        let final_y = c == b'y' && i + 1 == n && after_consonant;
        out.push_str(match c {
            _ if weak_e => "",
            _ if soft_c => "س",
            _ if voiced_s => "ز",
            _ if final_y && vowels == 0 => "اي",
            b'a' => "ا",
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
    fn english_spelling_rules_shape_the_transliteration() {
        for (latin, arabic) in [
            ("Harry", "هاري"),                    // doubled consonant said once
            ("Potter", "بوتر"),                   // unstressed -er
            ("Prince", "برينس"),                  // soft c, silent final e
            ("Chapters", "تشابترز"),              // -ers, voiced plural s
            ("plus", "بلوس"),                     // s after a vowel stays voiceless
            ("by", "باي"),                        // y is the only vowel
            ("station", "ستيشن"),                 // -tion
            ("OpenStreetMap", "أوبين ستريت ماب"), // camel case: three words
            ("saveMLAK", "ساف إم إل إيه كيه"),    // a word, then an acronym
        ] {
            assert_eq!(word(latin), arabic, "{latin}");
        }
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
