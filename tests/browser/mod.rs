//! The read-along page in a real browser: headless Chromium driven through chromedriver
//! (WebDriver) on 127.0.0.1. The edition is generated (tones for speech, exact timings), so the
//! expected sentence at any position is known to the millisecond.
//!
//! Needs the Debian packages chromium and chromium-driver (`make setup` installs them); a missing
//! browser fails the test with that command, it never skips. A screenshot is kept in
//! `$CARGO_TARGET_TMPDIR/issue-5/read-along.png` for a person to look at.

mod webdriver;

use std::path::Path;

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::publish::{artifacts_dir, generated_edition, serve};
use super::{nashra, run, text};
use webdriver::{keys, Browser};

/// Article 1 of the generated edition: its sentence starts, in seconds.
const STARTS: [f64; 5] = [0.0, 1.35, 2.5, 4.25, 5.8];

/// A published root with one generated edition (and its DAISY book); returns the edition folder.
fn published(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("root");
    let edition = root.join("2023-11-06");
    generated_edition(
        &edition,
        NaiveDate::from_ymd_opt(2023, 11, 6).expect("date"),
        "خبر عاجل عن RT",
    );
    let output = run(nashra().args(["publish", "-q", "--daisy"]).arg(&root));
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    edition
}

/// The id of the sentence marked current in `section`, or null.
fn current_in(browser: &Browser, section: &str) -> Value {
    browser.eval(
        "const c = document.querySelectorAll('#' + arguments[0] + ' [aria-current]'); \
         return c.length === 1 ? c[0].id : (c.length === 0 ? null : 'several');",
        json!([section]),
    )
}

/// Pauses the article's player, moves it to `t` and returns the current sentence once seeked.
fn seek_and_read(browser: &Browser, t: f64) -> Value {
    browser.eval_async(
        "const a = document.querySelector('#a-01-first audio'); a.pause(); \
         a.addEventListener('seeked', () => setTimeout(() => { \
           const c = document.querySelectorAll('#a-01-first [aria-current=\"true\"]'); \
           done(c.length === 1 ? c[0].id : c.length); }, 50), {once: true}); \
         a.currentTime = arguments[0];",
        json!([t]),
    )
}

