//! End-to-end tests: they run the real `nashra` binary on real inputs (the seed page, the joe Piper
//! voice installed by `make setup`, the kareem configs in voices/) and check what a listener or a
//! publisher would get. A missing test voice fails with the command that installs it; it never
//! skips.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod browser;
mod common;
mod publish;

use common::{decoded_seconds, joe_model, kareem_config, nashra, root, run, text};

fn read_manifest(dir: &Path) -> Value {
    let raw = std::fs::read_to_string(dir.join("edition.json")).expect("edition.json written");
    serde_json::from_str(&raw).expect("edition.json is JSON")
}

/// Duration of a WAV file from its header and data length.
fn wav_seconds(path: &Path) -> (f64, u32) {
    let reader = hound::WavReader::open(path).expect("a readable WAV file");
    let spec = reader.spec();
    (reader.duration() as f64 / spec.sample_rate as f64, spec.sample_rate)
}

/// Runs an ffmpeg tool (installed by `make setup`), failing with that hint if it is missing.
fn ffmpeg_tool(tool: &str, args: &[&str], path: &Path) -> Output {
    let output = Command::new(tool)
        .args(["-hide_banner", "-v", "error"])
        .args(args.iter().take_while(|a| **a != "INPUT"))
        .arg(path)
        .args(args.iter().skip_while(|a| **a != "INPUT").skip(1))
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{tool} is missing ({e}): run `make setup` (Debian ffmpeg)"));
    assert!(
        output.status.success(),
        "{tool} failed on {}: {}",
        path.display(),
        text(&output.stderr)
    );
    output
}

/// Integrated loudness (LUFS) and true peak (dBTP) of a file, read by ffmpeg's ebur128 filter:
/// an implementation independent of nashra's (ffmpeg oversamples to 192 kHz for true peak).
/// ffmpeg prints both to 0.1.
fn ffmpeg_loudness(path: &Path) -> (f64, f64) {
    let output = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(path)
        .args(["-af", "ebur128=peak=true", "-f", "null", "-"])
        .stdin(Stdio::null())
        .output()
        .expect("ffmpeg runs: `make setup` installs it");
    assert!(output.status.success(), "ffmpeg failed: {}", text(&output.stderr));
    let log = text(&output.stderr);
    let summary = log.rsplit("Summary:").next().expect("an ebur128 summary");
    let value = |label: &str| -> f64 {
        let line = summary.lines().find(|l| l.trim_start().starts_with(label)).expect(label);
        line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("a number")
    };
    (value("I:"), value("Peak:"))
}

/// Samples per channel and rate of a file as ffmpeg decodes it (gapless: LAME tag, Opus
/// pre-skip and end trimming honoured).
fn ffmpeg_frames(path: &Path) -> (u64, u32) {
    let probe = ffmpeg_tool(
        "ffprobe",
        &[
            "-select_streams",
            "a:0",
            "-show_entries",
            "stream=sample_rate,channels",
            "-of",
            "json",
            "INPUT",
        ],
        path,
    );
    let info: Value = serde_json::from_slice(&probe.stdout).expect("ffprobe json");
    let stream = &info["streams"][0];
    let rate: u32 = stream["sample_rate"].as_str().and_then(|r| r.parse().ok()).expect("rate");
    let channels = stream["channels"].as_u64().expect("channels");
    let pcm = ffmpeg_tool("ffmpeg", &["-i", "INPUT", "-f", "f32le", "-"], path);
    (pcm.stdout.len() as u64 / (4 * channels), rate)
}

/// Chapters of a file as ffprobe reads them: (start ms, end ms, title).
fn ffprobe_chapters(path: &Path) -> Vec<(i64, i64, String)> {
    let probe = ffmpeg_tool("ffprobe", &["-show_chapters", "-of", "json", "INPUT"], path);
    let info: Value = serde_json::from_slice(&probe.stdout).expect("ffprobe json");
    info["chapters"]
        .as_array()
        .expect("chapters")
        .iter()
        .map(|c| {
            let ms = |key: &str| {
                let seconds: f64 = c[key].as_str().and_then(|t| t.parse().ok()).expect("time");
                (seconds * 1000.0).round() as i64
            };
            let title = c["tags"]["title"].as_str().unwrap_or_default().to_owned();
            (ms("start_time"), ms("end_time"), title)
        })
        .collect()
}

/// Every programme of a manifest with its files and chapters: (name, duration, files, chapters).
fn programmes(manifest: &Value) -> Vec<(String, f64, Vec<Value>, Vec<Value>)> {
    let mut out = Vec::new();
    let mut add = |name: String, entry: &Value| {
        let list = |key: &str| entry[key].as_array().cloned().unwrap_or_default();
        out.push((
            name,
            entry["duration_s"].as_f64().expect("duration"),
            list("files"),
            list("chapters"),
        ));
    };
    for article in manifest["articles"].as_array().expect("articles") {
        add(article["id"].as_str().unwrap_or_default().to_owned(), article);
    }
    if !manifest["bulletin"].is_null() {
        add("bulletin".to_owned(), &manifest["bulletin"]);
    }
    if !manifest["full_edition"].is_null() {
        add("full edition".to_owned(), &manifest["full_edition"]);
    }
    out
}

