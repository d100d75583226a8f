//! Robustness (issue #7): bad input, crashes, concurrent runs, the network, and scaling.
//!
//! Most tests run the real `nashra` binary with espeak-ng's own voice (`--voice espeak`), which
//! needs no model, so that many runs fit in a test; a few use the joe Piper model installed by
//! `make setup` to go through ONNX Runtime as well. A missing tool or voice fails with the command
//! that installs it; nothing is skipped.
//!
//! The scaling tests measure ratios (2 MB against 1 MB of text), never absolute times, and take
//! the best of five runs so that a busy machine does not make them flaky. This binary counts the
//! memory each thread allocates ([`CountingAllocator`]) to check that memory is linear too.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use nashra::fsutil::{self, OutputLock};
use nashra::publish::{manifest, Manifest};

mod common;

use common::{joe_model, kareem_config, nashra, root, run};

// --- helpers ---------------------------------------------------------------------------------

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn seed() -> PathBuf {
    root().join("seeds/000_c373039b646e1749.txt")
}

/// `nashra edition INPUT --voice espeak -q --out OUT`.
fn espeak_edition(input: &Path, out: &Path) -> Command {
    let mut cmd = nashra();
    cmd.arg("edition").arg(input).args(["--voice", "espeak", "-q", "--out"]).arg(out);
    cmd
}

/// Every file below `dir`, sorted.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            out.extend(files_below(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn name_of(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Samples in a WAV file, read to the last one: a truncated or garbled file fails here.
fn decode_wav(path: &Path) -> (usize, u32) {
    let mut reader = hound::WavReader::open(path)
        .unwrap_or_else(|e| panic!("{} is not a readable WAV: {e}", path.display()));
    let rate = reader.spec().sample_rate;
    let declared = reader.duration() as usize;
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{} does not decode to the end: {e}", path.display()));
    assert_eq!(samples.len(), declared, "{}: header and data disagree", path.display());
    (samples.len(), rate)
}

/// Frames and rate of an audio file, decoded to the end: WAV with hound (which checks the header
/// against the data), MP3 and Opus with symphonia through nashra's decoder.
fn decode_audio(path: &Path) -> (usize, u32) {
    if path.extension().is_some_and(|e| e == "wav") {
        return decode_wav(path);
    }
    let (seconds, rate) = common::decoded_seconds(path);
    assert!(seconds > 0.0, "{}: no audio", path.display());
    ((seconds * f64::from(rate)).round() as usize, rate)
}

fn is_audio(name: &str) -> bool {
    [".wav", ".mp3", ".opus"].iter().any(|ext| name.ends_with(ext))
}

/// What must hold of an output folder at any moment, even right after `kill -9`: every WAV under
/// its final name decodes to the end, and an `edition.json`, if there is one, is a valid manifest
/// whose audio files all exist. Returns the temporary files present.
fn check_no_partial_file(out: &Path) -> Vec<PathBuf> {
    let mut temps = Vec::new();
    for path in files_below(out) {
        let name = name_of(&path);
        if name.ends_with(".tmp") {
            assert!(fsutil::is_temp_file_name(&name), "a temporary file not of ours: {name}");
            temps.push(path);
        } else if is_audio(&name) {
            decode_audio(&path);
        } else if name == "edition.json" {
            let m = manifest::read(&path).expect("edition.json is a valid manifest");
            let full = m.full_edition.iter().map(|f| &f.audio);
            for audio in m
                .articles
                .iter()
                .map(|a| &a.audio)
                .chain(m.bulletin.iter().map(|b| &b.audio))
                .chain(full)
            {
                assert!(out.join(audio).is_file(), "edition.json names a missing {audio}");
            }
        }
    }
    temps
}

/// A finished edition: a valid manifest with `articles` articles and a bulletin, every audio file
/// decoding to the length the manifest states, no temporary file and no lock file left.
fn check_complete(out: &Path, articles: usize) -> Manifest {
    let m = manifest::read(&out.join("edition.json")).expect("edition.json is a valid manifest");
    assert_eq!(m.articles.len(), articles, "errors: {:?}", m.errors);
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    let bulletin = m.bulletin.as_ref().expect("a bulletin");
    let durations = m.articles.iter().map(|a| (&a.audio, a.duration_s));
    let full = m.full_edition.iter().map(|f| (&f.audio, f.duration_s));
    for (audio, duration) in durations.chain([(&bulletin.audio, bulletin.duration_s)]).chain(full) {
        let (samples, rate) = decode_audio(&out.join(audio));
        let seconds = samples as f64 / f64::from(rate);
        assert!((seconds - duration).abs() < 0.002, "{audio}: {seconds} s, manifest {duration} s");
    }
    let left: Vec<String> = files_below(out)
        .iter()
        .map(|p| name_of(p))
        .filter(|n| n.ends_with(".tmp") || n == fsutil::LOCK_FILE)
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    m
}

