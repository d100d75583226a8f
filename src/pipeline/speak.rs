//! Speaking the programmes of an edition: every sentence synthesized `jobs` at a time by one
//! pool of threads that runs ahead of the programme being assembled.
//!
//! Why one pool for the whole edition rather than one per programme: with a pool per article,
//! the threads idled at the end of every article while the last long sentence was finished, and
//! again while the main thread levelled and encoded the article (measured: 171% of the 200%
//! two cores give, on two WikiNews articles). Here the next programme's sentences start as soon
//! as a thread is free, so the voice keeps every core busy until the edition's last sentence.
//! Clips that arrive before the programme being assembled needs them wait in memory, so the
//! threads never start more than [`AHEAD_PER_JOB`] sentences per job beyond the one the
//! assembler waits for. Within that reach a free thread takes the sentence the assembler waits
//! for, else the longest ([`QueueState::next_job`]), so that an edition ends on short sentences.
//!
//! The order of the output never depends on which thread finished first: clips are placed in
//! script order. A failing sentence fails its programme, and that programme's sentences that
//! no thread has started yet are not synthesized; the other programmes go on.

use std::collections::{HashMap, HashSet};
use std::error::Error as StdError;
use std::ops::Range;
use std::sync::{mpsc, Condvar, Mutex, MutexGuard};

use super::{Progress, RenderOptions, Synthesizer, Voices};
use crate::audio::{loudness, samples_to_seconds, Assembler, Layout, Pauses, Span};
use crate::edition::{BlockKind, Script, Sentence};
use crate::publish::SentenceEntry;

/// Sentences each job may synthesize beyond the one the assembler waits for. Four 20-second
/// sentences per job are a few MB of clips, and enough to cover the time the main thread spends
/// levelling and encoding a programme.
const AHEAD_PER_JOB: usize = 4;

/// A programme as spoken: its samples, where each sentence landed, and its loudness.
pub(super) struct Spoken<'a> {
    pub(super) samples: Vec<f32>,
    pub(super) sentences: Vec<TimedSentence<'a>>,
    /// The integrated loudness of `samples` in LUFS, measured as they were laid end to end
    /// (while the threads still spoke); `None` if the meter could not measure them.
    pub(super) loudness: Option<f64>,
}

pub(super) struct TimedSentence<'a> {
    pub(super) block: usize,
    pub(super) kind: BlockKind,
    pub(super) sentence: &'a Sentence,
    pub(super) span: Span,
}

impl Spoken<'_> {
    /// The manifest's view of every spoken sentence: printed and spoken text, seconds from the
    /// sample spans, and the 1-based block it belongs to.
    pub(super) fn sentence_entries(&self, rate: u32) -> Vec<SentenceEntry> {
        self.sentence_entries_at(rate, 0)
    }

    /// [`Self::sentence_entries`] for a file in which this speech starts at sample `offset`.
    pub(super) fn sentence_entries_at(&self, rate: u32, offset: u64) -> Vec<SentenceEntry> {
        self.sentences
            .iter()
            .map(|timed| {
                let span = super::shift(timed.span, offset);
                SentenceEntry {
                    kind: timed.kind,
                    text: timed.sentence.text.clone(),
                    spoken: timed.sentence.spoken.clone(),
                    start_s: samples_to_seconds(span.start, rate),
                    end_s: samples_to_seconds(span.end, rate),
                    block: Some(timed.block + 1),
                }
            })
            .collect()
    }

    /// From the start of the block's first spoken sentence to the end of its last one.
    pub(super) fn block_span(&self, block: usize) -> Option<Span> {
        let mut timed = self.sentences.iter().filter(|t| t.block == block);
        let first = timed.next()?;
        let last = timed.next_back().unwrap_or(first);
        Some(Span { start: first.span.start, end: last.span.end })
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub(super) enum SpeakError {
    #[error("nothing to say: every sentence is empty")]
    NothingToSay,
    #[error("sentence {sentence} of block {block} ({kind:?}): {message}")]
    Synthesis { block: usize, sentence: usize, kind: BlockKind, message: String },
}

/// The silence after a block, by what the block is.
fn pause_after(kind: BlockKind, pauses: &Pauses) -> f32 {
    match kind {
        BlockKind::Title => pauses.title,
        BlockKind::Dateline | BlockKind::Author => pauses.byline,
        BlockKind::Paragraph | BlockKind::Note => pauses.paragraph,
        BlockKind::Intro | BlockKind::Item => pauses.item,
    }
}

/// An error and its causes on one line: `a: b: c`.
pub(super) fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// Where a sentence belongs in its programme; what the assembler needs of it.
struct Place<'a> {
    block: usize,
    kind: BlockKind,
    sentence_index: usize,
    sentence: &'a Sentence,
}

