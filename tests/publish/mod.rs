//! End-to-end tests of issue #5: what `nashra edition --root`, `nashra publish` and `nashra serve`
//! give podcast apps, browsers and DAISY players. Every output is parsed the way its reader would
//! parse it: the feed and DAISY files with quick-xml, the pages with html5ever (scraper), the
//! transcripts with nashra's own strict readers.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use nashra::audio::Pauses;
use nashra::edition::BlockKind;
use nashra::publish::daisy::check;
use nashra::publish::transcript::{read_srt, read_webvtt, rtl_line};
use nashra::publish::{
    self, ArticleEntry, BulletinEntry, ItemEntry, Manifest, SentenceEntry, VoiceEntry,
};
use quick_xml::events::Event;
use quick_xml::Reader;
use scraper::{Html, Selector};
use serde_json::Value;

use super::{nashra, run, text};

/// Sample rate of the generated editions: low, so the WAV files stay small.
pub const RATE: u32 = 8000;

/// A title meant to break every writer that forgets to escape: markup, an ampersand, both
/// quotes, and left-to-right / right-to-left marks.
pub const HOSTILE: &str = "<b>عاجل</b> & \"خاص\" 'جدا' \u{200E}BBC\u{200F} <!-- -->";

/// One generated programme: its sentences as (kind, block, printed text, seconds of tone).
pub struct Plan {
    pub sentences: Vec<(BlockKind, usize, String, f64)>,
}

/// Writes a WAV of tones (one per sentence, a different pitch each) separated by `pause` seconds
/// of silence, with a `pause` tail, and returns the manifest's sentence entries and duration.
pub fn write_programme(path: &Path, plan: &Plan, pause: f64) -> (Vec<SentenceEntry>, f64) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("create wav");
    let mut written: u64 = 0;
    let mut entries = Vec::new();
    let rate = f64::from(RATE);
    for (i, (kind, block, text, seconds)) in plan.sentences.iter().enumerate() {
        if i > 0 {
            for _ in 0..(pause * rate) as u64 {
                writer.write_sample(0i16).expect("sample");
                written += 1;
            }
        }
        let start = written;
        let freq = 220.0 + 40.0 * i as f64;
        for n in 0..(seconds * rate) as u64 {
            let v = (2.0 * std::f64::consts::PI * freq * n as f64 / rate).sin() * 8000.0;
            writer.write_sample(v as i16).expect("sample");
            written += 1;
        }
        entries.push(SentenceEntry {
            kind: *kind,
            text: text.clone(),
            spoken: text.clone(),
            start_s: start as f64 / rate,
            end_s: written as f64 / rate,
            block: Some(*block),
        });
    }
    for _ in 0..(pause * rate) as u64 {
        writer.write_sample(0i16).expect("sample");
        written += 1;
    }
    writer.finalize().expect("finalize wav");
    (entries, written as f64 / rate)
}

