//! Bytes of an article file in, Unicode text out: encoding detection, conversion and the binary
//! check.
//!
//! In: the raw bytes of a file that should hold text. Out: a [`Decoded`] text with `\n` line
//! ends kept as they were, a byte-order mark removed, and control characters cleaned up (see
//! [`clean_controls`]); or a [`DecodeError`] saying what the bytes are instead.
//!
//! Must never happen: mojibake passed on as if it were Arabic (a Windows-1256 page read as
//! ISO-8859-6, or the reverse), a PDF, Word document or image read aloud as text, or a panic on
//! any input.
//!
//! # The detection, in order
//!
//! 1. **Known binary formats** by their first bytes (PDF, ZIP/DOCX/ODT, old Word, RTF, images,
//!    audio, gzip, executables): rejected, naming the format, so a newsroom knows to export text.
//! 2. **A byte-order mark** decides: UTF-8 (`EF BB BF`), UTF-16 LE (`FF FE`), UTF-16 BE (`FE FF`).
//!    The rest must then be valid in that encoding.
//! 3. **Valid UTF-8** without NUL or `06` bytes is UTF-8 (ASCII included). Almost no text in a
//!    legacy encoding is valid UTF-8 by accident: Arabic letters in Windows-1256 and ISO-8859-6 are
//!    bytes ≥ 0xC1 that would have to be followed by continuation bytes 0x80–0xBF, which Arabic
//!    letters are not. (BOM-less UTF-16 of Arabic and ASCII *is* valid UTF-8, every byte being
//!    below 0x80, but it always holds `00` or `06` bytes, which real UTF-8 text never does; such
//!    input goes to step 5 first.)
//! 4. **A declared charset** (a server's `Content-Type: ...; charset=`, else an HTML
//!    `<meta charset>` or `<meta http-equiv content="...; charset=">` in the first 4 KiB) is used
//!    for bytes that are not valid UTF-8, if encoding_rs knows its label and the bytes decode in
//!    it without error.
//! 5. **UTF-16 without a BOM**: one byte of each 16-bit unit is the "high" byte. In text that is
//!    Arabic, Latin, digits and punctuation the high bytes are almost all `00` (ASCII), `06`
//!    (Arabic) or `20` (general punctuation, U+20xx), while the low bytes vary. If at least
//!    [`UTF16_HIGH_BYTE_SHARE`] of the high bytes at one parity are such bytes, and the other
//!    parity is not, the text is UTF-16 of that byte order (odd positions high: little-endian).
//!    `06` is a control character in every single-byte encoding, so Windows-1256 text never
//!    looks like this.
//! 6. **Any other NUL byte** means binary.
//! 7. **Windows-1256 or ISO-8859-6**, the single-byte Arabic encodings still found on older Arabic
//!    sites. Windows-1256 maps every byte; ISO-8859-6 leaves many unmapped, among them `DB`–`DF`,
//!    where Windows-1256 puts ط ظ ع غ ف ق ك, so real Windows-1256 text almost never decodes as
//!    ISO-8859-6. ISO-8859-6 text does decode as Windows-1256, but its letters `ف`..`ي` at
//!    `E0`–`EA` come out as `à â ç è é ê` and its harakat as other Latin letters. So both are
//!    decoded and each result is scored by its [Arabic letter ratio](arabic_ratio): Arabic
//!    letters and harakat not glued to a Latin letter, among all non-ASCII letters and marks.
//!    The higher score wins (Windows-1256 on a tie, being the more common); a winner below
//!    [`MIN_ARABIC_RATIO`] is not Arabic in either encoding (Latin-1 French read as ISO-8859-6
//!    has its "Arabic" letters inside Latin words), and the file is refused with the offset of
//!    its first non-UTF-8 byte.
//! 8. **The decoded text** is refused as binary if it holds a NUL character or if more than
//!    [`MAX_CONTROL_RATIO`] of its characters are control characters.

use std::borrow::Cow;