impl Place<'_> {
    fn fail(&self, message: String) -> SpeakError {
        SpeakError::Synthesis {
            block: self.block + 1,
            sentence: self.sentence_index + 1,
            kind: self.kind,
            message,
        }
    }
}

/// One sentence for the threads: what [`Synthesizer::prepare`] made of it, who says it, and
/// the programme it belongs to.
struct Job<'v> {
    programme: usize,
    text: String,
    synth: &'v dyn Synthesizer,
}

/// Every block of `script` prepared (the diacritizer sees one block at a time), as places for
/// the assembler and jobs for the threads, in script order.
fn prepare<'a, 'v>(
    programme: usize,
    script: &'a Script,
    voices: &Voices<'v>,
) -> Result<(Vec<Place<'a>>, Vec<Job<'v>>), SpeakError> {
    let mut places = Vec::new();
    let mut jobs = Vec::new();
    for (block_index, block) in script.blocks.iter().enumerate() {
        let said: Vec<(usize, &Sentence)> = block
            .sentences
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.spoken.trim().is_empty())
            .collect();
        if said.is_empty() {
            continue;
        }
        let synth = voices.for_kind(block.kind);
        let fail = |message: String| SpeakError::Synthesis {
            block: block_index + 1,
            sentence: said[0].0 + 1,
            kind: block.kind,
            message,
        };
        let texts: Vec<&str> = said.iter().map(|(_, s)| s.spoken.trim()).collect();
        let prepared = synth.prepare(&texts).map_err(|err| fail(error_chain(err.as_ref())))?;
        if prepared.len() != said.len() {
            return Err(fail(format!(
                "the voice prepared {} sentences for {}",
                prepared.len(),
                said.len()
            )));
        }
        for ((sentence_index, sentence), text) in said.into_iter().zip(prepared) {
            places.push(Place { block: block_index, kind: block.kind, sentence_index, sentence });
            jobs.push(Job { programme, text, synth });
        }
    }
    if places.is_empty() {
        return Err(SpeakError::NothingToSay);
    }
    Ok((places, jobs))
}

type Clip = Result<Vec<f32>, Box<dyn StdError + Send + Sync>>;

/// What the threads share: the jobs of every programme submitted so far, and how far they and
/// the assembler have got.
struct Queue<'v> {
    state: Mutex<QueueState<'v>>,
    /// Signalled when a job is added, the assembler takes a clip, a programme fails, or the
    /// queue closes.
    changed: Condvar,
    /// How many jobs may be started beyond the one the assembler waits for.
    ahead: usize,
    /// The edition's synthesizers, told when every job is done ([`Synthesizer::finished`]).
    synths: Vec<&'v dyn Synthesizer>,
}

struct QueueState<'v> {
    jobs: Vec<Job<'v>>,
    /// Whether a thread has started each job.
    started: Vec<bool>,
    /// Every job before this one has been started.
    next: usize,
    /// Jobs whose clip the assembler has taken.
    taken: usize,
    /// Programmes that failed: their jobs not started yet are skipped.
    failed: HashSet<usize>,
    /// Set when the edition is done or stopped: the threads return.
    closed: bool,
    /// Jobs a thread has finished (spoken or skipped).
    done: usize,
    /// Set when every programme has been submitted: no job will be added.
    complete: bool,
}

