//! "Related news", "latest news" and "read also" lists of a page: the headlines they list, with
//! the dates printed beside them, for the bulletin.
//!
//! In: a parsed page (or a feed item's HTML). Out: the lists' element regions (so that the body
//! leaves them out) and their [`Headline`]s in document order. A list is found by its class or id
//! (`related-posts`, `yarpp-related`, `latest-news`) or by a heading that says what it is
//! (`أخبار ذات صلة`, `آخر الأخبار`, `اقرأ أيضا`). Never: take a list from navigation, a ticker, a
//! footer or comments, or a "more" link for a headline.

use std::collections::HashSet;

use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Node, Selector};

use super::dom;
use super::meta::in_chrome;
use crate::edition::Headline;
use crate::ingest::parse_dateline;

/// Links that lead to more of a list, not to an article.
const MORE_LINKS: &[&str] = &["المزيد", "عرض المزيد", "عرض الكل", "الكل", "more", "read more"];

/// Fewest words in a listed headline.
const MIN_HEADLINE_WORDS: usize = 3;
/// How far above a heading the search for its list goes (the heading may sit in a wrapper).
const MAX_HEADING_CLIMB: usize = 3;

/// The related-news lists of a page.
#[derive(Debug, Default)]
pub(super) struct Regions {
    /// Each list: the element subtrees that hold its items, in document order.
    pub lists: Vec<Vec<NodeId>>,
    /// Every element of every list, with the headings that announced them: the body leaves
    /// these out.
    pub excluded: HashSet<NodeId>,
}

/// The related-news lists under `root`.
pub(super) fn regions(root: NodeRef<'_, Node>) -> Regions {
    let mut found = Regions::default();
    for node in root.descendants() {
        let Some(el) = dom::element(&node) else { continue };
        if inside(node, &found.excluded) || dom::is_silent(el) {
            continue;
        }
        let region = if dom::is_related_by_name(el) {
            Some(vec![node.id()])
        } else if is_heading_like(node)
            && ElementRef::wrap(node).is_some_and(|e| dom::is_related_heading(&dom::inline_text(e)))
        {
            heading_region(node)
        } else {
            None
        };
        let Some(region) = region else { continue };
        if in_chrome(node) {
            continue;
        }
        found.excluded.extend(region.iter().copied());
        found.excluded.insert(node.id());
        found.lists.push(region);
    }
    found
}

/// The headlines listed in `regions`, without the page's own title and without repeats.
pub(super) fn headlines(
    tree: &ego_tree::Tree<Node>,
    regions: &Regions,
    own_title: &str,
) -> Vec<Headline> {
    let mut out: Vec<Headline> = Vec::new();
    for region in &regions.lists {
        for id in region {
            let Some(node) = tree.get(*id) else { continue };
            for item in items(node) {
                push_headline(&mut out, item, own_title);
            }
        }
    }
    out
}

/// Adds `item` unless it repeats a headline already listed or the article's own title.
pub(super) fn push_headline(out: &mut Vec<Headline>, item: Headline, own_title: &str) {
    let key = dom::collapse_whitespace(&item.title);
    if key.is_empty() || key == dom::collapse_whitespace(own_title) {
        return;
    }
    if !out.iter().any(|h| dom::collapse_whitespace(&h.title) == key) {
        out.push(item);
    }
}

/// Whether `node` or one of its ancestors is in `set`.
fn inside(node: NodeRef<'_, Node>, set: &HashSet<NodeId>) -> bool {
    set.contains(&node.id()) || node.ancestors().any(|a| set.contains(&a.id()))
}

/// A heading, or a short element that a template uses as one (`<div class="widget-title">`).
fn is_heading_like(node: NodeRef<'_, Node>) -> bool {
    let Some(el) = dom::element(&node) else { return false };
    if dom::heading_level(el).is_some() {
        return true;
    }
    let titled = el.classes().chain(el.id()).any(|c| {
        let c = c.to_ascii_lowercase();
        c.split(['-', '_']).any(|p| matches!(p, "title" | "heading" | "head" | "header" | "label"))
    });
    let short_tag = matches!(el.name(), "div" | "span" | "strong" | "b" | "p" | "header");
    titled && short_tag
}

/// The elements after a list heading up to the next heading; when the heading sits alone in a
/// wrapper, the wrapper's following siblings.
fn heading_region(heading: NodeRef<'_, Node>) -> Option<Vec<NodeId>> {
    let mut current = heading;
    for _ in 0..=MAX_HEADING_CLIMB {
        let mut region = Vec::new();
        for sibling in current.next_siblings() {
            let Some(el) = dom::element(&sibling) else { continue };
            if dom::heading_level(el).is_some() || (is_heading_like(sibling) && !region.is_empty())
            {
                break;
            }
            region.push(sibling.id());
        }
        let has_links = region.iter().any(|id| {
            current.tree().get(*id).is_some_and(|n| {
                ElementRef::wrap(n).is_some_and(|e| e.select(&link_selector()).next().is_some())
            })
        });
        if has_links {
            return Some(region);
        }
        current = current.parent().filter(|p| p.value().is_element())?;
    }
    None
}

fn link_selector() -> Selector {
    Selector::parse("a[href]").unwrap_or_else(|_| unreachable!("constant selector"))
}

fn item_selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|_| unreachable!("constant selector {css}"))
}

