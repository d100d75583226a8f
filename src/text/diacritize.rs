//! Diacritization (تشكيل): restores the short vowels, shadda and sukun that news text omits.
//!
//! In: normalized Arabic text (any length). Out: the same text with harakat after each letter, in
//! the order the libtashkeel model emits (shadda before the vowel: `ّ` then `َ`). Characters the
//! model does not know (Latin, punctuation it lacks) pass through untouched.
//!
//! What the model sees (rule H0): the text as printed, as near as the spoken form allows. Runs of
//! words the verbalizer generated for numbers (`text::verbalize::is_generated`) are shown as one
//! `#`, the way the model saw digits in training, and keep their own vowels; every other word is
//! shown without harakat, and the harakat it had in the spoken text (hints from the verbalizer
//! and the lexicon, or vowels printed in the article) are put back over the model's prediction.
//! Measured on WikiNews (docs/text.md): giving the model the number words, or the hints as its
//! hint input, changes its predictions on the words around them and costs DER; masking and
//! restoring does not.
//!
//! Must never happen: NFC/NFD applied to the output (canonical ordering moves the vowel before the
//! shadda and espeak then misreads the word, DESIGN §3); a panic on odd input; text silently cut.
//!
//! The model and its pre/post-processing come from the crates.io crate `libtashkeel_base` (model
//! embedded from the package at build time, never committed); we run it with our own `ort`
//! session. That crate indexes its output tables with `unwrap`, so `ModelSession` sanitizes every
//! model answer into the shape the crate expects before handing it back, and the call is further
//! fenced by `catch_unwind` so a crate bug becomes an error, not a crash of the whole edition.

use std::sync::Mutex;

use libtashkeel_base::{InferenceEngine, LibtashkeelError, LibtashkeelResult};
use ort::session::{RunOptions, Session};
use ort::value::Tensor;

use crate::runtime::RuntimeError;
use crate::text::normalize::{is_case_mark, DAMMA, FATHA, FATHATAN, KASRA, SHADDA, SUKUN};
use crate::text::verbalize::QUOTES;

/// The libtashkeel model, embedded from the `libtashkeel_base` package.
static MODEL: &[u8] = include_bytes!(env!("NASHRA_TASHKEEL_MODEL"));

/// Characters per model call (libtashkeel's limit). Longer text is split at whitespace.
pub const CHAR_LIMIT: usize = libtashkeel_base::CHAR_LIMIT;

/// Target id of "no diacritic" and the number of target classes (`target_id_map.json`).
const TARGET_NONE: u8 = 1;
const TARGET_PAD: u8 = 0;
const TARGET_CLASSES: u8 = 15;

/// Why diacritization failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiacritizeError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("cannot load the diacritization model: {0}")]
    ModelLoad(String),
    #[error("diacritization model failed: {0}")]
    Inference(String),
    #[error("a single word of {chars} characters exceeds the diacritizer limit of {limit}")]
    WordTooLong { chars: usize, limit: usize },
}

/// An ONNX session with the libtashkeel graph; `run` needs `&mut`, hence the mutex.
struct ModelSession {
    session: Mutex<Session>,
    /// Every call gives its memory back when it ends. Why: the model's working memory follows
    /// the length of the text of a call (a paragraph, up to [`CHAR_LIMIT`]), and ONNX Runtime's
    /// arena otherwise keeps the largest call's for the rest of the run: 96 MiB that a 50-article
    /// edition held beside the voice sessions (heaptrack, docs/bench.md "Memory"). A call per
    /// paragraph makes the cost of taking it again small.
    options: RunOptions,
}

impl ModelSession {
    fn run(&self, chars: Vec<i64>, diacs: Vec<i64>, n: usize) -> Result<Vec<u8>, String> {
        let len = i64::try_from(n).map_err(|e| e.to_string())?;
        let char_t = Tensor::from_array(([1usize, n], chars)).map_err(|e| e.to_string())?;
        let diac_t = Tensor::from_array(([1usize, n], diacs)).map_err(|e| e.to_string())?;
        let len_t = Tensor::from_array(([1usize], vec![len])).map_err(|e| e.to_string())?;
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let outputs = session
            .run_with_options(
                ort::inputs![
                    "char_inputs" => char_t,
                    "diac_inputs" => diac_t,
                    "input_lengths" => len_t,
                ],
                &self.options,
            )
            .map_err(|e| e.to_string())?;
        let (_, targets) = outputs[0].try_extract_tensor::<u8>().map_err(|e| e.to_string())?;
        Ok(targets.to_vec())
    }
}

/// Reshapes the model answer so `libtashkeel_base` cannot index out of bounds: exactly `n` ids,
/// each a known non-padding class. Padding ids are moved to the end as "no diacritic", which is
/// what the reference (piper-tts) yields when its filtered list runs short; unknown ids become
/// "no diacritic".
fn sanitize_targets(raw: &[u8], n: usize) -> Vec<u8> {
    let mut ids: Vec<u8> = raw
        .iter()
        .take(n)
        .copied()
        .filter(|&id| id != TARGET_PAD)
        .map(|id| if id < TARGET_CLASSES { id } else { TARGET_NONE })
        .collect();
    ids.resize(n, TARGET_NONE);
    ids
}