use encoding_rs::{Encoding, ISO_8859_6, UTF_16BE, UTF_16LE, WINDOWS_1256};

/// The share of high bytes that must look like text for BOM-less UTF-16 (step 5).
pub const UTF16_HIGH_BYTE_SHARE: f64 = 0.9;
/// The least Arabic letter ratio for a single-byte Arabic encoding to be believed (step 7).
pub const MIN_ARABIC_RATIO: f64 = 0.5;
/// Text with a larger share of control characters is binary (step 8).
pub const MAX_CONTROL_RATIO: f64 = 0.1;

/// The encoding a text was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TextEncoding {
    Utf8,
    /// UTF-8 with a byte-order mark (which is removed).
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Windows1256,
    Iso8859_6,
    /// Another encoding the input declared (see [`decode_declared`]), by its WHATWG name.
    Declared {
        name: &'static str,
    },
}

impl TextEncoding {
    /// The usual name, for logs and messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Utf8Bom => "UTF-8 with BOM",
            Self::Utf16Le => "UTF-16LE",
            Self::Utf16Be => "UTF-16BE",
            Self::Windows1256 => "Windows-1256",
            Self::Iso8859_6 => "ISO-8859-6",
            Self::Declared { name } => name,
        }
    }
}

/// Text decoded from bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub encoding: TextEncoding,
    /// Whether a byte-order mark was found (and removed).
    pub bom: bool,
}

/// Why bytes are not text nashra can read. Messages are completed with the file name by
/// [`super::IngestError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A known binary format, or binary content.
    #[error("{what}, not text")]
    Binary { what: String },
    /// The BOM named an encoding the rest of the bytes do not follow.
    #[error(
        "starts with a {encoding} byte-order mark but is not valid {encoding} (byte {offset})"
    )]
    Malformed { encoding: &'static str, offset: usize },
    /// Not UTF-8, UTF-16, Windows-1256 or ISO-8859-6.
    #[error(
        "not text in a known encoding (UTF-8, UTF-16, Windows-1256, ISO-8859-6): invalid UTF-8 \
         at byte {offset}; save it as UTF-8"
    )]
    Unknown { offset: usize },
}

/// Decodes the bytes of a text file (see the module docs for the steps).
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    decode_declared(bytes, None)
}

/// [`decode`], with the `Content-Type` a server sent with the bytes (its `charset` is honoured as
/// in step 4).
pub fn decode_declared(bytes: &[u8], content_type: Option<&str>) -> Result<Decoded, DecodeError> {
    if let Some(what) = binary_format(bytes) {
        return Err(DecodeError::Binary { what: what.to_owned() });
    }
    let declared = content_type
        .and_then(charset_parameter)
        .or_else(|| meta_charset(bytes))
        .and_then(|label| Encoding::for_label(label.trim().as_bytes()));
    let (text, encoding, bom) = detect(bytes, declared)?;
    check_not_binary(&text)?;
    // A second BOM (or a BOM the encoding step did not consume) is never content.
    let text = text.trim_start_matches('\u{FEFF}');
    Ok(Decoded { text: clean_controls(text).into_owned(), encoding, bom })
}