/// The items of a list: for each headline link, the largest element around it that holds no
/// other headline link (an `<li>`, an `<article>`, a card `<div>`), so the date printed beside
/// the link is found too.
fn items(node: NodeRef<'_, Node>) -> Vec<Headline> {
    let Some(root) = ElementRef::wrap(node) else { return Vec::new() };
    let links: Vec<ElementRef<'_>> = std::iter::once(root)
        .filter(|e| e.value().name() == "a")
        .chain(root.select(&link_selector()))
        .filter(|a| is_headline_text(&dom::inline_text(*a)))
        .collect();
    let count_in = |el: &ElementRef<'_>| {
        links
            .iter()
            .filter(|a| a.id() == el.id() || a.ancestors().any(|x| x.id() == el.id()))
            .count()
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for link in &links {
        let mut item = *link;
        while item.id() != root.id() {
            let Some(parent) = item.parent().and_then(ElementRef::wrap) else { break };
            if count_in(&parent) > 1 {
                break;
            }
            item = parent;
        }
        if seen.insert(item.id()) {
            out.extend(headline_of(item));
        }
    }
    out
}

/// Whether a link's text can be a headline: a few words, not a date, not "more".
fn is_headline_text(text: &str) -> bool {
    let lower = text.to_lowercase();
    text.split_whitespace().count() >= MIN_HEADLINE_WORDS
        && !MORE_LINKS.contains(&lower.as_str())
        && parse_dateline(text).is_none()
        && text.chars().any(char::is_alphabetic)
}

/// One listed headline: the item's heading or its longest link, and the date printed in it.
fn headline_of(el: ElementRef<'_>) -> Option<Headline> {
    let heading = el
        .select(&item_selector("h2, h3, h4, h5, h6"))
        .map(dom::inline_text)
        .find(|t| is_headline_text(t));
    let link = std::iter::once(el)
        .filter(|e| e.value().name() == "a")
        .chain(el.select(&link_selector()))
        .map(dom::inline_text)
        .filter(|t| is_headline_text(t))
        .max_by_key(|t| t.chars().count());
    let title = heading.or(link)?;
    Some(Headline { title, date: item_date(el) })
}

/// The date printed in a list item: a `<time>`, else the first piece of its text (a text node,
/// or an element other than a link) that is a dateline.
fn item_date(el: ElementRef<'_>) -> Option<chrono::NaiveDate> {
    for time in el.select(&item_selector("time")) {
        let text = dom::inline_text(time);
        if let Some((d, _)) = parse_dateline(&text) {
            return Some(d);
        }
        if let Some(d) = time.attr("datetime").and_then(crate::ingest::parse_date) {
            return Some(d);
        }
    }
    el.descendants().find_map(|node| match node.value() {
        Node::Text(text) => parse_dateline(text.trim()).map(|(d, _)| d),
        Node::Element(e) if e.name() != "a" && !dom::is_silent(e) => ElementRef::wrap(node)
            .and_then(|e| parse_dateline(&dom::inline_text(e)))
            .map(|(d, _)| d),
        _ => None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use scraper::Html;

    fn found(html: &str) -> Vec<Headline> {
        let doc = Html::parse_document(html);
        let regions = regions(doc.tree.root());
        headlines(&doc.tree, &regions, "عنوان المقال")
    }

    #[test]
    fn a_list_under_a_related_heading_gives_headlines_with_their_dates() {
        let got = found(
            "<body><div class='box'><h3>أخبار ذات صلة</h3><ul>\
             <li><a href='/1'>الاقتصاد النيابية تبحث المواصفة العراقية</a> <span>3-نيسان-2024</span></li>\
             <li><a href='/2'>وزير الخارجية يصل إلى عمان</a><time datetime='2024-03-25'>منذ يومين</time></li>\
             <li><a href='/3'>خبر بلا تاريخ هنا</a></li>\
             <li><a href='/4'>المزيد</a></li></ul></div></body>",
        );
        let want = [
            ("الاقتصاد النيابية تبحث المواصفة العراقية", NaiveDate::from_ymd_opt(2024, 4, 3)),
            ("وزير الخارجية يصل إلى عمان", NaiveDate::from_ymd_opt(2024, 3, 25)),
            ("خبر بلا تاريخ هنا", None),
        ];
        let got: Vec<(&str, Option<NaiveDate>)> =
            got.iter().map(|h| (h.title.as_str(), h.date)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn class_named_blocks_count_and_the_own_title_is_left_out() {
        let got = found(
            "<body><section class='related-posts'><article><h4>عنوان المقال</h4></article>\
             <article><h4><a href='/x'>وفد حماس يزور موسكو مرة أخرى</a></h4>\
             <span class='date'>12/02/2024</span></article></section></body>",
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].title, "وفد حماس يزور موسكو مرة أخرى");
        assert_eq!(got[0].date, NaiveDate::from_ymd_opt(2024, 2, 12));
    }

    #[test]
    fn lists_in_navigation_or_footers_are_not_related_news() {
        let got = found(
            "<body><footer><h3>آخر الأخبار</h3><ul><li><a href='/1'>خبر في التذييل هنا</a></li></ul></footer>\
             <nav class='related-menu'><a href='/2'>رابط في القائمة هنا</a></nav></body>",
        );
        assert!(got.is_empty(), "{got:?}");
    }
}