/// A generated edition in `dir`: a bulletin of two headlines and two articles, tones for speech,
/// exact timings, `title` as the first article's title; returns its manifest (also written).
pub fn generated_edition(dir: &Path, date: NaiveDate, title: &str) -> Manifest {
    std::fs::create_dir_all(dir).expect("edition dir");
    let s = |kind, block, text: &str, seconds| (kind, block, text.to_owned(), seconds);
    let bulletin = Plan {
        sentences: vec![
            s(BlockKind::Intro, 1, "نشرة الأخبار، 2023-11-06", 1.2),
            s(BlockKind::Item, 2, title, 1.0),
            s(BlockKind::Item, 3, "خبر ثان", 0.8),
        ],
    };
    let first = Plan {
        sentences: vec![
            s(BlockKind::Title, 1, title, 1.0),
            s(BlockKind::Dateline, 2, "6-تشرين الثاني-2023", 0.8),
            s(BlockKind::Paragraph, 3, "سافر الوفد إلى موسكو يوم 26 تشرين الأول.", 1.4),
            s(BlockKind::Paragraph, 3, "RT قالت إن الزيارة مهمة.", 1.2),
            s(BlockKind::Paragraph, 4, "وعاد الوفد بعد يومين.", 1.0),
        ],
    };
    let second = Plan {
        sentences: vec![
            s(BlockKind::Title, 1, "خبر ثان", 0.8),
            s(BlockKind::Paragraph, 2, "نص الخبر الثاني.", 1.0),
        ],
    };
    let (bulletin_sentences, bulletin_duration) =
        write_programme(&dir.join("bulletin.wav"), &bulletin, 0.35);
    let (first_sentences, first_duration) =
        write_programme(&dir.join("01-first.wav"), &first, 0.35);
    let (second_sentences, second_duration) =
        write_programme(&dir.join("02-second.wav"), &second, 0.35);
    let item = |i: usize, t: &str| ItemEntry {
        title: t.to_owned(),
        date: Some(date),
        start_s: bulletin_sentences[i].start_s,
        end_s: bulletin_sentences[i].end_s,
    };
    let article =
        |index: usize, id: &str, title: &str, sentences: Vec<SentenceEntry>, duration_s| {
            ArticleEntry {
                id: id.to_owned(),
                index,
                title: title.to_owned(),
                date: Some(date),
                dateline: (index == 1).then(|| "6-تشرين الثاني-2023".to_owned()),
                author: (index == 1).then(|| HOSTILE.to_owned()),
                source: format!("inputs/{id}.txt"),
                url: None,
                audio: format!("{id}.wav"),
                duration_s,
                sentences,
                files: Vec::new(),
                chapters: Vec::new(),
            }
        };
    let manifest = Manifest {
        nashra_version: "0.1.0".into(),
        title: format!("نشرة {title}"),
        date: Some(date),
        generated_at: Utc.with_ymd_and_hms(2023, 11, 6, 8, 30, 0).single().expect("time"),
        voice: VoiceEntry {
            name: "test-tones".into(),
            engine: "test".into(),
            sample_rate: RATE,
            fallback: false,
            note: None,
        },
        pauses: Pauses::default(),
        headline_voice: None,
        publisher: None,
        language: None,
        articles: vec![
            article(1, "01-first", title, first_sentences, first_duration),
            article(2, "02-second", "خبر ثان", second_sentences, second_duration),
        ],
        bulletin: Some(BulletinEntry {
            audio: "bulletin.wav".into(),
            duration_s: bulletin_duration,
            items: vec![item(1, title), item(2, "خبر ثان")],
            sentences: bulletin_sentences,
            files: Vec::new(),
            chapters: Vec::new(),
        }),
        errors: Vec::new(),
        mastering: None,
        full_edition: None,
    };
    publish::manifest::write(&dir.join(publish::MANIFEST_FILE), &manifest).expect("manifest");
    manifest
}

pub fn wav_seconds(path: &Path) -> Option<f64> {
    let reader = hound::WavReader::open(path).ok()?;
    Some(f64::from(reader.duration()) / f64::from(reader.spec().sample_rate))
}

/// Length of any audio file nashra writes: WAV through hound, MP3 and Opus decoded to the end.
pub fn audio_seconds(path: &Path) -> Option<f64> {
    if path.extension().is_some_and(|e| e == "wav") {
        return wav_seconds(path);
    }
    Some(crate::common::decoded_seconds(path).0)
}

