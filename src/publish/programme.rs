//! The programmes of an edition, as every publisher (transcripts, chapters, feed, page, DAISY)
//! sees them: one audio file, its title, its timed sentences ("cues") and its chapters.
//!
//! In: a [`Manifest`]. Out: [`Programme`]s in listening order: the full edition when the
//! manifest has one, the bulletin, then the articles.
//!
//! Must never happen: a cue or chapter outside its audio file or out of order (a hand-edited or
//! damaged manifest is refused here, naming the programme and the sentence, instead of being
//! published half-broken); two programmes deriving the same file name; a cue showing the spoken
//! form ("السَّادِسُ مِنْ…") instead of the text as printed.
//!
//! Keeping this one model means the formats cannot disagree: the VTT cue, the SMIL clip and the
//! highlighted sentence on the page come from the same numbers.

use super::links::RelPath;
use super::{ArticleEntry, Manifest, PublishError, SentenceEntry};
use crate::edition::BlockKind;

/// Display title of the bulletin ("headlines summary").
pub const BULLETIN_TITLE: &str = "موجز العناوين";

/// Display title of the full-edition file ("the whole bulletin").
pub const FULL_EDITION_TITLE: &str = "النشرة كاملة";

/// The `id` a full edition's part uses for the bulletin.
pub const BULLETIN_PART_ID: &str = "bulletin";

/// Longest chapter title made from a paragraph's first words, in characters.
pub const EXCERPT_CHARS: usize = 60;

/// Which kind of programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgrammeKind {
    /// The whole edition in one file.
    Full,
    /// The headline bulletin.
    Bulletin,
    /// One article.
    Article,
}

/// One audio file and what is heard in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Programme<'a> {
    pub kind: ProgrammeKind,
    /// Base name of every file derived from this programme (`01-hl.vtt`, `01-hl.smil`): the audio
    /// file's stem, so it is as safe and unique as the audio file names are.
    pub stem: String,
    /// Title as printed (the article's), or [`BULLETIN_TITLE`] / [`FULL_EDITION_TITLE`].
    pub title: String,
    /// The audio file, relative to the edition folder.
    pub audio: RelPath,
    /// Length of the audio file, in seconds.
    pub duration_s: f64,
    /// Every sentence heard, in order, as printed.
    pub cues: Vec<Cue>,
    /// Navigation points covering the whole file, contiguous, the first at 0.
    pub chapters: Vec<Chapter>,
    /// The article, for article programmes.
    pub article: Option<&'a ArticleEntry>,
}

/// One sentence and where it is heard.
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    /// The sentence as printed, on one line.
    pub text: String,
    pub start_s: f64,
    pub end_s: f64,
    pub kind: BlockKind,
    /// 1-based block (paragraph, bulletin item) within the programme.
    pub block: usize,
}

/// A chapter: a titled stretch of the audio.
#[derive(Debug, Clone, PartialEq)]
pub struct Chapter {
    pub title: String,
    pub start_s: f64,
    pub end_s: f64,
}