/// A small deterministic generator (xorshift64*), so that kill times are the same on every run.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Three articles: the seed page (a 500 s programme, so a kill often lands inside synthesis or
/// while its 22 MB WAV is written) and two short ones.
fn crash_inputs(dir: &Path) -> PathBuf {
    let inputs = dir.join("in");
    std::fs::create_dir_all(&inputs).expect("mkdir");
    std::fs::copy(seed(), inputs.join("01-seed.txt")).expect("copy seed");
    std::fs::write(inputs.join("02-a.txt"), "عاد الوفد من موسكو\nوقال إن المحادثات كانت جادة.\n")
        .expect("write");
    std::fs::write(inputs.join("03-b.txt"), "قمة في عمان\nاجتمع القادة في عمان يوم الخميس.\n")
        .expect("write");
    inputs
}

/// Starts `cmd`, kills it with SIGKILL after `delay`, and waits for it.
fn kill_after(cmd: &mut Command, delay: Duration) {
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn");
    std::thread::sleep(delay);
    let _ = child.kill(); // SIGKILL on Unix; it may have finished already
    child.wait().expect("wait");
}

// --- crash safety ----------------------------------------------------------------------------

/// `kill -9` at ten pseudo-random moments (fixed seed) of an espeak edition; after each, no file
/// under a final name is partial, and a second run completes with every file whole and nothing
/// temporary left. Every other round starts from an empty folder, the others from the previous
/// complete edition (a nightly re-run killed half-way).
#[test]
fn kill_9_at_random_points_never_leaves_a_partial_file_and_a_rerun_completes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = crash_inputs(dir.path());
    let out = dir.path().join("out");
    let started = Instant::now();
    let output = run(&mut espeak_edition(&inputs, &out));
    assert!(output.status.success(), "{}", stderr(&output));
    let full = started.elapsed();
    check_complete(&out, 3);

    let mut rng = Rng(0x7E57_0007);
    let mut temps_left = 0;
    for round in 0..10 {
        if round % 2 == 0 {
            std::fs::remove_dir_all(&out).expect("rm out");
        }
        let delay = full.mul_f64(rng.unit());
        kill_after(&mut espeak_edition(&inputs, &out), delay);
        temps_left += check_no_partial_file(&out).len();
        let output = run(&mut espeak_edition(&inputs, &out));
        assert!(output.status.success(), "round {round} ({delay:?}): {}", stderr(&output));
        check_complete(&out, 3);
    }
    eprintln!("10 kills over a {full:?} run left {temps_left} temporary file(s), all removed");
}

/// The same with the joe Piper model (ONNX Runtime and the diacritizer in the process when it
/// dies), three kills on two short articles.
#[test]
fn kill_9_during_a_piper_edition_never_leaves_a_partial_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = crash_inputs(dir.path());
    std::fs::remove_file(inputs.join("01-seed.txt")).expect("rm seed");
    let out = dir.path().join("out");
    let edition = || {
        let mut cmd = nashra();
        cmd.arg("edition").arg(&inputs).arg("--voice").arg(joe_model());
        cmd.arg("--voice-config").arg(kareem_config()).arg("-q").arg("--out").arg(&out);
        cmd
    };
    let started = Instant::now();
    let output = run(&mut edition());
    assert!(output.status.success(), "{}", stderr(&output));
    let full = started.elapsed();
    let mut rng = Rng(0x10E_0007);
    for round in 0..3 {
        let delay = full.mul_f64(rng.unit());
        kill_after(&mut edition(), delay);
        check_no_partial_file(&out);
        let output = run(&mut edition());
        assert!(output.status.success(), "round {round} ({delay:?}): {}", stderr(&output));
        check_complete(&out, 2);
    }
}

