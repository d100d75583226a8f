//! What an element of a news page is, and the page's text as paragraphs.
//!
//! In: nodes of a document parsed by html5ever (through `scraper`). Out: classifications
//! (boilerplate, related-news block, block-level) and [`Para`]graphs: the text a reader sees,
//! split where a browser would break lines (block elements and `<br>`), whitespace collapsed.
//! Never: read the text of a script, style or template, or recurse without bound (the walk is
//! iterative, so a page nested ten thousand levels deep cannot overflow the stack).

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use scraper::node::Element;
use scraper::{ElementRef, Node};

/// Elements whose content is never article text, wherever they are.
const SILENT_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "svg", "canvas", "object", "embed",
    "video", "audio", "picture", "img", "map", "source", "head", "title", "meta", "link", "button",
    "input", "select", "textarea", "option", "label", "dialog",
];

/// Page furniture: navigation, site header and footer, sidebars, forms, figures.
const FURNITURE_TAGS: &[&str] = &["nav", "aside", "footer", "header", "form", "figure", "menu"];

/// ARIA roles of page furniture.
const FURNITURE_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "complementary",
    "contentinfo",
    "search",
    "menu",
    "menubar",
    "dialog",
    "alertdialog",
    "toolbar",
];

/// Parts of class names and ids (split at `-` and `_`) that mark chrome: navigation, menus,
/// tickers, share bars, ads, comments, pop-ups ([`is_chrome`]). Chrome is furniture too: with
/// [`FURNITURE_ONLY_PARTS`], these mark what is never body text ([`is_furniture`]).
const CHROME_PARTS: &[&str] = &[
    "nav",
    "navbar",
    "navigation",
    "menu",
    "submenu",
    "breadcrumb",
    "breadcrumbs",
    "footer",
    "masthead",
    "branding",
    "logo",
    "ticker",
    "breaking",
    "urgent",
    "marquee",
    "comment",
    "comments",
    "respond",
    "share",
    "sharing",
    "social",
    "ad",
    "ads",
    "advert",
    "advertisement",
    "newsletter",
    "popup",
    "modal",
    "cookie",
];

/// Parts that mark furniture but not chrome: the article's own header, sidebars, metadata lines
/// (dates, bylines, tags), captions, bios, related lists and embeds.
const FURNITURE_ONLY_PARTS: &[&str] = &[
    "header",
    "sidebar",
    "widget",
    "shares",
    "sharedaddy",
    "addthis",
    "addtoany",
    "a2a",
    "adverts",
    "advertising",
    "adsbygoogle",
    "banner",
    "sponsor",
    "sponsored",
    "promo",
    "subscribe",
    "subscription",
    "disqus",
    "cookies",
    "gdpr",
    "pagination",
    "pager",
    "toolbar",
    "tags",
    "keywords",
    "outbrain",
    "taboola",
    "related",
    "latest",
    "trending",
    "popular",
    "mostread",
    "search",
    "login",
    "copyright",
    "credits",
    "bio",
    "meta",
    "byline",
    "date",
    "time",
    "author",
    "caption",
    "gallery",
    "player",
    "embed",
    "tweet",
    "twitter",
    "instagram",
    "facebook",
    "whatsapp",
    "telegram",
];

/// Whole class names of furniture that the parts above miss.
/// (`hidden` alone, not as a part, and no `print`: Bootstrap's `hidden-print` or `hidden-xs` hide
/// an element on paper or on phones only, and may well hold the article.)
const FURNITURE_CLASSES: &[&str] = &[
    "hidden",
    "is-hidden",
    "screen-reader-text",
    "sr-only",
    "visually-hidden",
    "google-auto-placed",
    "wp-caption",
];

/// WordPress puts taxonomy classes on the article itself (`tag-gaza`, `category-news`,
/// `author-admin`): class names with these first parts say what the post is about, not what the
/// element is, and are not read as furniture.
const TAXONOMY_PREFIXES: &[&str] =
    &["tag", "category", "cat", "format", "type", "status", "postid", "term", "post"];

