//! Sentence segmentation: normalized text in, printed sentences out.
//!
//! Rules (IDs in `tests/data/text/segment.tsv`):
//! - `S1` a line end is a hard stop (headlines carry no period).
//! - `S2` `.` `؟` `?` `!` `…` end a sentence, with any closing quotes or brackets after them.
//! - `S3` no stop inside a number (`7.9`, `12.08.2014`) or after an abbreviation from
//!   `data/abbreviations.tsv` (`د.`, `م.`), or after a single Latin capital (`J. Smith`).
//! - `S4` a stop inside a quotation does not end the sentence while the quotation is still open
//!   (balanced quotes only; an unclosed quote is ignored).
//! - `S5` a sentence longer than [`MAX_SENTENCE_CHARS`] is split at the last `؛` `،` `:` before the
//!   limit, so the voice gets breath-sized pieces.
//!
//! Never: lose or reorder a character other than whitespace at the cut.

use std::collections::HashSet;
use std::sync::LazyLock;

/// Abbreviations as printed, without their final dot (`د`, `ص.ب`, `Dr`).
static ABBREVIATIONS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    crate::text::verbalize::tables::abbreviations().map(|a| a.strip_suffix('.').unwrap_or(a)).collect()
});

/// Sentences longer than this (in characters) are cut at a clause boundary (S5).
pub const MAX_SENTENCE_CHARS: usize = 200;

const CLOSERS: &[char] = &['"', '”', '’', '»', ')', ']', '}', '\''];
const OPEN_QUOTES: &[char] = &['“', '«'];
const CLOSE_QUOTES: &[char] = &['”', '»'];

/// Splits text into sentences as printed (trimmed, none empty).
pub fn segment(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        for s in split_line(line.trim()) {
            out.extend(split_long(&s));
        }
    }
    out
}

fn split_line(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let quoted = quoted_spans(&chars);
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let is_stop = matches!(c, '.' | '؟' | '?' | '!' | '…');
        if !is_stop || quoted[i] || (c == '.' && !period_ends(&chars, i)) {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < chars.len()
            && (matches!(chars[end], '.' | '؟' | '?' | '!' | '…') || CLOSERS.contains(&chars[end]))
        {
            end += 1;
        }
        push_trimmed(&mut out, &chars[start..end]);
        start = end;
        i = end;
    }
    push_trimmed(&mut out, &chars[start..]);
    out
}

fn push_trimmed(out: &mut Vec<String>, chars: &[char]) {
    let s: String = chars.iter().collect();
    let s = s.trim();
    if !s.is_empty() {
        out.push(s.to_string());
    }
}

/// S3: whether the period at `i` ends a sentence.
fn period_ends(chars: &[char], i: usize) -> bool {
    let next = chars.get(i + 1).copied();
    if chars.get(i.wrapping_sub(1)).is_some_and(char::is_ascii_digit)
        && next.is_some_and(|n| n.is_ascii_digit())
    {
        return false;
    }
    let word_start = chars[..i]
        .iter()
        .rposition(|c| c.is_whitespace() || matches!(c, '(' | '"' | '«' | '“'))
        .map_or(0, |p| p + 1);
    let word: String = chars[word_start..i].iter().collect();
    // The whole printed token, for dots inside an abbreviation (the first dot of `ص.ب.`).
    let word_end = chars[i..].iter().position(|c| c.is_whitespace()).map_or(chars.len(), |p| i + p);
    let token: String = chars[word_start..word_end].iter().collect();
    let token = token
        .trim_end_matches(|c: char| CLOSERS.contains(&c) || matches!(c, '،' | '؛' | ':' | ','));
    let token = token.strip_suffix('.').unwrap_or(token);
    if ABBREVIATIONS.contains(word.as_str()) || ABBREVIATIONS.contains(token) {
        return false;
    }
    let single_capital = word.chars().count() == 1 && word.chars().all(|c| c.is_ascii_uppercase());
    !single_capital
}

/// S4: true for characters strictly inside a balanced quotation.
fn quoted_spans(chars: &[char]) -> Vec<bool> {
    let mut inside = vec![false; chars.len()];
    let mut open: Option<usize> = None;
    for (i, &c) in chars.iter().enumerate() {
        let straight = c == '"';
        match open {
            None if OPEN_QUOTES.contains(&c) || straight => open = Some(i),
            Some(o) if CLOSE_QUOTES.contains(&c) || (straight && chars[o] == '"') => {
                // A stop right before the closing quote ends the sentence with the quote (S2).
                for flag in inside.iter_mut().take(i.saturating_sub(1)).skip(o + 1) {
                    *flag = true;
                }
                open = None;
            }
            _ => {}
        }
    }
    inside
}

/// S5: cuts an over-long sentence at clause punctuation.
fn split_long(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest: &str = s;
    while rest.chars().count() > MAX_SENTENCE_CHARS {
        let limit = rest.char_indices().nth(MAX_SENTENCE_CHARS).map_or(rest.len(), |(b, _)| b);
        let Some(cut) = rest[..limit].rfind(['؛', '،', ':', ';']) else {
            break;
        };
        let cut = cut + rest[cut..].chars().next().map_or(1, char::len_utf8);
        let head = rest[..cut].trim();
        if head.is_empty() {
            break;
        }
        out.push(head.to_string());
        rest = rest[cut..].trim_start();
    }
    if !rest.trim().is_empty() {
        out.push(rest.trim().to_string());
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    #[test]
    fn question_mark_and_period_end_sentences() {
        assert_eq!(
            segment("ما الذي ستستفيده روسيا؟ لماذا تدعم روسيا حماس؟"),
            ["ما الذي ستستفيده روسيا؟", "لماذا تدعم روسيا حماس؟"]
        );
    }

    #[test]
    fn decimals_and_abbreviations_do_not_end_sentences() {
        assert_eq!(
            segment("تقدر بـ 7.9 مليار. وقال د. ديفيد إنه بخير."),
            ["تقدر بـ 7.9 مليار.", "وقال د. ديفيد إنه بخير."]
        );
    }

    #[test]
    fn quotation_keeps_its_sentence() {
        assert_eq!(
            segment("وقال: “روسيا تتعاطف معنا. جدا”. \"نحن لسنا وحدنا في ساحة المعركة.\" ثم غادر."),
            ["وقال: “روسيا تتعاطف معنا. جدا”.", "\"نحن لسنا وحدنا في ساحة المعركة.\"", "ثم غادر."]
        );
    }

    #[test]
    fn line_ends_are_hard_stops() {
        assert_eq!(segment("عنوان بلا نقطة\nجملة."), ["عنوان بلا نقطة", "جملة."]);
    }

    #[test]
    fn long_sentences_split_at_commas() {
        let clause = "كلمة ".repeat(30);
        let s = format!("{clause}، {clause}، {clause}.");
        let parts = segment(&s);
        assert!(parts.len() >= 2, "{parts:?}");
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_SENTENCE_CHARS));
        assert_eq!(
            parts.join(" ").split_whitespace().collect::<Vec<_>>(),
            s.split_whitespace().collect::<Vec<_>>()
        );
    }
}