/// Every element of an XML document as (path of names, attributes, text), checking that the
/// document is well-formed.
#[allow(deprecated)] // quick-xml 0.41 prefers the XML-1.1-aware normalized_value; these files are XML 1.0
pub fn xml_elements(xml: &str) -> Vec<(String, HashMap<String, String>, String)> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<String> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut out: Vec<(String, HashMap<String, String>, String)> = Vec::new();
    loop {
        let event =
            reader.read_event().unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{xml}"));
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("attribute");
                        let key = String::from_utf8(a.key.as_ref().to_vec()).expect("utf-8");
                        (key, a.unescape_value().expect("attribute value").into_owned())
                    })
                    .collect();
                stack.push(String::from_utf8(e.name().as_ref().to_vec()).expect("utf-8"));
                out.push((stack.join("/"), attrs, String::new()));
                if empty {
                    stack.pop();
                } else {
                    open.push(out.len() - 1);
                }
            }
            Event::End(_) => {
                stack.pop();
                open.pop();
            }
            Event::Text(t) => {
                let text = t.decode().expect("text");
                if let Some(&i) = open.last() {
                    out[i].2.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(r.as_ref());
                let ch = quick_xml::escape::resolve_xml_entity(&name)
                    .unwrap_or_else(|| panic!("unexpected entity {name}"));
                if let Some(&i) = open.last() {
                    out[i].2.push_str(ch);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty(), "unclosed elements {stack:?}");
    out
}

fn html(path: &Path) -> Html {
    let doc = Html::parse_document(&std::fs::read_to_string(path).expect("page written"));
    assert!(doc.errors.is_empty(), "{} has HTML errors: {:?}", path.display(), doc.errors);
    doc
}

fn texts(doc: &Html, css: &str) -> Vec<String> {
    let selector = Selector::parse(css).expect("selector");
    doc.select(&selector).map(|e| e.text().collect::<String>()).collect()
}

/// Checks every transcript of an edition against its manifest: one cue per sentence, exact times,
/// printed text (made right-to-left safe), and the same cues in WebVTT and SRT.
fn check_transcripts(dir: &Path, manifest: &Manifest) {
    let mut programmes: Vec<(&str, &[SentenceEntry])> =
        manifest.articles.iter().map(|a| (a.audio.as_str(), a.sentences.as_slice())).collect();
    if let Some(bulletin) = &manifest.bulletin {
        programmes.push((bulletin.audio.as_str(), bulletin.sentences.as_slice()));
    }
    for (audio, sentences) in programmes {
        let stem = audio.rsplit_once('.').map_or(audio, |(stem, _)| stem);
        let vtt = std::fs::read_to_string(dir.join(format!("{stem}.vtt"))).expect("vtt written");
        let srt = std::fs::read_to_string(dir.join(format!("{stem}.srt"))).expect("srt written");
        let vtt = read_webvtt(&vtt).unwrap_or_else(|e| panic!("{stem}.vtt: {e}"));
        let srt = read_srt(&srt).unwrap_or_else(|e| panic!("{stem}.srt: {e}"));
        let said: Vec<&SentenceEntry> =
            sentences.iter().filter(|s| !s.text.trim().is_empty()).collect();
        assert_eq!(vtt.len(), said.len(), "{stem}: one cue per sentence");
        assert_eq!(srt.len(), said.len(), "{stem}: one cue per sentence");
        for ((v, s), sentence) in vtt.iter().zip(&srt).zip(&said) {
            assert_eq!((v.start_s, v.end_s), (sentence.start_s, sentence.end_s), "{stem}");
            assert_eq!((s.start_s, s.end_s), (sentence.start_s, sentence.end_s), "{stem}");
            assert_eq!(v.text, rtl_line(&sentence.text), "{stem}: printed text");
            assert_eq!(s.text, v.text, "{stem}: SRT and WebVTT agree");
            assert!(!v.text.contains(sentence.spoken.as_str()) || sentence.spoken == sentence.text);
        }
    }
}

#[test]
fn issue_5_hostile_titles_are_escaped_in_every_output_and_everything_parses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    let date = NaiveDate::from_ymd_opt(2023, 11, 6).expect("date");
    let manifest = generated_edition(&root.join("2023-11-06"), date, HOSTILE);
    let output = run(nashra()
        .args(["publish", "--daisy", "--base-url", "https://example.org/a b/"])
        .arg(&root));
    assert!(!output.status.success(), "a base URL with a space is refused");
    assert!(text(&output.stderr).contains("invalid base URL"), "{}", text(&output.stderr));
    let output = run(nashra()
        .args([
            "publish",
            "--daisy",
            "--publisher",
            HOSTILE,
            "--base-url",
            "https://example.org/news",
        ])
        .arg(&root));
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    let edition = root.join("2023-11-06");

    // Feed: well-formed, the hostile strings back exactly as given.
    let feed = std::fs::read_to_string(root.join("feed.xml")).expect("feed");
    assert!(!feed.contains("<b>"), "raw markup in the feed");
    let els = xml_elements(&feed);
    let get = |path: &str| -> Vec<&(String, HashMap<String, String>, String)> {
        els.iter().filter(|(p, _, _)| p == path).collect()
    };
    assert_eq!(get("rss/channel/title")[0].2, HOSTILE);
    assert_eq!(get("rss/channel/itunes:author")[0].2, HOSTILE);
    let titles: Vec<&str> = get("rss/channel/item/title").iter().map(|e| e.2.as_str()).collect();
    assert_eq!(titles[1], HOSTILE);
    assert_eq!(get("rss/channel/item/itunes:author")[1].2, HOSTILE);

    // Transcripts.
    check_transcripts(&edition, &manifest);
    let vtt = std::fs::read_to_string(edition.join("01-first.vtt")).expect("vtt");
    assert!(vtt.contains("&lt;b&gt;عاجل&lt;/b&gt; &amp; \"خاص\""), "{vtt}");
    assert!(vtt.contains("\u{200F}RT قالت"), "a Latin-first sentence gets a RLM: {vtt}");

    // Pages: parse as a browser would, the strings come back as text, never as markup.
    let page = html(&edition.join("index.html"));
    assert_eq!(texts(&page, "#a-01-first-h"), [HOSTILE]);
    assert_eq!(texts(&page, "#a-01-first .byline bdi")[1], HOSTILE);
    assert!(texts(&page, "b").is_empty(), "a <b> element was injected");
    let root_page = html(&root.join("index.html"));
    assert_eq!(texts(&root_page, "h1"), [HOSTILE]);

    // DAISY: every file parses, every reference resolves, the hostile strings survive.
    let summary = check::check(&edition, &wav_seconds).unwrap_or_else(|e| panic!("DAISY: {e}"));
    assert_eq!(summary.headings[1], (2, HOSTILE.to_owned()));
    assert_eq!(summary.meta["dc:publisher"], HOSTILE);
    assert_eq!(summary.meta["dc:creator"], HOSTILE);
    for name in ["ncc.html", "daisy-text.html", "bulletin.smil", "01-first.smil", "02-second.smil"]
    {
        xml_elements(&std::fs::read_to_string(edition.join(name)).expect("daisy file"));
    }
    // Chapters JSON.
    let chapters: Value = serde_json::from_str(
        &std::fs::read_to_string(edition.join("01-first.chapters.json")).expect("chapters"),
    )
    .expect("chapters JSON");
    assert_eq!(chapters["version"], "1.2.0");
    assert_eq!(chapters["chapters"][0]["title"], HOSTILE);
    assert_eq!(chapters["podcastName"], HOSTILE);
}

