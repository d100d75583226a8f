//! One Piper (VITS) inference: phoneme ids in, audio samples out.
//!
//! In: the ids of ONE espeak sentence, the three scales and, for multi-speaker voices, a speaker
//! id. Out: mono f32 samples at the voice's rate, exactly as the model produced them (no peak
//! normalization, DESIGN §4). Must never happen: a whole article run as one huge sequence (memory
//! grows with length), a `sid` fed to a single-speaker graph, or a missing one to a multi-speaker
//! graph.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use ort::session::builder::GraphOptimizationLevel;
use ort::session::{RunOptions, Session};
use ort::value::{DynValue, Tensor};

use super::VoiceError;

/// One named model input as plain data, so the input plan can be tested without a model.
#[derive(Debug, Clone, PartialEq)]
pub enum InputData {
    I64 { shape: Vec<usize>, data: Vec<i64> },
    F32 { shape: Vec<usize>, data: Vec<f32> },
}

/// `(noise_scale, length_scale, noise_w)`, in the order the graph's `scales` input expects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scales {
    pub noise_scale: f32,
    pub length_scale: f32,
    pub noise_w: f32,
}

/// The inputs Piper graphs take: `input [1,N]`, `input_lengths [1]`, `scales [3]`, and `sid [1]`
/// only when the voice has several speakers.
pub fn piper_inputs(
    ids: &[i64],
    scales: Scales,
    sid: Option<i64>,
) -> Vec<(&'static str, InputData)> {
    let mut inputs = vec![
        ("input", InputData::I64 { shape: vec![1, ids.len()], data: ids.to_vec() }),
        ("input_lengths", InputData::I64 { shape: vec![1], data: vec![ids.len() as i64] }),
        (
            "scales",
            InputData::F32 {
                shape: vec![3],
                data: vec![scales.noise_scale, scales.length_scale, scales.noise_w],
            },
        ),
    ];
    if let Some(sid) = sid {
        inputs.push(("sid", InputData::I64 { shape: vec![1], data: vec![sid] }));
    }
    inputs
}

fn to_value(data: InputData) -> ort::Result<DynValue> {
    Ok(match data {
        InputData::I64 { shape, data } => Tensor::from_array((shape, data))?.into_dyn(),
        InputData::F32 { shape, data } => Tensor::from_array((shape, data))?.into_dyn(),
    })
}

/// A Piper graph, run by one ONNX Runtime session or several. `Session::run` needs `&mut`, so
/// each session sits behind a mutex; the model is Send + Sync and serves as many threads at
/// once as it has sessions (`--jobs`), each inference on a free session.
///
/// Sessions are created when first needed: building one from the 60 MB joe/kareem graph takes
/// about half a second and 100 MB, which a re-run whose sentences all come from the cache
/// (issue #6) never needs to spend. A model that exists but does not load is then reported by
/// the first inference, as an [`VoiceError::ModelLoad`].
pub struct PiperModel {
    path: PathBuf,
    /// Intra-op threads of each session.
    threads: usize,
    /// Whether sessions run ONNX Runtime's graph optimizations (its default); see
    /// [`PiperModel::start_quickly`].
    optimized: bool,
    /// Shared so that [`PiperModel::start_quickly`] can fill a slot from another thread.
    sessions: Arc<[Mutex<Option<Session>>]>,
    /// The thread [`PiperModel::start_quickly`] builds a session on, joined on drop: a process
    /// that ends (say, on an error in the text) while ONNX Runtime is building a session on
    /// another thread crashes in ONNX Runtime's static destructors.
    preparing: Option<std::thread::JoinHandle<()>>,
    /// Where the next inference starts looking for a free session, so that threads spread out.
    next: AtomicUsize,
    /// Phoneme ids of the inferences running now, against [`INFLIGHT_IDS`].
    inflight: Mutex<usize>,
    freed: Condvar,
    /// Every inference shrinks the session's memory arena when it ends. Why: ONNX Runtime's CPU
    /// arena otherwise keeps the high-water mark of the longest sentence each session ever ran,
    /// and on a 50-article edition the two sessions' arenas grew past 2 GB. Measured on the
    /// bench's 2 articles (docs/bench.md, "Memory"): 1,104 MB without, 947 MB with this and
    /// [`INFLIGHT_IDS`] at 1600 (742 MB at 800, which held `--jobs 2` to one sentence at a time),
    /// for about 2.7 s more system time (pages given back and taken again) on 27 s of CPU. Turning the arena off instead reached 566 MB only with glibc's mmap threshold fixed,
    /// at 22 s more system time, and the memory pattern option changed nothing.
    run_options: RunOptions,
}

