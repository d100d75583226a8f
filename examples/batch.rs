//! Measures batched Piper inference and the ONNX Runtime session options against the way nashra
//! runs its voice (one sentence per run, one intra-op thread, ONNX Runtime's default graph
//! optimizations), for issue #6: "keep batching only where it is measured faster for identical
//! output". Results and their reading: docs/bench.md, "Batched inference and session options".
//!
//! ```text
//! make batch-bench        # = cargo run --release --example batch -- [--sentences N] [--rounds R]
//! ```
//! Real Arabic sentences (WikiNews prose, `../shared/corpora`) go through nashra's front end
//! (sentences, diacritization, espeak, ids of the kareem config) and are sorted by length, so that
//! a batch of neighbours needs little padding. Each configuration then runs in a child process of
//! its own (so its peak RSS is its own), after one untimed warm-up inference: batches of 1 to 4
//! sentences padded to the longest, the graph optimization levels, two intra-op threads, and two
//! sessions of one thread working in parallel. Noise is off (noise_scale = noise_w = 0), which
//! makes the model deterministic, so each sentence's samples can be compared with the product's
//! own (batch 1, default options) over its unbatched length. Rounds alternate the configurations;
//! the medians are printed. CPU time is user + system of the whole child (all its threads).

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use nashra::voice::{Frontend, VoiceConfig};
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use ort::value::Tensor;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// One way of running the model.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Config {
    /// Sentences per run.
    batch: usize,
    /// `None`: ONNX Runtime's default, as nashra's sessions (which set no level).
    opt: Option<Opt>,
    /// Intra-op threads per session.
    threads: usize,
    /// Sessions, each fed by a thread of its own.
    sessions: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Opt {
    Disable,
    Basic,
    Extended,
    All,
}

impl Opt {
    fn parse(s: &str) -> Option<Option<Self>> {
        Some(match s {
            "default" => None,
            "disable" => Some(Self::Disable),
            "basic" => Some(Self::Basic),
            "extended" => Some(Self::Extended),
            "all" => Some(Self::All),
            _ => return None,
        })
    }

    fn level(self) -> GraphOptimizationLevel {
        match self {
            Self::Disable => GraphOptimizationLevel::Disable,
            Self::Basic => GraphOptimizationLevel::Level1,
            Self::Extended => GraphOptimizationLevel::Level2,
            Self::All => GraphOptimizationLevel::All,
        }
    }
}

impl Config {
    fn opt_name(self) -> &'static str {
        match self.opt {
            None => "default",
            Some(Opt::Disable) => "disable",
            Some(Opt::Basic) => "basic",
            Some(Opt::Extended) => "extended",
            Some(Opt::All) => "all",
        }
    }

    fn label(self) -> String {
        format!(
            "batch {}, opt {}, {} thread(s) x {} session(s)",
            self.batch,
            self.opt_name(),
            self.threads,
            self.sessions
        )
    }
}

/// nashra's own way: the reference every other configuration is compared with.
const PRODUCT: Config = Config { batch: 1, opt: None, threads: 1, sessions: 1 };

const CONFIGS: [Config; 10] = [
    PRODUCT,
    Config { batch: 2, ..PRODUCT },
    Config { batch: 3, ..PRODUCT },
    Config { batch: 4, ..PRODUCT },
    Config { opt: Some(Opt::Disable), ..PRODUCT },
    Config { opt: Some(Opt::Basic), ..PRODUCT },
    Config { opt: Some(Opt::Extended), ..PRODUCT },
    Config { opt: Some(Opt::All), ..PRODUCT },
    Config { threads: 2, ..PRODUCT },
    Config { sessions: 2, ..PRODUCT },
];

