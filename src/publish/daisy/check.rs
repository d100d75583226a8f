//! A structural check of a DAISY 2.02 book, as a DAISY player would walk it.
//!
//! In: the book's folder and a way to learn each audio file's length. Out: a [`Summary`] of the
//! book (headings, SMIL files, clips, total time, NCC metadata), or the first problem found.
//!
//! What it checks: every file parses as XML; the NCC carries the mandatory metadata and its
//! headings start with `h1 class="title"` and never skip a level; `ncc:tocItems`, `ncc:depth`,
//! `ncc:files` and `ncc:totalTime` agree with what is there; every heading points to a `par` that
//! exists; every clip's text points to an element that exists and its audio to a file that
//! exists; clips run forward without gaps from 0 and stay within their audio file; each SMIL's
//! `ncc:timeInThisSmil` and `seq dur` equal the sum of its clips, and its `ncc:totalElapsedTime`
//! the sum of the SMIL files before it. What it does not: validate against the DTDs or check that
//! the audio really says the text.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::NCC_FILE;

/// A problem in a book, naming the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct Issue {
    pub file: String,
    pub problem: String,
}

/// What a valid book holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The NCC headings: level and text.
    pub headings: Vec<(u8, String)>,
    pub smil_files: usize,
    pub clips: usize,
    /// Sum of every SMIL file's time, in seconds.
    pub total_s: f64,
    /// The NCC's `<meta name content>` pairs (the last one of each name).
    pub meta: BTreeMap<String, String>,
}

/// One element of a parsed document.
#[derive(Debug, Clone)]
struct Element {
    name: String,
    attrs: HashMap<String, String>,
    text: String,
}

const MANDATORY_META: [&str; 20] = [
    "dc:title",
    "dc:creator",
    "dc:date",
    "dc:format",
    "dc:identifier",
    "dc:language",
    "dc:publisher",
    "ncc:charset",
    "ncc:depth",
    "ncc:files",
    "ncc:footnotes",
    "ncc:generator",
    "ncc:multimediaType",
    "ncc:pageFront",
    "ncc:pageNormal",
    "ncc:pageSpecial",
    "ncc:prodNotes",
    "ncc:sidebars",
    "ncc:tocItems",
    "ncc:totalTime",
];

/// Tolerance on times, in seconds: manifest times are whole milliseconds.
const EPSILON: f64 = 0.0015;