impl InferenceEngine for ModelSession {
    fn infer(
        &self,
        input_ids: Vec<i64>,
        diac_ids: Vec<i64>,
        seq_length: usize,
    ) -> LibtashkeelResult<(Vec<u8>, Vec<f32>)> {
        let raw =
            self.run(input_ids, diac_ids, seq_length).map_err(LibtashkeelError::InferenceError)?;
        // Logits only serve the taskeen threshold, which we never use (the reference ignores it).
        Ok((sanitize_targets(&raw, seq_length), vec![0.0; seq_length]))
    }
}

/// The Arabic diacritizer. Cheap to share: `&self` methods, internally locked.
pub struct Diacritizer {
    engine: ModelSession,
}

impl std::fmt::Debug for Diacritizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Diacritizer").finish_non_exhaustive()
    }
}

impl Diacritizer {
    /// Loads the embedded model into ONNX Runtime (which must be installed, see `runtime`).
    ///
    /// One intra-op thread. Why: ONNX Runtime's default is a pool of one thread per core, whose
    /// extra threads spin between the small ops of each call; in an edition the diacritizer runs
    /// beside the voice's sessions, which already take every core, so the spinning was taken
    /// from synthesis (a pool thread used 0.55 s of CPU in a render of the bench's two
    /// articles, and the front end's own thread then took 0.2 s more, not less). The output is
    /// the same (the DER table of docs/text.md is unchanged to the last digit).
    pub fn new() -> Result<Self, DiacritizeError> {
        let env = crate::runtime::ort_environment()?;
        let load = |e: ort::Error| DiacritizeError::ModelLoad(e.to_string());
        let builder = Session::builder(env).map_err(load)?;
        let mut builder = builder.with_intra_threads(1).map_err(|e| load(e.into()))?;
        let session = builder.commit_from_memory(MODEL).map_err(load)?;
        let mut options = RunOptions::new().map_err(load)?;
        options.set("memory.enable_memory_arena_shrinkage", "cpu:0").map_err(load)?;
        Ok(Self { engine: ModelSession { session: Mutex::new(session), options } })
    }

    /// Adds harakat to `text` (rule H0). Leading and trailing whitespace is removed (as the
    /// reference does); text over [`CHAR_LIMIT`] characters is diacritized in
    /// whitespace-separated pieces.
    pub fn diacritize(&self, text: &str) -> Result<String, DiacritizeError> {
        Ok(spelled_as_said(&self.diacritize_as_printed(text)?))
    }

    /// [`Self::diacritize`] before the hundred loses its silent alif (H4): every letter of the
    /// input is there, as scoring against a gold text needs.
    pub fn diacritize_as_printed(&self, text: &str) -> Result<String, DiacritizeError> {
        self.vocalize(text, true)
    }

    /// The model's own vocalization, with the verbalizer's number words and the hints put back
    /// but without H5 and H6: the "model alone" row that `examples/der.rs` scores nashra
    /// against.
    pub fn model_alone(&self, text: &str) -> Result<String, DiacritizeError> {
        self.vocalize(text, false)
    }

    /// H0, then with `written` H5 and H6.
    fn vocalize(&self, text: &str, written: bool) -> Result<String, DiacritizeError> {
        let text = text.trim();
        let segments = segments(text);
        let model_input: String = segments.iter().map(Segment::model_input).collect();
        let mut predicted = self.diacritize_in_pieces(&model_input, CHAR_LIMIT)?;
        if written {
            predicted = self.case_endings_at_pauses(&model_input, &predicted)?;
        }
        let vocalized = splice(&segments, &drop_marks_on_spaces(&predicted))?;
        Ok(if written { sukun_before_wasl(&vocalized) } else { vocalized })
    }

    /// H5: the last letter of a word before punctuation or the end of the text takes its case
    /// ending from a second run of the model over the same letters with the punctuation taken
    /// out and a word put after the end ([`connected`]). Before a pause the model writes what a
    /// reader says there (the bare or silenced letter of the pausal form, وقف), so its case
    /// ending is lost; vocalized text, and both gold sets, write it. Only those letters change:
    /// the model reads the other words better with their punctuation. Measured on WikiNews
    /// (docs/text.md), H5 and H6 take the model alone from DER 2.52 to 1.80; `text::pronounce`
    /// gives the voice the pausal form again.
    fn case_endings_at_pauses(
        &self,
        input: &str,
        predicted: &str,
    ) -> Result<String, DiacritizeError> {
        let chars: Vec<char> = input.trim().chars().collect();
        let ends = ends_before_pause(&chars);
        let mut letters = letters_with_marks(predicted);
        if ends.is_empty() || letters.iter().map(|l| l.0).ne(chars.iter().copied()) {
            return Ok(predicted.to_owned());
        }
        let (text, at) = connected(&chars);
        let said = letters_with_marks(&self.diacritize_in_pieces(&text, CHAR_LIMIT)?);
        if said.iter().map(|l| l.0).ne(text.chars()) {
            tracing::warn!("diacritizer output does not match its input; pausal words kept");
            return Ok(predicted.to_owned());
        }
        for i in ends {
            if let Some(k) = at[i] {
                letters[i].1.clone_from(&said[k].1);
            }
        }
        Ok(join_letters(letters))
    }