impl std::fmt::Debug for PiperModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PiperModel")
            .field("path", &self.path)
            .field("sessions", &self.sessions.len())
            .finish_non_exhaustive()
    }
}

/// Intra-op threads of every session, whatever `--jobs` is. Two reasons, both measured
/// (docs/bench.md): VITS on one sentence parallelizes poorly inside ONNX Runtime (one session
/// with two threads took 97 s of CPU for the seed article where one thread took 73 s), so
/// parallel sessions use the cores better; and ONNX Runtime's float sums depend on its thread
/// count (1 and 2 threads differ by one LSB on 0.1% of 16-bit samples with noise off), so a
/// fixed count makes the audio the same for any `--jobs`, and cache entries the same whoever
/// made them.
pub const INTRA_OP_THREADS: usize = 1;

/// The most phoneme ids that run through the sessions at once; an inference that would go over
/// waits until the others are done (one always runs, however long). Twice the ids of one
/// sentence at the 200-character cap ([`crate::text::segment::MAX_SENTENCE_CHARS`]; 3.9 ids per
/// character with diacritics and Piper's pads).
///
/// Why: an inference's working memory grows with its length (0.3 GB at 40 characters, 0.77 GB at
/// 200, docs/text.md), and N sessions on N long sentences need the sum of all. Why not one
/// sentence's worth: measured on the bench's 2 articles, a budget of 800 ids made `--jobs 2` run
/// one sentence at a time for most of the edition (117% CPU, 25.5 s against 14.6 s wall) to save
/// 300 MB. With two sentences' worth, `--jobs 2` is never held back (two sentences at the cap
/// fit), larger `--jobs` are held to two long sentences at once, and `--jobs 1` is the
/// low-memory choice (docs/bench.md, "Memory").
pub const INFLIGHT_IDS: usize = 1600;

/// The CPUs this process may use.
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

impl PiperModel {
    /// Prepares `model` (an `.onnx` file) for one session.
    pub fn load(model: &Path) -> Result<Self, VoiceError> {
        Self::load_sessions(model, 1)
    }

    /// Prepares `model` for `sessions` sessions (at least one), each with
    /// [`INTRA_OP_THREADS`] intra-op thread.
    ///
    /// The file must exist and ONNX Runtime must be loadable; the graph itself is read by the
    /// first inference.
    pub fn load_sessions(model: &Path, sessions: usize) -> Result<Self, VoiceError> {
        if !model.is_file() {
            return Err(VoiceError::ModelMissing { path: model.to_path_buf() });
        }
        crate::runtime::ort_environment().map_err(VoiceError::Runtime)?;
        let count = sessions.max(1);
        let runtime = |e: ort::Error| VoiceError::ModelLoad {
            path: model.to_path_buf(),
            reason: format!("cannot set the run options: {e}"),
        };
        let mut run_options = RunOptions::new().map_err(runtime)?;
        run_options.set("memory.enable_memory_arena_shrinkage", "cpu:0").map_err(runtime)?;
        Ok(Self {
            path: model.to_path_buf(),
            threads: INTRA_OP_THREADS,
            optimized: true,
            preparing: None,
            sessions: (0..count).map(|_| Mutex::new(None)).collect::<Vec<_>>().into(),
            next: AtomicUsize::new(0),
            inflight: Mutex::new(0),
            freed: Condvar::new(),
            run_options,
        })
    }