/// Checks the book in `dir`. `audio_seconds` gives an audio file's length (`None`: unknown, which
/// is a problem).
pub fn check(dir: &Path, audio_seconds: &dyn Fn(&Path) -> Option<f64>) -> Result<Summary, Issue> {
    let ncc = parse(dir, NCC_FILE)?;
    let issue = |file: &str, problem: String| Issue { file: file.to_owned(), problem };
    let mut meta = BTreeMap::new();
    for el in ncc.iter().filter(|e| e.name == "meta") {
        if let (Some(name), Some(content)) = (el.attrs.get("name"), el.attrs.get("content")) {
            meta.insert(name.clone(), content.clone());
        }
    }
    for name in MANDATORY_META {
        if meta.get(name).is_none_or(|v| v.trim().is_empty()) {
            return Err(issue(NCC_FILE, format!("mandatory metadata {name} is missing")));
        }
    }
    for (name, want) in [("dc:format", "Daisy 2.02"), ("ncc:multimediaType", "audioFullText")] {
        if meta[name] != want {
            return Err(issue(NCC_FILE, format!("{name} is {:?}, expected {want:?}", meta[name])));
        }
    }

    // Headings and their targets, in document order.
    let mut headings = Vec::new();
    let mut targets = Vec::new();
    let mut current: Option<(u8, Option<String>)> = None;
    for el in &ncc {
        if let Some(level) = heading_level(&el.name) {
            if headings.is_empty()
                && (level != 1 || el.attrs.get("class").map(String::as_str) != Some("title"))
            {
                return Err(issue(NCC_FILE, "the first heading is not h1 class=\"title\"".into()));
            }
            if let Some((last, _)) = headings.last() {
                if level > last + 1 {
                    return Err(issue(
                        NCC_FILE,
                        format!("heading h{level} skips a level after h{last}"),
                    ));
                }
            }
            headings.push((level, el.text.trim().to_owned()));
            current = Some((level, None));
        } else if el.name == "a" {
            if let Some((_, target @ None)) = current.as_mut() {
                *target = el.attrs.get("href").cloned();
                targets.push(target.clone().unwrap_or_default());
            }
        }
    }
    if targets.len() != headings.len() {
        return Err(issue(NCC_FILE, "a heading has no link".into()));
    }
    let count = |name: &str| {
        meta[name].parse::<usize>().map_err(|_| issue(NCC_FILE, format!("{name} is not a number")))
    };
    if count("ncc:tocItems")? != headings.len() {
        return Err(issue(
            NCC_FILE,
            format!(
                "ncc:tocItems is {}, the NCC has {} headings",
                meta["ncc:tocItems"],
                headings.len()
            ),
        ));
    }
    let depth = headings.iter().map(|h| h.0).max().unwrap_or(0);
    if count("ncc:depth")? != usize::from(depth) {
        return Err(issue(
            NCC_FILE,
            format!("ncc:depth is {}, the deepest heading is h{depth}", meta["ncc:depth"]),
        ));
    }

    // SMIL files in the order the NCC first names them.
    let mut smil_order: Vec<String> = Vec::new();
    for target in &targets {
        let (file, _) =
            split_ref(target).ok_or_else(|| issue(NCC_FILE, format!("bad link {target:?}")))?;
        if !smil_order.iter().any(|f| f == file) {
            smil_order.push(file.to_owned());
        }
    }
    let mut text_ids: HashMap<String, HashSet<String>> = HashMap::new();
    let mut audio_files: HashSet<String> = HashSet::new();
    let mut par_ids: HashMap<String, HashSet<String>> = HashMap::new();
    let mut elapsed = 0.0;
    let mut clips = 0;
    for smil_name in &smil_order {
        let smil = parse(dir, smil_name)?;
        let smil_meta: HashMap<&str, &str> = smil
            .iter()
            .filter(|e| e.name == "meta")
            .filter_map(|e| Some((e.attrs.get("name")?.as_str(), e.attrs.get("content")?.as_str())))
            .collect();
        let stated = |name: &str| {
            smil_meta
                .get(name)
                .and_then(|v| parse_clock(v))
                .ok_or_else(|| issue(smil_name, format!("{name} is missing or not a clock value")))
        };
        let (in_this, total_elapsed) =
            (stated("ncc:timeInThisSmil")?, stated("ncc:totalElapsedTime")?);
        if smil_meta.get("dc:format") != Some(&"Daisy 2.02") {
            return Err(issue(smil_name, "dc:format is not Daisy 2.02".into()));
        }
        if (total_elapsed - elapsed).abs() > EPSILON {
            return Err(issue(smil_name, format!("ncc:totalElapsedTime is {total_elapsed} s, the files before it last {elapsed} s")));
        }
        let seq_dur = smil
            .iter()
            .find(|e| e.name == "seq")
            .and_then(|e| e.attrs.get("dur"))
            .and_then(|d| d.strip_suffix('s'))
            .and_then(|d| d.parse::<f64>().ok())
            .ok_or_else(|| issue(smil_name, "the seq has no dur".into()))?;
        let mut sum = 0.0;
        let mut last: Option<(String, f64)> = None;
        let mut ids = HashSet::new();
        let mut par_open = false;
        let mut par_has = (false, false);
        for el in &smil {
            match el.name.as_str() {
                "par" => {
                    if par_open && par_has != (true, true) {
                        return Err(issue(smil_name, "a par lacks its text or its audio".into()));
                    }
                    par_open = true;
                    par_has = (false, false);
                    ids.insert(el.attrs.get("id").cloned().unwrap_or_default());
                }
                "text" => {
                    par_has.0 = true;
                    let src = el.attrs.get("src").cloned().unwrap_or_default();
                    let (file, id) = split_ref(&src)
                        .ok_or_else(|| issue(smil_name, format!("bad text src {src:?}")))?;
                    if !text_ids.contains_key(file) {
                        let doc = parse(dir, file)?;
                        text_ids.insert(
                            file.to_owned(),
                            doc.iter().filter_map(|e| e.attrs.get("id").cloned()).collect(),
                        );
                    }
                    if !text_ids[file].contains(id) {
                        return Err(issue(smil_name, format!("text {src} names no element")));
                    }
                }
                "audio" => {
                    par_has.1 = true;
                    clips += 1;
                    let src = el.attrs.get("src").cloned().unwrap_or_default();
                    let path = dir.join(&src);
                    if src.contains("..") || !path.is_file() {
                        return Err(issue(smil_name, format!("audio {src} is missing")));
                    }
                    let length = audio_seconds(&path).ok_or_else(|| {
                        issue(smil_name, format!("cannot tell the length of {src}"))
                    })?;
                    audio_files.insert(src.clone());
                    let time = |name: &str| {
                        el.attrs
                            .get(name)
                            .and_then(|v| v.strip_prefix("npt="))
                            .and_then(|v| v.strip_suffix('s'))
                            .and_then(|v| v.parse::<f64>().ok())
                            .ok_or_else(|| issue(smil_name, format!("a clip has no valid {name}")))
                    };
                    let (begin, end) = (time("clip-begin")?, time("clip-end")?);
                    if end <= begin {
                        return Err(issue(
                            smil_name,
                            format!("clip {begin}..{end} s of {src} runs backwards"),
                        ));
                    }
                    if end > length + EPSILON {
                        return Err(issue(smil_name, format!("clip {begin}..{end} s reaches beyond the end of {src} ({length} s)")));
                    }
                    let expected_begin = match &last {
                        Some((file, previous_end)) if *file == src => *previous_end,
                        _ => 0.0,
                    };
                    if (begin - expected_begin).abs() > EPSILON {
                        return Err(issue(smil_name, format!("clip {begin}..{end} s of {src} should start at {expected_begin} s (no gap, no overlap)")));
                    }
                    last = Some((src, end));
                    sum += end - begin;
                }
                _ => {}
            }
        }
        if par_open && par_has != (true, true) {
            return Err(issue(smil_name, "a par lacks its text or its audio".into()));
        }
        if (sum - in_this).abs() > EPSILON || (seq_dur - in_this).abs() > EPSILON {
            return Err(issue(smil_name, format!("clips sum to {sum} s, ncc:timeInThisSmil says {in_this} s, seq dur {seq_dur} s")));
        }
        par_ids.insert(smil_name.clone(), ids);
        elapsed += in_this;
    }
    for target in &targets {
        let (file, id) = split_ref(target).unwrap_or_default();
        if !par_ids.get(file).is_some_and(|ids| ids.contains(id)) {
            return Err(issue(NCC_FILE, format!("heading link {target} names no par")));
        }
    }
    let total = parse_clock(&meta["ncc:totalTime"])
        .ok_or_else(|| issue(NCC_FILE, "ncc:totalTime is not hh:mm:ss".into()))?;
    if (total - elapsed.round()).abs() > EPSILON {
        return Err(issue(
            NCC_FILE,
            format!("ncc:totalTime is {total} s, the SMIL files last {elapsed} s"),
        ));
    }
    let files = 1 + smil_order.len() + text_ids.len() + audio_files.len();
    if count("ncc:files")? != files {
        return Err(issue(
            NCC_FILE,
            format!("ncc:files is {}, the book has {files} files", meta["ncc:files"]),
        ));
    }
    Ok(Summary { headings, smil_files: smil_order.len(), clips, total_s: elapsed, meta })
}