    /// Diacritizes several texts as one, so that each is vocalized in the context of the others
    /// (the sentences of a paragraph), and returns them apart again. The reference Piper
    /// diacritizes a whole input at once; doing the same per block keeps nashra's ids equal to
    /// its ids on multi-sentence text.
    ///
    /// The diacritizer only inserts harakat after the characters it is given (it drops and
    /// re-predicts harakat already present), so each text is recovered by counting its
    /// non-harakat characters in the output.
    pub fn diacritize_many(&self, texts: &[&str]) -> Result<Vec<String>, DiacritizeError> {
        // Empty texts stay empty and are left out of the joined text, whose ends the diacritizer
        // trims (they would shift the separators).
        let trimmed: Vec<&str> = texts.iter().map(|t| t.trim()).collect();
        let texts: Vec<&str> = trimmed.iter().copied().filter(|t| !t.is_empty()).collect();
        let joined = self.diacritize_as_printed(&texts.join(" "))?;
        let mut output = joined.chars().peekable();
        let mut parts = Vec::with_capacity(texts.len());
        for (i, text) in texts.iter().enumerate() {
            if i > 0 {
                // The separating space, and any mark the model put on it.
                output.next();
                while output.next_if(|c| is_case_mark(*c)).is_some() {}
            }
            let wanted = text.chars().filter(|c| !is_case_mark(*c)).count();
            let mut part = String::with_capacity(text.len() * 2);
            let mut seen = 0;
            while seen < wanted {
                let Some(c) = output.next() else { break };
                if !is_case_mark(c) {
                    seen += 1;
                }
                part.push(c);
            }
            while let Some(c) = output.next_if(|c| is_case_mark(*c)) {
                part.push(c);
            }
            if seen < wanted {
                return Err(DiacritizeError::Inference(format!(
                    "the diacritized text is shorter than its input (part {} of {})",
                    i + 1,
                    texts.len()
                )));
            }
            parts.push(spelled_as_said(&part));
        }
        let mut parts = parts.into_iter();
        Ok(trimmed
            .iter()
            .map(|t| if t.is_empty() { String::new() } else { parts.next().unwrap_or_default() })
            .collect())
    }

    fn diacritize_in_pieces(&self, text: &str, limit: usize) -> Result<String, DiacritizeError> {
        let text = text.trim();
        let pieces = split_at_whitespace(text, limit)?;
        let mut out = String::with_capacity(text.len() * 2);
        for (piece, separator) in pieces {
            out.push_str(&self.diacritize_piece(piece)?);
            out.push_str(separator);
        }
        Ok(out)
    }

    fn diacritize_piece(&self, piece: &str) -> Result<String, DiacritizeError> {
        let engine = &self.engine;
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            libtashkeel_base::_do_tashkeel_impl(engine, piece, None)
        }));
        match result {
            Ok(Ok(s)) => Ok(enforce_hints(piece.trim(), &s)),
            Ok(Err(e)) => Err(DiacritizeError::Inference(e.to_string())),
            Err(_) => Err(DiacritizeError::Inference("libtashkeel panicked on this input".into())),
        }
    }
}

