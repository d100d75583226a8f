//! Sentence segmentation: normalized text in, printed sentences out.
//!
//! Rules (IDs in `tests/data/text/segment.tsv`):
//! - `S1` a line end is a hard stop (headlines carry no period).
//! - `S2` `.` `؟` `?` `!` `…` end a sentence, with any closing quotes or brackets after them.
//! - `S3` no stop inside a number (`7.9`, `12.08.2014`) or after an abbreviation from
//!   `data/abbreviations.tsv` (`د.`, `م.`), after a single Latin capital (`J. Smith`) or after
//!   capitals joined by dots (`واشنطن D.C. أمس`).
//! - `S4` a stop inside a quotation does not end the sentence while the quotation is still open
//!   (balanced quotes only; an unclosed quote is ignored).
//! - `S5` a sentence longer than [`MAX_SENTENCE_CHARS`] is split at the last clause mark (`؛ ، : ;
//!   ,`) before the limit, or at the last space when a clause alone is longer, so the voice gets
//!   breath-sized pieces; without a space (a run of 200 letters is not language, but it must not
//!   reach the voice whole), at the limit, never between a letter and its harakat.
//!   [`crate::text::sentences`] applies the bound to the spoken form too.
//!   The bound is measured (docs/text.md, `examples/sentence_bound.rs`): the Piper medium voice's
//!   speed per phoneme is flat up to about 300 characters and its memory grows steeply past 400
//!   (0.31 GB at 200 characters, 0.49 GB at 400, 3.3 GB at 1400, the vocoder run in windows);
//!   200 keeps a sentence to about 22 s of audio, a breath-sized piece for a listener.
//!
//! Never: lose or reorder a character other than whitespace at the cut; return a sentence longer
//! than [`MAX_SENTENCE_CHARS`]; take time that grows faster than the text (every scan is bounded
//! by the sentence limit or the longest abbreviation).

use std::collections::HashSet;
use std::sync::LazyLock;

/// Abbreviations as printed, without their final dot (`د`, `ص.ب`, `Dr`).
static ABBREVIATIONS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    crate::text::verbalize::tables::abbreviations()
        .map(|a| a.strip_suffix('.').unwrap_or(a))
        .collect()
});

/// Characters in the longest abbreviation: a period after a longer word is never after one.
static LONGEST_ABBREVIATION: LazyLock<usize> =
    LazyLock::new(|| ABBREVIATIONS.iter().map(|a| a.chars().count()).max().unwrap_or(0));

/// Sentences longer than this (in characters, printed and spoken) are cut at a clause boundary
/// (S5). Measured, see the module docs.
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
    // Look back at most one character further than the longest abbreviation.
    let window = (*LONGEST_ABBREVIATION).max(1) + 1;
    let is_boundary = |c: &char| c.is_whitespace() || matches!(c, '(' | '"' | '«' | '“');
    let word_start = match chars[..i].iter().rev().take(window).position(is_boundary) {
        Some(back) => i - back,
        None if i <= window => 0,
        None => return true, // a longer word: no abbreviation, no single capital
    };
    let word: String = chars[word_start..i].iter().collect();
    // The whole printed token, for dots inside an abbreviation (the first dot of `ص.ب.`).
    // Bounded like the look-back, so a long run of dots without spaces stays linear.
    let word_end = chars[i..]
        .iter()
        .take(window)
        .position(|c| c.is_whitespace())
        .map_or(chars.len().min(i + window), |p| i + p);
    let token: String = chars[word_start..word_end].iter().collect();
    let token = token
        .trim_end_matches(|c: char| CLOSERS.contains(&c) || matches!(c, '،' | '؛' | ':' | ','));
    let token = token.strip_suffix('.').unwrap_or(token);
    if ABBREVIATIONS.contains(word.as_str()) || ABBREVIATIONS.contains(token) {
        return false;
    }
    let single_capital = word.chars().count() == 1 && word.chars().all(|c| c.is_ascii_uppercase());
    !single_capital && !latin_initialism(&word)
}

/// Capitals joined by dots (`D.C`, `U.S.A` before their last dot): an abbreviation printed in
/// Arabic text, whose last dot does not end the sentence (`واشنطن D.C. أمس`).
fn latin_initialism(word: &str) -> bool {
    let parts: Vec<&str> = word.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| p.chars().count() == 1 && p.chars().all(|c| c.is_ascii_uppercase()))
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

