//! Markdown articles.
//!
//! In: Markdown text. Out: an [`Article`] whose title is the first `#` heading (the first line when
//! there is none) and whose paragraphs are the blank-line separated blocks with soft-wrapped lines
//! joined and emphasis, links, images, code and HTML markup removed. Never: read markup aloud
//! (`**`, `[text](url)`), nor speak URLs.

use super::is_boilerplate;
use crate::edition::Article;

pub(super) fn parse(text: &str) -> Option<Article> {
    let mut title: Option<String> = None;
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut in_fence = false;
    let flush = |current: &mut Vec<String>, paragraphs: &mut Vec<String>| {
        if !current.is_empty() {
            paragraphs.push(current.join(" "));
            current.clear();
        }
    };
    for raw in text.lines() {
        let line = raw.trim();
        if line.starts_with("```") || line.starts_with("~~~") {
            in_fence = !in_fence;
            flush(&mut current, &mut paragraphs);
            continue;
        }
        if in_fence || is_boilerplate(line) || is_rule(line) {
            flush(&mut current, &mut paragraphs);
            continue;
        }
        if line.is_empty() {
            flush(&mut current, &mut paragraphs);
            continue;
        }
        if let Some(heading) = heading(line) {
            flush(&mut current, &mut paragraphs);
            let heading = inline(heading);
            if heading.is_empty() {
                continue;
            }
            if title.is_none() && line.starts_with("# ") {
                title = Some(heading);
            } else {
                // Sub-headings are read as their own paragraph.
                paragraphs.push(heading);
            }
            continue;
        }
        let body = line
            .trim_start_matches('>')
            .trim_start()
            .trim_start_matches(['-', '*', '+'])
            .trim_start();
        let body = strip_ordered_marker(body);
        let text = inline(body);
        if !text.is_empty() {
            current.push(text);
        }
    }
    flush(&mut current, &mut paragraphs);
    let title = match title {
        Some(t) => t,
        None if !paragraphs.is_empty() => paragraphs.remove(0),
        None => return None,
    };
    Some(Article { title, paragraphs, ..Article::default() })
}

fn heading(line: &str) -> Option<&str> {
    let hashes = line.chars().take_while(|&c| c == '#').count();
    (1..=6)
        .contains(&hashes)
        .then(|| &line[hashes..])
        .filter(|r| r.starts_with(' ') || r.is_empty())
        .map(|r| r.trim().trim_end_matches('#').trim())
}

fn is_rule(line: &str) -> bool {
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    compact.len() >= 3
        && (compact.chars().all(|c| c == '-')
            || compact.chars().all(|c| c == '*')
            || compact.chars().all(|c| c == '_'))
}

fn strip_ordered_marker(s: &str) -> &str {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && s[digits..].starts_with(['.', ')']) && s[digits + 1..].starts_with(' ') {
        s[digits + 1..].trim_start()
    } else {
        s
    }
}

/// Removes inline markup: `![alt](src)` → ``, `[text](url)` → `text`, `<tag>` → ``, `**x**`, `*x*`,
/// `__x__`, `` `x` `` → `x`. Underscores inside words stay (`snake_case`).
fn inline(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '!' if chars.get(i + 1) == Some(&'[') => {
                if let Some((_, next)) = link(&chars, i + 1) {
                    i = next;
                    continue;
                }
                out.push(c);
            }
            '[' => {
                if let Some((text, next)) = link(&chars, i) {
                    out.push_str(&inline(&text));
                    i = next;
                    continue;
                }
                out.push(c);
            }
            '<' => {
                if let Some(close) = chars[i..].iter().position(|&x| x == '>') {
                    let inner: String = chars[i + 1..i + close].iter().collect();
                    if inner.starts_with("http") {
                        // Autolinks are URLs: not spoken.
                    } else if !inner.starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '/') {
                        out.push(c);
                        i += 1;
                        continue;
                    }
                    i += close + 1;
                    continue;
                }
                out.push(c);
            }
            '*' | '`' => {}
            '_' => {
                let prev_word = i > 0 && chars[i - 1].is_alphanumeric();
                let next_word = chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
                if prev_word && next_word {
                    out.push(c);
                }
            }
            '\\' if chars.get(i + 1).is_some_and(|n| n.is_ascii_punctuation()) => {
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `[text](url)` starting at `start`: the text and the index after the closing parenthesis.
fn link(chars: &[char], start: usize) -> Option<(String, usize)> {
    let close = start + chars[start..].iter().position(|&c| c == ']')?;
    if chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let end = close + 1 + chars[close + 1..].iter().position(|&c| c == ')')?;
    Some((chars[start + 1..close].iter().collect(), end + 1))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    #[test]
    fn heading_is_title_and_soft_wrapped_lines_join() {
        let a = parse("مقدمة قصيرة\n\n# العنوان **المهم**\n\nسطر أول\nيكمل هنا.\n\nفقرة [ثانية](http://x.y) و*تأكيد*.\n").unwrap();
        assert_eq!(a.title, "العنوان المهم");
        assert_eq!(a.paragraphs, vec!["مقدمة قصيرة", "سطر أول يكمل هنا.", "فقرة ثانية وتأكيد."]);
    }

    #[test]
    fn first_line_is_title_without_heading_and_images_vanish() {
        let a = parse(
            "عنوان بلا علامة\n\n![صورة](a.png)\n\n- بند أول\n1. بند ثان\n\n---\n\n`snake_case` نص",
        )
        .unwrap();
        assert_eq!(a.title, "عنوان بلا علامة");
        assert_eq!(a.paragraphs, vec!["بند أول بند ثان", "snake_case نص"]);
    }

    #[test]
    fn markup_only_gives_nothing() {
        assert_eq!(parse("---\n\n![x](y.png)\n"), None);
    }
}
