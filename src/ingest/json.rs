//! JSON articles, as content management systems export them (schema: docs/inputs.md).
//!
//! In: a JSON document: one article object, a list of them, or an object whose `articles` (or
//! `items`) field is that list. Out: one result per article object, in order, so one bad object
//! does not lose the others. Fields other than those of the schema are ignored, so an export can
//! be passed as it is; a field of the schema with the wrong type is an error naming the article.
//! Never: guess a date that does not parse (the article fails and says which date).

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;

use super::date::{is_timestamp, parse_date};
use super::html;
use crate::edition::{Article, Headline};

/// Note lines start with a bullet, as in the scraped pages.
const NOTE_BULLETS: &[char] = &['•', '●', '▪', '◦'];

/// Why a JSON article could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    #[error("not valid JSON: {0}")]
    Syntax(String),
    #[error("expected an article object, a list of them, or an object with an `articles` list")]
    Shape,
    #[error("{0}")]
    Field(String),
    #[error("`date` {0:?} is not a date (ISO 8601, RFC 2822 or an Arabic dateline)")]
    Date(String),
    #[error("no text: give `body` or `html`")]
    NoBody,
    #[error("`title` is empty")]
    NoTitle,
}

/// One article object of the schema.
#[derive(Debug, Deserialize)]
struct JsonArticle {
    title: String,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    author: Option<OneOrMany>,
    #[serde(default)]
    body: Option<JsonBody>,
    #[serde(default)]
    html: Option<String>,
    #[serde(default)]
    related: Vec<JsonHeadline>,
    #[serde(default)]
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum JsonBody {
    Text(String),
    Paragraphs(Vec<String>),
}

#[derive(Debug, Deserialize)]
struct JsonHeadline {
    title: String,
    #[serde(default)]
    date: Option<String>,
}

/// One article of a JSON document: its `id` (when given) and what it became.
#[derive(Debug)]
pub struct Parsed {
    /// 1-based position in the document.
    pub position: usize,
    pub id: Option<String>,
    pub article: Result<Article, JsonError>,
}

/// Parses a JSON document into its articles.
pub fn parse(text: &str) -> Result<Vec<Parsed>, JsonError> {
    let value: Value = serde_json::from_str(text).map_err(|e| JsonError::Syntax(e.to_string()))?;
    let objects = match value {
        Value::Array(items) => items,
        Value::Object(mut map) => match ["articles", "items"].iter().find_map(|k| map.remove(*k)) {
            Some(Value::Array(items)) => items,
            Some(_) => return Err(JsonError::Shape),
            None => vec![Value::Object(map)],
        },
        _ => return Err(JsonError::Shape),
    };
    Ok(objects
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let id = value.get("id").and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
            let article = serde_json::from_value::<JsonArticle>(value)
                .map_err(|e| JsonError::Field(e.to_string()))
                .and_then(article);
            Parsed { position: i + 1, id, article }
        })
        .collect())
}

fn article(json: JsonArticle) -> Result<Article, JsonError> {
    let title = html::collapse(&json.title);
    if title.is_empty() {
        return Err(JsonError::NoTitle);
    }
    let (date, dateline) = match json.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => (None, None),
        Some(printed) => {
            let date = parse_date(printed).ok_or_else(|| JsonError::Date(printed.to_owned()))?;
            // A machine timestamp is not read aloud as printed; a dateline is.
            (Some(date), (!is_timestamp(printed)).then(|| printed.to_owned()))
        }
    };
    let mut author = json.author.map(|a| match a {
        OneOrMany::One(name) => html::collapse(&name),
        OneOrMany::Many(names) => names
            .iter()
            .map(|n| html::collapse(n))
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join(" و"),
    });
    author = author.filter(|a| !a.is_empty());
    let mut related: Vec<Headline> = json
        .related
        .into_iter()
        .map(|h| Headline {
            title: html::collapse(&h.title),
            date: h.date.as_deref().and_then(headline_date),
        })
        .filter(|h| !h.title.is_empty())
        .collect();
    let (paragraphs, notes) = match (json.body, json.html) {
        (Some(body), _) => split_notes(body_paragraphs(body)),
        (None, Some(markup)) => {
            let body = html::parse_fragment(&markup, &title);
            if author.is_none() {
                author = body.author;
            }
            for h in body.related {
                if !related.iter().any(|r| r.title == h.title) {
                    related.push(h);
                }
            }
            (body.paragraphs, body.notes)
        }
        (None, None) => return Err(JsonError::NoBody),
    };
    if paragraphs.is_empty() {
        return Err(JsonError::NoBody);
    }
    let url = json.url.filter(|u| !u.trim().is_empty());
    Ok(Article {
        title,
        dateline,
        date,
        author,
        paragraphs,
        notes,
        related,
        url,
        ..Article::default()
    })
}

/// A related headline's date, or none when it does not parse (logged: a headline is still read
/// without its date).
fn headline_date(printed: &str) -> Option<NaiveDate> {
    let date = parse_date(printed);
    if date.is_none() {
        tracing::warn!(date = printed, "a related headline's date is not a date; read without it");
    }
    date
}

