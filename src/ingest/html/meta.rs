//! An article page's title, date and author: from its metadata (`<meta>` tags, JSON-LD
//! `NewsArticle`) and from what it prints (the `<h1>`, the dateline, the byline).
//!
//! In: a parsed page. Out: [`Meta`] (what the metadata says) and the printed title, dateline and
//! author. Never: take the site's name for a title, a profile URL for an author, or a date from a
//! sidebar or a related-news list for the article's date.

use std::collections::HashMap;

use chrono::NaiveDate;
use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Html, Node, Selector};
use serde_json::Value;

use super::dom;
use crate::ingest::date::parse_date;
use crate::ingest::parse_dateline;

/// JSON-LD types that describe an article.
const ARTICLE_TYPES: &[&str] = &[
    "NewsArticle",
    "Article",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "ReviewNewsArticle",
    "BlogPosting",
    "LiveBlogPosting",
    "Report",
];

/// `<meta>` keys (property, name or itemprop) of the publication date, most specific first.
const DATE_KEYS: &[&str] = &[
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "article:published",
    "publish-date",
    "publish_date",
    "pubdate",
    "dc.date.issued",
    "dcterms.created",
    "date",
    "sailthru.date",
];

/// Words printed before a dateline: "published on", "last updated".
const DATE_LABELS: &[&str] = &[
    "نشر في",
    "نُشر في",
    "نشر بتاريخ",
    "نشر يوم",
    "تاريخ النشر",
    "تاريخ الخبر",
    "تاريخ",
    "آخر تحديث",
    "اخر تحديث",
    "تم النشر",
    "بتاريخ",
    "نشر",
    "التاريخ",
    "published on",
    "published",
    "posted on",
    "posted",
    "updated",
];

/// Words printed before an author's name: "by", "written by".
const AUTHOR_LABELS: &[&str] = &[
    "بقلم",
    "كتب",
    "كتبت",
    "كتبه",
    "كتبته",
    "الكاتب",
    "الكاتبة",
    "إعداد",
    "اعداد",
    "تحرير",
    "المحرر",
    "بواسطة",
    "by",
    "written by",
];

/// Class-name parts of the element that prints the dateline.
const DATE_PARTS: &[&str] =
    &["date", "time", "published", "posted", "pubdate", "timestamp", "dateline", "datetime"];
/// Class-name parts of the element that prints the author.
const AUTHOR_PARTS: &[&str] = &["author", "byline", "writer", "kateb", "reporter"];

/// Longest author line: names, not sentences.
const MAX_AUTHOR_WORDS: usize = 6;

/// What the page's metadata says about the article.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Meta {
    /// `og:title`, `twitter:title`, the JSON-LD headline, then `<title>`, in that order.
    pub titles: Vec<String>,
    pub site_name: Option<String>,
    pub date: Option<NaiveDate>,
    pub author: Option<String>,
    pub url: Option<String>,
    /// JSON-LD `articleBody`: the text when the page's markup has none (rendered by script).
    pub body: Option<String>,
}

/// Reads the `<meta>` tags, JSON-LD and `<title>` of `doc`.
pub(super) fn read(doc: &Html) -> Meta {
    let tags = meta_tags(doc);
    let get = |key: &str| tags.get(key).map(String::as_str).filter(|v| !v.trim().is_empty());
    let ld = json_ld(doc);
    let mut meta = Meta::default();
    for title in [get("og:title"), get("twitter:title"), ld.headline.as_deref()] {
        push_unique(&mut meta.titles, title);
    }
    let page_title = doc
        .select(&selector("head title, title"))
        .next()
        .map(|t| dom::collapse_whitespace(&t.text().collect::<String>()));
    push_unique(&mut meta.titles, page_title.as_deref());
    meta.site_name = get("og:site_name").or(get("application-name")).map(clean);
    meta.date = ld
        .date
        .as_deref()
        .and_then(parse_date)
        .or_else(|| DATE_KEYS.iter().filter_map(|k| get(k)).find_map(parse_date));
    meta.author = ld
        .author
        .or_else(|| get("author").or(get("article:author")).or(get("dc.creator")).map(clean))
        .filter(|a| is_name(a) && meta.site_name.as_deref() != Some(a.as_str()));
    meta.url = get("og:url")
        .map(str::to_owned)
        .or_else(|| {
            doc.select(&selector("link[rel=canonical]"))
                .next()
                .and_then(|l| l.attr("href"))
                .map(str::to_owned)
        })
        .or(ld.url)
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    meta.body = ld.body;
    meta
}

