//! One Piper (VITS) inference: phoneme ids in, audio samples out.
//!
//! In: the ids of ONE espeak sentence, the three scales and, for multi-speaker voices, a speaker
//! id. Out: mono f32 samples at the voice's rate, exactly as the model produced them (no peak
//! normalization, DESIGN §4). Must never happen: a whole article run as one huge sequence (memory
//! grows with length), a `sid` fed to a single-speaker graph, or a missing one to a multi-speaker
//! graph.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, TryLockError, Weak};
use std::time::Duration;

use ort::session::builder::GraphOptimizationLevel;
use ort::session::{Session, SessionInputValue};
use ort::value::{DynValue, Tensor, TensorRef};

use onnx_protobuf::{Message, ModelProto};

use super::{graph, native, VoiceError};

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
    recipe: Recipe,
    /// Shared so that [`PiperModel::start_quickly`] can fill a slot from another thread.
    sessions: Arc<[Mutex<Option<Engine>>]>,
    /// The thread [`PiperModel::start_quickly`] builds a session on, joined on drop: a process
    /// that ends (say, on an error in the text) while ONNX Runtime is building a session on
    /// another thread crashes in ONNX Runtime's static destructors.
    preparing: Option<std::thread::JoinHandle<()>>,
    /// Where the next inference starts looking for a free session, so that threads spread out.
    next: AtomicUsize,
    /// Idle sessions lent to a sentence's vocoder windows ([`PiperModel::lend`]).
    lending: Lending,
}

/// What lending a session to another sentence takes.
#[derive(Default)]
struct Lending {
    /// Inferences waiting for a session. A lent session is given back as soon as this is not
    /// zero.
    waiting: AtomicUsize,
    /// Signalled when a session falls idle (an inference ends, a lent one is given back) and
    /// when a sentence's windows are all taken; the mutex guards nothing but the wait.
    returned: (Mutex<()>, Condvar),
    /// Vocoder windows run on a lent session (for the tests).
    windows: AtomicUsize,
    /// Looks of a lender that found no idle session (for the tests).
    missed: AtomicUsize,
}