/// S5: cuts an over-long sentence (counted in printed characters) at clause punctuation, else at
/// a space, else at the limit.
fn split_long(s: &str) -> Vec<String> {
    split_long_with(s, MAX_SENTENCE_CHARS, |p| p.chars().count())
}

/// S5: cuts `s` into pieces of at most `limit` characters whose `measure` is at most `limit` too:
/// at the last clause mark (`؛ ، : ; ,`) that keeps the piece within the limit, else at the last
/// space that does, else at the first mark or space, else (one long run of letters) at the limit.
/// `measure` may count the spoken form, which is longer than the printed one where numbers are
/// written out.
pub fn split_long_with(s: &str, limit: usize, measure: impl Fn(&str) -> usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest: &str = s.trim();
    while let Some(window) = over_limit(rest, limit, &measure) {
        let fits = |cut: &usize| measure(rest[..*cut].trim()) <= limit;
        // Candidates are looked for inside the first `limit` printed characters only, so each cut
        // costs at most `limit` measures of at most `limit` characters: linear in the text.
        let after_marks: Vec<usize> = rest[..window]
            .char_indices()
            .filter(|&(_, c)| matches!(c, '؛' | '،' | ':' | ';' | ','))
            .map(|(i, c)| i + c.len_utf8())
            .filter(|&i| i < rest.len() && !rest[..i].trim().is_empty())
            .collect();
        let spaces: Vec<usize> = rest[..window]
            .char_indices()
            .filter(|&(i, c)| c == ' ' && i > 0)
            .map(|(i, _)| i)
            .collect();
        let cut = after_marks
            .iter()
            .rev()
            .find(|c| fits(c))
            .or_else(|| spaces.iter().rev().find(|c| fits(c)))
            .or_else(|| after_marks.first())
            .or_else(|| spaces.first())
            .copied()
            .unwrap_or_else(|| hard_cut(rest, window));
        out.push(rest[..cut].trim().to_string());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    out
}

/// The byte length of the window to cut `rest` in when it is over the limit: its first `limit`
/// characters, or all of it when it is short in print but long by `measure`. `None` when it fits.
fn over_limit(rest: &str, limit: usize, measure: impl Fn(&str) -> usize) -> Option<usize> {
    match rest.char_indices().nth(limit) {
        Some((end, _)) => Some(end),
        None if !rest.is_empty() && measure(rest) > limit => Some(rest.len()),
        None => None,
    }
}

/// A cut at byte `limit` of `text`, moved back so that no combining mark (haraka, shadda, Latin
/// accent) is cut from its letter; the limit itself if the whole window is marks.
fn hard_cut(text: &str, limit: usize) -> usize {
    let is_mark = |c: char| matches!(c, '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0300}'..='\u{036F}');
    let mut cut = limit;
    while text[cut..].starts_with(is_mark) {
        match text[..cut].char_indices().next_back() {
            Some((at, _)) if at > 0 => cut = at,
            _ => return limit,
        }
    }
    cut
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
    fn long_sentences_without_commas_split_at_spaces_then_anywhere() {
        let words = "كلمة ".repeat(100);
        let parts = segment(&words);
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_SENTENCE_CHARS && !p.ends_with(' ')));
        assert_eq!(parts.join(" "), words.trim());
        // One 450-letter "word" with harakat: hard cuts, never between a letter and its marks.
        let blob = "بَّ".repeat(150);
        let parts = segment(&blob);
        assert_eq!(parts.concat(), blob);
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_SENTENCE_CHARS), "{parts:?}");
        assert!(parts.iter().all(|p| p.starts_with('ب')), "{parts:?}");
    }

    #[test]
    fn a_period_after_a_long_word_still_ends_the_sentence() {
        let long = "ب".repeat(40);
        assert_eq!(segment(&format!("{long}. ثم")), [format!("{long}."), "ثم".to_string()]);
        assert_eq!(segment("a.b.c"), ["a.", "b.", "c"]);
    }

    #[test]
    fn a_long_clause_without_marks_is_cut_at_a_space_and_loses_no_word() {
        let s = "كلمة ".repeat(90);
        let parts = segment(&s);
        assert!(parts.len() >= 3, "{parts:?}");
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_SENTENCE_CHARS));
        assert_eq!(parts.join(" ").split_whitespace().count(), 90);
    }

    #[test]
    fn the_bound_can_count_another_measure() {
        let parts = split_long_with("أ، ب، ج، د", 4, |p| p.chars().count() * 2);
        assert_eq!(parts, ["أ،", "ب،", "ج،", "د"]);
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
