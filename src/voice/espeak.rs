//! The only door to espeak-ng: clause-by-clause phonemization and espeak's own synthesizer.
//!
//! In: an espeak voice name and UTF-8 text. Out: clauses of IPA phonemes with their terminators, or
//! 16-bit samples. Must never happen: espeak used from two threads at once (it is process-global
//! C state), an espeak failure turned into an empty string, or espeak exiting the process.
//!
//! Why internal symbols: the statically linked espeak-ng 1.52 has no public call that returns the
//! clause terminator, and Piper voices were trained on phonemes that keep it (`. , ? ! : ;`). The
//! library's own `TranslateClauseWithTerminator` is linked in, so we drive the same steps as
//! `espeak_TextToPhonemes` (decode, translate one clause, read the phoneme string, advance) and ask
//! for the terminator too. The text is always valid UTF-8 (a Rust `&str`), so we pass the UTF-8
//! encoding instead of reading `translator->encoding`, which would need the C struct layout.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_short, c_void, CStr, CString};
use std::path::Path;
use std::sync::{Mutex, MutexGuard, OnceLock};

use espeak_rs_sys as sys;

use super::VoiceError;

// Clause flags from espeak-ng's translate.h (the terminator value's low 20 bits).
const CLAUSE_TYPE_SENTENCE: c_int = 0x0008_0000;
const CLAUSE_PERIOD: c_int = 40 | CLAUSE_TYPE_SENTENCE;
const CLAUSE_COMMA: c_int = 20 | 0x0000_1000 | 0x0004_0000;
const CLAUSE_QUESTION: c_int = 40 | 0x0000_2000 | CLAUSE_TYPE_SENTENCE;
const CLAUSE_EXCLAMATION: c_int = 45 | 0x0000_3000 | CLAUSE_TYPE_SENTENCE;
const CLAUSE_COLON: c_int = 30 | 0x0004_0000;
const CLAUSE_SEMICOLON: c_int = 30 | 0x0000_1000 | 0x0004_0000;
const TERMINATOR_MASK: c_int = 0x000F_FFFF;

// espeak-rs-sys builds espeak-ng against the system libsonic (Debian `libsonic-dev`) without
// linking it; link the static archive here so the binary does not need libsonic.so at run time.
#[link(name = "sonic", kind = "static", modifiers = "-bundle")]
extern "C" {}

extern "C" {
    /// translate.c: the main translator, set by the voice.
    static mut translator: *mut c_void;
    /// readclause.c: the decoder `TranslateClause` reads from.
    static mut p_decoder: *mut sys::espeak_ng_TEXT_DECODER;
    fn TranslateClauseWithTerminator(
        tr: *mut c_void,
        tone_out: *mut c_int,
        voice_change: *mut *mut c_char,
        terminator_out: *mut c_int,
    );
    fn GetTranslatedPhonemeString(phoneme_mode: c_int) -> *const c_char;
    fn text_decoder_get_buffer(decoder: *mut sys::espeak_ng_TEXT_DECODER) -> *const c_void;
}

/// One clause as espeak translated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// IPA phonemes, language-switch flags such as `(en)` still present.
    pub phonemes: String,
    /// `.`, `?`, `!`, `,`, `:`, `;`, or empty for any other clause end.
    pub terminator: &'static str,
    pub end_of_sentence: bool,
}

/// The espeak sample rate after initialization, and the lock that serializes every use.
struct Espeak {
    sample_rate: u32,
}

static ESPEAK: OnceLock<Result<Mutex<Espeak>, VoiceError>> = OnceLock::new();

fn status_message(status: sys::espeak_ng_STATUS) -> String {
    let mut buf = [0 as c_char; 512];
    // SAFETY: the buffer is writable for its full length and espeak NUL-terminates within it.
    unsafe {
        sys::espeak_ng_GetStatusCodeMessage(status, buf.as_mut_ptr(), buf.len());
        CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned()
    }
}

