//! A Piper graph cut at the vocoder's input, and the vocoder cut again after its first stage,
//! so that the vocoder can run over a long sentence a piece at a time.
//!
//! Why: a VITS graph turns phoneme ids into a latent sequence (about 86 frames a second of
//! speech, 192 values each) and its HiFi-GAN vocoder upsamples that 256 times into samples. The
//! vocoder's intermediate tensors are what make an inference's memory grow with the sentence
//! (0.77 GB for one sentence at the 200-character cap, docs/bench.md "Memory"). The vocoder is
//! convolutional with a receptive field of a few frames, so it gives the same samples when run
//! on overlapping pieces of the latent sequence; what the pieces need at once is bounded by the
//! piece, not by the sentence. Most of that receptive field is in the vocoder's first stage and
//! most of its work in the later ones, so the two run in separate windows ([`Front`]).
//!
//! In: the bytes of a Piper `.onnx` file. Out: ONNX models (the text encoder, duration
//! predictor and flow ending at the latent; the vocoder's first stage; the rest of the
//! vocoder), or `None` for a graph without the layout of Piper's VITS export, which is then run
//! whole. Every part has its one-dimensional convolutions widened to two dimensions
//! ([`widen_convs`]), and the vocoder's upsamplings are rewritten as pairs of such convolutions
//! ([`split_upsamplings`]), which ONNX Runtime runs faster; the wide convolutions of the encoder
//! and of the vocoder's first stage are computed by Winograd's minimal filtering
//! ([`winograd_convs`]); for sessions that run its graph
//! optimizations, the vocoder's parts are also rewritten so that its blocked layout runs through
//! them ([`keep_blocked`]). The text encoder's relative-position attention is computed over its
//! window only ([`band_relative_attention`]). Must never happen: a cut or a rewrite that changes what the graph
//! computes beyond float rounding (sums in another order, the tiles' transforms), or a graph
//! refused because it cannot be cut.

use std::collections::{HashMap, HashSet};

use onnx_protobuf::{GraphProto, Message, ModelProto, NodeProto, TypeProto, ValueInfoProto};

use super::native::Tail;

mod blocked;
mod relative;
mod upsample;
mod winograd;

pub use blocked::{fold_divisions, keep_blocked, Rewrites, PHASES};
pub use relative::band_relative_attention;
pub use upsample::split_upsamplings;
pub(in crate::voice) use winograd::Transforms;
pub use winograd::{winograd_convs, winograd_convs_inline, TILE};

/// The weight of the vocoder's first convolution in every Piper VITS export (the PyTorch module
/// `dec.conv_pre`); the tensor that convolution reads is the latent sequence. Initializer names
/// come from the model's state dict, so they hold whatever exporter wrote the graph.
pub const VOCODER_FIRST_WEIGHT: &str = "dec.conv_pre.weight";

/// The graph inputs the vocoder may read besides the latent: the speaker of a multi-speaker
/// voice conditions it. Anything else (the ids, their length, the scales) would make its
/// output depend on the whole sentence, and the graph is then run whole.
const VOCODER_MAY_READ: &[&str] = &["sid"];

/// The start of every name [`widen_convs`] adds to a graph (no exporter writes it).
const WIDE: &str = "nashra.wide";

/// The parts of a Piper graph, as serialized ONNX models, their one-dimensional convolutions
/// widened (see [`widen_convs`]).
#[derive(Debug, Clone)]
pub struct Halves {
    /// Same inputs as the whole graph; one output, the latent sequence `[1, channels, frames]`.
    pub encoder: Vec<u8>,
    /// The vocoder's first stage (up to its second upsampling), run in windows of its own;
    /// `None` when the vocoder is not cut there.
    pub front: Option<Front>,
    /// The vocoder (or the rest of it after [`Halves::front`]), run in windows: reads
    /// [`Halves::windowed`] (and the inputs in [`Halves::vocoder_inputs`]); its output is the
    /// whole graph's output for that input.
    pub vocoder: Vec<u8>,
    /// The name of the latent tensor, the encoder's output.
    pub latent: String,
    /// The tensor [`Halves::vocoder`] reads: the latent, or the front's output.
    pub windowed: String,
    /// Positions of [`Halves::windowed`] per latent frame (1 for the latent itself).
    pub rate: usize,
    /// The whole graph's inputs [`Halves::vocoder`] also reads (`sid` for a multi-speaker voice).
    pub vocoder_inputs: Vec<String>,
    /// The positions of [`Halves::windowed`] a window needs on each side ([`vocoder_context`]),
    /// `None` when the graph does not say.
    pub context: Option<usize>,
    /// What [`keep_blocked`] rewrote in [`Halves::vocoder`]; `None` when it did not run.
    pub blocked: Option<Rewrites>,
    /// The weights of the encoder's convolutions that [`winograd_convs`] rewrote (one each),
    /// inputs of [`Halves::encoder`] that every run must be given.
    pub encoder_weights: Vec<SharedWeight>,
    /// [`Halves::vocoder`] as [`crate::voice::native`] computes it, when it knows every op
    /// (the sessions use it where the CPU runs its tiles, [`crate::voice::native::supported`]).
    pub native: Option<std::sync::Arc<Tail>>,
}

/// A weight a rewrite computed, kept out of the serialized graph: the graph reads it as an
/// input of its name, type and shape, and every run is given this one copy (ONNX Runtime reads
/// a run's inputs in place), where an initializer is copied into each session. Why: the
/// encoder's tiled weights ([`winograd_convs`]) are 1.6-2 times the convolutions' (80 MB
/// against 45 for joe); as initializers of each of two sessions they raised a render's peak
/// memory by 55 MB. (ONNX Runtime's `AddInitializer` would share them too, but it refuses a
/// graph whose initializer of that name holds no values.)
#[derive(Debug, Clone, PartialEq)]
pub struct SharedWeight {
    pub name: String,
    pub dims: Vec<i64>,
    pub values: Vec<f32>,
}

impl SharedWeight {
    /// The graph input that stands for this weight: name, type and shape.
    fn input(&self) -> ValueInfoProto {
        let mut info = float_tensor_info(&self.name);
        let shape =
            info.type_.mut_or_insert_default().mut_tensor_type().shape.mut_or_insert_default();
        for &dim in &self.dims {
            let mut d = onnx_protobuf::tensor_shape_proto::Dimension::new();
            d.set_dim_value(dim);
            shape.dim.push(d);
        }
        info
    }
}