/// H4: the hundred spelled with a silent alif (مِائَة، ثَلَاثُمِائَةٍ، مِائَتَيْنِ) loses it once the
/// model has vocalized it, its م gets kasra (the model wrote مَائَتَيْ) and a compound hundred is
/// parted from its unit (ثَلَاثُ مِئَةٍ): espeak reads the alif as a long vowel (`almiˈaːʔat`),
/// which no reader says. Done after the model, not before: shown مئة instead of the spelling it
/// learnt, it vocalized Fadel's other words worse (DER 7.06 → 7.07).
fn spelled_as_said(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    // The letters of `chars` from `from` on, without their marks, and where each is.
    let letters = |from: usize| (from..chars.len()).filter(|&k| !is_case_mark(chars[k]));
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        out.push(chars[i]);
        if chars[i] == 'م' {
            let next: Vec<usize> = letters(i + 1).take(3).collect();
            // م ا ئ then ة or ت: مائة، مائتان (not مائدة، مائل).
            if let [alif, hamza, end] = next[..] {
                if chars[alif] == 'ا' && chars[hamza] == 'ئ' && matches!(chars[end], 'ة' | 'ت')
                {
                    // ثلاثمائة is said as two words (ثَلَاثُ مِئَةٍ); espeak reads the compound
                    // without the i (θalaːθumaʔa).
                    let before = chars[..i].iter().rev().find(|c| !is_case_mark(**c));
                    if before.is_some_and(|c| matches!(c, 'ث' | 'ع' | 'س' | 'ت' | 'ن')) {
                        out.pop();
                        out.push(' ');
                        out.push('م');
                    }
                    out.push(KASRA); // the hundred's م has kasra, whatever the model put
                    i = hamza;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

/// What the model is shown after the text in [`connected`], so that the last word is not the
/// end of the input either: a conjunction, which any word may precede. Measured with H5 alone on
/// WikiNews, in a prototype: no word 2.47, و 2.12, other short words (في، ثم، وقد) within 0.01.
const FOLLOWER: &str = " و";

/// The indices of the letters of `chars` that end a word before punctuation or the end of the
/// text (after any whitespace, quotes and brackets): where a reader pauses, and the model
/// writes a pausal form.
///
/// Why quotes and brackets are passed over: a reader goes on through them (`قصيدةِ "الأرض"`, a
/// title in construct with its noun), and so does `text::pronounce` (R1), which would say the
/// ending H5 wrote there; counted as pauses, they turned the model's construct endings into
/// the connected run's tanween (`قَصِيدَةٍ "`).
fn ends_before_pause(chars: &[char]) -> Vec<usize> {
    let letter = |c: char| crate::text::normalize::is_arabic_letter(c);
    let mut out = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        if !letter(c) || chars.get(i + 1).is_some_and(|&n| letter(n)) {
            continue;
        }
        let next = chars[i + 1..].iter().find(|c| !c.is_whitespace() && !QUOTES.contains(c));
        if next.is_none_or(|&n| !is_said(n)) {
            out.push(i);
        }
    }
    out
}

/// Whether a character is part of the words (a letter, a digit, a masked number `#`), not
/// punctuation.
fn is_said(c: char) -> bool {
    c.is_alphanumeric() || c == '#'
}

/// `chars` without punctuation, whitespace runs as one space, and [`FOLLOWER`] at the end: the
/// same words read as one run. Returns the text and, for each character of `chars`, its index
/// in the text (none for what was left out).
fn connected(chars: &[char]) -> (String, Vec<Option<usize>>) {
    let mut text = String::with_capacity(chars.len() * 2 + FOLLOWER.len());
    let mut at = Vec::with_capacity(chars.len());
    let mut n = 0;
    for &c in chars {
        let keep = is_said(c) || (c.is_whitespace() && n > 0 && !text.ends_with(' '));
        if keep {
            text.push(if c.is_whitespace() { ' ' } else { c });
            at.push(Some(n));
            n += 1;
        } else {
            at.push(None);
        }
    }
    text.push_str(FOLLOWER);
    (text, at)
}

/// H6: a word whose last letter has no vowel of its own keeps its sukun before hamzat al-wasl,
/// as vocalized text (and both gold sets) write it: `مِنْ الْ`، `عَنْ الْ`، `أَعْلَنَتْ الْ`،
/// `عَلَيْهِمْ الْ`. The model writes the helping vowel a reader says there (`مِنَ الْ`); for the
/// voice, `text::pronounce` says it again. Only words whose ending is known to be silent change:
/// the particles in [`SILENT_PARTICLES`] (with وَ or فَ before them), the pronouns هُمْ، هِمْ،
/// كُمْ، تُمْ, and the ت of a feminine perfect verb (a letter with fatha before it: `كَانَتِ`).
fn sukun_before_wasl(text: &str) -> String {
    use crate::text::pronounce::{map_words, starts_with_wasl, After};
    map_words(text, |word, after| match (after, silent_ending(word)) {
        (After::Word(next), Some(at)) if starts_with_wasl(next) => {
            let mut letters = letters_with_marks(word);
            letters[at].1 = vec![SUKUN];
            join_letters(letters)
        }
        _ => word.to_owned(),
    })
}

/// Particles that end in a silent letter (سكون), said with a helping vowel before hamzat al-wasl.
const SILENT_PARTICLES: [&str; 9] = ["من", "عن", "أو", "أي", "بل", "قد", "إذ", "لكن", "هل"];

/// Where a word's silent last letter is, when the model gave it a helping vowel: the index of
/// the last letter (in [`letters_with_marks`]) if the word is a silent particle, a pronoun in م
/// or a feminine perfect verb in تِ, and that letter carries one short vowel.
fn silent_ending(word: &str) -> Option<usize> {
    let letters = letters_with_marks(word);
    let last = letters.len().checked_sub(1)?;
    if !matches!(letters[last].1.as_slice(), [FATHA | DAMMA | KASRA]) {
        return None;
    }
    let bare: String = letters.iter().map(|l| l.0).collect();
    let stem = bare.strip_prefix(['و', 'ف']).filter(|s| SILENT_PARTICLES.contains(s));
    let particle = SILENT_PARTICLES.contains(&bare.as_str()) || stem.is_some();
    let pronoun = crate::text::pronounce::pronoun_mim(&letters);
    let feminine = last >= 2
        && letters[last].0 == 'ت'
        && letters[last].1 == [KASRA]
        && letters[last - 1].1.last() == Some(&FATHA);
    (particle || pronoun || feminine).then_some(last)
}

/// A stretch of text: plain (diacritized by the model) or a run of generated number words (kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment<'a> {
    text: &'a str,
    generated: bool,
}

impl Segment<'_> {
    /// What the model sees for this segment: the plain text without marks, or for a run as many
    /// `#` as the number it says had digits (the model reads each printed digit as one `#`).
    fn model_input(&self) -> String {
        if !self.generated {
            return strip(self.text);
        }
        "#".repeat(digits_said(self.text))
    }
}

/// The number of digits of the longest number a run of generated words says (`أَلْفَيْنِ
/// وَثَلَاثَةٍ وَعِشْرِينَ` → 4), or 2 when none parses (ordinals, fractions).
fn digits_said(run: &str) -> usize {
    let words: Vec<&str> = run.split(' ').collect();
    let mut best: Option<u64> = None;
    for start in 0..words.len() {
        for end in (start + 1..=words.len()).rev() {
            if let Some(v) = crate::text::verbalize::parse::value(&words[start..end].join(" ")) {
                if best.is_none_or(|b| v > b) {
                    best = Some(v);
                }
                break;
            }
        }
    }
    best.map_or(2, |v| v.to_string().len())
}

/// Splits `text` into plain stretches and runs of generated words (words joined by single spaces).
fn segments(text: &str) -> Vec<Segment<'_>> {
    let is_word_char = |c: char| crate::text::normalize::is_arabic_letter(c) || is_case_mark(c);
    // (start, end) byte ranges of generated words.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    let bytes_len = text.len();
    while i < bytes_len {
        let c = text[i..].chars().next().unwrap_or(' ');
        if !is_word_char(c) {
            i += c.len_utf8();
            continue;
        }
        let end = text[i..].find(|c: char| !is_word_char(c)).map_or(bytes_len, |e| i + e);
        if crate::text::verbalize::is_generated(&text[i..end]) {
            match runs.last_mut() {
                Some(last) if &text[last.1..i] == " " => last.1 = end,
                _ => runs.push((i, end)),
            }
        }
        i = end;
    }
    let mut out = Vec::with_capacity(runs.len() * 2 + 1);
    let mut at = 0;
    for (start, end) in runs {
        if start > at {
            out.push(Segment { text: &text[at..start], generated: false });
        }
        out.push(Segment { text: &text[start..end], generated: true });
        at = end;
    }
    if at < bytes_len {
        out.push(Segment { text: &text[at..], generated: false });
    }
    out
}

