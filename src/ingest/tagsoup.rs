//! HTML that arrives as a `.txt` or `.md` file: tags out, readable text kept.
//!
//! In: the text of an article file that [`looks_like_html`]. Out: the text a reader of the page
//! would see, one block (paragraph, heading, list item) per line, entities decoded.
//! Must never happen: script or style code read aloud (`function(){...}`, `.nav{color:red}`),
//! a tag's name or attributes spoken, or a panic on a broken tag.
//!
//! This is deliberately small: a scraper that saved a page's source as `.txt`, or an article
//! pasted from a CMS with its markup, should read as its text. Real web pages (`.html`) have their
//! own reader; this one only has to keep markup from being spoken.
//!
//! Rules:
//! - `<script>`, `<style>`, `<noscript>`, `<template>`, `<svg>`, `<math>`, `<iframe>`, `<object>`
//!   and the site furniture `<nav>`, `<footer>`, `<aside>`, `<form>`, `<button>`, `<select>` are
//!   dropped with their content; so is `<head>`, except that its `<title>` becomes the first line
//!   when the body has no `<h1>`.
//! - Comments, `<!DOCTYPE>` and `<?...?>` are dropped.
//! - Block tags (`p`, `div`, `br`, `h1`–`h6`, `li`, `tr`, ...) end a line; table cells are
//!   separated by a space; other tags vanish.
//! - In a real HTML document (two block tags or more) line breaks of the source are spaces, as a
//!   browser shows them; in text with a stray script or style they stay line breaks.
//! - Named entities for markup and punctuation (`&amp;` `&nbsp;` `&laquo;` ...) and numeric ones
//!   (`&#1575;` `&#x627;`) are decoded; unknown ones are left as printed.
//!
//! Everything is one forward pass over the text (tag ends are searched from the current position
//! only), so time is linear in the input.

/// Elements dropped with everything inside them.
const DROPPED: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "nav", "footer",
    "aside", "form", "button", "select", "head",
];

/// Elements that end a line of text.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "tr",
    "table",
    "article",
    "section",
    "header",
    "main",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "address",
    "body",
    "html",
    "title",
];

/// Other tag names that, with the above, count as evidence of HTML.
const INLINE: &[&str] =
    &["a", "span", "b", "i", "em", "strong", "img", "td", "th", "meta", "link", "sup", "sub"];

/// Whether `text` is HTML rather than text that mentions a tag: it starts with a doctype or an
/// `<html>` tag, holds a script or style element, or has at least three known tags.
pub(crate) fn looks_like_html(text: &str) -> bool {
    if is_document(text) {
        return true;
    }
    let lower = text.to_ascii_lowercase();
    if ["script", "style"].iter().any(|t| has_element(&lower, t)) {
        return true;
    }
    let mut known = 0;
    let mut rest = lower.as_str();
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let name = tag_name(rest.strip_prefix('/').unwrap_or(rest));
        if BLOCKS.contains(&name) || INLINE.contains(&name) || DROPPED.contains(&name) {
            known += 1;
            if known >= 3 {
                return true;
            }
        }
    }
    false
}

