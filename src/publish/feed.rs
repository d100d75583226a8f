//! The podcast feed: RSS 2.0 with the iTunes and Podcasting 2.0 namespaces.
//!
//! In: the editions of a publication root, newest first (already cut to the feed's maximum), and
//! the channel's title and base URL. Out: `feed.xml`'s text, one `<item>` per programme (the full
//! edition when there is one, the bulletin, each article), newest edition first.
//!
//! Must never happen: an enclosure whose file is missing, whose `length` is not its size in
//! bytes, or whose `type` does not match its extension; a `guid` that changes when the same
//! edition is rendered again or moved to another server (podcast apps would list it twice); a
//! transcript or chapters link to a file that is not there; an unescaped user string (every
//! string goes through quick-xml's escaping writer, after [`super::xml_safe`]).
//!
//! Tags, by what the podcast directories ask for (DESIGN §4):
//! - channel: `title`, `link`, `description`, `language` (`ar`), `generator`, `lastBuildDate`
//!   (the newest render, so an unchanged root gives an unchanged feed), `image`,
//!   `itunes:image`, `itunes:author`, `itunes:category` (News › Daily News), `itunes:explicit`,
//!   `itunes:type` (episodic); with a base URL also `atom:link rel="self"` and `podcast:guid`
//!   (the UUIDv5 of the feed URL, as the Podcasting 2.0 namespace defines it);
//! - item: `title`, `itunes:title`, `description`, `link` (the edition page), `guid`
//!   (`isPermaLink="false"`), `pubDate` (RFC 2822), `enclosure` (`url`, `length` in bytes,
//!   `type`), `itunes:duration` (whole seconds), `itunes:episodeType`, `itunes:explicit`,
//!   `itunes:author`, `itunes:image`, `podcast:transcript` (WebVTT and SRT, `rel="captions"`),
//!   `podcast:chapters` (JSON chapters 1.2.0).
//!
//! **Dates.** An edition's items are dated at noon UTC of the edition date, which is the same
//! calendar day for listeners from UTC−11 to UTC+11; within an edition each programme is one
//! second older than the one before it, so apps that sort by date keep the listening order.
//! Undated editions use their render time. Re-rendering an edition therefore keeps both its
//! `guid`s and its `pubDate`s.

use std::io;

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use sha2::{Digest, Sha256};

use super::links::{audio_type, BaseUrl, RelPath};
use super::programme::{one_line, programmes, Programme, ProgrammeKind, BULLETIN_TITLE};
use super::{chapters, page, xml_safe, EditionRef, PublishError, COVER_FILE, PAGE_FILE};
use crate::edition::BlockKind;

/// Extension of the chapters file written beside each audio file (`01-a.chapters.json`).
pub const CHAPTERS_EXTENSION: &str = "chapters.json";

/// The Podcasting 2.0 namespace's UUID for `podcast:guid` (UUIDv5 over the feed URL).
const PODCAST_GUID_NAMESPACE: uuid::Uuid = uuid::uuid!("ead4c236-bf58-58c6-a2c6-a6b28d128cb6");

const ITUNES_NS: &str = "http://www.itunes.com/dtds/podcast-1.0.dtd";
const PODCAST_NS: &str = "https://podcastindex.org/namespace/1.0";
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

/// Longest item description, in characters.
const DESCRIPTION_CHARS: usize = 600;

/// The channel: who publishes, and from where.
#[derive(Debug, Clone)]
pub struct Channel<'a> {
    pub title: String,
    pub base: Option<&'a BaseUrl>,
}

impl<'a> Channel<'a> {
    pub fn new(title: &str, base: Option<&'a BaseUrl>) -> Self {
        Self { title: xml_safe(&one_line(title)), base }
    }

    fn url(&self, path: &str) -> Result<String, PublishError> {
        Ok(RelPath::parse(path)?.url(self.base))
    }
}

/// A written feed and what was left out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rss {
    pub xml: String,
    /// One line per programme left out (its audio missing, or in a format feeds cannot carry).
    pub warnings: Vec<String>,
}

/// The feed for `editions` (newest first).
pub fn rss(channel: &Channel, editions: &[EditionRef]) -> Result<Rss, PublishError> {
    let mut warnings = Vec::new();
    let mut items = Vec::new();
    for edition in editions {
        for (position, programme) in programmes(&edition.manifest)?.iter().enumerate() {
            match item(channel, edition, programme, position)? {
                Ok(item) => items.push(item),
                Err(warning) => warnings.push(warning),
            }
        }
    }
    let xml = render(channel, editions, &items)
        .map_err(|source| PublishError::Write { path: super::FEED_FILE.into(), source })?;
    Ok(Rss { xml, warnings })
}