impl<'v> Queue<'v> {
    fn lock(&self) -> MutexGuard<'_, QueueState<'v>> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn update(&self, change: impl FnOnce(&mut QueueState<'v>)) {
        change(&mut self.lock());
        self.changed.notify_all();
    }

    /// A thread's life: start the job [`QueueState::next_job`] picks, send its clip (`None`:
    /// skipped, its programme failed), until the queue closes.
    fn work(&self, sender: &mpsc::Sender<(usize, Option<Clip>)>) {
        let mut state = self.lock();
        loop {
            if state.closed {
                return;
            }
            let Some(index) = state.next_job(self.ahead) else {
                state = self.changed.wait(state).unwrap_or_else(std::sync::PoisonError::into_inner);
                continue;
            };
            state.started[index] = true;
            while state.started.get(state.next) == Some(&true) {
                state.next += 1;
            }
            let job = &state.jobs[index];
            if state.failed.contains(&job.programme) {
                if sender.send((index, None)).is_err() {
                    return;
                }
                state = self.job_done(state);
                continue;
            }
            let (synth, text) = (job.synth, job.text.clone());
            drop(state);
            let clip = synth.synthesize(&text);
            if sender.send((index, Some(clip))).is_err() {
                return;
            }
            state = self.job_done(self.lock());
        }
    }

    /// Counts a job done; after the edition's last one, tells the voices, which may let go of
    /// their sessions while the main thread finishes the last programme.
    fn job_done<'s>(
        &'s self,
        mut state: MutexGuard<'s, QueueState<'v>>,
    ) -> MutexGuard<'s, QueueState<'v>> {
        state.done += 1;
        if !(state.complete && state.done == state.jobs.len()) {
            return state;
        }
        drop(state);
        for synth in &self.synths {
            synth.finished();
        }
        self.lock()
    }
}

impl QueueState<'_> {
    /// The job a free thread starts: the one the assembler waits for if nobody has started it,
    /// else, of those not started up to `ahead` past it, the one with the longest text (the
    /// first of equals).
    ///
    /// Why not always the next in script order: when the last long sentence of an edition
    /// started last, one core ran it alone while the other had nothing left. Longest first
    /// within reach ends the edition on its short sentences, which the two cores share. Why the
    /// waited-for job first: a streamed `speak` plays its first piece as soon as it is made, and
    /// the assembler can place nothing before it. The output does not change: clips are placed
    /// in script order whoever made them.
    fn next_job(&self, ahead: usize) -> Option<usize> {
        let reach = self.jobs.len().min(self.taken + ahead);
        if self.taken < reach && !self.started[self.taken] {
            return Some(self.taken);
        }
        (self.next..reach)
            .filter(|&i| !self.started[i])
            .min_by_key(|&i| (std::cmp::Reverse(self.jobs[i].text.len()), i))
    }
}

/// A programme handed to the threads: where each of its sentences goes, and the range of its
/// jobs in the queue.
type Submitted<'a> = (Vec<Place<'a>>, Range<usize>);

/// Speaks the programmes of an edition one after the other (see the module's documentation).
/// Made by [`with_speaker`].
pub(super) struct Speaker<'q, 'a, 'v> {
    queue: &'q Queue<'v>,
    receiver: mpsc::Receiver<(usize, Option<Clip>)>,
    /// Clips that arrived before the assembler needed them, by job index.
    waiting: HashMap<usize, Option<Clip>>,
    voices: &'q Voices<'v>,
    scripts: Vec<&'a Script>,
    /// Per submitted programme: its places and the range of its jobs in the queue, or why it
    /// cannot be spoken.
    submitted: Vec<Option<Result<Submitted<'a>, SpeakError>>>,
    /// The programme [`Speaker::next`] speaks.
    current: usize,
    opts: &'q RenderOptions,
}