fn init(data_dir: &Path) -> Result<Mutex<Espeak>, VoiceError> {
    let fail = |reason: String| VoiceError::EspeakInit { path: data_dir.to_path_buf(), reason };
    let c_path = CString::new(data_dir.as_os_str().as_encoded_bytes())
        .map_err(|_| fail("path contains a NUL byte".into()))?;
    // SAFETY: called once (OnceLock), before any other espeak call; the path outlives the call
    // (espeak copies it). The ng_* calls return a status instead of printing or exiting.
    unsafe {
        sys::espeak_ng_InitializePath(c_path.as_ptr());
        let mut context: sys::espeak_ng_ERROR_CONTEXT = std::ptr::null_mut();
        let status = sys::espeak_ng_Initialize(&mut context);
        if status != sys::espeak_ng_STATUS_ENS_OK {
            sys::espeak_ng_ClearErrorContext(&mut context);
            return Err(fail(status_message(status)));
        }
        let status = sys::espeak_ng_InitializeOutput(
            sys::espeak_ng_OUTPUT_MODE_ENOUTPUT_MODE_SYNCHRONOUS,
            0,
            std::ptr::null(),
        );
        if status != sys::espeak_ng_STATUS_ENS_OK {
            return Err(fail(status_message(status)));
        }
        let rate = sys::espeak_ng_GetSampleRate();
        let sample_rate = u32::try_from(rate)
            .ok()
            .filter(|r| *r > 0)
            .ok_or_else(|| fail(format!("espeak reports sample rate {rate}")))?;
        Ok(Mutex::new(Espeak { sample_rate }))
    }
}

/// Initializes espeak once for the process and locks it for the caller.
fn lock() -> Result<MutexGuard<'static, Espeak>, VoiceError> {
    let cell = ESPEAK.get_or_init(|| {
        let dir = crate::runtime::espeak_data_dir().map_err(VoiceError::Runtime)?;
        init(&dir)
    });
    let mutex = cell.as_ref().map_err(Clone::clone)?;
    // A panic while holding the lock leaves espeak usable: every call starts by setting the voice.
    Ok(mutex.lock().unwrap_or_else(|p| p.into_inner()))
}

fn set_voice(name: &str) -> Result<(), VoiceError> {
    let c_name = CString::new(name).map_err(|_| VoiceError::EspeakVoice {
        voice: name.to_owned(),
        reason: "name contains a NUL byte".into(),
    })?;
    // SAFETY: espeak is initialized and locked by the caller.
    let status = unsafe { sys::espeak_ng_SetVoiceByName(c_name.as_ptr()) };
    if status != sys::espeak_ng_STATUS_ENS_OK {
        return Err(VoiceError::EspeakVoice {
            voice: name.to_owned(),
            reason: status_message(status),
        });
    }
    Ok(())
}

fn terminator_symbol(terminator: c_int) -> &'static str {
    match terminator & TERMINATOR_MASK {
        CLAUSE_PERIOD => ".",
        CLAUSE_QUESTION => "?",
        CLAUSE_EXCLAMATION => "!",
        CLAUSE_COMMA => ",",
        CLAUSE_COLON => ":",
        CLAUSE_SEMICOLON => ";",
        _ => "",
    }
}

fn c_text(text: &str) -> Result<CString, VoiceError> {
    // A NUL would silently cut the text short inside espeak; refuse it instead.
    CString::new(text).map_err(|_| VoiceError::TextHasNul)
}

/// Phonemizes `text` clause by clause with espeak voice `voice`.
pub fn clauses(voice: &str, text: &str) -> Result<Vec<Clause>, VoiceError> {
    let _guard = lock()?;
    set_voice(voice)?;
    let c_text = c_text(text)?;
    let mut out = Vec::new();
    // Every clause consumes at least one byte, so this bounds the loop even if espeak misbehaves.
    let max_clauses = text.len() + 2;
    // SAFETY: espeak is initialized and locked; `c_text` outlives the loop (the decoder points into
    // it); the globals are only touched under the lock.
    unsafe {
        if p_decoder.is_null() {
            p_decoder = sys::create_text_decoder();
            if p_decoder.is_null() {
                return Err(VoiceError::EspeakPhonemize {
                    reason: "cannot create text decoder".into(),
                });
            }
        }
        let mut cursor: *const c_void = c_text.as_ptr().cast();
        while !cursor.is_null() {
            if out.len() >= max_clauses {
                return Err(VoiceError::EspeakPhonemize {
                    reason: format!("no progress after {max_clauses} clauses"),
                });
            }
            let status = sys::text_decoder_decode_string_multibyte(
                p_decoder,
                cursor,
                sys::espeak_ng_ENCODING_ESPEAKNG_ENCODING_UTF_8,
                sys::espeakCHARS_AUTO as c_int,
            );
            if status != sys::espeak_ng_STATUS_ENS_OK {
                return Err(VoiceError::EspeakPhonemize { reason: status_message(status) });
            }
            if translator.is_null() {
                return Err(VoiceError::EspeakPhonemize { reason: "no voice loaded".into() });
            }
            let mut terminator: c_int = 0;
            TranslateClauseWithTerminator(
                translator,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &mut terminator,
            );
            cursor = text_decoder_get_buffer(p_decoder);
            let phonemes = GetTranslatedPhonemeString(sys::espeakPHONEMES_IPA as c_int);
            if phonemes.is_null() {
                return Err(VoiceError::EspeakPhonemize { reason: "null phoneme string".into() });
            }
            let phonemes = CStr::from_ptr(phonemes).to_str().map_err(|e| {
                VoiceError::EspeakPhonemize { reason: format!("phonemes are not UTF-8: {e}") }
            })?;
            out.push(Clause {
                phonemes: phonemes.to_owned(),
                terminator: terminator_symbol(terminator),
                end_of_sentence: (terminator & CLAUSE_TYPE_SENTENCE) == CLAUSE_TYPE_SENTENCE,
            });
        }
    }
    Ok(out)
}