    /// How many sentences this model can synthesize at once.
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }

    fn build_session(&self) -> Result<Session, VoiceError> {
        build_session(&self.path, self.threads, self.optimized)
    }

    /// Gets the first session ready as early as possible, for `nashra speak`, which waits for
    /// its first audio (an edition does not, and keeps the defaults):
    ///
    /// - The session is built on a thread of its own, so that the time it takes overlaps
    ///   whatever the caller does next (loading the diacritizer, espeak, the front end of the
    ///   first sentence). The first inference then finds it ready, or waits for the build to
    ///   finish (the builder holds the slot's lock). A build that fails here leaves the slot
    ///   empty, so that the first inference builds it again and reports the error.
    /// - Sessions skip ONNX Runtime's graph optimizations, which take about 40% of a session's
    ///   build (0.59 s against 1.05 s) and, measured on 237 s of WikiNews speech, make
    ///   inference no faster (CPU per audio second 1.02x, within the noise; `make batch-bench`,
    ///   docs/bench.md). The samples then differ from an optimized session's by one or two
    ///   16-bit steps on under 1% of them (float sums in another order): inaudible, and
    ///   `speak` writes no cache entry that an edition could mix with its own.
    pub fn start_quickly(&mut self) {
        self.optimized = false;
        let sessions = Arc::clone(&self.sessions);
        let (path, threads, optimized) = (self.path.clone(), self.threads, self.optimized);
        let spawned = std::thread::Builder::new().name("piper-session".into()).spawn(move || {
            let Some(first) = sessions.first() else { return };
            let mut slot = first.lock().unwrap_or_else(|p| p.into_inner());
            if slot.is_none() {
                let started = std::time::Instant::now();
                match build_session(&path, threads, optimized) {
                    Ok(session) => {
                        *slot = Some(session);
                        tracing::debug!(ms = started.elapsed().as_millis(), "voice session built");
                    }
                    Err(e) => tracing::debug!(%e, "voice session not built ahead"),
                }
            }
        });
        match spawned {
            Ok(handle) => self.preparing = Some(handle),
            Err(e) => tracing::debug!(%e, "no thread to build the voice session ahead"),
        }
    }

    /// A free slot if there is one, else waits for the one this call was dealt.
    fn slot(&self) -> MutexGuard<'_, Option<Session>> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let count = self.sessions.len();
        for i in 0..count {
            if let Ok(guard) = self.sessions[(start + i) % count].try_lock() {
                return guard;
            }
        }
        self.sessions[start % count].lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until `ids` more phoneme ids fit in [`INFLIGHT_IDS`] (or nothing else runs), and
    /// holds them until the returned guard is dropped.
    fn reserve(&self, ids: usize) -> Reservation<'_> {
        let mut inflight = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
        while *inflight > 0 && *inflight + ids > INFLIGHT_IDS {
            inflight = self.freed.wait(inflight).unwrap_or_else(|p| p.into_inner());
        }
        *inflight += ids;
        Reservation { model: self, ids }
    }

    /// Runs one sentence. Returns the raw samples of output 0 (`[1,1,T]`).
    pub fn infer(
        &self,
        ids: &[i64],
        scales: Scales,
        sid: Option<i64>,
    ) -> Result<Vec<f32>, VoiceError> {
        let fail = |e: ort::Error| VoiceError::Inference { reason: e.to_string() };
        let mut values = Vec::with_capacity(4);
        for (name, data) in piper_inputs(ids, scales, sid) {
            values.push((name, to_value(data).map_err(fail)?));
        }
        let _budget = self.reserve(ids.len());
        let mut slot = self.slot();
        let session = match slot.as_mut() {
            Some(session) => session,
            None => slot.insert(self.build_session()?),
        };
        let outputs = session.run_with_options(values, &self.run_options).map_err(fail)?;
        let (_, samples) = outputs[0].try_extract_tensor::<f32>().map_err(fail)?;
        Ok(samples.to_vec())
    }
}