fn push_unique(list: &mut Vec<String>, value: Option<&str>) {
    if let Some(v) = value.map(clean).filter(|v| !v.is_empty()) {
        if !list.contains(&v) {
            list.push(v);
        }
    }
}

fn clean(s: &str) -> String {
    dom::collapse_whitespace(s)
}

fn selector(css: &str) -> Selector {
    // The selectors used here are constants; a typo is caught by every test of this module.
    Selector::parse(css).unwrap_or_else(|_| unreachable!("invalid built-in selector {css}"))
}

/// `<meta>` content by lower-cased `property`, `name` or `itemprop`; the first one wins.
fn meta_tags(doc: &Html) -> HashMap<String, String> {
    let mut tags = HashMap::new();
    for el in doc.select(&selector("meta")) {
        let Some(content) = el.attr("content") else { continue };
        for key in ["property", "name", "itemprop"].iter().filter_map(|a| el.attr(a)) {
            tags.entry(key.trim().to_ascii_lowercase()).or_insert_with(|| content.to_owned());
        }
    }
    tags
}

/// What JSON-LD says about the article.
#[derive(Debug, Default)]
struct LinkedData {
    headline: Option<String>,
    date: Option<String>,
    author: Option<String>,
    url: Option<String>,
    body: Option<String>,
}

/// The first JSON-LD object of an article type, looking into arrays and `@graph`; `author`
/// references (`{"@id": …}`) are resolved against the other objects of the page.
fn json_ld(doc: &Html) -> LinkedData {
    let mut objects = Vec::new();
    for script in doc.select(&selector("script[type='application/ld+json']")) {
        let text: String = script.text().collect();
        if let Ok(value) = serde_json::from_str::<Value>(text.trim()) {
            flatten(value, &mut objects, 0);
        }
    }
    let by_id: HashMap<&str, &Value> =
        objects.iter().filter_map(|o| Some((o.get("@id")?.as_str()?, o))).collect();
    let Some(article) = objects.iter().find(|o| has_type(o, ARTICLE_TYPES)) else {
        return LinkedData::default();
    };
    let text = |key: &str| article.get(key).and_then(Value::as_str).map(str::to_owned);
    LinkedData {
        headline: text("headline").or_else(|| text("name")),
        date: text("datePublished").or_else(|| text("dateCreated")),
        author: article.get("author").and_then(|a| author_name(a, &by_id)),
        url: text("url").or_else(|| {
            article.get("mainEntityOfPage").and_then(|m| {
                m.as_str().or_else(|| m.get("@id").and_then(Value::as_str)).map(str::to_owned)
            })
        }),
        body: text("articleBody"),
    }
}

/// Objects of a JSON-LD value, `@graph` and arrays unfolded (a few levels deep at most).
fn flatten(value: Value, out: &mut Vec<Value>, depth: usize) {
    if depth > 4 {
        return;
    }
    match value {
        Value::Array(items) => items.into_iter().for_each(|v| flatten(v, out, depth + 1)),
        Value::Object(mut map) => {
            // `@graph` (Yoast and most SEO plugins) and `mainEntity` (a WebPage around the
            // article) hold the objects that describe the article.
            for key in ["@graph", "mainEntity"] {
                if let Some(inner) = map.remove(key) {
                    flatten(inner, out, depth + 1);
                }
            }
            out.push(Value::Object(map));
        }
        _ => {}
    }
}

