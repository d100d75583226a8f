//! Scripts: an [`Article`] or a list of headlines in, the [`Script`] a voice will read out.
//!
//! Article order: title, dateline (read as a date, in the month family printed), author, body
//! paragraphs, notes. Never the related-news list: those headlines belong to the bulletin.
//! The bulletin: a spoken introduction naming the edition and its date, then one item per headline,
//! its title then its date.

use chrono::NaiveDate;

use super::sentences;
use super::verbalize::date;
use crate::edition::{Article, Block, BlockKind, Headline, Script, Sentence};
use crate::ingest::parse_dateline;
use crate::text::months::MonthFamily;

fn block(kind: BlockKind, text: &str) -> Option<Block> {
    let sentences = sentences(text);
    (!sentences.is_empty()).then_some(Block { kind, sentences })
}

/// A block of one sentence whose spoken form is given (dates).
fn spoken_block(kind: BlockKind, printed: &str, spoken: String) -> Block {
    Block { kind, sentences: vec![Sentence { text: printed.to_string(), spoken }] }
}

/// Everything the article audio says, in reading order.
pub fn article_script(article: &Article) -> Script {
    let mut blocks = Vec::new();
    blocks.extend(block(BlockKind::Title, &article.title));
    let printed = article.dateline.as_deref();
    let family = printed.and_then(parse_dateline).map(|(_, f)| f).unwrap_or_default();
    match (article.date, printed) {
        (Some(d), p) => {
            let p = p.map(str::to_string).unwrap_or_else(|| d.format("%Y-%m-%d").to_string());
            blocks.push(spoken_block(BlockKind::Dateline, &p, date(d, family)));
        }
        (None, Some(p)) => blocks.extend(block(BlockKind::Dateline, p)),
        (None, None) => {}
    }
    if let Some(author) = &article.author {
        blocks.extend(block(BlockKind::Author, author));
    }
    for p in &article.paragraphs {
        blocks.extend(block(BlockKind::Paragraph, p));
    }
    for n in &article.notes {
        blocks.extend(block(BlockKind::Note, n));
    }
    Script { blocks }
}

/// The headline bulletin. Headline dates are spoken with [`MonthFamily::default`] names, since a
/// [`Headline`] does not keep its printed dateline.
pub fn bulletin_script(
    title: &str,
    date_of_edition: Option<NaiveDate>,
    items: &[Headline],
) -> Script {
    let mut intro = format!("نشرة العناوين، {}", super::normalize(title));
    let mut intro_spoken = format!("نشرة العناوين، {}", super::spoken(title));
    if let Some(d) = date_of_edition {
        intro.push_str(&format!("، {}", d.format("%Y-%m-%d")));
        intro_spoken.push_str(&format!("، {}", date(d, MonthFamily::default())));
    }
    let mut blocks = vec![spoken_block(BlockKind::Intro, &intro, intro_spoken)];
    for item in items {
        let mut sentences = sentences(&item.title);
        if sentences.is_empty() {
            continue;
        }
        if let Some(d) = item.date {
            sentences.push(Sentence {
                text: d.format("%Y-%m-%d").to_string(),
                spoken: date(d, MonthFamily::default()),
            });
        }
        blocks.push(Block { kind: BlockKind::Item, sentences });
    }
    Script { blocks }
}