fn strip(text: &str) -> String {
    text.chars().filter(|&c| !is_case_mark(c)).collect()
}

/// Puts the segments back together from the model's output for their masked form: plain
/// stretches take the model's marks with their own hints restored, generated runs come back as
/// they were (their `#` and any mark on it dropped).
fn splice(segments: &[Segment], predicted: &str) -> Result<String, DiacritizeError> {
    let mut output = predicted.chars().peekable();
    let mut out = String::with_capacity(predicted.len() * 2);
    let short =
        || DiacritizeError::Inference("the diacritized text is shorter than its input".into());
    for seg in segments {
        if seg.generated {
            for _ in 0..digits_said(seg.text) {
                if output.next() != Some('#') {
                    return Err(short());
                }
                while output.next_if(|c| is_case_mark(*c)).is_some() {}
            }
            out.push_str(seg.text);
            continue;
        }
        let wanted = seg.text.chars().filter(|c| !is_case_mark(*c)).count();
        let mut part = String::with_capacity(seg.text.len() * 2);
        let mut seen = 0;
        while seen < wanted {
            let c = output.next().ok_or_else(short)?;
            if !is_case_mark(c) {
                seen += 1;
            }
            part.push(c);
        }
        // Marks after the last character belong to it.
        while let Some(c) = output.next_if(|c| is_case_mark(*c)) {
            part.push(c);
        }
        out.push_str(&enforce_hints(seg.text, &part));
    }
    Ok(out)
}

/// The model's output without marks on whitespace (it sometimes predicts one for a space).
fn drop_marks_on_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_space = false;
    for c in text.chars() {
        if is_case_mark(c) && after_space {
            continue;
        }
        after_space = c.is_whitespace() || (after_space && is_case_mark(c));
        out.push(c);
    }
    out
}

/// H0: the output with every valid hint of the input restored: a letter that carried one mark, or
/// shadda with one vowel (in either order), carries exactly that in the output (shadda first).
/// Marks before the first letter, and combinations the model cannot take as hints, are left to
/// the model. The output has the input's non-mark characters in the same order (the model only
/// inserts marks); if not, it is returned unchanged.
fn enforce_hints(input: &str, output: &str) -> String {
    let hints = letters_with_marks(input);
    let predicted = letters_with_marks(output);
    if hints.len() != predicted.len() || hints.iter().zip(&predicted).any(|(h, p)| h.0 != p.0) {
        tracing::warn!("diacritizer output does not match its input; hints not enforced");
        return output.to_string();
    }
    let mut out = String::with_capacity(output.len());
    for (i, ((c, hint), (_, marks))) in hints.iter().zip(&predicted).enumerate() {
        out.push(*c);
        if tanween_on_alif(&hints, i) {
            continue; // moved to the letter before (H3)
        }
        match valid_hint(hint) {
            Some(h) => out.push_str(&h),
            None if tanween_on_alif(&hints, i + 1) => {
                out.extend(marks.iter().filter(|&&m| m == SHADDA));
                out.push(FATHATAN);
            }
            None => out.extend(marks),
        }
    }
    out
}

/// H3: whether the character at `i` is an alif carrying fathatan after a letter (`تاريخياً`).
/// Newspapers write the tanween on the alif, the model (and espeak) on the letter before it
/// (`تاريخيًا`); restoring the hint where it was printed would give the word two tanweens, which
/// espeak reads as a long vowel without the final n.
fn tanween_on_alif(hints: &[(char, Vec<char>)], i: usize) -> bool {
    i > 0 && hints.get(i).is_some_and(|(c, marks)| *c == 'ا' && marks.as_slice() == [FATHATAN])
}

/// Each non-mark character with the marks after it (marks before the first one are dropped).
pub(crate) fn letters_with_marks(text: &str) -> Vec<(char, Vec<char>)> {
    let mut out: Vec<(char, Vec<char>)> = Vec::with_capacity(text.len());
    for c in text.chars() {
        if is_case_mark(c) {
            if let Some(last) = out.last_mut() {
                last.1.push(c);
            }
        } else {
            out.push((c, Vec::new()));
        }
    }
    out
}

/// The text that [`letters_with_marks`] took apart.
pub(crate) fn join_letters(letters: Vec<(char, Vec<char>)>) -> String {
    letters.into_iter().flat_map(|(c, marks)| std::iter::once(c).chain(marks)).collect()
}