/// A killed run's temporary files (recognised by name) are removed by the next run; anything
/// else in the folder, hidden or not, is left alone.
#[test]
fn a_rerun_removes_only_nashras_own_leftover_temporary_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("sub")).expect("mkdir");
    let ours =
        [out.join(".01-x.wav.Xy12Zt.nashra.tmp"), out.join("sub/.feed.xml.000aaa.nashra.tmp")];
    let theirs = [out.join(".editor.swp.tmp"), out.join("notes.txt"), out.join("sub/.keep")];
    for path in ours.iter().chain(&theirs) {
        std::fs::write(path, b"left here").expect("write");
    }
    let good = dir.path().join("good.txt");
    std::fs::write(&good, "عنوان الخبر\nسافر الوفد إلى موسكو.\n").expect("write");
    let output = run(&mut espeak_edition(&good, &out));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(ours.iter().all(|p| !p.exists()), "a leftover temporary file survived");
    assert!(theirs.iter().all(|p| p.is_file()), "a file that is not nashra's was touched");
}

// --- one run per output folder ----------------------------------------------------------------

/// While the folder is locked (here by this test process), `nashra edition` fails at once, names
/// the holder's pid, and writes nothing; once the lock is gone it runs.
#[test]
fn a_second_run_on_a_locked_output_folder_fails_at_once_naming_the_holder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.txt");
    std::fs::write(&good, "عنوان الخبر\nسافر الوفد إلى موسكو.\n").expect("write");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let lock = OutputLock::acquire(&out).expect("lock");
    let started = Instant::now();
    let output = run(&mut espeak_edition(&good, &out));
    assert!(started.elapsed() < Duration::from_secs(20), "not fast: {:?}", started.elapsed());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains(&format!(
            "{} is in use by another nashra run (pid {})",
            out.display(),
            std::process::id()
        )),
        "{message}"
    );
    assert_eq!(files_below(&out), [out.join(fsutil::LOCK_FILE)], "the locked run wrote nothing");
    drop(lock);
    let output = run(&mut espeak_edition(&good, &out));
    assert!(output.status.success(), "{}", stderr(&output));
    check_complete(&out, 1);
}

/// With `--root`, the publication root is locked too: its feed and index are shared by every
/// edition in it. A run for another date into a locked root, and `nashra publish` of it, fail at
/// once and touch nothing.
#[test]
fn a_locked_publication_root_stops_editions_and_publish_into_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.txt");
    std::fs::write(&good, "عنوان الخبر\nسافر الوفد إلى موسكو.\n").expect("write");
    let root = dir.path().join("root");
    std::fs::create_dir(&root).expect("mkdir");
    let lock = OutputLock::acquire(&root).expect("lock");
    let edition = || {
        let mut cmd = nashra();
        cmd.arg("edition").arg(&good).args(["--voice", "espeak", "-q", "--date", "2024-01-02"]);
        cmd.arg("--root").arg(&root);
        cmd
    };
    let output = run(&mut edition());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let held =
        format!("{} is in use by another nashra run (pid {})", root.display(), std::process::id());
    assert!(stderr(&output).contains(&held), "{}", stderr(&output));
    let output = run(nashra().arg("publish").arg(&root));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains(&held), "{}", stderr(&output));
    assert_eq!(files_below(&root), [root.join(fsutil::LOCK_FILE)], "nothing written");
    drop(lock);
    let output = run(&mut edition());
    assert!(output.status.success(), "{}", stderr(&output));
    check_complete(&root.join("2024-01-02"), 1);
    assert!(root.join("feed.xml").is_file() && !root.join(fsutil::LOCK_FILE).exists());
}