/// One `<item>`, ready to write.
#[derive(Debug, Clone)]
struct Item {
    title: String,
    description: String,
    link: String,
    guid: String,
    pub_date: String,
    enclosure_url: String,
    enclosure_length: u64,
    enclosure_type: &'static str,
    duration: u64,
    author: Option<String>,
    transcripts: Vec<(String, &'static str)>,
    chapters: Option<String>,
}

/// The item of `programme`, or why it is left out.
fn item(
    channel: &Channel,
    edition: &EditionRef,
    programme: &Programme,
    position: usize,
) -> Result<Result<Item, String>, PublishError> {
    let manifest = &edition.manifest;
    let audio_file = programme.audio.join_to(&edition.dir);
    let Some(enclosure_type) = audio_type(&programme.audio) else {
        return Ok(Err(format!(
            "{} is left out of the feed: not a podcast audio format",
            audio_file.display()
        )));
    };
    let Ok(meta) = std::fs::metadata(&audio_file) else {
        return Ok(Err(format!(
            "{} is left out of the feed: the file is missing",
            audio_file.display()
        )));
    };
    let url = |rel: &RelPath| -> Result<String, PublishError> {
        Ok(edition.from_root(rel)?.url(channel.base))
    };
    let sidecar = |extension: &str| -> Result<Option<String>, PublishError> {
        let rel = RelPath::parse(&format!("{}.{extension}", programme.stem))?;
        Ok(if rel.join_to(&edition.dir).is_file() { Some(url(&rel)?) } else { None })
    };
    let mut transcripts = Vec::new();
    if let Some(vtt) = sidecar("vtt")? {
        transcripts.push((vtt, "text/vtt"));
    }
    if let Some(srt) = sidecar("srt")? {
        transcripts.push((srt, "application/x-subrip"));
    }
    let date_label = manifest.date.map(|d| d.to_string());
    let edition_title = xml_safe(&one_line(&manifest.title));
    let title = match (programme.kind, &date_label) {
        (ProgrammeKind::Article, _) => xml_safe(&programme.title),
        (ProgrammeKind::Bulletin, Some(date)) => {
            format!("{BULLETIN_TITLE}: {edition_title} {date}")
        }
        (ProgrammeKind::Bulletin, None) => format!("{BULLETIN_TITLE}: {edition_title}"),
        (ProgrammeKind::Full, Some(date)) => format!("{edition_title} {date}"),
        (ProgrammeKind::Full, None) => edition_title.clone(),
    };
    let author =
        programme.article.and_then(|a| a.author.as_deref()).map(|a| xml_safe(&one_line(a)));
    Ok(Ok(Item {
        title,
        description: description(edition, programme),
        link: format!("{}#{}", url(&RelPath::parse(PAGE_FILE)?)?, page::anchor(programme)),
        guid: guid(edition, programme),
        pub_date: pub_date(edition, position).to_rfc2822(),
        enclosure_url: url(&programme.audio)?,
        enclosure_length: meta.len(),
        enclosure_type,
        duration: programme.duration_s.round().max(1.0) as u64,
        author,
        transcripts,
        chapters: sidecar(CHAPTERS_EXTENSION)?,
    }))
}

/// A guid that depends only on what the edition is (its date, title and the programme's file
/// stem), never on where it is served from or when it was rendered.
pub fn guid(edition: &EditionRef, programme: &Programme) -> String {
    format!("nashra:{}:{}", edition_key(&edition.manifest), programme.stem)
}

/// `2023-11-06-1a2b3c4d`: the edition date and the start of a hash of its title, so that a
/// morning and an evening edition of one day differ when their titles do.
pub fn edition_key(manifest: &super::Manifest) -> String {
    let hash = Sha256::digest(one_line(&manifest.title).as_bytes());
    let short: String = hash[..4].iter().map(|b| format!("{b:02x}")).collect();
    match manifest.date {
        Some(date) => format!("{date}-{short}"),
        None => format!("undated-{short}"),
    }
}

/// Noon UTC of the edition date (or the render time), minus one second per earlier programme.
pub fn pub_date(edition: &EditionRef, position: usize) -> DateTime<Utc> {
    let manifest = &edition.manifest;
    let base = match manifest.date {
        Some(date) => date.and_time(NaiveTime::MIN + TimeDelta::hours(12)).and_utc(),
        None => manifest.generated_at,
    };
    base - TimeDelta::seconds(position as i64)
}

/// Plain text: an article's dateline and author, then its opening sentences; the headlines of a
/// bulletin or full edition. Then a note that the voice is synthetic.
fn description(edition: &EditionRef, programme: &Programme) -> String {
    let mut text = match programme.article {
        Some(article) => {
            let mut parts: Vec<String> = Vec::new();
            let byline: Vec<&str> = [article.dateline.as_deref(), article.author.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            if !byline.is_empty() {
                parts.push(one_line(&byline.join(" · ")));
            }
            let body: Vec<&str> = programme
                .cues
                .iter()
                .filter(|c| c.kind == BlockKind::Paragraph)
                .map(|c| c.text.as_str())
                .collect();
            parts.push(body.join(" "));
            parts.join("\n")
        }
        None => {
            let manifest = &edition.manifest;
            let mut titles: Vec<String> = Vec::new();
            if programme.kind == ProgrammeKind::Full || manifest.bulletin.is_none() {
                titles.extend(manifest.articles.iter().map(|a| one_line(&a.title)));
            } else if let Some(bulletin) = &manifest.bulletin {
                titles.extend(bulletin.items.iter().map(|i| one_line(&i.title)));
            }
            titles.join("؛ ")
        }
    };
    if text.chars().count() > DESCRIPTION_CHARS {
        text = text.chars().take(DESCRIPTION_CHARS).collect::<String>() + "…";
    }
    let voice = &edition.manifest.voice;
    text.push_str(&format!("\n(قراءة آلية بصوت {})", one_line(&voice.name)));
    xml_safe(&text)
}

fn render(channel: &Channel, editions: &[EditionRef], items: &[Item]) -> io::Result<String> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("rss")
        .with_attribute(("version", "2.0"))
        .with_attribute(("xmlns:itunes", ITUNES_NS))
        .with_attribute(("xmlns:podcast", PODCAST_NS))
        .with_attribute(("xmlns:atom", ATOM_NS))
        .write_inner_content(|w| {
            w.create_element("channel")
                .write_inner_content(|w| write_channel(w, channel, editions, items))?;
            Ok(())
        })?;
    let mut xml = String::from_utf8(w.into_inner()).map_err(io::Error::other)?;
    xml.push('\n');
    Ok(xml)
}

fn text_element(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name).write_text_content(BytesText::new(text))?;
    Ok(())
}

