//! A DAISY 2.02 talking book of an edition, for readers who use DAISY players and apps.
//!
//! In: a manifest and its [`Programme`]s; the audio files already in the edition folder. Out, in
//! the same folder (the edition folder is the book's file set, so no audio is copied):
//! - `ncc.html`, the navigation centre: an `h1 class="title"` (the edition, pointing at the start
//!   of the bulletin), an `h2` per bulletin item, an `h1` per article, and the metadata DAISY 2.02
//!   asks for (`dc:title`, `dc:identifier`, `dc:language ar`, `dc:format`, `dc:date`,
//!   `dc:creator`, `dc:publisher`, `ncc:totalTime`, `ncc:tocItems`, `ncc:files`, `ncc:charset`,
//!   `ncc:generator`, `ncc:multimediaType audioFullText`, the page, note and sidebar counts…);
//! - one SMIL 1.0 file per programme: a `seq` of `par`s, each a sentence's text reference and its
//!   audio clip;
//! - `daisy-text.html`, the full text, one element per sentence.
//!
//! Must never happen: a clip outside its audio file; a gap between clips (DAISY players play
//! clips back to back, so a clip covers its sentence *and the pause after it*, and the clips of a
//! file tile it from 0 to its end); totals that disagree (`ncc:totalTime` is the sum of every
//! SMIL's `ncc:timeInThisSmil`, each the sum of its clips); an audio format DAISY 2.02 players do
//! not read (only WAV and MP3 are accepted; anything else is an error naming the file).
//!
//! The full-edition file, when there is one, is not part of the book: it repeats the other
//! programmes, and a book's audio must be heard once. [`check`] validates a written book.

pub mod check;

use std::io;
use std::path::Path;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use super::programme::{one_line, Programme, ProgrammeKind};
use super::{feed, xml_safe, Manifest, PublishError};
use crate::edition::BlockKind;

/// The navigation centre, the book's entry point.
pub const NCC_FILE: &str = "ncc.html";

/// The book's text.
pub const TEXT_FILE: &str = "daisy-text.html";

const XHTML_DOCTYPE: &str = "html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" \
     \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\"";
const SMIL_DOCTYPE: &str =
    "smil PUBLIC \"-//W3C//DTD SMIL 1.0//EN\" \"http://www.w3.org/TR/REC-smil/SMIL10.dtd\"";
const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// What the book is made of.
#[derive(Debug, Clone)]
pub struct Book<'m, 'p> {
    pub manifest: &'m Manifest,
    /// The programmes read in the book, in order (the full edition left out).
    pub programmes: Vec<&'p Programme<'m>>,
    /// `dc:publisher`; the edition title when `None`.
    pub publisher: Option<&'m str>,
}

impl<'m, 'p> Book<'m, 'p> {
    pub fn new(
        manifest: &'m Manifest,
        programmes: &'p [Programme<'m>],
        publisher: Option<&'m str>,
    ) -> Self {
        let programmes = programmes.iter().filter(|p| p.kind != ProgrammeKind::Full).collect();
        Self { manifest, programmes, publisher }
    }
}

/// Whether an edition folder holds a DAISY book, and whether it was written after the manifest
/// (a book older than `edition.json` was made for audio that has since been rendered again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookState {
    Absent,
    Current,
    Stale,
}

/// The state of the DAISY book in `dir`, from the modification times of `ncc.html` and
/// `edition.json`.
pub fn book_state(dir: &Path) -> BookState {
    let modified = |name: &str| std::fs::metadata(dir.join(name)).and_then(|m| m.modified()).ok();
    match (modified(NCC_FILE), modified(super::MANIFEST_FILE)) {
        (None, _) => BookState::Absent,
        (Some(book), Some(manifest)) if book < manifest => BookState::Stale,
        (Some(_), _) => BookState::Current,
    }
}

/// One clip: a sentence's text and the stretch of audio that plays for it.
#[derive(Debug, Clone, PartialEq)]
struct Clip {
    text_id: String,
    begin_s: f64,
    end_s: f64,
}

/// The clips of a programme: each sentence from its start (the first from 0) to the next one's
/// start (the last to the end of the file), so that the clips tile the file.
fn clips(programme: &Programme) -> Vec<Clip> {
    let n = programme.cues.len();
    (0..n)
        .map(|i| Clip {
            text_id: text_id(programme, i),
            begin_s: if i == 0 { 0.0 } else { programme.cues[i].start_s },
            end_s: if i + 1 < n { programme.cues[i + 1].start_s } else { programme.duration_s },
        })
        .collect()
}