/// Two real processes: the second, started while the first renders the seed page, fails with
/// the first one's pid; the first finishes undisturbed.
#[test]
fn two_concurrent_editions_into_one_folder_do_not_interleave() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let first = espeak_edition(&seed(), &out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let lock_file = out.join(fsutil::LOCK_FILE);
    let pid = first.id().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(&lock_file).map_or(true, |t| t.trim() != pid) {
        assert!(Instant::now() < deadline, "the first run never locked {}", out.display());
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = run(&mut espeak_edition(&seed(), &out));
    let first = first.wait_with_output().expect("wait");
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    assert!(stderr(&second).contains(&format!("(pid {pid})")), "{}", stderr(&second));
    check_complete(&out, 1);
}

// --- bad input ---------------------------------------------------------------------------------

/// One folder with every kind of bad input next to good ones in other encodings and shapes: each
/// bad file is reported by name with its problem, the run exits 1, and the others are rendered
/// with their text read correctly.
#[test]
fn bad_inputs_are_reported_by_name_and_the_others_still_render() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).expect("mkdir");
    let write = |name: &str, bytes: &[u8]| std::fs::write(inputs.join(name), bytes).expect("write");
    let (cp1256, _, _) =
        encoding_rs::WINDOWS_1256.encode("عاد الوفد من موسكو\nوقال إن المحادثات جادة.\n");
    let (iso, _, _) =
        encoding_rs::ISO_8859_6.encode("وصل الوفد إلى عمان\nوقال إن المحادثات جادة.\n");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(
        "غادر الرئيس\nووصل إلى عمان مساء الخميس.\n".encode_utf16().flat_map(u16::to_le_bytes),
    );
    let long_title = "كلمة ".repeat(400);
    let huge_body = "سافر الوفد إلى موسكو ".repeat(6000);
    let huge_chars = "عنوان".chars().count() + huge_body.trim().chars().count();
    let huge = format!("عنوان\n{huge_body}\n");
    write("01-good.txt", "سافر الوفد إلى موسكو\nقال الرئيس إن المفاوضات مستمرة.\n".as_bytes());
    write("02-empty.txt", b"\n  \n");
    write("03-boilerplate.txt", "Powered by weebtech\nجميع الحقوق محفوظة 2024\n".as_bytes());
    write("04-pdf.txt", b"%PDF-1.5\n%\xE2\xE3\xCF\xD3\n1 0 obj\n");
    write("05-binary.txt", &[0x00, 0x13, 0xFF, 0x00, 0x88, 0x01, 0x00, 0x9C, 0x00]);
    write("06-cp1256.txt", &cp1256);
    write("07-iso.txt", &iso);
    write("08-utf16.txt", &utf16);
    write(
        "09-html.txt",
        "<html><head><title>x</title><script>var code = 'function';</script><style>p{color:red}\
         </style></head><body><h1>قمة في عمان</h1><p>اجتمع القادة العرب في عمان يوم الخميس \
         لبحث الأوضاع في المنطقة.</p><p>وقال المتحدث إن المحادثات كانت صريحة وبناءة.</p>\
         </body></html>"
            .as_bytes(),
    );
    write("10-latin.txt", b"Breaking news\nThe delegation flew to Moscow on Sunday.\n");
    write("11-emoji.txt", "عاجل 🔥\x07\nقصف 💥 على المدينة\x1b[31m اليوم.\n".as_bytes());
    write("12-long-title.txt", format!("{long_title}\nنص قصير.\n").as_bytes());
    write("13-huge.txt", huge.as_bytes());
    write("14-latin1.txt", b"Caf\xE9 cr\xE8me\nLe d\xE9j\xE0-vu.\n");
    write(
        "15-script.txt",
        "سقوط أمطار غزيرة\n<script>var ads = loadAds('function');</script>\nهطلت أمطار غزيرة.\n"
            .as_bytes(),
    );
    let out = dir.path().join("out");
    let output = run(espeak_edition(&inputs, &out).args(["--max-article-chars", "50000"]));

    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let m = manifest::read(&out.join("edition.json")).expect("manifest");
    let errors: Vec<(String, String)> =
        m.errors.iter().map(|e| (name_of(Path::new(&e.source)), e.message.clone())).collect();
    let expected = [
        ("02-empty.txt", "no article text (empty, or nothing but site boilerplate)"),
        ("03-boilerplate.txt", "no article text (empty, or nothing but site boilerplate)"),
        ("04-pdf.txt", "a PDF document (export it as text), not text"),
        ("05-binary.txt", "binary data (it contains NUL bytes), not text"),
        ("13-huge.txt", &*format!("article too long to speak: {huge_chars} characters (the limit is 50000; see --max-article-chars)")),
        ("14-latin1.txt", "not text in a known encoding (UTF-8, UTF-16, Windows-1256, ISO-8859-6): invalid UTF-8 at byte 3; save it as UTF-8"),
    ];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(f, e)| ((*f).to_owned(), (*e).to_owned())).collect();
    assert_eq!(errors, expected);
    let message = stderr(&output);
    for (file, problem) in &expected {
        assert!(message.contains(&format!("{file}: {problem}")), "{file} not reported:\n{message}");
    }

    let titles: Vec<&str> = m.articles.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "سافر الوفد إلى موسكو",
            "عاد الوفد من موسكو",
            "وصل الوفد إلى عمان",
            "غادر الرئيس",
            "قمة في عمان",
            "Breaking news",
            "عاجل 🔥",
            long_title.trim(),
            "سقوط أمطار غزيرة",
        ]
    );
    let script = serde_json::to_string(&m.articles[8]).expect("json");
    assert!(!script.contains("loadAds") && script.contains("هطلت أمطار غزيرة."), "{script}");
    let html = serde_json::to_string(&m.articles[4]).expect("json");
    assert!(!html.contains("function") && !html.contains("color"), "markup spoken: {html}");
    let emoji = &m.articles[6].sentences;
    assert!(
        emoji.iter().all(|s| !s.text.contains('\x1b') && !s.text.contains('\x07')),
        "{emoji:?}"
    );
    let items = &m.bulletin.as_ref().expect("bulletin").items;
    assert!(
        items[7].title.ends_with('…') && items[7].title.chars().count() <= 201,
        "{}",
        items[7].title
    );
    for article in &m.articles {
        let (samples, _) = decode_audio(&out.join(&article.audio));
        assert!(samples > 0, "{} is silent", article.audio);
    }
}