fn write_channel(
    w: &mut Writer<Vec<u8>>,
    channel: &Channel,
    editions: &[EditionRef],
    items: &[Item],
) -> io::Result<()> {
    let url = |path: &str| channel.url(path).map_err(io::Error::other);
    let home = match channel.base {
        Some(base) => base.as_str().to_owned(),
        None => url(PAGE_FILE)?,
    };
    let cover = url(COVER_FILE)?;
    let title = channel.title.as_str();
    text_element(w, "title", title)?;
    text_element(w, "link", &home)?;
    text_element(
        w,
        "description",
        &format!(
            "{title}: أخبار مقروءة بصوت آلي، مع نص كل خبر وتوقيت كل جملة. \
             Arabic news read by a synthetic voice, with a timed transcript of every article."
        ),
    )?;
    text_element(w, "language", "ar")?;
    text_element(w, "generator", &format!("nashra {}", env!("CARGO_PKG_VERSION")))?;
    if let Some(newest) = editions.iter().map(|e| e.manifest.generated_at).max() {
        text_element(w, "lastBuildDate", &newest.to_rfc2822())?;
    }
    if let Some(base) = channel.base {
        let feed_url = format!("{base}{}", super::FEED_FILE);
        w.create_element("atom:link")
            .with_attribute(("href", feed_url.as_str()))
            .with_attribute(("rel", "self"))
            .with_attribute(("type", "application/rss+xml"))
            .write_empty()?;
        text_element(w, "podcast:guid", &podcast_guid(&feed_url).to_string())?;
    }
    w.create_element("image").write_inner_content(|w| {
        text_element(w, "url", &cover)?;
        text_element(w, "title", title)?;
        text_element(w, "link", &home)
    })?;
    w.create_element("itunes:image").with_attribute(("href", cover.as_str())).write_empty()?;
    text_element(w, "itunes:author", title)?;
    w.create_element("itunes:category").with_attribute(("text", "News")).write_inner_content(
        |w| {
            w.create_element("itunes:category")
                .with_attribute(("text", "Daily News"))
                .write_empty()?;
            Ok(())
        },
    )?;
    text_element(w, "itunes:explicit", "false")?;
    text_element(w, "itunes:type", "episodic")?;
    for item in items {
        w.create_element("item").write_inner_content(|w| write_item(w, item, title, &cover))?;
    }
    Ok(())
}