/// Runs `body` with a [`Speaker`] for `scripts` (the programmes, in the order they will be
/// asked for) whose `opts.jobs` threads live as long as `body` runs.
pub(super) fn with_speaker<'a, 'v, R>(
    scripts: Vec<&'a Script>,
    voices: &Voices<'v>,
    opts: &RenderOptions,
    body: impl FnOnce(&mut Speaker<'_, 'a, 'v>) -> R,
) -> R {
    let jobs = opts.jobs.max(1);
    let queue = Queue {
        state: Mutex::new(QueueState {
            jobs: Vec::new(),
            started: Vec::new(),
            next: 0,
            taken: 0,
            failed: HashSet::new(),
            closed: false,
            done: 0,
            complete: false,
        }),
        changed: Condvar::new(),
        ahead: jobs * AHEAD_PER_JOB,
        synths: std::iter::once(voices.body)
            .chain(voices.headlines.as_ref().map(|(synth, _)| *synth))
            .collect(),
    };
    let (sender, receiver) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let (queue, sender) = (&queue, sender.clone());
            scope.spawn(move || queue.work(&sender));
        }
        drop(sender);
        // Closes the queue however `body` ends (a panic too), so the scope can join the threads.
        let _close = CloseOnDrop(&queue);
        let mut speaker = Speaker {
            queue: &queue,
            receiver,
            waiting: HashMap::new(),
            voices,
            scripts,
            submitted: Vec::new(),
            current: 0,
            opts,
        };
        body(&mut speaker)
    })
}

struct CloseOnDrop<'q, 'v>(&'q Queue<'v>);

impl Drop for CloseOnDrop<'_, '_> {
    fn drop(&mut self) {
        self.0.update(|state| state.closed = true);
    }
}

impl<'a> Speaker<'_, 'a, '_> {
    /// Speaks the next programme: the sentence pause inside a block, the block's own pause after
    /// it, and a short tail (one sentence pause) at the end so players do not cut the last
    /// syllable. Blocks with nothing to say add no pause.
    ///
    /// Before waiting for its clips, the programmes after it are prepared and handed to the
    /// threads, so that they have work while this one is assembled.
    pub(super) fn next(
        &mut self,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Spoken<'a>, SpeakError> {
        let programme = self.current;
        self.current += 1;
        self.submit_through(programme);
        self.submit_ahead();
        let submitted = self.submitted.get_mut(programme).and_then(Option::take);
        let (places, range) = match submitted {
            Some(prepared) => prepared?,
            None => return Err(SpeakError::NothingToSay),
        };
        let total = places.len();
        let mut placer = Placer::new(
            self.voices.body.sample_rate(),
            self.opts.fade_ms,
            self.opts.pauses,
            self.opts.master.layout,
        );
        let mut failure = None;
        for (done, (index, place)) in range.clone().zip(&places).enumerate() {
            let clip = self.take(index);
            if failure.is_some() {
                continue;
            }
            let placed = match clip {
                Some(Ok(clip)) => placer.place(place, clip),
                Some(Err(err)) => Err(place.fail(error_chain(err.as_ref()))),
                None => Err(place.fail("skipped".to_owned())),
            };
            match placed {
                Ok(()) => progress(Progress::SentenceDone { done: done + 1, total }),
                Err(err) => {
                    self.queue.update(|state| {
                        state.failed.insert(programme);
                    });
                    failure = Some(err);
                }
            }
        }
        match failure {
            Some(err) => Err(err),
            None => Ok(placer.finish()),
        }
    }

    /// Prepares and submits every programme up to `programme`.
    fn submit_through(&mut self, programme: usize) {
        while self.submitted.len() <= programme && self.submitted.len() < self.scripts.len() {
            self.submit_one();
        }
    }

    /// Submits programmes until the threads have at least `ahead` jobs not yet taken.
    fn submit_ahead(&mut self) {
        while self.submitted.len() < self.scripts.len() {
            let queued = {
                let state = self.queue.lock();
                state.jobs.len() - state.taken
            };
            if queued >= self.queue.ahead {
                break;
            }
            self.submit_one();
        }
    }

    fn submit_one(&mut self) {
        let programme = self.submitted.len();
        let prepared = prepare(programme, self.scripts[programme], self.voices);
        let entry = prepared.map(|(places, jobs)| {
            let mut range = 0..0;
            self.queue.update(|state| {
                range = state.jobs.len()..state.jobs.len() + jobs.len();
                state.started.extend(std::iter::repeat_n(false, jobs.len()));
                state.jobs.extend(jobs);
            });
            (places, range)
        });
        self.submitted.push(Some(entry));
        if self.submitted.len() == self.scripts.len() {
            // Set after the jobs: a thread that then finishes the last one tells the voices.
            // (Should every job be done already, nobody does; the voices are freed after the
            // render, as before.)
            self.queue.update(|state| state.complete = true);
        }
    }