/// The programmes of `manifest`, in listening order, each checked.
pub fn programmes(manifest: &Manifest) -> Result<Vec<Programme<'_>>, PublishError> {
    let mut parts = Vec::new();
    if let Some(bulletin) = &manifest.bulletin {
        let audio = RelPath::parse(&bulletin.audio)?;
        let cues = if bulletin.sentences.is_empty() {
            bulletin
                .items
                .iter()
                .enumerate()
                .map(|(i, item)| Cue {
                    text: one_line(&item.title),
                    start_s: item.start_s,
                    end_s: item.end_s,
                    kind: BlockKind::Item,
                    block: i + 1,
                })
                .collect()
        } else {
            cues_from(&bulletin.sentences)
        };
        let mut programme = Programme {
            kind: ProgrammeKind::Bulletin,
            stem: audio.stem().to_owned(),
            title: BULLETIN_TITLE.to_owned(),
            audio,
            duration_s: bulletin.duration_s,
            cues,
            chapters: Vec::new(),
            article: None,
        };
        check(&programme)?;
        let item_titles: Vec<&str> = bulletin.items.iter().map(|i| i.title.as_str()).collect();
        programme.chapters = bulletin_chapters(&programme, &manifest.title, &item_titles);
        parts.push(programme);
    }
    for article in &manifest.articles {
        let audio = RelPath::parse(&article.audio)?;
        let mut programme = Programme {
            kind: ProgrammeKind::Article,
            stem: audio.stem().to_owned(),
            title: one_line(&article.title),
            audio,
            duration_s: article.duration_s,
            cues: cues_from(&article.sentences),
            chapters: Vec::new(),
            article: Some(article),
        };
        check(&programme)?;
        programme.chapters = article_chapters(&programme);
        parts.push(programme);
    }
    let mut all = Vec::with_capacity(parts.len() + 1);
    if let Some(full) = &manifest.full_edition {
        let audio = RelPath::parse(&full.audio)?;
        let mut cues = Vec::new();
        let mut chapters = Vec::new();
        let mut block_offset = 0;
        for part in &full.parts {
            let found = parts.iter().find(|p| match p.kind {
                ProgrammeKind::Bulletin => part.id == BULLETIN_PART_ID,
                _ => p.article.is_some_and(|a| a.id == part.id),
            });
            let Some(found) = found else {
                return Err(PublishError::Timing {
                    programme: full.audio.clone(),
                    detail: format!("its part {:?} names no programme of the edition", part.id),
                });
            };
            cues.extend(found.cues.iter().map(|cue| Cue {
                start_s: round_ms(cue.start_s + part.start_s),
                end_s: round_ms(cue.end_s + part.start_s),
                block: cue.block + block_offset,
                ..cue.clone()
            }));
            block_offset += found.cues.last().map_or(0, |c| c.block);
            chapters.push(Chapter {
                title: found.title.clone(),
                start_s: part.start_s.max(0.0),
                end_s: full.duration_s,
            });
        }
        let mut programme = Programme {
            kind: ProgrammeKind::Full,
            stem: audio.stem().to_owned(),
            title: FULL_EDITION_TITLE.to_owned(),
            audio,
            duration_s: full.duration_s,
            cues,
            chapters: Vec::new(),
            article: None,
        };
        check(&programme)?;
        // The chapters the audio stage wrote into the file itself, when the manifest has them;
        // else one per part, from where its speech starts.
        programme.chapters = if full.chapters.is_empty() {
            contiguous(chapters, full.duration_s)
        } else {
            full.chapters
                .iter()
                .map(|c| Chapter { title: one_line(&c.title), start_s: c.start_s, end_s: c.end_s })
                .collect()
        };
        all.push(programme);
    }
    all.extend(parts);
    let mut stems: Vec<&str> = all.iter().map(|p| p.stem.as_str()).collect();
    stems.sort_unstable();
    if let Some(pair) = stems.windows(2).find(|w| w[0] == w[1]) {
        return Err(PublishError::Timing {
            programme: pair[0].to_owned(),
            detail: "two programmes have audio files with this name".to_owned(),
        });
    }
    Ok(all)
}

/// Cues from manifest sentences: printed text on one line, empty ones dropped, block numbers
/// inferred from kind changes when the manifest predates them.
fn cues_from(sentences: &[SentenceEntry]) -> Vec<Cue> {
    let mut cues = Vec::with_capacity(sentences.len());
    let mut inferred = 0;
    let mut last_kind = None;
    for sentence in sentences {
        if last_kind != Some(sentence.kind) {
            inferred += 1;
            last_kind = Some(sentence.kind);
        }
        let text = one_line(&sentence.text);
        if text.is_empty() {
            continue;
        }
        cues.push(Cue {
            text,
            start_s: sentence.start_s,
            end_s: sentence.end_s,
            kind: sentence.kind,
            block: sentence.block.unwrap_or(inferred),
        });
    }
    cues
}

/// Refuses times that cannot be published: not finite, reversed, overlapping, or past the end.
fn check(programme: &Programme) -> Result<(), PublishError> {
    let fail =
        |detail: String| PublishError::Timing { programme: programme.audio.to_string(), detail };
    let duration = programme.duration_s;
    if !duration.is_finite() || duration <= 0.0 {
        return Err(fail(format!("its duration {duration} s is not a positive number")));
    }
    let mut last_end = 0.0;
    for (i, cue) in programme.cues.iter().enumerate() {
        let n = i + 1;
        if !(cue.start_s.is_finite() && cue.end_s.is_finite()) || cue.end_s <= cue.start_s {
            return Err(fail(format!(
                "sentence {n} runs from {} s to {} s",
                cue.start_s, cue.end_s
            )));
        }
        if cue.start_s + 0.0005 < last_end {
            return Err(fail(format!("sentence {n} starts before the one before it ends")));
        }
        if cue.end_s > duration + 0.0005 {
            return Err(fail(format!(
                "sentence {n} ends at {} s, after the audio ({duration} s)",
                cue.end_s
            )));
        }
        last_end = cue.end_s;
    }
    Ok(())
}