/// The vocoder's first stage, cut off so that it runs in windows of its own, longer than the
/// rest's.
///
/// Why: a window's context is run and thrown away, and most of a HiFi-GAN vocoder's reach (the
/// dilated convolutions of its first stage, at 8 positions a frame) is at its start, while most
/// of its work is in the later stages at 64 and 256 positions a frame. Cut there, the later
/// stages' windows need about one frame of context instead of 13 (joe), and the first stage,
/// a fifth of the work with small tensors, runs in windows twice as long with its own 11.
#[derive(Debug, Clone)]
pub struct Front {
    /// Reads the latent (and `sid` when the vocoder does); one output, [`Halves::windowed`].
    pub model: Vec<u8>,
    /// Whether it reads the speaker id.
    pub reads_speaker: bool,
    /// Latent frames of context its windows need on each side ([`vocoder_context`]).
    pub context: Option<usize>,
    /// What [`keep_blocked`] rewrote in [`Front::model`]; `None` when it did not run.
    pub blocked: Option<Rewrites>,
    /// [`Front::model`] as [`crate::voice::native`] computes it, when it knows every op.
    pub native: Option<std::sync::Arc<Tail>>,
}

/// Splits the Piper graph in `model`. `blocked`: the sessions will run ONNX Runtime's graph
/// optimizations, so the vocoder's parts are also rewritten for its blocked layout
/// ([`keep_blocked`]). `Ok(None)`: the graph is valid but not one this module knows how to cut
/// (no vocoder found, a vocoder that reads more than the latent and speaker, control flow);
/// `Err`: the bytes are not an ONNX model.
pub fn split(model: &[u8], blocked: bool) -> Result<Option<Halves>, protobuf::Error> {
    split_model(ModelProto::parse_from_bytes(model)?, blocked)
}

/// [`split`] of a model already parsed. Why: parsed from its file a piece at a time
/// (`parse_from_reader`), a voice's weights are copied once, into the parsed model, where
/// reading the file whole first held and faulted in a second copy (63 MB for joe, about 60 ms
/// of the cut's CPU on a virtual machine).
pub fn split_model(
    mut header: ModelProto,
    blocked: bool,
) -> Result<Option<Halves>, protobuf::Error> {
    let Some(graph) = header.graph.take() else { return Ok(None) };
    let Some(latent) = latent_name(&graph) else { return Ok(None) };
    if graph.node.iter().any(has_subgraph) {
        return Ok(None);
    }
    let Ok(Cut { first: mut encoder, second: mut vocoder, second_inputs: mut vocoder_inputs }) =
        cut(graph, &latent, VOCODER_MAY_READ)
    else {
        return Ok(None);
    };
    if blocked {
        fold_divisions(&mut vocoder);
    }
    let (mut windowed, mut rate, mut front) = (latent.clone(), 1, None);
    // One walk gives the first stage's rate and, from its end's reach, its windows' context.
    let stage = first_stage_end(&vocoder).and_then(|end| {
        let reach = *reach_from(&vocoder, &latent)?.get(end.as_str())?;
        Some((end, usize::try_from(reach.rate).ok()?, reach.context()))
    });
    if let Some((end, end_rate, front_context)) = stage {
        let reads_speaker = !vocoder_inputs.is_empty();
        vocoder = match cut(vocoder, &end, VOCODER_MAY_READ) {
            Ok(Cut { first, second, second_inputs }) => {
                front = Some((first, reads_speaker, front_context));
                (windowed, rate, vocoder_inputs) = (end, end_rate, second_inputs);
                second
            }
            Err(whole) => *whole,
        };
    }
    // The walks read the graphs before widening. The rest's output rate is the whole graph's
    // over the windowed tensor's; the first stage's is the windowed tensor's own.
    let reach = output_reach(&vocoder, &windowed);
    let context = reach.and_then(Reach::context);
    // The later stages as this crate computes them, from the graph as exported; a vocoder
    // that reads the speaker there stays with ONNX Runtime.
    let native = match (&front, vocoder_inputs.is_empty()) {
        (Some(_), true) => Tail::from_graph(&vocoder, &windowed).map(std::sync::Arc::new),
        _ => None,
    };
    let axes_as_input = default_opset(&header) >= 13;
    // The vocoder's parts as ONNX Runtime runs them fastest.
    let rewrite = |graph: &mut GraphProto, output_rate: Option<u64>| {
        widen_convs(graph, axes_as_input);
        split_upsamplings(graph, axes_as_input);
        blocked.then(|| keep_blocked(graph, axes_as_input, output_rate))
    };
    // The text encoder's attention over its window, for every session: the same latent for
    // less work, and nothing to compute as the voice loads but a small transposed copy.
    if default_opset(&header) >= 11 {
        band_relative_attention(&mut encoder);
    }
    // The encoder's wide convolutions in tiles (the rest widened), for the sessions that an
    // edition builds: the rewrite costs about 70 ms as the voice loads and its weights are
    // 35 MB more (joe), which `speak`'s quick start, waiting for its first audio, does not win
    // back on one sentence.
    let encoder_weights =
        if blocked && axes_as_input { winograd_convs(&mut encoder) } else { Vec::new() };
    widen_convs(&mut encoder, axes_as_input);
    let vocoder_blocked = rewrite(&mut vocoder, reach.map(|r| r.rate));
    let front = match front {
        Some((mut graph, reads_speaker, context)) => {
            let native = match reads_speaker {
                false => Tail::from_graph(&graph, &latent).map(std::sync::Arc::new),
                true => None,
            };
            // Its residual convolutions of kernels 3 and 5 in tiles too; their weights (about
            // 2 MB for joe) stay in its graph.
            if blocked && axes_as_input {
                winograd_convs_inline(&mut graph);
            }
            let blocked = rewrite(&mut graph, u64::try_from(rate).ok());
            Some(Front {
                model: with_graph(&header, graph)?,
                reads_speaker,
                context,
                blocked,
                native,
            })
        }
        None => None,
    };
    Ok(Some(Halves {
        encoder: with_graph(&header, encoder)?,
        front,
        vocoder: with_graph(&header, vocoder)?,
        latent,
        windowed,
        rate,
        vocoder_inputs,
        context,
        blocked: vocoder_blocked,
        encoder_weights,
        native,
    }))
}

/// A graph cut in two at one tensor.
struct Cut {
    /// Every input of the graph; one output, the tensor cut at.
    first: GraphProto,
    /// Reads the tensor cut at and [`Cut::second_inputs`]; the graph's outputs.
    second: GraphProto,
    /// The graph's inputs the second part reads.
    second_inputs: Vec<String>,
}

