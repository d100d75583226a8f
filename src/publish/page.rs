//! The read-along pages: one `index.html` per edition, and one in a publication root listing the
//! editions.
//!
//! In: a manifest and its [`Programme`]s (or the root's editions). Out: a complete HTML document
//! with its CSS and JavaScript inline (`page/page.css`, `page/page.js`), so it works opened from
//! `file://`, from `nashra serve`, or from any static host, and fetches nothing.
//!
//! Must never happen: a user-provided string (titles, authors, sentences, voice names) reaching
//! the page unescaped; a control reachable by mouse but not by keyboard; a focused element without
//! a visible outline; a page in the wrong language or direction (`lang="ar" dir="rtl"`).
//!
//! Structure, for screen readers: one `h1` (the edition), one `h2` per programme (full edition,
//! bulletin, each article), a table of contents, and for each programme a native `<audio
//! controls>` named by its heading and its transcript: sentences grouped in paragraphs, each a
//! `role="button"` that plays from there, the one being heard marked `aria-current="true"`. A
//! transcript is one Tab stop (roving `tabindex`), so a long article does not cost hundreds of Tab
//! presses; inside it the arrow keys move between sentences. Inline strings that sit beside other
//! text (bylines, dates, voice names) are wrapped in `<bdi>` so a Latin or digit-first value cannot
//! reorder its neighbours.

use std::fmt::Write as _;

use super::links::RelPath;
use super::programme::{one_line, Programme, ProgrammeKind};
use super::{daisy, xml_safe, EditionRef, Manifest, FEED_FILE, PAGE_FILE};
use crate::edition::BlockKind;

const CSS: &str = include_str!("page/page.css");
const JS: &str = include_str!("page/page.js");

/// Where an edition page's navigation links point, relative to the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditionLinks {
    /// The list of editions, when the edition sits in a root.
    pub home: Option<String>,
    /// The podcast feed.
    pub feed: String,
    /// The DAISY book's `ncc.html`, when one was written.
    pub daisy: Option<String>,
}

/// The `id` of a programme's section, used by feed links (`index.html#a-01-hl`).
pub fn anchor(programme: &Programme) -> String {
    match programme.kind {
        ProgrammeKind::Full => "full".to_owned(),
        ProgrammeKind::Bulletin => "bulletin".to_owned(),
        ProgrammeKind::Article => format!("a-{}", id_safe(&programme.stem)),
    }
}

/// Escapes text for HTML content and attribute values, after dropping control characters.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in xml_safe(text).chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// The page of one edition.
pub fn edition_page(manifest: &Manifest, programmes: &[Programme], links: &EditionLinks) -> String {
    let title = escape(&one_line(&manifest.title));
    let date = manifest.date.map(|d| d.to_string());
    let mut html = head(
        &match &date {
            Some(d) => format!("{title} {d}"),
            None => title.clone(),
        },
        &links.feed,
    );
    html.push_str("<a class=\"skip\" href=\"#main\">انتقل إلى المحتوى</a>\n<header>\n");
    html.push_str("<nav aria-label=\"روابط النشرة\"><ul>\n");
    if let Some(home) = &links.home {
        let _ = writeln!(html, "<li><a href=\"{}\">كل النشرات</a></li>", escape(home));
    }
    let _ =
        writeln!(html, "<li><a href=\"{}\">اشترك في البودكاست (RSS)</a></li>", escape(&links.feed));
    if let Some(ncc) = &links.daisy {
        let _ = writeln!(html, "<li><a href=\"{}\">كتاب ناطق بصيغة DAISY</a></li>", escape(ncc));
    }
    html.push_str("</ul></nav>\n");
    let _ = writeln!(html, "<h1>{title}</h1>");
    let voice = escape(&one_line(&manifest.voice.name));
    html.push_str("<p class=\"meta\">");
    if let Some(d) = &date {
        let _ = write!(html, "<time datetime=\"{d}\"><bdi>{d}</bdi></time> · ");
    }
    let _ = writeln!(html, "قراءة آلية بصوت <bdi dir=\"ltr\">{voice}</bdi></p>");
    if manifest.voice.fallback {
        html.push_str(
            "<p class=\"note\" role=\"note\">لم يتوفر صوت عربي من Piper، فقُرئت النشرة بصوت \
             espeak-ng الاحتياطي وجودته أقل.</p>\n",
        );
    }
    if !manifest.errors.is_empty() {
        let _ = writeln!(
            html,
            "<p class=\"note\" role=\"note\">تعذرت قراءة {} من المدخلات، وهي غير موجودة هنا.</p>",
            manifest.errors.len()
        );
    }
    html.push_str(
        "<p class=\"help\">اختر أي جملة لتسمع النشرة من موضعها. بلوحة المفاتيح: مفتاح Tab ينتقل \
         بين المشغلات والنصوص، والأسهم تنتقل بين الجمل، وEnter أو المسافة يشغّل من الجملة، وEscape \
         يوقف.</p>\n</header>\n",
    );
    html.push_str("<main id=\"main\" tabindex=\"-1\">\n");
    html.push_str("<nav aria-labelledby=\"toc\"><h2 id=\"toc\">المحتويات</h2><ol>\n");
    for programme in programmes {
        let _ = writeln!(
            html,
            "<li><a href=\"#{}\">{}</a> <span class=\"meta\">(<bdi>{}</bdi>)</span></li>",
            anchor(programme),
            escape(&programme.title),
            clock(programme.duration_s)
        );
    }
    html.push_str("</ol></nav>\n");
    for programme in programmes {
        section(&mut html, programme);
    }
    html.push_str("</main>\n");
    let _ = writeln!(
        html,
        "<footer><p>صُنعت بواسطة nashra {} في <time datetime=\"{}\"><bdi>{}</bdi></time>.</p></footer>",
        env!("CARGO_PKG_VERSION"),
        manifest.generated_at.to_rfc3339(),
        manifest.generated_at.format("%Y-%m-%d %H:%M UTC")
    );
    let _ = write!(html, "<script>\n{JS}</script>\n</body>\n</html>\n");
    html
}

