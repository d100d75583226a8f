//! Times the vocoder's parts as `voice::native` computes them against ONNX Runtime's sessions of
//! the same parts (as nashra builds them: one intra-op thread, graph optimizations on), one
//! window each, alternating, and prints the medians and the largest difference (docs/bench.md,
//! "Session 19").
//!
//! ```text
//! cargo run --release --example vocoder -- [VOICE.onnx] [ROUNDS]
//! ```
//! The window is the size an edition runs: 256 latent frames of the first stage (with 11 of
//! context on each side) and 512 positions of the later stages (with 10). Its values are a
//! fixed pattern of the latent's scale, not a sentence: the work does not depend on them.

use std::time::Instant;

use nashra::voice::native::{Scratch, Tail};
use ort::session::Session;
use ort::value::TensorRef;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let voice = args.get(1).map_or("voices/en_US-joe-medium.onnx", String::as_str);
    let rounds: usize = args.get(2).map_or(Ok(25), |r| r.parse())?;
    let halves = nashra::voice::graph::split(&std::fs::read(voice)?, true)?
        .ok_or("the voice's graph is not one nashra cuts")?;
    let front = halves.front.as_ref().ok_or("the vocoder is not cut after its first stage")?;
    let parts = [
        ("first stage", &front.native, &front.model, halves.latent.as_str(), 256 + 2 * 11),
        ("later stages", &halves.native, &halves.vocoder, halves.windowed.as_str(), 512 + 2 * 10),
    ];
    for (name, tail, model, input, len) in parts {
        let tail = tail.as_ref().ok_or_else(|| format!("the {name} are not computed natively"))?;
        time(name, tail, model, input, len, rounds)?;
    }
    Ok(())
}

fn time(
    name: &str,
    tail: &Tail,
    model: &[u8],
    input: &str,
    len: usize,
    rounds: usize,
) -> Result<()> {
    let env = nashra::runtime::ort_environment()?;
    let mut session = Session::builder(env)?.with_intra_threads(1)?.commit_from_memory(model)?;
    let channels = tail.channels();
    let x: Vec<f32> =
        (0..channels * len).map(|i| (((i * 7919) % 2001) as f32 / 2001.0 - 0.5) * 0.6).collect();
    let mut scratch = Scratch::default();
    let (mut native, mut onnx, mut worst) = (Vec::new(), Vec::new(), 0.0f32);
    for _ in 0..rounds {
        let started = Instant::now();
        let ours = tail.run(&x, channels, len, &mut scratch)?.to_vec();
        native.push(started.elapsed().as_secs_f64());
        let started = Instant::now();
        let view = TensorRef::from_array_view(([1usize, channels, len], x.as_slice()))?;
        let out = session.run(ort::inputs![input => view])?;
        let theirs = out[0].try_extract_tensor::<f32>()?.1;
        onnx.push(started.elapsed().as_secs_f64());
        worst = ours.iter().zip(theirs).map(|(a, b)| (a - b).abs()).fold(worst, f32::max);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2] * 1e3
    };
    let (n, o) = (median(&mut native), median(&mut onnx));
    println!(
        "{name}: {len} positions, native {n:.2} ms, ONNX Runtime {o:.2} ms, {:.3}x; largest difference {worst:e}",
        n / o
    );
    Ok(())
}
