//! Which part of a page is the article: a readability-style score of candidate containers.
//!
//! In: the `<body>` of a parsed page. Out: the element(s) holding the article text, in document
//! order. Never: pick a container for its size alone (the whole `<body>` is large too), or count
//! text that a reader would not see as the article's (navigation, share bars, related lists).
//!
//! How: every paragraph of at least [`MIN_PARAGRAPH_CHARS`] characters scores
//! `1 + commas + min(chars/100, 3)`, weighted by its share of Arabic letters (a paragraph of
//! Latin credits or code is worth a quarter) and by the share of it that is not link text. The
//! score goes to the element that holds the paragraph, half of it to that element's parent and
//! less further up, so the tightest element holding many Arabic paragraphs wins. Each candidate
//! starts from a small weight for its tag and for class names like `entry-content` or
//! `sidebar`, and its total is scaled by `1 - link density` of everything under it. Siblings of
//! the winner that score well too (an article split into several `<div>`s around an ad) join
//! it.

use std::collections::HashMap;

use ego_tree::{NodeId, NodeRef};
use scraper::Node;

use super::dom::{self, Para};

/// Shorter paragraphs (captions, buttons, bylines) do not vote.
const MIN_PARAGRAPH_CHARS: usize = 25;
/// How many ancestors of a paragraph's element receive a share of its score.
const ANCESTOR_LEVELS: usize = 5;
/// A sibling joins the winner when its paragraphs score at least this share of the winner's
/// paragraphs (tag and class weights left out: a `story-info` line is not article text because
/// of its class name)...
const SIBLING_SHARE: f64 = 0.2;
/// ... and at least this much: about one real paragraph.
const MIN_SIBLING_SCORE: f64 = 3.0;

/// Tags whose text belongs to their parent container rather than being one.
const PARAGRAPH_TAGS: &[&str] =
    &["p", "pre", "blockquote", "li", "dd", "dt", "h2", "h3", "h4", "h5", "h6"];

/// The elements holding the article text under `body`, in document order; empty when the page
/// has no paragraph worth a score.
pub(super) fn main_content(
    body: NodeRef<'_, Node>,
    skip: &dyn Fn(NodeId, &scraper::node::Element) -> bool,
) -> Vec<NodeId> {
    let paras = dom::paragraphs(body, skip);
    let tree = body.tree();
    // (initial weight from tag and class, score from paragraphs)
    let mut scores: HashMap<NodeId, (f64, f64)> = HashMap::new();
    for para in &paras {
        let Some(node) = tree.get(para.block) else { continue };
        let Some(score) = paragraph_score(para) else { continue };
        let first = if PARAGRAPH_TAGS.contains(&para.block_tag.as_str()) {
            node.parent().filter(|p| p.value().is_element())
        } else {
            Some(node)
        };
        let mut level = 0;
        let mut current = first;
        while let Some(candidate) = current.filter(|c| c.value().is_element()) {
            if level >= ANCESTOR_LEVELS {
                break;
            }
            let divider = match level {
                0 => 1.0,
                1 => 2.0,
                n => n as f64 * 3.0,
            };
            scores.entry(candidate.id()).or_insert_with(|| (initial_score(candidate), 0.0)).1 +=
                score / divider;
            if candidate.id() == body.id() {
                break;
            }
            level += 1;
            current = candidate.parent();
        }
    }
    let densities = link_densities(&paras, body);
    let scaled =
        |id: &NodeId, score: f64| score * (1.0 - densities.get(id).copied().unwrap_or(0.0));
    let finals: HashMap<NodeId, f64> = scores
        .iter()
        .map(|(id, (initial, content))| (*id, scaled(id, initial + content)))
        .collect();
    let contents: HashMap<NodeId, f64> =
        scores.iter().map(|(id, (_, content))| (*id, scaled(id, *content))).collect();
    let position: HashMap<NodeId, usize> = body
        .descendants()
        .enumerate()
        .filter(|(_, n)| finals.contains_key(&n.id()))
        .map(|(i, n)| (n.id(), i))
        .collect();
    // The highest score; on a tie, the earlier element.
    let Some((&top, _)) = finals
        .iter()
        .filter(|(_, s)| **s > 0.0)
        .max_by(|a, b| a.1.total_cmp(b.1).then_with(|| position.get(b.0).cmp(&position.get(a.0))))
    else {
        return Vec::new();
    };
    with_siblings(tree, top, &contents, &paras)
}

/// A paragraph's vote, or none when it is too short or mostly links.
fn paragraph_score(para: &Para) -> Option<f64> {
    let chars = para.chars();
    if chars < MIN_PARAGRAPH_CHARS {
        return None;
    }
    let density = para.link_density();
    if density > 0.5 {
        return None;
    }
    let commas = para.text.chars().filter(|c| matches!(c, '،' | ',' | '؛')).count() as f64;
    let base = 1.0 + commas + (chars as f64 / 100.0).min(3.0);
    let arabic = 0.25 + 0.75 * dom::arabic_ratio(&para.text);
    Some(base * arabic * (1.0 - density))
}

/// The score a candidate starts from: its tag and its class names.
fn initial_score(node: NodeRef<'_, Node>) -> f64 {
    let Some(el) = dom::element(&node) else { return 0.0 };
    let by_tag = match dom::tag(el) {
        "article" | "main" => 10.0,
        "div" | "section" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    };
    by_tag + 25.0 * f64::from(dom::class_weight(el))
}