fn has_type(object: &Value, types: &[&str]) -> bool {
    match object.get("@type") {
        Some(Value::String(t)) => types.contains(&t.as_str()),
        Some(Value::Array(ts)) => ts.iter().any(|t| t.as_str().is_some_and(|t| types.contains(&t))),
        _ => false,
    }
}

/// Names of a JSON-LD `author`: a string, a `Person`, a reference, or a list of them.
fn author_name(value: &Value, by_id: &HashMap<&str, &Value>) -> Option<String> {
    let names: Vec<String> = match value {
        Value::String(s) => vec![clean(s)],
        Value::Array(items) => items.iter().filter_map(|v| author_name(v, by_id)).collect(),
        Value::Object(_) => {
            let resolved = value
                .get("name")
                .is_none()
                .then(|| value.get("@id").and_then(Value::as_str).and_then(|id| by_id.get(id)))
                .flatten()
                .copied()
                .unwrap_or(value);
            resolved.get("name").and_then(Value::as_str).map(clean).into_iter().collect()
        }
        _ => Vec::new(),
    };
    let names: Vec<String> = names.into_iter().filter(|n| is_name(n)).collect();
    (!names.is_empty()).then(|| names.join(" و"))
}

/// A plausible person's name: a few words, no URL, no sentence punctuation, no digits.
fn is_name(s: &str) -> bool {
    let words = s.split_whitespace().count();
    (1..=MAX_AUTHOR_WORDS).contains(&words)
        && !s.contains("://")
        && !s.contains(['.', '،', '؟', '?', '!', ':', '؛', '"', '«', '@', '|'])
        && !s.chars().any(|c| c.is_ascii_digit())
}

/// The printed title and its element: the heading that matches a metadata title (`<h1>` first),
/// else the last `<h1>` before the article text, else the metadata title without the site's
/// name.
pub(super) fn title(
    doc: &Html,
    meta: &Meta,
    first_body: Option<NodeId>,
) -> Option<(String, Option<NodeId>)> {
    let headings: Vec<ElementRef<'_>> = doc
        .select(&selector(
            "h1, h2, [itemprop=headline], .entry-title, .post-title, .article-title, .news-title",
        ))
        .filter(|h| !in_chrome(**h) && !is_site_title(*h))
        .collect();
    let text_of = |h: &ElementRef<'_>| dom::inline_text(*h);
    let wanted: Vec<String> = meta
        .titles
        .iter()
        .flat_map(|t| {
            let mut v = vec![t.clone()];
            v.extend(strip_site_name(t, meta.site_name.as_deref()));
            v
        })
        .collect();
    for h in &headings {
        let text = text_of(h);
        if !text.is_empty() && wanted.iter().any(|w| same_title(&text, w)) {
            return Some((text, Some(h.id())));
        }
    }
    let h1s: Vec<&ElementRef<'_>> = headings.iter().filter(|h| h.value().name() == "h1").collect();
    let before_body = first_body.and_then(|body| {
        let order: HashMap<NodeId, usize> =
            doc.tree.root().descendants().enumerate().map(|(i, n)| (n.id(), i)).collect();
        let limit = order.get(&body)?;
        h1s.iter().rev().find(|h| order.get(&h.id()).is_some_and(|i| i < limit)).copied()
    });
    if let Some(h) = before_body.or_else(|| h1s.first().copied()) {
        let text = text_of(h);
        if text.split_whitespace().count() >= 2 {
            return Some((text, Some(h.id())));
        }
    }
    let best = meta
        .titles
        .iter()
        .find(|t| meta.site_name.as_deref().is_none_or(|site| !same_title(t, site)))?;
    let title = strip_site_name(best, meta.site_name.as_deref()).unwrap_or_else(|| best.clone());
    Some((title, None))
}