/// Parts of class names and ids that suggest the article's own container.
const CONTENT_PARTS: &[&str] = &[
    "article",
    "content",
    "entry",
    "post",
    "story",
    "body",
    "text",
    "main",
    "news",
    "detail",
    "details",
    "single",
    "maincontent",
    "articlebody",
    "itemfulltext",
];

/// AMP components that may carry article text; every other `amp-*` element is furniture (ads,
/// share bars, sidebars, analytics, embeds).
const AMP_TEXT_TAGS: &[&str] = &["amp-fit-text", "amp-accordion"];

/// Block-level elements: their start and end break a line of text.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "blockquote",
    "body",
    "center",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "html",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
    "aside",
];

/// Labels of a "read also" link: inside the body, the rest of the line is one headline; as a
/// heading of their own, they open a list of them (see [`RELATED_HEADINGS`]).
pub(super) const READ_ALSO_LABELS: &[&str] = &[
    "اقرأ أيضا",
    "اقرأ أيضاً",
    "اقرأ ايضا",
    "اقرأ ايضاً",
    "إقرأ أيضا",
    "إقرأ أيضاً",
    "اقرأ كذلك",
    "طالع أيضا",
    "طالع أيضاً",
    "شاهد أيضا",
    "شاهد أيضاً",
    "read also",
];

/// Headings that open a list of other articles ("related news", "latest news"), besides the
/// [`READ_ALSO_LABELS`].
const RELATED_HEADINGS: &[&str] = &[
    "أخبار ذات صلة",
    "اخبار ذات صلة",
    "مقالات ذات صلة",
    "مواضيع ذات صلة",
    "موضوعات ذات صلة",
    "ذات صلة",
    "أخبار متعلقة",
    "اخبار متعلقة",
    "أخبار مرتبطة",
    "آخر الأخبار",
    "اخر الاخبار",
    "آخر الاخبار",
    "أحدث الأخبار",
    "احدث الاخبار",
    "المزيد من الأخبار",
    "أخبار أخرى",
    "اخبار اخرى",
    "قد يهمك أيضا",
    "قد يهمك أيضاً",
    "قد يهمك",
    "related news",
    "related articles",
    "related posts",
    "latest news",
];

/// Class-name parts of related-news blocks (WordPress plugins included: YARPP, Jetpack).
const RELATED_PARTS: &[&str] =
    &["related", "relatedposts", "yarpp", "latest", "readalso", "also", "morenews", "recent"];

/// The element of a node, if it is one.
pub(super) fn element<'a>(node: &NodeRef<'a, Node>) -> Option<&'a Element> {
    node.value().as_element()
}

/// Lower-case tag name (html5ever already lower-cases HTML tags).
pub(super) fn tag(el: &Element) -> &str {
    el.name()
}

pub(super) fn is_block(el: &Element) -> bool {
    BLOCK_TAGS.contains(&tag(el))
}