fn write_item(
    w: &mut Writer<Vec<u8>>,
    item: &Item,
    channel_author: &str,
    cover: &str,
) -> io::Result<()> {
    text_element(w, "title", &item.title)?;
    text_element(w, "itunes:title", &item.title)?;
    text_element(w, "description", &item.description)?;
    text_element(w, "link", &item.link)?;
    w.create_element("guid")
        .with_attribute(("isPermaLink", "false"))
        .write_text_content(BytesText::new(&item.guid))?;
    text_element(w, "pubDate", &item.pub_date)?;
    let length = item.enclosure_length.to_string();
    w.create_element("enclosure")
        .with_attribute(("url", item.enclosure_url.as_str()))
        .with_attribute(("length", length.as_str()))
        .with_attribute(("type", item.enclosure_type))
        .write_empty()?;
    text_element(w, "itunes:duration", &item.duration.to_string())?;
    text_element(w, "itunes:episodeType", "full")?;
    text_element(w, "itunes:explicit", "false")?;
    text_element(w, "itunes:author", item.author.as_deref().unwrap_or(channel_author))?;
    w.create_element("itunes:image").with_attribute(("href", cover)).write_empty()?;
    for (url, mime) in &item.transcripts {
        w.create_element("podcast:transcript")
            .with_attribute(("url", url.as_str()))
            .with_attribute(("type", *mime))
            .with_attribute(("language", "ar"))
            .with_attribute(("rel", "captions"))
            .write_empty()?;
    }
    if let Some(url) = &item.chapters {
        w.create_element("podcast:chapters")
            .with_attribute(("url", url.as_str()))
            .with_attribute(("type", chapters::MIME_TYPE))
            .write_empty()?;
    }
    Ok(())
}