fn section(html: &mut String, programme: &Programme) {
    let id = anchor(programme);
    let title = escape(&programme.title);
    let _ = writeln!(html, "<section class=\"programme\" id=\"{id}\" aria-labelledby=\"{id}-h\">");
    let _ = writeln!(html, "<h2 id=\"{id}-h\">{title}</h2>");
    if let Some(article) = programme.article {
        let byline: Vec<String> = [article.dateline.as_deref(), article.author.as_deref()]
            .into_iter()
            .flatten()
            .map(|s| format!("<bdi>{}</bdi>", escape(&one_line(s))))
            .collect();
        if !byline.is_empty() {
            let _ = writeln!(html, "<p class=\"byline\">{}</p>", byline.join(" · "));
        }
    }
    let audio = escape(&programme.audio.href());
    let _ = writeln!(
        html,
        "<audio controls preload=\"metadata\" src=\"{audio}\" aria-labelledby=\"{id}-h\"></audio>"
    );
    let sidecar = |ext: &str| {
        escape(
            &RelPath::parse(&format!("{}.{ext}", programme.stem))
                .map(|p| p.href())
                .unwrap_or_default(),
        )
    };
    let _ = writeln!(
        html,
        "<p class=\"files\">المدة <bdi>{}</bdi> · النص: <a href=\"{}\" type=\"text/vtt\">WebVTT</a> · \
         <a href=\"{}\">SRT</a> · <a href=\"{audio}\" download>تنزيل الصوت</a></p>",
        clock(programme.duration_s),
        sidecar("vtt"),
        sidecar("srt"),
    );
    let _ = writeln!(
        html,
        "<div class=\"transcript\" role=\"group\" aria-label=\"نص {title}، اختر جملة لتسمعها\">"
    );
    let mut open_block = None;
    for (i, cue) in programme.cues.iter().enumerate() {
        if open_block != Some(cue.block) {
            if open_block.is_some() {
                html.push_str("</p>\n");
            }
            open_block = Some(cue.block);
            let _ = write!(html, "<p class=\"kind-{}\">", kind_class(cue.kind));
        } else {
            html.push(' ');
        }
        let _ = write!(
            html,
            "<span class=\"cue\" role=\"button\" tabindex=\"{}\" id=\"{id}-s{}\" data-start=\"{:.3}\" \
             data-end=\"{:.3}\">{}</span>",
            if i == 0 { 0 } else { -1 },
            i + 1,
            cue.start_s,
            cue.end_s,
            escape(&cue.text)
        );
    }
    if open_block.is_some() {
        html.push_str("</p>\n");
    }
    html.push_str("</div>\n</section>\n");
}