/// Paragraphs of a `body`: an array as given, or a string split at blank lines (single line
/// breaks inside a paragraph are soft wraps).
fn body_paragraphs(body: JsonBody) -> Vec<String> {
    let raw: Vec<String> = match body {
        JsonBody::Paragraphs(items) => items,
        JsonBody::Text(text) => {
            let text = text.replace("\r\n", "\n");
            text.split("\n\n").map(str::to_owned).collect()
        }
    };
    raw.iter().map(|p| html::collapse(p)).filter(|p| !p.is_empty()).collect()
}

/// `•` paragraphs are notes about the author, read after the body.
fn split_notes(paragraphs: Vec<String>) -> (Vec<String>, Vec<String>) {
    let (notes, body): (Vec<String>, Vec<String>) =
        paragraphs.into_iter().partition(|p| p.starts_with(NOTE_BULLETS));
    let notes =
        notes.iter().map(|n| n.trim_start_matches(NOTE_BULLETS).trim().to_owned()).collect();
    (body, notes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn one(text: &str) -> Article {
        let mut parsed = parse(text).unwrap();
        assert_eq!(parsed.len(), 1);
        parsed.remove(0).article.unwrap()
    }

    #[test]
    fn an_article_object_with_a_text_body_and_an_arabic_dateline() {
        let a = one(
            r#"{"title": "عنوان الخبر", "date": "6-تشرين الثاني-2023", "author": "مارك تمنيكي",
                "body": "الفقرة الأولى\nتكملة السطر.\n\nالفقرة الثانية.\n\n• باحث في مركز",
                "related": [{"title": "خبر آخر مهم جدا", "date": "2024-04-03"}, {"title": "بلا تاريخ"}],
                "url": "https://example.com/a", "id": 17, "views": 1200}"#,
        );
        assert_eq!(a.title, "عنوان الخبر");
        assert_eq!(a.dateline.as_deref(), Some("6-تشرين الثاني-2023"));
        assert_eq!(a.date, ymd(2023, 11, 6));
        assert_eq!(a.author.as_deref(), Some("مارك تمنيكي"));
        assert_eq!(a.paragraphs, ["الفقرة الأولى تكملة السطر.", "الفقرة الثانية."]);
        assert_eq!(a.notes, ["باحث في مركز"]);
        assert_eq!(
            a.related[0],
            Headline { title: "خبر آخر مهم جدا".into(), date: ymd(2024, 4, 3) }
        );
        assert_eq!(a.related[1].date, None);
        assert_eq!(a.url.as_deref(), Some("https://example.com/a"));
    }

    #[test]
    fn timestamps_and_rfc_2822_dates_give_a_date_but_no_printed_dateline() {
        for date in ["2023-11-06T23:30:00+03:00", "Mon, 06 Nov 2023 10:30:00 +0300"] {
            let a = one(&format!(r#"{{"title": "ع", "date": "{date}", "body": ["ف"]}}"#));
            assert_eq!(a.date, ymd(2023, 11, 6), "{date}");
            assert_eq!(a.dateline, None, "{date}");
        }
    }

    #[test]
    fn html_is_an_alternative_to_body_and_lists_and_wrappers_are_read() {
        let parsed = parse(
            r#"{"articles": [
                {"id": "a1", "title": "أ", "html": "<p>بقلم: هدى سليم</p><p>نص أول.</p><div class='share'>شارك</div><p>نص ثان.</p>"},
                {"id": "a2", "title": "ب", "author": ["سارة", "نادر"], "body": ["ف1", " ", "ف2"]},
                {"title": "ج", "date": "غدا", "body": "ف"},
                {"title": "د"},
                {"title": 5, "body": "ف"}
            ]}"#,
        )
        .unwrap();
        assert_eq!(parsed.len(), 5);
        let a = parsed[0].article.as_ref().unwrap();
        assert_eq!(parsed[0].id.as_deref(), Some("a1"));
        assert_eq!(a.paragraphs, ["نص أول.", "نص ثان."]);
        assert_eq!(a.author.as_deref(), Some("هدى سليم"));
        let b = parsed[1].article.as_ref().unwrap();
        assert_eq!(b.author.as_deref(), Some("سارة ونادر"));
        assert_eq!(b.paragraphs, ["ف1", "ف2"]);
        assert_eq!(parsed[2].article.as_ref().unwrap_err(), &JsonError::Date("غدا".into()));
        assert_eq!(parsed[3].article.as_ref().unwrap_err(), &JsonError::NoBody);
        let JsonError::Field(message) = parsed[4].article.as_ref().unwrap_err() else { panic!() };
        assert!(message.contains("invalid type"), "{message}");
        assert_eq!(parsed[4].position, 5);
    }

    #[test]
    fn documents_of_another_shape_are_errors() {
        assert!(matches!(parse("[1, 2"), Err(JsonError::Syntax(_))));
        assert_eq!(parse("\"text\"").unwrap_err(), JsonError::Shape);
        assert_eq!(parse(r#"{"articles": 3}"#).unwrap_err(), JsonError::Shape);
        let missing = parse(r#"[{"body": "ف"}]"#).unwrap();
        let JsonError::Field(message) = missing[0].article.as_ref().unwrap_err() else { panic!() };
        assert_eq!(message, "missing field `title`");
    }
}