/// Whether `text` is a whole HTML document: it starts with a doctype or an `<html>` tag.
pub(crate) fn is_document(text: &str) -> bool {
    let start = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let head: String = start.chars().take(16).collect::<String>().to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// Both `<name` (followed by `>` or a space) and `</name` appear.
fn has_element(lower: &str, name: &str) -> bool {
    has_open_tag(lower, name) && lower.contains(&format!("</{name}"))
}

/// The ASCII alphanumeric name at the start of `s` (already lowercase).
fn tag_name(s: &str) -> &str {
    let end = s.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(s.len());
    &s[..end]
}

/// The text of `html` (see the module docs).
pub(crate) fn to_text(html: &str) -> String {
    let lower = html.to_ascii_lowercase(); // same byte offsets as `html`
    let blocks = count_block_tags(&lower);
    let keep_newlines = blocks < 2;
    let mut out = String::with_capacity(html.len() / 2);
    let title = element_text(html, &lower, "title");
    let has_h1 = has_open_tag(&lower, "h1");
    let mut i = 0;
    while i < html.len() {
        let rest = &html[i..];
        let Some(next) = rest.find(['<', '&']) else {
            push_text(&mut out, rest, keep_newlines);
            break;
        };
        push_text(&mut out, &rest[..next], keep_newlines);
        i += next;
        if html[i..].starts_with('&') {
            let (decoded, used) = entity(&html[i..]);
            match decoded {
                Some(c) => push_text(&mut out, c.encode_utf8(&mut [0; 4]), keep_newlines),
                None => out.push('&'),
            }
            i += used;
            continue;
        }
        let low = &lower[i..];
        if low.starts_with("<!--") {
            i += low.find("-->").map_or(low.len(), |e| e + 3);
            continue;
        }
        if low.starts_with("<!") || low.starts_with("<?") {
            i += low.find('>').map_or(low.len(), |e| e + 1);
            continue;
        }
        let closing = low.starts_with("</");
        let name = tag_name(&low[if closing { 2 } else { 1 }..]);
        let Some(tag_end) = (!name.is_empty()).then(|| tag_end(low)).flatten() else {
            out.push('<'); // a lone `<`, as in `a < b`
            i += 1;
            continue;
        };
        let after = i + tag_end;
        if !closing && DROPPED.contains(&name) && !low[..tag_end].ends_with("/>") {
            // Skip to the matching close tag (no nesting: these elements do not nest in practice).
            // `</head>` is optional in HTML: a `<body>` ends the head as well.
            let close = format!("</{name}");
            let mut end = lower[after..].find(&close).map(|e| after + e);
            if name == "head" {
                if let Some(body) = lower[after..].find("<body").map(|e| after + e) {
                    end = Some(end.map_or(body, |e| e.min(body)));
                }
            }
            i = match end {
                Some(at) if lower[at..].starts_with("</") => at + tag_end_or_all(&lower[at..]),
                Some(at) => at,
                None => html.len(),
            };
            if !keep_newlines {
                out.push_str("\n\n");
            } else if out.is_empty() || out.ends_with('\n') {
                // The element filled its line: the line goes with it, so that it does not
                // become a blank line (which separates paragraphs in plain text).
                i += ["\r\n", "\n"]
                    .iter()
                    .find(|nl| html[i..].starts_with(**nl))
                    .map_or(0, |nl| nl.len());
            }
            continue;
        }
        if BLOCKS.contains(&name) {
            // A blank line: paragraphs stay apart for every article reader, Markdown included.
            out.push_str(if keep_newlines { "\n" } else { "\n\n" });
        } else if matches!(name, "td" | "th" | "img") {
            out.push(' ');
        }
        i = after;
    }
    let mut text = tidy(&out);
    if let Some(title) = title.filter(|t| !t.is_empty() && !has_h1) {
        text = if text.is_empty() { title } else { format!("{title}\n\n{text}") };
    }
    text
}

/// Whether `<name>` or `<name ...>` appears.
fn has_open_tag(lower: &str, name: &str) -> bool {
    let open = format!("<{name}");
    lower.match_indices(&open).any(|(i, _)| {
        lower[i + open.len()..]
            .starts_with(|c: char| c == '>' || c == '/' || c.is_ascii_whitespace())
    })
}

/// The text of the first `<name>` element, entities decoded and spaces collapsed.
fn element_text(html: &str, lower: &str, name: &str) -> Option<String> {
    let open = format!("<{name}");
    let start = lower.match_indices(&open).map(|(i, _)| i).find(|&i| {
        lower[i + open.len()..].starts_with(|c: char| c == '>' || c.is_ascii_whitespace())
    })?;
    let after = start + tag_end(&lower[start..])?;
    let end = lower[after..].find(&format!("</{name}")).map_or(html.len(), |e| after + e);
    Some(collapse(&decode_entities(&html[after..end])))
}

fn count_block_tags(lower: &str) -> usize {
    lower
        .match_indices('<')
        .filter(|(i, _)| {
            let rest = &lower[i + 1..];
            BLOCKS.contains(&tag_name(rest.strip_prefix('/').unwrap_or(rest)))
        })
        .take(2)
        .count()
}

/// Byte length of the tag starting at `<` in `low`, up to and including its `>`, skipping `>`
/// inside quoted attribute values; `None` if the tag never ends.
fn tag_end(low: &str) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (k, &b) in low.as_bytes().iter().enumerate().skip(1) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return Some(k + 1),
            (None, b'<') => return None, // `a <b c` is text, and so is the rest
            _ => {}
        }
    }
    None
}

fn tag_end_or_all(low: &str) -> usize {
    low.find('>').map_or(low.len(), |e| e + 1)
}

/// Appends text content; source line breaks are spaces in real HTML.
fn push_text(out: &mut String, text: &str, keep_newlines: bool) {
    if keep_newlines {
        out.push_str(text);
    } else {
        out.extend(text.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }));
    }
}