fn heading_level(name: &str) -> Option<u8> {
    match name.as_bytes() {
        [b'h', d @ b'1'..=b'6'] => Some(d - b'0'),
        _ => None,
    }
}

/// `file#id` → (`file`, `id`), both non-empty, the file a plain name in the book's folder.
fn split_ref(reference: &str) -> Option<(&str, &str)> {
    let (file, id) = reference.split_once('#')?;
    (!file.is_empty() && !id.is_empty() && !file.contains(['/', '\\'])).then_some((file, id))
}

/// `hh:mm:ss`, `hh:mm:ss.fff` or `mm:ss(.fff)`, in seconds.
fn parse_clock(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.split(':').collect();
    let (h, m, s) = match parts.as_slice() {
        [h, m, s] => (h.parse::<f64>().ok()?, m.parse::<f64>().ok()?, s.parse::<f64>().ok()?),
        [m, s] => (0.0, m.parse::<f64>().ok()?, s.parse::<f64>().ok()?),
        _ => return None,
    };
    Some(h * 3600.0 + m * 60.0 + s)
}

/// Every element of `dir/name` in document order, with its attributes and direct text; an error
/// if the file is missing or is not well-formed XML.
fn parse(dir: &Path, name: &str) -> Result<Vec<Element>, Issue> {
    let issue = |problem: String| Issue { file: name.to_owned(), problem };
    let text = std::fs::read_to_string(dir.join(name))
        .map_err(|e| issue(format!("cannot read it: {e}")))?;
    let mut reader = Reader::from_str(&text);
    reader.config_mut().check_end_names = true;
    let mut elements: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| issue(format!("not well-formed XML: {e}")))?;
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = text[..reader.buffer_position() as usize].ends_with("/>");
                let mut attrs = HashMap::new();
                for attr in e.attributes() {
                    let attr = attr.map_err(|e| issue(format!("bad attribute: {e}")))?;
                    // quick-xml 0.41 deprecates this for the XML-1.1-aware `normalized_value`;
                    // DAISY files are XML 1.0, where both give the same value.
                    #[allow(deprecated)]
                    let value = attr
                        .unescape_value()
                        .map_err(|e| issue(format!("bad attribute value: {e}")))?;
                    attrs.insert(
                        String::from_utf8_lossy(attr.key.as_ref()).into_owned(),
                        value.into_owned(),
                    );
                }
                elements.push(Element {
                    name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                    attrs,
                    text: String::new(),
                });
                if !empty {
                    open.push(elements.len() - 1);
                }
            }
            Event::End(_) => {
                open.pop();
            }
            Event::Text(t) => {
                let decoded = t.decode().map_err(|e| issue(format!("bad text: {e}")))?;
                for &i in &open {
                    elements[i].text.push_str(&decoded);
                }
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(r.as_ref());
                let ch = quick_xml::escape::resolve_xml_entity(&name)
                    .ok_or_else(|| issue(format!("unknown entity &{name};")))?;
                for &i in &open {
                    elements[i].text.push_str(ch);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !open.is_empty() {
        return Err(issue("not well-formed XML: an element is never closed".into()));
    }
    Ok(elements)
}