/// `--strict`: the first bad input stops the run with status 1, naming it, before anything is
/// written.
#[test]
fn strict_stops_at_the_first_bad_input_with_status_1_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).expect("mkdir");
    std::fs::write(inputs.join("01-good.txt"), "عنوان\nنص الخبر.\n").expect("write");
    std::fs::write(inputs.join("02-bad.txt"), b"%PDF-1.5\n").expect("write");
    std::fs::write(inputs.join("03-good.txt"), "عنوان آخر\nنص آخر.\n").expect("write");
    let out = dir.path().join("out");
    let output = run(espeak_edition(&inputs, &out).arg("--strict"));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("stopped at the first error (--strict): ")
            && message.contains("02-bad.txt: a PDF document"),
        "{message}"
    );
    assert!(!message.contains("03-good"), "went past the error: {message}");
    assert!(files_below(&out).is_empty(), "wrote {:?}", files_below(&out));

    let output = run(&mut espeak_edition(&inputs, &out));
    assert_eq!(output.status.code(), Some(1), "without --strict the rest renders");
    assert_eq!(manifest::read(&out.join("edition.json")).expect("manifest").articles.len(), 2);
}

/// A file nobody may read, in a folder: reported with "permission denied", the others render.
/// As root (who may read anything) the binary runs as `nobody` (uid 65534).
#[cfg(unix)]
#[test]
fn an_unreadable_file_in_a_folder_is_reported_and_the_rest_renders() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::os::unix::process::CommandExt;

    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).expect("mkdir");
    std::fs::write(inputs.join("a.txt"), "عنوان\nنص الخبر.\n").expect("write");
    std::fs::write(inputs.join("b.txt"), "خبر ثان\nنص ثان.\n").expect("write");
    let secret = inputs.join("secret.txt");
    std::fs::write(&secret, "سر\nلا يقرأ.\n").expect("write");
    let out = dir.path().join("out");
    let mut cmd = espeak_edition(&inputs, &out);
    let as_root = std::fs::metadata(&secret).expect("stat").uid() == 0;
    if as_root {
        const NOBODY: u32 = 65534;
        for path in [dir.path(), &inputs, &inputs.join("a.txt"), &inputs.join("b.txt"), &secret] {
            std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)).expect("chown");
        }
        cmd.uid(NOBODY).gid(NOBODY).env("HOME", dir.path());
    }
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let output = run(&mut cmd);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let m = manifest::read(&out.join("edition.json")).expect("manifest");
    assert_eq!(m.articles.len(), 2);
    assert_eq!(m.errors.len(), 1);
    assert!(m.errors[0].source.ends_with("secret.txt"), "{:?}", m.errors);
    assert!(m.errors[0].message.contains("Permission denied"), "{:?}", m.errors);
    assert!(
        stderr(&output).contains("secret.txt: cannot read: Permission denied"),
        "{}",
        stderr(&output)
    );
}

// --- nothing outside the output folder --------------------------------------------------------

/// A snapshot of a tree: every path with its size and modification time.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    files_below(dir)
        .into_iter()
        .map(|p| {
            let meta = std::fs::metadata(&p).expect("stat");
            (p, meta.len(), meta.modified().expect("mtime"))
        })
        .collect()
}