/// Decodes the entity at the start of `s` (which starts with `&`): the character and the bytes
/// used, or `None` and 1 when it is not an entity we know.
fn entity(s: &str) -> (Option<char>, usize) {
    let Some(semi) = s.get(1..).and_then(|r| r.find(';')).filter(|&e| e <= 10) else {
        return (None, 1);
    };
    let body = &s[1..1 + semi];
    let c = if let Some(num) = body.strip_prefix('#') {
        let value = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse::<u32>().ok(),
        };
        value.and_then(char::from_u32).filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
    } else {
        named_entity(body)
    };
    match c {
        Some(c) => (Some(c), semi + 2),
        None => (None, 1),
    }
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "laquo" => '«',
        "raquo" => '»',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        "shy" | "zwnj" | "zwj" | "lrm" | "rlm" => '\u{200B}',
        _ => return None,
    })
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(at) = s[i..].find('&') {
        out.push_str(&s[i..i + at]);
        let (c, used) = entity(&s[i + at..]);
        match c {
            Some(c) => out.push(c),
            None => out.push('&'),
        }
        i += at + used;
    }
    out.push_str(&s[i..]);
    out
}

/// Spaces collapsed inside a line, ends trimmed.
fn collapse(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lines collapsed and trimmed; a run of blank lines becomes one.
fn tidy(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines().map(collapse) {
        if line.is_empty() && out.last().is_none_or(String::is_empty) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out.join("\n")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>الموقع | خبر</title>
<style>.nav { color: red; } p > a { margin: 0 }</style>
<script>var x = 1 < 2 && "</p>"; function f() { return x; }</script></head>
<body><nav><a href="/">الرئيسية</a> <a href="/s">رياضة</a></nav>
<h1>سافر الوفد إلى موسكو</h1>
<p>قال الرئيس إن
المفاوضات <b>مستمرة</b> &amp; &laquo;جادة&raquo;.</p>
<!-- a comment <p>hidden</p> -->
<p>العدد&nbsp;&#1633;&#x662; <a href="x">هنا</a></p>
<script type="text/javascript">document.write('<p>ad</p>')</script>
<footer>جميع الحقوق محفوظة</footer></body></html>"#;

    #[test]
    fn a_page_reads_as_its_headline_and_paragraphs() {
        assert!(looks_like_html(PAGE) && is_document(PAGE));
        assert_eq!(
            to_text(PAGE),
            "سافر الوفد إلى موسكو\n\nقال الرئيس إن المفاوضات مستمرة & «جادة».\n\nالعدد ١٢ هنا"
        );
    }

    #[test]
    fn no_script_or_style_code_survives() {
        let text = to_text(PAGE);
        for code in ["function", "var x", "color", "document.write", "ad", "hidden", "الرئيسية"]
        {
            assert!(!text.contains(code), "{code:?} in {text:?}");
        }
    }

    #[test]
    fn title_stands_in_for_a_missing_h1() {
        let html =
            "<html><head><title>عنوان &amp; خبر</title></head><body><p>نص.</p></body></html>";
        assert_eq!(to_text(html), "عنوان & خبر\n\nنص.");
    }

    #[test]
    fn text_with_a_stray_script_keeps_its_lines() {
        let text = "عنوان الخبر\n<script>alert('x')</script>\nالفقرة الأولى.\nالفقرة الثانية.";
        assert!(looks_like_html(text) && !is_document(text));
        assert_eq!(to_text(text), "عنوان الخبر\nالفقرة الأولى.\nالفقرة الثانية.");
    }

    #[test]
    fn plain_text_mentioning_tags_is_not_html() {
        assert!(!looks_like_html("عنوان\nقال إن 3 < 5 وإن <b> وسم.\nنص."));
        assert!(!looks_like_html("كتب <script> في مقاله"));
        assert!(!looks_like_html(""));
    }

    #[test]
    fn broken_tags_and_lone_brackets_are_text() {
        assert_eq!(to_text("<p>أ < ب</p><p>ج <b"), "أ < ب\n\nج <b");
        assert_eq!(
            to_text("<p>x</p><p>&bogus; &#xFFFFFFFF; &#0; &</p>"),
            "x\n\n&bogus; &#xFFFFFFFF; &#0; &"
        );
        assert_eq!(to_text("<p>a</p><div><script>never closed"), "a");
        assert_eq!(to_text("<p>a</p><!-- open comment"), "a");
    }

    #[test]
    fn quoted_gt_inside_attributes_does_not_end_the_tag() {
        assert_eq!(to_text(r#"<p title="a > b">نص</p><div data-x='>'>ثان</div>"#), "نص\n\nثان");
    }

    #[test]
    fn self_closing_dropped_elements_drop_nothing_else() {
        assert_eq!(to_text("<p>أ</p><iframe src=x /><p>ب</p>"), "أ\n\nب");
    }
}
