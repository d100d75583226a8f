use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::*;

const SEED: &str = include_str!("../../tests/data/ingest/seed_page.txt");

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn seed() -> Article {
    parse(SEED, Path::new("seed.txt")).unwrap()
}

#[test]
fn seed_page_title_date_and_author_parse() {
    let a = seed();
    assert_eq!(a.title, "هل أعدت روسيا حماس للهجوم على إسرائيل؟");
    assert_eq!(a.dateline.as_deref(), Some("6-تشرين الثاني-2023"));
    assert_eq!(a.date, ymd(2023, 11, 6));
    assert_eq!(a.author.as_deref(), Some("مارك تمنيكي"));
    assert_eq!(a.source, PathBuf::from("seed.txt"));
}

#[test]
fn seed_page_keeps_every_paragraph_and_the_note() {
    let a = seed();
    // Body lines of the seed: line 5 up to the line before the bullet.
    let body: Vec<&str> = SEED.lines().skip(4).take_while(|l| !l.starts_with('•')).collect();
    assert_eq!(a.paragraphs.len(), body.len());
    assert_eq!(a.paragraphs.len(), 23);
    assert_eq!(a.paragraphs, body);
    assert!(a.paragraphs[0].starts_with("سافر ممثلو حماس إلى موسكو"));
    assert!(a.paragraphs[22].starts_with("ولا يمكن السماح لروسيا أن تنجح."));
    assert_eq!(a.notes, vec!["باحث في مركز \"أوراسيا\" التابع للمجلس الأطلسي"]);
}

#[test]
fn seed_page_related_list_has_ten_dated_headlines() {
    let a = seed();
    assert_eq!(a.related.len(), 10);
    assert_eq!(
        a.related[0].title,
        "الاقتصاد النيابية تبحث المواصفة العراقية لاستيراد المركبات مع جهاز التقييس"
    );
    assert_eq!(a.related[0].date, ymd(2024, 4, 3));
    assert_eq!(a.related[1].date, ymd(2024, 3, 25));
    assert_eq!(a.related[9].title, "الأمن والدفاع: العراق لا يستطيع حماية أجوائه من المسيرات");
    assert_eq!(a.related[9].date, ymd(2024, 2, 12));
    assert!(a.related.iter().all(|h| h.date.is_some()));
}

#[test]
fn seed_page_boilerplate_is_nowhere() {
    let a = seed();
    let all = format!("{a:?}");
    assert!(!all.contains("Powered") && !all.contains("Design by") && !all.contains("weebtech"));
}

#[test]
fn crlf_bom_and_extra_blank_lines_do_not_change_the_article() {
    let messy = format!("\u{feff}\n\n{}", SEED.replace('\n', "\r\n\r\n"));
    let a = parse(&messy, Path::new("seed.txt")).unwrap();
    let b = seed();
    assert_eq!(a.title, b.title);
    assert_eq!(a.author, b.author);
    assert_eq!(a.paragraphs, b.paragraphs);
    assert_eq!(a.notes, b.notes);
    assert_eq!(a.related, b.related);
}

#[test]
fn page_without_author_or_related_list_still_parses() {
    let a = parse(
        "عنوان الخبر\n2023-11-06\nفقرة أولى طويلة فيها كلام كثير، ونقطة.\nفقرة ثانية.\n",
        Path::new("a.txt"),
    )
    .unwrap();
    assert_eq!(a.date, ymd(2023, 11, 6));
    assert_eq!(a.author, None);
    assert!(a.related.is_empty());
    assert_eq!(a.paragraphs, vec!["فقرة أولى طويلة فيها كلام كثير، ونقطة.", "فقرة ثانية."]);
}

#[test]
fn plain_text_takes_first_line_as_title_and_joins_wrapped_blocks() {
    let a = parse("\nالعنوان\n\nسطر أول\nيكمل.\n\nفقرة ثانية.\nPowered by x\n", Path::new("a.txt"))
        .unwrap();
    assert_eq!(a.title, "العنوان");
    assert_eq!(a.dateline, None);
    assert_eq!(a.paragraphs, vec!["سطر أول يكمل.", "فقرة ثانية."]);
    let b = parse("العنوان\nفقرة.\nفقرة أخرى.", Path::new("b.txt")).unwrap();
    assert_eq!(b.paragraphs, vec!["فقرة.", "فقرة أخرى."]);
}

#[test]
fn markdown_extension_selects_markdown() {
    let a = parse("# **عنوان**\n\nنص [رابط](http://a.b).", Path::new("a.md")).unwrap();
    assert_eq!(a.title, "عنوان");
    assert_eq!(a.paragraphs, vec!["نص رابط."]);
}

#[test]
fn empty_or_boilerplate_only_files_are_errors_naming_the_file() {
    for text in ["", "\n \r\n", "Powered by weebtech Design by webacademy\nDesign by webacademy\n"]
    {
        let err = parse(text, Path::new("dir/empty.txt")).unwrap_err();
        assert!(matches!(err, IngestError::Empty { .. }));
        assert!(err.to_string().contains("dir/empty.txt"), "{err}");
    }
}