/// Article chapters: the heading (title, dateline, author) as one chapter named after the
/// article, then one per paragraph or note, named by its first words.
fn article_chapters(programme: &Programme) -> Vec<Chapter> {
    let mut chapters: Vec<Chapter> = Vec::new();
    let mut last_block = None;
    for cue in &programme.cues {
        if last_block == Some(cue.block) {
            continue;
        }
        last_block = Some(cue.block);
        let heading =
            matches!(cue.kind, BlockKind::Title | BlockKind::Dateline | BlockKind::Author);
        if heading && !chapters.is_empty() {
            continue;
        }
        let title = if heading { programme.title.clone() } else { excerpt(&cue.text) };
        chapters.push(Chapter { title, start_s: cue.start_s, end_s: 0.0 });
    }
    contiguous(chapters, programme.duration_s)
}

/// Bulletin chapters: the introduction (named after the edition), then one per headline.
fn bulletin_chapters(programme: &Programme, edition_title: &str, items: &[&str]) -> Vec<Chapter> {
    let mut chapters = Vec::new();
    let mut last_block = None;
    let mut item = 0;
    for cue in &programme.cues {
        if last_block == Some(cue.block) {
            continue;
        }
        last_block = Some(cue.block);
        let title = if cue.kind == BlockKind::Item {
            item += 1;
            items.get(item - 1).map_or_else(|| excerpt(&cue.text), |t| one_line(t))
        } else {
            one_line(edition_title)
        };
        chapters.push(Chapter { title, start_s: cue.start_s, end_s: 0.0 });
    }
    if chapters.first().is_some_and(|c| c.start_s > 0.0)
        && programme.cues[0].kind == BlockKind::Item
    {
        // No recorded introduction: what comes before the first headline is the introduction.
        chapters.insert(0, Chapter { title: one_line(edition_title), start_s: 0.0, end_s: 0.0 });
    }
    contiguous(chapters, programme.duration_s)
}

/// Makes chapters tile the file: the first starts at 0, each ends where the next starts, the
/// last at the end of the audio.
fn contiguous(mut chapters: Vec<Chapter>, duration_s: f64) -> Vec<Chapter> {
    if let Some(first) = chapters.first_mut() {
        first.start_s = 0.0;
    }
    let starts: Vec<f64> = chapters.iter().skip(1).map(|c| c.start_s).collect();
    for (chapter, end) in chapters.iter_mut().zip(starts.into_iter().chain([duration_s])) {
        chapter.end_s = end;
    }
    chapters
}

/// Collapses every run of white space (newlines included) into one space and trims, and drops
/// control characters: a cue or a title is one line of text in every format.
pub fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first words of `text`, at most [`EXCERPT_CHARS`] characters, cut at a word boundary and
/// marked with an ellipsis when cut.
pub fn excerpt(text: &str) -> String {
    let text = one_line(text);
    if text.chars().count() <= EXCERPT_CHARS {
        return text;
    }
    let mut out = String::new();
    for word in text.split(' ') {
        if out.chars().count() + word.chars().count() + 1 > EXCERPT_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(EXCERPT_CHARS).collect();
    }
    out.push('…');
    out
}