/// Whether a heading tag (`h1`..`h6`).
pub(super) fn heading_level(el: &Element) -> Option<u8> {
    match tag(el) {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

/// Text of scripts, styles and media: never shown as text.
pub(super) fn is_silent(el: &Element) -> bool {
    let name = tag(el);
    SILENT_TAGS.contains(&name)
        || (name.starts_with("amp-") && !AMP_TEXT_TAGS.contains(&name))
        || is_hidden(el)
}

fn is_hidden(el: &Element) -> bool {
    el.attr("hidden").is_some()
        || el.attr("aria-hidden").is_some_and(|v| v.eq_ignore_ascii_case("true"))
        || el.attr("style").is_some_and(|s| {
            let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            let s = s.to_ascii_lowercase();
            s.contains("display:none") || s.contains("visibility:hidden")
        })
}

/// The class names and the id of an element, lower-cased.
fn names(el: &Element) -> impl Iterator<Item = String> + '_ {
    el.classes().chain(el.id()).map(str::to_ascii_lowercase)
}

/// The parts of a class name or id (`entry-meta` → `entry`, `meta`), unless it is a taxonomy
/// class (`tag-gaza`), which has none that count.
fn parts(name: &str) -> Vec<&str> {
    let parts: Vec<&str> = name.split(['-', '_']).filter(|p| !p.is_empty()).collect();
    match parts.first() {
        Some(first) if parts.len() > 1 && TAXONOMY_PREFIXES.contains(first) => Vec::new(),
        _ => parts,
    }
}

fn marked(el: &Element, wanted: &[&str]) -> bool {
    names(el).any(|name| parts(&name).iter().any(|p| wanted.contains(p)))
}

/// Whether a class or id part marks furniture ([`CHROME_PARTS`] or [`FURNITURE_ONLY_PARTS`]).
fn is_marked_furniture(el: &Element) -> bool {
    marked(el, CHROME_PARTS) || marked(el, FURNITURE_ONLY_PARTS)
}

/// Page furniture: never article text. `html`, `body`, `main` and `article` are never furniture
/// by their class (WordPress gives `<body>` classes like `author-admin`).
pub(super) fn is_furniture(el: &Element) -> bool {
    if is_silent(el) {
        return true;
    }
    let name = tag(el);
    if FURNITURE_TAGS.contains(&name) {
        return true;
    }
    if el.attr("role").is_some_and(|r| FURNITURE_ROLES.contains(&r.to_ascii_lowercase().as_str())) {
        return true;
    }
    if matches!(name, "html" | "body" | "main" | "article") {
        return false;
    }
    is_marked_furniture(el) || names(el).any(|n| FURNITURE_CLASSES.contains(&n.as_str()))
}

/// Furniture that also hides metadata (dates, bylines, headline lists): navigation, menus,
/// tickers, footers, comments, share bars, ads. Unlike [`is_furniture`], the article's own
/// `<header>` and its `meta`/`date`/`author` lines, and sidebars, are kept.
pub(super) fn is_chrome(el: &Element) -> bool {
    const CHROME_TAGS: &[&str] = &["nav", "footer", "form", "menu"];
    if is_silent(el) || CHROME_TAGS.contains(&tag(el)) {
        return true;
    }
    if el.attr("role").is_some_and(|r| {
        matches!(r.to_ascii_lowercase().as_str(), "navigation" | "contentinfo" | "menu" | "search")
    }) {
        return true;
    }
    if matches!(tag(el), "html" | "body" | "main" | "article") {
        return false;
    }
    marked(el, CHROME_PARTS)
}

/// Whether the element's classes or id name a related-news block.
pub(super) fn is_related_by_name(el: &Element) -> bool {
    if matches!(tag(el), "html" | "body" | "main" | "article") {
        return false;
    }
    names(el).any(|name| {
        let parts = parts(&name);
        parts.iter().any(|p| RELATED_PARTS.contains(p))
            || parts.windows(2).any(|w| matches!(w, ["read", "also"] | ["more", "news"]))
    })
}

/// Whether a heading's text announces a related-news list (`أخبار ذات صلة:`).
pub(super) fn is_related_heading(text: &str) -> bool {
    let t = text.trim().trim_end_matches([':', '：', '.', '»', '«']).trim();
    let lower = t.to_lowercase();
    t.chars().count() <= 40 && RELATED_HEADINGS.iter().chain(READ_ALSO_LABELS).any(|h| lower == *h)
}

/// +1 for a name that suggests the article container, -1 for furniture, 0 otherwise.
pub(super) fn class_weight(el: &Element) -> i32 {
    let mut weight = 0;
    if marked(el, CONTENT_PARTS) {
        weight += 1;
    }
    if is_marked_furniture(el) {
        weight -= 1;
    }
    if let Some(role) = el.attr("role") {
        if matches!(role.to_ascii_lowercase().as_str(), "main" | "article") {
            weight += 1;
        }
    }
    if el.attr("itemprop").is_some_and(|p| p == "articleBody") {
        weight += 1;
    }
    weight
}

/// A line of text as a reader sees it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Para {
    pub text: String,
    /// Non-space characters of `text` inside links.
    pub link_chars: usize,
    /// The block element the text lies in (a `<p>`, or a `<div>`/`<td>` holding bare text).
    pub block: NodeId,
    /// The tag of that block element.
    pub block_tag: String,
}

