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
        matches!(err, IngestError::TooLarge { size, limit: MAX_FILE_BYTES, .. } if size == MAX_FILE_BYTES + 10),
        "{err}"
    );
    assert!(err.to_string().contains("big.txt: 67108874 bytes, more than"), "{err}");
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

fn fixture(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir).join(name)
}

#[test]
fn formats_are_detected_by_extension_content_type_then_content() {
    let d = |name: &str, text: &str, ct: Option<&str>| detect(Path::new(name), text, ct);
    assert_eq!(d("a.txt", "<html>", None), Format::Text);
    assert_eq!(d("a.MD", "x", None), Format::Markdown);
    assert_eq!(d("a.htm", "x", None), Format::Html);
    assert_eq!(d("a.rss", "x", None), Format::Feed);
    assert_eq!(d("a.json", "x", None), Format::Json);
    assert_eq!(d("edition.toml", "x", None), Format::Edition);
    assert_eq!(
        d("a.xml", "<?xml version='1.0'?>\n<rss version='2.0'><channel/></rss>", None),
        Format::Feed
    );
    assert_eq!(
        d(
            "a.xml",
            "<?xml version='1.0'?><!-- x --><feed xmlns='http://www.w3.org/2005/Atom'/>",
            None
        ),
        Format::Feed
    );
    assert_eq!(d("a.xml", "<rdf:RDF xmlns:rdf='x'></rdf:RDF>", None), Format::Feed);
    assert_eq!(
        d("a.xml", "<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'/>", None),
        Format::Html
    );
    assert_eq!(d("https://x.com/news/1", "<p>x", Some("text/html; charset=utf-8")), Format::Html);
    assert_eq!(d("https://x.com/feed", "x", Some("application/rss+xml")), Format::Feed);
    assert_eq!(d("https://x.com/a.html?id=3#top", "x", Some("text/plain")), Format::Html);
    assert_eq!(d("https://x.com", "<!DOCTYPE html><html lang=ar><body>", None), Format::Html);
    assert_eq!(d("export", " [{\"title\": \"x\"}]", None), Format::Json);
    assert_eq!(d("notes", "[عنوان بين قوسين]\nنص", None), Format::Text);
    assert_eq!(d("notes", "عنوان\nنص", None), Format::Text);
}

#[test]
fn an_html_file_becomes_one_article_named_by_its_path() {
    let path = fixture("html", "wordpress-single-post.html");
    let got = read_input(&path, &IngestOptions::default()).unwrap();
    assert!(got.failed.is_empty());
    assert_eq!(got.articles.len(), 1);
    assert_eq!(got.articles[0].source, path);
    assert_eq!(got.articles[0].paragraphs.len(), 7);
}

#[test]
fn a_page_without_text_is_an_error_saying_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.html");
    std::fs::write(
        &path,
        "<html><head><title>تطبيق</title></head><body><div id=app></div></body></html>",
    )
    .unwrap();
    let err = read_input(&path, &IngestOptions::default()).unwrap_err();
    assert!(matches!(err, IngestError::NoText { .. }), "{err}");
    assert!(err.to_string().contains("app.html"));
}

