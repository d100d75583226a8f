//! File names for the programmes of an edition.
//!
//! In: an article's position and its printed title (Arabic, Latin, anything).
//! Out: a stem such as `01-hl-aadt-rwsya-hmas` for `01-hl-aadt-rwsya-hmas.wav`.
//!
//! Must never happen: an empty name, a name that climbs out of the output directory (`..`, `/`,
//! `\`), a name Windows refuses (`CON`, `aux.wav`, trailing dots or spaces), a name that differs
//! between platforms (non-ASCII file names are normalised differently by macOS, and mangled by
//! some web servers and podcast clients), or two articles of one edition sharing a name.
//!
//! The stem is `NN-slug`: `NN` is the 1-based position with at least two digits, so names sort
//! in reading order and are unique within an edition; the slug is the title romanized with a
//! deliberately simple one-letter map (not a scholarly transliteration: its job is to let a person
//! recognise the article in a directory listing). Because every stem starts with digits and a
//! hyphen, no stem can equal a reserved Windows device name.

use unicode_normalization::UnicodeNormalization;

/// The longest stem, in bytes (all ASCII). Long enough to recognise a headline, short enough for
/// listings, URLs and the 255-byte file-name limit with any extension.
pub const MAX_STEM_LEN: usize = 48;

/// The slug used when nothing of the title survives romanization.
const FALLBACK_SLUG: &str = "article";

/// The file stem for the article at 1-based position `index` titled `title`.
///
/// ```
/// use nashra::publish::names::article_file_stem;
/// assert_eq!(article_file_stem(1, "هل أعادت روسيا حماس؟"), "01-hl-aadt-rwsya-hmas");
/// assert_eq!(article_file_stem(3, "../../etc/passwd"), "03-etc-passwd");
/// assert_eq!(article_file_stem(12, "🙂"), "12-article");
/// ```
pub fn article_file_stem(index: usize, title: &str) -> String {
    let prefix = format!("{index:02}-");
    let budget = MAX_STEM_LEN.saturating_sub(prefix.len()).max(FALLBACK_SLUG.len());
    let slug = slugify(title, budget);
    let slug = if slug.is_empty() { FALLBACK_SLUG } else { &slug };
    format!("{prefix}{slug}")
}

/// Romanizes `title` to `[a-z0-9]` words joined by single hyphens, at most `max_len` bytes, cut
/// at a word boundary when one is available.
fn slugify(title: &str, max_len: usize) -> String {
    let mut slug = String::new();
    let mut pending_hyphen = false;
    // NFKD splits Latin letters from their accents (é -> e + ◌́) and folds Arabic presentation
    // forms and full-width letters to their plain letters.
    for ch in title.nfkd() {
        match romanize(ch) {
            Letter::Ascii(text) => {
                if pending_hyphen && !slug.is_empty() {
                    slug.push('-');
                }
                pending_hyphen = false;
                slug.push_str(text);
            }
            Letter::Char(c) => {
                if pending_hyphen && !slug.is_empty() {
                    slug.push('-');
                }
                pending_hyphen = false;
                slug.push(c);
            }
            Letter::Silent => {}
            Letter::Separator => pending_hyphen = true,
        }
        if slug.len() > max_len {
            break;
        }
    }
    truncate_at_word(slug, max_len)
}