impl Para {
    pub fn chars(&self) -> usize {
        self.text.chars().count()
    }

    /// Share of the non-space characters that are link text.
    pub fn link_density(&self) -> f64 {
        self.link_chars as f64 / visible_chars(&self.text).max(1) as f64
    }
}

/// The paragraphs under `root`, in document order, leaving out the subtrees `skip` rejects
/// (`root` itself is never skipped). Block elements and `<br>` end a paragraph.
pub(super) fn paragraphs(
    root: NodeRef<'_, Node>,
    skip: &dyn Fn(NodeId, &Element) -> bool,
) -> Vec<Para> {
    let mut out = Vec::new();
    let mut blocks: Vec<(NodeId, String)> = vec![(root.id(), root_tag(&root))];
    let mut buffer = String::new();
    let mut link_chars = 0usize;
    let mut link_depth = 0usize;
    let mut skipping: Option<NodeId> = None;
    let flush = |buffer: &mut String,
                 link_chars: &mut usize,
                 blocks: &[(NodeId, String)],
                 out: &mut Vec<Para>| {
        let text = collapse_whitespace(buffer);
        if !text.is_empty() {
            let (block, block_tag) = blocks.last().cloned().unwrap_or((root.id(), String::new()));
            let link_chars = (*link_chars).min(visible_chars(&text));
            out.push(Para { text, link_chars, block, block_tag });
        }
        buffer.clear();
        *link_chars = 0;
    };
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(text) => {
                        buffer.push_str(text);
                        if link_depth > 0 {
                            link_chars += text.chars().filter(|c| !c.is_whitespace()).count();
                        }
                    }
                    Node::Element(el) if node.id() != root.id() => {
                        if skip(node.id(), el) {
                            skipping = Some(node.id());
                        } else if tag(el) == "br" || tag(el) == "hr" {
                            flush(&mut buffer, &mut link_chars, &blocks, &mut out);
                        } else if is_block(el) {
                            flush(&mut buffer, &mut link_chars, &blocks, &mut out);
                            blocks.push((node.id(), tag(el).to_owned()));
                        } else if tag(el) == "a" {
                            link_depth += 1;
                        } else if matches!(tag(el), "td" | "th") {
                            buffer.push(' ');
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skipping == Some(node.id()) {
                    skipping = None;
                    continue;
                }
                if skipping.is_some() || node.id() == root.id() {
                    continue;
                }
                if let Some(el) = element(&node) {
                    if is_block(el) && !matches!(tag(el), "hr") {
                        flush(&mut buffer, &mut link_chars, &blocks, &mut out);
                        blocks.pop();
                    } else if tag(el) == "a" {
                        link_depth = link_depth.saturating_sub(1);
                    }
                }
            }
        }
    }
    flush(&mut buffer, &mut link_chars, &blocks, &mut out);
    out
}

fn root_tag(root: &NodeRef<'_, Node>) -> String {
    element(root).map(|el| tag(el).to_owned()).unwrap_or_default()
}

/// The visible text of an element on one line: scripts and hidden parts left out, whitespace
/// collapsed, block boundaries read as spaces.
pub(super) fn inline_text(el: ElementRef<'_>) -> String {
    let paras = paragraphs(*el, &|_, el| is_silent(el));
    collapse_whitespace(&paras.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join(" "))
}

/// Characters that are not whitespace.
pub(super) fn visible_chars(s: &str) -> usize {
    s.chars().filter(|c| !c.is_whitespace()).count()
}

/// Runs of whitespace (including no-break and zero-width spaces) become one space; ends trimmed.
pub(super) fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| c.is_whitespace() || c == '\u{200b}').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Letters of the Arabic script in `s`.
pub(super) fn arabic_letters(s: &str) -> usize {
    s.chars().filter(|c| crate::text::normalize::is_arabic_letter(*c)).count()
}