const RATE: f64 = 22_050.0;
const SCALES: [f32; 3] = [0.0, 1.0, 0.0];

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let value = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1));
    let count: usize = value("--sentences").map_or(Ok(16), |v| v.parse())?;
    let rounds: usize = value("--rounds").map_or(Ok(2), |v| v.parse())?;
    let model =
        value("--model").map_or_else(|| root.join("voices/en_US-joe-medium.onnx"), PathBuf::from);
    let config = value("--config")
        .map_or_else(|| root.join("voices/ar_JO-kareem-medium.onnx.json"), PathBuf::from);
    let corpus = value("--corpus").map_or_else(
        || root.join("../shared/corpora/diacritization/wikinews/WikiNewsTruth.txt"),
        PathBuf::from,
    );

    let ids = sentences(&corpus, &config, count)?;
    let work = tempfile::tempdir()?;
    let ids_file = work.path().join("ids.txt");
    let lines: Vec<String> =
        ids.iter().map(|s| s.iter().map(i64::to_string).collect::<Vec<_>>().join(" ")).collect();
    std::fs::write(&ids_file, lines.join("\n"))?;
    let phonemes: Vec<usize> = ids.iter().map(Vec::len).collect();
    println!(
        "{} sentences of {}..{} ids (sorted), {} rounds, noise off, model {}",
        ids.len(),
        phonemes.first().unwrap_or(&0),
        phonemes.last().unwrap_or(&0),
        rounds,
        model.display()
    );

    let exe = std::env::current_exe()?;
    let mut results: Vec<Vec<Measure>> = vec![Vec::new(); CONFIGS.len()];
    let mut outputs: Vec<Vec<Vec<f32>>> = vec![Vec::new(); CONFIGS.len()];
    for round in 0..rounds {
        // Alternate the order, so that a change of machine load does not favour one end.
        let order: Vec<usize> = if round % 2 == 0 {
            (0..CONFIGS.len()).collect()
        } else {
            (0..CONFIGS.len()).rev().collect()
        };
        for i in order {
            let c = CONFIGS[i];
            let out = work.path().join(format!("out-{i}.bin"));
            let run = Command::new(&exe)
                .arg("--child")
                .args([
                    c.batch.to_string(),
                    c.opt_name().to_owned(),
                    c.threads.to_string(),
                    c.sessions.to_string(),
                ])
                .arg(&model)
                .arg(&ids_file)
                .arg(&out)
                .output()?;
            if !run.status.success() {
                return Err(format!(
                    "{}: {}",
                    c.label(),
                    String::from_utf8_lossy(&run.stderr).trim()
                )
                .into());
            }
            results[i].push(Measure::parse(&String::from_utf8_lossy(&run.stdout))?);
            outputs[i] = read_outputs(&out)?;
        }
    }

    let reference = &outputs[0];
    let lengths: Vec<usize> = reference.iter().map(Vec::len).collect();
    let audio: f64 = lengths.iter().sum::<usize>() as f64 / RATE;
    println!("{audio:.1} s of audio per run\n");
    println!("| configuration | build s | wall s per audio s | CPU s per audio s | vs product (CPU) | peak RSS MB | output vs product | padded tail |");
    println!("|---|---|---|---|---|---|---|---|");
    let product_cpu = median(results[0].iter().map(|m| m.cpu).collect());
    for (i, c) in CONFIGS.iter().enumerate() {
        let wall = median(results[i].iter().map(|m| m.wall).collect());
        let cpu = median(results[i].iter().map(|m| m.cpu).collect());
        let build = median(results[i].iter().map(|m| m.build).collect());
        let rss = median(results[i].iter().map(|m| m.rss_mb).collect());
        let (same, tail) = compare(reference, &outputs[i]);
        println!(
            "| {} | {build:.2} | {:.3} | {:.3} | {:.2}x | {rss:.0} | {same} | {tail} |",
            c.label(),
            wall / audio,
            cpu / audio,
            cpu / product_cpu,
        );
    }
    Ok(())
}

/// What one child measured.
#[derive(Debug, Clone, Copy)]
struct Measure {
    build: f64,
    wall: f64,
    cpu: f64,
    rss_mb: f64,
}