    /// The clip of job `index`, waiting for a thread to send it; tells the threads it is taken.
    fn take(&mut self, index: usize) -> Option<Clip> {
        let clip = loop {
            if let Some(clip) = self.waiting.remove(&index) {
                break clip;
            }
            match self.receiver.recv() {
                Ok((arrived, clip)) => {
                    self.waiting.insert(arrived, clip);
                }
                // Every thread is gone (one panicked): the scope reports the panic.
                Err(_) => break Some(Err("the synthesis threads stopped".into())),
            }
        };
        self.queue.update(|state| state.taken = state.taken.max(index + 1));
        clip
    }
}

/// Lays the clips of one programme end to end with the pauses between them, and measures
/// their loudness as they come.
///
/// Why measure here: a programme is levelled to its target as soon as its last clip arrives,
/// and for the edition's last one that wait is the end of the render, with nothing left to run
/// beside it; measured clip by clip, while the threads still speak, it costs nothing there (30
/// ms for a 150 s article, measured whole). The meter reads the samples in the order and
/// values a whole-programme measurement reads them, so the reading is the same.
struct Placer<'a> {
    assembler: Assembler,
    sentences: Vec<TimedSentence<'a>>,
    /// The block that said the last sentence: decides the pause before the next one.
    previous: Option<(usize, BlockKind)>,
    pauses: Pauses,
    /// `None` once the meter failed: the programme is then measured whole when levelled.
    meter: Option<loudness::Integrated>,
    /// Samples of the assembler the meter has read.
    measured: usize,
}

impl<'a> Placer<'a> {
    fn new(rate: u32, fade_ms: f32, pauses: Pauses, layout: Layout) -> Self {
        Self {
            assembler: Assembler::new(rate, fade_ms),
            sentences: Vec::new(),
            previous: None,
            pauses,
            meter: loudness::Integrated::new(rate, layout).ok(),
            measured: 0,
        }
    }

    /// Feeds the samples placed since the last call to the meter.
    fn measure(&mut self) {
        let samples = self.assembler.samples();
        if let Some(meter) = &mut self.meter {
            if meter.add(&samples[self.measured..]).is_err() {
                self.meter = None;
            }
        }
        self.measured = samples.len();
    }

    fn place(&mut self, place: &Place<'a>, clip: Vec<f32>) -> Result<(), SpeakError> {
        if clip.is_empty() {
            return Err(place.fail("the voice returned no audio".to_string()));
        }
        match self.previous {
            Some((block, _)) if block == place.block => {
                self.assembler.push_silence(self.pauses.sentence);
            }
            Some((_, kind)) => {
                self.assembler.push_silence(pause_after(kind, &self.pauses));
            }
            None => {}
        }
        let span = self.assembler.push_speech(&clip);
        self.measure();
        self.sentences.push(TimedSentence {
            block: place.block,
            kind: place.kind,
            sentence: place.sentence,
            span,
        });
        self.previous = Some((place.block, place.kind));
        Ok(())
    }

    fn finish(mut self) -> Spoken<'a> {
        self.assembler.push_silence(self.pauses.sentence);
        self.measure();
        let loudness = self.meter.and_then(|meter| meter.lufs().ok());
        Spoken { samples: self.assembler.finish(), sentences: self.sentences, loudness }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::edition::Block;

    /// One sample per character of the sentence; fails on sentences that start with `fail`;
    /// records every sentence it is asked to say.
    struct Counting {
        said: Mutex<Vec<String>>,
    }

    impl Synthesizer for Counting {
        fn sample_rate(&self) -> u32 {
            8_000
        }
        fn synthesize(&self, spoken: &str) -> Result<Vec<f32>, Box<dyn StdError + Send + Sync>> {
            self.said.lock().unwrap().push(spoken.to_owned());
            if spoken.starts_with("fail") {
                return Err("refused".into());
            }
            Ok(vec![0.5; spoken.chars().count()])
        }
    }