/// Cuts `graph` at tensor `at`, or gives it back when the part after `at` reads a graph input
/// not in `may_read` (its output would then depend on more than `at`) or the part before needs
/// a name nothing makes.
fn cut(mut graph: GraphProto, at: &str, may_read: &[&str]) -> Result<Cut, Box<GraphProto>> {
    let inputs: Vec<String> = graph.input.iter().map(|v| v.name.clone()).collect();
    let outputs: Vec<String> = graph.output.iter().map(|v| v.name.clone()).collect();
    let initializers: HashSet<String> = graph.initializer.iter().map(|t| t.name.clone()).collect();

    let at = at.to_owned();
    let first_nodes = needed_nodes(&graph.node, std::slice::from_ref(&at), &HashSet::new());
    let stop = HashSet::from([at.clone()]);
    let second_nodes = needed_nodes(&graph.node, &outputs, &stop);
    let second_reads = reads(&graph.node, &second_nodes);
    let second_made = made_by(&graph.node, &second_nodes);
    let mut second_inputs = Vec::new();
    for name in &second_reads {
        if second_made.contains(name)
            || initializers.contains(name)
            || *name == at
            || name.is_empty()
        {
            continue;
        }
        if inputs.contains(name) && may_read.contains(&name.as_str()) {
            second_inputs.push(name.clone());
        } else {
            return Err(Box::new(graph));
        }
    }
    let first_reads = reads(&graph.node, &first_nodes);
    let first_made = made_by(&graph.node, &first_nodes);
    let resolvable = |name: &String| {
        name.is_empty()
            || initializers.contains(name)
            || inputs.contains(name)
            || first_made.contains(name)
    };
    if !first_reads.iter().all(resolvable) {
        return Err(Box::new(graph));
    }

    let at_info = graph
        .value_info
        .iter()
        .chain(&graph.input)
        .find(|v| v.name == at)
        .cloned()
        .unwrap_or_else(|| float_tensor_info(&at));

    // The parts share few nodes and initializers (a constant, the speaker embedding): those
    // are copied, the rest moved, so that the weights are never held three times.
    let mut first = GraphProto { name: format!("{}-1", graph.name), ..Default::default() };
    let mut second = GraphProto { name: format!("{}-2", graph.name), ..Default::default() };
    let first_set: HashSet<usize> = first_nodes.iter().copied().collect();
    let second_set: HashSet<usize> = second_nodes.iter().copied().collect();
    for (i, node) in std::mem::take(&mut graph.node).into_iter().enumerate() {
        let wanted = (first_set.contains(&i), second_set.contains(&i));
        deal(node, wanted, &mut first.node, &mut second.node);
    }
    for tensor in std::mem::take(&mut graph.initializer) {
        let wanted = (first_reads.contains(&tensor.name), second_reads.contains(&tensor.name));
        deal(tensor, wanted, &mut first.initializer, &mut second.initializer);
    }
    for info in std::mem::take(&mut graph.value_info) {
        if info.name != at {
            let wanted = (first_made.contains(&info.name), second_made.contains(&info.name));
            deal(info, wanted, &mut first.value_info, &mut second.value_info);
        }
    }
    // The first part keeps every input of the graph, so that the caller feeds both the same.
    first.input = graph.input.clone();
    first.output.push(at_info.clone());
    second.input.push(at_info);
    second.input.extend(graph.input.iter().filter(|v| second_inputs.contains(&v.name)).cloned());
    second.output = std::mem::take(&mut graph.output);
    Ok(Cut { first, second, second_inputs })
}

/// The tensor a vocoder's second transposed convolution reads: the end of its first stage
/// (upsampling and the residual blocks at that rate). `None` for a vocoder with fewer.
fn first_stage_end(graph: &GraphProto) -> Option<String> {
    graph
        .node
        .iter()
        .filter(|n| n.op_type == "ConvTranspose" && n.domain.is_empty())
        .nth(1)
        .and_then(|n| n.input.first().cloned())
}

/// How far apart in time what the vocoder reads and what it writes can be: the positions of
/// `input` (latent frames, or the front's output) a window needs on each side of the positions
/// whose samples it keeps, so that those samples are the ones a run over the whole sentence
/// gives. `None` when the graph does something to a tensor
/// on the latent's time axis that this walk does not follow (any op but convolutions and
/// elementwise ones); the caller then takes a fixed margin.
///
/// Why computed rather than fixed: the context is run and thrown away with every window (a
/// quarter of the vocoder's work at 16 frames on 128), so it should be no larger than the graph
/// needs, and a voice with a larger vocoder than joe's must get what it needs.
///
/// The walk follows the graph from `input` in order and keeps, for each tensor that depends on
/// it, its rate (positions per input position) and how many positions before and after its own an
/// output position may read, both in its own positions. A convolution of kernel `k`, dilation
/// `d` and padding `begin` reads `begin` before and `(k - 1) d - begin` after; a transposed one
/// of stride `s` multiplies the rate and what came before by `s`. Elementwise ops read the
/// furthest of their inputs. The answer is rounded up to whole input positions, plus one for a
/// sample that falls between two.
pub fn vocoder_context(graph: &GraphProto, input: &str) -> Option<usize> {
    output_reach(graph, input)?.context()
}

/// Where `graph`'s first output stands on the time axis of `input`, when the walk follows the
/// graph.
fn output_reach(graph: &GraphProto, input: &str) -> Option<Reach> {
    let reach = reach_from(graph, input)?;
    graph.output.first().and_then(|o| reach.get(o.name.as_str())).copied()
}

/// Where each tensor that depends on `input` stands on its time axis (see [`vocoder_context`]);
/// `None` when an op the walk does not follow touches one.
fn reach_from<'g>(graph: &'g GraphProto, input: &'g str) -> Option<HashMap<&'g str, Reach>> {
    let weights: HashMap<&str, &[i64]> =
        graph.initializer.iter().map(|t| (t.name.as_str(), t.dims.as_slice())).collect();
    let mut reach: HashMap<&str, Reach> =
        HashMap::from([(input, Reach { rate: 1, before: 0, after: 0 })]);
    for node in &graph.node {
        let timed: Vec<Reach> =
            node.input.iter().filter_map(|name| reach.get(name.as_str()).copied()).collect();
        let Some(first) = timed.first().copied() else { continue };
        let out = match node.op_type.as_str() {
            "Conv" | "ConvTranspose"
                if timed.len() == 1
                    && node.input.first().is_some_and(|i| reach.contains_key(i.as_str())) =>
            {
                first.through(&ConvShape::of(node, &weights)?)?
            }
            op if POSITIONWISE.contains(&op) => timed.iter().try_fold(first, |a, b| {
                (a.rate == b.rate).then(|| Reach {
                    rate: a.rate,
                    before: a.before.max(b.before),
                    after: a.after.max(b.after),
                })
            })?,
            _ => return None,
        };
        for output in &node.output {
            reach.insert(output.as_str(), out);
        }
    }
    Some(reach)
}