#[test]
fn issue_5_editions_accumulate_newest_first_up_to_the_maximum() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    let day = |d| NaiveDate::from_ymd_opt(2023, 11, d).expect("date");
    generated_edition(&root.join("2023-11-06"), day(6), "الاثنين");
    generated_edition(&root.join("2023-11-08"), day(8), "الأربعاء");
    generated_edition(&root.join("2023-11-07"), day(7), "الثلاثاء");
    let guids = |root: &Path| -> Vec<String> {
        let feed = std::fs::read_to_string(root.join("feed.xml")).expect("feed");
        xml_elements(&feed)
            .into_iter()
            .filter(|(p, _, _)| p == "rss/channel/item/guid")
            .map(|(_, _, t)| t)
            .collect()
    };
    let output =
        run(nashra().args(["publish", "-q", "--base-url", "https://example.org/"]).arg(&root));
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    let all = guids(&root);
    assert_eq!(all.len(), 9, "three editions of three programmes");
    let dates: Vec<&str> =
        all.iter().map(|g| &g["nashra:".len().."nashra:2023-11-06".len()]).collect();
    assert_eq!(
        dates,
        ["2023-11-08"; 3]
            .iter()
            .chain(&["2023-11-07"; 3])
            .chain(&["2023-11-06"; 3])
            .copied()
            .collect::<Vec<_>>()
    );
    let page = html(&root.join("index.html"));
    let listed = texts(&page, "ol.editions li a");
    assert_eq!(listed, ["نشرة الأربعاء", "نشرة الثلاثاء", "نشرة الاثنين"]);

    // The same editions published again from another address: the same guids.
    let output =
        run(nashra().args(["publish", "-q", "--base-url", "http://127.0.0.1:9/x"]).arg(&root));
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    assert_eq!(guids(&root), all);

    let output = run(nashra().args(["publish", "-q", "--feed-max", "2"]).arg(&root));
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    assert_eq!(guids(&root), all[..6], "only the two newest editions");
    let feed = std::fs::read_to_string(root.join("feed.xml")).expect("feed");
    let urls: Vec<String> = xml_elements(&feed)
        .into_iter()
        .filter(|(p, _, _)| p == "rss/channel/item/enclosure")
        .map(|(_, a, _)| a["url"].clone())
        .collect();
    assert_eq!(urls[0], "2023-11-08/bulletin.wav", "relative without --base-url");

    // An edition folder inside a root is published with its root, not as a root of its own.
    let output = run(nashra().args(["publish", "-q"]).arg(root.join("2023-11-07")));
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    assert!(!root.join("2023-11-07/feed.xml").exists(), "no one-edition feed inside a root");
    assert_eq!(guids(&root), all, "the root's feed lists every edition again");
    let page = html(&root.join("2023-11-07/index.html"));
    assert_eq!(texts(&page, "a[href='../feed.xml']").len(), 1, "the page links the root's feed");
}

