//! Transcripts: WebVTT and SRT, one cue per sentence, as printed, with the sentence's exact times.
//!
//! In: [`Cue`]s (printed text, start and end in seconds). Out: the text of a `.vtt` or `.srt`
//! file; and, to check such files, a reader for each ([`read_webvtt`], [`read_srt`]).
//!
//! Must never happen: cue text that ends a cue early or is taken for markup (a blank line, a line
//! holding `-->`, a raw `<` or `&` in WebVTT); a cue out of order; an Arabic line shown
//! left-to-right.
//!
//! **Right to left.** A player lays out each cue line with the Unicode bidirectional algorithm,
//! taking the line's direction from its first strong character. An Arabic sentence that starts
//! with a digit, a Latin name or punctuation (`6-تشرين الثاني-2023`, `RT قالت…`) would be laid out
//! left to right: the words come out in the wrong order. Such lines get a RIGHT-TO-LEFT MARK
//! (U+200F) in front, an invisible strong right-to-left character, so the line is right to left
//! in every player that follows the algorithm. Lines that already start with an Arabic letter
//! are left untouched, so the transcript stays searchable and copyable as printed. Embedding
//! controls (RLE…PDF) are not used: some players strip or mishandle them, and a lost PDF would
//! leak the embedding into the next line.
//!
//! **Escaping.** WebVTT cue text is HTML-like: `&`, `<` and `>` are written `&amp;`, `&lt;`,
//! `&gt;` (this also makes `-->` impossible inside a cue). SRT has no escaping at all: the text is
//! written as printed; a player that renders SRT's informal `<i>` tags may hide a literal `<i>`
//! in a title. SRT files start with a UTF-8 byte order mark, because several players otherwise
//! guess a legacy Arabic code page.

use std::fmt::Write as _;

use unicode_bidi::{bidi_class, BidiClass};

use super::programme::Cue;

/// U+200F RIGHT-TO-LEFT MARK.
pub const RLM: char = '\u{200F}';

/// The WebVTT file for `cues`.
pub fn webvtt(cues: &[Cue]) -> String {
    let mut out = String::from("WEBVTT\n");
    for (i, cue) in cues.iter().enumerate() {
        let _ = write!(
            out,
            "\n{}\n{} --> {}\n{}\n",
            i + 1,
            timestamp(cue.start_s, '.'),
            timestamp(cue.end_s, '.'),
            escape_webvtt(&rtl_line(&cue.text))
        );
    }
    out
}

/// The SRT file for `cues`, with a leading byte order mark.
pub fn srt(cues: &[Cue]) -> String {
    let mut out = String::from("\u{FEFF}");
    for (i, cue) in cues.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = write!(
            out,
            "{}\n{} --> {}\n{}\n",
            i + 1,
            timestamp(cue.start_s, ','),
            timestamp(cue.end_s, ','),
            rtl_line(&cue.text)
        );
    }
    out
}

/// `text` on one line, with a right-to-left mark in front when its first strong character is not
/// right-to-left (see the module documentation).
pub fn rtl_line(text: &str) -> String {
    let line = super::programme::one_line(text);
    if starts_right_to_left(&line) {
        line
    } else {
        format!("{RLM}{line}")
    }
}

/// Whether the first strong character of `text` is right-to-left (Arabic, Hebrew, a RLM).
fn starts_right_to_left(text: &str) -> bool {
    text.chars()
        .map(bidi_class)
        .find(|class| matches!(class, BidiClass::L | BidiClass::R | BidiClass::AL))
        .is_some_and(|class| class != BidiClass::L)
}

/// Escapes WebVTT cue text: `&`, `<` and `>`.
pub fn escape_webvtt(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(ch),
        }
    }
    out
}

/// `HH:MM:SS.mmm` (or with a comma for SRT), from seconds rounded to the millisecond.
pub fn timestamp(seconds: f64, separator: char) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    let (h, m, s, ms) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{h:02}:{m:02}:{s:02}{separator}{ms:03}")
}

/// A cue read back from a transcript file.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadCue {
    pub id: Option<String>,
    pub start_s: f64,
    pub end_s: f64,
    /// The cue text with escapes decoded, lines joined by `\n`.
    pub text: String,
}

/// Why a transcript file does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TranscriptError {
    #[error("line {line}: {message}")]
    Syntax { line: usize, message: String },
}

fn syntax(line: usize, message: impl Into<String>) -> TranscriptError {
    TranscriptError::Syntax { line, message: message.into() }
}