/// Checks every file of every programme against what a listener's tools read: its length and
/// rate decoded by nashra's decoder and by ffmpeg, its loudness by ffmpeg (within ±1 LU of
/// `target` and under -1 dBTP), and its chapters by ffprobe (MP3 and Opus).
fn check_audio_files(out: &Path, manifest: &Value, target: f64, channels: u64) {
    let all = programmes(manifest);
    assert!(!all.is_empty());
    for (name, duration, files, chapters) in all {
        assert!(!files.is_empty(), "{name} lists no files");
        for file in &files {
            let path = out.join(file["path"].as_str().expect("path"));
            let format = file["format"].as_str().expect("format");
            let (seconds, rate) = decoded_seconds(&path);
            assert_eq!(
                u64::from(rate),
                file["sample_rate"].as_u64().expect("rate"),
                "{name} {format}"
            );
            assert_eq!(file["channels"].as_u64(), Some(channels), "{name} {format}");
            assert!(
                (seconds - duration).abs() <= 0.001,
                "{name} {format}: {seconds} s decoded, {duration} s in the manifest"
            );
            let (frames, ff_rate) = ffmpeg_frames(&path);
            assert_eq!(ff_rate, rate, "{name} {format}");
            let ff_seconds = frames as f64 / f64::from(ff_rate);
            assert!(
                (ff_seconds - duration).abs() <= 0.001,
                "{name} {format}: ffmpeg decodes {ff_seconds} s, manifest {duration} s"
            );
            assert_eq!(file["bytes"].as_u64(), Some(std::fs::metadata(&path).expect("file").len()));

            let (lufs, peak) = ffmpeg_loudness(&path);
            assert!((lufs - target).abs() <= 1.0, "{name} {format}: {lufs} LUFS, target {target}");
            assert!(peak <= -1.0, "{name} {format}: true peak {peak} dBTP");
            let stated = file["loudness"]["integrated_lufs"].as_f64().expect("measured loudness");
            assert!(
                (stated - lufs).abs() <= 0.2,
                "{name} {format}: manifest {stated}, ffmpeg {lufs}"
            );

            if format != "wav" {
                let expected: Vec<(i64, i64, String)> = chapters
                    .iter()
                    .map(|c| {
                        let ms = |k: &str| (c[k].as_f64().expect("time") * 1000.0).round() as i64;
                        (
                            ms("start_s"),
                            ms("end_s"),
                            c["title"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect();
                let found = ffprobe_chapters(&path);
                // ffprobe has no end for the last Ogg chapter but the file's end.
                let found: Vec<(i64, i64, String)> = if format == "opus" {
                    found.into_iter().map(|(s, _, t)| (s, 0, t)).collect()
                } else {
                    found
                };
                let expected: Vec<(i64, i64, String)> = if format == "opus" {
                    expected.into_iter().map(|(s, _, t)| (s, 0, t)).collect()
                } else {
                    expected
                };
                assert_eq!(found, expected, "{name} {format} chapters");
            }
        }
    }
}

fn words_in(value: &Value) -> usize {
    value["sentences"]
        .as_array()
        .expect("sentences list")
        .iter()
        .map(|s| s["text"].as_str().unwrap_or("").split_whitespace().count())
        .sum()
}

/// Checks what every seed edition must hold, whatever the voice.
fn check_seed_edition(out: &Path, engine: &str) -> Value {
    let manifest = read_manifest(out);
    assert_eq!(manifest["voice"]["engine"], engine);
    assert_eq!(manifest["date"], "2023-11-06");
    let articles = manifest["articles"].as_array().expect("articles");
    assert_eq!(articles.len(), 1);
    let article = &articles[0];
    assert_eq!(article["title"], "هل أعدت روسيا حماس للهجوم على إسرائيل؟");
    assert_eq!(article["date"], "2023-11-06");
    assert_eq!(article["author"], "مارك تمنيكي");

    // Audio: the file exists, its length is what the manifest says, and it is plausible for the
    // number of words (newsreaders speak about 2 to 3 Arabic words a second).
    let audio = out.join(article["audio"].as_str().expect("audio path"));
    let (seconds, rate) = decoded_seconds(&audio);
    assert_eq!(rate as u64, manifest["voice"]["sample_rate"].as_u64().expect("rate"));
    let stated = article["duration_s"].as_f64().expect("duration");
    assert!((seconds - stated).abs() < 0.01, "WAV {seconds} s, manifest {stated} s");
    let words = words_in(article) as f64;
    assert!(words > 700.0, "the whole body is read: {words} words");
    assert!(
        seconds > words / 5.0 && seconds < words * 1.2,
        "{seconds} s for {words} words is implausible"
    );
    let spoken = serde_json::to_string(article).expect("json");
    assert!(!spoken.contains("Powered") && !spoken.contains("Design by"), "boilerplate spoken");

    // The bulletin: the article's title, then the ten related headlines with their dates.
    let items = manifest["bulletin"]["items"].as_array().expect("bulletin items");
    assert_eq!(items.len(), 11);
    assert_eq!(items[0]["title"], article["title"]);
    assert_eq!(
        items[1]["title"],
        "الاقتصاد النيابية تبحث المواصفة العراقية لاستيراد المركبات مع جهاز التقييس"
    );
    assert_eq!(items[1]["date"], "2024-04-03");
    assert_eq!(items[10]["title"], "الأمن والدفاع: العراق لا يستطيع حماية أجوائه من المسيرات");
    assert_eq!(items[10]["date"], "2024-02-12");
    let bulletin = out.join(manifest["bulletin"]["audio"].as_str().expect("bulletin audio"));
    let (bulletin_seconds, _) = decoded_seconds(&bulletin);
    assert!(bulletin_seconds > 20.0, "eleven headlines in {bulletin_seconds} s");
    let mut last_end = 0.0;
    for item in items {
        let (start, end) =
            (item["start_s"].as_f64().expect("start"), item["end_s"].as_f64().expect("end"));
        assert!(start >= last_end && end > start && end <= bulletin_seconds + 0.01);
        last_end = end;
    }
    manifest
}

#[test]
fn seed_page_becomes_an_edition_through_the_real_piper_model() {
    let out = tempfile::tempdir().expect("tempdir");
    let output = run(nashra()
        .args(["edition", "seeds/", "-q", "--voice"])
        .arg(joe_model())
        .arg("--voice-config")
        .arg(kareem_config())
        .arg("--out")
        .arg(out.path()));
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    assert!(output.stderr.is_empty(), "-q prints nothing: {}", text(&output.stderr));
    let manifest = check_seed_edition(out.path(), "piper");
    assert_eq!(manifest["voice"]["fallback"], false);
    assert_eq!(manifest["voice"]["sample_rate"], 22050);
    let file = manifest["articles"][0]["audio"].as_str().expect("audio");
    assert!(
        file.starts_with("01-") && file.ends_with(".mp3") && file.is_ascii(),
        "safe ASCII slug with an index, MP3 by default: {file}"
    );
    // The Piper voice's programmes meet -19 LUFS under -1 dBTP as ffmpeg measures them.
    check_audio_files(out.path(), &manifest, -19.0, 1);
    let full = &manifest["full_edition"];
    assert_eq!(full["audio"], "full-edition.mp3");
    assert_eq!(full["chapters"].as_array().map(Vec::len), Some(2), "bulletin, article");
}

/// `HH:MM:SS.mmm` (or `MM:SS.mmm`) of a WebVTT cue time in seconds.
fn vtt_seconds(time: &str) -> f64 {
    time.trim().split(':').fold(0.0, |acc, part| acc * 60.0 + part.parse::<f64>().expect("time"))
}

/// Two short articles, for the audio tests: title, dateline, body.
fn small_edition_inputs(dir: &Path) -> Vec<PathBuf> {
    let a = dir.join("a.txt");
    std::fs::write(
        &a,
        "ارتفاع أسعار النفط في الأسواق العالمية\n\
         سجلت أسعار النفط ارتفاعا ملحوظا خلال تعاملات اليوم. وعزا المحللون ذلك إلى تراجع \
         المخزونات.\n\
         وقال خبراء إن الأسعار قد تواصل الصعود خلال الأسابيع المقبلة إذا استمر الطلب على \
         حاله.\n",
    )
    .expect("write");
    let b = dir.join("b.txt");
    std::fs::write(
        &b,
        "افتتاح معرض الكتاب الدولي في العاصمة بمشاركة أكثر من خمسمئة دار نشر عربية وأجنبية\n\
         افتتح معرض الكتاب أبوابه أمام الزوار صباح اليوم بمشاركة واسعة من دور النشر.\n\
         ويستمر المعرض عشرة أيام، وتقام على هامشه ندوات ثقافية وأمسيات شعرية.\n",
    )
    .expect("write");
    vec![a, b]
}

#[test]
fn issue_4_edition_in_every_format_meets_the_loudness_target_with_chapters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let output = run(nashra()
        .args(["edition", "--voice", "espeak", "-q", "--format", "mp3,opus,wav"])
        .args(["--date", "2024-03-01", "--out"])
        .arg(&out)
        .args(small_edition_inputs(dir.path())));
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    let manifest = read_manifest(&out);
    assert_eq!(manifest["mastering"]["target_lufs"], -19.0);
    assert_eq!(manifest["mastering"]["layout"], "mono");
    check_audio_files(&out, &manifest, -19.0, 1);

    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("out dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "no temporary file left: {names:?}");
    let audio: Vec<&String> = names
        .iter()
        .filter(|n| [".mp3", ".opus", ".wav"].iter().any(|ext| n.ends_with(ext)))
        .collect();
    assert_eq!(audio.len(), 3 * 4, "4 programmes in 3 formats: {names:?}");
    // Every programme, the full edition included, has its transcripts and chapters (issue #5).
    for stem in ["bulletin", "full-edition"].into_iter().chain(
        manifest["articles"].as_array().expect("articles").iter().filter_map(|a| a["id"].as_str()),
    ) {
        for ext in ["vtt", "srt", "chapters.json"] {
            assert!(names.contains(&format!("{stem}.{ext}")), "{stem}.{ext}: {names:?}");
        }
    }

    // The full edition: the bulletin, then both articles, each chapter where the manifest says.
    let full = &manifest["full_edition"];
    let titles: Vec<&str> = full["chapters"]
        .as_array()
        .expect("chapters")
        .iter()
        .filter_map(|c| c["title"].as_str())
        .collect();
    assert_eq!(titles.len(), 3);
    assert_eq!(
        &titles[1..],
        [
            "ارتفاع أسعار النفط في الأسواق العالمية",
            // Over 127 bytes in a CHAP's TIT2: the size ID3v2.4 players misread (see mp3.rs).
            "افتتاح معرض الكتاب الدولي في العاصمة بمشاركة أكثر من خمسمئة دار نشر عربية وأجنبية"
        ]
    );
    // Every article sentence is timed in the full edition too, after its chapter's start.
    let refs = full["sentences"].as_array().expect("sentence refs");
    let sentences: usize = manifest["articles"]
        .as_array()
        .expect("articles")
        .iter()
        .map(|a| a["sentences"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(refs.len(), sentences);
    let second_start = full["chapters"][2]["start_s"].as_f64().expect("start");
    let second_id = manifest["articles"][1]["id"].as_str().expect("id");
    for r in refs.iter().filter(|r| r["article"] == second_id) {
        assert!(r["start_s"].as_f64().expect("start") > second_start);
    }
    // The full edition's transcript: the bulletin's sentences, then every article's, each cue at
    // the time the manifest gives that sentence in the full-edition file.
    let vtt = std::fs::read_to_string(out.join("full-edition.vtt")).expect("full-edition.vtt");
    let cue_starts: Vec<f64> = vtt
        .lines()
        .filter_map(|l| l.split_once(" --> ").map(|(start, _)| vtt_seconds(start)))
        .collect();
    let bulletin_sentences = manifest["bulletin"]["sentences"].as_array().map_or(0, Vec::len);
    assert_eq!(cue_starts.len(), bulletin_sentences + sentences, "{vtt}");
    for (cue, r) in cue_starts[bulletin_sentences..].iter().zip(refs) {
        let start = r["start_s"].as_f64().expect("start");
        assert!((cue - start).abs() <= 0.002, "cue at {cue} s, sentence at {start} s");
    }
    // MP3 tags as players read them.
    let tags = ffmpeg_tool(
        "ffprobe",
        &["-show_entries", "format_tags", "-of", "json", "INPUT"],
        &out.join(manifest["articles"][0]["audio"].as_str().expect("audio")),
    );
    let tags: Value = serde_json::from_slice(&tags.stdout).expect("json");
    let tags = &tags["format"]["tags"];
    assert_eq!(tags["title"], "ارتفاع أسعار النفط في الأسواق العالمية");
    assert_eq!(tags["album"], "نشرة الأخبار");
    assert_eq!(tags["track"], "1/2");
    assert_eq!(tags["language"], "ara");
    assert_eq!(tags["date"], "2024-03-01");
}

#[test]
fn issue_4_stereo_files_meet_minus_16_lufs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let inputs = small_edition_inputs(dir.path());
    let output = run(nashra()
        .args(["edition", "--voice", "espeak", "-q", "--stereo", "--no-full-edition"])
        .args(["--format", "wav,opus,mp3", "--intro", "none", "--out"])
        .arg(&out)
        .arg(&inputs[0]));
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    let manifest = read_manifest(&out);
    assert_eq!(manifest["mastering"]["target_lufs"], -16.0);
    assert!(manifest["full_edition"].is_null());
    check_audio_files(&out, &manifest, -16.0, 2);
}

#[test]
fn seed_page_falls_back_to_espeak_when_no_arabic_voice_is_installed() {
    let out = tempfile::tempdir().expect("tempdir");
    let empty_voices = tempfile::tempdir().expect("tempdir");
    let output = run(nashra()
        .args(["edition", "seeds/000_c373039b646e1749.txt", "--voices-dir"])
        .arg(empty_voices.path())
        .arg("--out")
        .arg(out.path()));
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("espeak-ng"), "the fallback is announced: {stderr}");
    let manifest = check_seed_edition(out.path(), "espeak-ng");
    assert_eq!(manifest["voice"]["fallback"], true);
    assert!(manifest["voice"]["note"].as_str().is_some_and(|n| n.contains("voices install")));
}

/// The ids nashra feeds the model equal those of the reference piper-tts 1.8 (with its tashkeel),
/// sentence by sentence, on the committed fixture (see scripts/parity-fixtures.py), through the
/// whole text pipeline of the binary (normalize, verbalize, segment, diacritize per line).
///
/// Rows listed in `tests/data/text/parity_exceptions.tsv` differ on purpose (nashra's hint lexicon
/// vocalizes a word better, or `text::pronounce` says a word in pause or with its helping vowel);
/// they are checked to still differ. Rows with quotes are compared like the others since H5
/// passes over quotes as R1 does. The voice module's own parity test runs every row through the front
/// end without the text stage and matches them all.
#[test]
fn text_ids_equal_the_reference_piper_front_end() {
    let exceptions: Vec<String> =
        std::fs::read_to_string(root().join("tests/data/text/parity_exceptions.tsv"))
            .expect("parity exceptions")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| l.split('\t').next().unwrap_or_default().to_string())
            .collect();
    let fixture = std::fs::read_to_string(root().join("tests/data/parity/ar_ids.tsv"))
        .expect("parity fixture");
    let rows: Vec<(&str, &str)> = fixture
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols[0], cols[2])
        })
        .collect();
    assert!(rows.len() >= 30, "fixture has {} rows", rows.len());
    let input: String = rows.iter().map(|(t, _)| format!("{t}\n")).collect();
    let mut child = nashra()
        .args(["text", "--stage", "ids", "--voice"])
        .arg(kareem_config())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write");
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    let got = text(&output.stdout);
    let got: Vec<&str> = got.lines().collect();
    assert_eq!(got.len(), rows.len(), "one output line per input line");
    let mismatches: Vec<String> = rows
        .iter()
        .zip(&got)
        .enumerate()
        .filter(|(_, ((t, want), have))| (want != *have) != exceptions.iter().any(|e| e == t))
        .map(|(i, ((t, _), _))| format!("row {}: {t}", i + 1))
        .collect();
    assert!(
        mismatches.is_empty(),
        "ids differ from piper-tts (or, if listed in parity_exceptions.tsv, no longer differ) on:\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn speak_reads_standard_input_into_a_wav_file() {
    let out = tempfile::tempdir().expect("tempdir");
    let wav = out.path().join("speech.wav");
    let mut child = nashra()
        .args(["speak", "-", "--voice"])
        .arg(joe_model())
        .arg("--voice-config")
        .arg(kareem_config())
        .arg("-o")
        .arg(&wav)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all("سافر ممثلو حماس إلى موسكو. وشكرت حماس الرئيس الروسي.".as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    let (seconds, rate) = wav_seconds(&wav);
    assert_eq!(rate, 22050);
    assert!(seconds > 1.5 && seconds < 12.0, "two short sentences in {seconds} s");
}

/// `nashra speak -o -` streams a WAV to standard output (issue #6): a header with the streaming
/// sizes, then speech at the speech level, the same samples a file output gets (noise off, so
/// both runs synthesize the same audio), and nothing left behind but the finished file.
#[test]
fn speak_streams_a_wav_of_speech_to_standard_output() {
    // A first sentence long enough to be cut in two for a quick start, then a second one.
    let words = "أعلنت الأكاديمية البريطانية لفنون الفيلم والتلفزيون عن ترشيحاتها الرسمية لحفلها \
                السابع والستين. وسيقام الحفل في دار الأوبرا الملكية.";
    let speak = |output: &Path| {
        run(nashra()
            .args(["speak", words, "--noise-scale", "0", "--noise-w", "0", "--voice"])
            .arg(joe_model())
            .arg("--voice-config")
            .arg(kareem_config())
            .arg("-o")
            .arg(output))
    };
    let streamed = speak(Path::new("-"));
    assert!(streamed.status.success(), "stderr: {}", text(&streamed.stderr));
    assert!(!text(&streamed.stderr).contains("wrote"), "{}", text(&streamed.stderr));
    let bytes = &streamed.stdout;
    assert!(bytes.len() > 44, "{} bytes", bytes.len());
    let u32_at =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(&bytes[8..16], b"WAVEfmt ");
    assert_eq!(
        (u16_at(20), u16_at(22), u32_at(24), u16_at(34)),
        (1, 1, 22050, 16),
        "PCM mono 16-bit"
    );
    assert_eq!(&bytes[36..40], b"data");
    assert_eq!((u32_at(4), u32_at(40)), (u32::MAX, u32::MAX), "streaming sizes: length unknown");
    let data = &bytes[44..];
    assert_eq!(data.len() % 2, 0);
    let samples: Vec<f32> = data
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32767.0)
        .collect();
    let seconds = samples.len() as f64 / 22050.0;
    assert!(seconds > 4.0 && seconds < 20.0, "two sentences in {seconds} s");
    // Speech, levelled: near the -19 LUFS target (the gain comes from the first sentence) and
    // under the -1 dBTP ceiling.
    let lufs = nashra::audio::loudness::integrated(&samples, 22050, nashra::audio::Layout::Mono)
        .expect("loudness");
    assert!((-23.0..=-15.0).contains(&lufs), "{lufs} LUFS");
    let peak = samples.iter().fold(0f32, |m, s| m.max(s.abs()));
    assert!(peak > 0.1 && peak <= 0.892, "peak {peak}");

    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("speech.wav");
    let written = speak(&wav);
    assert!(written.status.success(), "stderr: {}", text(&written.stderr));
    // A file is levelled as a whole: the same speech, exactly on the target.
    let mut reader = hound::WavReader::open(&wav).expect("a finished WAV");
    let whole: Vec<f32> =
        reader.samples::<i16>().map(|s| f32::from(s.expect("sample")) / 32767.0).collect();
    // The same sentences; the stream speaks its first sentence in two pieces (a quick start),
    // the file in one, so the lengths differ by a fraction of a second.
    let difference = whole.len().abs_diff(samples.len());
    assert!(difference < 22050 / 2, "{} against {} samples", whole.len(), samples.len());
    let lufs = nashra::audio::loudness::integrated(&whole, 22050, nashra::audio::Layout::Mono)
        .expect("loudness");
    assert!((lufs - -19.0).abs() < 0.5, "{lufs} LUFS");
    let names: Vec<_> =
        std::fs::read_dir(dir.path()).expect("dir").flatten().map(|e| e.file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("speech.wav")], "no temporary file left");
}