impl std::fmt::Debug for PiperModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PiperModel")
            .field("path", &self.recipe.path)
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
        Ok(Self {
            recipe: Recipe {
                path: model.to_path_buf(),
                threads: INTRA_OP_THREADS,
                optimized: true,
                graph: Arc::default(),
                ahead: Arc::default(),
            },
            preparing: None,
            sessions: (0..count).map(|_| Mutex::new(None)).collect::<Vec<_>>().into(),
            next: AtomicUsize::new(0),
            lending: Lending::default(),
        })
    }

    /// How many sentences this model can synthesize at once.
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }

    /// Drops every built session (waiting for one in use); the next inference builds one
    /// again, as the first did. Why: an edition's sessions hold a few hundred MB that would
    /// otherwise be freed, and the memory given back to the kernel, after its last file is
    /// written; let go on a synthesis thread once the last sentence is spoken, that work
    /// overlaps the levelling and writing of the last programme instead (measured: dropping
    /// them took 65 ms of a render's end).
    pub fn release(&self) {
        for slot in self.sessions.iter() {
            let engine = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
            drop(engine);
        }
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
        self.recipe.optimized = false;
        let sessions = Arc::clone(&self.sessions);
        let recipe = self.recipe.clone();
        let spawned = std::thread::Builder::new().name("piper-session".into()).spawn(move || {
            let Some(first) = sessions.first() else { return };
            let mut slot = first.lock().unwrap_or_else(|p| p.into_inner());
            if slot.is_none() {
                let started = std::time::Instant::now();
                match recipe.build() {
                    Ok(engine) => {
                        *slot = Some(engine);
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

    /// Reads and cuts the graph on a thread of its own, so that the cut (0.3 s for joe, on one
    /// core) overlaps what the caller does before its first inference (the diacritizer, espeak,
    /// the first sentences' front end, the cache) instead of delaying that inference. The
    /// sessions are still built by the first inference, so that a run whose sentences all come
    /// from the cache builds none; it then only spent the cut's CPU on a core the front end did
    /// not use. The first inference waits for the cut if it is not done (the thread holds the
    /// graph's lock), and a cut that fails is left for that inference to redo and report.
    /// The thread holds the lock on what it cuts ahead from before the cut until it has kept the
    /// graph, and cuts nothing once an engine is built: so the graph is never kept after the
    /// first build, however the two threads are scheduled.
    ///
    /// The thread is not joined: the cut is plain Rust work on the file (the tensors ONNX
    /// Runtime needs are made when an engine is built), so a process may end during it.
    pub fn cut_ahead(&self) {
        let recipe = self.recipe.clone();
        let spawned = std::thread::Builder::new().name("piper-graph".into()).spawn(move || {
            let mut ahead = recipe.ahead.lock().unwrap_or_else(|p| p.into_inner());
            if !matches!(*ahead, Ahead::Waiting) {
                return;
            }
            match recipe.graph() {
                Ok(graph) => *ahead = Ahead::Cut { _kept: graph },
                Err(e) => tracing::debug!(%e, "voice graph not cut ahead"),
            }
        });
        if let Err(e) = spawned {
            tracing::debug!(%e, "no thread to cut the voice graph ahead");
        }
    }

    /// A free slot: at once if there is one, else the first one given back. Every inference
    /// thread has a session of its own (`--jobs` threads, as many sessions), so a wait means a
    /// session is lent to another sentence's vocoder, which gives it back after its window.
    fn slot(&self) -> MutexGuard<'_, Option<Engine>> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        if let Some(guard) = self.free_slot(start) {
            return guard;
        }
        if let [only] = &self.sessions[..] {
            // Nothing is lent with one session: it is busy with an inference or being built
            // (`start_quickly`), and its lock is the signal to wait for.
            return only.lock().unwrap_or_else(|p| p.into_inner());
        }
        self.lending.waiting.fetch_add(1, Ordering::SeqCst);
        let (lock, returned) = &self.lending.returned;
        let mut waited = lock.lock().unwrap_or_else(|p| p.into_inner());
        let guard = loop {
            if let Some(guard) = self.free_slot(start) {
                break guard;
            }
            // A timeout as well, in case a session is given back between the look above and
            // the wait (the signal is sent under this lock, so that cannot happen today).
            waited = returned
                .wait_timeout(waited, Duration::from_millis(20))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        };
        drop(waited);
        self.lending.waiting.fetch_sub(1, Ordering::SeqCst);
        guard
    }

    /// The first slot from `start` on that is not locked (a poisoned one is taken too: its
    /// session is rebuilt or reused as it stands).
    fn free_slot(&self, start: usize) -> Option<MutexGuard<'_, Option<Engine>>> {
        let count = self.sessions.len();
        (0..count).find_map(|i| match self.sessions[(start + i) % count].try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        })
    }

    /// Runs windows of `sentence` on whichever session falls idle while it is vocoded, until
    /// none are left; a lent session goes back after its window as soon as an inference waits
    /// for one. Why: at the end of an edition (and whenever the threads run out of sentences),
    /// one thread speaks the last long sentence while the other cores idle; 2.5 s of a 14 s
    /// bench render ran on one core. Why keep watching rather than look once as the windows
    /// start: the other sentences usually end while this one is vocoded, and a single look
    /// found every session busy, leaving one core idle for the rest of the edition's last
    /// sentence (0.18-0.25 s of a 9 s render). Sessions built from one graph with one
    /// intra-op thread give the same samples for a window, so who runs it does not change the
    /// audio. A session not built yet is not built for this.
    fn lend(&self, sentence: &Vocoding<'_>) -> ort::Result<Vec<(usize, Vec<f32>)>> {
        let mut done = Vec::new();
        let (lock, returned) = &self.lending.returned;
        loop {
            let mut lent = None;
            if let Some(mut slot) = self.free_slot(0) {
                if let Some(Engine::Split(engine)) = slot.as_mut() {
                    lent = Some(
                        sentence.take(engine, || self.lending.waiting.load(Ordering::SeqCst) == 0),
                    );
                }
                drop(slot);
                if lent.is_some() {
                    self.signal_returned();
                }
            }
            match lent {
                Some(windows) => {
                    let windows = windows?;
                    self.lending.windows.fetch_add(windows.len(), Ordering::Relaxed);
                    done.extend(windows);
                }
                None => {
                    self.lending.missed.fetch_add(1, Ordering::SeqCst);
                }
            }
            // Checked under the lock that the sentence's own thread takes to signal its end
            // (and an inference to signal a session given back), so no signal is missed. The
            // wait after a session was given back also lets the inference that asked for it
            // take it before this loop looks again.
            let waited = lock.lock().unwrap_or_else(|p| p.into_inner());
            if sentence.all_taken() {
                return Ok(done);
            }
            drop(returned.wait_timeout(waited, LEND_POLL).unwrap_or_else(|p| p.into_inner()));
        }
    }

    /// Wakes whoever waits for a session ([`Self::slot`], [`Self::lend`]).
    fn signal_returned(&self) {
        let (lock, returned) = &self.lending.returned;
        drop(lock.lock().unwrap_or_else(|p| p.into_inner()));
        returned.notify_all();
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
        let mut slot = self.slot();
        let engine = match slot.as_mut() {
            Some(engine) => engine,
            None => slot.insert(self.recipe.build()?),
        };
        let started = std::time::Instant::now();
        let samples = match engine {
            Engine::Whole(session) => session.run(values).and_then(|outputs| {
                let (_, samples) = outputs[0].try_extract_tensor::<f32>()?;
                Ok(samples.to_vec())
            }),
            Engine::Split(split) => split.encode(values).and_then(|latent| {
                let encoded = started.elapsed();
                let latent = split.first_stage(latent, sid)?;
                let first_stage = started.elapsed() - encoded;
                let samples = self.vocode(split, &latent, sid);
                tracing::debug!(
                    ids = ids.len(),
                    encoder_us = encoded.as_micros() as u64,
                    first_stage_us = first_stage.as_micros() as u64,
                    later_us = (started.elapsed() - encoded - first_stage).as_micros() as u64,
                    "sentence synthesized"
                );
                split.give_back(latent);
                samples
            }),
        };
        // The session is idle: a sentence still being vocoded may borrow it ([`Self::lend`]).
        drop(slot);
        self.signal_returned();
        samples.map_err(fail)
    }

    /// The vocoder's windows of one sentence on `split`, and on an idle session when there is
    /// one ([`Self::lend`]).
    fn vocode(
        &self,
        split: &mut SplitEngine,
        latent: &Latent,
        sid: Option<i64>,
    ) -> ort::Result<Vec<f32>> {
        let sentence = Vocoding::new(latent, sid, split);
        if sentence.windows.len() < 2 || self.sessions.len() < 2 {
            return sentence.run(split);
        }
        let (mine, lent) = std::thread::scope(|scope| {
            let lender = scope.spawn(|| self.lend(&sentence));
            let mine = sentence.take(split, || true);
            // Every window is taken: the lender, waiting for an idle session, may stop.
            self.signal_returned();
            let lent = lender.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            (mine, lent)
        });
        sentence.join(mine?, lent?)
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

/// What one session slot runs a sentence with.
enum Engine {
    /// The graph as ONNX Runtime loads it: a graph [`graph::split`] does not cut.
    Whole(Session),
    /// A Piper graph cut at its vocoder (every Piper voice).
    Split(Box<SplitEngine>),
}

/// A Piper graph as the sessions are built from it.
enum Graph {
    /// A graph [`graph::split`] does not cut, as read.
    Whole(Vec<u8>),
    /// The halves; their encoder's shared weights ([`graph::SharedWeight`]) become the tensors
    /// every encoder run is given when the first engine is built from them.
    Split(Box<graph::Halves>, Mutex<EncoderWeights>),
}

/// The encoder's shared weights, as [`graph::split`] gives them and then as ONNX Runtime
/// tensors. Why not tensors at once: the graph may be cut on a thread that the process does not
/// wait for ([`PiperModel::cut_ahead`]), and that thread must not be inside ONNX Runtime when
/// the process ends.
enum EncoderWeights {
    Values(Vec<graph::SharedWeight>),
    Tensors(Vec<(String, Arc<DynValue>)>),
    /// Why they could not be made tensors, for every engine built after.
    Failed(String),
}

/// What an [`Engine`] is built from; cloned for [`PiperModel::start_quickly`]'s thread.
#[derive(Clone)]
struct Recipe {
    path: PathBuf,
    /// Intra-op threads of each session.
    threads: usize,
    /// Whether sessions run ONNX Runtime's graph optimizations (its default); see
    /// [`PiperModel::start_quickly`].
    optimized: bool,
    /// The graph, read and cut once for the engines built at the same moment (an edition's
    /// first sentences start on every job at once), and let go when they are built. Why: each
    /// cut holds the file and its parsed copy, about 130 MB for a 60 MB voice, and two at once
    /// were the peak of a 15-article edition.
    graph: Arc<Mutex<Weak<Graph>>>,
    /// The graph cut ahead of the first inference ([`PiperModel::cut_ahead`]), held until an
    /// engine has been built from it.
    ahead: Arc<Mutex<Ahead>>,
}

/// Where [`PiperModel::cut_ahead`]'s graph is.
#[derive(Default)]
enum Ahead {
    /// No engine built yet: a graph cut now is kept for the first.
    #[default]
    Waiting,
    /// Cut, and kept until an engine is built, which finds it through [`Recipe::graph`]'s
    /// weak reference.
    Cut { _kept: Arc<Graph> },
    /// An engine has been built: a later one reads the file again if no other holds the graph.
    Built,
}

impl Recipe {
    /// Prepares an engine: the graph's sessions, each with [`Recipe::threads`] intra-op
    /// threads.
    fn build(&self) -> Result<Engine, VoiceError> {
        let graph = self.graph()?;
        let started = std::time::Instant::now();
        let engine = self.engine(&graph);
        tracing::debug!(ms = started.elapsed().as_millis(), "voice engine built");
        // Built (or failed); waits for a cut under way to be kept, then drops it.
        *self.ahead.lock().unwrap_or_else(|p| p.into_inner()) = Ahead::Built;
        engine
    }

    fn engine(&self, graph: &Graph) -> Result<Engine, VoiceError> {
        let session_as = |model: &[u8], optimized: bool| {
            build_session(model, self.threads, optimized).map_err(|e| self.load_err(e))
        };
        let session = |model: &[u8]| session_as(model, self.optimized);
        // A part this crate computes (where the CPU runs its tiles) needs no session.
        let runner = |native: &Option<Arc<native::Tail>>, model: &[u8]| match native {
            Some(tail) if native::enabled() => {
                Ok(Runner::Native(Arc::clone(tail), native::Scratch::default()))
            }
            _ => session(model).map(Runner::Session),
        };
        Ok(match graph {
            Graph::Whole(bytes) => Engine::Whole(session(bytes)?),
            Graph::Split(halves, weights) => Engine::Split(Box::new(SplitEngine {
                // Without ONNX Runtime's graph optimizations, whatever the rest: on the
                // encoder's 3,600 nodes they took 0.45 of a session's 0.6 s build and made
                // its runs no faster (joe, one thread, 60 sentences of 40 to 300 ids: 2.55 s
                // either way; docs/bench.md, "Session 16").
                encoder: session_as(&halves.encoder, false)?,
                encoder_weights: self.encoder_tensors(weights)?,
                front: match &halves.front {
                    Some(front) => Some(FrontSession {
                        session: runner(&front.native, &front.model)?,
                        reads_speaker: front.reads_speaker,
                        context: front.context.unwrap_or(VOCODER_CONTEXT),
                    }),
                    None => None,
                },
                vocoder: runner(&halves.native, &halves.vocoder)?,
                latent: halves.latent.clone(),
                windowed: halves.windowed.clone(),
                vocoder_reads_speaker: !halves.vocoder_inputs.is_empty(),
                rate: halves.rate,
                context: halves.context.unwrap_or(VOCODER_CONTEXT * halves.rate),
                window: match halves.front {
                    Some(_) => LATER_STAGES_WINDOW,
                    None => VOCODER_FRAMES * halves.rate,
                },
                buffers: Buffers::default(),
            })),
        })
    }

    /// The graph another build is using now, else the file read and cut again.
    fn graph(&self) -> Result<Arc<Graph>, VoiceError> {
        let mut shared = self.graph.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(graph) = shared.upgrade() {
            return Ok(graph);
        }
        let unreadable = |e: std::io::Error| self.load_err(format!("cannot read it: {e}"));
        let file = std::fs::File::open(&self.path).map_err(unreadable)?;
        // Parsed as it is read, 64 KiB at a time: the file's bytes are never held whole.
        let model =
            ModelProto::parse_from_reader(&mut std::io::BufReader::with_capacity(1 << 16, file))
                .map_err(|e| self.load_err(format!("not an ONNX model ({e})")))?;
        let graph = match graph::split_model(model, self.optimized)
            .map_err(|e| self.load_err(format!("not an ONNX model ({e})")))?
        {
            Some(mut halves) => {
                let weights = std::mem::take(&mut halves.encoder_weights);
                Graph::Split(Box::new(halves), Mutex::new(EncoderWeights::Values(weights)))
            }
            // A graph this module cannot cut runs whole, from the file's bytes.
            None => Graph::Whole(std::fs::read(&self.path).map_err(unreadable)?),
        };
        let graph = Arc::new(graph);
        *shared = Arc::downgrade(&graph);
        Ok(graph)
    }

    /// The encoder's shared weights as tensors, made by the first engine built from a graph
    /// and shared by the others.
    fn encoder_tensors(
        &self,
        weights: &Mutex<EncoderWeights>,
    ) -> Result<Vec<(String, Arc<DynValue>)>, VoiceError> {
        let mut weights = weights.lock().unwrap_or_else(|p| p.into_inner());
        if let EncoderWeights::Values(values) = &mut *weights {
            let tensors = std::mem::take(values)
                .into_iter()
                .map(|w| {
                    let tensor = Tensor::from_array((w.dims, w.values))
                        .map_err(|e| format!("cannot hold a weight: {e}"))?;
                    Ok((w.name, Arc::new(tensor.into_dyn())))
                })
                .collect::<Result<_, String>>();
            *weights = match tensors {
                Ok(tensors) => EncoderWeights::Tensors(tensors),
                Err(reason) => EncoderWeights::Failed(reason),
            };
        }
        match &*weights {
            EncoderWeights::Tensors(tensors) => Ok(tensors.clone()),
            EncoderWeights::Failed(reason) => Err(self.load_err(reason.clone())),
            EncoderWeights::Values(_) => unreachable!("made tensors above"),
        }
    }

    /// The voice's graph did not load, for `reason`.
    fn load_err(&self, reason: String) -> VoiceError {
        VoiceError::ModelLoad { path: self.path.clone(), reason }
    }
}

/// One ONNX Runtime session of the serialized graph `model`.
///
/// Without ONNX Runtime's memory patterns. Why: with them, every run takes its working memory
/// as one block planned for that input shape, and each sentence and vocoder window has a shape
/// of its own; the arena kept growing by powers of two and held 130 MB a vocoder session on a
/// 15-article edition, which rose from 540 to 690 MB over the run. Without them, tensors are
/// taken one by one and the arena's free blocks fit the next window: the same edition stays at
/// 450 MB from its third article on, for about 3% more CPU (docs/bench.md, "The vocoder in
/// windows"). Giving
/// the arena back after every run instead (`memory.enable_memory_arena_shrinkage`) kept the
/// growth and cost 15 s of system time; no arena at all cost 10 s.
fn build_session(model: &[u8], threads: usize, optimized: bool) -> Result<Session, String> {
    let env = crate::runtime::ort_environment().map_err(|e| e.to_string())?;
    let mut builder = Session::builder(env).map_err(|e| e.to_string())?;
    builder = builder.with_intra_threads(threads).map_err(|e| e.to_string())?;
    builder = builder.with_memory_pattern(false).map_err(|e| e.to_string())?;
    if !optimized {
        builder = builder
            .with_optimization_level(GraphOptimizationLevel::Disable)
            .map_err(|e| e.to_string())?;
    }
    builder.commit_from_memory(model).map_err(|e| e.to_string())
}

/// Latent frames the whole vocoder takes at once at most, when it is not cut after its first
/// stage (about 1.5 s of speech at Piper's 86 frames a second): a sentence's latent is run in as
/// few equal windows as fit under it. Measured on
/// joe with 1,693 frames (docs/bench.md, "The vocoder in windows"): the vocoder costs the same
/// per frame for windows of 64 to 1,693 frames, and its working memory follows the window; 128
/// frames held a 15-article edition 100 MB under 256 for about 3% more CPU (the context runs
/// twice).
pub const VOCODER_FRAMES: usize = 128;

/// Latent frames of context on each side of a window, run and then dropped, for a vocoder whose
/// reach [`graph::vocoder_context`] cannot work out. Piper's vocoders reach about a dozen frames
/// (`conv_pre`, then dilated convolutions at 8 samples a frame); measured on joe, 12 frames of
/// context already give samples identical to a whole run, 10 differ by 4e-7. 16 leaves a margin
/// for a graph of another shape.
pub const VOCODER_CONTEXT: usize = 16;

/// How long a lender ([`PiperModel::lend`]) waits between two looks for an idle session when
/// nothing signals: a safety net, since every session that falls idle is signalled.
const LEND_POLL: Duration = Duration::from_millis(20);

/// Latent frames the vocoder's first stage ([`graph::Front`]) takes at once at most: its
/// tensors are small (8 positions a frame, 128 channels for joe), and its context of a dozen
/// frames costs less of a longer window. Not longer than 256: windows of 512 took 4% less of
/// the stage (one thread, session 15: 124 against 119 µs a kept frame) but its tiles
/// ([`graph::winograd_convs_inline`]) then held about 15 MB more a render.
pub const FRONT_FRAMES: usize = 2 * VOCODER_FRAMES;

/// Positions of the vocoder's later stages (after [`graph::Front`]) run at once at most: 64
/// latent frames at joe's 8 positions a frame, about 0.75 s of speech.
///
/// Why shorter than the first stage's: the later stages' tensors are up to 256 samples a frame
/// wide, so a window's working memory follows its length closely, while their context is only
/// 10 positions a side. Session 12 (AVX-512) measured windows of 128, 256, 384, 512 and 1,024
/// positions at 58, 55, 53, 53 and 55 µs a kept position and chose 256 for 45 MB less than
/// 1,024; session 15, on a machine without AVX-512, 65.3, 63.2, 62.9, 62.4 and 61.9 µs for 256
/// to 1,024: 512 takes 4% less of the vocoder's largest part for about 15 MB a session
/// (docs/bench.md, "Session 15").
pub const LATER_STAGES_WINDOW: usize = 512;

/// The vocoder's first stage as a session.
struct FrontSession {
    session: Runner,
    /// Whether it takes the speaker id.
    reads_speaker: bool,
    /// Latent frames of context on each side of its windows.
    context: usize,
}

/// One vocoder run: positions `from..to` of its input go in, the samples of `keep_from..keep_to`
/// are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    from: usize,
    to: usize,
    keep_from: usize,
    keep_to: usize,
}

/// The windows that cover `frames` positions: as few as fit `most`, of equal length, each with
/// `context` positions on each side where the input has them.
fn windows(frames: usize, most: usize, context: usize) -> Vec<Window> {
    let count = frames.div_ceil(most.max(1));
    (0..count)
        .map(|i| {
            let keep_from = frames * i / count;
            let keep_to = frames * (i + 1) / count;
            Window {
                from: keep_from.saturating_sub(context),
                to: (keep_to + context).min(frames),
                keep_from,
                keep_to,
            }
        })
        .collect()
}

/// The encoder and vocoder sessions of a cut graph.
struct SplitEngine {
    encoder: Session,
    /// Inputs of every encoder run besides the sentence's ([`graph::SharedWeight`]): one copy
    /// for all the engines built from one graph.
    encoder_weights: Vec<(String, Arc<DynValue>)>,
    vocoder: Runner,
    /// The vocoder's first stage ([`graph::Front`]).
    front: Option<FrontSession>,
    /// The name of the encoder's output.
    latent: String,
    /// The name of the tensor the windowed vocoder reads (the latent, or the front's output).
    windowed: String,
    /// Whether the windowed vocoder takes the speaker id too (a multi-speaker voice).
    vocoder_reads_speaker: bool,
    /// Positions of the windowed vocoder's input per latent frame.
    rate: usize,
    /// Positions of context on each side of a vocoder window.
    context: usize,
    /// Positions of the windowed vocoder's input a window takes at most.
    window: usize,
    buffers: Buffers,
}

/// What runs a windowed part of the vocoder (the whole vocoder, its first stage, or its stages
/// after the first).
enum Runner {
    Session(Session),
    /// Computed by [`native`] (its plan is shared by the engines built from one graph), with
    /// this engine's buffers.
    Native(Arc<native::Tail>, native::Scratch),
}

/// Values of the largest latent buffer a [`SplitEngine`] keeps for the next sentence: 8 MB, a
/// first stage's output for about 12 s of joe's speech. Why a limit: a kept buffer stays
/// resident for the rest of the run, and a rare long sentence's (tens of MB) would be held for
/// little gain; the rare longer sentences take fresh memory. What is kept costs about 20 MB of
/// resident memory (a 50-article edition: 415-437 MB, against 387-415 before buffers were
/// kept; docs/bench.md, "Session 16").
const SPARE_MOST: usize = 1 << 21;

/// Buffers a [`SplitEngine`] keeps from one sentence to the next. Why: a sentence's latent
/// (megabytes) and a window's input (300 KB for joe's later stages) taken fresh from the
/// allocator were pages the kernel maps and zeroes again at every use: about a fifth of a
/// render's 230,000 page faults.
#[derive(Default)]
struct Buffers {
    /// A window's input, copied out of the latent's rows.
    window: Vec<f32>,
    /// Latents given back ([`SplitEngine::give_back`]) for the next to be written into.
    spare: Vec<Vec<f32>>,
}

impl Buffers {
    /// A buffer of `len` values, their contents unspecified.
    fn take(&mut self, len: usize) -> Vec<f32> {
        let mut buffer = self.spare.pop().unwrap_or_default();
        buffer.resize(len, 0.0);
        buffer
    }
}

/// A sentence's latent sequence, `[1, channels, frames]`, as the encoder gave it, or the
/// vocoder's first stage's output for it (then `frames` counts its positions).
struct Latent {
    channels: usize,
    frames: usize,
    values: Vec<f32>,
}

impl SplitEngine {
    /// The encoder's run: ids, lengths and scales in, the latent sequence out.
    fn encode(&mut self, inputs: Vec<(&'static str, DynValue)>) -> ort::Result<Latent> {
        let mut run: Vec<(&str, SessionInputValue<'_>)> =
            inputs.into_iter().map(|(name, value)| (name, value.into())).collect();
        run.extend(
            self.encoder_weights.iter().map(|(name, value)| (name.as_str(), (&**value).into())),
        );
        let encoded = self.encoder.run(run)?;
        let (shape, values) = encoded[0].try_extract_tensor::<f32>()?;
        match **shape {
            [1, channels, frames] if channels > 0 && frames >= 0 => {
                let mut buffer = self.buffers.take(0);
                buffer.extend_from_slice(values);
                Ok(Latent { channels: channels as usize, frames: frames as usize, values: buffer })
            }
            _ => Err(ort::Error::new(format!(
                "the encoder gave a latent of shape {shape:?}, not [1, channels, frames]"
            ))),
        }
    }

    /// The vocoder's first stage over `latent`, in windows of [`FRONT_FRAMES`], when the graph
    /// was cut there; else the latent as it is.
    fn first_stage(&mut self, latent: Latent, sid: Option<i64>) -> ort::Result<Latent> {
        let Some(front) = &mut self.front else { return Ok(latent) };
        let buffers = &mut self.buffers;
        let rate = self.rate;
        let positions = latent.frames * rate;
        let mut out: Option<(usize, Vec<f32>)> = None;
        for w in windows(latent.frames, FRONT_FRAMES, front.context) {
            let len = w.to - w.from;
            let run;
            let (shape, values): (Vec<i64>, &[f32]) = match &mut front.session {
                Runner::Session(session) => {
                    let piece = &mut buffers.window;
                    let inputs =
                        window_inputs(&self.latent, &latent, w, front.reads_speaker, sid, piece)?;
                    run = session.run(inputs)?;
                    let (shape, values) = run[0].try_extract_tensor::<f32>()?;
                    (shape.to_vec(), values)
                }
                Runner::Native(tail, scratch) => {
                    fill_window(&latent, w, &mut buffers.window);
                    let values = tail
                        .run(&buffers.window, latent.channels, len, scratch)
                        .map_err(|e| ort::Error::new(format!("the vocoder's first stage: {e}")))?;
                    let channels = tail.output_channels();
                    (vec![1, channels as i64, (values.len() / channels.max(1)) as i64], values)
                }
            };
            let channels = match shape[..] {
                [1, channels, got] if channels > 0 && got == (len * rate) as i64 => {
                    channels as usize
                }
                _ => {
                    return Err(ort::Error::new(format!(
                        "the vocoder's first stage gave {shape:?} for {len} latent frames, not \
                         [1, channels, {}]",
                        len * rate
                    )))
                }
            };
            let (_, all) =
                out.get_or_insert_with(|| (channels, buffers.take(channels * positions)));
            let keep = (w.keep_from - w.from) * rate..(w.keep_to - w.from) * rate;
            for (c, row) in values.chunks_exact(len * rate).enumerate().take(channels) {
                let at = c * positions + w.keep_from * rate;
                all[at..at + keep.len()].copy_from_slice(&row[keep.clone()]);
            }
        }
        let (channels, values) = out.unwrap_or((0, Vec::new()));
        self.give_back(latent);
        Ok(Latent { channels, frames: positions, values })
    }

    /// Keeps `latent`'s buffer for a later sentence's: two at most (the encoder's output and
    /// the first stage's), and none over [`SPARE_MOST`] values.
    fn give_back(&mut self, latent: Latent) {
        if self.buffers.spare.len() < 2 && latent.values.capacity() <= SPARE_MOST {
            self.buffers.spare.push(latent.values);
        }
    }

    /// The samples of window `w` of `latent` that the window keeps.
    fn vocode(&mut self, latent: &Latent, w: Window, sid: Option<i64>) -> ort::Result<Vec<f32>> {
        let len = w.to - w.from;
        let window = &mut self.buffers.window;
        let out;
        let audio = match &mut self.vocoder {
            Runner::Session(session) => {
                let reads_speaker = self.vocoder_reads_speaker;
                let values = window_inputs(&self.windowed, latent, w, reads_speaker, sid, window)?;
                out = session.run(values)?;
                out[0].try_extract_tensor::<f32>()?.1
            }
            Runner::Native(tail, scratch) => {
                fill_window(latent, w, window);
                tail.run(window, latent.channels, len, scratch)
                    .map_err(|e| ort::Error::new(format!("the vocoder's later stages: {e}")))?
            }
        };
        if len == 0 || audio.len() % len != 0 {
            return Err(ort::Error::new(format!(
                "the vocoder gave {} samples for {len} frames",
                audio.len()
            )));
        }
        let hop = audio.len() / len;
        Ok(audio[(w.keep_from - w.from) * hop..(w.keep_to - w.from) * hop].to_vec())
    }
}

/// A vocoder part's inputs for window `w`: positions `w.from..w.to` of `latent`, copied into
/// `piece`, under the name `name`, and the speaker id when the part reads one.
fn window_inputs<'a>(
    name: &'a str,
    latent: &Latent,
    w: Window,
    reads_speaker: bool,
    sid: Option<i64>,
    piece: &'a mut Vec<f32>,
) -> ort::Result<Vec<(&'a str, SessionInputValue<'a>)>> {
    let len = w.to - w.from;
    fill_window(latent, w, piece);
    let view = TensorRef::from_array_view(([1, latent.channels, len], piece.as_slice()))?;
    let mut values = vec![(name, view.into())];
    if reads_speaker {
        let sid = sid.ok_or_else(|| ort::Error::new("the vocoder needs a speaker id"))?;
        values.push(("sid", Tensor::from_array(([1], vec![sid]))?.into_dyn().into()));
    }
    Ok(values)
}

/// Positions `w.from..w.to` of every channel of `latent`, copied into `piece` channel by channel
/// (`[channels, len]`), the layout every vocoder part reads.
fn fill_window(latent: &Latent, w: Window, piece: &mut Vec<f32>) {
    piece.clear();
    for row in latent.values.chunks_exact(latent.frames) {
        piece.extend_from_slice(&row[w.from..w.to]);
    }
}

/// One sentence's vocoder work: its windows, taken one at a time by whichever session is free
/// (the sentence's own, and one lent by [`PiperModel::lend`]).
struct Vocoding<'a> {
    latent: &'a Latent,
    sid: Option<i64>,
    windows: Vec<Window>,
    /// The next window nobody has taken.
    next: AtomicUsize,
}

impl<'a> Vocoding<'a> {
    fn new(latent: &'a Latent, sid: Option<i64>, engine: &SplitEngine) -> Self {
        let windows = windows(latent.frames, engine.window, engine.context);
        Self { latent, sid, windows, next: AtomicUsize::new(0) }
    }

    /// Runs windows on `engine` while `go_on` says so and windows are left; each with its
    /// index.
    fn take(
        &self,
        engine: &mut SplitEngine,
        go_on: impl Fn() -> bool,
    ) -> ort::Result<Vec<(usize, Vec<f32>)>> {
        let mut done = Vec::new();
        while go_on() {
            let i = self.next.fetch_add(1, Ordering::SeqCst);
            let Some(&w) = self.windows.get(i) else { break };
            done.push((i, engine.vocode(self.latent, w, self.sid)?));
        }
        Ok(done)
    }

    /// Whether every window has been taken (not all are done yet).
    fn all_taken(&self) -> bool {
        self.next.load(Ordering::SeqCst) >= self.windows.len()
    }

    /// Every window on `engine` alone.
    fn run(&self, engine: &mut SplitEngine) -> ort::Result<Vec<f32>> {
        let done = self.take(engine, || true)?;
        self.join(done, Vec::new())
    }

    /// The sentence's samples from the windows two sessions ran.
    fn join(
        &self,
        mut mine: Vec<(usize, Vec<f32>)>,
        lent: Vec<(usize, Vec<f32>)>,
    ) -> ort::Result<Vec<f32>> {
        mine.extend(lent);
        mine.sort_unstable_by_key(|(i, _)| *i);
        if mine.iter().map(|(i, _)| *i).ne(0..self.windows.len()) {
            return Err(ort::Error::new("a vocoder window was lost between sessions"));
        }
        Ok(mine.into_iter().flat_map(|(_, piece)| piece).collect())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use super::*;

    const SCALES: Scales = Scales { noise_scale: 0.667, length_scale: 1.0, noise_w: 0.8 };

    /// Noise off: two runs of one sentence draw nothing, so their samples can be compared.
    const QUIET: Scales = Scales { noise_scale: 0.0, length_scale: 1.0, noise_w: 0.0 };

    /// The test voice `make setup` installs.
    fn joe() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("voices/en_US-joe-medium.onnx")
    }

    /// BOS, then `phonemes` ids of joe's map each followed by the pad, then EOS.
    fn sentence_ids(phonemes: i64) -> Vec<i64> {
        let mut ids = vec![1, 0];
        ids.extend((0..phonemes).flat_map(|i| [14 + (i * 7) % 80, 0]));
        ids.push(2);
        ids
    }

    /// joe with two sessions, both built (by two short sentences at once), so that one can
    /// be lent to the other's sentence.
    fn two_built_sessions() -> PiperModel {
        let model = PiperModel::load_sessions(&joe(), 2).unwrap();
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| model.infer(&[1, 0, 20, 0, 2], SCALES, None).unwrap());
            }
        });
        model
    }

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
    fn windows_cover_every_frame_once_with_context_where_there_is_some() {
        for context in [0, 12, VOCODER_CONTEXT] {
            assert!(windows(0, VOCODER_FRAMES, context).is_empty());
            let short = VOCODER_FRAMES - 10;
            let whole = Window { from: 0, to: short, keep_from: 0, keep_to: short };
            assert_eq!(windows(short, VOCODER_FRAMES, context), [whole]);
            assert_eq!(windows(VOCODER_FRAMES, VOCODER_FRAMES, context).len(), 1);
            for frames in [VOCODER_FRAMES + 1, 1693, 5000] {
                let all = windows(frames, VOCODER_FRAMES, context);
                assert_eq!(all.len(), frames.div_ceil(VOCODER_FRAMES));
                assert_eq!(all[0].keep_from, 0);
                assert_eq!(all.last().unwrap().keep_to, frames);
                for pair in all.windows(2) {
                    assert_eq!(pair[0].keep_to, pair[1].keep_from, "{frames}: a gap or an overlap");
                }
                for w in &all {
                    assert!(w.keep_to - w.keep_from <= VOCODER_FRAMES);
                    assert_eq!(w.from, w.keep_from.saturating_sub(context));
                    assert_eq!(w.to, (w.keep_to + context).min(frames));
                }
            }
        }
    }

    /// The claim the cut rests on: a sentence over a dozen vocoder windows long gives the
    /// samples the uncut graph gives (noise off, so that both runs draw nothing), to within the
    /// reordered float sums of the widened convolutions (`graph::widen_convs`) and the encoder's
    /// tiled ones (`graph::winograd_convs`, which the whole graph does not have), and of the
    /// encoder run without ONNX Runtime's fusions: under two 16-bit steps at worst and a
    /// twentieth of one on average (measured: 31 of 392,704 samples over one step, the largest
    /// 4.4e-5, RMS 1.1e-6; with the encoder optimized, none over one step, RMS 0.85e-6). The
    /// context is what the graph gives (for joe 11 frames for the first stage, 10 positions
    /// after it); 4 frames for the whole vocoder instead fail it (0.006 off).
    #[test]
    fn a_long_sentence_run_in_windows_matches_the_whole_graph() {
        let path = joe();
        let recipe = Recipe {
            path: path.clone(),
            threads: 1,
            optimized: true,
            graph: Arc::default(),
            ahead: Arc::default(),
        };
        let mut split = match recipe.build().unwrap() {
            Engine::Split(split) => split,
            Engine::Whole(_) => panic!("joe's graph was not cut"),
        };
        let mut whole = build_session(&std::fs::read(&path).unwrap(), 1, true).unwrap();
        // 801 ids, about 20 s of speech.
        let ids = sentence_ids(399);
        let values = || {
            piper_inputs(&ids, QUIET, None)
                .into_iter()
                .map(|(name, data)| (name, to_value(data).unwrap()))
                .collect::<Vec<_>>()
        };
        let outputs = whole.run(values()).unwrap();
        let expected = outputs[0].try_extract_tensor::<f32>().unwrap().1.to_vec();
        let latent = split.encode(values()).unwrap();
        let latent = split.first_stage(latent, None).unwrap();
        let windowed = Vocoding::new(&latent, None, &split).run(&mut split).unwrap();
        assert!(expected.len() > 256 * 2 * VOCODER_FRAMES, "only {} samples", expected.len());
        assert_eq!(windowed.len(), expected.len());
        let step = 1.0 / 32768.0;
        let worst = graph::testing::worst(&windowed, &expected);
        assert!(worst < 2.0 * step, "largest difference {worst}");
        let squares: f64 =
            windowed.iter().zip(&expected).map(|(a, b)| f64::from(a - b).powi(2)).sum();
        let rms = (squares / expected.len() as f64).sqrt();
        assert!(rms < f64::from(step) / 20.0, "RMS difference {rms}");
    }

    /// joe's vocoder is cut after its first stage (8 positions a frame), whose windows need 11
    /// frames of context, and the rest reaches 10 of those positions, about a frame. The whole vocoder reaches 11-12 frames (2,817-3,072
    /// samples; measured when the context was a constant: 12 frames gave samples identical to
    /// a whole run, 10 differed by 4e-7), nearly all of it in the first stage.
    #[test]
    fn joes_vocoder_is_cut_after_its_first_stage_and_the_rest_needs_little_context() {
        let path = joe();
        let halves = graph::split(&std::fs::read(path).unwrap(), true).unwrap().unwrap();
        let front = halves.front.as_ref().map(|f| f.context);
        assert_eq!(front, Some(Some(11)), "the first stage holds nearly all of the reach");
        assert_ne!(halves.windowed, halves.latent);
        assert_eq!(halves.rate, 8);
        assert_eq!(halves.context, Some(10));
        // Rewritten for the blocked layout (graph::keep_blocked): each LeakyRelu that does not
        // follow a convolution and each upsampling's output enter it through a depthwise
        // convolution (3 in the first stage, whose other LeakyRelus feed tiles, 12 after it),
        // the three averagings are folded away (one across the cut) and conv_post runs by
        // phases.
        let front = halves.front.as_ref().and_then(|f| f.blocked);
        let (front_entries, rest) = (front.map(|r| r.entries), halves.blocked.unwrap());
        assert_eq!((front_entries, rest.entries, rest.phased), (Some(3), 12, true));
        let tiled = |part: &[u8]| {
            let model = ModelProto::parse_from_bytes(part).unwrap();
            // (The tiles' own `Div` computes their count, from the shape.)
            let averaging = |n: &onnx_protobuf::NodeProto| {
                n.op_type == "Div" && !n.name.starts_with("nashra.wino")
            };
            assert!(!model.graph.node.iter().any(averaging), "an averaging is left");
            let products = |n: &&onnx_protobuf::NodeProto| n.name.ends_with(".products.MatMul");
            model.graph.node.iter().filter(products).count()
        };
        // The first stage's residual convolutions of kernels 3 and 5 (128 channels, dilated
        // 1, 2, 2 and 6) run in tiles, with their weights in the graph; the later stages'
        // (64 and 32 channels) do not.
        assert_eq!(tiled(&halves.front.as_ref().unwrap().model), 4);
        assert_eq!(tiled(&halves.vocoder), 0);
        // The encoder's wide convolutions run in tiles (graph::winograd_convs): the flow's 16
        // of kernel 5 and the text encoder's 12 of kernel 3; the narrower ones stay.
        assert_eq!(halves.encoder_weights.len(), 28);
    }

    /// joe's vocoder parts as [`native`] computes them give ONNX Runtime's samples for the same
    /// part on the same window (a real sentence's latent, noise off): the first stage to 1e-4
    /// of values near ±5, the later stages' samples to 1e-5.
    #[test]
    fn joes_vocoder_parts_computed_here_give_onnx_runtimes_values() {
        let halves = graph::split(&std::fs::read(joe()).unwrap(), true).unwrap().unwrap();
        let front = halves.front.as_ref().unwrap();
        let (front_tail, later_tail) =
            (front.native.clone().unwrap(), halves.native.clone().unwrap());
        let mut encoder = build_session(&halves.encoder, 1, false).unwrap();
        let weights: Vec<(String, DynValue)> = halves
            .encoder_weights
            .iter()
            .map(|w| {
                (
                    w.name.clone(),
                    Tensor::from_array((w.dims.clone(), w.values.clone())).unwrap().into_dyn(),
                )
            })
            .collect();
        let ids = sentence_ids(60);
        let mut run: Vec<(String, DynValue)> = piper_inputs(&ids, QUIET, None)
            .into_iter()
            .map(|(name, data)| (name.to_owned(), to_value(data).unwrap()))
            .collect();
        run.extend(weights);
        let out = encoder.run(run).unwrap();
        let (shape, latent) = out[0].try_extract_tensor::<f32>().unwrap();
        let (channels, frames) = (shape[1] as usize, shape[2] as usize);
        let compare = |model: &[u8],
                       input: &str,
                       tail: &native::Tail,
                       x: &[f32],
                       channels: usize,
                       len: usize| {
            let mut session = build_session(model, 1, true).unwrap();
            let view = TensorRef::from_array_view(([1, channels, len], x)).unwrap();
            let out = session.run(ort::inputs![input => view]).unwrap();
            let want = out[0].try_extract_tensor::<f32>().unwrap().1.to_vec();
            let got = tail.run(x, channels, len, &mut native::Scratch::default()).unwrap().to_vec();
            assert_eq!(got.len(), want.len());
            (graph::testing::worst(&got, &want), want)
        };
        let (worst, front_out) =
            compare(&front.model, &halves.latent, &front_tail, latent, channels, frames);
        let peak = front_out.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(worst < 1e-4 && peak > 1.0, "first stage: {worst} (values up to {peak})");
        let positions = frames * halves.rate;
        let (worst, samples) = compare(
            &halves.vocoder,
            &halves.windowed,
            &later_tail,
            &front_out,
            later_tail.channels(),
            positions,
        );
        assert_eq!(samples.len(), positions * 32);
        assert!(worst < 1e-5, "later stages: {worst}");
    }

    /// What lending a session rests on: two sessions sharing a sentence's windows give the
    /// samples one session gives alone, to the bit (noise off, so that the two encoder runs
    /// draw nothing).
    #[test]
    fn a_sentence_whose_windows_two_sessions_share_gives_the_samples_of_one() {
        let path = joe();
        let model = two_built_sessions();
        let ids = sentence_ids(399);
        let shared = model.infer(&ids, QUIET, None).unwrap();
        let lent = model.lending.windows.load(Ordering::Relaxed);
        assert!(lent > 0, "no window ran on the idle session");
        let alone = PiperModel::load(&path).unwrap().infer(&ids, QUIET, None).unwrap();
        assert!(shared.len() > 256 * 2 * VOCODER_FRAMES, "only {} samples", shared.len());
        assert!(shared == alone, "{lent} lent windows changed the samples");
    }

    /// What keeping buffers ([`Buffers`]) rests on: a sentence written into buffers a longer
    /// sentence left (their tails stale) gives the samples a fresh engine gives, to the bit.
    #[test]
    fn a_sentence_after_a_longer_one_gives_the_samples_of_a_fresh_engine() {
        let path = joe();
        let (long, short) = (sentence_ids(240), sentence_ids(90));
        let model = PiperModel::load(&path).unwrap();
        model.infer(&long, QUIET, None).unwrap();
        let spare = match model.slot().as_ref() {
            Some(Engine::Split(split)) => split.buffers.spare.iter().map(Vec::len).max(),
            _ => panic!("joe's graph was not cut"),
        };
        let after_long = model.infer(&short, QUIET, None).unwrap();
        let fresh = PiperModel::load(&path).unwrap().infer(&short, QUIET, None).unwrap();
        assert!(spare.unwrap_or(0) > 0, "the long sentence left no buffer");
        assert!(!fresh.is_empty() && after_long == fresh, "kept buffers changed the samples");
    }

    /// A session that falls idle while a sentence is vocoded is lent to it then, not only
    /// when one is idle as its windows start: the second session is held (as by another
    /// sentence) until the lender has looked once and found none, then let go.
    #[test]
    fn a_session_that_falls_idle_mid_sentence_is_lent_to_it() {
        let model = two_built_sessions();
        let ids = sentence_ids(399);
        let samples = std::thread::scope(|scope| {
            let busy = model.sessions[1].lock().unwrap();
            let sentence = scope.spawn(|| model.infer(&ids, QUIET, None).unwrap());
            while model.lending.missed.load(Ordering::SeqCst) == 0 {
                assert!(!sentence.is_finished(), "the sentence ended before its lender looked");
                std::thread::sleep(Duration::from_millis(1));
            }
            drop(busy);
            model.signal_returned();
            sentence.join().unwrap()
        });
        let lent = model.lending.windows.load(Ordering::Relaxed);
        assert!(lent > 0, "the session let go mid-sentence ran none of its windows");
        assert!(samples.len() > 256 * 2 * VOCODER_FRAMES, "only {} samples", samples.len());
    }

    /// Released sessions are built again by the next inference, which gives the samples the
    /// first engine gave (noise off).
    #[test]
    fn released_sessions_are_built_again_for_the_next_sentence() {
        let model = PiperModel::load(&joe()).unwrap();
        let ids = sentence_ids(60);
        let before = model.infer(&ids, QUIET, None).unwrap();
        assert!(model.sessions.iter().all(|slot| slot.lock().unwrap().is_some()));
        model.release();
        assert!(model.sessions.iter().all(|slot| slot.lock().unwrap().is_none()));
        let after = model.infer(&ids, QUIET, None).unwrap();
        assert!(!before.is_empty() && before == after, "a rebuilt session changed the samples");
    }

    /// The text encoder's attention over its window (`graph::band_relative_attention`, the
    /// six layers' key and value products: twelve) gives joe's samples unchanged, for
    /// sentences shorter than the window (its skew's edge) up to 303 ids. Measured identical
    /// to the bit; the test allows a millionth.
    #[test]
    fn joes_attention_over_its_window_gives_the_same_samples() {
        let bytes = std::fs::read(joe()).unwrap();
        let mut model = ModelProto::parse_from_bytes(&bytes).unwrap();
        let mut banded = model.graph.take().unwrap();
        let before = banded.node.len();
        assert_eq!(graph::band_relative_attention(&mut banded), 12);
        assert!(banded.node.len() < before, "the padded products were not dropped");
        assert!(
            !banded.initializer.iter().any(|t| t.name.ends_with("emb_rel_k")),
            "the keys' padded embeddings are still read"
        );
        model.graph = protobuf::MessageField::some(banded);
        let mut original = build_session(&bytes, 1, false).unwrap();
        let mut rewritten = build_session(&model.write_to_bytes().unwrap(), 1, false).unwrap();
        let samples = |session: &mut Session, ids: &[i64]| {
            let inputs: Vec<_> = piper_inputs(ids, QUIET, None)
                .into_iter()
                .map(|(name, data)| (name, to_value(data).unwrap()))
                .collect();
            let outputs = session.run(inputs).unwrap();
            outputs[0].try_extract_tensor::<f32>().unwrap().1.to_vec()
        };
        for ids in [vec![1], vec![1, 0], vec![1, 0, 20, 0], sentence_ids(1), sentence_ids(2)]
            .into_iter()
            .chain([sentence_ids(4), sentence_ids(150)])
        {
            let expected = samples(&mut original, &ids);
            let got = samples(&mut rewritten, &ids);
            assert_eq!(got.len(), expected.len(), "{} ids", ids.len());
            let worst = graph::testing::worst(&got, &expected);
            assert!(worst <= 1e-6, "{} ids: largest difference {worst}", ids.len());
        }
    }

    /// The graph cut ahead is given to the first engine and not kept after it: it holds the
    /// file and its parsed copy (about 130 MB for joe) for nothing once the sessions exist.
    #[test]
    fn a_graph_cut_ahead_is_not_kept_once_an_engine_is_built() {
        let path = joe();
        let model = PiperModel::load(&path).unwrap();
        model.cut_ahead();
        assert!(!model.infer(&[1, 0, 20, 0, 2], SCALES, None).unwrap().is_empty());
        let recipe = &model.recipe;
        assert!(matches!(*recipe.ahead.lock().unwrap(), Ahead::Built));
        assert!(recipe.graph.lock().unwrap().upgrade().is_none(), "the cut graph is still held");
    }

    #[test]
    fn missing_model_file_is_a_load_error_naming_it() {
        let e = PiperModel::load(Path::new("/nonexistent/x.onnx")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/x.onnx"), "{e}");
    }
}