impl Drop for PiperModel {
    fn drop(&mut self) {
        if let Some(handle) = self.preparing.take() {
            // A panic there already left the slot empty; nothing more to report.
            let _ = handle.join();
        }
    }
}

/// One ONNX Runtime session of the graph at `path`, with `threads` intra-op threads, and with
/// ONNX Runtime's default graph optimizations or none.
fn build_session(path: &Path, threads: usize, optimized: bool) -> Result<Session, VoiceError> {
    let load_err = |reason: String| VoiceError::ModelLoad { path: path.to_path_buf(), reason };
    let env = crate::runtime::ort_environment().map_err(VoiceError::Runtime)?;
    let mut builder = Session::builder(env).map_err(|e| load_err(e.to_string()))?;
    builder = builder.with_intra_threads(threads).map_err(|e| load_err(e.to_string()))?;
    if !optimized {
        builder = builder
            .with_optimization_level(GraphOptimizationLevel::Disable)
            .map_err(|e| load_err(e.to_string()))?;
    }
    builder.commit_from_file(path).map_err(|e| load_err(e.to_string()))
}

/// Phoneme ids counted in flight by [`PiperModel::reserve`] until dropped.
struct Reservation<'a> {
    model: &'a PiperModel,
    ids: usize,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut inflight = self.model.inflight.lock().unwrap_or_else(|p| p.into_inner());
        *inflight -= self.ids;
        self.model.freed.notify_all();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use super::*;

    const SCALES: Scales = Scales { noise_scale: 0.667, length_scale: 1.0, noise_w: 0.8 };

    #[test]
    fn single_speaker_inputs_have_no_sid() {
        let inputs = piper_inputs(&[1, 0, 14, 0, 2], SCALES, None);
        let names: Vec<&str> = inputs.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, vec!["input", "input_lengths", "scales"]);
        assert_eq!(inputs[0].1, InputData::I64 { shape: vec![1, 5], data: vec![1, 0, 14, 0, 2] });
        assert_eq!(inputs[1].1, InputData::I64 { shape: vec![1], data: vec![5] });
        assert_eq!(inputs[2].1, InputData::F32 { shape: vec![3], data: vec![0.667, 1.0, 0.8] });
    }

    #[test]
    fn multi_speaker_inputs_carry_sid() {
        let inputs = piper_inputs(&[1, 0, 2], SCALES, Some(7));
        assert_eq!(inputs.len(), 4);
        assert_eq!(inputs[3], ("sid", InputData::I64 { shape: vec![1], data: vec![7] }));
    }

    #[test]
    fn inferences_wait_for_room_in_the_budget_and_a_long_one_runs_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.onnx");
        std::fs::write(&path, b"not loaded by this test").unwrap();
        let Ok(model) = PiperModel::load_sessions(&path, 2) else {
            return; // no onnxruntime on this machine: nothing to reserve for
        };
        let first = model.reserve(INFLIGHT_IDS / 2);
        let second = model.reserve(INFLIGHT_IDS / 2);
        assert_eq!(*model.inflight.lock().unwrap(), INFLIGHT_IDS);
        let started = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| {
                let long = model.reserve(INFLIGHT_IDS * 2);
                started.store(true, Ordering::SeqCst);
                drop(long);
            });
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!started.load(Ordering::SeqCst), "a long sentence started beside two others");
            drop(first);
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!started.load(Ordering::SeqCst), "it started beside one other");
            drop(second);
            waiter.join().unwrap();
        });
        assert!(started.load(Ordering::SeqCst));
        assert_eq!(*model.inflight.lock().unwrap(), 0);
    }

    #[test]
    fn missing_model_file_is_a_load_error_naming_it() {
        let e = PiperModel::load(Path::new("/nonexistent/x.onnx")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/x.onnx"), "{e}");
    }
}