fn text_id(programme: &Programme, cue: usize) -> String {
    format!("{}-s{}", xml_id(&programme.stem), cue + 1)
}

/// An XML id from a file stem (XML ids may not start with a digit).
fn xml_id(stem: &str) -> String {
    let clean: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    format!("n{clean}")
}

/// Every file of the book, as (name in the edition folder, text).
pub fn files(book: &Book, dir: &Path) -> Result<Vec<(String, String)>, PublishError> {
    let fail = |reason: String| PublishError::Daisy { path: dir.to_path_buf(), reason };
    if book.programmes.is_empty() {
        return Err(fail("the edition has no programme to read".to_owned()));
    }
    for programme in &book.programmes {
        let ext = programme.audio.extension();
        if ext != "wav" && ext != "mp3" {
            return Err(fail(format!(
                "{} is not WAV or MP3, the audio formats DAISY 2.02 players read",
                programme.audio
            )));
        }
    }
    for programme in &book.programmes {
        if !programme.audio.join_to(dir).is_file() {
            return Err(fail(format!("its audio file {} is missing", programme.audio)));
        }
        if programme.cues.is_empty() {
            return Err(fail(format!("{} has no sentence to show", programme.audio)));
        }
    }
    let io_fail = |err: io::Error| fail(format!("cannot build the XML: {err}"));
    let mut out = Vec::new();
    let mut elapsed = 0.0;
    for programme in &book.programmes {
        let smil = smil(book, programme, elapsed).map_err(io_fail)?;
        out.push((smil_name(programme), smil));
        elapsed += programme.duration_s;
    }
    out.push((TEXT_FILE.to_owned(), text_document(book).map_err(io_fail)?));
    out.push((NCC_FILE.to_owned(), ncc(book).map_err(io_fail)?));
    Ok(out)
}

fn smil_name(programme: &Programme) -> String {
    format!("{}.smil", programme.stem)
}

fn identifier(manifest: &Manifest) -> String {
    format!("nashra:{}", feed::edition_key(manifest))
}

/// `hh:mm:ss` (rounded to the second) for `ncc:totalTime`.
pub fn clock_seconds(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    format!("{:02}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60)
}

/// `hh:mm:ss.mmm`: a SMIL clock value with milliseconds.
pub fn clock_millis(seconds: f64) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

fn npt(seconds: f64) -> String {
    format!("npt={seconds:.3}s")
}

fn start(w: &mut Writer<Vec<u8>>, doctype: &str) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    w.write_event(Event::DocType(BytesText::from_escaped(doctype)))
}

fn finish(w: Writer<Vec<u8>>) -> io::Result<String> {
    let mut text = String::from_utf8(w.into_inner()).map_err(io::Error::other)?;
    text.push('\n');
    Ok(text)
}

fn meta(w: &mut Writer<Vec<u8>>, name: &str, content: &str) -> io::Result<()> {
    w.create_element("meta")
        .with_attribute(("name", name))
        .with_attribute(("content", xml_safe(content).as_str()))
        .write_empty()?;
    Ok(())
}