impl Measure {
    fn parse(line: &str) -> Result<Self> {
        let field = |name: &str| -> Result<f64> {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
                .ok_or_else(|| format!("no {name} in {line:?}"))?
                .parse::<f64>()
                .map_err(Into::into)
        };
        Ok(Self {
            build: field("build")?,
            wall: field("wall")?,
            cpu: field("cpu")?,
            rss_mb: field("rss")?,
        })
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// How `outputs` compare with the product's over each sentence's own length, and what lies
/// beyond it in a padded row.
fn compare(reference: &[Vec<f32>], outputs: &[Vec<f32>]) -> (String, String) {
    let (mut max_diff, mut differing, mut total) = (0f32, 0usize, 0usize);
    let (mut tail_samples, mut tail_peak, mut tail_nonzero) = (0usize, 0f32, 0usize);
    let mut short = 0;
    for (want, got) in reference.iter().zip(outputs) {
        if got.len() < want.len() {
            short += 1;
        }
        for (a, b) in want.iter().zip(got) {
            max_diff = max_diff.max((a - b).abs());
            if pcm(*a) != pcm(*b) {
                differing += 1;
            }
        }
        total += want.len();
        if let Some(tail) = got.get(want.len()..) {
            tail_samples += tail.len();
            tail_peak = tail.iter().fold(tail_peak, |m, s| m.max(s.abs()));
            tail_nonzero += tail.iter().filter(|s| **s != 0.0).count();
        }
    }
    let same = if max_diff == 0.0 && short == 0 {
        "identical (bit for bit)".to_owned()
    } else {
        format!(
            "differs: max |Δ| {max_diff:.2e}, {:.3}% of 16-bit samples{}",
            100.0 * differing as f64 / total.max(1) as f64,
            if short > 0 { format!(", {short} rows shorter") } else { String::new() }
        )
    };
    let tail = if tail_samples == 0 {
        "none".to_owned()
    } else {
        format!(
            "{:.2} s, peak {:.1} dBFS, {:.0}% non-zero",
            tail_samples as f64 / RATE,
            20.0 * f64::from(tail_peak.max(1e-12)).log10(),
            100.0 * tail_nonzero as f64 / tail_samples as f64
        )
    };
    (same, tail)
}

fn pcm(x: f32) -> i16 {
    (x.clamp(-1.0, 1.0) * 32767.0).round() as i16
}

/// The id sequences (one espeak sentence each) of the first `count` sentences of WikiNews
/// prose, through nashra's front end, sorted by length.
fn sentences(corpus: &Path, config: &Path, count: usize) -> Result<Vec<Vec<i64>>> {
    let text = std::fs::read_to_string(corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    let frontend = Frontend::from_config(&VoiceConfig::load(config)?)?;
    let mut out = Vec::new();
    let bare = nashra::text::score::strip_marks(&text);
    for line in bare.lines().filter(|l| l.chars().count() > 200 && !l.starts_with('#')) {
        let sentences = nashra::text::sentences(line);
        let spoken: Vec<&str> =
            sentences.iter().map(|s| s.spoken.trim()).filter(|s| !s.is_empty()).collect();
        for diacritized in frontend.diacritize_many(&spoken)? {
            for phonemes in frontend.phonemize(&diacritized)? {
                if !phonemes.is_empty() {
                    out.push(frontend.ids(&phonemes));
                }
            }
        }
        if out.len() >= count {
            break;
        }
    }
    out.truncate(count);
    out.sort_by_key(Vec::len);
    Ok(out)
}

/// Child: `batch opt threads sessions MODEL IDS OUT`; prints `build= wall= cpu= rss=` and
/// writes each sentence's samples (its whole row, padding included) to OUT.
fn child(args: &[String]) -> Result<()> {
    let [batch, opt, threads, sessions, model, ids, out] = args else {
        return Err("usage: --child BATCH OPT THREADS SESSIONS MODEL IDS OUT".into());
    };
    let config = Config {
        batch: batch.parse()?,
        opt: Opt::parse(opt).ok_or("unknown optimization level")?,
        threads: threads.parse()?,
        sessions: sessions.parse()?,
    };
    let ids: Vec<Vec<i64>> = std::fs::read_to_string(ids)?
        .lines()
        .map(|l| l.split_whitespace().map(str::parse).collect())
        .collect::<std::result::Result<_, _>>()?;
    let env = nashra::runtime::ort_environment()?;
    let start = Instant::now();
    let mut built = Vec::new();
    for _ in 0..config.sessions.max(1) {
        let mut builder = Session::builder(env)?.with_intra_threads(config.threads)?;
        if let Some(opt) = config.opt {
            builder = builder.with_optimization_level(opt.level())?;
        }
        built.push(Mutex::new(builder.commit_from_file(model)?));
    }
    let build = start.elapsed().as_secs_f64();
    for session in &built {
        let mut session = session.lock().map_err(|_| "poisoned")?;
        run(&mut session, &ids[..1])?;
    }

    let groups: Vec<&[Vec<i64>]> = ids.chunks(config.batch.max(1)).collect();
    let next = AtomicUsize::new(0);
    let rows: Mutex<Vec<Option<Vec<Vec<f32>>>>> = Mutex::new(vec![None; groups.len()]);
    let (cpu0, wall0) = (cpu_seconds(), Instant::now());
    std::thread::scope(|scope| -> Result<()> {
        let workers: Vec<_> = built
            .iter()
            .map(|session| {
                let (groups, next, rows) = (&groups, &next, &rows);
                scope.spawn(move || -> std::result::Result<(), String> {
                    let mut session = session.lock().map_err(|_| "poisoned".to_owned())?;
                    loop {
                        let g = next.fetch_add(1, Ordering::Relaxed);
                        let Some(group) = groups.get(g) else { return Ok(()) };
                        let out = run(&mut session, group).map_err(|e| e.to_string())?;
                        rows.lock().map_err(|_| "poisoned".to_owned())?[g] = Some(out);
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().map_err(|_| "a worker panicked")??;
        }
        Ok(())
    })?;
    let (wall, cpu) = (wall0.elapsed().as_secs_f64(), cpu_seconds() - cpu0);

    let mut file = std::io::BufWriter::new(std::fs::File::create(out)?);
    let rows = rows.into_inner().map_err(|_| "poisoned")?;
    for row in rows.into_iter().flatten().flatten() {
        file.write_all(&(row.len() as u64).to_le_bytes())?;
        for s in row {
            file.write_all(&s.to_le_bytes())?;
        }
    }
    file.flush()?;
    println!("build={build:.4} wall={wall:.4} cpu={cpu:.4} rss={:.1}", common::peak_rss_mb());
    Ok(())
}

/// One run of `group` padded to its longest with id 0 (Piper's pad, `_`); each sentence's row
/// of the `[batch, 1, 1, T]` output.
fn run(session: &mut Session, group: &[Vec<i64>]) -> Result<Vec<Vec<f32>>> {
    let longest = group.iter().map(Vec::len).max().unwrap_or(0);
    let mut input = Vec::with_capacity(group.len() * longest);
    for ids in group {
        input.extend_from_slice(ids);
        input.resize(input.len() + longest - ids.len(), 0);
    }
    let lengths: Vec<i64> = group.iter().map(|ids| ids.len() as i64).collect();
    let outputs = session.run(ort::inputs![
        "input" => Tensor::from_array(([group.len(), longest], input))?,
        "input_lengths" => Tensor::from_array(([group.len()], lengths))?,
        "scales" => Tensor::from_array(([3usize], SCALES.to_vec()))?,
    ])?;
    let (shape, samples) = outputs[0].try_extract_tensor::<f32>()?;
    let per_row = usize::try_from(shape.iter().skip(1).product::<i64>())?;
    Ok(samples.chunks(per_row.max(1)).map(<[f32]>::to_vec).collect())
}

fn read_outputs(path: &Path) -> Result<Vec<Vec<f32>>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.read_to_end(&mut bytes)?;
    let mut rows = Vec::new();
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let len = usize::try_from(u64::from_le_bytes(bytes[at..at + 8].try_into()?))?;
        at += 8;
        let end = at + 4 * len;
        let row = bytes.get(at..end).ok_or("truncated output")?;
        rows.push(
            row.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
        );
        at = end;
    }
    Ok(rows)
}

/// User + system CPU time of this process, all threads, from /proc (10 ms ticks).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesized command name; utime and stime are the 14th and 15th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}