/// Empty text is an error, reported with exit status 2, not a crash: the voice's session is
/// then still being built on another thread (`speak` starts it early), and a process that ends
/// under it crashed in ONNX Runtime's destructors before the thread was joined.
#[test]
fn speak_with_nothing_to_say_fails_cleanly_while_its_session_builds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("empty.wav");
    for output_arg in [Path::new("-"), Path::new("-"), &wav, &wav] {
        let output = run(nashra()
            .args(["speak", "  ", "--voice"])
            .arg(joe_model())
            .arg("--voice-config")
            .arg(kareem_config())
            .arg("-o")
            .arg(output_arg));
        assert_eq!(output.status.code(), Some(2), "stderr: {}", text(&output.stderr));
        assert!(text(&output.stderr).contains("nothing to speak"), "{}", text(&output.stderr));
        assert!(output.stdout.is_empty(), "no audio for nothing");
        assert!(!wav.exists());
    }
}

#[test]
fn an_unreadable_article_is_reported_and_the_others_still_render() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "  \n\n").expect("write");
    let good = dir.path().join("good.txt");
    std::fs::write(&good, "عنوان الخبر\nسافر الوفد إلى موسكو.\n").expect("write");
    let out = dir.path().join("out");
    let output = run(nashra()
        .args(["edition", "--voice", "espeak", "-q"])
        .arg(&empty)
        .arg(&good)
        .arg("--out")
        .arg(&out));
    assert_eq!(output.status.code(), Some(1), "stderr: {}", text(&output.stderr));
    assert!(text(&output.stderr).contains("empty.txt"), "{}", text(&output.stderr));
    let manifest = read_manifest(&out);
    assert_eq!(manifest["articles"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        manifest["errors"][0]["source"].as_str().map(|s| s.ends_with("empty.txt")),
        Some(true)
    );
}

