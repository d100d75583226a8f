//! HTML article pages, and HTML fragments such as a feed item's content.
//!
//! In: the HTML text of a news page, as saved by a browser or fetched. Out: an [`Article`]: the
//! title (the heading that matches the page's metadata), the dateline and author as printed (or
//! from `<meta>` and JSON-LD when the page prints none), the body paragraphs of the main content
//! (see `content` for how it is chosen), `•` notes, and the related-news lists with their dates.
//! For a fragment: the same body, notes and related lists, without a title.
//!
//! Parsing is html5ever's (the HTML5 algorithm browsers use), so unclosed tags, stray end tags,
//! tables in tables and scripts in the body are read as a browser would read them; no regular
//! expression ever looks at markup.
//!
//! Never: read navigation, tickers, share bars, sidebars, ads, scripts, styles, footers or
//! comments aloud; put a related headline into the body; take a sidebar's date for the article's.

mod content;
mod dom;
mod meta;
mod related;

use chrono::NaiveDate;
use ego_tree::{NodeId, NodeRef};
use scraper::{Html, Node, Selector};

use super::is_boilerplate;
use crate::edition::{Article, Headline};
use crate::ingest::parse_dateline;

/// Note lines start with a bullet (as in the scraped pages).
const NOTE_BULLETS: &[char] = &['•', '●', '▪', '◦'];

/// Lines that are furniture whatever element holds them.
const FURNITURE_LINES: &[&str] = &[
    "إعلان",
    "اعلان",
    "إعلانات",
    "advertisement",
    "شارك",
    "مشاركة",
    "شارك الخبر",
    "شارك المقال",
    "share",
    "tweet",
    "اقرأ المزيد",
    "المزيد",
    "read more",
];

/// Starts of furniture lines: share prompts, tag lists, a feed's "appeared first on" footer.
const FURNITURE_PREFIXES: &[&str] = &[
    "تابعونا على",
    "تابعوا آخر الأخبار",
    "لمتابعة آخر الأخبار",
    "لمتابعة أحدث الأخبار",
    "شارك هذا",
    "شارك عبر",
    "اشترك في",
    "حمل تطبيق",
    "حمّل تطبيق",
    "الكلمات المفتاحية",
    "كلمات مفتاحية",
    "الوسوم:",
    "وسوم:",
    "tags:",
    "the post ",
    "ظهرت المقالة",
    "ظهر المقال",
    "ظهرت التدوينة",
    "ظهر الخبر",
];

/// A paragraph that is mostly link text (a list of links that escaped the furniture rules) is
/// not body text.
const MAX_BODY_LINK_DENSITY: f64 = 0.8;
/// A Latin-only line shorter than this is a button or a credit, not a sentence of the article.
const MIN_LATIN_LINE_WORDS: usize = 6;

/// What a fragment of HTML holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Body {
    pub paragraphs: Vec<String>,
    pub notes: Vec<String>,
    pub related: Vec<Headline>,
    /// A byline printed at the top of the text (`بقلم: …`).
    pub author: Option<String>,
    /// A dateline printed at the top of the text, and its date.
    pub dateline: Option<(String, NaiveDate)>,
}

/// Extracts the article of a whole page. The article has no paragraphs when the page's text is
/// rendered by scripts and its metadata carries no `articleBody`; its title is empty when the
/// page has neither a heading nor a title.
pub(super) fn parse_page(html: &str) -> Article {
    let doc = Html::parse_document(html);
    let meta = meta::read(&doc);
    let body_selector = Selector::parse("body").unwrap_or_else(|_| unreachable!("constant"));
    let body_node = doc.select(&body_selector).next().map_or(doc.tree.root(), |b| *b);
    let regions = related::regions(body_node);
    let skip = |id: NodeId, el: &scraper::node::Element| {
        dom::is_furniture(el) || regions.excluded.contains(&id)
    };
    let roots = content::main_content(body_node, &skip);
    let paras: Vec<dom::Para> = roots
        .iter()
        .filter_map(|id| doc.tree.get(*id))
        .flat_map(|root| dom::paragraphs(root, &skip))
        .collect();
    let (title, title_node) =
        meta::title(&doc, &meta, paras.first().map(|p| p.block)).unwrap_or_default();
    let mut body = sort_lines(&paras, &title);

    let in_lists = |node: NodeRef<'_, Node>| {
        std::iter::once(node).chain(node.ancestors()).any(|n| regions.excluded.contains(&n.id()))
    };
    let printed = meta::dateline(&doc, title_node, &in_lists)
        .or_else(|| body.dateline.take().map(|(p, d)| (Some(p), d)));
    let date = meta.date.or(printed.as_ref().map(|(_, d)| *d));
    let dateline = printed.and_then(|(p, d)| p.filter(|_| Some(d) == date));
    let author = meta::byline(&doc, &in_lists).or(body.author.take()).or(meta.author.clone());

    if body.paragraphs.is_empty() {
        if let Some(text) = &meta.body {
            body.paragraphs = text
                .lines()
                .map(dom::collapse_whitespace)
                .filter(|l| !l.is_empty() && !is_furniture_line(l))
                .collect();
        }
    }
    let mut related = Vec::new();
    for h in related::headlines(&doc.tree, &regions, &title).into_iter().chain(body.related) {
        related::push_headline(&mut related, h, &title);
    }
    Article {
        title,
        dateline,
        date,
        author,
        paragraphs: body.paragraphs,
        notes: body.notes,
        related,
        url: meta.url,
        ..Article::default()
    }
}

