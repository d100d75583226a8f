//! Measures how a Piper voice copes with sentences of growing length, to set the segmenter's bound
//! (`text::segment::MAX_SENTENCE_CHARS`, rule S5).
//!
//! ```text
//! cargo run --release --example sentence_bound -- [MODEL.onnx] [CONFIG.onnx.json]
//! ```
//! Defaults: the joe test voice's weights with the kareem medium config (Arabic espeak, kareem's
//! phoneme ids, same medium VITS architecture as kareem; kareem's weights are not in the repo).
//! Sentences are cut from WikiNews prose (`../shared/corpora`) at growing lengths, with every
//! sentence end turned into a comma so each is one model call, then diacritized, phonemized and
//! synthesized exactly as the pipeline does. Printed per length: characters, phonemes, audio
//! seconds, compute milliseconds per phoneme (median of runs), real-time factor, seconds of audio
//! per 100 phonemes (a stable value means the durations stay sane) and the process's peak
//! resident memory so far.

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use nashra::voice::{SynthOptions, Voice, VoiceSpec};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const LENGTHS: [usize; 10] = [50, 100, 150, 200, 250, 300, 400, 600, 900, 1400];
const RUNS: usize = 3;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model =
        args.first().map_or_else(|| root.join("voices/en_US-joe-medium.onnx"), PathBuf::from);
    let config = args
        .get(1)
        .map_or_else(|| root.join("voices/ar_JO-kareem-medium.onnx.json"), PathBuf::from);
    let voice = Voice::load(&VoiceSpec::Piper { model, config }, &SynthOptions::default())?;
    let rate = f64::from(voice.sample_rate());
    let prose = prose(&root.join("../shared/corpora/diacritization/wikinews/WikiNewsTruth.txt"))?;

    println!("| chars | phonemes | audio s | compute ms/phoneme | RTF | audio s per 100 phonemes | peak RSS MB |");
    println!("|---|---|---|---|---|---|---|");
    for &len in &LENGTHS {
        let text = cut(&prose, len);
        let spoken = nashra::text::spoken(&text);
        let diacritized = voice.frontend().diacritize(&spoken)?;
        let phonemes: usize = voice.frontend().phonemize(&diacritized)?.iter().map(Vec::len).sum();
        let mut times = Vec::with_capacity(RUNS);
        let mut samples = 0;
        for _ in 0..RUNS {
            let start = Instant::now();
            samples = voice.synthesize_diacritized(&diacritized)?.len();
            times.push(start.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let compute = times[RUNS / 2];
        let audio = samples as f64 / rate;
        println!(
            "| {} | {phonemes} | {audio:.1} | {:.2} | {:.3} | {:.2} | {:.0} |",
            text.chars().count(),
            compute * 1000.0 / phonemes as f64,
            compute / audio,
            audio * 100.0 / phonemes as f64,
            common::peak_rss_mb()
        );
    }
    Ok(())
}

/// WikiNews prose without harakat, as one long text whose sentence ends are commas.
fn prose(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let bare = nashra::text::score::strip_marks(&text);
    let body: Vec<&str> =
        bare.lines().filter(|l| l.chars().count() > 300 && !l.starts_with('#')).collect();
    Ok(body.join(" ").replace(['.', '؟', '!', ':'], "،").replace('"', ""))
}

/// The first `len` characters of `prose`, cut back to a word boundary.
fn cut(prose: &str, len: usize) -> String {
    let head: String = prose.chars().take(len).collect();
    match head.rfind(' ') {
        Some(i) if head.chars().count() == len => head[..i].trim_end_matches('،').to_string(),
        _ => head,
    }
}