fn detect(
    bytes: &[u8],
    declared: Option<&'static Encoding>,
) -> Result<(String, TextEncoding, bool), DecodeError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let text = std::str::from_utf8(rest).map_err(|e| DecodeError::Malformed {
            encoding: "UTF-8",
            offset: 3 + e.valid_up_to(),
        })?;
        return Ok((text.to_owned(), TextEncoding::Utf8Bom, true));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        let text = utf16(rest, UTF_16LE).map_err(|offset| DecodeError::Malformed {
            encoding: "UTF-16LE",
            offset: 2 + offset,
        })?;
        return Ok((text, TextEncoding::Utf16Le, true));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        let text = utf16(rest, UTF_16BE).map_err(|offset| DecodeError::Malformed {
            encoding: "UTF-16BE",
            offset: 2 + offset,
        })?;
        return Ok((text, TextEncoding::Utf16Be, true));
    }
    let utf8 = std::str::from_utf8(bytes);
    // BOM-less UTF-16 of ASCII and Arabic is valid UTF-8 too (every byte is below 0x80), but
    // real UTF-8 text never holds NUL or ACK (0x06) bytes, while such UTF-16 always does.
    let utf16_like = bytes.iter().any(|&b| b == 0x00 || b == 0x06);
    if let (Ok(text), false) = (utf8, utf16_like) {
        return Ok((text.to_owned(), TextEncoding::Utf8, false));
    }
    // A UTF-16-looking text is left to step 5 whatever it declares (a `<meta charset>` copied
    // from the page it was saved from says nothing about how it was saved).
    let usable = |e: &&'static Encoding| {
        !utf16_like && ![UTF_16LE, UTF_16BE, encoding_rs::REPLACEMENT].contains(e)
    };
    if let Some(encoding) = declared.filter(usable) {
        if let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(bytes) {
            let kind = match encoding {
                e if e == WINDOWS_1256 => TextEncoding::Windows1256,
                e if e == ISO_8859_6 => TextEncoding::Iso8859_6,
                e => TextEncoding::Declared { name: e.name() },
            };
            return Ok((text.into_owned(), kind, false));
        }
    }
    if let Some(little_endian) = utf16_byte_order(bytes) {
        let (encoding, kind) = if little_endian {
            (UTF_16LE, TextEncoding::Utf16Le)
        } else {
            (UTF_16BE, TextEncoding::Utf16Be)
        };
        if let Ok(text) = utf16(bytes, encoding) {
            return Ok((text, kind, false));
        }
    }
    let invalid_at = match utf8 {
        // Valid UTF-8 with NUL or ACK bytes that is not UTF-16: the binary check decides.
        Ok(text) => return Ok((text.to_owned(), TextEncoding::Utf8, false)),
        Err(e) => e.valid_up_to(),
    };
    if bytes.contains(&0) {
        return Err(DecodeError::Binary { what: "binary data (it contains NUL bytes)".into() });
    }
    legacy_arabic(bytes)
        .map(|(text, encoding)| (text, encoding, false))
        .ok_or(DecodeError::Unknown { offset: invalid_at })
}

/// Strict UTF-16 decoding; the error is the byte offset where it fails (an odd length, or a lone
/// surrogate).
fn utf16(bytes: &[u8], encoding: &'static Encoding) -> Result<String, usize> {
    if bytes.len() % 2 == 1 {
        return Err(bytes.len() - 1);
    }
    match encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(text.into_owned()),
        None => Err(first_bad_utf16_unit(bytes, encoding == UTF_16LE)),
    }
}

/// Offset of the first code unit that breaks UTF-16, for the error message.
fn first_bad_utf16_unit(bytes: &[u8], little_endian: bool) -> usize {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| {
            if little_endian {
                u16::from_le_bytes([p[0], p[1]])
            } else {
                u16::from_be_bytes([p[0], p[1]])
            }
        })
        .collect();
    let mut offset = 0;
    for item in char::decode_utf16(units.iter().copied()) {
        match item {
            Ok(c) => offset += 2 * c.len_utf16(),
            Err(_) => return offset,
        }
    }
    offset
}

