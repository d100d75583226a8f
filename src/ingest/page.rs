//! The scraped newspaper page and plain text.
//!
//! In: the whole text with `\n` line ends. Out: an [`Article`], or nothing when no title is left
//! after boilerplate is dropped. Never: put the related-news list or credits into the body.
//!
//! Layout of a page (the seed): title; dateline; blank; `author*`; body paragraphs one per line;
//! `• note` lines; blank; pairs of (headline, dateline); credits. Every part after the title is
//! optional, and blank lines anywhere are tolerated. Without a dateline on the second line the text
//! is plain: title, then paragraphs (each line, or each blank-separated block, is one).

use super::date::parse_date;
use super::is_boilerplate;
use crate::edition::{Article, Headline};

/// Note lines start with a bullet.
const NOTE_BULLETS: &[char] = &['•', '●', '▪', '◦'];
/// An author line is short; a longer unpunctuated line is a paragraph.
const MAX_AUTHOR_WORDS: usize = 6;

pub(super) fn parse(text: &str) -> Option<Article> {
    // (line, preceded by a blank line)
    let mut lines: Vec<(&str, bool)> = Vec::new();
    let mut blank_before = false;
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            blank_before = true;
            continue;
        }
        if is_boilerplate(line) {
            continue;
        }
        lines.push((line, blank_before));
        blank_before = false;
    }
    let (&(title, _), rest) = lines.split_first()?;
    let mut article = Article { title: title.to_string(), ..Article::default() };
    let Some((&(dateline, _), rest)) =
        rest.split_first().filter(|(l, _)| parse_date(l.0).is_some())
    else {
        article.paragraphs = plain_paragraphs(text, title);
        return Some(article);
    };
    article.dateline = Some(dateline.to_string());
    article.date = parse_date(dateline);

    let mut body = rest;
    if let Some((&(line, _), after)) = body.split_first() {
        if let Some(author) = author_name(line, !after.is_empty()) {
            article.author = Some(author);
            body = after;
        }
    }

    // Related news: the longest run of (headline, dateline) pairs at the end.
    let mut end = body.len();
    while end >= 2 && parse_date(body[end - 1].0).is_some() && parse_date(body[end - 2].0).is_none()
    {
        end -= 2;
    }
    // A lone pair right after a paragraph is more likely the body's last line and a stray date;
    // require the list to be set off by a blank line or to hold at least two items.
    let pairs = (body.len() - end) / 2;
    if pairs == 1 && !body[end].1 {
        end = body.len();
    }
    article.related = body[end..]
        .chunks(2)
        .filter_map(|pair| match pair {
            [(title, _), (date, _)] => {
                Some(Headline { title: title.to_string(), date: parse_date(date) })
            }
            _ => None,
        })
        .collect();

    for &(line, _) in &body[..end] {
        if let Some(note) = line.strip_prefix(NOTE_BULLETS) {
            article.notes.push(note.trim().to_string());
        } else {
            article.paragraphs.push(line.to_string());
        }
    }
    Some(article)
}

/// `مارك تمنيكي*` → `مارك تمنيكي`. A short line without sentence punctuation also counts when
/// more text follows it; a line ending in `*` is always an author (the star points at the note).
fn author_name(line: &str, more_follows: bool) -> Option<String> {
    if let Some(name) = line.strip_suffix(['*', '٭']) {
        let name = name.trim();
        return (!name.is_empty()).then(|| name.to_string());
    }
    let words = line.split_whitespace().count();
    let punctuated = line.contains(['.', '،', '؟', '?', '!', ':', '؛', '"', '«']);
    (more_follows && words <= MAX_AUTHOR_WORDS && !punctuated && parse_date(line).is_none())
        .then(|| line.to_string())
}

/// Plain text after the title: blank-line separated blocks when the text has blank lines between
/// lines of text, else one paragraph per line. Soft-wrapped lines inside a block are joined.
fn plain_paragraphs(text: &str, title: &str) -> Vec<String> {
    let mut blocks: Vec<Vec<&str>> = vec![Vec::new()];
    let mut seen_title = false;
    for raw in text.lines() {
        let line = raw.trim();
        if !seen_title {
            seen_title = line == title;
            continue;
        }
        if line.is_empty() {
            if blocks.last().is_some_and(|b| !b.is_empty()) {
                blocks.push(Vec::new());
            }
        } else if !is_boilerplate(line) {
            if let Some(b) = blocks.last_mut() {
                b.push(line);
            }
        }
    }
    blocks.retain(|b| !b.is_empty());
    let blank_separated = blocks.len() > 1 && blocks.iter().any(|b| b.len() > 1);
    if blank_separated {
        blocks.iter().map(|b| b.join(" ")).collect()
    } else {
        blocks.into_iter().flatten().map(str::to_string).collect()
    }
}