#[test]
fn feed_items_become_articles_and_a_link_only_item_asks_for_fetch_links() {
    let path = fixture("feeds", "rss2-wordpress.xml");
    let got = read_input(&path, &IngestOptions::default()).unwrap();
    let titles: Vec<&str> = got.articles.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "افتتاح مدرسة “النور” للبنات في حي الربوة",
            "بلدية المدينة تطلق مشروعا لتحديث شبكة المياه في الأحياء الشرقية",
            "تنظيم سوق شعبي أسبوعي في ساحة البلدية",
        ]
    );
    let water = &got.articles[1];
    assert_eq!(water.source, PathBuf::from(format!("{}#1", path.display())));
    assert_eq!(water.date, ymd(2024, 3, 12));
    assert_eq!(water.dateline, None);
    assert_eq!(water.author.as_deref(), Some("سارة الخطيب"));
    assert_eq!(water.paragraphs.len(), 3, "{:#?}", water.paragraphs);
    assert_eq!(water.related.len(), 1);
    assert_eq!(water.url.as_deref(), Some("https://madina.example/2024/03/12/water-network/"));
    assert!(!format!("{water:?}").contains("appeared first"));
    let school = &got.articles[0];
    assert_eq!(
        school.paragraphs[0],
        "افتتح محافظ المدينة، صباح اليوم، مدرسة النور للبنات في حي الربوة، وتتسع لنحو 600 طالبة في المرحلتين الأساسية والثانوية."
    );
    assert_eq!(got.articles[2].paragraphs.len(), 2, "from the description");
    assert_eq!(got.failed.len(), 1);
    let message = got.failed[0].to_string();
    assert!(
        message.contains("rss2-wordpress.xml#4") && message.contains("--fetch-links"),
        "{message}"
    );
}

#[test]
fn feed_selection_limits_the_items() {
    let path = fixture("feeds", "rss2-wordpress.xml");
    let options = IngestOptions {
        feed: feed::Selection { newest: Some(1), since: None },
        ..IngestOptions::default()
    };
    let got = read_input(&path, &options).unwrap();
    assert_eq!(got.articles.len(), 1);
    assert_eq!(got.articles[0].source, PathBuf::from(format!("{}#2", path.display())));
    let options = IngestOptions {
        feed: feed::Selection { newest: None, since: ymd(2024, 3, 13) },
        ..IngestOptions::default()
    };
    let got = read_input(&path, &options).unwrap();
    assert!(got.articles.is_empty() && got.failed.is_empty());
}

#[test]
fn atom_plain_text_content_is_split_at_blank_lines() {
    let got = read_input(&fixture("feeds", "atom.xml"), &IngestOptions::default()).unwrap();
    assert_eq!(got.articles.len(), 3);
    let morocco = got.articles.iter().find(|a| a.title.starts_with("المغرب")).unwrap();
    assert_eq!(morocco.paragraphs.len(), 2);
    let tunisia = &got.articles[0];
    assert_eq!(tunisia.paragraphs.len(), 2, "the share div is furniture: {:?}", tunisia.paragraphs);
}

#[test]
fn json_articles_are_labelled_by_id_or_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cms.json");
    std::fs::write(
        &path,
        r#"[{"id": "x-1", "title": "أ", "body": "نص."}, {"title": "ب", "body": ["نص."]}, {"title": ""}]"#,
    )
    .unwrap();
    let got = read_input(&path, &IngestOptions::default()).unwrap();
    let sources: Vec<String> =
        got.articles.iter().map(|a| a.source.display().to_string()).collect();
    assert_eq!(sources, [format!("{}#x-1", path.display()), format!("{}#2", path.display())]);
    assert_eq!(got.failed.len(), 1);
    assert!(
        got.failed[0].to_string().ends_with("cms.json#3: `title` is empty"),
        "{}",
        got.failed[0]
    );
}

#[test]
fn an_edition_file_is_not_an_article() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edition.toml");
    std::fs::write(&path, "title = \"x\"").unwrap();
    let err = read_input(&path, &IngestOptions::default()).unwrap_err();
    assert!(err.to_string().contains("--edition"), "{err}");
}

#[test]
fn the_same_article_twice_is_kept_once() {
    let article = |source: &str, title: &str, body: &str| Article {
        source: source.into(),
        title: title.into(),
        paragraphs: vec![body.into()],
        ..Article::default()
    };
    let (kept, dropped) = dedup(vec![
        article("a.html", "عنوان الخبر", "نص الخبر، كما نشر."),
        article("b.json#1", "عنوانُ  الخبر", "نص الخبر كما نُشر"),
        article("c.txt", "عنوان الخبر", "نص آخر."),
        article("d.txt", "عنوان آخر", "نص الخبر، كما نشر."),
    ]);
    let sources: Vec<&Path> = kept.iter().map(|a| a.source.as_path()).collect();
    assert_eq!(sources, [Path::new("a.html"), Path::new("c.txt"), Path::new("d.txt")]);
    assert_eq!(dropped, [Duplicate { dropped: "b.json#1".into(), kept: "a.html".into() }]);
}