/// The page of a publication root: every edition, newest first.
pub fn root_page(title: &str, editions: &[EditionRef]) -> String {
    let title = escape(&one_line(title));
    let mut html = head(&title, FEED_FILE);
    html.push_str("<a class=\"skip\" href=\"#main\">انتقل إلى المحتوى</a>\n<header>\n");
    let _ = writeln!(html, "<h1>{title}</h1>");
    let _ = writeln!(
        html,
        "<p><a href=\"{FEED_FILE}\">اشترك في البودكاست (RSS)</a>: انسخ رابطه في تطبيق البودكاست.</p>\n</header>"
    );
    html.push_str(
        "<main id=\"main\" tabindex=\"-1\">\n<h2>النشرات</h2>\n<ol class=\"editions\">\n",
    );
    for edition in editions {
        let manifest = &edition.manifest;
        let page = RelPath::parse(PAGE_FILE).and_then(|p| edition.from_root(&p)).map(|p| p.href());
        let Ok(page) = page else { continue };
        let _ = write!(
            html,
            "<li><a href=\"{}\">{}</a>",
            escape(&page),
            escape(&one_line(&manifest.title))
        );
        if let Some(date) = manifest.date {
            let _ = write!(html, " · <time datetime=\"{date}\"><bdi>{date}</bdi></time>");
        }
        let total: f64 = manifest.articles.iter().map(|a| a.duration_s).sum::<f64>()
            + manifest.bulletin.as_ref().map_or(0.0, |b| b.duration_s);
        let _ = write!(
            html,
            " · {} {} · <bdi>{}</bdi>",
            manifest.articles.len(),
            if manifest.articles.len() == 1 { "مقال" } else { "مقالات" },
            clock(total)
        );
        if edition.dir.join(daisy::NCC_FILE).is_file() {
            if let Ok(ncc) = RelPath::parse(daisy::NCC_FILE).and_then(|p| edition.from_root(&p)) {
                let _ = write!(html, " · <a href=\"{}\">DAISY</a>", escape(&ncc.href()));
            }
        }
        html.push_str("</li>\n");
    }
    html.push_str("</ol>\n</main>\n");
    let _ = write!(
        html,
        "<footer><p>صُنعت بواسطة nashra {}.</p></footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    html
}

fn head(title: &str, feed: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"ar\" dir=\"rtl\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"nashra {}\">\n<title>{title}</title>\n\
         <link rel=\"alternate\" type=\"application/rss+xml\" title=\"{title}\" href=\"{}\">\n\
         <style>\n{CSS}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        escape(feed)
    )
}

/// `m:ss`, or `h:mm:ss` from an hour on.
pub fn clock(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

fn kind_class(kind: BlockKind) -> &'static str {
    match kind {
        BlockKind::Title => "title",
        BlockKind::Dateline => "dateline",
        BlockKind::Author => "author",
        BlockKind::Paragraph => "paragraph",
        BlockKind::Note => "note",
        BlockKind::Intro => "intro",
        BlockKind::Item => "item",
    }
}