/// A hint the model accepts, in the order the model writes it: one mark, or shadda then a vowel.
fn valid_hint(marks: &[char]) -> Option<String> {
    match marks {
        [m] => Some(m.to_string()),
        [SHADDA, v] | [v, SHADDA] if *v != SHADDA && *v != SUKUN => Some(format!("{SHADDA}{v}")),
        _ => None,
    }
}

/// Splits `text` into pieces of at most `limit` characters, cutting only at whitespace. Each piece
/// comes with the whitespace that followed it, so joining gives back the text.
fn split_at_whitespace(text: &str, limit: usize) -> Result<Vec<(&str, &str)>, DiacritizeError> {
    let mut pieces = Vec::new();
    let mut rest = text;
    // `nth`, not `count`: counting the whole rest on every piece would be quadratic.
    while rest.chars().nth(limit).is_some() {
        // The last whitespace among the first `limit + 1` characters (a piece may end right before
        // the character at index `limit`), not at the very start.
        let cut = rest
            .char_indices()
            .take(limit + 1)
            .filter(|&(i, c)| i > 0 && c.is_whitespace())
            .map(|(i, _)| i)
            .last();
        let Some(cut) = cut else {
            let chars = rest.split_whitespace().next().map_or(0, |w| w.chars().count());
            return Err(DiacritizeError::WordTooLong { chars, limit });
        };
        // Start of the whitespace run that contains `cut`, and its end.
        let run_start = rest[..cut].trim_end().len();
        let sep_end =
            rest[cut..].find(|c: char| !c.is_whitespace()).map_or(rest.len(), |j| cut + j);
        pieces.push((&rest[..run_start], &rest[run_start..sep_end]));
        rest = &rest[sep_end..];
    }
    pieces.push((rest, ""));
    Ok(pieces)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn diacritizer() -> &'static Diacritizer {
        static D: OnceLock<Diacritizer> = OnceLock::new();
        D.get_or_init(|| Diacritizer::new().unwrap())
    }

    #[test]
    fn the_hundreds_silent_alif_goes_and_its_mim_takes_kasra() {
        for (printed, said) in [
            ("فِي الْمِائَةِ", "فِي الْمِئَةِ"),
            ("وَمَائَتَيْ شَخْصٍ", "وَمِئَتَيْ شَخْصٍ"),
            ("بِالْمِائَةِ", "بِالْمِئَةِ"),
            ("مائة", "مِئة"),
            // A compound hundred is parted from its unit.
            ("ثَلَاثُمِائَةٍ", "ثَلَاثُ مِئَةٍ"),
            // Other words in م ا ئ keep their alif.
            ("الْمَائِدَةِ", "الْمَائِدَةِ"),
            ("مَائِلٌ", "مَائِلٌ"),
            ("الْمَائِيَّةِ", "الْمَائِيَّةِ"),
        ] {
            assert_eq!(spelled_as_said(printed), said, "{printed}");
        }
    }

    #[test]
    fn words_before_a_pause_get_their_case_ending_and_nothing_else_changes() {
        let text = "وصل الوفد إلى العاصمة، وعقد اجتماعا مع رئيس الحكومة.";
        let alone = diacritizer().model_alone(text).unwrap();
        let written = diacritizer().diacritize(text).unwrap();
        // The model leaves the word before the comma without its case (a pausal form).
        assert!(alone.contains("الْعَاصِمَة،"), "{alone}");
        assert!(written.contains("الْعَاصِمَةِ،") && written.ends_with("الْحُكُومَةِ."), "{written}");
        // Every other letter keeps the model's marks.
        let chars: Vec<char> = text.chars().collect();
        let ends = ends_before_pause(&chars);
        let (a, w) = (letters_with_marks(&alone), letters_with_marks(&written));
        assert_eq!(a.len(), w.len());
        for (i, (x, y)) in a.iter().zip(&w).enumerate() {
            assert!(x == y || ends.contains(&i), "letter {i} changed: {x:?} -> {y:?}");
        }
    }

    #[test]
    fn the_connected_text_has_no_punctuation_and_maps_back() {
        let chars: Vec<char> = "قال: نعم ، 12 مرة!".chars().collect();
        let (text, at) = connected(&chars);
        assert_eq!(text, "قال نعم 12 مرة و");
        let back: String =
            chars.iter().zip(&at).filter(|(_, k)| k.is_some()).map(|(c, _)| *c).collect();
        assert_eq!(back, "قال نعم 12 مرة");
        assert_eq!(ends_before_pause(&chars), vec![2, 7, 16]);
    }

    /// A word before a quote or a bracket is read on into what follows (R1 does too); before
    /// a quote that closes a clause, or at the end, it is before a pause.
    #[test]
    fn quotes_and_brackets_are_not_pauses() {
        let chars: Vec<char> = "قصيدة \"الأرض\" للشاعر (درويش) أمس \"الأخير\".".chars().collect();
        let letter = |c: &char| crate::text::normalize::is_arabic_letter(*c);
        let word_ending_at = |i: usize| -> String {
            let start = chars[..=i].iter().rposition(|c| !letter(c)).map_or(0, |p| p + 1);
            chars[start..=i].iter().collect()
        };
        let ends: Vec<String> = ends_before_pause(&chars).into_iter().map(word_ending_at).collect();
        assert_eq!(ends, ["الأخير"]);
    }

    #[test]
    fn a_silent_ending_keeps_its_sukun_before_hamzat_al_wasl() {
        for (model, written) in [
            ("خَرَجَ مِنَ الْبَيْتِ", "خَرَجَ مِنْ الْبَيْتِ"),
            ("وَمِنَ الْمُتَوَقَّعِ", "وَمِنْ الْمُتَوَقَّعِ"),
            ("عَنِ الْأَمْرِ أَوِ ابْنِهِ", "عَنْ الْأَمْرِ أَوْ ابْنِهِ"),
            ("أَعْلَنَتِ الْوِزَارَةُ", "أَعْلَنَتْ الْوِزَارَةُ"),
            ("وَأَد\u{0651}\u{064E}تِ الْفِرْقَةُ", "وَأَد\u{0651}\u{064E}تْ الْفِرْقَةُ"),
            ("عَلَيْهِمُ الْأَمْرُ وَهُمُ الْأَكْثَرُ", "عَلَيْهِمْ الْأَمْرُ وَهُمْ الْأَكْثَرُ"),
            // Through quotes, which are not said.
            ("أَوِ \" الْبُؤَسَاءِ \"", "أَوْ \" الْبُؤَسَاءِ \""),
            // Case endings and vowels of the word itself stay.
            ("حُكْمُ الْقَاضِي", "حُكْمُ الْقَاضِي"),
            ("بِنْتِ الرَّئِيسِ", "بِنْتِ الرَّئِيسِ"),
            ("أَيِّ الْأَمْرَيْنِ", "أَيِّ الْأَمْرَيْنِ"),
            ("كَتَبَ الْوَلَدُ", "كَتَبَ الْوَلَدُ"),
            // Not before hamzat al-qat', nor before a pause.
            ("مِنَ أَجْلِ", "مِنَ أَجْلِ"),
            ("عَنِ، الْأَمْرِ", "عَنِ، الْأَمْرِ"),
        ] {
            assert_eq!(sukun_before_wasl(model), written, "{model}");
        }
    }

    #[test]
    fn diacritize_many_spells_each_part_as_said() {
        let parts = diacritizer().diacritize_many(&["قتل مائة شخص", "في المائة"]).unwrap();
        assert!(parts.iter().all(|p| !p.contains("مِائ") && p.contains("مِئ")), "{parts:?}");
    }

    // Expected strings were produced by piper-tts 1.8's TashkeelDiacritizer on the same input.
    #[test]
    fn diacritizes_a_news_sentence_exactly_like_the_reference() {
        let out = diacritizer().diacritize("سافر ممثلو حماس إلى موسكو").unwrap();
        assert_eq!(out, REF_NEWS);
    }

    #[test]
    fn shadda_comes_before_the_vowel() {
        let out = diacritizer().diacritize("ممثلو").unwrap();
        assert_eq!(
            out,
            "\u{0645}\u{064f}\u{0645}\u{064e}\u{062b}\u{0651}\u{0650}\u{0644}\u{064f}\u{0648}"
        );
        assert!(
            out.contains("\u{0651}\u{0650}")
                || out.contains("\u{0651}\u{064E}")
                || out.contains("\u{0651}\u{064F}"),
            "{out:?}"
        );
        assert!(
            !out.contains("\u{0650}\u{0651}")
                && !out.contains("\u{064E}\u{0651}")
                && !out.contains("\u{064F}\u{0651}"),
            "{out:?}"
        );
    }

    #[test]
    fn basmala_matches_reference() {
        assert_eq!(diacritizer().model_alone("بسم الله الرحمن الرحيم").unwrap(), REF_BASMALA);
        // H5: the last word has its case ending, which the model leaves out at the end.
        let written = diacritizer().diacritize("بسم الله الرحمن الرحيم").unwrap();
        assert_eq!(written, format!("{REF_BASMALA}\u{0650}"));
    }

    #[test]
    fn latin_and_digits_pass_through() {
        let out = diacritizer().diacritize("عام 2023 ABC").unwrap();
        assert_eq!(out, "عَامَ 2023 ABC");
    }

    #[test]
    fn empty_and_symbol_only_text_is_returned_trimmed() {
        assert_eq!(diacritizer().diacritize("   ").unwrap(), "");
        assert_eq!(diacritizer().diacritize(" ?! ").unwrap(), "?!");
    }

    #[test]
    fn vowel_before_shadda_hint_does_not_panic() {
        // Hints in non-canonical order and stray leading marks are odd but legal input; the hints
        // come back shadda first.
        let out = diacritizer().model_alone("\u{064E}مَّن يُقلِّب").unwrap();
        assert_eq!(out, "\u{0645}\u{0651}\u{064e}\u{0646}\u{0652} \u{064a}\u{064f}\u{0642}\u{0652}\u{0644}\u{0651}\u{0650}\u{0628}");
    }

    #[test]
    fn long_text_is_split_at_whitespace_not_rejected() {
        let text = "سافر ممثلو حماس إلى موسكو";
        let whole = diacritizer().diacritize(text).unwrap();
        let pieces = diacritizer().diacritize_in_pieces(text, 12).unwrap();
        assert_eq!(pieces.split(' ').count(), 5);
        // Each piece is diacritized on its own, so words may differ, letters may not.
        let letters = |s: &str| {
            s.chars().filter(|c| !('\u{064b}'..='\u{0652}').contains(c)).collect::<String>()
        };
        assert_eq!(letters(&pieces), letters(&whole));
    }

    #[test]
    fn hints_are_kept_exactly_even_where_the_model_would_differ() {
        // Number words from the verbalizer keep their vowels (and so their case).
        let spoken = crate::text::spoken("تتجاوز قيمتها 200 مليار دولار عام 2023");
        let out = diacritizer().diacritize(&spoken).unwrap();
        assert!(out.contains("مِئَتَيْ"), "{out}");
        assert!(out.contains("أَلْفَيْنِ وَثَلَاثَةٍ وَعِشْرِينَ"), "{out}");
        // A deliberately odd hint (kasra on the first letter of كتب) survives.
        let out = diacritizer().diacritize("كِتب الولد").unwrap();
        assert!(out.starts_with("كِ"), "{out}");
    }

    #[test]
    fn hint_enforcement_restores_valid_hints_and_leaves_the_rest() {
        let fatha = '\u{064E}';
        let kasra = '\u{0650}';
        let shadda = '\u{0651}';
        let input = format!("ك{kasra}تب");
        let output = format!("ك{fatha}ت{fatha}ب{fatha}");
        assert_eq!(enforce_hints(&input, &output), format!("ك{kasra}ت{fatha}ب{fatha}"));
        // Vowel-then-shadda hints come back shadda first; unknown pairs are not hints.
        let input = format!("ر{fatha}{shadda}ب{fatha}\u{0652}");
        let output = format!("ر{kasra}ب{kasra}");
        assert_eq!(enforce_hints(&input, &output), format!("ر{shadda}{fatha}ب{kasra}"));
        // A different letter sequence is returned as the model gave it.
        assert_eq!(enforce_hints("كتب", "كتبا"), "كتبا");
        // Tanween printed on the alif goes to the letter before, where the model writes it.
        let (fathatan, shadda) = ('\u{064B}', '\u{0651}');
        let input = format!("يا{fathatan}");
        let output = format!("ي{shadda}{fathatan}ا{fathatan}");
        assert_eq!(enforce_hints(&input, &output), format!("ي{shadda}{fathatan}ا"));
    }

    #[test]
    fn split_keeps_every_character() {
        let pieces = split_at_whitespace("ab cd  ef", 4).unwrap();
        assert_eq!(pieces, vec![("ab", " "), ("cd", "  "), ("ef", "")]);
        let joined: String = pieces.iter().map(|(p, s)| format!("{p}{s}")).collect();
        assert_eq!(joined, "ab cd  ef");
    }

    #[test]
    fn overlong_word_is_an_error() {
        let e = split_at_whitespace("abcdefgh", 4).unwrap_err();
        assert!(matches!(e, DiacritizeError::WordTooLong { chars: 8, limit: 4 }));
    }

    #[test]
    fn padding_targets_move_to_the_end_and_length_is_exact() {
        assert_eq!(sanitize_targets(&[5, 0, 6], 3), vec![5, 6, 1]);
        assert_eq!(sanitize_targets(&[5, 99], 3), vec![5, 1, 1]);
        assert_eq!(sanitize_targets(&[5, 6, 7, 8], 2), vec![5, 6]);
    }

    const REF_NEWS: &str = "\u{0633}\u{064e}\u{0627}\u{0641}\u{0650}\u{0631}\u{064c} \u{0645}\u{064f}\u{0645}\u{064e}\u{062b}\u{0651}\u{0650}\u{0644}\u{064f}\u{0648} \u{062d}\u{064e}\u{0645}\u{064e}\u{0627}\u{0633}\u{064e} \u{0625}\u{0650}\u{0644}\u{064e}\u{0649} \u{0645}\u{064f}\u{0648}\u{0633}\u{0652}\u{0643}\u{064f}\u{0648}";
    const REF_BASMALA: &str = "\u{0628}\u{0650}\u{0633}\u{0652}\u{0645}\u{0650} \u{0627}\u{0644}\u{0644}\u{0651}\u{064e}\u{0647}\u{0650} \u{0627}\u{0644}\u{0631}\u{0651}\u{064e}\u{062d}\u{0652}\u{0645}\u{064e}\u{0646}\u{0650} \u{0627}\u{0644}\u{0631}\u{0651}\u{064e}\u{062d}\u{0650}\u{064a}\u{0645}";

    #[test]
    fn many_texts_are_diacritized_in_each_others_context_and_split_back() {
        let d = Diacritizer::new().unwrap();
        let texts = ["وصل الوفد إلى العاصمة صباح اليوم.", "وعقد اجتماعا مع رئيس الحكومة."];
        let joined = d.diacritize(&texts.join(" ")).unwrap();
        let parts = d.diacritize_many(&texts).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts.join(" "), joined);
        for (part, text) in parts.iter().zip(texts) {
            let bare: String = part.chars().filter(|c| !is_case_mark(*c)).collect();
            assert_eq!(bare, text);
        }
    }

    #[test]
    fn many_keeps_empty_and_latin_texts_in_place() {
        let d = Diacritizer::new().unwrap();
        let parts = d.diacritize_many(&["", "CNN", "  سافر الوفد  "]).unwrap();
        assert_eq!(parts[0], "");
        assert_eq!(parts[1], "CNN");
        let bare: String = parts[2].chars().filter(|c| !is_case_mark(*c)).collect();
        assert_eq!(bare, "سافر الوفد");
    }
}