#[test]
fn urls_pass_through_expand_inputs_and_get_no_extension_from_their_host() {
    let got = expand_inputs(&[PathBuf::from("https://example.com/news/1.html")]).unwrap();
    assert_eq!(got, [PathBuf::from("https://example.com/news/1.html")]);
    assert_eq!(extension(Path::new("https://example.com")), None);
    assert_eq!(extension(Path::new("https://example.com/a.JSON?x=1")).as_deref(), Some("json"));
}

mod served {
    //! Inputs fetched from a local HTTP server: URLs given by the user, and feed item links
    //! with --fetch-links.
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    /// Answers GET PATH with `(content type, body)` of that path, or 404, until the test ends.
    fn serve(files: Vec<(&'static str, &'static str, String)>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                let _ = reader.read_line(&mut request);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let path = request.split_whitespace().nth(1).unwrap_or("").to_owned();
                let response = match files.iter().find(|(p, _, _)| *p == path) {
                    Some((_, ct, body)) => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    ),
                    None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into(),
                };
                let _ = stream.write_all(response.as_bytes());
            }
        });
        base
    }

    #[test]
    fn a_url_is_fetched_and_read_by_its_content_type() {
        let page = std::fs::read_to_string(fixture("html", "amp-article.html")).unwrap();
        let base = serve(vec![("/tunisia/olives", "text/html; charset=utf-8", page)]);
        let url = PathBuf::from(format!("{base}/tunisia/olives"));
        let got = read_input(&url, &IngestOptions::default()).unwrap();
        assert_eq!(got.articles.len(), 1);
        assert_eq!(got.articles[0].source, url);
        assert_eq!(got.articles[0].paragraphs.len(), 4);
        let missing = PathBuf::from(format!("{base}/nope"));
        let err = read_input(&missing, &IngestOptions::default()).unwrap_err();
        assert!(err.to_string().contains("/nope") && err.to_string().contains("404"), "{err}");
    }

    #[test]
    fn a_link_only_feed_item_is_fetched_with_fetch_links() {
        let page =
            std::fs::read_to_string(fixture("html", "odd-markup-unclosed-tags.html")).unwrap();
        let base = serve(vec![("/desal", "text/html", page)]);
        let dir = tempfile::tempdir().unwrap();
        let feed_path = dir.path().join("feed.rss");
        std::fs::write(
            &feed_path,
            format!(
                "<rss version='2.0'><channel><title>ف</title><item><title>محطة تحلية جديدة في وهران</title>\
                 <link>{base}/desal</link><pubDate>Sun, 11 Jun 2023 13:20:00 +0000</pubDate></item></channel></rss>"
            ),
        )
        .unwrap();
        let options = IngestOptions { fetch_links: true, ..IngestOptions::default() };
        let got = read_input(&feed_path, &options).unwrap();
        assert!(got.failed.is_empty(), "{:?}", got.failed);
        let a = &got.articles[0];
        assert_eq!(a.title, "محطة تحلية جديدة في وهران", "the feed's title wins");
        assert_eq!(a.date, ymd(2023, 6, 11));
        assert_eq!(a.dateline, None);
        assert_eq!(a.author.as_deref(), Some("ياسين مرابط"), "from the page");
        assert_eq!(a.paragraphs.len(), 5);
        assert_eq!(a.url.as_deref(), Some(format!("{base}/desal").as_str()));
        assert_eq!(a.related.len(), 2);
    }
}