/// Step 5: `Some(true)` for little-endian UTF-16, `Some(false)` for big-endian, `None` when the
/// bytes do not look like BOM-less UTF-16.
fn utf16_byte_order(bytes: &[u8]) -> Option<bool> {
    if bytes.len() < 2 || bytes.len() % 2 == 1 {
        return None;
    }
    let units = bytes.len() / 2;
    // High bytes of the code points text is made of: ASCII and Latin-1, Arabic, general
    // punctuation (U+2000–U+206F: dashes, quotes, bidi marks), Arabic presentation forms.
    let texty = |b: u8| matches!(b, 0x00 | 0x06 | 0x20 | 0xFB..=0xFE);
    let share = |parity: usize| {
        bytes.iter().skip(parity).step_by(2).filter(|&&b| texty(b)).count() as f64 / units as f64
    };
    let (even, odd) = (share(0), share(1));
    let threshold = UTF16_HIGH_BYTE_SHARE;
    match (odd >= threshold, even >= threshold) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

/// Step 7: the better of Windows-1256 and ISO-8859-6, if it reads as Arabic.
fn legacy_arabic(bytes: &[u8]) -> Option<(String, TextEncoding)> {
    let windows = WINDOWS_1256.decode_without_bom_handling_and_without_replacement(bytes);
    let iso = ISO_8859_6.decode_without_bom_handling_and_without_replacement(bytes);
    let score = |t: &Option<Cow<'_, str>>| t.as_deref().map_or(-1.0, arabic_ratio);
    let (windows_score, iso_score) = (score(&windows), score(&iso));
    let (text, encoding, best) = if iso_score > windows_score {
        (iso?, TextEncoding::Iso8859_6, iso_score)
    } else {
        (windows?, TextEncoding::Windows1256, windows_score)
    };
    (best >= MIN_ARABIC_RATIO).then(|| (text.into_owned(), encoding))
}

/// The share of Arabic text among the non-ASCII letters and marks of `text`: Arabic letters and
/// harakat that do not touch an ASCII letter, over all non-ASCII letters and marks (tatweel left
/// out). Near 1.0 for Arabic text, Latin names and HTML markup notwithstanding (ASCII decodes the
/// same in every candidate, and an Arabic word is not glued to a Latin one); low for Arabic
/// decoded with the wrong table (`à â ç è é ê` appear); 0.0 for Latin-1 text read as ISO-8859-6,
/// whose few "Arabic" letters each sit inside a Latin word (`déjà` → `dىjـ`).
pub fn arabic_ratio(text: &str) -> f64 {
    let chars: Vec<char> = text.chars().collect();
    let mut arabic = 0usize;
    let mut other = 0usize;
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii() || c == '\u{0640}' || !(c.is_alphabetic() || is_mark(c)) {
            continue;
        }
        let glued =
            |j: Option<usize>| j.and_then(|j| chars.get(j)).is_some_and(char::is_ascii_alphabetic);
        if is_arabic_letter_or_mark(c) && !glued(i.checked_sub(1)) && !glued(Some(i + 1)) {
            arabic += 1;
        } else {
            other += 1;
        }
    }
    if arabic + other == 0 {
        0.0
    } else {
        arabic as f64 / (arabic + other) as f64
    }
}

/// Harakat (which are not `is_alphabetic`) and Latin combining marks.
fn is_mark(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0300}'..='\u{036F}')
}

fn is_arabic_letter_or_mark(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{0652}' | '\u{0670}'..='\u{06D3}')
}

/// The `charset` parameter of a `Content-Type` value (`text/html; charset="windows-1256"`).
fn charset_parameter(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches(['"', '\'']))
    })
}

/// The charset an HTML `<meta>` tag declares in the first 4 KiB of `bytes`.
fn meta_charset(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"<meta").map(|i| from + i) {
        let end = find(&lower[at..], b">").map_or(lower.len(), |i| at + i);
        if let Some(c) = find(&lower[at..end], b"charset=").map(|i| at + i + 8) {
            let value = &head[c..end];
            let value =
                value.strip_prefix(b"\"").or_else(|| value.strip_prefix(b"'")).unwrap_or(value);
            let len = value
                .iter()
                .position(|b| {
                    matches!(b, b'"' | b'\'' | b';' | b'/' | b'>') || b.is_ascii_whitespace()
                })
                .unwrap_or(value.len());
            return std::str::from_utf8(&value[..len]).ok().filter(|v| !v.is_empty());
        }
        from = end;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Step 1: the format of well-known binary files, by their first bytes.
fn binary_format(bytes: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"%PDF-", "a PDF document (export it as text)"),
        (b"PK\x03\x04", "a ZIP archive (a .docx or .odt document? export it as text)"),
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "a Microsoft Office document (export it as text)"),
        (b"{\\rtf", "an RTF document (export it as plain text)"),
        (b"\x89PNG\r\n\x1A\n", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"RIFF", "a RIFF file (WAV audio, AVI video or WebP image)"),
        (b"ID3", "MP3 audio"),
        (b"OggS", "Ogg audio"),
        (b"fLaC", "FLAC audio"),
        (b"\x1F\x8B", "gzip-compressed data"),
        (b"\x7FELF", "an executable program"),
    ];
    SIGNATURES.iter().find(|(magic, _)| bytes.starts_with(magic)).map(|(_, what)| *what)
}