fn smil(book: &Book, programme: &Programme, elapsed_s: f64) -> io::Result<String> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    start(&mut w, SMIL_DOCTYPE)?;
    let audio = programme.audio.href();
    w.create_element("smil").write_inner_content(|w| {
        w.create_element("head").write_inner_content(|w| {
            meta(w, "dc:format", "Daisy 2.02")?;
            meta(w, "dc:title", &programme.title)?;
            meta(w, "dc:identifier", &identifier(book.manifest))?;
            meta(w, "ncc:generator", &format!("nashra {}", env!("CARGO_PKG_VERSION")))?;
            meta(w, "ncc:totalElapsedTime", &clock_millis(elapsed_s))?;
            meta(w, "ncc:timeInThisSmil", &clock_millis(programme.duration_s))?;
            w.create_element("layout").write_inner_content(|w| {
                w.create_element("region").with_attribute(("id", "txtView")).write_empty()?;
                Ok(())
            })?;
            Ok(())
        })?;
        w.create_element("body").write_inner_content(|w| {
            let dur = format!("{:.3}s", programme.duration_s);
            w.create_element("seq").with_attribute(("dur", dur.as_str())).write_inner_content(
                |w| {
                    for (i, clip) in clips(programme).iter().enumerate() {
                        let par = format!("p{}", i + 1);
                        let src = format!("{TEXT_FILE}#{}", clip.text_id);
                        w.create_element("par")
                            .with_attribute(("endsync", "last"))
                            .with_attribute(("id", par.as_str()))
                            .write_inner_content(|w| {
                                w.create_element("text")
                                    .with_attribute(("src", src.as_str()))
                                    .with_attribute(("id", format!("t{}", i + 1).as_str()))
                                    .write_empty()?;
                                w.create_element("audio")
                                    .with_attribute(("src", audio.as_str()))
                                    .with_attribute(("clip-begin", npt(clip.begin_s).as_str()))
                                    .with_attribute(("clip-end", npt(clip.end_s).as_str()))
                                    .with_attribute(("id", format!("a{}", i + 1).as_str()))
                                    .write_empty()?;
                                Ok(())
                            })?;
                    }
                    Ok(())
                },
            )?;
            Ok(())
        })?;
        Ok(())
    })?;
    finish(w)
}

fn html_root<F>(
    w: &mut Writer<Vec<u8>>,
    title: &str,
    head_extra: F,
    body: impl FnOnce(&mut Writer<Vec<u8>>) -> io::Result<()>,
) -> io::Result<()>
where
    F: FnOnce(&mut Writer<Vec<u8>>) -> io::Result<()>,
{
    w.create_element("html")
        .with_attribute(("xmlns", XHTML_NS))
        .with_attribute(("xml:lang", "ar"))
        .with_attribute(("lang", "ar"))
        .with_attribute(("dir", "rtl"))
        .write_inner_content(|w| {
            w.create_element("head").write_inner_content(|w| {
                w.create_element("meta")
                    .with_attribute(("http-equiv", "Content-type"))
                    .with_attribute(("content", "text/html; charset=utf-8"))
                    .write_empty()?;
                w.create_element("title").write_text_content(BytesText::new(&xml_safe(title)))?;
                head_extra(w)
            })?;
            w.create_element("body").write_inner_content(body)?;
            Ok(())
        })?;
    Ok(())
}

/// The headings of the navigation centre: (level, class, text, programme, first clip).
fn headings<'a>(
    book: &'a Book,
) -> Vec<(u8, Option<&'static str>, String, &'a Programme<'a>, usize)> {
    let title = one_line(&book.manifest.title);
    let mut out = Vec::new();
    for programme in &book.programmes {
        match programme.kind {
            ProgrammeKind::Bulletin => {
                out.push((1, Some("title"), title.clone(), *programme, 0));
                let mut last_block = None;
                for (i, cue) in programme.cues.iter().enumerate() {
                    if cue.kind == BlockKind::Item && last_block != Some(cue.block) {
                        out.push((
                            2,
                            None,
                            excerpt_or_title(programme, cue.block, &cue.text),
                            *programme,
                            i,
                        ));
                    }
                    last_block = Some(cue.block);
                }
            }
            _ => {
                if out.is_empty() {
                    out.push((1, Some("title"), title.clone(), *programme, 0));
                }
                out.push((1, None, programme.title.clone(), *programme, 0));
            }
        }
    }
    out
}

/// A bulletin item's heading: the chapter title that starts at its block (the headline as
/// printed), else the cue text.
fn excerpt_or_title(programme: &Programme, block: usize, text: &str) -> String {
    let start = programme.cues.iter().find(|c| c.block == block).map(|c| c.start_s);
    programme
        .chapters
        .iter()
        .find(|c| Some(c.start_s) == start)
        .map_or_else(|| one_line(text), |c| c.title.clone())
}