#[test]
fn a_missing_input_is_an_error_naming_it() {
    let out = tempfile::tempdir().expect("tempdir");
    let output = run(nashra().args(["edition", "no/such/article.txt", "--out"]).arg(out.path()));
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("no/such/article.txt"), "{}", text(&output.stderr));
}

#[test]
fn a_missing_onnxruntime_library_is_reported_not_hung() {
    let out = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let output = run(nashra()
        .env("NASHRA_ORT_LIB", "/nonexistent/libonnxruntime.so")
        .args(["speak", "مرحبا", "--voice"])
        .arg(joe_model())
        .arg("-o")
        .arg(out.path().join("x.wav")));
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("/nonexistent/libonnxruntime.so"), "{stderr}");
    assert!(!out.path().join("x.wav").exists());
}

#[test]
fn voices_list_shows_installed_and_known_voices() {
    let output = run(nashra().args(["voices", "list"]));
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    let stdout = text(&output.stdout);
    for needle in ["ar_JO-kareem-medium", "ar_JO-kareem-low", "en_US-joe-medium", "22050", "16000"]
    {
        assert!(stdout.contains(needle), "missing {needle} in:\n{stdout}");
    }
}

#[test]
fn every_subcommand_has_useful_help() {
    for args in [
        vec!["--help"],
        vec!["edition", "--help"],
        vec!["speak", "--help"],
        vec!["text", "--help"],
        vec!["voices", "--help"],
        vec!["voices", "list", "--help"],
        vec!["voices", "install", "--help"],
    ] {
        let output = run(nashra().args(&args));
        assert!(output.status.success(), "{args:?}");
        let help = text(&output.stdout);
        assert!(help.contains("Usage:") && help.len() > 300, "{args:?} help too thin:\n{help}");
    }
}