/// `nashra edition` writes into its output folder and nowhere else: not beside it, not into the
/// inputs, the working directory, HOME, XDG folders or TMPDIR. The one exception is its
/// documented sentence cache, `$XDG_CACHE_HOME/nashra` (issue #6).
#[test]
fn an_edition_touches_nothing_outside_its_output_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (inputs, work, home, tmp) = (
        dir.path().join("in"),
        dir.path().join("cwd"),
        dir.path().join("home"),
        dir.path().join("tmp"),
    );
    for d in [&inputs, &work, &home, &tmp] {
        std::fs::create_dir(d).expect("mkdir");
    }
    std::fs::copy(seed(), inputs.join("seed.txt")).expect("copy");
    std::fs::write(inputs.join("other.md"), "# عنوان\n\nنص الخبر.\n").expect("write");
    let before = snapshot(&inputs);
    let out = dir.path().join("out");
    let output = run(espeak_edition(&inputs, &out)
        .current_dir(&work)
        .env_remove("NASHRA_CACHE_DIR")
        .env("HOME", &home)
        .env("TMPDIR", &tmp)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config")));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(snapshot(&inputs), before, "the inputs changed");
    for d in [&work, &tmp] {
        assert!(files_below(d).is_empty(), "{} got {:?}", d.display(), files_below(d));
    }
    let cache = home.join(".cache/nashra/entries");
    let (cached, elsewhere): (Vec<PathBuf>, Vec<PathBuf>) =
        files_below(&home).into_iter().partition(|p| p.starts_with(&cache));
    assert!(elsewhere.is_empty(), "{} got {elsewhere:?}", home.display());
    assert!(!cached.is_empty(), "the sentences are cached in $XDG_CACHE_HOME/nashra");
    let mut top: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .map(|e| name_of(&e.expect("entry").path()))
        .collect();
    top.sort();
    assert_eq!(top, ["cwd", "home", "in", "out", "tmp"]);
    check_complete(&out, 2);
}

// --- no network ------------------------------------------------------------------------------

/// Runs `cmd` under `strace -f -e trace=network` and returns the traced calls that used an
/// Internet socket (AF_INET, AF_INET6), with the command's output.
fn internet_calls(cmd: &Command) -> (Vec<String>, Output) {
    let ok = Command::new("strace").arg("-V").output().is_ok_and(|o| o.status.success());
    assert!(ok, "strace is missing: run `make setup` (Debian package strace)");
    let log = tempfile::NamedTempFile::new().expect("temp log");
    let mut traced = Command::new("strace");
    traced.args(["-f", "-qq", "-e", "trace=network", "-o"]).arg(log.path());
    traced.arg(cmd.get_program()).args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        traced.current_dir(dir);
    }
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => traced.env(key, v),
            None => traced.env_remove(key),
        };
    }
    // Proxies that lead nowhere: a client that honours them cannot reach anything either.
    for var in ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
        traced.env(var, "http://127.0.0.1:9");
    }
    let output = run(&mut traced);
    let text = std::fs::read_to_string(log.path()).expect("strace log");
    let calls = text.lines().filter(|l| l.contains("AF_INET")).map(str::to_owned).collect();
    (calls, output)
}

/// `edition` and `speak` (with espeak-ng and with a Piper model) make no Internet connection;
/// the same harness does see `voices install` reach for its (local, dead) server, so it would
/// notice one. Where network namespaces are available (root, or user namespaces), the edition
/// also runs in one with no network at all.
#[test]
fn edition_and_speak_open_no_network_connection() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let (calls, output) = internet_calls(&espeak_edition(&seed(), &out));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(calls.is_empty(), "edition used the network:\n{}", calls.join("\n"));

    let mut speak = nashra();
    speak.args(["speak", "سافر الوفد إلى موسكو يوم 6 تشرين الأول.", "--voice"]).arg(joe_model());
    speak.arg("--voice-config").arg(kareem_config()).arg("-o").arg(dir.path().join("s.wav"));
    let (calls, output) = internet_calls(&speak);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(calls.is_empty(), "speak used the network:\n{}", calls.join("\n"));

    let mut install = nashra();
    install
        .args(["voices", "install", "ar_JO-kareem-low", "--voices-dir"])
        .arg(dir.path().join("v"));
    install.env("NASHRA_VOICE_BASE_URL", "http://127.0.0.1:9");
    let (calls, output) = internet_calls(&install);
    assert!(!output.status.success());
    assert!(
        calls.iter().any(|c| c.contains("connect(") && c.contains("127.0.0.1")),
        "the harness did not see voices install connect: {calls:?}"
    );

    for unshare in [&["-n"][..], &["-r", "-n"][..]] {
        let usable = Command::new("unshare").args(unshare).arg("true").output();
        if !usable.is_ok_and(|o| o.status.success()) {
            continue;
        }
        let out = dir.path().join("netns");
        let mut cmd = Command::new("unshare");
        cmd.args(unshare).arg(env!("CARGO_BIN_EXE_nashra")).current_dir(root());
        cmd.arg("edition").arg(seed()).args(["--voice", "espeak", "-q", "--out"]).arg(&out);
        let output = run(&mut cmd);
        assert!(output.status.success(), "in a namespace without network: {}", stderr(&output));
        check_complete(&out, 1);
        break;
    }
}