/// The ops whose output at a time position reads their inputs at that position only: the
/// elementwise ones (broadcasting tensors that do not depend on the latent, such as a bias or a
/// speaker's embedding), and those that add or drop axes of size one (Piper's output is
/// `[1, 1, 1, samples]`).
const POSITIONWISE: &[&str] = &[
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Pow",
    "LeakyRelu",
    "Relu",
    "Tanh",
    "Sigmoid",
    "Exp",
    "Log",
    "Sqrt",
    "Neg",
    "Abs",
    "Clip",
    "Softplus",
    "Identity",
    "Cast",
    "Where",
    "Erf",
    "Unsqueeze",
    "Squeeze",
];

/// Where a tensor on the time axis of the walk's input stands (see [`vocoder_context`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Reach {
    /// Positions per position of the walk's input.
    rate: u64,
    /// Positions before and after its own that one position may read, in its own positions.
    before: u64,
    after: u64,
}

/// The time-axis shape of a one-dimensional convolution or transposed convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ConvShape {
    transposed: bool,
    kernel: u64,
    stride: u64,
    dilation: u64,
    pad_begin: u64,
}

impl ConvShape {
    /// The shape of `node`, or `None` for one that is not one-dimensional or pads automatically
    /// (its padding then depends on the input's length).
    fn of(node: &NodeProto, weights: &HashMap<&str, &[i64]>) -> Option<ConvShape> {
        let ints =
            |name: &str| node.attribute.iter().find(|a| a.name == name).map(|a| a.ints.as_slice());
        let one = |name: &str| match ints(name) {
            None => Some(1),
            Some(&[v]) => u64::try_from(v).ok(),
            Some(_) => None,
        };
        let auto_pad = node.attribute.iter().find(|a| a.name == "auto_pad");
        if auto_pad.is_some_and(|a| !a.s.is_empty() && a.s != b"NOTSET") {
            return None;
        }
        let kernel = match ints("kernel_shape") {
            Some(&[k]) => u64::try_from(k).ok()?,
            Some(_) => return None,
            None => match *weights.get(node.input.get(1)?.as_str())? {
                &[_, _, k] => u64::try_from(k).ok()?,
                _ => return None,
            },
        };
        let pad_begin = match ints("pads") {
            None => 0,
            Some(&[begin, _]) => u64::try_from(begin).ok()?,
            Some(_) => return None,
        };
        let shape = ConvShape {
            transposed: node.op_type == "ConvTranspose",
            kernel,
            stride: one("strides")?,
            dilation: one("dilations")?,
            pad_begin,
        };
        (shape.kernel > 0 && shape.stride > 0 && shape.dilation > 0).then_some(shape)
    }
}

impl Reach {
    /// The input positions a window needs on each side to give this tensor's positions as a
    /// whole run does: the further reach rounded up to whole input positions, plus one for a
    /// position that falls between two.
    fn context(self) -> Option<usize> {
        usize::try_from(self.before.max(self.after).div_ceil(self.rate)).ok().map(|c| c + 1)
    }

    /// Where the output of `conv` stands when it reads `self`.
    fn through(self, conv: &ConvShape) -> Option<Reach> {
        let span = (conv.kernel - 1) * conv.dilation;
        if conv.transposed {
            // Output o sums inputs i with i*s + j*d = o + begin for j < k: the inputs a stride
            // apart around o/s, in output positions up to span - begin before and begin after.
            let before =
                (self.before * conv.stride).checked_add(span.checked_sub(conv.pad_begin)?)?;
            let after = (self.after * conv.stride).checked_add(conv.pad_begin)?;
            return Some(Reach { rate: self.rate.checked_mul(conv.stride)?, before, after });
        }
        if conv.stride != 1 {
            return None;
        }
        Some(Reach {
            rate: self.rate,
            before: self.before.checked_add(conv.pad_begin)?,
            after: self.after.checked_add(span.checked_sub(conv.pad_begin)?)?,
        })
    }
}

/// The version of the standard operator set the model is written against (0 if it names none).
fn default_opset(model: &ModelProto) -> i64 {
    model
        .opset_import
        .iter()
        .filter(|o| o.domain.is_empty() || o.domain == "ai.onnx")
        .map(|o| o.version)
        .max()
        .unwrap_or(0)
}

/// Rewrites each one-dimensional convolution of `graph` as a two-dimensional one of height 1,
/// between an `Unsqueeze` and a `Squeeze` of that height; returns how many it rewrote.
/// `axes_as_input`: the operator set is 13 or later, where those two take their axes as an
/// input rather than an attribute.
///
/// Why: ONNX Runtime's CPU provider runs two-dimensional convolutions in its blocked (NCHWc)
/// layout, with kernels faster than the unfold-and-multiply path one-dimensional ones take,
/// and Piper's graphs are almost all one-dimensional convolutions (about 70% of the CPU time of
/// either half). Measured with the joe voice, one thread, idle machine: convolutions about 20%
/// faster, less the layout changes around each; a vocoder window 10% faster, a whole inference
/// 7% (docs/bench.md, "Widened convolutions"). The arithmetic is the same; the
/// sums run in another order, so samples move by under 1e-5 (a third of a 16-bit step). Without
/// graph optimizations (`nashra speak`'s quick start) the layout change does not happen and the
/// widened graph runs as fast as the original.
///
/// A convolution is left as it is unless its weight is a three-dimensional initializer that no
/// other node reads (the weight is reshaped in place: the same values in the same order).
pub fn widen_convs(graph: &mut GraphProto, axes_as_input: bool) -> usize {
    let readers = readers(graph);
    let weights: HashMap<String, usize> = graph
        .initializer
        .iter()
        .enumerate()
        .filter(|(_, t)| t.dims.len() == 3 && readers.get(&t.name) == Some(&1))
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    let axes = height_axes();
    let mut nodes = Vec::with_capacity(graph.node.len());
    let mut widened = 0;
    for mut node in std::mem::take(&mut graph.node) {
        let weight = (node.op_type == "Conv" && node.domain.is_empty())
            .then(|| node.input.get(1).and_then(|w| weights.get(w)))
            .flatten();
        let (Some(&weight), Some(input), Some(output)) =
            (weight, node.input.first().cloned(), node.output.first().cloned())
        else {
            nodes.push(node);
            continue;
        };
        if input.is_empty() || !node.attribute.iter().all(is_one_dimensional) {
            nodes.push(node);
            continue;
        }
        node.attribute.iter_mut().for_each(widen_attribute);
        graph.initializer[weight].dims.insert(2, 1);
        let (wide_in, wide_out) = (format!("{WIDE}.{widened}.in"), format!("{WIDE}.{widened}.out"));
        nodes.push(height_node("Unsqueeze", &input, &wide_in, &axes, axes_as_input));
        node.input[0] = wide_in;
        node.output[0] = wide_out.clone();
        nodes.push(node);
        nodes.push(height_node("Squeeze", &wide_out, &output, &axes, axes_as_input));
        widened += 1;
    }
    graph.node = nodes;
    if widened > 0 {
        add_height_axes(graph, axes_as_input);
    }
    widened
}