/// Step 8: NUL characters, or too many control characters, mean binary.
fn check_not_binary(text: &str) -> Result<(), DecodeError> {
    if text.contains('\0') {
        return Err(DecodeError::Binary {
            what: "binary data (it contains NUL characters)".into(),
        });
    }
    let mut total = 0usize;
    let mut controls = 0usize;
    for c in text.chars() {
        total += 1;
        if is_stray_control(c) {
            controls += 1;
        }
    }
    if total > 0 && controls as f64 / total as f64 > MAX_CONTROL_RATIO {
        return Err(DecodeError::Binary {
            what: format!(
                "binary data ({controls} of its {total} characters are control characters)"
            ),
        });
    }
    Ok(())
}

/// Control characters that are not line structure (tab, newline, carriage return, form feed).
fn is_stray_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}')
}

/// Control characters out: line and page breaks (`\v`, `\f`, NEL, U+2028, U+2029) become `\n`,
/// every other control character except tab, `\n` and `\r` is dropped. They are never printed,
/// never spoken, and some (ESC, SUB) are read by espeak-ng as commands or end of text.
pub fn clean_controls(text: &str) -> Cow<'_, str> {
    let needs = |c: char| {
        matches!(c, '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}') || is_stray_control(c)
    };
    if !text.chars().any(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            c if is_stray_control(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    const ARABIC: &str = "سافر ممثلو حماس إلى موسكو يوم 26 تشرين الأول، وقال الرئيس: «نعم».\n\
                          ثم عاد الوفد بعد ظهر الخميس إلى غزة، وتحدث عن طائرات وقذائف.\n";

    fn encode(text: &str, encoding: &'static Encoding) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding.encode(text);
        assert!(!unmappable, "test text not representable in {}", encoding.name());
        bytes.into_owned()
    }

    fn utf16le(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn utf16be(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    #[test]
    fn utf8_without_bom_is_returned_as_is() {
        let d = decode(ARABIC.as_bytes()).unwrap();
        assert_eq!((d.text.as_str(), d.encoding, d.bom), (ARABIC, TextEncoding::Utf8, false));
    }

    #[test]
    fn utf8_bom_is_removed() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(ARABIC.as_bytes());
        let d = decode(&bytes).unwrap();
        assert_eq!((d.text.as_str(), d.encoding, d.bom), (ARABIC, TextEncoding::Utf8Bom, true));
    }

    #[test]
    fn utf16_with_bom_in_both_byte_orders() {
        let mut le = vec![0xFF, 0xFE];
        le.extend(utf16le(ARABIC));
        let mut be = vec![0xFE, 0xFF];
        be.extend(utf16be(ARABIC));
        let d = decode(&le).unwrap();
        assert_eq!((d.text.as_str(), d.encoding, d.bom), (ARABIC, TextEncoding::Utf16Le, true));
        let d = decode(&be).unwrap();
        assert_eq!((d.text.as_str(), d.encoding, d.bom), (ARABIC, TextEncoding::Utf16Be, true));
    }

    #[test]
    fn utf16_without_bom_is_recognised_by_its_high_bytes() {
        let d = decode(&utf16le(ARABIC)).unwrap();
        assert_eq!((d.text.as_str(), d.encoding, d.bom), (ARABIC, TextEncoding::Utf16Le, false));
        let d = decode(&utf16be(ARABIC)).unwrap();
        assert_eq!((d.text.as_str(), d.encoding, d.bom), (ARABIC, TextEncoding::Utf16Be, false));
        let latin = "Breaking news\nThe delegation flew to Moscow.\n";
        assert_eq!(decode(&utf16le(latin)).unwrap().text, latin);
        assert_eq!(decode(&utf16be(latin)).unwrap().encoding, TextEncoding::Utf16Be);
    }

    #[test]
    fn windows_1256_is_converted() {
        let d = decode(&encode(ARABIC, WINDOWS_1256)).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (ARABIC, TextEncoding::Windows1256));
    }

    #[test]
    fn iso_8859_6_is_converted_not_read_as_windows_1256() {
        // ISO-8859-6 has no « » or Arabic digits beyond ASCII; use what it has.
        let text = "سافر ممثلو حماس إلى موسكو يوم 26 تشرين الأول، وقال الرئيس: نعم.\n\
                    ثم عاد الوفد بعد ظهر الخميس إلى غزة؟\n";
        let bytes = encode(text, ISO_8859_6);
        assert!(WINDOWS_1256.decode_without_bom_handling_and_without_replacement(&bytes).is_some());
        let d = decode(&bytes).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (text, TextEncoding::Iso8859_6));
    }

    #[test]
    fn windows_1256_with_diacritics_is_not_mistaken_for_iso() {
        let text = "بِسْمِ اللَّهِ الرَّحْمَنِ الرَّحِيمِ\nقَالَ الطَّبِيبُ: عُدْ غَدًا.\n";
        let d = decode(&encode(text, WINDOWS_1256)).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (text, TextEncoding::Windows1256));
    }

    #[test]
    fn a_declared_charset_is_used_for_bytes_that_are_not_utf8() {
        let page = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; \
                    charset=windows-1256\"></head><body><p>سافر الوفد</p></body></html>";
        let d = decode(&encode(page, WINDOWS_1256)).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (page, TextEncoding::Windows1256));
        let french = "<meta charset='iso-8859-1'><p>Le déjà-vu du café</p>";
        let d = decode(&encode(french, encoding_rs::WINDOWS_1252)).unwrap();
        assert_eq!(
            (d.text.as_str(), d.encoding),
            (french, TextEncoding::Declared { name: "windows-1252" })
        );
        let d = decode_declared(
            &encode("café", encoding_rs::WINDOWS_1252),
            Some("text/plain; charset=\"latin1\""),
        )
        .unwrap();
        assert_eq!(d.text, "café");
        // Valid UTF-8 stays UTF-8 whatever is declared; an unknown label is ignored.
        let d =
            decode_declared("سافر".as_bytes(), Some("text/html; charset=windows-1256")).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), ("سافر", TextEncoding::Utf8));
        let d = decode_declared(&encode(ARABIC, WINDOWS_1256), Some("text/html; charset=bogus"))
            .unwrap();
        assert_eq!(d.encoding, TextEncoding::Windows1256);
    }

    #[test]
    fn html_in_windows_1256_without_a_declaration_is_still_found() {
        let page = format!(
            "<!DOCTYPE html><html><head><style>body {{ font-family: Arial, sans-serif; }}</style>\
             <script src=\"/static/app.js\"></script></head><body><h1>{}</h1></body></html>",
            ARABIC
        );
        let d = decode(&encode(&page, WINDOWS_1256)).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (page.as_str(), TextEncoding::Windows1256));
    }

    #[test]
    fn latin1_french_is_refused_with_the_offset_of_the_first_bad_byte() {
        let bytes = encode("Le déjà-vu du café", encoding_rs::WINDOWS_1252);
        assert_eq!(decode(&bytes).unwrap_err(), DecodeError::Unknown { offset: 4 });
    }

    #[test]
    fn known_binary_formats_are_named() {
        let e = decode(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj").unwrap_err().to_string();
        assert_eq!(e, "a PDF document (export it as text), not text");
        let e = decode(b"PK\x03\x04\x14\x00\x06\x00").unwrap_err().to_string();
        assert!(e.starts_with("a ZIP archive (a .docx"), "{e}");
        let e = decode(b"\x89PNG\r\n\x1A\n\0\0\0\rIHDR").unwrap_err().to_string();
        assert_eq!(e, "a PNG image, not text");
    }

    #[test]
    fn nul_bytes_mean_binary() {
        let bytes = [0x01, 0x00, 0xC3, 0x28, 0x00, 0x00, 0x7F, 0x45, 0x10, 0x00, 0x00];
        assert_eq!(
            decode(&bytes).unwrap_err(),
            DecodeError::Binary { what: "binary data (it contains NUL bytes)".into() }
        );
        // Valid UTF-8 holding NULs is binary too.
        let e = decode("عنوان\0\0\0".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("NUL characters"), "{e}");
    }

    #[test]
    fn mostly_control_characters_mean_binary() {
        let bytes: Vec<u8> = (0u8..200).map(|i| if i % 3 == 0 { 0x01 } else { b'a' }).collect();
        assert_eq!(
            decode(&bytes).unwrap_err().to_string(),
            "binary data (67 of its 200 characters are control characters), not text"
        );
    }

    #[test]
    fn a_few_control_characters_are_cleaned_not_refused() {
        let d =
            decode("عنوان\x07 الخبر\x1B\nسطر\x0Bثان\x0Cثالث\u{2028}رابع\x1A".as_bytes()).unwrap();
        assert_eq!(d.text, "عنوان الخبر\nسطر\nثان\nثالث\nرابع");
    }

    #[test]
    fn bom_that_lies_is_reported_with_its_offset() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(&encode("عنوان", WINDOWS_1256));
        assert_eq!(
            decode(&bytes).unwrap_err(),
            DecodeError::Malformed { encoding: "UTF-8", offset: 3 }
        );
        // A lone high surrogate after two good units.
        let bytes = [0xFF, 0xFE, 0x27, 0x06, 0x44, 0x06, 0x00, 0xD8, 0x41, 0x00];
        assert_eq!(
            decode(&bytes).unwrap_err(),
            DecodeError::Malformed { encoding: "UTF-16LE", offset: 6 }
        );
    }

    #[test]
    fn empty_input_is_empty_utf8_text() {
        let d = decode(b"").unwrap();
        assert_eq!((d.text.as_str(), d.encoding), ("", TextEncoding::Utf8));
    }

    #[test]
    fn emoji_and_latin_pass_through() {
        let text = "Breaking 🙂 news — قصف 💥";
        assert_eq!(decode(text.as_bytes()).unwrap().text, text);
    }

    #[test]
    fn arabic_ratio_separates_right_from_wrong_decodings() {
        assert_eq!(arabic_ratio("سافر الوفد"), 1.0);
        assert_eq!(arabic_ratio("ascii only"), 0.0);
        assert_eq!(arabic_ratio("déjà"), 0.0);
        assert_eq!(arabic_ratio("RT قالت <b>خبر</b>"), 1.0);
        assert_eq!(arabic_ratio("café"), 0.0);
        let latin1_as_iso = ISO_8859_6
            .decode_without_bom_handling_and_without_replacement(b"d\xe9j\xe0 caf\xe9")
            .unwrap();
        assert_eq!(arabic_ratio(&latin1_as_iso), 0.0, "{latin1_as_iso}");
        let iso = encode("الوفد في موسكو", ISO_8859_6);
        let wrong = WINDOWS_1256.decode_without_bom_handling_and_without_replacement(&iso).unwrap();
        assert!(arabic_ratio(&wrong) < 0.8, "{wrong}: {}", arabic_ratio(&wrong));
    }
}