#[test]
fn issue_5_read_along_page_plays_seeks_highlights_and_works_by_keyboard_in_chromium() {
    let dir = tempfile::tempdir().expect("tempdir");
    let edition = published(dir.path());
    let browser = Browser::start(&dir.path().join("profile"));
    let url = format!("file://{}", edition.join("index.html").display());
    browser.goto(&url);

    // Structure: Arabic, right to left, a heading and a player per programme, nothing current.
    let facts = browser.eval(
        "return {lang: document.documentElement.lang, dir: getComputedStyle(document.body).direction, \
         headings: [...document.querySelectorAll('section.programme > h2')].map(h => h.textContent), \
         audio: document.querySelectorAll('audio[controls]').length, \
         current: document.querySelectorAll('[aria-current]').length};",
        json!([]),
    );
    assert_eq!(facts["lang"], "ar");
    assert_eq!(facts["dir"], "rtl");
    assert_eq!(facts["headings"], json!(["موجز العناوين", "خبر عاجل عن RT", "خبر ثان"]));
    assert_eq!(facts["audio"], 3);
    assert_eq!(facts["current"], 0, "nothing is current before anything plays");

    // The audio loads from file:// with no network.
    assert!(
        browser
            .wait_for("[...document.querySelectorAll('audio')].every(a => a.readyState >= 1)", 20),
        "audio metadata did not load"
    );
    let duration =
        browser.eval("return document.querySelector('#a-01-first audio').duration;", json!([]));
    assert!((duration.as_f64().expect("duration") - 7.15).abs() < 0.01, "{duration}");

    // Play: time advances and the sentence being heard is highlighted.
    let played = browser.eval_async(
        "const a = document.querySelector('#a-01-first audio'); \
         a.play().then(() => setTimeout(() => done({paused: a.paused, t: a.currentTime}), 900)) \
          .catch(e => done({error: String(e)}));",
        json!([]),
    );
    assert!(played.get("error").is_none(), "play() failed: {played}");
    assert_eq!(played["paused"], false);
    assert!(played["t"].as_f64().expect("time") > 0.3, "playback did not advance: {played}");
    assert!(browser
        .wait_for("document.querySelector('#a-01-first [aria-current=\"true\"]') !== null", 5));
    browser.eval("document.querySelector('#a-01-first audio').pause();", json!([]));

    // Seek by clicking a sentence: the player jumps to its start, plays, and it is current.
    browser.click("#a-01-first-s4");
    assert!(
        browser.wait_for(
            "(() => { const a = document.querySelector('#a-01-first audio'); \
              return !a.paused && a.currentTime >= 4.2 && a.currentTime < 5.5 && \
              document.querySelector('#a-01-first-s4').getAttribute('aria-current') === 'true'; })()",
            5
        ),
        "clicking sentence 4 did not play from 4.25 s with it highlighted"
    );
    assert_eq!(current_in(&browser, "a-01-first"), "a-01-first-s4");

    // The highlight follows the position, pauses included (a sentence stays current through the
    // pause after it).
    for (t, expected) in
        [(0.5, "s1"), (1.2, "s1"), (1.36, "s2"), (2.6, "s3"), (4.3, "s4"), (5.5, "s4"), (7.0, "s5")]
    {
        assert_eq!(seek_and_read(&browser, t), format!("a-01-first-{expected}"), "at {t} s");
    }
    assert_eq!(STARTS.len(), 5);

    // Keyboard, on a fresh load: Tab reaches every link, every player and every transcript, and
    // every focused link or sentence shows a visible outline.
    browser.goto(&url);
    let candidates = browser.eval(
        "const all = [...document.querySelectorAll('a[href], audio[controls], .cue[tabindex=\"0\"]')]; \
         all.forEach((e, i) => e.dataset.k = i); return all.length;",
        json!([]),
    );
    let candidates = candidates.as_u64().expect("count") as usize;
    assert_eq!(
        candidates,
        3 + 3 + 3 * (1 + 3 + 1) + 1,
        "skip + nav + toc + per programme (audio, 3 links, transcript)"
    );
    let mut seen = vec![false; candidates];
    let mut unlit = Vec::new();
    for _ in 0..candidates * 8 {
        browser.press(keys::TAB);
        let focused = browser.eval(
            "const e = document.activeElement; const s = getComputedStyle(e); \
             return {k: e.dataset ? e.dataset.k : undefined, tag: e.tagName, \
                     outline: s.outlineStyle, width: parseFloat(s.outlineWidth)};",
            json!([]),
        );
        if let Some(k) = focused["k"].as_str().and_then(|k| k.parse::<usize>().ok()) {
            seen[k] = true;
            let tag = focused["tag"].as_str().unwrap_or("");
            if tag != "AUDIO"
                && (focused["outline"] == "none" || focused["width"].as_f64() < Some(2.0))
            {
                unlit.push(focused.clone());
            }
        }
        if seen.iter().all(|&s| s) {
            break;
        }
    }
    let missed: Vec<usize> = (0..candidates).filter(|&k| !seen[k]).collect();
    assert!(missed.is_empty(), "controls never reached by Tab: {missed:?}");
    assert!(unlit.is_empty(), "focused without a visible outline: {unlit:?}");

    // Inside a transcript: arrows move between sentences (Left is forward in RTL), Enter plays
    // from the focused one, Escape pauses.
    browser.eval("document.querySelector('#a-01-first .cue[tabindex=\"0\"]').focus();", json!([]));
    browser.press(keys::ARROW_LEFT);
    assert_eq!(browser.eval("return document.activeElement.id;", json!([])), "a-01-first-s2");
    browser.press(keys::ENTER);
    assert!(
        browser.wait_for(
            "(() => { const a = document.querySelector('#a-01-first audio'); \
              return !a.paused && a.currentTime >= 1.3 && \
              document.querySelector('#a-01-first-s2').getAttribute('aria-current') === 'true'; })()",
            5
        ),
        "Enter did not play from sentence 2"
    );
    browser.press(keys::ESCAPE);
    assert!(
        browser.wait_for("document.querySelector('#a-01-first audio').paused", 5),
        "Escape did not pause"
    );
    browser.press(keys::ARROW_RIGHT);
    assert_eq!(browser.eval("return document.activeElement.id;", json!([])), "a-01-first-s1");
    assert_eq!(
        browser.eval(
            "return document.querySelectorAll('#a-01-first .cue[tabindex=\"0\"]').length;",
            json!([])
        ),
        1,
        "one Tab stop per transcript"
    );

    // A screenshot with a sentence highlighted, kept for people to look at.
    seek_and_read(&browser, 2.6);
    browser.eval("document.querySelector('#a-01-first').scrollIntoView();", json!([]));
    let png = browser.screenshot();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let shot = artifacts_dir().join("read-along.png");
    std::fs::write(&shot, &png).expect("screenshot written");
    assert!(png.len() > 20_000, "a {} byte screenshot is blank", png.len());
}

/// Through `nashra serve`, the browser seeks with range requests: the end of an article can be
/// played without fetching all of it first.
#[test]
fn issue_5_served_page_seeks_in_chromium_through_range_requests() {
    let dir = tempfile::tempdir().expect("tempdir");
    let edition = published(dir.path());
    let served = serve(edition.parent().expect("root"));
    let browser = Browser::start(&dir.path().join("profile"));
    browser.goto(&format!("http://{}/2023-11-06/index.html", served.addr));
    assert!(
        browser.wait_for("document.querySelector('#a-01-first audio').readyState >= 1", 20),
        "metadata over HTTP"
    );
    let at_end = browser.eval_async(
        "const a = document.querySelector('#a-01-first audio'); \
         a.addEventListener('seeked', () => a.play().then(() => setTimeout(() => \
           done({t: a.currentTime, paused: a.paused, seekable: a.seekable.length ? a.seekable.end(0) : 0}), 300)) \
           .catch(e => done({error: String(e)})), {once: true}); \
         a.currentTime = 6.0;",
        json!([]),
    );
    assert!(at_end.get("error").is_none(), "{at_end}");
    assert!(at_end["t"].as_f64().expect("time") >= 6.0, "{at_end}");
    assert!(
        (at_end["seekable"].as_f64().expect("seekable") - 7.15).abs() < 0.01,
        "the whole file is seekable: {at_end}"
    );
    assert_eq!(current_in(&browser, "a-01-first"), "a-01-first-s5");
    let title = browser.eval("return document.querySelector('h1').textContent;", json!([]));
    assert_eq!(title, "نشرة خبر عاجل عن RT");
}