/// Whether `node` is the standard operator `op` writing one tensor from an input, a weight and
/// perhaps a bias: the form of the convolutions the rewrites replace.
fn is_convolution(node: &NodeProto, op: &str) -> bool {
    node.op_type == op
        && node.domain.is_empty()
        && node.output.len() == 1
        && (2..=3).contains(&node.input.len())
        && !node.input[0].is_empty()
}

/// The initializer `name`, if it is one and no other node reads it, so that a rewrite may
/// replace it with the node that reads it.
fn sole_initializer<'a>(
    name: &str,
    initializers: &'a [onnx_protobuf::TensorProto],
    readers: &HashMap<String, usize>,
) -> Option<&'a onnx_protobuf::TensorProto> {
    (readers.get(name) == Some(&1)).then(|| initializers.iter().find(|t| t.name == name)).flatten()
}

/// The bias of a convolution `node` (its third input) of `outputs` channels: `Some(None)` when
/// it has none, `None` when it has one a rewrite cannot take (not a sole initializer of that
/// many floats held in the model).
fn convolution_bias(
    node: &NodeProto,
    initializers: &[onnx_protobuf::TensorProto],
    readers: &HashMap<String, usize>,
    outputs: usize,
) -> Option<Option<Vec<f32>>> {
    let Some(name) = node.input.get(2).filter(|b| !b.is_empty()) else { return Some(None) };
    let tensor = sole_initializer(name, initializers, readers)?;
    let values = float_values(tensor)?;
    (tensor.dims.as_slice() == [outputs as i64] && values.len() == outputs).then_some(Some(values))
}

/// How many nodes read each name of `graph`: a weight read by one node only may be reshaped
/// or replaced with that node.
fn readers(graph: &GraphProto) -> HashMap<String, usize> {
    let mut readers: HashMap<String, usize> = HashMap::new();
    for name in graph.node.iter().flat_map(|n| n.input.iter()) {
        *readers.entry(name.clone()).or_default() += 1;
    }
    readers
}

/// The name of the initializer `[2]` that the height's `Unsqueeze` and `Squeeze` read from
/// operator set 13 on.
fn height_axes() -> String {
    format!("{WIDE}.axes")
}

/// Adds [`height_axes`] to `graph` when the operator set takes axes as an input and the graph
/// does not have it yet.
fn add_height_axes(graph: &mut GraphProto, axes_as_input: bool) {
    let axes = height_axes();
    if axes_as_input && !graph.initializer.iter().any(|t| t.name == axes) {
        graph.initializer.push(int64s(&axes, &[2]));
    }
}

/// Whether a convolution's attribute has the shape of a one-dimensional convolution's (any
/// attribute without a per-axis list has).
fn is_one_dimensional(attribute: &onnx_protobuf::AttributeProto) -> bool {
    match attribute.name.as_str() {
        "kernel_shape" | "strides" | "dilations" => attribute.ints.len() == 1,
        "pads" => attribute.ints.len() == 2,
        _ => true,
    }
}

/// A one-dimensional convolution's attribute in its two-dimensional form: height 1, and no
/// stride, dilation or padding along the height.
fn widen_attribute(attribute: &mut onnx_protobuf::AttributeProto) {
    let wide = match (attribute.name.as_str(), attribute.ints.as_slice()) {
        ("kernel_shape" | "strides" | "dilations", &[along]) => vec![1, along],
        ("pads", &[begin, end]) => vec![0, begin, 0, end],
        _ => return,
    };
    attribute.ints = wide;
}

/// An `Unsqueeze` or `Squeeze` of axis 2 (the height of a widened convolution).
fn height_node(op: &str, input: &str, output: &str, axes: &str, axes_as_input: bool) -> NodeProto {
    let mut node = plain_node(op, vec![input.to_owned()], output);
    if axes_as_input {
        node.input.push(axes.to_owned());
    } else {
        node.attribute.push(ints("axes", &[2]));
    }
    node
}

/// A node of the standard operator set writing `output`, named after it.
fn plain_node(op: &str, inputs: Vec<String>, output: &str) -> NodeProto {
    NodeProto {
        op_type: op.to_owned(),
        name: format!("{output}.{op}"),
        input: inputs,
        output: vec![output.to_owned()],
        ..Default::default()
    }
}

/// A one-dimensional INT64 initializer.
fn int64s(name: &str, values: &[i64]) -> onnx_protobuf::TensorProto {
    onnx_protobuf::TensorProto {
        name: name.to_owned(),
        dims: vec![values.len() as i64],
        // TensorProto.DataType.INT64
        data_type: 7,
        int64_data: values.to_vec(),
        ..Default::default()
    }
}

/// An attribute holding a list of integers.
fn ints(name: &str, values: &[i64]) -> onnx_protobuf::AttributeProto {
    onnx_protobuf::AttributeProto {
        name: name.to_owned(),
        // AttributeProto.AttributeType.INTS
        type_: protobuf::EnumOrUnknown::from_i32(7),
        ints: values.to_vec(),
        ..Default::default()
    }
}

/// TensorProto.DataType.FLOAT.
const FLOAT: i32 = 1;