fn ncc(book: &Book) -> io::Result<String> {
    let manifest = book.manifest;
    let headings = headings(book);
    let total: f64 = book.programmes.iter().map(|p| p.duration_s).sum();
    let mut audio_files: Vec<String> =
        book.programmes.iter().map(|p| p.audio.to_string()).collect();
    audio_files.sort();
    audio_files.dedup();
    let files = 2 + book.programmes.len() + audio_files.len();
    let depth = headings.iter().map(|h| h.0).max().unwrap_or(1);
    let title = one_line(&manifest.title);
    let publisher = book.publisher.map_or_else(|| title.clone(), one_line);
    let mut creators: Vec<String> =
        manifest.articles.iter().filter_map(|a| a.author.as_deref()).map(one_line).collect();
    creators.dedup();
    if creators.is_empty() {
        creators.push(publisher.clone());
    }
    let date = manifest.date.unwrap_or_else(|| manifest.generated_at.date_naive()).to_string();

    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    start(&mut w, XHTML_DOCTYPE)?;
    html_root(
        &mut w,
        &title,
        |w| {
            meta(w, "dc:title", &title)?;
            for creator in &creators {
                meta(w, "dc:creator", creator)?;
            }
            meta(w, "dc:date", &date)?;
            meta(w, "dc:format", "Daisy 2.02")?;
            meta(w, "dc:identifier", &identifier(manifest))?;
            meta(w, "dc:language", "ar")?;
            meta(w, "dc:publisher", &publisher)?;
            meta(w, "ncc:charset", "utf-8")?;
            meta(w, "ncc:depth", &depth.to_string())?;
            meta(w, "ncc:files", &files.to_string())?;
            meta(w, "ncc:footnotes", "0")?;
            meta(w, "ncc:generator", &format!("nashra {}", env!("CARGO_PKG_VERSION")))?;
            meta(w, "ncc:maxPageNormal", "0")?;
            meta(w, "ncc:multimediaType", "audioFullText")?;
            meta(w, "ncc:narrator", &manifest.voice.name)?;
            meta(w, "ncc:pageFront", "0")?;
            meta(w, "ncc:pageNormal", "0")?;
            meta(w, "ncc:pageSpecial", "0")?;
            meta(w, "ncc:prodNotes", "0")?;
            meta(w, "ncc:producedDate", &manifest.generated_at.date_naive().to_string())?;
            meta(w, "ncc:setInfo", "1 of 1")?;
            meta(w, "ncc:sidebars", "0")?;
            meta(w, "ncc:tocItems", &headings.len().to_string())?;
            meta(w, "ncc:totalTime", &clock_seconds(total))
        },
        |w| {
            for (n, (level, class, text, programme, clip)) in headings.iter().enumerate() {
                let tag = format!("h{level}");
                let id = format!("nav{}", n + 1);
                let href = format!("{}#p{}", smil_name(programme), clip + 1);
                let mut element =
                    w.create_element(tag.as_str()).with_attribute(("id", id.as_str()));
                if let Some(class) = class {
                    element = element.with_attribute(("class", *class));
                }
                element.write_inner_content(|w| {
                    w.create_element("a")
                        .with_attribute(("href", href.as_str()))
                        .write_text_content(BytesText::new(&xml_safe(text)))?;
                    Ok(())
                })?;
            }
            Ok(())
        },
    )?;
    finish(w)
}