/// `podcast:guid`: UUIDv5 in the Podcasting 2.0 namespace over the feed URL without its scheme
/// and trailing slashes.
pub fn podcast_guid(feed_url: &str) -> uuid::Uuid {
    let bare = feed_url.split_once("://").map_or(feed_url, |(_, rest)| rest).trim_end_matches('/');
    uuid::Uuid::new_v5(&PODCAST_GUID_NAMESPACE, bare.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::programme::tests::sample_manifest;
    use quick_xml::events::Event as XmlEvent;
    use quick_xml::Reader;
    use std::collections::HashMap;

    /// The sample edition in `root/folder`, with audio files of known sizes and sidecar files.
    fn edition_on_disk(root: &std::path::Path, folder: &str) -> EditionRef {
        let edition = EditionRef::in_root(root, folder, sample_manifest());
        std::fs::create_dir_all(&edition.dir).unwrap();
        for (name, size) in [("bulletin.wav", 1000), ("01-hl.wav", 2345), ("02-khbr.wav", 77)] {
            std::fs::write(edition.dir.join(name), vec![0u8; size]).unwrap();
        }
        for name in ["bulletin.vtt", "01-hl.vtt", "01-hl.srt", "01-hl.chapters.json"] {
            std::fs::write(edition.dir.join(name), "x").unwrap();
        }
        edition
    }

    /// Every element as (path, attributes, text), read back with quick-xml.
    #[allow(deprecated)] // quick-xml 0.41 prefers the XML-1.1-aware normalized_value; these files are XML 1.0
    fn elements(xml: &str) -> Vec<(String, HashMap<String, String>, String)> {
        let mut reader = Reader::from_str(xml);
        let mut stack: Vec<String> = Vec::new();
        let mut out: Vec<(String, HashMap<String, String>, String)> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        loop {
            match reader.read_event().unwrap() {
                XmlEvent::Start(e) | XmlEvent::Empty(e) => {
                    let empty = xml[..reader.buffer_position() as usize].ends_with("/>");
                    let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                    let attrs = e
                        .attributes()
                        .map(|a| {
                            let a = a.unwrap();
                            (
                                String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                                a.unescape_value().unwrap().into_owned(),
                            )
                        })
                        .collect();
                    stack.push(name);
                    out.push((stack.join("/"), attrs, String::new()));
                    if empty {
                        stack.pop();
                    } else {
                        open.push(out.len() - 1);
                    }
                }
                XmlEvent::Text(t) => {
                    if let Some(&i) = open.last() {
                        out[i].2.push_str(&t.decode().unwrap());
                    }
                }
                XmlEvent::GeneralRef(r) => {
                    let name = String::from_utf8_lossy(r.as_ref());
                    let ch = quick_xml::escape::resolve_xml_entity(&name)
                        .unwrap_or_else(|| panic!("unexpected entity {name}"));
                    if let Some(&i) = open.last() {
                        out[i].2.push_str(ch);
                    }
                }
                XmlEvent::End(_) => {
                    stack.pop();
                    open.pop();
                }
                XmlEvent::Eof => break,
                _ => {}
            }
        }
        out
    }

    #[test]
    fn feed_has_every_required_tag_and_true_enclosure_sizes() {
        let root = tempfile::tempdir().unwrap();
        let edition = edition_on_disk(root.path(), "2023-11-06");
        let base = BaseUrl::parse("https://example.org/news").unwrap();
        let channel = Channel::new("جريدة <المدى> & \"الناس\"", Some(&base));
        let rss = rss(&channel, std::slice::from_ref(&edition)).unwrap();
        assert!(rss.warnings.is_empty(), "{:?}", rss.warnings);
        let els = elements(&rss.xml);
        let find = |path: &'static str| els.iter().filter(move |(p, _, _)| p == path);
        let one =
            |path: &'static str| find(path).next().unwrap_or_else(|| panic!("no {path}")).clone();

        assert_eq!(one("rss").1["version"], "2.0");
        assert_eq!(one("rss").1["xmlns:itunes"], ITUNES_NS);
        assert_eq!(one("rss").1["xmlns:podcast"], PODCAST_NS);
        assert_eq!(one("rss/channel/title").2, "جريدة <المدى> & \"الناس\"");
        assert_eq!(one("rss/channel/link").2, "https://example.org/news/");
        assert_eq!(one("rss/channel/language").2, "ar");
        assert_eq!(one("rss/channel/itunes:image").1["href"], "https://example.org/news/cover.png");
        assert_eq!(one("rss/channel/itunes:category").1["text"], "News");
        assert_eq!(one("rss/channel/itunes:category/itunes:category").1["text"], "Daily News");
        assert_eq!(one("rss/channel/itunes:explicit").2, "false");
        assert_eq!(one("rss/channel/itunes:author").2, "جريدة <المدى> & \"الناس\"");
        assert!(one("rss/channel/description").2.starts_with("جريدة <المدى>"));
        assert_eq!(one("rss/channel/atom:link").1["href"], "https://example.org/news/feed.xml");
        assert_eq!(one("rss/channel/lastBuildDate").2, "Mon, 6 Nov 2023 08:30:00 +0000");
        assert_eq!(
            one("rss/channel/podcast:guid").2,
            podcast_guid("https://example.org/news/feed.xml").to_string()
        );

        let titles: Vec<&str> =
            find("rss/channel/item/title").map(|(_, _, t)| t.as_str()).collect();
        assert_eq!(
            titles,
            ["موجز العناوين: نشرة الصباح 2023-11-06", "هل أعدت روسيا حماس؟", "خبر ثان"]
        );
        let enclosures: Vec<(String, String, String)> = find("rss/channel/item/enclosure")
            .map(|(_, a, _)| (a["url"].clone(), a["length"].clone(), a["type"].clone()))
            .collect();
        assert_eq!(
            enclosures,
            [
                (
                    "https://example.org/news/2023-11-06/bulletin.wav".into(),
                    "1000".into(),
                    "audio/wav".into()
                ),
                (
                    "https://example.org/news/2023-11-06/01-hl.wav".into(),
                    "2345".into(),
                    "audio/wav".into()
                ),
                (
                    "https://example.org/news/2023-11-06/02-khbr.wav".into(),
                    "77".into(),
                    "audio/wav".into()
                ),
            ]
        );
        let guids: Vec<&str> = find("rss/channel/item/guid").map(|(_, _, t)| t.as_str()).collect();
        let key = edition_key(&edition.manifest);
        assert_eq!(
            guids,
            [
                format!("nashra:{key}:bulletin"),
                format!("nashra:{key}:01-hl"),
                format!("nashra:{key}:02-khbr")
            ]
        );
        let dates: Vec<&str> =
            find("rss/channel/item/pubDate").map(|(_, _, t)| t.as_str()).collect();
        assert_eq!(
            dates,
            [
                "Mon, 6 Nov 2023 12:00:00 +0000",
                "Mon, 6 Nov 2023 11:59:59 +0000",
                "Mon, 6 Nov 2023 11:59:58 +0000"
            ]
        );
        let durations: Vec<&str> =
            find("rss/channel/item/itunes:duration").map(|(_, _, t)| t.as_str()).collect();
        assert_eq!(durations, ["8", "12", "4"]);
        let transcripts: Vec<(String, String)> = find("rss/channel/item/podcast:transcript")
            .map(|(_, a, _)| (a["url"].clone(), a["type"].clone()))
            .collect();
        // Only the sidecar files that exist are linked.
        assert_eq!(
            transcripts,
            [
                ("https://example.org/news/2023-11-06/bulletin.vtt".into(), "text/vtt".into()),
                ("https://example.org/news/2023-11-06/01-hl.vtt".into(), "text/vtt".into()),
                (
                    "https://example.org/news/2023-11-06/01-hl.srt".into(),
                    "application/x-subrip".into()
                ),
            ]
        );
        let chapters: Vec<(String, String)> = find("rss/channel/item/podcast:chapters")
            .map(|(_, a, _)| (a["url"].clone(), a["type"].clone()))
            .collect();
        assert_eq!(
            chapters,
            [(
                "https://example.org/news/2023-11-06/01-hl.chapters.json".into(),
                "application/json+chapters".into()
            )]
        );
        let links: Vec<&str> = find("rss/channel/item/link").map(|(_, _, t)| t.as_str()).collect();
        assert_eq!(links[1], "https://example.org/news/2023-11-06/index.html#a-01-hl");
        let descriptions: Vec<&str> =
            find("rss/channel/item/description").map(|(_, _, t)| t.as_str()).collect();
        assert!(
            descriptions[1].starts_with("6-تشرين الثاني-2023 · مارك تمنيكي\nسافر الوفد إلى موسكو."),
            "{}",
            descriptions[1]
        );
        assert!(descriptions[0].starts_with("هل أعدت روسيا حماس؟؛ خبر ثان"), "{}", descriptions[0]);
        assert_eq!(find("rss/channel/item/itunes:author").nth(1).unwrap().2, "مارك تمنيكي");
    }

    #[test]
    fn guids_do_not_depend_on_the_server_or_the_render_time() {
        let root = tempfile::tempdir().unwrap();
        let mut edition = edition_on_disk(root.path(), "2023-11-06");
        let a = BaseUrl::parse("https://a.org").unwrap();
        let b = BaseUrl::parse("http://127.0.0.1:8000").unwrap();
        let guids = |edition: &EditionRef, base| {
            let xml =
                rss(&Channel::new("x", Some(base)), std::slice::from_ref(edition)).unwrap().xml;
            elements(&xml)
                .into_iter()
                .filter(|(p, _, _)| p.ends_with("/guid"))
                .map(|(_, _, t)| t)
                .collect::<Vec<_>>()
        };
        let first = guids(&edition, &a);
        edition.manifest.generated_at += TimeDelta::days(3);
        assert_eq!(guids(&edition, &b), first);
        edition.manifest.title = "نشرة المساء".into();
        assert_ne!(guids(&edition, &a), first, "another edition title is another edition");
    }

    #[test]
    fn programmes_without_audio_are_left_out_with_a_warning() {
        let root = tempfile::tempdir().unwrap();
        let edition = edition_on_disk(root.path(), "d");
        std::fs::remove_file(edition.dir.join("02-khbr.wav")).unwrap();
        let rss = rss(&Channel::new("x", None), std::slice::from_ref(&edition)).unwrap();
        assert_eq!(rss.warnings.len(), 1);
        assert!(rss.warnings[0].contains("02-khbr.wav") && rss.warnings[0].contains("missing"));
        let els = elements(&rss.xml);
        let urls: Vec<&str> = els
            .iter()
            .filter(|(p, _, _)| p.ends_with("/enclosure"))
            .map(|(_, a, _)| a["url"].as_str())
            .collect();
        assert_eq!(urls, ["d/bulletin.wav", "d/01-hl.wav"], "relative without a base URL");
    }

    #[test]
    fn podcast_guid_ignores_scheme_and_trailing_slash() {
        assert_eq!(podcast_guid("https://a.org/feed.xml/"), podcast_guid("http://a.org/feed.xml"));
        assert_eq!(podcast_guid("https://a.org/feed.xml").get_version_num(), 5);
    }
}