    fn script(texts: &[&str]) -> Script {
        let sentences =
            texts.iter().map(|t| Sentence { text: (*t).to_owned(), spoken: (*t).to_owned() });
        Script {
            blocks: vec![Block { kind: BlockKind::Paragraph, sentences: sentences.collect() }],
        }
    }

    fn options(jobs: usize) -> RenderOptions {
        RenderOptions { jobs, fade_ms: 0.0, ..RenderOptions::new("unused") }
    }

    /// A tone of 0.1 s per character, louder for longer sentences; counts the sentences it
    /// spoke, and what that count was when it was told it had finished.
    struct Tones {
        spoken: std::sync::atomic::AtomicUsize,
        finished_after: Mutex<Vec<usize>>,
    }

    impl Synthesizer for Tones {
        fn sample_rate(&self) -> u32 {
            16_000
        }
        fn synthesize(&self, spoken: &str) -> Result<Vec<f32>, Box<dyn StdError + Send + Sync>> {
            let n = spoken.chars().count();
            let amplitude = 0.02 * n as f32;
            let clip = (0..n * 1600).map(|i| amplitude * (i as f32 * 0.21).sin()).collect();
            self.spoken.fetch_add(1, Ordering::SeqCst);
            Ok(clip)
        }
        fn finished(&self) {
            let spoken = self.spoken.load(Ordering::SeqCst);
            self.finished_after.lock().unwrap().push(spoken);
        }
    }

    /// A programme's loudness, measured clip by clip as it is laid out, is the loudness of its
    /// samples measured whole, to the bit; and the voice is told it has finished once, after
    /// the edition's last sentence.
    #[test]
    fn programmes_are_measured_as_laid_out_and_the_voice_is_told_when_all_is_said() {
        for jobs in [1, 2] {
            let synth = Tones { spoken: 0.into(), finished_after: Mutex::new(Vec::new()) };
            let voices = Voices::one(&synth);
            let first = script(&["one", "a longer sentence", "three"]);
            let second = script(&["four", "five and six", "seven", "eight"]);
            let spoken = with_speaker(vec![&first, &second], &voices, &options(jobs), |speaker| {
                let mut ignore = |_: Progress| {};
                [speaker.next(&mut ignore).unwrap(), speaker.next(&mut ignore).unwrap()]
            });
            for programme in &spoken {
                let whole = loudness::integrated(&programme.samples, 16_000, Layout::Mono).unwrap();
                assert!(whole.is_finite());
                assert_eq!(programme.loudness.map(f64::to_bits), Some(whole.to_bits()));
            }
            assert_eq!(*synth.finished_after.lock().unwrap(), [7], "jobs {jobs}");
        }
    }

    #[test]
    fn a_failing_programme_is_reported_and_the_next_one_is_spoken_whole() {
        for jobs in [1, 2, 3] {
            let synth = Counting { said: Mutex::new(Vec::new()) };
            let voices = Voices::one(&synth);
            let first = script(&["one", "fail here", "three"]);
            let second = script(&["four", "five"]);
            let results = with_speaker(vec![&first, &second], &voices, &options(jobs), |speaker| {
                let mut ignore = |_: Progress| {};
                (speaker.next(&mut ignore).err(), speaker.next(&mut ignore).ok())
            });
            let failure = results.0.unwrap().to_string();
            assert!(failure.starts_with("sentence 2 of block 1"), "{failure}");
            let spoken = results.1.unwrap();
            let texts: Vec<&str> =
                spoken.sentences.iter().map(|t| t.sentence.text.as_str()).collect();
            assert_eq!(texts, ["four", "five"], "jobs {jobs}");
            // 4 + 0.35 s pause at 8 kHz + 4 + the tail: the second programme alone.
            let pause = (0.35 * 8_000.0_f32).round() as usize;
            assert_eq!(spoken.samples.len(), 4 + pause + 4 + pause, "jobs {jobs}");
        }
    }