fn text_document(book: &Book) -> io::Result<String> {
    let title = one_line(&book.manifest.title);
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    start(&mut w, XHTML_DOCTYPE)?;
    html_root(
        &mut w,
        &title,
        |_| Ok(()),
        |w| {
            for programme in &book.programmes {
                let heading_id = xml_id(&programme.stem);
                w.create_element("h1")
                    .with_attribute(("id", heading_id.as_str()))
                    .write_text_content(BytesText::new(&xml_safe(&programme.title)))?;
                let mut i = 0;
                while i < programme.cues.len() {
                    let block = programme.cues[i].block;
                    let kind = programme.cues[i].kind;
                    let tag = if kind == BlockKind::Item { "h2" } else { "p" };
                    let end = programme.cues[i..]
                        .iter()
                        .position(|c| c.block != block)
                        .map_or(programme.cues.len(), |k| i + k);
                    w.create_element(tag).write_inner_content(|w| {
                        for k in i..end {
                            let id = text_id(programme, k);
                            w.create_element("span")
                                .with_attribute(("id", id.as_str()))
                                .write_text_content(BytesText::new(&xml_safe(
                                    &programme.cues[k].text,
                                )))?;
                        }
                        Ok(())
                    })?;
                    i = end;
                }
            }
            Ok(())
        },
    )?;
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::programme::{programmes, tests::sample_manifest};

    fn write_sample(dir: &Path, manifest: &Manifest) -> Vec<(String, String)> {
        for name in ["bulletin.wav", "01-hl.wav", "02-khbr.wav"] {
            std::fs::write(dir.join(name), b"RIFF").unwrap();
        }
        let all = programmes(manifest).unwrap();
        let book = Book::new(manifest, &all, Some("جريدة <المدى>"));
        let files = files(&book, dir).unwrap();
        for (name, text) in &files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        files
    }

    fn durations(manifest: &Manifest) -> impl Fn(&Path) -> Option<f64> + '_ {
        move |path: &Path| {
            let name = path.file_name()?.to_str()?;
            if name == "bulletin.wav" {
                return manifest.bulletin.as_ref().map(|b| b.duration_s);
            }
            manifest.articles.iter().find(|a| a.audio == name).map(|a| a.duration_s)
        }
    }

    #[test]
    fn book_has_ncc_smil_per_programme_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = sample_manifest();
        let files = write_sample(dir.path(), &manifest);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["bulletin.smil", "01-hl.smil", "02-khbr.smil", TEXT_FILE, NCC_FILE]);
        let summary = check::check(dir.path(), &durations(&manifest)).unwrap();
        assert_eq!(
            summary.headings,
            [
                (1, "نشرة الصباح".to_owned()),
                (2, "هل أعدت روسيا حماس؟".to_owned()),
                (2, "خبر ثان".to_owned()),
                (1, "هل أعدت روسيا حماس؟".to_owned()),
                (1, "خبر ثان".to_owned()),
            ]
        );
        assert_eq!(summary.smil_files, 3);
        assert_eq!(summary.clips, 4 + 5 + 2);
        assert_eq!(summary.total_s, 24.0);
        assert_eq!(summary.meta["ncc:totalTime"], "00:00:24");
        assert_eq!(summary.meta["ncc:files"], "8");
        assert_eq!(summary.meta["dc:publisher"], "جريدة <المدى>");
        assert_eq!(summary.meta["dc:creator"], "مارك تمنيكي");
    }

    #[test]
    fn clips_tile_each_file_from_zero_to_the_end() {
        let manifest = sample_manifest();
        let all = programmes(&manifest).unwrap();
        let clips = clips(&all[1]);
        let spans: Vec<(f64, f64)> = clips.iter().map(|c| (c.begin_s, c.end_s)).collect();
        assert_eq!(spans, [(0.0, 2.4), (2.4, 4.5), (4.5, 6.35), (6.35, 8.7), (8.7, 12.0)]);
        assert_eq!(clips[0].text_id, "n01-hl-s1");
    }

    #[test]
    fn audio_other_than_wav_or_mp3_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut manifest = sample_manifest();
        manifest.articles[1].audio = "02-khbr.opus".into();
        std::fs::write(dir.path().join("02-khbr.opus"), b"OggS").unwrap();
        let all = programmes(&manifest).unwrap();
        let err = files(&Book::new(&manifest, &all, None), dir.path()).unwrap_err().to_string();
        assert!(err.contains("02-khbr.opus is not WAV or MP3"), "{err}");
    }

    #[test]
    fn a_book_older_than_the_manifest_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(book_state(dir.path()), BookState::Absent);
        let manifest = sample_manifest();
        write_sample(dir.path(), &manifest);
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        crate::publish::manifest::write(&dir.path().join("edition.json"), &manifest).unwrap();
        std::fs::File::options()
            .write(true)
            .open(dir.path().join(NCC_FILE))
            .unwrap()
            .set_modified(old)
            .unwrap();
        assert_eq!(book_state(dir.path()), BookState::Stale);
        write_sample(dir.path(), &manifest);
        assert_eq!(book_state(dir.path()), BookState::Current);
    }

    #[test]
    fn a_damaged_book_fails_the_check() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = sample_manifest();
        write_sample(dir.path(), &manifest);
        let smil = std::fs::read_to_string(dir.path().join("02-khbr.smil")).unwrap();
        std::fs::write(dir.path().join("02-khbr.smil"), smil.replace("npt=4.000s", "npt=9.000s"))
            .unwrap();
        let err = check::check(dir.path(), &durations(&manifest)).unwrap_err().to_string();
        assert!(err.contains("02-khbr.smil") && err.contains("beyond"), "{err}");
        write_sample(dir.path(), &manifest);
        std::fs::remove_file(dir.path().join("01-hl.wav")).unwrap();
        let err = check::check(dir.path(), &durations(&manifest)).unwrap_err().to_string();
        assert!(err.contains("01-hl.wav"), "{err}");
    }
}