/// Text stages need no installed voice: kareem's config shipped in voices/ is enough, and nothing
/// about a missing voice is printed.
#[test]
fn text_stages_work_with_the_shipped_config_alone() {
    let empty_voices = tempfile::tempdir().expect("tempdir");
    std::fs::copy(kareem_config(), empty_voices.path().join("ar_JO-kareem-medium.onnx.json"))
        .expect("copy config");
    let mut child = nashra()
        .args(["text", "--stage", "phonemes", "--voices-dir"])
        .arg(empty_voices.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all("سافر الوفد. وعاد.\n".as_bytes()).expect("write");
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    assert!(output.stderr.is_empty(), "unexpected stderr: {}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert_eq!(stdout.lines().count(), 1, "one line per input line: {stdout}");
    assert_eq!(stdout.matches(" | ").count(), 1, "two sentences: {stdout}");
}

/// Every sentence an article says, as printed, on one string (to look for furniture).
fn said(article: &Value) -> String {
    article["sentences"]
        .as_array()
        .expect("sentences")
        .iter()
        .map(|s| s["text"].as_str().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn an_html_page_becomes_an_edition_without_its_furniture() {
    let out = tempfile::tempdir().expect("tempdir");
    let output = run(nashra()
        .args(["edition", "tests/fixtures/html/wordpress-single-post.html", "--voice", "espeak"])
        .args(["-q", "--out"])
        .arg(out.path()));
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    let manifest = read_manifest(out.path());
    assert_eq!(manifest["date"], "2024-03-12");
    assert_eq!(manifest["language"], "ar");
    let article = &manifest["articles"][0];
    assert_eq!(article["title"], "بلدية المدينة تطلق مشروعا لتحديث شبكة المياه في الأحياء الشرقية");
    assert_eq!(article["dateline"], "12 آذار 2024");
    assert_eq!(article["author"], "سارة الخطيب");
    assert_eq!(article["url"], "https://madina.example/2024/03/12/water-network/");
    assert_eq!(article["source"], "tests/fixtures/html/wordpress-single-post.html");
    let kinds: Vec<&str> = article["sentences"]
        .as_array()
        .expect("sentences")
        .iter()
        .map(|s| s["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(&kinds[..3], ["title", "dateline", "author"]);
    assert!(kinds.iter().filter(|k| **k == "paragraph").count() >= 7, "{kinds:?}");
    let spoken = said(article);
    for furniture in ["فيسبوك", "الوسوم", "مقال رائع", "عاجل", "WordPress", "آخر الأخبار", "إعلان"]
    {
        assert!(!spoken.contains(furniture), "{furniture} read aloud:\n{spoken}");
    }
    // The bulletin: the title, then the eight related and latest headlines.
    let items = manifest["bulletin"]["items"].as_array().expect("items");
    assert_eq!(items.len(), 9);
    assert_eq!(items[1]["title"], "وزارة المياه تبدأ صيانة سد الوادي قبل موسم الأمطار");
    assert_eq!(items[1]["date"], "2024-02-20");
    assert_eq!(items[8]["title"], "ارتفاع أسعار المياه المعبأة مع بداية الصيف");
    assert_eq!(items[8]["date"], Value::Null);
}

#[test]
fn a_feed_gives_its_newest_items_and_names_items_it_cannot_read() {
    let out = tempfile::tempdir().expect("tempdir");
    let output = run(nashra()
        .args(["edition", "tests/fixtures/feeds/rss2-wordpress.xml", "--voice", "espeak"])
        .args(["-q", "--feed-items", "2", "--out"])
        .arg(out.path()));
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    let manifest = read_manifest(out.path());
    let articles = manifest["articles"].as_array().expect("articles");
    let titles: Vec<&str> = articles.iter().map(|a| a["title"].as_str().unwrap_or("")).collect();
    assert_eq!(
        titles,
        [
            "افتتاح مدرسة “النور” للبنات في حي الربوة",
            "بلدية المدينة تطلق مشروعا لتحديث شبكة المياه في الأحياء الشرقية"
        ]
    );
    assert_eq!(articles[0]["source"], "tests/fixtures/feeds/rss2-wordpress.xml#2");
    assert_eq!(articles[0]["author"], "نادر السعدي");
    assert_eq!(
        articles[1]["dateline"],
        Value::Null,
        "a feed's timestamp is not a printed dateline"
    );
    assert!(!said(&articles[1]).contains("appeared first"));
    assert_eq!(manifest["date"], "2024-03-12");

    // Every item: the link-only one is an error naming it and the way to read it.
    let out = tempfile::tempdir().expect("tempdir");
    let output = run(nashra()
        .args(["edition", "tests/fixtures/feeds/rss2-wordpress.xml", "--voice", "espeak"])
        .args(["-q", "--out"])
        .arg(out.path()));
    assert_eq!(output.status.code(), Some(1), "stderr: {}", text(&output.stderr));
    let manifest = read_manifest(out.path());
    assert_eq!(manifest["articles"].as_array().map(Vec::len), Some(3));
    assert_eq!(manifest["errors"][0]["source"], "tests/fixtures/feeds/rss2-wordpress.xml#4");
    let message = manifest["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("--fetch-links"), "{message}");
    assert!(text(&output.stderr).contains("rss2-wordpress.xml#4"), "{}", text(&output.stderr));
}

#[test]
fn an_edition_file_describes_the_whole_edition_and_flags_override_it() {
    let out = tempfile::tempdir().expect("tempdir");
    let output = run(nashra()
        .args(["edition", "--edition", "tests/fixtures/edition/evening.toml"])
        .args(["--item-pause", "1.4", "--outro", "none", "--out"])
        .arg(out.path()));
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(
            "seed_page.txt repeats tests/fixtures/edition/../html/seed-article-in-page.html"
        ),
        "{stderr}"
    );
    let manifest = read_manifest(out.path());
    assert_eq!(manifest["title"], "نشرة المساء");
    assert_eq!(manifest["publisher"], "جريدة المدينة");
    assert_eq!(manifest["language"], "ar");
    assert_eq!(manifest["date"], "2024-04-01", "the newest article's date");
    assert_eq!(manifest["voice"]["engine"], "espeak-ng");
    assert_eq!(manifest["voice"]["fallback"], false, "espeak was asked for");
    assert_eq!(manifest["headline_voice"], Value::Null);
    assert_eq!(manifest["pauses"]["sentence"], 0.3, "from the file");
    assert_eq!(manifest["pauses"]["item"], 1.4, "the flag wins over the file");
    assert_eq!(manifest["pauses"]["title"], 0.9, "the default");
    assert_eq!(manifest["pauses"]["article"], 1.5, "from the file");
    // The audio settings of the file are applied; --outro overrides its `outro`.
    let mastering = &manifest["mastering"];
    assert_eq!(mastering["target_lufs"], -20.0);
    assert_eq!(mastering["formats"], serde_json::json!(["opus", "mp3"]));
    assert_eq!((&mastering["intro"], &mastering["outro"]), (&"none".into(), &"none".into()));
    assert_eq!(mastering["transition"], "chime", "the default");
    let bulletin = &manifest["bulletin"];
    assert_eq!(bulletin["audio"], "bulletin.opus");
    let lufs = bulletin["files"][0]["loudness"]["integrated_lufs"].as_f64().expect("measured");
    assert!((lufs + 20.0).abs() <= 0.5, "bulletin at {lufs} LUFS");
    assert_eq!(bulletin["items"][0]["start_s"], bulletin["sentences"][1]["start_s"]);
    assert!(
        bulletin["sentences"][0]["start_s"].as_f64() < Some(0.1),
        "no intro sound before the bulletin's first words: {}",
        bulletin["sentences"][0]
    );
    let articles = manifest["articles"].as_array().expect("articles");
    let sources: Vec<&str> = articles.iter().map(|a| a["source"].as_str().unwrap_or("")).collect();
    assert_eq!(
        sources,
        [
            "tests/fixtures/edition/../html/wordpress-single-post.html",
            "tests/fixtures/edition/../feeds/atom.xml#1",
            "tests/fixtures/edition/../json/cms-export.json#madina-4301",
            "tests/fixtures/edition/../json/cms-export.json#madina-4302",
            "tests/fixtures/edition/../html/seed-article-in-page.html",
        ]
    );
    assert_eq!(articles[3]["author"], "نادر السعدي");
    assert_eq!(articles[3]["dateline"], "31-آذار-2024");
    assert_eq!(articles[4]["title"], "هل أعدت روسيا حماس للهجوم على إسرائيل؟");
    assert!(manifest["errors"].as_array().is_some_and(Vec::is_empty), "{}", manifest["errors"]);
    // Files are numbered by position, and every one is on disk.
    for (i, article) in articles.iter().enumerate() {
        let audio = article["audio"].as_str().expect("audio");
        assert!(audio.starts_with(&format!("{:02}-", i + 1)), "{audio}");
        assert!(out.path().join(audio).is_file(), "{audio}");
    }
}

#[test]
fn an_edition_file_with_an_unknown_key_is_refused_naming_key_and_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("edition.toml");
    std::fs::write(&file, "title = \"نشرة\"\nvoise = \"espeak\"\ninputs = [\"a.txt\"]\n")
        .expect("write");
    let output = run(nashra().args(["edition"]).arg(&file).arg("--out").arg(dir.path().join("o")));
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("unknown field `voise`"), "{stderr}");
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
    assert!(!dir.path().join("o").exists());
}

/// Serves `body` as `content_type` at every path of a local address, for `count` requests.
fn serve_once(content_type: &'static str, body: String, count: usize) -> String {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for _ in 0..count {
            let Ok((mut stream, _)) = listener.accept() else { return };
            let Ok(clone) = stream.try_clone() else { return };
            let mut reader = BufReader::new(clone);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    base
}

#[test]
fn a_url_given_on_the_command_line_is_fetched_and_read() {
    let page = std::fs::read_to_string(root().join("tests/fixtures/html/amp-article.html"))
        .expect("fixture");
    let base = serve_once("text/html; charset=utf-8", page, 1);
    let url = format!("{base}/tunisia/olive-harvest-2023");
    let out = tempfile::tempdir().expect("tempdir");
    let output =
        run(nashra().args(["edition", &url, "--voice", "espeak", "-q", "--out"]).arg(out.path()));
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    let manifest = read_manifest(out.path());
    let article = &manifest["articles"][0];
    assert_eq!(article["title"], "تونس: انطلاق موسم جني الزيتون وسط توقعات بصابة قياسية");
    assert_eq!(article["source"], url.as_str());
    assert_eq!(article["author"], "ليلى بن عمر وكريم الطرابلسي");
    assert_eq!(article["date"], "2023-11-14");
}

/// Makes a test tone file with ffmpeg (its encoders, not nashra's): `spec` is an lavfi source.
fn ffmpeg_make(path: &Path, source: &str, codec: &[&str]) {
    let output = Command::new("ffmpeg")
        .args(["-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i", source])
        .args(codec)
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .expect("ffmpeg runs: `make setup` installs it");
    assert!(output.status.success(), "ffmpeg: {}", text(&output.stderr));
}

#[test]
fn issue_4_intro_transition_and_outro_files_in_flac_ogg_and_mp3_frame_the_programmes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let intro = dir.path().join("intro-660Hz-44100Hz-0.6s.flac");
    ffmpeg_make(&intro, "sine=frequency=660:duration=0.6:sample_rate=44100", &["-c:a", "flac"]);
    let transition = dir.path().join("transition-880Hz-48000Hz-0.4s.ogg");
    let vorbis = ["-c:a", "libvorbis"];
    ffmpeg_make(&transition, "sine=frequency=880:duration=0.4:sample_rate=48000", &vorbis);
    let outro = dir.path().join("outro-440Hz-32000Hz-stereo-0.8s.mp3");
    let mp3 = ["-ac", "2", "-c:a", "libmp3lame", "-b:a", "96k"];
    ffmpeg_make(&outro, "sine=frequency=440:duration=0.8:sample_rate=32000", &mp3);
    let inputs = small_edition_inputs(dir.path());

    let render = |name: &str, sounds: &[&std::ffi::OsStr]| -> Value {
        let out = dir.path().join(name);
        let output = run(nashra()
            .args(["edition", "--voice", "espeak", "-q", "--format", "wav", "--out"])
            .arg(&out)
            .args(sounds)
            .args(&inputs));
        assert!(output.status.success(), "stderr: {}", text(&output.stderr));
        read_manifest(&out)
    };
    let with = render(
        "with",
        &[
            "--intro".as_ref(),
            intro.as_os_str(),
            "--transition".as_ref(),
            transition.as_os_str(),
            "--outro".as_ref(),
            outro.as_os_str(),
        ],
    );
    let none: [&std::ffi::OsStr; 6] =
        ["--intro", "none", "--transition", "none", "--outro", "none"].map(|s| s.as_ref());
    let without = render("without", &none);
    let seconds = |m: &Value, path: &[&str]| -> f64 {
        path.iter().fold(m, |v, k| &v[*k]).as_f64().unwrap_or_else(|| panic!("{path:?}"))
    };
    let close = |a: f64, b: f64, what: &str| assert!((a - b).abs() <= 0.002, "{what}: {a} vs {b}");

    // The bulletin: 0.6 s intro + 0.9 s item pause before the speech; 0.9 s + 0.8 s outro after.
    let first_item = |m: &Value| m["bulletin"]["items"][0]["start_s"].as_f64().expect("start");
    close(first_item(&with) - first_item(&without), 1.5, "bulletin speech offset");
    let bulletin = |m: &Value| seconds(m, &["bulletin", "duration_s"]);
    close(bulletin(&with) - bulletin(&without), 0.6 + 0.9 + 0.9 + 0.8, "bulletin length");
    // The full edition: intro and its pause, a transition and a second pause before each of the
    // two articles, and the outro with its pause (the article pause is 1.0 s).
    let full = |m: &Value| seconds(m, &["full_edition", "duration_s"]);
    close(full(&with) - full(&without), 0.6 + 1.0 + 2.0 * (0.4 + 1.0) + 1.0 + 0.8, "full length");
    // Articles carry no sounds.
    for (a, b) in with["articles"]
        .as_array()
        .expect("articles")
        .iter()
        .zip(without["articles"].as_array().expect("articles"))
    {
        assert_eq!(a["duration_s"], b["duration_s"]);
    }
    assert_eq!(with["mastering"]["intro"], intro.to_string_lossy().as_ref());
}

#[test]
fn issue_4_speak_writes_levelled_mp3_and_opus_by_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["speech.mp3", "speech.opus"] {
        let path = dir.path().join(name);
        let output = run(nashra()
            .args(["speak", "سجلت أسعار النفط ارتفاعا ملحوظا خلال تعاملات اليوم.", "-q"])
            .args(["--voice", "espeak", "-o"])
            .arg(&path));
        assert!(output.status.success(), "stderr: {}", text(&output.stderr));
        let (seconds, rate) = decoded_seconds(&path);
        assert_eq!(rate, if name.ends_with("opus") { 48_000 } else { 22_050 });
        assert!(seconds > 1.0 && seconds < 10.0, "{seconds}");
        let (lufs, peak) = ffmpeg_loudness(&path);
        assert!((lufs - -19.0).abs() <= 1.0 && peak <= -1.0, "{name}: {lufs} LUFS, {peak} dBTP");
    }
}

/// The counts `nashra edition` prints last: sentences synthesized and taken from the cache.
fn synthesis_counts(stderr: &str) -> (usize, usize) {
    let line = stderr
        .lines()
        .find(|l| l.contains("sentence(s) synthesized, "))
        .unwrap_or_else(|| panic!("no synthesis summary in:\n{stderr}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().expect("a count"))
        .collect();
    (numbers[0], numbers[1])
}

/// Issue #6: rendering an unchanged edition again synthesizes nothing and gives the same audio;
/// editing one paragraph synthesizes only its sentences; `nashra cache` shows and prunes it.
#[test]
fn an_unchanged_edition_comes_from_the_cache_and_an_edited_paragraph_alone_is_synthesized() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, article) = (dir.path().join("cache"), dir.path().join("a.txt"));
    let article_text = |second: &str| {
        format!(
            "زيارة الوفد\n\nسافر الوفد إلى موسكو يوم السادس من تشرين الأول. وقال المتحدث إن \
             المحادثات كانت مثمرة.\n\n{second}\n"
        )
    };
    std::fs::write(&article, article_text("وأضاف أن الجانبين اتفقا على مواصلة الحوار.")).unwrap();
    let edition = |out: &str| {
        let mut cmd = nashra();
        cmd.arg("edition").arg(&article).arg("--voice").arg(joe_model());
        cmd.arg("--voice-config").arg(kareem_config()).arg("--cache-dir").arg(&cache);
        cmd.args(["--date", "2023-11-06", "--format", "wav", "--no-full-edition", "--out"]);
        cmd.arg(dir.path().join(out));
        let output = run(&mut cmd);
        assert!(output.status.success(), "{}", text(&output.stderr));
        synthesis_counts(&text(&output.stderr))
    };
    let audio = |out: &str| {
        let manifest = read_manifest(&dir.path().join(out));
        let file = manifest["articles"][0]["audio"].as_str().unwrap().to_owned();
        std::fs::read(dir.path().join(out).join(file)).unwrap()
    };

    let (synthesized, cached) = edition("first");
    // Every sentence the manifest lists was spoken once: synthesized, or a repeat from the cache.
    let manifest = read_manifest(&dir.path().join("first"));
    let listed = manifest["articles"][0]["sentences"].as_array().unwrap().len()
        + manifest["bulletin"]["sentences"].as_array().unwrap().len();
    assert_eq!(synthesized + cached, listed);
    assert!(synthesized >= 5, "{synthesized} synthesized");
    assert_eq!(edition("first"), (0, synthesized + cached), "a re-render synthesizes nothing");
    assert_eq!(edition("second"), (0, synthesized + cached));
    assert!(audio("first") == audio("second"), "the cached audio is the audio");

    std::fs::write(&article, article_text("وأضاف المتحدث أن الحوار سيستمر.")).unwrap();
    assert_eq!(edition("first"), (1, synthesized + cached - 1), "only the edited sentence");
    assert!(audio("first") != audio("second"));

    let stats = run(nashra().args(["cache", "stats", "--cache-dir"]).arg(&cache));
    let stats_text = text(&stats.stdout);
    assert!(stats.status.success(), "{}", text(&stats.stderr));
    assert!(stats_text.contains(&cache.display().to_string()), "{stats_text}");
    let entries: usize = stats_text
        .lines()
        .nth(1)
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stats_text}"));
    assert_eq!(entries, synthesized + 1, "one audio entry per distinct sentence");
    let pruned =
        run(nashra().args(["cache", "prune", "--max-size", "0", "--cache-dir"]).arg(&cache));
    assert!(pruned.status.success(), "{}", text(&pruned.stderr));
    assert!(
        text(&pruned.stdout).contains("left 0 sentence(s) of audio and 0 text entries, 0 bytes")
    );
}