/// The real pipeline (espeak-ng speaks, so no model is needed) into a root, twice on two dates,
/// with every publishing option.
#[test]
fn issue_5_rendered_editions_are_published_into_the_root() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("a.txt");
    std::fs::write(
        &input,
        "عنوان الخبر\nسافر الوفد إلى موسكو يوم 26 تشرين الأول. وعاد.\n\nفقرة ثانية.\n",
    )
    .expect("input");
    let root = dir.path().join("root");
    let render = |date: &str| {
        run(nashra()
            .args(["edition", "-q", "--voice", "espeak", "--daisy", "--date", date])
            .args(["--base-url", "https://example.org/news", "--root"])
            .arg(&root)
            .arg(&input))
    };
    let output = render("2023-11-06");
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    assert!(output.stderr.is_empty(), "-q prints nothing: {}", text(&output.stderr));
    let first_feed = std::fs::read_to_string(root.join("feed.xml")).expect("feed");
    let output = render("2023-11-07");
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    for date in ["2023-11-06", "2023-11-07"] {
        let edition = root.join(date);
        let manifest = publish::manifest::read(&edition.join("edition.json")).expect("manifest");
        check_transcripts(&edition, &manifest);
        let summary =
            check::check(&edition, &audio_seconds).unwrap_or_else(|e| panic!("DAISY {date}: {e}"));
        // The title, the bulletin's one headline, the article.
        assert_eq!(summary.headings.len(), 3);
        let total: f64 = manifest.articles.iter().map(|a| a.duration_s).sum::<f64>()
            + manifest.bulletin.as_ref().map_or(0.0, |b| b.duration_s);
        assert!((summary.total_s - total).abs() < 0.002, "{} vs {total}", summary.total_s);
        html(&edition.join("index.html"));
    }
    let feed = std::fs::read_to_string(root.join("feed.xml")).expect("feed");
    let els = xml_elements(&feed);
    let enclosures: Vec<&HashMap<String, String>> = els
        .iter()
        .filter(|(p, _, _)| p == "rss/channel/item/enclosure")
        .map(|(_, a, _)| a)
        .collect();
    assert_eq!(enclosures.len(), 6, "two editions of a full edition, a bulletin and an article");
    for enclosure in &enclosures {
        let rel = enclosure["url"].strip_prefix("https://example.org/news/").expect("absolute URL");
        let size = std::fs::metadata(root.join(rel)).expect("enclosure exists").len();
        assert_eq!(enclosure["length"], size.to_string(), "length in bytes");
        assert_eq!(enclosure["type"], "audio/mpeg", "MP3 by default");
    }
    assert!(enclosures[0]["url"].contains("/2023-11-07/"), "newest first");
    // Re-rendering a date keeps its guids.
    let guids = |xml: &str| -> Vec<String> {
        xml_elements(xml)
            .into_iter()
            .filter(|(p, _, _)| p == "rss/channel/item/guid")
            .map(|(_, _, t)| t)
            .collect()
    };
    let output = render("2023-11-06");
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    let again = std::fs::read_to_string(root.join("feed.xml")).expect("feed");
    assert_eq!(guids(&again)[3..], guids(&first_feed)[..], "3 items an edition");
    let durations: Vec<u64> = xml_elements(&again)
        .into_iter()
        .filter(|(p, _, _)| p == "rss/channel/item/itunes:duration")
        .map(|(_, _, t)| t.parse().expect("whole seconds"))
        .collect();
    assert!(durations.iter().all(|&d| d >= 1), "{durations:?}");
    assert!(root.join("cover.png").is_file());
}