fn truncate_at_word(mut slug: String, max_len: usize) -> String {
    if slug.len() <= max_len {
        return slug;
    }
    // All ASCII, so any byte index is a char boundary.
    slug.truncate(max_len);
    if let Some(cut) = slug.rfind('-') {
        // Keep at least half the budget rather than cutting back to one short word.
        if cut >= max_len / 2 {
            slug.truncate(cut);
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// What one character contributes to a slug.
enum Letter {
    /// Romanized text (already lowercase ASCII).
    Ascii(&'static str),
    /// A character kept as is (already lowercase ASCII).
    Char(char),
    /// Nothing, and no word break either: diacritics, tatweel, hamza and ʿayn, joiners.
    Silent,
    /// A word break: spaces, punctuation, symbols, emoji, anything unknown.
    Separator,
}

fn romanize(ch: char) -> Letter {
    use Letter::{Ascii, Char, Separator, Silent};
    match ch {
        'a'..='z' | '0'..='9' => Char(ch),
        'A'..='Z' => Char(ch.to_ascii_lowercase()),
        // Arabic-Indic and Extended Arabic-Indic (Persian) digits.
        '\u{0660}'..='\u{0669}' => Char(char::from(b'0' + (ch as u32 - 0x0660) as u8)),
        '\u{06F0}'..='\u{06F9}' => Char(char::from(b'0' + (ch as u32 - 0x06F0) as u8)),
        // Harakat, tanwin, shadda, sukun, dagger alif, Quranic marks, tatweel, combining marks left
        // by NFKD (Latin accents), and zero-width joiners: none of them starts a new word.
        '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{06D6}'..='\u{06ED}'
        | '\u{0640}'
        | '\u{0300}'..='\u{036F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{00AD}'
        | '\u{FEFF}' => Silent,
        // Hamza alone and ʿayn have no plain ASCII letter; dropping them keeps words readable
        // (أعادت -> aadt).
        'ء' | 'ع' => Silent,
        'ا' | 'أ' | 'إ' | 'آ' | 'ٱ' | 'ى' | 'ة' => Ascii("a"),
        'ب' => Ascii("b"),
        'ت' | 'ط' => Ascii("t"),
        'ث' => Ascii("th"),
        'ج' => Ascii("j"),
        'ح' | 'ه' | 'ۀ' | 'ھ' => Ascii("h"),
        'خ' => Ascii("kh"),
        'د' | 'ض' => Ascii("d"),
        'ذ' => Ascii("dh"),
        'ر' => Ascii("r"),
        'ز' | 'ظ' => Ascii("z"),
        'س' | 'ص' => Ascii("s"),
        'ش' => Ascii("sh"),
        'غ' => Ascii("gh"),
        'ف' => Ascii("f"),
        'ق' => Ascii("q"),
        'ك' | 'ک' => Ascii("k"),
        'ل' => Ascii("l"),
        'م' => Ascii("m"),
        'ن' => Ascii("n"),
        'و' | 'ؤ' => Ascii("w"),
        'ي' | 'ئ' | 'ی' => Ascii("y"),
        'پ' => Ascii("p"),
        'چ' => Ascii("ch"),
        'ژ' => Ascii("zh"),
        'گ' => Ascii("g"),
        'ڤ' | 'ڥ' => Ascii("v"),
        // Latin letters NFKD does not decompose.
        'ß' => Ascii("ss"),
        'æ' | 'Æ' => Ascii("ae"),
        'ø' | 'Ø' => Ascii("o"),
        'đ' | 'Đ' => Ascii("d"),
        'ł' | 'Ł' => Ascii("l"),
        _ => Separator,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_safe(stem: &str) {
        assert!(!stem.is_empty());
        assert!(stem.len() <= MAX_STEM_LEN, "{stem} is {} bytes", stem.len());
        assert!(
            stem.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{stem}"
        );
        assert!(!stem.contains(".."));
        assert!(!stem.ends_with('-'), "{stem}");
        assert!(!stem.contains("--"), "{stem}");
        let upper = stem.to_ascii_uppercase();
        let reserved = ["CON", "PRN", "AUX", "NUL", "COM1", "COM9", "LPT1", "LPT9"];
        assert!(!reserved.contains(&upper.as_str()), "{stem}");
    }

    #[test]
    fn arabic_titles_romanize_letter_by_letter() {
        let cases = [
            (1, "هل أعادت روسيا حماس؟", "01-hl-aadt-rwsya-hmas"),
            (2, "ممثلو الفصائل في القاهرة", "02-mmthlw-alfsayl-fy-alqahra"),
            (3, "مُمَثِّلُو الفصائلِ", "03-mmthlw-alfsayl"),
            (4, "غزة: خطة ظريف", "04-ghza-khta-zryf"),
            (5, "الـ\u{0640}ـعالم ١٤٤٥هـ", "05-alalm-1445h"),
            (6, "شؤون ذوي الإعاقة", "06-shwwn-dhwy-alaaqa"),
            (10, "مئة ضيف", "10-mya-dyf"),
        ];
        for (index, title, expected) in cases {
            let stem = article_file_stem(index, title);
            assert_eq!(stem, expected, "{title}");
            assert_safe(&stem);
        }
    }

    #[test]
    fn latin_titles_lose_accents_and_case() {
        assert_eq!(article_file_stem(1, "Café au Lait, Straße"), "01-cafe-au-lait-strasse");
        assert_eq!(article_file_stem(2, "The Hill: UAVs & RT"), "02-the-hill-uavs-rt");
        assert_eq!(article_file_stem(3, "ＦＵＬＬ width"), "03-full-width");
    }

    #[test]
    fn mixed_scripts_and_digits() {
        assert_eq!(article_file_stem(7, "200 مليار دولار for Gaza"), "07-200-mlyar-dwlar-for-gaza");
    }

    #[test]
    fn hostile_titles_stay_inside_the_directory() {
        let cases = [
            ("../../etc", "01-etc"),
            ("..", "01-article"),
            ("/etc/passwd", "01-etc-passwd"),
            ("C:\\Windows\\System32", "01-c-windows-system32"),
            ("CON", "01-con"),
            ("aux.wav", "01-aux-wav"),
            ("", "01-article"),
            ("   ", "01-article"),
            ("؟!...،؛«»", "01-article"),
            ("🙂🔥📰", "01-article"),
            ("\u{200F}\u{202B}ـــ\u{064E}", "01-article"),
            ("trailing dot.", "01-trailing-dot"),
            ("a\0b\nc", "01-a-b-c"),
        ];
        for (title, expected) in cases {
            let stem = article_file_stem(1, title);
            assert_eq!(stem, expected, "{title:?}");
            assert_safe(&stem);
        }
    }

    #[test]
    fn long_titles_are_cut_at_a_word_boundary() {
        let title = "وزير الخارجية يبحث مع نظيره الأردني تطورات الأوضاع الإقليمية والدولية";
        let stem = article_file_stem(1, title);
        assert_eq!(stem, "01-wzyr-alkharjya-ybhth-m-nzyrh-alardny-ttwrat");
        assert_safe(&stem);
        // One endless word: cut hard at the limit.
        let stem = article_file_stem(1, &"ب".repeat(500));
        assert_eq!(stem, format!("01-{}", "b".repeat(MAX_STEM_LEN - 3)));
        assert_safe(&stem);
    }

    #[test]
    fn index_has_at_least_two_digits() {
        assert_eq!(article_file_stem(0, "x"), "00-x");
        assert_eq!(article_file_stem(9, "x"), "09-x");
        assert_eq!(article_file_stem(99, "x"), "99-x");
        assert_eq!(article_file_stem(100, "x"), "100-x");
        assert_safe(&article_file_stem(usize::MAX, &"word ".repeat(40)));
    }

    #[test]
    fn windows_forbidden_characters_are_separators() {
        assert_eq!(article_file_stem(1, r#"a<b>c:d"e|f?g*h/i\j"#), "01-a-b-c-d-e-f-g-h-i-j");
        assert_eq!(article_file_stem(1, "name. . ."), "01-name");
    }

    #[test]
    fn every_character_alone_or_around_a_word_gives_a_safe_stem() {
        let chars =
            (0..=0x10FFFFu32).filter(|&c| c < 0x3_0000 || c % 97 == 0).filter_map(char::from_u32);
        for c in chars {
            assert_safe(&article_file_stem(1, &c.to_string()));
            assert_safe(&article_file_stem(12, &format!("خبر{c}عاجل {c}")));
        }
    }

    #[test]
    fn no_stem_can_shadow_the_edition_files() {
        for title in ["bulletin", "edition", "edition.json", ".nashra.lock", "bulletin.wav"] {
            let stem = article_file_stem(1, title);
            assert!(stem.starts_with("01-"), "{stem}");
            assert_ne!(format!("{stem}.wav"), "bulletin.wav");
        }
    }

    #[test]
    fn same_title_different_positions_never_collide() {
        assert_ne!(article_file_stem(1, "خبر"), article_file_stem(2, "خبر"));
    }
}