/// Link text share of every element that holds paragraphs, over all its paragraphs.
fn link_densities(paras: &[Para], body: NodeRef<'_, Node>) -> HashMap<NodeId, f64> {
    let tree = body.tree();
    let mut totals: HashMap<NodeId, (usize, usize)> = HashMap::new();
    for para in paras {
        let Some(node) = tree.get(para.block) else { continue };
        let visible = dom::visible_chars(&para.text);
        for ancestor in std::iter::once(node).chain(node.ancestors()) {
            let entry = totals.entry(ancestor.id()).or_default();
            entry.0 += visible;
            entry.1 += para.link_chars;
            if ancestor.id() == body.id() {
                break;
            }
        }
    }
    totals
        .into_iter()
        .map(|(id, (chars, links))| (id, links as f64 / chars.max(1) as f64))
        .collect()
}

/// The winner and those of its siblings that hold article text too, in document order.
fn with_siblings(
    tree: &ego_tree::Tree<Node>,
    top: NodeId,
    contents: &HashMap<NodeId, f64>,
    paras: &[Para],
) -> Vec<NodeId> {
    let Some(parent) = tree.get(top).and_then(|n| n.parent()) else {
        return vec![top];
    };
    let top_content = contents.get(&top).copied().unwrap_or(0.0);
    let threshold = (top_content * SIBLING_SHARE).max(MIN_SIBLING_SCORE);
    let mut roots = Vec::new();
    for sibling in parent.children() {
        let id = sibling.id();
        let joins = id == top
            || contents.get(&id).is_some_and(|s| *s >= threshold)
            || is_long_paragraph(sibling, paras);
        if joins {
            roots.push(id);
        }
    }
    roots
}

/// A `<p>` beside the winner with a long, link-poor text is article text that the page's
/// template put outside the main container.
fn is_long_paragraph(node: NodeRef<'_, Node>, paras: &[Para]) -> bool {
    dom::element(&node).is_some_and(|el| dom::tag(el) == "p")
        && paras
            .iter()
            .filter(|p| p.block == node.id())
            .any(|p| p.chars() >= 80 && p.link_density() < 0.25)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    fn skip(_: NodeId, el: &scraper::node::Element) -> bool {
        dom::is_furniture(el)
    }

    fn chosen(html: &str) -> Vec<String> {
        let doc = Html::parse_document(html);
        let body = doc.select(&Selector::parse("body").unwrap()).next().unwrap();
        main_content(*body, &skip)
            .into_iter()
            .map(|id| {
                let node = doc.tree.get(id).unwrap();
                let el = dom::element(&node).unwrap();
                format!("{}#{}", dom::tag(el), el.id().unwrap_or(""))
            })
            .collect()
    }

    const PARAGRAPH: &str = "<p>قال المتحدث باسم الوزارة، في مؤتمر صحفي عقده اليوم، إن المفاوضات ستستأنف الأسبوع المقبل في القاهرة.</p>";

    #[test]
    fn the_container_of_the_arabic_paragraphs_wins_over_body_and_link_lists() {
        let links: String = (0..30)
            .map(|i| format!("<li><a href='/n{i}'>خبر رقم {i} في القائمة الجانبية للموقع</a></li>"))
            .collect();
        let html = format!(
            "<body><div id='page'><ul id='links'>{links}</ul><div id='story'>{}</div></div></body>",
            PARAGRAPH.repeat(5)
        );
        assert_eq!(chosen(&html), ["div#story"]);
    }

    #[test]
    fn english_boilerplate_loses_to_fewer_arabic_paragraphs() {
        let english = "<p>Lorem ipsum dolor sit amet, consectetur, adipiscing elit, sed do eiusmod tempor, incididunt ut labore.</p>".repeat(6);
        let html = format!(
            "<body><div id='credits'>{english}</div><div id='story'>{}</div></body>",
            PARAGRAPH.repeat(3)
        );
        assert_eq!(chosen(&html), ["div#story"]);
    }

    #[test]
    fn an_article_split_around_an_ad_keeps_both_halves() {
        let html = format!(
            "<body><div id='wrap'><div id='a'>{p}</div><div class='ad' id='ad'>إعلان</div>\
             <div id='b'>{p}</div></div><div id='other'><p>نص قصير في مكان آخر من الصفحة.</p></div></body>",
            p = PARAGRAPH.repeat(3)
        );
        let doc = Html::parse_document(&html);
        let body = doc.select(&Selector::parse("body").unwrap()).next().unwrap();
        let texts: Vec<String> = main_content(*body, &skip)
            .into_iter()
            .flat_map(|id| dom::paragraphs(doc.tree.get(id).unwrap(), &skip))
            .map(|p| p.text)
            .collect();
        assert_eq!(texts.len(), 6, "{texts:?}");
        assert!(texts.iter().all(|t| t.starts_with("قال المتحدث")), "{texts:?}");
    }

    #[test]
    fn a_page_without_paragraphs_has_no_content() {
        assert!(chosen("<body><nav><a href='/'>الرئيسية</a></nav><p>قصير</p></body>").is_empty());
    }
}