/// The body of an HTML fragment (a feed item's `content:encoded` or description, a CMS export's
/// `html`): every paragraph outside furniture and related lists, no scoring (the fragment is the
/// article), `title` left out where it repeats.
pub(crate) fn parse_fragment(html: &str, title: &str) -> Body {
    let doc = Html::parse_fragment(html);
    let root = doc.tree.root();
    let regions = related::regions(root);
    let skip = |id: NodeId, el: &scraper::node::Element| {
        dom::is_furniture(el) || regions.excluded.contains(&id)
    };
    let paras = dom::paragraphs(root, &skip);
    let mut body = sort_lines(&paras, title);
    let listed = related::headlines(&doc.tree, &regions, title);
    let inline = std::mem::take(&mut body.related);
    for h in listed.into_iter().chain(inline) {
        related::push_headline(&mut body.related, h, title);
    }
    body
}

/// Sorts the lines of the main content into body paragraphs, notes, inline "read also"
/// headlines and a leading byline or dateline; drops the title and furniture lines.
fn sort_lines(paras: &[dom::Para], title: &str) -> Body {
    let mut body = Body::default();
    for para in paras {
        let text = para.text.as_str();
        if para.block_tag == "h1" || same_text(text, title) || is_furniture_line(text) {
            continue;
        }
        if let Some(headline) = read_also(text) {
            if !headline.is_empty() {
                related::push_headline(
                    &mut body.related,
                    Headline { title: headline, date: None },
                    title,
                );
            }
            continue;
        }
        if para.link_density() >= MAX_BODY_LINK_DENSITY {
            continue;
        }
        if let Some((date, _)) = parse_dateline(text) {
            if body.paragraphs.is_empty() && body.dateline.is_none() {
                body.dateline = Some((text.to_owned(), date));
            }
            continue;
        }
        if body.paragraphs.is_empty() && body.author.is_none() {
            let starred = text.ends_with(['*', '٭']);
            if meta::has_author_label(text) || starred {
                if let Some(name) = meta::author_line(text) {
                    body.author = Some(name);
                    continue;
                }
            }
        }
        if let Some(note) = text.strip_prefix(NOTE_BULLETS) {
            body.notes.push(note.trim().to_owned());
        } else {
            body.paragraphs.push(text.to_owned());
        }
    }
    body
}

/// Runs of whitespace become one space, ends trimmed (for text from feeds and JSON too).
pub(crate) fn collapse(s: &str) -> String {
    dom::collapse_whitespace(s)
}

fn same_text(a: &str, b: &str) -> bool {
    !b.is_empty() && dom::collapse_whitespace(a) == dom::collapse_whitespace(b)
}

/// Lines that are never article text: credits, share prompts, "advertisement", tag lists,
/// lines without a letter, short Latin-only lines.
fn is_furniture_line(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    let bare = lower.trim_end_matches([':', '.', '…']).trim();
    if is_boilerplate(text)
        || FURNITURE_LINES.contains(&bare)
        || FURNITURE_PREFIXES.iter().any(|p| lower.starts_with(p))
        || !text.chars().any(char::is_alphabetic)
    {
        return true;
    }
    dom::arabic_letters(text) == 0 && text.split_whitespace().count() < MIN_LATIN_LINE_WORDS
}

/// `اقرأ أيضا: عنوان` → `Some("عنوان")`; `اقرأ أيضا` alone → `Some("")`; other lines → `None`.
fn read_also(text: &str) -> Option<String> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    // The longest label that matches: `اقرأ أيضاً` must not be read as `اقرأ أيضا` + `ً`.
    let label =
        dom::READ_ALSO_LABELS.iter().filter(|l| lower.starts_with(*l)).max_by_key(|l| l.len())?;
    let rest = t[label.len()..]
        .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '-' | '–' | '|'));
    let rest = dom::collapse_whitespace(rest);
    (rest.is_empty() || rest.split_whitespace().count() >= 3).then_some(rest)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests;