/// The values of a float initializer held in the model (not in an external file).
pub(in crate::voice) fn float_values(tensor: &onnx_protobuf::TensorProto) -> Option<Vec<f32>> {
    if tensor.data_type != FLOAT || !tensor.external_data.is_empty() {
        return None;
    }
    if tensor.raw_data.is_empty() {
        return Some(tensor.float_data.clone());
    }
    let chunks = tensor.raw_data.chunks_exact(4);
    chunks
        .remainder()
        .is_empty()
        .then(|| chunks.map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
}

/// A float initializer held in the model, its values as raw little-endian bytes.
fn floats(name: &str, dims: &[i64], values: Vec<f32>) -> onnx_protobuf::TensorProto {
    onnx_protobuf::TensorProto {
        name: name.to_owned(),
        dims: dims.to_vec(),
        data_type: FLOAT,
        raw_data: {
            let mut bytes = vec![0; values.len() * 4];
            bytes
                .chunks_exact_mut(4)
                .zip(&values)
                .for_each(|(b, v)| b.copy_from_slice(&v.to_le_bytes()));
            bytes
        },
        ..Default::default()
    }
}

/// An attribute holding one integer.
fn int(name: &str, value: i64) -> onnx_protobuf::AttributeProto {
    onnx_protobuf::AttributeProto {
        name: name.to_owned(),
        // AttributeProto.AttributeType.INT
        type_: protobuf::EnumOrUnknown::from_i32(2),
        i: value,
        ..Default::default()
    }
}

/// Puts `item` in the halves that want it (`(encoder, vocoder)`): moved into one, copied
/// only when both do.
fn deal<T: Clone>(item: T, wanted: (bool, bool), encoder: &mut Vec<T>, vocoder: &mut Vec<T>) {
    match wanted {
        (true, true) => {
            encoder.push(item.clone());
            vocoder.push(item);
        }
        (true, false) => encoder.push(item),
        (false, true) => vocoder.push(item),
        (false, false) => {}
    }
}

/// The tensor the vocoder's first convolution reads.
fn latent_name(graph: &GraphProto) -> Option<String> {
    graph
        .node
        .iter()
        .find(|n| n.op_type == "Conv" && n.input.get(1).is_some_and(|w| w == VOCODER_FIRST_WEIGHT))
        .and_then(|n| n.input.first().cloned())
}

/// Whether `node` holds a graph of its own (If, Loop, Scan), whose reads of outer names this
/// module does not follow.
fn has_subgraph(node: &NodeProto) -> bool {
    node.attribute.iter().any(|a| a.g.is_some() || !a.graphs.is_empty())
}

/// The indices of the nodes needed to compute `targets`, not looking past the names in `stop`,
/// in graph order (which ONNX requires to be topological).
fn needed_nodes(nodes: &[NodeProto], targets: &[String], stop: &HashSet<String>) -> Vec<usize> {
    let producer: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .flat_map(|(i, n)| n.output.iter().map(move |o| (o.as_str(), i)))
        .collect();
    let mut needed = HashSet::new();
    let mut pending: Vec<&str> = targets.iter().map(String::as_str).collect();
    while let Some(name) = pending.pop() {
        if stop.contains(name) {
            continue;
        }
        if let Some(&i) = producer.get(name) {
            if needed.insert(i) {
                pending.extend(nodes[i].input.iter().map(String::as_str));
            }
        }
    }
    let mut order: Vec<usize> = needed.into_iter().collect();
    order.sort_unstable();
    order
}

/// Every name the nodes at `indices` write.
fn made_by(nodes: &[NodeProto], indices: &[usize]) -> HashSet<String> {
    indices.iter().flat_map(|&i| nodes[i].output.iter().cloned()).collect()
}

/// Every name the nodes at `indices` read.
fn reads(nodes: &[NodeProto], indices: &[usize]) -> HashSet<String> {
    indices.iter().flat_map(|&i| nodes[i].input.iter().cloned()).collect()
}

/// A graph input or output declared as a float tensor of unknown shape, for a latent the
/// exporter gave no shape record.
fn float_tensor_info(name: &str) -> ValueInfoProto {
    let mut kind = TypeProto::new();
    // TensorProto.DataType.FLOAT
    kind.mut_tensor_type().elem_type = 1;
    ValueInfoProto {
        name: name.to_owned(),
        type_: protobuf::MessageField::some(kind),
        ..Default::default()
    }
}

/// `header` (versions, opsets, metadata) around `graph`, serialized.
fn with_graph(header: &ModelProto, graph: GraphProto) -> Result<Vec<u8>, protobuf::Error> {
    let mut model = header.clone();
    model.graph = protobuf::MessageField::some(graph);
    model.write_to_bytes()
}

/// What the rewrites' tests (and the voice's) share: weights and inputs, a run of a graph in ONNX
/// Runtime, and the largest difference between two runs.
#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
pub(in crate::voice) mod testing {
    use onnx_protobuf::{GraphProto, Message, ModelProto, OperatorSetIdProto};
    use ort::session::builder::GraphOptimizationLevel;
    use ort::session::Session;
    use ort::value::Tensor;

    /// Values that are neither symmetric nor repeating, so that a weight taken from the wrong
    /// place shows.
    pub fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n).map(|i| (((i * 7919 + seed * 104_729) % 1000) as f32 / 500.0) - 1.0).collect()
    }

    /// `graph` (operator set 15) run on `x` of shape `[1, channels, x.len() / channels]` fed to
    /// its input `x`, with ONNX Runtime's graph optimizations or without: its first output.
    pub fn run(graph: &GraphProto, channels: usize, x: &[f32], optimized: bool) -> Vec<f32> {
        let model = ModelProto {
            ir_version: 8,
            opset_import: vec![OperatorSetIdProto { version: 15, ..Default::default() }],
            graph: protobuf::MessageField::some(graph.clone()),
            ..Default::default()
        };
        let env = crate::runtime::ort_environment().unwrap();
        let mut builder = Session::builder(env).unwrap();
        if !optimized {
            builder = builder.with_optimization_level(GraphOptimizationLevel::Disable).unwrap();
        }
        let mut session = builder.commit_from_memory(&model.write_to_bytes().unwrap()).unwrap();
        let tensor =
            Tensor::from_array((vec![1, channels, x.len() / channels], x.to_vec())).unwrap();
        let outputs = session.run(vec![("x", tensor.into_dyn())]).unwrap();
        outputs[0].try_extract_tensor::<f32>().unwrap().1.to_vec()
    }

    /// The largest difference between two runs' samples.
    pub fn worst(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use super::*;

    fn node(op: &str, inputs: &[&str], outputs: &[&str]) -> NodeProto {
        NodeProto {
            op_type: op.into(),
            input: inputs.iter().map(|s| (*s).to_owned()).collect(),
            output: outputs.iter().map(|s| (*s).to_owned()).collect(),
            ..Default::default()
        }
    }

    fn tensor(name: &str) -> onnx_protobuf::TensorProto {
        onnx_protobuf::TensorProto { name: name.into(), ..Default::default() }
    }

    /// A graph with Piper's shape: ids -> encoder -> latent -> vocoder -> output, the vocoder
    /// conditioned on `sid` when `speakers`.
    fn piper_like(speakers: bool, vocoder_reads: &str) -> Vec<u8> {
        let mut graph = GraphProto::new();
        for name in ["input", "input_lengths", "scales"] {
            graph.input.push(float_tensor_info(name));
        }
        graph.node.push(node("Gather", &["enc.emb.weight", "input"], &["h"]));
        graph.node.push(node("Mul", &["h", "scales"], &["z"]));
        graph.node.push(node("Conv", &["z", VOCODER_FIRST_WEIGHT, "dec.conv_pre.bias"], &["c"]));
        let mut last = "c";
        if speakers {
            graph.input.push(float_tensor_info("sid"));
            graph.node.push(node("Gather", &["emb_g.weight", "sid"], &["g"]));
            graph.node.push(node("Add", &["c", "g"], &["cg"]));
            graph.initializer.push(tensor("emb_g.weight"));
            last = "cg";
        }
        graph.node.push(node("Add", &[last, vocoder_reads], &["y"]));
        graph.node.push(node("Tanh", &["y"], &["output"]));
        graph.output.push(float_tensor_info("output"));
        for name in ["enc.emb.weight", VOCODER_FIRST_WEIGHT, "dec.conv_pre.bias", "one"] {
            graph.initializer.push(tensor(name));
        }
        model_bytes(graph)
    }

    /// `graph` as the bytes of a model file.
    fn model_bytes(graph: GraphProto) -> Vec<u8> {
        ModelProto {
            ir_version: 8,
            graph: protobuf::MessageField::some(graph),
            ..Default::default()
        }
        .write_to_bytes()
        .unwrap()
    }

    fn parse(bytes: &[u8]) -> GraphProto {
        ModelProto::parse_from_bytes(bytes).unwrap().graph.unwrap()
    }

    fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<String> {
        items.iter().map(|i| name(i).to_owned()).collect()
    }

    #[test]
    fn cuts_at_the_input_of_the_vocoders_first_convolution() {
        let halves = split(&piper_like(false, "one"), true).unwrap().unwrap();
        assert_eq!(halves.latent, "z");
        assert!(halves.vocoder_inputs.is_empty());
        let encoder = parse(&halves.encoder);
        assert_eq!(names(&encoder.node, |n| &n.op_type), ["Gather", "Mul"]);
        assert_eq!(names(&encoder.input, |v| &v.name), ["input", "input_lengths", "scales"]);
        assert_eq!(names(&encoder.output, |v| &v.name), ["z"]);
        assert_eq!(names(&encoder.initializer, |t| &t.name), ["enc.emb.weight"]);
        let vocoder = parse(&halves.vocoder);
        assert_eq!(names(&vocoder.node, |n| &n.op_type), ["Conv", "Add", "Tanh"]);
        assert_eq!(names(&vocoder.input, |v| &v.name), ["z"]);
        assert_eq!(names(&vocoder.output, |v| &v.name), ["output"]);
        assert_eq!(
            names(&vocoder.initializer, |t| &t.name),
            [VOCODER_FIRST_WEIGHT, "dec.conv_pre.bias", "one"]
        );
    }

    #[test]
    fn a_multi_speaker_vocoder_also_reads_the_speaker() {
        let halves = split(&piper_like(true, "one"), true).unwrap().unwrap();
        assert_eq!(halves.vocoder_inputs, ["sid"]);
        let vocoder = parse(&halves.vocoder);
        assert_eq!(names(&vocoder.input, |v| &v.name), ["z", "sid"]);
        assert!(names(&vocoder.initializer, |t| &t.name).contains(&"emb_g.weight".to_owned()));
    }

    #[test]
    fn a_vocoder_reading_the_sentence_is_not_cut() {
        assert!(split(&piper_like(false, "input_lengths"), true).unwrap().is_none());
    }

    #[test]
    fn a_graph_without_piper_vocoder_is_not_cut() {
        let mut graph = GraphProto::new();
        graph.node.push(node("Relu", &["x"], &["y"]));
        let bytes = ModelProto { graph: protobuf::MessageField::some(graph), ..Default::default() }
            .write_to_bytes();
        assert!(split(&bytes.unwrap(), true).unwrap().is_none());
    }

    /// A graph of one convolution `x -> y` with a weight of `dims`, its attributes as a
    /// dilated, padded one-dimensional convolution's.
    fn one_conv(dims: &[i64]) -> GraphProto {
        let mut conv = node("Conv", &["x", "w", "b"], &["y"]);
        conv.attribute = vec![
            ints("kernel_shape", &[3]),
            ints("pads", &[2, 2]),
            ints("dilations", &[2]),
            ints("strides", &[1]),
            onnx_protobuf::AttributeProto { name: "group".into(), i: 1, ..Default::default() },
        ];
        let mut graph = GraphProto::new();
        graph.node.push(conv);
        graph.initializer.push(onnx_protobuf::TensorProto { dims: dims.to_vec(), ..tensor("w") });
        graph.initializer.push(tensor("b"));
        graph
    }

    /// A convolution `input -> output` with `attributes`, its weight an initializer of `dims`.
    fn conv(
        graph: &mut GraphProto,
        op: &str,
        (input, output): (&str, &str),
        dims: &[i64],
        attributes: Vec<onnx_protobuf::AttributeProto>,
    ) {
        let weight = format!("{output}.weight");
        let mut conv = node(op, &[input, &weight], &[output]);
        conv.attribute = attributes;
        graph.node.push(conv);
        graph
            .initializer
            .push(onnx_protobuf::TensorProto { dims: dims.to_vec(), ..tensor(&weight) });
    }

    /// After `pre`: the speaker's embedding added, an 8× transposed convolution (kernel 16,
    /// padding 4) and a dilated convolution (kernel 3, dilation 5, padding 5) added to its
    /// output, which is `end`.
    fn first_stage(graph: &mut GraphProto, end: &str) {
        graph.node.push(node("Gather", &["emb_g.weight", "sid"], &["g"]));
        graph.initializer.push(tensor("emb_g.weight"));
        graph.node.push(node("Add", &["pre", "g"], &["conditioned"]));
        let up = vec![ints("kernel_shape", &[16]), ints("strides", &[8]), ints("pads", &[4, 4])];
        conv(graph, "ConvTranspose", ("conditioned", "up"), &[8, 4, 16], up);
        let dilated = vec![ints("dilations", &[5]), ints("pads", &[5, 5])];
        conv(graph, "Conv", ("up", "res"), &[4, 4, 3], dilated);
        graph.node.push(node("Add", &["up", "res"], &[end]));
    }

    /// A vocoder in miniature: `conv_pre` (kernel 7, padding 3), an 8× transposed convolution
    /// (kernel 16, padding 4) whose output a dilated convolution (kernel 3, dilation 5,
    /// padding 5) adds to, a speaker's embedding added on the way, and `Tanh`.
    fn small_vocoder() -> GraphProto {
        let mut graph = GraphProto::new();
        graph.output.push(float_tensor_info("audio"));
        conv(&mut graph, "Conv", ("z", "pre"), &[8, 4, 7], vec![ints("pads", &[3, 3])]);
        first_stage(&mut graph, "sum");
        graph.node.push(node("Tanh", &["sum"], &["audio"]));
        graph
    }

    #[test]
    fn the_vocoders_context_follows_its_convolutions_through_the_upsampling() {
        // conv_pre reads 3 frames each side; the transposed convolution turns that into 24
        // samples and adds 11 before (15 - 4) and 4 after; the dilated one adds 5 each side:
        // 40 samples before, 33 after, at 8 samples a frame 5 frames, plus 1.
        assert_eq!(vocoder_context(&small_vocoder(), "z"), Some(6));
    }

    #[test]
    fn a_vocoder_that_moves_time_some_other_way_has_no_computed_context() {
        let mut graph = small_vocoder();
        let tanh = graph.node.len() - 1;
        graph.node[tanh].input[0] = "sum_t".into();
        graph.node.insert(tanh, node("Transpose", &["sum"], &["sum_t"]));
        assert_eq!(vocoder_context(&graph, "z"), None);
        let mut strided = small_vocoder();
        strided.node[0].attribute.push(ints("strides", &[2]));
        assert_eq!(vocoder_context(&strided, "z"), None);
    }

    /// A whole graph whose vocoder has two stages: ids -> `z`; `conv_pre` (conditioned on
    /// `sid`), then an 8× transposed convolution and a dilated one (the first stage, ending at
    /// `stage1`), then a 4× transposed convolution and `Tanh`.
    fn two_stage_graph() -> Vec<u8> {
        let mut graph = GraphProto::new();
        for name in ["input", "input_lengths", "scales", "sid"] {
            graph.input.push(float_tensor_info(name));
        }
        graph.output.push(float_tensor_info("audio"));
        graph.node.push(node("Gather", &["enc.emb.weight", "input"], &["h"]));
        graph.node.push(node("Mul", &["h", "scales"], &["z"]));
        graph.initializer.push(tensor("enc.emb.weight"));
        let mut pre = node("Conv", &["z", VOCODER_FIRST_WEIGHT], &["pre"]);
        pre.attribute = vec![ints("pads", &[3, 3])];
        graph.node.push(pre);
        graph.initializer.push(onnx_protobuf::TensorProto {
            dims: vec![8, 4, 7],
            ..tensor(VOCODER_FIRST_WEIGHT)
        });
        first_stage(&mut graph, "stage1");
        let up2 = vec![ints("kernel_shape", &[8]), ints("strides", &[4]), ints("pads", &[2, 2])];
        conv(&mut graph, "ConvTranspose", ("stage1", "up2"), &[4, 1, 8], up2);
        graph.node.push(node("Tanh", &["up2"], &["audio"]));
        model_bytes(graph)
    }

    #[test]
    fn a_two_stage_vocoder_is_cut_again_after_its_first_stage() {
        let halves = split(&two_stage_graph(), true).unwrap().unwrap();
        assert_eq!((halves.latent.as_str(), halves.windowed.as_str()), ("z", "stage1"));
        assert_eq!(halves.rate, 8);
        // The speaker conditions conv_pre, in the first stage; the rest reads only stage1.
        let front = halves.front.as_ref().unwrap();
        assert!(front.reads_speaker);
        assert!(halves.vocoder_inputs.is_empty());
        // The first stage's reach: 40 samples before, 33 after at 8 a frame, as in
        // small_vocoder: 5 frames, plus 1.
        assert_eq!(front.context, Some(6));
        // The rest: up2 (kernel 8, padding 2) reads 5 of its positions before and 2 after, at
        // 4 a stage-1 position: 2 positions, plus 1.
        assert_eq!(halves.context, Some(3));
        let first = parse(&front.model);
        assert_eq!(names(&first.input, |v| &v.name), ["z", "sid"]);
        assert_eq!(names(&first.output, |v| &v.name), ["stage1"]);
        let rest = parse(&halves.vocoder);
        assert_eq!(names(&rest.input, |v| &v.name), ["stage1"]);
        assert_eq!(names(&rest.output, |v| &v.name), ["audio"]);
        assert_eq!(
            names(&rest.node, |n| &n.op_type),
            ["ConvTranspose", "Tanh"],
            "a transposed convolution is not widened"
        );
    }

    fn attribute<'a>(node: &'a NodeProto, name: &str) -> &'a onnx_protobuf::AttributeProto {
        node.attribute.iter().find(|a| a.name == name).unwrap()
    }

    #[test]
    fn a_one_dimensional_convolution_runs_as_a_two_dimensional_one_of_height_one() {
        let mut graph = one_conv(&[8, 4, 3]);
        assert_eq!(widen_convs(&mut graph, true), 1);
        assert_eq!(names(&graph.node, |n| &n.op_type), ["Unsqueeze", "Conv", "Squeeze"]);
        let axes = format!("{WIDE}.axes");
        let (unsqueeze, conv, squeeze) = (&graph.node[0], &graph.node[1], &graph.node[2]);
        // The graph still reads x and writes y; the convolution sits between.
        assert_eq!(unsqueeze.input, ["x", axes.as_str()]);
        assert_eq!(conv.input[0], unsqueeze.output[0]);
        assert_eq!(squeeze.input, [conv.output[0].as_str(), axes.as_str()]);
        assert_eq!(squeeze.output, ["y"]);
        assert_eq!(graph.initializer[0].dims, [8, 4, 1, 3]);
        assert_eq!(attribute(conv, "kernel_shape").ints, [1, 3]);
        assert_eq!(attribute(conv, "pads").ints, [0, 2, 0, 2]);
        assert_eq!(attribute(conv, "dilations").ints, [1, 2]);
        assert_eq!(attribute(conv, "strides").ints, [1, 1]);
        assert_eq!(attribute(conv, "group").i, 1);
        let axes_tensor = graph.initializer.iter().find(|t| t.name == axes).unwrap();
        assert_eq!((axes_tensor.data_type, &axes_tensor.int64_data[..]), (7, &[2][..]));
    }

    #[test]
    fn before_operator_set_13_the_axes_are_an_attribute() {
        let mut graph = one_conv(&[8, 4, 3]);
        assert_eq!(widen_convs(&mut graph, false), 1);
        for reshape in [&graph.node[0], &graph.node[2]] {
            assert_eq!(reshape.input.len(), 1, "{}", reshape.op_type);
            assert_eq!(attribute(reshape, "axes").ints, [2]);
        }
        assert_eq!(graph.initializer.len(), 2, "no axes tensor");
    }

    #[test]
    fn convolutions_of_other_shapes_or_shared_weights_are_left_as_they_are() {
        let two_d = one_conv(&[8, 4, 3, 3]);
        let mut shared = one_conv(&[8, 4, 3]);
        shared.node.push(node("Identity", &["w"], &["w2"]));
        // Four pads on a three-dimensional weight: not a graph this module understands.
        let mut odd_pads = one_conv(&[8, 4, 3]);
        odd_pads.node[0].attribute[1] = ints("pads", &[1, 1, 1, 1]);
        for mut graph in [two_d, shared, odd_pads] {
            let before = graph.clone();
            assert_eq!(widen_convs(&mut graph, true), 0);
            assert_eq!(graph, before);
        }
    }

    #[test]
    fn bytes_that_are_not_onnx_are_an_error() {
        assert!(split(b"\xff\xff\xff not a model", true).is_err());
    }
}