#[test]
fn read_strips_bom_and_names_missing_or_non_utf8_files() {
    let dir = tempfile::tempdir().unwrap();
    let ok = dir.path().join("a.txt");
    std::fs::write(&ok, "\u{feff}العنوان\nفقرة.").unwrap();
    assert_eq!(read(&ok).unwrap().title, "العنوان");
    let missing = dir.path().join("nope.txt");
    let err = read(&missing).unwrap_err();
    assert!(err.to_string().contains("nope.txt"), "{err}");
    let latin1 = dir.path().join("l.txt");
    std::fs::write(&latin1, b"abc\xe9").unwrap();
    let err = read(&latin1).unwrap_err();
    assert!(
        matches!(
            err,
            IngestError::Decode { source: decode::DecodeError::Unknown { offset: 3 }, .. }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("l.txt"));
}

#[test]
fn expand_inputs_keeps_file_order_and_sorts_folders() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["b.txt", "a.md", "c.markdown", ".hidden.txt", "notes.pdf", "z.TXT"] {
        std::fs::write(d.join(name), "x").unwrap();
    }
    std::fs::create_dir(d.join("sub.txt")).unwrap();
    let single = d.join("b.txt");
    let got = expand_inputs(&[single.clone(), d.to_path_buf()]).unwrap();
    let names: Vec<String> =
        got.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["b.txt", "a.md", "b.txt", "c.markdown", "z.TXT"]);
    let err = expand_inputs(&[d.join("missing")]).unwrap_err();
    assert!(err.to_string().contains("missing") && err.to_string().contains("no such file"));
    let empty = d.join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(matches!(expand_inputs(&[empty]).unwrap_err(), IngestError::EmptyFolder { .. }));
}

// --- robustness (issue #7): encodings, binary and special files, HTML given as text ---

#[test]
fn read_converts_legacy_and_utf16_encodings_to_the_same_article() {
    let dir = tempfile::tempdir().unwrap();
    let text = "سافر الوفد إلى موسكو\nقال الرئيس إن المفاوضات مستمرة.\n";
    let want = read_text_of(dir.path(), "utf8.txt", text.as_bytes());
    let (cp1256, _, _) = encoding_rs::WINDOWS_1256.encode(text);
    let (iso, _, _) = encoding_rs::ISO_8859_6.encode(text);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let bomless: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (name, bytes) in [
        ("cp1256.txt", cp1256.to_vec()),
        ("iso.txt", iso.to_vec()),
        ("utf16.txt", utf16),
        ("utf16be.txt", bomless),
    ] {
        assert_eq!(read_text_of(dir.path(), name, &bytes), want, "{name}");
    }
    assert_eq!(want.title, "سافر الوفد إلى موسكو");
}

fn read_text_of(dir: &Path, name: &str, bytes: &[u8]) -> Article {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let mut article = read(&path).unwrap();
    article.source = PathBuf::new();
    article
}

#[test]
fn binary_files_are_refused_naming_file_and_format() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("report.txt");
    std::fs::write(&pdf, b"%PDF-1.4\n%\xC7\xEC\x8F\xA2\n").unwrap();
    let err = read(&pdf).unwrap_err().to_string();
    assert!(err.contains("report.txt: a PDF document"), "{err}");
    let blob = dir.path().join("blob.txt");
    std::fs::write(&blob, [0x00u8, 0xFF, 0x13, 0x00, 0x88, 0x01, 0x00]).unwrap();
    let err = read(&blob).unwrap_err().to_string();
    assert_eq!(err, format!("{}: binary data (it contains NUL bytes), not text", blob.display()));
}

#[cfg(unix)]
#[test]
fn special_files_are_refused_without_reading_them() {
    let err = read(Path::new("/dev/zero")).unwrap_err();
    assert!(matches!(err, IngestError::NotAFile { .. }), "{err}");
    assert_eq!(err.to_string(), "/dev/zero: not a regular file");
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.txt");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(MAX_FILE_BYTES + 10).unwrap(); // sparse: no disk used
    let err = read(&big).unwrap_err();
    assert!(
        matches!(err, IngestError::TooLarge { bytes, limit: MAX_FILE_BYTES, .. } if bytes == MAX_FILE_BYTES + 10),
        "{err}"
    );
    assert!(err.to_string().contains("big.txt: too large"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_broken_link_in_a_folder_is_listed_so_that_it_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "عنوان\nنص.").unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone.txt"), dir.path().join("b.txt")).unwrap();
    let files = expand_inputs(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(files.len(), 2);
    let err = read(&files[1]).unwrap_err();
    assert!(matches!(err, IngestError::NotFound { .. }), "{err}");
}

#[test]
fn html_saved_as_text_is_read_without_its_markup() {
    let html = "<html><head><title>t</title><style>p{color:red}</style></head><body>\
                <h1>سافر الوفد إلى موسكو</h1><script>var a=1;</script>\
                <p>قال الرئيس إن المفاوضات مستمرة.</p><p>وأضاف أنها جادة.</p></body></html>";
    for name in ["page.txt", "page.md"] {
        let a = parse(html, Path::new(name)).unwrap();
        assert_eq!(a.title, "سافر الوفد إلى موسكو", "{name}");
        assert_eq!(a.paragraphs, ["قال الرئيس إن المفاوضات مستمرة.", "وأضاف أنها جادة."], "{name}");
    }
}

#[test]
fn control_characters_and_emoji_do_not_break_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let a = read_text_of(dir.path(), "c.txt", "عنوان\x07 الخبر 🔥\x1b\nنص\x0bثان.\n".as_bytes());
    assert_eq!(a.title, "عنوان الخبر 🔥");
    assert_eq!(a.paragraphs, ["نص", "ثان."]);
}