/// Headings printing the site's name (`<h1 class="site-title">`).
fn is_site_title(el: ElementRef<'_>) -> bool {
    el.value().classes().any(|c| {
        let c = c.to_ascii_lowercase();
        c.starts_with("site-") || c == "logo" || c == "brand"
    }) || el.ancestors().filter_map(|a| a.value().as_element()).any(|a| {
        a.classes().any(|c| {
            let c = c.to_ascii_lowercase();
            c == "site-branding" || c == "logo" || c == "site-header" || c == "masthead"
        })
    })
}

/// Whether two titles are the same once spacing and edge punctuation are ignored.
fn same_title(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        dom::collapse_whitespace(s)
            .trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
            .to_owned()
    };
    let (a, b) = (norm(a), norm(b));
    !a.is_empty() && a == b
}

/// `عنوان الخبر | الصحيفة` → `عنوان الخبر`: drops the site's name (when known) or the shorter
/// parts around a separator. `None` when there is nothing to drop.
fn strip_site_name(title: &str, site: Option<&str>) -> Option<String> {
    const SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " :: ", " « ", " » ", " · "];
    let sep = SEPARATORS.iter().find(|s| title.contains(**s))?;
    let parts: Vec<&str> = title.split(sep).map(str::trim).filter(|p| !p.is_empty()).collect();
    if let Some(site) = site {
        let kept: Vec<&str> = parts.iter().copied().filter(|p| !same_title(p, site)).collect();
        if kept.len() < parts.len() && !kept.is_empty() {
            return Some(kept.join(sep));
        }
    }
    parts.iter().max_by_key(|p| p.split_whitespace().count()).map(|p| (*p).to_owned())
}

/// Whether the element lies in navigation, a ticker, a footer, comments or an ad.
pub(super) fn in_chrome(node: NodeRef<'_, Node>) -> bool {
    std::iter::once(node)
        .chain(node.ancestors())
        .filter_map(|n| dom::element(&n))
        .any(dom::is_chrome)
}