/// Share of Arabic among the letters of `s` (0 when it has no letters).
pub(super) fn arabic_ratio(s: &str) -> f64 {
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    if letters == 0 {
        0.0
    } else {
        arabic_letters(s) as f64 / letters as f64
    }
}

/// Whether `ancestor` is `node` or one of its ancestors.
pub(super) fn is_within(node: NodeRef<'_, Node>, ancestor: NodeId) -> bool {
    node.id() == ancestor || node.ancestors().any(|a| a.id() == ancestor)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    fn first<'a>(doc: &'a Html, css: &str) -> ElementRef<'a> {
        doc.select(&Selector::parse(css).unwrap()).next().unwrap()
    }

    #[test]
    fn br_and_block_elements_break_paragraphs_and_inline_elements_do_not() {
        let doc = Html::parse_fragment(
            "<div>أول <b>سطر</b> هنا<br>ثان<br/><br/>ثالث<p>رابع <a href=x>رابط</a></p>  خامس</div>",
        );
        let div = first(&doc, "div");
        let paras = paragraphs(*div, &|_, el| is_furniture(el));
        let texts: Vec<&str> = paras.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, ["أول سطر هنا", "ثان", "ثالث", "رابع رابط", "خامس"]);
        assert_eq!(paras[3].block_tag, "p");
        assert_eq!(paras[3].link_chars, 4);
        assert_eq!(paras[0].link_chars, 0);
        assert_eq!(paras[0].block, div.id());
    }

    #[test]
    fn scripts_styles_and_hidden_elements_are_never_text() {
        let doc = Html::parse_fragment(
            "<div>نص<script>var a = 'سكربت';</script><style>p{}</style>\
             <span style='display: none'>مخفي</span><span hidden>مخفي</span> ظاهر</div>",
        );
        assert_eq!(inline_text(first(&doc, "div")), "نص ظاهر");
    }

    #[test]
    fn wordpress_taxonomy_classes_are_not_furniture_but_share_bars_are() {
        let doc = Html::parse_fragment(
            "<div class='post tag-related category-ads type-post'>a</div>\
             <div class='entry-meta'>b</div><div class='sharedaddy sd-sharing'>c</div>\
             <div class='content-area'>d</div><div class='heading'>e</div>\
             <div class='story hidden-print'>f</div><div class='hidden'>g</div>",
        );
        let is = |css: &str| is_furniture(first(&doc, css).value());
        assert!(!is("div.post"));
        assert!(is("div.entry-meta"));
        assert!(is("div.sharedaddy"));
        assert!(!is("div.content-area"));
        assert!(!is("div.heading"), "`heading` is not `header`, nor `ad`");
        assert!(!is("div.story"), "hidden on paper only");
        assert!(is("div.hidden"));
    }

    #[test]
    fn related_headings_match_whole_phrases_only() {
        assert!(is_related_heading(" أخبار ذات صلة: "));
        assert!(is_related_heading("اقرأ أيضاً"));
        assert!(is_related_heading("Related News"));
        assert!(!is_related_heading("أخبار ذات صلة بالحرب على غزة وما تلاها من أحداث في المنطقة"));
        assert!(!is_related_heading("الأخبار"));
    }

    #[test]
    fn deeply_nested_markup_does_not_overflow_the_stack() {
        // html5ever's parse is quadratic in the depth; 2000 levels keeps the test fast while being
        // far deeper than any page, and the walk itself is iterative.
        let depth = 2_000;
        let html = format!("{}نص عميق{}", "<div>".repeat(depth), "</div>".repeat(depth));
        let doc = Html::parse_fragment(&html);
        let paras = paragraphs(doc.tree.root(), &|_, el| is_furniture(el));
        assert_eq!(paras.len(), 1);
        assert_eq!(paras[0].text, "نص عميق");
    }
}