// --- voices ------------------------------------------------------------------------------------

/// A config whose phoneme map lacks a phoneme the text needs: the phoneme is reported once (not
/// once per use), and the text is still spoken.
#[test]
fn a_phoneme_missing_from_the_voice_map_is_reported_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(kareem_config()).expect("config"))
            .expect("json");
    let mut config = config;
    let removed = config["phoneme_id_map"].as_object_mut().expect("map").remove("m");
    assert!(removed.is_some(), "kareem's map has m");
    let path = dir.path().join("no-m.onnx.json");
    std::fs::write(&path, serde_json::to_vec(&config).expect("json")).expect("write");
    let mut cmd = nashra();
    cmd.args(["speak", "ممثلو ممثلي المملكة من مصر وموسكو. مرحبا مرة أخرى.", "--voice"]);
    cmd.arg(joe_model()).arg("--voice-config").arg(&path).arg("-o").arg(dir.path().join("x.wav"));
    let output = run(&mut cmd);
    assert!(output.status.success(), "{}", stderr(&output));
    let message = stderr(&output);
    let reports: Vec<&str> = message
        .lines()
        .filter(|l| l.contains("phoneme missing from the voice's phoneme_id_map"))
        .collect();
    assert_eq!(reports.len(), 1, "{message}");
    assert!(
        reports[0].contains("phoneme=\"m\"") && reports[0].contains("U+006D"),
        "{}",
        reports[0]
    );
    let (samples, _) = decode_wav(&dir.path().join("x.wav"));
    assert!(samples > 22050, "speech was still made");
}

/// A config with a wrong field stops `speak` and `edition` with a message naming the file and
/// the field, and no audio is written.
#[test]
fn a_broken_voice_config_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(kareem_config()).expect("config"))
            .expect("json");
    let article = dir.path().join("a.txt");
    std::fs::write(&article, "عنوان\nنص الخبر.\n").expect("write");
    // (name, top-level fields to set, `null` removes one, expected message)
    let cases = [
        ("no-map", serde_json::json!({"phoneme_id_map": null}), "missing or empty phoneme_id_map"),
        ("rate-0", serde_json::json!({"audio": {"sample_rate": 0}}), "audio.sample_rate is 0"),
        (
            "speakers",
            serde_json::json!({"num_speakers": 2, "speaker_id_map": {"kareem": 0}}),
            "num_speakers is 2 but speaker_id_map names 1 speaker(s)",
        ),
        ("symbols", serde_json::json!({"num_symbols": 40}), "but num_symbols is 40"),
    ];
    for (name, patch, want) in cases {
        let mut config = good.clone();
        for (key, value) in patch.as_object().expect("patch") {
            let fields = config.as_object_mut().expect("config object");
            if value.is_null() {
                fields.remove(key);
            } else {
                fields.insert(key.clone(), value.clone());
            }
        }
        let path = dir.path().join(format!("{name}.onnx.json"));
        std::fs::write(&path, serde_json::to_vec(&config).expect("json")).expect("write");
        let wav = dir.path().join(format!("{name}.wav"));
        let out = dir.path().join(format!("{name}-out"));
        let mut speak = nashra();
        speak.args(["speak", "مرحبا", "-o"]).arg(&wav);
        let mut edition = nashra();
        edition.arg("edition").arg(&article).arg("--out").arg(&out);
        for cmd in [&mut speak, &mut edition] {
            cmd.arg("--voice").arg(joe_model()).arg("--voice-config").arg(&path);
            let output = run(cmd);
            assert_eq!(output.status.code(), Some(2), "{name}: {}", stderr(&output));
            let message = stderr(&output);
            assert!(
                message.contains(&path.display().to_string()) && message.contains(want),
                "{name}: {message}"
            );
        }
        assert!(!wav.exists() && files_below(&out).is_empty(), "{name}: something was written");
    }
}

// --- scaling ---------------------------------------------------------------------------------

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

/// Counts the bytes each thread has allocated and not freed, and the peak, so that a test can
/// measure the memory of one call on its own thread while other tests run.
struct CountingAllocator;

// SAFETY: every call is forwarded to `System` unchanged; the bookkeeping only touches
// const-initialized thread-locals, which never allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            shrink(layout.size());
            grow(new_size);
        }
        new
    }
}

