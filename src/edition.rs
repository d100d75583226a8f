//! Plain data passed between the stages. No behaviour lives here beyond small conveniences, so that
//! every stage can be tested by building these values by hand.

use std::path::PathBuf;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A headline printed with its date, e.g. the "other news" list under an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headline {
    pub title: String,
    pub date: Option<NaiveDate>,
}

/// One article as the newspaper printed it, before any text processing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Article {
    /// The file it was read from, for error messages and the manifest.
    pub source: PathBuf,
    pub title: String,
    /// The dateline as printed (`6-تشرين الثاني-2023`), kept so it can be read aloud as printed.
    pub dateline: Option<String>,
    pub date: Option<NaiveDate>,
    pub author: Option<String>,
    /// Body paragraphs, as printed.
    pub paragraphs: Vec<String>,
    /// Footnotes about the author (`• باحث في ...`), read after the body.
    pub notes: Vec<String>,
    /// Other headlines the page listed; they go into the bulletin, never into the article audio.
    pub related: Vec<Headline>,
    /// Where the article is published on the web (a page's canonical URL, a feed item's link),
    /// when the input says so.
    pub url: Option<String>,
}

/// What a block of text is, which decides the pause after it and how it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    Title,
    Dateline,
    Author,
    Paragraph,
    Note,
    /// The spoken introduction of the bulletin.
    Intro,
    /// One item of the bulletin: a headline, optionally followed by its date.
    Item,
}

/// One sentence: what was printed and what will be said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sentence {
    /// The sentence as printed (after invisible-character clean-up), for transcripts.
    pub text: String,
    /// The sentence as it will be spoken: digits, dates, Latin words and symbols written out.
    pub spoken: String,
}

/// A run of sentences that belong together (a paragraph, a title, one bulletin item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub kind: BlockKind,
    pub sentences: Vec<Sentence>,
}

/// Everything one audio programme (an article or the bulletin) will say, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Script {
    pub blocks: Vec<Block>,
}
