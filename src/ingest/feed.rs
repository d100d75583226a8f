//! RSS 2.0 (and RSS 1.0 / RDF) and Atom feeds.
//!
//! In: the XML text of a feed. Out: a [`Feed`]: its title and, per item, the title, link, date,
//! author and the HTML or text the item carries (`content:encoded`, `description`, Atom
//! `content`/`summary`), in feed order. Turning items into articles (HTML extraction, fetching a
//! linked page) is the caller's job; [`select`] picks the newest items or those since a date.
//!
//! Namespaces are resolved (an item's `content:encoded` is recognised by its namespace URI, not
//! its prefix). Entities are resolved, HTML ones included (`&nbsp;` is common in feeds although
//! XML does not define it). Never: guess a date, or drop an item silently (an item without a
//! title is kept with an empty one, and the caller reports it).

use chrono::{DateTime, FixedOffset, NaiveDate};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::NsReader;
use quick_xml::XmlVersion;

use super::date::{parse_date, parse_instant};

const ATOM: &[u8] = b"http://www.w3.org/2005/Atom";
const CONTENT: &[u8] = b"http://purl.org/rss/1.0/modules/content/";
const DUBLIN_CORE: &[u8] = b"http://purl.org/dc/elements/1.1/";
const RDF: &[u8] = b"http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const RSS1: &[u8] = b"http://purl.org/rss/1.0/";

/// Why a feed could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    #[error("not well-formed XML near byte {position}: {message}")]
    Xml { position: u64, message: String },
    #[error("not an RSS or Atom feed (the root element is <{root}>)")]
    NotAFeed { root: String },
}

/// A feed as printed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Feed {
    pub title: Option<String>,
    pub items: Vec<FeedItem>,
}

/// What an item carries: HTML (most feeds) or plain text (Atom `type="text"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    Html(String),
    Plain(String),
}

impl Text {
    fn is_blank(&self) -> bool {
        match self {
            Text::Html(s) | Text::Plain(s) => s.trim().is_empty(),
        }
    }
}

/// One item (RSS) or entry (Atom).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedItem {
    /// 1-based position in the feed, for messages and the article's source.
    pub position: usize,
    /// The title as text (markup in a title is removed).
    pub title: String,
    pub link: Option<String>,
    /// Publication date, in the offset the feed wrote.
    pub date: Option<NaiveDate>,
    /// The moment of publication, for ordering items of one day.
    pub published: Option<DateTime<FixedOffset>>,
    pub author: Option<String>,
    /// The full text: RSS `content:encoded`, Atom `content`.
    pub content: Option<Text>,
    /// The summary: RSS `description`, Atom `summary`.
    pub summary: Option<Text>,
}

/// Which items to take from a feed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Selection {
    /// Only the newest `n` items.
    pub newest: Option<usize>,
    /// Only items published on or after this date (undated items are left out).
    pub since: Option<NaiveDate>,
}

/// The items `selection` asks for, newest first; items without a date come after dated ones, in
/// feed order. Without a selection every item is kept, in that order.
pub fn select(items: Vec<FeedItem>, selection: Selection) -> Vec<FeedItem> {
    let mut items: Vec<FeedItem> = items
        .into_iter()
        .filter(|item| selection.since.is_none_or(|since| item.date.is_some_and(|d| d >= since)))
        .collect();
    // Stable: equal instants keep feed order.
    items.sort_by(|a, b| match (a.published, b.published) {
        (Some(a), Some(b)) => b.cmp(&a),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    if let Some(n) = selection.newest {
        items.truncate(n);
    }
    items
}

/// The fields an item's child element fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Title,
    Link,
    Date,
    /// Atom `updated`: the date when there is no `published`.
    Updated,
    Author,
    Content(Kind),
    Summary(Kind),
    FeedTitle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Html,
    Plain,
}

/// Namespaces the parser cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    None,
    Atom,
    Content,
    DublinCore,
    Rdf,
    Rss1,
    Other,
}