    #[test]
    fn with_one_job_the_rest_of_a_failed_programme_is_not_synthesized() {
        let synth = Counting { said: Mutex::new(Vec::new()) };
        let voices = Voices::one(&synth);
        let first = script(&["fail first", "b", "c", "d", "e", "f", "g", "h", "i"]);
        let second = script(&["z"]);
        with_speaker(vec![&first, &second], &voices, &options(1), |speaker| {
            let mut ignore = |_: Progress| {};
            assert!(speaker.next(&mut ignore).is_err());
            assert!(speaker.next(&mut ignore).is_ok());
        });
        let said = synth.said.lock().unwrap().clone();
        // The one thread may have started a few sentences ahead before the failure was seen,
        // never the whole programme.
        assert!(said.len() < 1 + 8, "{said:?}");
        assert_eq!(said.last().map(String::as_str), Some("z"));
    }

    /// Says each sentence at once, except `last`, which it holds until `next` has been started
    /// by another thread (or a timeout passes, and it fails).
    struct Overlap {
        next_started: AtomicBool,
    }

    impl Synthesizer for Overlap {
        fn sample_rate(&self) -> u32 {
            8_000
        }
        fn synthesize(&self, spoken: &str) -> Result<Vec<f32>, Box<dyn StdError + Send + Sync>> {
            if spoken == "next" {
                self.next_started.store(true, Ordering::SeqCst);
            }
            if spoken == "last" {
                let waited = std::time::Instant::now();
                while !self.next_started.load(Ordering::SeqCst) {
                    if waited.elapsed() > Duration::from_secs(20) {
                        return Err("the next programme did not start meanwhile".into());
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
            Ok(vec![0.5; 10])
        }
    }

    #[test]
    fn the_next_programme_starts_while_the_last_sentence_of_this_one_is_spoken() {
        let synth = Overlap { next_started: AtomicBool::new(false) };
        let voices = Voices::one(&synth);
        let first = script(&["a", "last"]);
        let second = script(&["next", "after"]);
        with_speaker(vec![&first, &second], &voices, &options(2), |speaker| {
            let mut ignore = |_: Progress| {};
            let first = speaker.next(&mut ignore);
            assert!(first.is_ok(), "{:?}", first.err());
            assert_eq!(speaker.next(&mut ignore).unwrap().sentences.len(), 2);
        });
    }

    /// Threads start the sentence the assembler waits for, then the longest within reach, so
    /// that an edition ends on short ones; every sentence is started once, none beyond reach.
    #[test]
    fn a_free_thread_starts_the_awaited_sentence_then_the_longest_within_reach() {
        let synth = Counting { said: Mutex::new(Vec::new()) };
        let lengths = [2, 9, 4, 9, 1, 30];
        let mut state = QueueState {
            jobs: lengths
                .iter()
                .map(|&n| Job { programme: 0, text: "x".repeat(n), synth: &synth })
                .collect(),
            started: vec![false; lengths.len()],
            next: 0,
            taken: 0,
            failed: HashSet::new(),
            closed: false,
            done: 0,
            complete: false,
        };
        let mut order = Vec::new();
        while let Some(index) = state.next_job(4) {
            state.started[index] = true;
            order.push(index);
        }
        // The one the assembler waits for first; then the longest: the 30 is beyond the reach
        // of 4 past the assembler, and of equals the earlier goes first.
        assert_eq!(order, [0, 1, 3, 2]);
        state.taken = 2;
        while let Some(index) = state.next_job(4) {
            state.started[index] = true;
            order.push(index);
        }
        assert_eq!(order, [0, 1, 3, 2, 5, 4]);
    }

    #[test]
    fn a_programme_with_nothing_to_say_says_so() {
        let synth = Counting { said: Mutex::new(Vec::new()) };
        let voices = Voices::one(&synth);
        let empty = script(&["  ", ""]);
        let full = script(&["x"]);
        with_speaker(vec![&empty, &full], &voices, &options(2), |speaker| {
            let mut ignore = |_: Progress| {};
            assert!(matches!(speaker.next(&mut ignore), Err(SpeakError::NothingToSay)));
            assert!(speaker.next(&mut ignore).is_ok());
            assert!(matches!(speaker.next(&mut ignore), Err(SpeakError::NothingToSay)));
        });
    }
}