fn grow(bytes: usize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get().saturating_add(bytes);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn shrink(bytes: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(bytes)));
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// The peak of memory this thread held during `f`, above what it held before.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let value = f();
    (value, PEAK.with(Cell::get) - base)
}

/// Texts of `bytes` bytes, each a shape that once made a stage slow: words without any
/// punctuation (one 1 MB "sentence"), words joined by periods without spaces, punctuation only,
/// digits only, one endless word, and emoji with control and bidi characters.
fn shapes(bytes: usize) -> Vec<(&'static str, String)> {
    let fill = |unit: &str| unit.repeat(bytes / unit.len());
    vec![
        ("words", fill("سافر الوفد إلى موسكو وقال الرئيس إن المفاوضات مستمرة ")),
        ("periods", fill("الوفد.موسكو.")),
        ("punctuation", fill(",?;.،")),
        ("digits", fill("1234567890")),
        ("one-word", fill("بتث")),
        ("emoji", fill("🔥\u{200F}عاجل\u{7}ـ٫٣")),
    ]
}

/// CPU time of the calling thread: unlike the wall clock it does not run on while the thread
/// waits for a core, so the other tests of this binary (which spawn editions and kill them) do
/// not make one measurement look slower than the other.
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// The whole text front end (normalize, segment, verbalize) on one line of 512 KB and of 2 MB of
/// each shape: the thread's CPU time (best of five) grows less than 8× for four times the text
/// (linear is 4×, quadratic 16×, so either way there is a factor of two for noise), and so does
/// the peak memory, which also stays under 64 bytes per input byte (the worst shape, bare
/// punctuation, makes a sentence of every character: two small strings each, about 40 bytes).
/// This checks the shape of the cost, not a speed: speed is `make bench`'s job.
#[test]
fn the_text_front_end_scales_linearly_in_time_and_memory() {
    const KB: usize = 1 << 10;
    let small = shapes(512 * KB);
    let large = shapes(2048 * KB);
    for ((name, one), (_, four)) in small.iter().zip(&large) {
        let measure = |text: &str| {
            let started = thread_cpu_time();
            let (sentences, bytes) = peak_during(|| nashra::text::sentences(text));
            let took = thread_cpu_time().saturating_sub(started);
            assert!(
                sentences.iter().all(|s| s.text.chars().count() <= 200),
                "{name}: long sentence"
            );
            (took, bytes)
        };
        // Best of five, the two sizes alternating, so that a burst of cache pressure from other
        // processes slows both alike rather than one.
        let (mut t1, mut t4, mut m1, mut m4) = (Duration::MAX, Duration::MAX, 0, 0);
        for _ in 0..5 {
            let (took, bytes) = measure(one);
            (t1, m1) = (t1.min(took), bytes);
            let (took, bytes) = measure(four);
            (t4, m4) = (t4.min(took), bytes);
        }
        let time_ratio = t4.as_secs_f64() / t1.as_secs_f64().max(1e-6);
        let memory_ratio = m4 as f64 / m1.max(1) as f64;
        eprintln!("{name}: 512 KB {t1:?} {m1} B, 2 MB {t4:?} {m4} B: ×{time_ratio:.2} time, ×{memory_ratio:.2} memory");
        assert!(
            time_ratio < 8.0,
            "{name}: CPU time ×{time_ratio:.2} for four times the text ({t1:?} → {t4:?})"
        );
        assert!(memory_ratio < 8.0, "{name}: memory ×{memory_ratio:.2} for four times the text");
        assert!(m4 < 64 * four.len(), "{name}: {m4} bytes for {} bytes of text", four.len());
    }
}

// --- fuzz regressions ------------------------------------------------------------------------

/// Every input the fuzzer found (tests/fixtures/fuzz/TARGET/*) and every committed corpus file
/// (fuzz/corpus/TARGET/*) runs through its target without a panic.
#[test]
fn fuzz_crash_inputs_and_corpus_replay_without_panic() {
    let mut replayed = 0;
    for (target, body) in nashra::fuzzing::TARGETS {
        for base in ["tests/fixtures/fuzz", "fuzz/corpus"] {
            for file in files_below(&root().join(base).join(target)) {
                let data = std::fs::read(&file).expect("read fuzz input");
                let result = std::panic::catch_unwind(|| body(&data));
                assert!(result.is_ok(), "{target} panics on {}", file.display());
                replayed += 1;
            }
        }
    }
    assert!(replayed >= 20, "only {replayed} fuzz inputs found: is fuzz/corpus committed?");
}