fn round_ms(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::audio::Pauses;
    use crate::publish::{BulletinEntry, FullEditionEntry, ItemEntry, PartEntry, VoiceEntry};
    use chrono::{NaiveDate, TimeZone, Utc};

    fn sentence(
        kind: BlockKind,
        text: &str,
        start_s: f64,
        end_s: f64,
        block: usize,
    ) -> SentenceEntry {
        SentenceEntry {
            kind,
            text: text.into(),
            spoken: format!("spoken {text}"),
            start_s,
            end_s,
            block: Some(block),
        }
    }

    /// A small edition: a bulletin of two headlines and two articles, with made-up timings.
    pub(crate) fn sample_manifest() -> Manifest {
        Manifest {
            nashra_version: "0.1.0".into(),
            title: "نشرة الصباح".into(),
            date: NaiveDate::from_ymd_opt(2023, 11, 6),
            generated_at: Utc.with_ymd_and_hms(2023, 11, 6, 8, 30, 0).unwrap(),
            voice: VoiceEntry {
                name: "ar_JO-kareem-medium".into(),
                engine: "piper".into(),
                sample_rate: 22050,
                fallback: false,
                note: None,
            },
            pauses: Pauses::default(),
            headline_voice: None,
            publisher: None,
            language: None,
            articles: vec![
                ArticleEntry {
                    id: "01-hl".into(),
                    index: 1,
                    title: "هل أعدت روسيا حماس؟".into(),
                    date: NaiveDate::from_ymd_opt(2023, 11, 6),
                    dateline: Some("6-تشرين الثاني-2023".into()),
                    author: Some("مارك تمنيكي".into()),
                    source: "seeds/a.txt".into(),
                    url: None,
                    audio: "01-hl.wav".into(),
                    duration_s: 12.0,
                    sentences: vec![
                        sentence(BlockKind::Title, "هل أعدت روسيا حماس؟", 0.0, 1.5, 1),
                        sentence(BlockKind::Dateline, "6-تشرين الثاني-2023", 2.4, 3.6, 2),
                        sentence(BlockKind::Paragraph, "سافر الوفد إلى موسكو.", 4.5, 6.0, 3),
                        sentence(BlockKind::Paragraph, "وقال RT إن الزيارة مهمة.", 6.35, 8.0, 3),
                        sentence(BlockKind::Paragraph, "فقرة ثانية.", 8.7, 11.5, 4),
                    ],
                    files: vec![],
                    chapters: vec![],
                },
                ArticleEntry {
                    id: "02-khbr".into(),
                    index: 2,
                    title: "خبر ثان".into(),
                    date: None,
                    dateline: None,
                    author: None,
                    source: "seeds/b.txt".into(),
                    url: None,
                    audio: "02-khbr.wav".into(),
                    duration_s: 4.0,
                    sentences: vec![
                        sentence(BlockKind::Title, "خبر ثان", 0.0, 1.0, 1),
                        sentence(BlockKind::Paragraph, "نص الخبر.", 1.9, 3.5, 2),
                    ],
                    files: vec![],
                    chapters: vec![],
                },
            ],
            bulletin: Some(BulletinEntry {
                audio: "bulletin.wav".into(),
                duration_s: 8.0,
                items: vec![
                    ItemEntry {
                        title: "هل أعدت روسيا حماس؟".into(),
                        date: None,
                        start_s: 2.5,
                        end_s: 4.0,
                    },
                    ItemEntry {
                        title: "خبر ثان".into(), date: None, start_s: 4.9, end_s: 7.5
                    },
                ],
                sentences: vec![
                    sentence(BlockKind::Intro, "نشرة الصباح.", 0.0, 1.6, 1),
                    sentence(BlockKind::Item, "هل أعدت روسيا حماس؟", 2.5, 4.0, 2),
                    sentence(BlockKind::Item, "خبر ثان", 4.9, 6.0, 3),
                    sentence(BlockKind::Item, "2023-11-06", 6.35, 7.5, 3),
                ],
                files: vec![],
                chapters: vec![],
            }),
            errors: Vec::new(),
            mastering: None,
            full_edition: None,
        }
    }

    #[test]
    fn programmes_come_in_listening_order_with_printed_text() {
        let manifest = sample_manifest();
        let all = programmes(&manifest).unwrap();
        let stems: Vec<&str> = all.iter().map(|p| p.stem.as_str()).collect();
        assert_eq!(stems, ["bulletin", "01-hl", "02-khbr"]);
        assert_eq!(all[0].kind, ProgrammeKind::Bulletin);
        assert_eq!(all[1].cues[1].text, "6-تشرين الثاني-2023");
        assert_eq!(all[1].cues.len(), 5);
        assert_eq!(all[1].article.unwrap().id, "01-hl");
    }

    #[test]
    fn article_chapters_merge_the_heading_and_tile_the_file() {
        let manifest = sample_manifest();
        let all = programmes(&manifest).unwrap();
        let chapters: Vec<(&str, f64, f64)> =
            all[1].chapters.iter().map(|c| (c.title.as_str(), c.start_s, c.end_s)).collect();
        assert_eq!(
            chapters,
            [
                ("هل أعدت روسيا حماس؟", 0.0, 4.5),
                ("سافر الوفد إلى موسكو.", 4.5, 8.7),
                ("فقرة ثانية.", 8.7, 12.0),
            ]
        );
    }

    #[test]
    fn bulletin_chapters_are_the_intro_then_one_per_headline() {
        let manifest = sample_manifest();
        let all = programmes(&manifest).unwrap();
        let chapters: Vec<(&str, f64, f64)> =
            all[0].chapters.iter().map(|c| (c.title.as_str(), c.start_s, c.end_s)).collect();
        assert_eq!(
            chapters,
            [("نشرة الصباح", 0.0, 2.5), ("هل أعدت روسيا حماس؟", 2.5, 4.9), ("خبر ثان", 4.9, 8.0)]
        );
    }

    #[test]
    fn a_bulletin_without_sentences_uses_its_items() {
        let mut manifest = sample_manifest();
        manifest.bulletin.as_mut().unwrap().sentences.clear();
        let all = programmes(&manifest).unwrap();
        let cues: Vec<(&str, f64)> =
            all[0].cues.iter().map(|c| (c.text.as_str(), c.start_s)).collect();
        assert_eq!(cues, [("هل أعدت روسيا حماس؟", 2.5), ("خبر ثان", 4.9)]);
        let chapters: Vec<(&str, f64)> =
            all[0].chapters.iter().map(|c| (c.title.as_str(), c.start_s)).collect();
        assert_eq!(
            chapters,
            [("نشرة الصباح", 0.0), ("هل أعدت روسيا حماس؟", 2.5), ("خبر ثان", 4.9)]
        );
    }

    #[test]
    fn a_full_edition_shifts_every_part_by_its_start() {
        let mut manifest = sample_manifest();
        manifest.full_edition = Some(FullEditionEntry {
            audio: "edition.mp3".into(),
            duration_s: 25.0,
            files: vec![],
            chapters: vec![],
            items: vec![],
            sentences: vec![],
            parts: vec![
                PartEntry { id: "bulletin".into(), start_s: 0.0 },
                PartEntry { id: "01-hl".into(), start_s: 9.0 },
                PartEntry { id: "02-khbr".into(), start_s: 21.0 },
            ],
        });
        let all = programmes(&manifest).unwrap();
        let full = &all[0];
        assert_eq!((full.kind, full.stem.as_str()), (ProgrammeKind::Full, "edition"));
        assert_eq!(full.cues.len(), 4 + 5 + 2);
        assert_eq!((full.cues[4].start_s, full.cues[4].end_s), (9.0, 10.5));
        assert_eq!(full.cues[10].start_s, 22.9);
        let blocks: Vec<usize> = full.cues.iter().map(|c| c.block).collect();
        assert_eq!(blocks, [1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9]);
        let chapters: Vec<(&str, f64, f64)> =
            full.chapters.iter().map(|c| (c.title.as_str(), c.start_s, c.end_s)).collect();
        assert_eq!(
            chapters,
            [
                (BULLETIN_TITLE, 0.0, 9.0),
                ("هل أعدت روسيا حماس؟", 9.0, 21.0),
                ("خبر ثان", 21.0, 25.0)
            ]
        );
    }

    #[test]
    fn broken_timings_are_refused_with_the_programme_named() {
        let mut manifest = sample_manifest();
        manifest.articles[0].sentences[3].start_s = 5.0;
        let err = programmes(&manifest).unwrap_err().to_string();
        assert_eq!(
            err,
            "cannot publish 01-hl.wav: sentence 4 starts before the one before it ends"
        );
        let mut manifest = sample_manifest();
        manifest.articles[1].sentences[1].end_s = 4.5;
        let err = programmes(&manifest).unwrap_err().to_string();
        assert!(err.contains("sentence 2 ends at 4.5 s, after the audio (4 s)"), "{err}");
        let mut manifest = sample_manifest();
        manifest.articles[1].audio = "../02.wav".into();
        assert!(matches!(programmes(&manifest), Err(PublishError::UnsafePath { .. })));
    }

    #[test]
    fn excerpts_cut_at_a_word_boundary() {
        assert_eq!(excerpt("  قصير\nجدا "), "قصير جدا");
        let long = "كلمة ".repeat(30);
        let cut = excerpt(&long);
        assert!(cut.ends_with("كلمة…") && cut.chars().count() <= EXCERPT_CHARS + 1, "{cut}");
    }
}