/// The printed dateline and its date: the first element after the title that looks like a date
/// line (`<time>`, or a class such as `post-date`) and parses, outside navigation, tickers and
/// related lists. A `<time>` whose text is not a date still gives its `datetime` attribute's
/// date, but no printed dateline.
pub(super) fn dateline(
    doc: &Html,
    after: Option<NodeId>,
    excluded: &dyn Fn(NodeRef<'_, Node>) -> bool,
) -> Option<(Option<String>, NaiveDate)> {
    let mut found = Vec::new();
    let mut seen_title = after.is_none();
    for node in doc.tree.root().descendants() {
        if Some(node.id()) == after {
            seen_title = true;
        }
        let Some(el) = dom::element(&node) else { continue };
        let is_time = el.name() == "time";
        let marked = is_time
            || el.attr("itemprop").is_some_and(|p| p == "datePublished")
            || named_like(el, DATE_PARTS);
        if !marked || excluded(node) || in_chrome(node) {
            continue;
        }
        let Some(element) = ElementRef::wrap(node) else { continue };
        let printed = strip_label(&dom::inline_text(element), DATE_LABELS);
        let parsed = parse_dateline(&printed).map(|(d, _)| (Some(printed), d)).or_else(|| {
            el.attr("datetime").or(el.attr("content")).and_then(parse_date).map(|d| (None, d))
        });
        if let Some(hit) = parsed {
            found.push((seen_title, hit));
        }
    }
    found
        .iter()
        .find(|(after_title, _)| *after_title)
        .or(found.first())
        .map(|(_, hit)| hit.clone())
        .or_else(|| unmarked_dateline(doc, after?, excluded))
}

/// How many elements after the title may hold an unmarked dateline.
const UNMARKED_DATELINE_WINDOW: usize = 40;

/// A dateline printed without a telling class: the first short element among the few after the
/// title whose whole text is a dateline.
fn unmarked_dateline(
    doc: &Html,
    title: NodeId,
    excluded: &dyn Fn(NodeRef<'_, Node>) -> bool,
) -> Option<(Option<String>, NaiveDate)> {
    let title_node = doc.tree.get(title)?;
    let after_title = doc
        .tree
        .root()
        .descendants()
        .skip_while(|n| n.id() != title)
        .filter(|n| n.value().is_element() && !dom::is_within(*n, title_node.id()))
        .take(UNMARKED_DATELINE_WINDOW);
    for node in after_title {
        if excluded(node) || in_chrome(node) {
            continue;
        }
        let Some(element) = ElementRef::wrap(node) else { continue };
        let text = dom::inline_text(element);
        if text.chars().count() > 80 {
            continue;
        }
        let printed = strip_label(&text, DATE_LABELS);
        if let Some((date, _)) = parse_dateline(&printed) {
            return Some((Some(printed), date));
        }
    }
    None
}

/// The printed author: the first byline-like element (`rel=author`, `itemprop=author`, a class
/// such as `byline`) whose text, without `بقلم:`-style labels, is a name.
pub(super) fn byline(doc: &Html, excluded: &dyn Fn(NodeRef<'_, Node>) -> bool) -> Option<String> {
    for node in doc.tree.root().descendants() {
        let Some(el) = dom::element(&node) else { continue };
        let marked = el.attr("rel").is_some_and(|r| r.split_whitespace().any(|r| r == "author"))
            || el.attr("itemprop").is_some_and(|p| p == "author")
            || named_like(el, AUTHOR_PARTS);
        if !marked || excluded(node) || in_chrome(node) {
            continue;
        }
        let Some(element) = ElementRef::wrap(node) else { continue };
        let name_el = element.select(&selector("[itemprop=name]")).next().unwrap_or(element);
        if let Some(name) = author_line(&dom::inline_text(name_el)) {
            return Some(name);
        }
    }
    None
}

/// `بقلم: مارك تمنيكي*` → `مارك تمنيكي`; `None` unless what is left is a name.
pub(super) fn author_line(text: &str) -> Option<String> {
    let name = strip_label(text, AUTHOR_LABELS);
    let name = name.trim_end_matches(['*', '٭']).trim().to_owned();
    is_name(&name).then_some(name)
}

/// Whether `text` starts with an author label (`بقلم`, `كتب:`), so that it is a byline.
pub(super) fn has_author_label(text: &str) -> bool {
    strip_label(text, AUTHOR_LABELS) != text.trim()
}

fn named_like(el: &scraper::node::Element, wanted: &[&str]) -> bool {
    el.classes().chain(el.id()).any(|name| {
        let name = name.to_ascii_lowercase();
        name.split(['-', '_']).any(|p| wanted.contains(&p))
    })
}

/// Drops a leading label (`نشر في:`, `بقلم -`) and the punctuation after it.
fn strip_label(text: &str, labels: &[&str]) -> String {
    let text = text.trim();
    // ASCII lower-casing keeps byte offsets, so `rest` can index `text`.
    let lower = text.to_ascii_lowercase();
    for label in labels {
        if let Some(rest) = lower.strip_prefix(label) {
            // A label is a whole word: `كتب` must not eat the start of `كتبي`.
            let rest_start = text.len() - rest.len();
            let next = text[rest_start..].chars().next();
            if next.is_none_or(|c| c.is_whitespace() || matches!(c, ':' | '-' | '–' | '/' | '|'))
            {
                return text[rest_start..]
                    .trim_start_matches(|c: char| {
                        c.is_whitespace() || matches!(c, ':' | '-' | '–' | '/' | '|')
                    })
                    .trim()
                    .to_owned();
            }
        }
    }
    text.to_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    #[test]
    fn json_ld_graph_gives_headline_date_and_referenced_author() {
        let doc = Html::parse_document(
            r##"<html><head><script type="application/ld+json">{"@context":"https://schema.org",
            "@graph":[{"@type":"WebPage","@id":"p","name":"صفحة"},
            {"@type":["NewsArticle"],"headline":"عنوان الخبر","datePublished":"2023-11-06T23:30:00+03:00",
             "author":{"@id":"#person"},"articleBody":"نص."},
            {"@type":"Person","@id":"#person","name":"سارة محمود"}]}</script></head><body></body></html>"##,
        );
        let meta = read(&doc);
        assert_eq!(meta.titles, ["عنوان الخبر"]);
        assert_eq!(meta.date, NaiveDate::from_ymd_opt(2023, 11, 6));
        assert_eq!(meta.author.as_deref(), Some("سارة محمود"));
        assert_eq!(meta.body.as_deref(), Some("نص."));
    }

    #[test]
    fn an_article_inside_a_web_page_main_entity_is_found() {
        let doc = Html::parse_document(
            r#"<html><head><script type="application/ld+json">{"@type":"WebPage","name":"صفحة",
            "mainEntity":{"@type":"NewsArticle","headline":"عنوان","datePublished":"2024-02-01",
            "author":[{"@type":"Person","name":"أ ب"},"ج د"]}}</script></head></html>"#,
        );
        let meta = read(&doc);
        assert_eq!(meta.titles, ["عنوان"]);
        assert_eq!(meta.date, NaiveDate::from_ymd_opt(2024, 2, 1));
        assert_eq!(meta.author.as_deref(), Some("أ ب وج د"));
    }

    #[test]
    fn meta_tags_give_title_date_and_skip_url_authors() {
        let doc = Html::parse_document(
            r#"<html><head><title>عنوان | الصحيفة</title>
            <meta property="og:title" content="عنوان الخبر">
            <meta property="og:site_name" content="الصحيفة">
            <meta property="article:published_time" content="2024-04-03T08:00:00Z">
            <meta property="article:author" content="https://facebook.com/someone">
            <link rel="canonical" href="https://example.com/a/1"></head><body></body></html>"#,
        );
        let meta = read(&doc);
        assert_eq!(meta.titles, ["عنوان الخبر", "عنوان | الصحيفة"]);
        assert_eq!(meta.site_name.as_deref(), Some("الصحيفة"));
        assert_eq!(meta.date, NaiveDate::from_ymd_opt(2024, 4, 3));
        assert_eq!(meta.author, None);
        assert_eq!(meta.url.as_deref(), Some("https://example.com/a/1"));
    }

    #[test]
    fn site_names_are_stripped_from_page_titles() {
        assert_eq!(
            strip_site_name("عنوان الخبر | الصحيفة", Some("الصحيفة")).unwrap(),
            "عنوان الخبر"
        );
        assert_eq!(strip_site_name("الصحيفة - عنوان الخبر هنا", None).unwrap(), "عنوان الخبر هنا");
        assert_eq!(strip_site_name("عنوان بلا فاصل", None), None);
    }

    #[test]
    fn labels_are_stripped_only_as_whole_words() {
        assert_eq!(author_line("بقلم: مارك تمنيكي*").as_deref(), Some("مارك تمنيكي"));
        assert_eq!(author_line("كتب - أحمد علي").as_deref(), Some("أحمد علي"));
        assert_eq!(author_line("By John Smith").as_deref(), Some("John Smith"));
        assert_eq!(strip_label("كتبي الجديد", AUTHOR_LABELS), "كتبي الجديد");
        assert_eq!(author_line("قال الوزير إن المفاوضات ستستأنف الأسبوع المقبل في القاهرة."), None);
        assert_eq!(strip_label("نشر في: 6 نوفمبر 2023", DATE_LABELS), "6 نوفمبر 2023");
    }
}