/// Reads a WebVTT file strictly enough to catch what [`webvtt`] must never write: a missing
/// header, a bad timestamp, cues out of order, markup or an unknown escape in cue text.
pub fn read_webvtt(text: &str) -> Result<Vec<ReadCue>, TranscriptError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let header = lines.first().ok_or_else(|| syntax(1, "empty file"))?;
    if !(*header == "WEBVTT" || header.starts_with("WEBVTT ") || header.starts_with("WEBVTT\t")) {
        return Err(syntax(1, "the file does not start with WEBVTT"));
    }
    let mut cues = Vec::new();
    let mut i = 1;
    // The header block runs to the first blank line.
    while i < lines.len() && !lines[i].is_empty() {
        i += 1;
    }
    while i < lines.len() {
        if lines[i].is_empty() {
            i += 1;
            continue;
        }
        let start_line = i + 1;
        let mut block = Vec::new();
        while i < lines.len() && !lines[i].is_empty() {
            block.push(lines[i]);
            i += 1;
        }
        if block[0].starts_with("NOTE") {
            continue;
        }
        let (id, timing_at) =
            if block[0].contains("-->") { (None, 0) } else { (Some(block[0]), 1) };
        let timing =
            block.get(timing_at).ok_or_else(|| syntax(start_line, "a cue without timings"))?;
        let (start_s, end_s) = read_timing(timing, '.', start_line + timing_at)?;
        let mut text_lines = Vec::new();
        for (k, line) in block[timing_at + 1..].iter().enumerate() {
            if line.contains("-->") {
                return Err(syntax(start_line + timing_at + 1 + k, "cue text holds -->"));
            }
            text_lines.push(unescape_webvtt(line, start_line + timing_at + 1 + k)?);
        }
        cues.push(ReadCue {
            id: id.map(str::to_owned),
            start_s,
            end_s,
            text: text_lines.join("\n"),
        });
    }
    check_order(&cues)?;
    Ok(cues)
}

/// Reads an SRT file: numbered cues `1, 2, 3…`, comma timestamps, text, blank line.
pub fn read_srt(text: &str) -> Result<Vec<ReadCue>, TranscriptError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut cues = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].is_empty() {
            i += 1;
            continue;
        }
        let number: usize =
            lines[i].trim().parse().map_err(|_| syntax(i + 1, "expected a cue number"))?;
        if number != cues.len() + 1 {
            return Err(syntax(i + 1, format!("cue number {number}, expected {}", cues.len() + 1)));
        }
        let timing = lines.get(i + 1).ok_or_else(|| syntax(i + 1, "a cue without timings"))?;
        let (start_s, end_s) = read_timing(timing, ',', i + 2)?;
        i += 2;
        let mut text_lines = Vec::new();
        while i < lines.len() && !lines[i].is_empty() {
            text_lines.push(lines[i]);
            i += 1;
        }
        if text_lines.is_empty() {
            return Err(syntax(i, "a cue without text"));
        }
        cues.push(ReadCue {
            id: Some(number.to_string()),
            start_s,
            end_s,
            text: text_lines.join("\n"),
        });
    }
    check_order(&cues)?;
    Ok(cues)
}

fn read_timing(line: &str, separator: char, line_no: usize) -> Result<(f64, f64), TranscriptError> {
    let mut parts = line.split(" --> ");
    let start = parts.next().unwrap_or("");
    let rest = parts.next().ok_or_else(|| syntax(line_no, "expected `start --> end`"))?;
    // WebVTT cue settings may follow the end time.
    let end = rest.split([' ', '\t']).next().unwrap_or("");
    let start_s =
        read_timestamp(start, separator).ok_or_else(|| syntax(line_no, "bad start time"))?;
    let end_s = read_timestamp(end, separator).ok_or_else(|| syntax(line_no, "bad end time"))?;
    if end_s <= start_s {
        return Err(syntax(line_no, "the cue ends before it starts"));
    }
    Ok((start_s, end_s))
}

fn read_timestamp(text: &str, separator: char) -> Option<f64> {
    let (clock, millis) = text.split_once(separator)?;
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fields: Vec<&str> = clock.split(':').collect();
    let (h, m, s) = match fields.as_slice() {
        [h, m, s] if h.len() >= 2 => (h.parse::<u64>().ok()?, *m, *s),
        [m, s] if separator == '.' => (0, *m, *s),
        _ => return None,
    };
    if m.len() != 2 || s.len() != 2 {
        return None;
    }
    let (m, s): (u64, u64) = (m.parse().ok()?, s.parse().ok()?);
    if m > 59 || s > 59 {
        return None;
    }
    let ms: u64 = millis.parse().ok()?;
    Some(((h * 3600 + m * 60 + s) * 1000 + ms) as f64 / 1000.0)
}