#[test]
fn issue_5_out_and_root_must_agree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = run(nashra()
        .args(["edition", "x.txt", "--root"])
        .arg(dir.path().join("root"))
        .arg("--out")
        .arg(dir.path().join("elsewhere/ed")));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("not a folder directly inside the publication root"),
        "{}",
        text(&output.stderr)
    );
}

/// `nashra serve` on 127.0.0.1, killed when dropped.
pub struct Served {
    child: Child,
    pub addr: SocketAddr,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `nashra serve dir --port 0` and reads the address it prints.
pub fn serve(dir: &Path) -> Served {
    let mut child = nashra()
        .args(["serve", "--port", "0"])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn nashra serve");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stderr).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(20)).expect("nashra serve prints its address");
    let url =
        line.split("http://").nth(1).and_then(|r| r.split('/').next()).expect("an http:// address");
    let addr: SocketAddr = url.parse().expect("a socket address");
    assert!(addr.ip().is_loopback(), "bound to {addr}, not 127.0.0.1");
    Served { child, addr }
}

/// One raw HTTP request; returns (status, lowercase head, body).
pub fn http(addr: SocketAddr, request: &str) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").expect("a head");
    let head = String::from_utf8_lossy(&response[..split]).to_lowercase();
    (head[9..12].parse().expect("status"), head, response[split + 4..].to_vec())
}

#[test]
fn issue_5_serve_answers_ranges_with_the_right_types_and_refuses_traversal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    generated_edition(
        &root.join("2023-11-06"),
        NaiveDate::from_ymd_opt(2023, 11, 6).expect("date"),
        "خبر",
    );
    std::fs::write(dir.path().join("secret.txt"), "outside the root").expect("secret");
    let output = run(nashra().args(["publish", "-q"]).arg(&root));
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    let started = Instant::now();
    let served = serve(&root);
    let wav = std::fs::read(root.join("2023-11-06/01-first.wav")).expect("wav");

    let get = |path: &str, extra: &str| {
        http(served.addr, &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{extra}\r\n"))
    };
    let (status, head, body) = get("/2023-11-06/01-first.wav", "Range: bytes=100-199\r\n");
    assert_eq!(status, 206);
    assert!(head.contains(&format!("content-range: bytes 100-199/{}", wav.len())), "{head}");
    assert!(
        head.contains("content-type: audio/wav") && head.contains("accept-ranges: bytes"),
        "{head}"
    );
    assert_eq!(body, wav[100..200]);
    let (status, _, body) = get("/2023-11-06/01-first.wav", "");
    assert_eq!((status, body.len()), (200, wav.len()));
    for (path, kind) in [
        ("/2023-11-06/01-first.vtt", "text/vtt"),
        ("/feed.xml", "application/xml"),
        ("/", "text/html"),
        ("/2023-11-06/", "text/html"),
        ("/2023-11-06/01-first.chapters.json", "application/json"),
        ("/cover.png", "image/png"),
    ] {
        let (status, head, _) = get(path, "");
        assert_eq!(status, 200, "{path}");
        assert!(head.contains(&format!("content-type: {kind}")), "{path}: {head}");
    }
    for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/2023-11-06/..%2f..%2fsecret.txt"] {
        let (status, _, body) = get(path, "");
        assert!(status == 403 || status == 404, "{path}: {status}");
        assert!(!String::from_utf8_lossy(&body).contains("outside the root"), "{path}");
    }
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// Where a test leaves files worth looking at (the browser screenshot).
pub fn artifacts_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("issue-5");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}