thread_local! {
    /// Samples delivered by espeak's callback; synchronous mode calls it on the calling thread.
    static SYNTH_BUFFER: RefCell<Vec<i16>> = const { RefCell::new(Vec::new()) };
}

unsafe extern "C" fn collect_samples(
    wav: *mut c_short,
    numsamples: c_int,
    _events: *mut sys::espeak_EVENT,
) -> c_int {
    if !wav.is_null() && numsamples > 0 {
        // SAFETY: espeak hands us `numsamples` valid samples at `wav` for the duration of the call.
        let samples = unsafe { std::slice::from_raw_parts(wav, numsamples as usize) };
        SYNTH_BUFFER.with(|b| b.borrow_mut().extend_from_slice(samples));
    }
    0 // continue synthesis
}

/// Speaks `text` with espeak's own formant synthesizer; returns (samples, sample rate).
pub fn synthesize(voice: &str, text: &str) -> Result<(Vec<i16>, u32), VoiceError> {
    let guard = lock()?;
    set_voice(voice)?;
    let c_text = c_text(text)?;
    SYNTH_BUFFER.with(|b| b.borrow_mut().clear());
    // SAFETY: espeak is initialized in synchronous mode and locked; the callback only touches this
    // thread's buffer; `c_text` outlives the call.
    let status = unsafe {
        sys::espeak_SetSynthCallback(Some(collect_samples));
        sys::espeak_ng_Synthesize(
            c_text.as_ptr().cast(),
            c_text.as_bytes_with_nul().len(),
            0,
            sys::espeak_POSITION_TYPE_POS_CHARACTER,
            0,
            sys::espeakCHARS_UTF8,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    let samples = SYNTH_BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
    if status != sys::espeak_ng_STATUS_ENS_OK {
        return Err(VoiceError::EspeakSynth { reason: status_message(status) });
    }
    Ok((samples, guard.sample_rate))
}

/// espeak's native output rate (22050 Hz for espeak-ng), initializing espeak if needed.
pub fn sample_rate() -> Result<u32, VoiceError> {
    Ok(lock()?.sample_rate)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use super::*;

    #[test]
    fn terminators_map_to_piper_punctuation() {
        assert_eq!(terminator_symbol(CLAUSE_PERIOD), ".");
        assert_eq!(terminator_symbol(CLAUSE_QUESTION | 0x0010_0000), "?");
        assert_eq!(terminator_symbol(CLAUSE_COMMA), ",");
        assert_eq!(terminator_symbol(CLAUSE_SEMICOLON), ";");
        assert_eq!(terminator_symbol(CLAUSE_COLON), ":");
        assert_eq!(terminator_symbol(CLAUSE_EXCLAMATION), "!");
        assert_eq!(terminator_symbol(40 | 0x0001_0000 | CLAUSE_TYPE_SENTENCE), "");
        // EOF
    }

    #[test]
    fn english_clauses_keep_terminators_and_sentence_ends() {
        let c = clauses("en-us", "Hello, world. Yes?").unwrap();
        let summary: Vec<(&str, bool)> =
            c.iter().map(|c| (c.terminator, c.end_of_sentence)).collect();
        assert_eq!(summary, vec![(",", false), (".", true), ("?", true)]);
        assert_eq!(c[0].phonemes, "həlˈoʊ");
    }

    #[test]
    fn unknown_voice_is_an_error() {
        let e = clauses("no-such-voice-xx", "hi").unwrap_err();
        assert!(e.to_string().contains("no-such-voice-xx"), "{e}");
    }

    #[test]
    fn text_with_nul_is_refused() {
        assert!(matches!(clauses("en-us", "a\0b"), Err(VoiceError::TextHasNul)));
    }

    #[test]
    fn espeak_synth_speaks_at_22050() {
        let (samples, rate) = synthesize("en-us", "Testing one two three.").unwrap();
        assert_eq!(rate, 22050);
        assert!(samples.len() > 22050 / 2, "{} samples", samples.len());
        assert!(samples.iter().any(|s| s.unsigned_abs() > 1000));
    }
}