/// Keeps `[A-Za-z0-9_-]` (file stems already are), so an id never needs escaping in a URL
/// fragment or a CSS selector.
fn id_safe(stem: &str) -> String {
    stem.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::programme::{programmes, tests::sample_manifest};
    use scraper::{Html, Selector};

    fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
        doc.select(&Selector::parse(css).unwrap()).collect()
    }

    fn links() -> EditionLinks {
        EditionLinks { home: Some("../index.html".into()), feed: "../feed.xml".into(), daisy: None }
    }

    #[test]
    fn edition_page_is_arabic_rtl_with_a_heading_player_and_transcript_per_programme() {
        let manifest = sample_manifest();
        let all = programmes(&manifest).unwrap();
        let doc = Html::parse_document(&edition_page(&manifest, &all, &links()));
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        let html = select(&doc, "html")[0];
        assert_eq!((html.attr("lang"), html.attr("dir")), (Some("ar"), Some("rtl")));
        assert_eq!(select(&doc, "h1")[0].text().collect::<String>(), "نشرة الصباح");
        let headings: Vec<String> =
            select(&doc, "section.programme > h2").iter().map(|h| h.text().collect()).collect();
        assert_eq!(headings, ["موجز العناوين", "هل أعدت روسيا حماس؟", "خبر ثان"]);
        let audio: Vec<&str> = select(&doc, "section.programme audio[controls]")
            .iter()
            .map(|a| a.attr("src").unwrap())
            .collect();
        assert_eq!(audio, ["bulletin.wav", "01-hl.wav", "02-khbr.wav"]);
        let cues = select(&doc, "#a-01-hl .cue");
        assert_eq!(cues.len(), 5);
        assert_eq!(cues[3].text().collect::<String>(), "وقال RT إن الزيارة مهمة.");
        assert_eq!(
            (cues[3].attr("data-start"), cues[3].attr("data-end")),
            (Some("6.350"), Some("8.000"))
        );
        assert_eq!(cues[3].attr("role"), Some("button"));
        // One Tab stop per transcript.
        let stops: Vec<&str> = cues.iter().map(|c| c.attr("tabindex").unwrap()).collect();
        assert_eq!(stops, ["0", "-1", "-1", "-1", "-1"]);
        // Sentences of one block share a paragraph.
        assert_eq!(select(&doc, "#a-01-hl .transcript p").len(), 4);
        assert_eq!(
            select(&doc, "#a-01-hl .transcript p")[2]
                .select(&Selector::parse(".cue").unwrap())
                .count(),
            2
        );
        // No external resources: no src or href leaves the folder or names a scheme.
        for el in select(&doc, "[src], [href]") {
            let url = el.attr("src").or(el.attr("href")).unwrap();
            assert!(!url.contains("://") && !url.starts_with("//"), "external resource {url}");
        }
        assert!(select(&doc, "script[src], link[rel=stylesheet]").is_empty());
        assert_eq!(select(&doc, "a[href='../index.html']").len(), 1);
    }

    #[test]
    fn hostile_strings_are_escaped_everywhere() {
        let mut manifest = sample_manifest();
        let nasty = "<script>alert(1)</script> & \"q\" 'a' \u{200E}LTR\u{200F} \u{1}";
        manifest.title = nasty.into();
        manifest.articles[0].title = nasty.into();
        manifest.articles[0].author = Some(nasty.into());
        manifest.articles[0].sentences[2].text = nasty.into();
        manifest.voice.name = nasty.into();
        let all = programmes(&manifest).unwrap();
        let page = edition_page(&manifest, &all, &links());
        assert!(!page.contains("<script>alert"), "raw markup in the page");
        let doc = Html::parse_document(&page);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        let clean = "<script>alert(1)</script> & \"q\" 'a' \u{200E}LTR\u{200F}";
        assert_eq!(select(&doc, "h1")[0].text().collect::<String>(), clean);
        assert_eq!(select(&doc, "#a-01-hl-s3")[0].text().collect::<String>(), clean);
        assert_eq!(select(&doc, "script").len(), 1, "only nashra's own script");
        let mut root_manifest = manifest.clone();
        root_manifest.title = nasty.into();
        let editions = [EditionRef::in_root(std::path::Path::new("/r"), "d", root_manifest)];
        let root = Html::parse_document(&root_page(nasty, &editions));
        assert!(root.errors.is_empty(), "{:?}", root.errors);
        assert_eq!(select(&root, "h1")[0].text().collect::<String>(), clean);
        assert_eq!(select(&root, "ol.editions a")[0].attr("href"), Some("d/index.html"));
    }

    #[test]
    fn root_page_lists_editions_in_the_given_order() {
        let mut a = sample_manifest();
        a.title = "الأولى".into();
        let mut b = sample_manifest();
        b.title = "الثانية".into();
        b.date = None;
        let editions = [
            EditionRef::in_root(std::path::Path::new("/r"), "2023-11-06", a),
            EditionRef::in_root(std::path::Path::new("/r"), "old", b),
        ];
        let doc = Html::parse_document(&root_page("جريدة", &editions));
        let items: Vec<String> =
            select(&doc, "ol.editions li").iter().map(|li| li.text().collect()).collect();
        assert_eq!(items[0], "الأولى · 2023-11-06 · 2 مقالات · 0:24");
        assert_eq!(items[1], "الثانية · 2 مقالات · 0:24");
        let html = select(&doc, "html")[0];
        assert_eq!((html.attr("lang"), html.attr("dir")), (Some("ar"), Some("rtl")));
    }

    #[test]
    fn clock_formats_minutes_and_hours() {
        assert_eq!(clock(0.4), "0:00");
        assert_eq!(clock(499.478), "8:19");
        assert_eq!(clock(3723.0), "1:02:03");
    }
}