/// Decodes the escapes of WebVTT cue text; any tag is an error (nashra writes none).
fn unescape_webvtt(line: &str, line_no: usize) -> Result<String, TranscriptError> {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(pos) = rest.find(['&', '<']) {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        if rest.starts_with('<') {
            return Err(syntax(line_no, "markup in cue text"));
        }
        let end = rest.find(';').ok_or_else(|| syntax(line_no, "a bare & in cue text"))?;
        out.push(match &rest[..=end] {
            "&amp;" => '&',
            "&lt;" => '<',
            "&gt;" => '>',
            "&lrm;" => '\u{200E}',
            "&rlm;" => '\u{200F}',
            "&nbsp;" => '\u{A0}',
            other => return Err(syntax(line_no, format!("unknown escape {other}"))),
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn check_order(cues: &[ReadCue]) -> Result<(), TranscriptError> {
    for (i, pair) in cues.windows(2).enumerate() {
        if pair[1].start_s < pair[0].end_s {
            return Err(syntax(0, format!("cue {} overlaps cue {}", i + 2, i + 1)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edition::BlockKind;

    fn cue(text: &str, start_s: f64, end_s: f64) -> Cue {
        Cue { text: text.into(), start_s, end_s, kind: BlockKind::Paragraph, block: 1 }
    }

    #[test]
    fn webvtt_has_one_numbered_cue_per_sentence_with_exact_times() {
        let cues = [cue("سافر الوفد.", 0.0, 1.5), cue("وعاد.", 1.85, 3723.004)];
        assert_eq!(
            webvtt(&cues),
            "WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\nسافر الوفد.\n\n\
             2\n00:00:01.850 --> 01:02:03.004\nوعاد.\n"
        );
    }

    #[test]
    fn srt_uses_commas_and_a_byte_order_mark() {
        let cues = [cue("سافر الوفد.", 0.0, 1.5), cue("وعاد.", 1.85, 2.0)];
        assert_eq!(
            srt(&cues),
            "\u{FEFF}1\n00:00:00,000 --> 00:00:01,500\nسافر الوفد.\n\n\
             2\n00:00:01,850 --> 00:00:02,000\nوعاد.\n"
        );
    }

    #[test]
    fn lines_not_starting_right_to_left_get_a_mark() {
        assert_eq!(rtl_line("سافر الوفد"), "سافر الوفد");
        // Digits are weak: the first strong character is Arabic, the line is already RTL.
        assert_eq!(rtl_line("6-تشرين الثاني-2023"), "6-تشرين الثاني-2023");
        assert_eq!(rtl_line("RT قالت"), "\u{200F}RT قالت");
        assert_eq!(rtl_line("«قال»"), "«قال»", "neutral then Arabic: already RTL");
        assert_eq!(rtl_line("\u{200F}x"), "\u{200F}x", "an existing RLM counts");
        assert_eq!(rtl_line("2023"), "\u{200F}2023");
    }

    #[test]
    fn webvtt_escapes_markup_and_arrows_and_reads_back() {
        let nasty = "a <b> & \"c\" --> d\u{200E}e\u{200F}";
        let text = webvtt(&[cue(nasty, 0.0, 1.0), cue("عنوان\nعلى سطرين", 1.0, 2.0)]);
        assert!(
            text.contains("\u{200F}a &lt;b&gt; &amp; \"c\" --&gt; d\u{200E}e\u{200F}\n"),
            "{text}"
        );
        let back = read_webvtt(&text).unwrap();
        assert_eq!(back[0].text, format!("{RLM}{nasty}"));
        assert_eq!(back[1].text, "عنوان على سطرين", "one line per cue");
        assert_eq!((back[1].start_s, back[1].end_s), (1.0, 2.0));
        assert_eq!(back[1].id.as_deref(), Some("2"));
    }

    #[test]
    fn srt_reads_back_exactly() {
        let cues = [cue("a <i> & b", 0.25, 1.0), cue("جملة", 61.5, 62.0)];
        let back = read_srt(&srt(&cues)).unwrap();
        let got: Vec<(f64, f64, &str)> =
            back.iter().map(|c| (c.start_s, c.end_s, c.text.as_str())).collect();
        assert_eq!(got, [(0.25, 1.0, "\u{200F}a <i> & b"), (61.5, 62.0, "جملة")]);
    }

    #[test]
    fn readers_refuse_broken_files() {
        assert!(read_webvtt("WEBVT\n").is_err());
        assert!(read_webvtt("WEBVTT\n\n00:00:01.000 --> 00:00:00.500\nx\n").is_err());
        assert!(read_webvtt("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\na <b>\n").is_err());
        assert!(read_webvtt("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\na & b\n").is_err());
        assert!(read_webvtt(
            "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\na\n\n00:00:01.000 --> 00:00:03.000\nb\n"
        )
        .is_err());
        assert!(read_srt("2\n00:00:00,000 --> 00:00:01,000\nx\n").is_err());
        assert!(read_srt("1\n00:00:00.000 --> 00:00:01.000\nx\n").is_err());
        assert_eq!(
            read_webvtt("WEBVTT\n\nNOTE hi\n\n00:01.000 --> 00:02.000 align:start\nx\n")
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn timestamps_round_to_the_millisecond() {
        assert_eq!(timestamp(1.0006, '.'), "00:00:01.001");
        assert_eq!(timestamp(36000.0, ','), "10:00:00,000");
        assert_eq!(read_timestamp("100:00:00.000", '.'), Some(360000.0));
        assert_eq!(read_timestamp("00:60:00.000", '.'), None);
    }
}