fn ns_of(resolved: &ResolveResult<'_>) -> Ns {
    match resolved {
        ResolveResult::Bound(Namespace(uri)) => match *uri {
            ATOM => Ns::Atom,
            CONTENT => Ns::Content,
            DUBLIN_CORE => Ns::DublinCore,
            RDF => Ns::Rdf,
            RSS1 => Ns::Rss1,
            _ => Ns::Other,
        },
        ResolveResult::Unbound => Ns::None,
        ResolveResult::Unknown(_) => Ns::Other,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    Rss,
    Atom,
}

/// Parses a feed.
pub fn parse(xml: &str) -> Result<Feed, FeedError> {
    let mut reader = NsReader::from_str(xml);
    reader.config_mut().allow_dangling_amp = true;
    let mut parser = Parser::default();
    loop {
        let position = reader.buffer_position();
        let xml_error = |e: quick_xml::Error| FeedError::Xml { position, message: e.to_string() };
        let (resolved, event) = reader.read_resolved_event().map_err(xml_error)?;
        let ns = ns_of(&resolved);
        match event {
            Event::Start(start) => {
                let local = local_name(&start);
                if parser.flavour.is_none() {
                    parser.flavour = Some(flavour(ns, &local)?);
                }
                if let Some(raw) = parser.start(ns, &local, &start) {
                    // Atom XHTML content: the markup inside is the HTML.
                    let inner = reader.read_text(start.name()).map_err(xml_error)?;
                    let html = String::from_utf8_lossy(&inner).into_owned();
                    parser.set_xhtml(raw, html);
                    continue;
                }
                parser.depth += 1;
            }
            Event::Empty(start) => {
                let local = local_name(&start);
                if parser.flavour.is_none() {
                    parser.flavour = Some(flavour(ns, &local)?);
                }
                parser.empty(ns, &local, &start);
            }
            Event::End(_) => parser.end(),
            Event::Text(text) => {
                parser.push_text(&text.decode().map_err(|e| xml_error(e.into()))?);
            }
            Event::CData(data) => {
                parser.push_text(&data.decode().map_err(|e| xml_error(e.into()))?);
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = reference.decode().map_err(|e| xml_error(e.into()))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .map_or_else(|| format!("&{name};"), str::to_owned)
                    }
                };
                parser.push_text(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if parser.flavour.is_none() {
        return Err(FeedError::NotAFeed { root: String::new() });
    }
    Ok(parser.feed)
}

fn local_name(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.local_name().as_ref()).into_owned()
}

fn flavour(ns: Ns, local: &str) -> Result<Flavour, FeedError> {
    match (ns, local) {
        (Ns::None, "rss") | (Ns::Rdf, "RDF") => Ok(Flavour::Rss),
        (Ns::Atom, "feed") => Ok(Flavour::Atom),
        _ => Err(FeedError::NotAFeed { root: local.to_owned() }),
    }
}

fn attr(start: &BytesStart<'_>, name: &str) -> Option<String> {
    start
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name.as_bytes())
        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
}

/// The item being read and where the reader is.
#[derive(Debug, Default)]
struct Parser {
    flavour: Option<Flavour>,
    feed: Feed,
    /// Depth of the current element (the root is 1).
    depth: usize,
    /// The item being read and the depth of its element.
    item: Option<(FeedItem, usize)>,
    /// The field being read, its text so far and the depth of its element.
    field: Option<(Field, String, usize)>,
    /// Depth of the Atom `<author>` being read: its `<name>` is the author.
    author_block: Option<usize>,
    updated: Option<String>,
}

impl Parser {
    /// A start tag. Returns the field when the element's content must be read raw (Atom XHTML).
    fn start(&mut self, ns: Ns, local: &str, start: &BytesStart<'_>) -> Option<Field> {
        let depth = self.depth + 1;
        let flavour = self.flavour?;
        let is_item = match flavour {
            Flavour::Rss => local == "item" && matches!(ns, Ns::None | Ns::Rss1),
            Flavour::Atom => local == "entry" && ns == Ns::Atom,
        };
        if is_item && self.item.is_none() {
            let position = self.feed.items.len() + 1;
            self.item = Some((FeedItem { position, ..FeedItem::default() }, depth));
            self.updated = None;
            return None;
        }
        let Some((_, item_depth)) = &self.item else {
            // Outside items: only the feed's own title matters.
            let feed_title = match flavour {
                Flavour::Rss => local == "title" && depth == 3,
                Flavour::Atom => local == "title" && ns == Ns::Atom && depth == 2,
            };
            if feed_title && self.feed.title.is_none() {
                self.field = Some((Field::FeedTitle, String::new(), depth));
            }
            return None;
        };
        if let Some(author_depth) = self.author_block {
            if local == "name" && ns == Ns::Atom && depth == author_depth + 1 {
                self.field = Some((Field::Author, String::new(), depth));
            }
            return None;
        }
        if depth != item_depth + 1 || self.field.is_some() {
            return None;
        }
        let field = match (flavour, ns, local) {
            (_, Ns::None | Ns::Rss1 | Ns::Atom, "title") => Field::Title,
            (Flavour::Rss, Ns::None | Ns::Rss1, "link") => Field::Link,
            (Flavour::Rss, Ns::None | Ns::Rss1, "description") => Field::Summary(Kind::Html),
            (Flavour::Rss, Ns::Content, "encoded") => Field::Content(Kind::Html),
            (Flavour::Rss, Ns::None, "pubDate") => Field::Date,
            (_, Ns::DublinCore, "date") => Field::Updated,
            (_, Ns::DublinCore, "creator") => Field::Author,
            (Flavour::Rss, Ns::None, "author") => Field::Author,
            (Flavour::Atom, Ns::Atom, "published") => Field::Date,
            (Flavour::Atom, Ns::Atom, "updated") => Field::Updated,
            (Flavour::Atom, Ns::Atom, "author") => {
                self.author_block = Some(depth);
                return None;
            }
            (Flavour::Atom, Ns::Atom, "content" | "summary") => {
                let kind = match attr(start, "type").as_deref() {
                    Some("html") | Some("text/html") => Kind::Html,
                    Some("xhtml") | Some("application/xhtml+xml") => {
                        return Some(if local == "content" {
                            Field::Content(Kind::Html)
                        } else {
                            Field::Summary(Kind::Html)
                        });
                    }
                    _ => Kind::Plain,
                };
                if local == "content" {
                    Field::Content(kind)
                } else {
                    Field::Summary(kind)
                }
            }
            _ => return None,
        };
        self.field = Some((field, String::new(), depth));
        None
    }

    /// Atom XHTML content read raw.
    fn set_xhtml(&mut self, field: Field, html: String) {
        if let Some((item, _)) = &mut self.item {
            match field {
                Field::Content(_) => item.content = Some(Text::Html(html)),
                _ => item.summary = Some(Text::Html(html)),
            }
        }
    }

    /// An empty element: Atom `<link rel="alternate" href="…"/>`.
    fn empty(&mut self, ns: Ns, local: &str, start: &BytesStart<'_>) {
        let depth = self.depth + 1;
        let Some((item, item_depth)) = &mut self.item else { return };
        if ns == Ns::Atom && local == "link" && depth == *item_depth + 1 && item.link.is_none() {
            let rel = attr(start, "rel");
            if rel.as_deref().is_none_or(|r| r == "alternate") {
                item.link = attr(start, "href");
            }
        }
    }

    fn push_text(&mut self, text: &str) {
        if let Some((_, buffer, _)) = &mut self.field {
            buffer.push_str(text);
        }
    }

    fn end(&mut self) {
        let depth = self.depth;
        self.depth = self.depth.saturating_sub(1);
        if let Some((field, text, field_depth)) = self.field.take() {
            if field_depth == depth {
                self.finish_field(field, text);
            } else {
                self.field = Some((field, text, field_depth));
            }
        }
        if self.author_block == Some(depth) {
            self.author_block = None;
        }
        if self.item.as_ref().is_some_and(|(_, item_depth)| *item_depth == depth) {
            if let Some((mut item, _)) = self.item.take() {
                if item.date.is_none() {
                    if let Some(updated) = self.updated.take() {
                        item.date = parse_date(&updated);
                        item.published = parse_instant(&updated);
                    }
                }
                self.feed.items.push(item);
            }
        }
    }

    fn finish_field(&mut self, field: Field, text: String) {
        if field == Field::FeedTitle {
            self.feed.title = Some(plain_title(&text)).filter(|t| !t.is_empty());
            return;
        }
        let Some((item, _)) = &mut self.item else { return };
        let trimmed = text.trim();
        match field {
            Field::Title => item.title = plain_title(trimmed),
            Field::Link => item.link = Some(trimmed.to_owned()).filter(|l| !l.is_empty()),
            Field::Date => {
                item.date = parse_date(trimmed);
                item.published = parse_instant(trimmed);
            }
            Field::Updated => self.updated = Some(trimmed.to_owned()),
            Field::Author => item.author = item.author.take().or_else(|| author_name(trimmed)),
            Field::Content(kind) => {
                item.content = Some(text_of(kind, text)).filter(|t| !t.is_blank())
            }
            Field::Summary(kind) => {
                item.summary = Some(text_of(kind, text)).filter(|t| !t.is_blank())
            }
            Field::FeedTitle => {}
        }
    }
}

fn text_of(kind: Kind, text: String) -> Text {
    match kind {
        Kind::Html => Text::Html(text),
        Kind::Plain => Text::Plain(text),
    }
}

/// A title as text: markup that some feeds put in titles (`<b>`, escaped or not) is removed.
fn plain_title(text: &str) -> String {
    if text.contains('<') {
        let doc = scraper::Html::parse_fragment(text);
        let joined: String = doc.root_element().text().collect();
        super::html::collapse(&joined)
    } else {
        super::html::collapse(text)
    }
}

/// RSS `author` is an e-mail address with the name in brackets (`news@x.com (سارة)`); `dc:creator`
/// and Atom `name` are names. An address alone is no name.
fn author_name(text: &str) -> Option<String> {
    let text = text.trim();
    if let (Some(open), Some(close)) = (text.find('('), text.rfind(')')) {
        if open < close && text[..open].contains('@') {
            let name = text[open + 1..close].trim();
            return (!name.is_empty()).then(|| name.to_owned());
        }
    }
    (!text.is_empty() && !text.contains('@')).then(|| super::html::collapse(text))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!("{}/tests/fixtures/feeds/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn rss_items_give_title_link_date_author_and_content() {
        let feed = parse(&fixture("rss2-wordpress.xml")).unwrap();
        assert_eq!(feed.title.as_deref(), Some("جريدة المدينة"));
        assert_eq!(feed.items.len(), 4);
        let first = &feed.items[0];
        assert_eq!(first.position, 1);
        assert_eq!(first.title, "بلدية المدينة تطلق مشروعا لتحديث شبكة المياه في الأحياء الشرقية");
        assert_eq!(first.link.as_deref(), Some("https://madina.example/2024/03/12/water-network/"));
        assert_eq!(first.date, ymd(2024, 3, 12));
        assert_eq!(first.author.as_deref(), Some("سارة الخطيب"));
        let Some(Text::Html(content)) = &first.content else { panic!("{:?}", first.content) };
        assert!(content.contains("<p>أعلنت بلدية المدينة"), "{content}");
        assert!(matches!(first.summary, Some(Text::Html(_))));
        // Character references and an HTML entity (&nbsp;) inside a title.
        assert_eq!(feed.items[1].title, "افتتاح مدرسة “النور” للبنات في حي الربوة");
        assert_eq!(
            feed.items[1].author.as_deref(),
            Some("نادر السعدي"),
            "from an RSS author address"
        );
        assert_eq!(feed.items[2].content, None);
        assert!(matches!(&feed.items[2].summary, Some(Text::Html(s)) if s.contains("سوق شعبي")));
        assert_eq!(feed.items[3].content, None);
        assert_eq!(feed.items[3].summary, None);
        assert_eq!(
            feed.items[3].link.as_deref(),
            Some("https://madina.example/2024/03/10/library/")
        );
    }

    #[test]
    fn atom_entries_read_html_text_and_xhtml_content_and_author_names() {
        let feed = parse(&fixture("atom.xml")).unwrap();
        assert_eq!(feed.title.as_deref(), Some("نبض المغرب العربي"));
        let titles: Vec<&str> = feed.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "تونس: انطلاق موسم جني الزيتون وسط توقعات بصابة قياسية",
                "الجزائر تتوقع ارتفاع إنتاج الزيتون بنسبة عشرين بالمئة",
                "المغرب: أمطار الخريف تنعش آمال الفلاحين",
            ]
        );
        let [a, b, c] = &feed.items[..] else { panic!() };
        assert_eq!(a.date, ymd(2023, 11, 14));
        assert_eq!(a.author.as_deref(), Some("ليلى بن عمر"));
        assert_eq!(a.link.as_deref(), Some("https://nabd.example/tunisia/olive-harvest-2023"));
        assert!(matches!(&a.content, Some(Text::Html(h)) if h.contains("<p>انطلق رسميا")));
        assert_eq!(b.date, ymd(2023, 11, 8), "updated stands in for a missing published");
        assert!(
            matches!(&b.content, Some(Text::Html(h)) if h.contains("<p>") && h.contains("الجزائر")),
            "{:?}",
            b.content
        );
        assert!(matches!(&c.content, Some(Text::Plain(t)) if t.contains("أمطار")));
    }

    #[test]
    fn selection_takes_the_newest_or_those_since_a_date() {
        let feed = parse(&fixture("rss2-wordpress.xml")).unwrap();
        let newest = select(feed.items.clone(), Selection { newest: Some(2), since: None });
        let dates: Vec<Option<NaiveDate>> = newest.iter().map(|i| i.date).collect();
        assert_eq!(dates, [ymd(2024, 3, 12), ymd(2024, 3, 12)]);
        assert_eq!(newest[0].position, 2, "the later of two items of one day comes first");
        let since = select(feed.items, Selection { newest: None, since: ymd(2024, 3, 11) });
        let positions: Vec<usize> = since.iter().map(|i| i.position).collect();
        assert_eq!(positions, [2, 1, 3]);
    }

    #[test]
    fn malformed_xml_and_other_documents_are_errors() {
        assert!(matches!(parse("<rss><channel><item><title>x</item>"), Err(FeedError::Xml { .. })));
        let err = parse("<html><body>x</body></html>").unwrap_err();
        assert_eq!(err.to_string(), "not an RSS or Atom feed (the root element is <html>)");
        assert!(matches!(parse(""), Err(FeedError::NotAFeed { .. })));
    }
}
