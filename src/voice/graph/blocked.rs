//! The vocoder rewritten so that ONNX Runtime keeps it in its blocked layout from one
//! convolution to the next.
//!
//! Why: ONNX Runtime runs a two-dimensional convolution in a blocked layout (channels in groups
//! of 8 or 16, "NCHWc"), converting its input into that layout and its output back unless the
//! ops around it take blocked tensors too. `Add`, `Relu`, `Tanh`, a depthwise convolution and a
//! convolution that fuses the activation after it do; `Unsqueeze`, `Squeeze` (which
//! [`super::widen_convs`] writes around every convolution), `Div` and a `LeakyRelu` standing on
//! its own do not, and a HiFi-GAN vocoder's residual blocks are made of those. Its last
//! convolution has one output channel, which the blocked layout pads to a whole block: sixteen
//! times its work. Profiled on joe's later stages (one thread, a 276-position window, AMD EPYC):
//! 1.8 ms of layout conversions, 0.6 ms of `LeakyRelu`, 0.2 ms of `Div`, `Squeeze` and
//! `Unsqueeze`, and 0.58 ms for the last convolution, of 16.8 ms.
//!
//! [`keep_blocked`] rewrites, each exactly (to the order of float sums):
//! - **Elementwise ops with the height kept.** `LeakyRelu`, `Relu`, `Tanh`, `Sigmoid`, `Add`,
//!   `Sub`, `Mul` and `Div` that read squeezed convolution outputs read the four-dimensional
//!   tensors instead, so the `Squeeze`/`Unsqueeze` pairs between convolutions go. A tensor an
//!   op outside this set reads is squeezed again for it.
//! - **A division folded into the next convolutions.** HiFi-GAN averages its residual blocks
//!   (`Div` by their count) before a `LeakyRelu` and the next convolutions; for `c > 0`,
//!   `LeakyRelu(x / c) = LeakyRelu(x) / c`, and a convolution of `y / c` is the convolution of
//!   `y` with its weights divided by `c`.
//! - **Entries into the blocked layout.** A `LeakyRelu` that does not follow a convolution
//!   read by it alone runs as a depthwise convolution of weight 1 with the activation fused
//!   (ONNX Runtime fuses it and keeps the layout); the interleaved output of an upsampling
//!   ([`super::split_upsamplings`]), which its residual blocks add to their outputs, passes
//!   through such a convolution without an activation, so that it enters the layout once.
//! - **The last convolution by phases.** A convolution of one output channel and kernel `k`
//!   whose output only passes through positionwise ops to the graph's output becomes one of
//!   [`PHASES`] output channels, kernel `k + PHASES - 1` and stride [`PHASES`]: channel `j` at
//!   position `m` is the sample at `m × PHASES + j`, and one transpose puts them in time order.
//!   Its work is `1 + (PHASES - 1) / k` times the plain convolution's instead of sixteen.
//!
//! Measured: docs/bench.md, "The vocoder kept in the blocked layout".
//!
//! In: a graph after [`super::widen_convs`] and [`super::split_upsamplings`], for a session
//! that runs ONNX Runtime's graph optimizations (without them the depthwise convolutions are
//! ordinary ones, slower than the ops they stand for). Out: the same graph, rewritten where the
//! patterns above match. Must never happen: a change to what the graph computes beyond the
//! order of float sums; the phase rewrite of a convolution whose input length is not a multiple
//! of [`PHASES`] (it would drop the last samples).

use std::collections::{BTreeMap, HashMap, HashSet};

use onnx_protobuf::{GraphProto, NodeProto, TensorProto};

use super::{
    float_values, floats, height_axes, height_node, int, int64s, ints, plain_node, readers,
    POSITIONWISE,
};

/// The start of every name [`keep_blocked`] adds to a graph.
const BLOCKED: &str = "nashra.blocked";

/// Output channels of the last convolution by phases: a multiple of ONNX Runtime's block sizes
/// (8 with AVX2, 16 with AVX-512), so that none is padding.
pub const PHASES: usize = 16;

/// Elementwise ops of one input that may run on the four-dimensional tensors.
const UNARY: &[&str] = &["LeakyRelu", "Relu", "Tanh", "Sigmoid"];

/// Elementwise ops of two inputs that may run on them, with the other input of the same kind
/// or a scalar.
const BINARY: &[&str] = &["Add", "Sub", "Mul", "Div"];

/// What [`keep_blocked`] rewrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Rewrites {
    /// Elementwise ops that now keep the height.
    pub lifted: usize,
    /// Divisions folded into the convolutions after them.
    pub folded: usize,
    /// Depthwise convolutions added to enter the blocked layout.
    pub entries: usize,
    /// Whether the last convolution runs by phases.
    pub phased: bool,
}

/// Rewrites `graph` as the module doc says. `axes_as_input` as for [`super::widen_convs`];
/// `output_rate`: positions of the graph's output per position of its input (the product of the
/// upsamplings' strides), `None` when unknown, which leaves the last convolution as it is.
pub fn keep_blocked(
    graph: &mut GraphProto,
    axes_as_input: bool,
    output_rate: Option<u64>,
) -> Rewrites {
    let lifted = lift(graph, axes_as_input);
    let folded = fold_divisions(graph);
    let entries = enter(graph);
    let phased = output_rate.is_some_and(|rate| phase_last_conv(graph, rate));
    drop_unused(graph);
    Rewrites { lifted, folded, entries, phased }
}

/// Whether `node` is an `Unsqueeze` or `Squeeze` (`op`) of axis 2 alone.
fn is_height(node: &NodeProto, op: &str) -> bool {
    let axes_ok = match node.input.len() {
        2 => node.input[1] == height_axes(),
        1 => {
            node.attribute.iter().all(|a| a.name == "axes" && a.ints == [2])
                && !node.attribute.is_empty()
        }
        _ => false,
    };
    node.op_type == op
        && node.domain.is_empty()
        && node.output.len() == 1
        && node.input.first().is_some_and(|i| !i.is_empty())
        && axes_ok
}

/// The names of the initializers of one element and at most one dimension (they broadcast
/// alike against a tensor of any rank).
fn scalars(graph: &GraphProto) -> HashSet<String> {
    graph
        .initializer
        .iter()
        .filter(|t| t.dims.len() <= 1 && t.dims.iter().product::<i64>() == 1)
        .map(|t| t.name.clone())
        .collect()
}

/// Runs the elementwise ops between widened convolutions on the four-dimensional tensors;
/// returns how many.
fn lift(graph: &mut GraphProto, axes_as_input: bool) -> usize {
    let scalars = scalars(graph);
    // The tensors known to be four-dimensional: those whose channels [`channels`] can tell.
    let mut four: HashSet<String> = channels(graph).into_keys().collect();
    let axes = height_axes();
    // A squeezed (three-dimensional) name -> the four-dimensional name of the same values.
    let mut wide: HashMap<String, String> = HashMap::new();
    // Squeezed names whose maker was dropped: squeezed again before a node that reads them.
    let mut unmade: HashSet<String> = HashSet::new();
    // The outputs of dropped `Unsqueeze`s -> the name they equal.
    let mut same: HashMap<String, String> = HashMap::new();
    // The `Unsqueeze` of each name kept, so that a second one of the same name is dropped.
    let mut unsqueezed: HashMap<String, String> = HashMap::new();
    let mut nodes = Vec::with_capacity(graph.node.len());
    let mut lifted = 0;
    for mut node in std::mem::take(&mut graph.node) {
        for input in &mut node.input {
            if let Some(name) = same.get(input) {
                input.clone_from(name);
            }
        }
        if is_height(&node, "Squeeze") && four.contains(&node.input[0]) {
            wide.insert(node.output[0].clone(), node.input[0].clone());
            unmade.insert(node.output[0].clone());
            continue;
        }
        if is_height(&node, "Unsqueeze") {
            let known = wide.get(&node.input[0]).or_else(|| unsqueezed.get(&node.input[0]));
            if let Some(name) = known {
                same.insert(node.output[0].clone(), name.clone());
                continue;
            }
            unsqueezed.insert(node.input[0].clone(), node.output[0].clone());
        } else if liftable(&node, &wide, &scalars) {
            let name = format!("{BLOCKED}.{lifted}");
            let flat = std::mem::replace(&mut node.output[0], name.clone());
            for input in &mut node.input {
                if let Some(wide_input) = wide.get(input) {
                    input.clone_from(wide_input);
                }
            }
            node.name = format!("{name}.{}", node.op_type);
            four.insert(name.clone());
            wide.insert(flat.clone(), name);
            unmade.insert(flat);
            nodes.push(node);
            lifted += 1;
            continue;
        }
        squeeze_again(&node.input, &mut unmade, &wide, &mut nodes, (&axes, axes_as_input));
        nodes.push(node);
    }
    let outputs: Vec<String> = graph.output.iter().map(|o| o.name.clone()).collect();
    squeeze_again(&outputs, &mut unmade, &wide, &mut nodes, (&axes, axes_as_input));
    for output in &outputs {
        if let Some(name) = same.get(output) {
            nodes.push(plain_node("Identity", vec![name.clone()], output));
        }
    }
    graph.node = nodes;
    lifted
}

/// Whether `node` is an elementwise op that reads a squeezed tensor whose four-dimensional
/// form is known, and otherwise only such tensors or scalars.
fn liftable(node: &NodeProto, wide: &HashMap<String, String>, scalars: &HashSet<String>) -> bool {
    let op = node.op_type.as_str();
    let arity = if UNARY.contains(&op) {
        1
    } else if BINARY.contains(&op) {
        2
    } else {
        return false;
    };
    node.domain.is_empty()
        && node.output.len() == 1
        && node.input.len() == arity
        && node.input.iter().any(|i| wide.contains_key(i))
        && node.input.iter().all(|i| wide.contains_key(i) || scalars.contains(i))
}

/// Writes a `Squeeze` for each of `names` whose maker [`lift`] dropped, before the node that
/// reads it.
fn squeeze_again(
    names: &[String],
    unmade: &mut HashSet<String>,
    wide: &HashMap<String, String>,
    nodes: &mut Vec<NodeProto>,
    (axes, axes_as_input): (&str, bool),
) {
    for name in names {
        if let (true, Some(source)) = (unmade.remove(name), wide.get(name)) {
            nodes.push(height_node("Squeeze", source, name, axes, axes_as_input));
        }
    }
}

/// The value of a float initializer of one element.
fn scalar_value(graph: &GraphProto, name: &str) -> Option<f32> {
    let tensor = graph.initializer.iter().find(|t| t.name == name)?;
    match float_values(tensor)?.as_slice() {
        &[value] if tensor.dims.len() <= 1 => Some(value),
        _ => None,
    }
}

/// Folds each `Div` by a positive scalar, read only by a `LeakyRelu` read only by convolutions
/// or transposed convolutions (as their input, each the only reader of its weight), into those
/// convolutions' weights; returns how many. Also run on the whole vocoder before it is cut
/// ([`super::split`]): the first stage ends with such a division, whose convolutions are across
/// the cut.
pub fn fold_divisions(graph: &mut GraphProto) -> usize {
    let readers = readers(graph);
    let outputs: HashSet<&str> = graph.output.iter().map(|o| o.name.as_str()).collect();
    let weights: HashSet<&str> = graph
        .initializer
        .iter()
        .filter(|t| t.dims.len() >= 3 && float_values(t).is_some())
        .map(|t| t.name.as_str())
        .collect();
    let mut folds = Vec::new();
    for (d, div) in graph.node.iter().enumerate() {
        if div.op_type != "Div" || !div.domain.is_empty() || div.input.len() != 2 {
            continue;
        }
        let Some(divisor) = scalar_value(graph, &div.input[1]) else { continue };
        let Some(quotient) = div.output.first() else { continue };
        if !(divisor.is_finite() && divisor > 0.0)
            || readers.get(quotient) != Some(&1)
            || outputs.contains(quotient.as_str())
        {
            continue;
        }
        let Some(r) = graph.node.iter().position(|n| {
            n.op_type == "LeakyRelu" && n.domain.is_empty() && n.input.first() == Some(quotient)
        }) else {
            continue;
        };
        let Some(activated) = graph.node[r].output.first() else { continue };
        if outputs.contains(activated.as_str()) {
            continue;
        }
        let convs: Vec<usize> =
            (0..graph.node.len()).filter(|&i| graph.node[i].input.contains(activated)).collect();
        let all_convs = convs.iter().all(|&i| {
            let n = &graph.node[i];
            (n.op_type == "Conv" || n.op_type == "ConvTranspose")
                && n.domain.is_empty()
                && n.input.first() == Some(activated)
                && n.input.iter().filter(|x| *x == activated).count() == 1
                && n.input
                    .get(1)
                    .is_some_and(|w| readers.get(w) == Some(&1) && weights.contains(w.as_str()))
        });
        if !convs.is_empty() && all_convs {
            folds.push((d, r, convs, 1.0 / divisor));
        }
    }
    for (d, r, convs, scale) in &folds {
        for &c in convs {
            let weight = graph.node[c].input[1].clone();
            if let Some(tensor) = graph.initializer.iter_mut().find(|t| t.name == weight) {
                let scaled =
                    float_values(tensor).unwrap_or_default().iter().map(|v| v * scale).collect();
                *tensor = floats(&weight, &tensor.dims.clone(), scaled);
            }
        }
        graph.node[*r].input[0] = graph.node[*d].input[0].clone();
    }
    let dropped: HashSet<usize> = folds.iter().map(|(d, ..)| *d).collect();
    let mut index = 0;
    graph.node.retain(|_| {
        index += 1;
        !dropped.contains(&(index - 1))
    });
    folds.len()
}

/// The channels of each four-dimensional tensor this module can tell: a convolution's output
/// has its weight's first dimension, a reshape's the second entry of its constant shape
/// `[_, C, 1, _]`, and the elementwise ops of [`lift`] their inputs'.
fn channels(graph: &GraphProto) -> HashMap<String, i64> {
    let dims: HashMap<&str, &[i64]> =
        graph.initializer.iter().map(|t| (t.name.as_str(), t.dims.as_slice())).collect();
    let shapes: HashMap<&str, &TensorProto> =
        graph.initializer.iter().map(|t| (t.name.as_str(), t)).collect();
    let scalars = scalars(graph);
    let mut channels: HashMap<String, i64> = HashMap::new();
    for node in graph.node.iter().filter(|n| n.domain.is_empty() && n.output.len() == 1) {
        let op = node.op_type.as_str();
        let found = match op {
            "Conv" => node
                .input
                .get(1)
                .and_then(|w| dims.get(w.as_str()))
                .filter(|d| d.len() == 4)
                .map(|d| d[0]),
            "Reshape" => node.input.get(1).and_then(|s| shapes.get(s.as_str())).and_then(|t| {
                match int64_values(t).as_deref() {
                    Some(&[_, c, 1, _]) if c > 0 => Some(c),
                    _ => None,
                }
            }),
            _ if UNARY.contains(&op) || BINARY.contains(&op) => {
                let known: Vec<i64> =
                    node.input.iter().filter_map(|i| channels.get(i).copied()).collect();
                let rest_scalar =
                    node.input.iter().all(|i| channels.contains_key(i) || scalars.contains(i));
                match known.first() {
                    Some(&c) if rest_scalar && known.iter().all(|&k| k == c) => Some(c),
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(c) = found {
            channels.insert(node.output[0].clone(), c);
        }
    }
    channels
}

/// The values of an INT64 initializer held in the model.
fn int64_values(tensor: &TensorProto) -> Option<Vec<i64>> {
    // TensorProto.DataType.INT64
    if tensor.data_type != 7 || !tensor.external_data.is_empty() {
        return None;
    }
    if tensor.raw_data.is_empty() {
        return Some(tensor.int64_data.clone());
    }
    let chunks = tensor.raw_data.chunks_exact(8);
    chunks.remainder().is_empty().then(|| {
        chunks
            .map(|b| i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
            .collect()
    })
}

/// The nodes of `graph` that are the standard operator `op`.
fn standard<'g>(graph: &'g GraphProto, op: &'g str) -> impl Iterator<Item = &'g NodeProto> {
    graph.node.iter().filter(move |n| n.op_type == op && n.domain.is_empty())
}

/// Adds the depthwise convolutions through which tensors enter the blocked layout (see the
/// module doc); returns how many. Only for channels in whole blocks: ONNX Runtime runs a
/// depthwise convolution of other channels on the plain layout.
fn enter(graph: &mut GraphProto) -> usize {
    let channels = channels(graph);
    let readers = readers(graph);
    let conv_made: HashSet<String> =
        standard(graph, "Conv").filter_map(|n| n.output.first().cloned()).collect();
    let added_by: HashSet<String> =
        standard(graph, "Add").flat_map(|n| n.input.iter().cloned()).collect();
    let whole_blocks =
        |name: &str| channels.get(name).copied().filter(|&c| c > 0 && c % PHASES as i64 == 0);
    // By channel count, in order, so that the same graph is always written the same.
    let mut ones = BTreeMap::new();
    let mut nodes = Vec::with_capacity(graph.node.len());
    let mut entries = 0;
    for mut node in std::mem::take(&mut graph.node) {
        let name = format!("{BLOCKED}.entry.{entries}");
        if node.op_type == "LeakyRelu" && node.domain.is_empty() && node.input.len() == 1 {
            let input = node.input[0].clone();
            let fused = conv_made.contains(&input) && readers.get(&input) == Some(&1);
            if let (false, Some(c)) = (fused, whole_blocks(&input)) {
                nodes.push(depthwise_identity(&input, &name, c, &mut ones));
                node.input[0] = name;
                entries += 1;
            }
            nodes.push(node);
            continue;
        }
        let reshaped = (node.op_type == "Reshape" && node.domain.is_empty())
            .then(|| node.output.first().cloned())
            .flatten()
            .filter(|out| readers.get(out).is_some_and(|&n| n >= 2) && added_by.contains(out));
        if let Some((out, c)) = reshaped.and_then(|out| Some((out.clone(), whole_blocks(&out)?))) {
            node.output[0] = name.clone();
            nodes.push(node);
            nodes.push(depthwise_identity(&name, &out, c, &mut ones));
            entries += 1;
            continue;
        }
        nodes.push(node);
    }
    graph.node = nodes;
    graph.initializer.extend(ones.into_values());
    entries
}

/// A depthwise convolution of weight 1 and no bias from `input` to `output` over `channels`
/// channels, its weight added to `ones` (one per channel count).
fn depthwise_identity(
    input: &str,
    output: &str,
    channels: i64,
    ones: &mut BTreeMap<i64, TensorProto>,
) -> NodeProto {
    let weight = format!("{BLOCKED}.ones.{channels}");
    ones.entry(channels)
        .or_insert_with(|| floats(&weight, &[channels, 1, 1, 1], vec![1.0; channels as usize]));
    let mut conv = plain_node("Conv", vec![input.to_owned(), weight], output);
    conv.attribute = vec![int("group", channels), ints("kernel_shape", &[1, 1])];
    conv
}

/// A convolution of one output channel that [`phase_last_conv`] may rewrite: `(channels,
/// kernel, pads before and after)`.
fn single_output(node: &NodeProto, graph: &GraphProto) -> Option<(usize, usize, [i64; 2])> {
    if node.op_type != "Conv" || !node.domain.is_empty() || node.output.len() != 1 {
        return None;
    }
    let weight = graph.initializer.iter().find(|t| Some(&t.name) == node.input.get(1))?;
    let &[1, channels, 1, kernel] = weight.dims.as_slice() else { return None };
    let mut pads = [0, 0];
    for a in &node.attribute {
        match (a.name.as_str(), a.ints.as_slice()) {
            ("kernel_shape", &[1, k]) if k == kernel => {}
            ("strides" | "dilations", &[1, 1]) => {}
            ("pads", &[0, begin, 0, end]) => pads = [begin, end],
            ("group", _) if a.i == 1 => {}
            ("auto_pad", _) if a.s.is_empty() || a.s == b"NOTSET" => {}
            _ => return None,
        }
    }
    (pads[0] >= 0 && pads[1] >= 0 && pads[0] + pads[1] == kernel - 1).then_some(())?;
    Some((usize::try_from(channels).ok()?, usize::try_from(kernel).ok()?, pads))
}

/// Whether `name` reaches one of the graph's outputs through ops that each read it alone and
/// keep its positions (so that its length is the output's).
fn reaches_output(graph: &GraphProto, readers: &HashMap<String, usize>, name: &str) -> bool {
    let mut name = name.to_owned();
    for _ in 0..=graph.node.len() {
        if graph.output.iter().any(|o| o.name == name) {
            return true;
        }
        if readers.get(&name) != Some(&1) {
            return false;
        }
        let next = graph.node.iter().find(|n| n.input.first() == Some(&name));
        match next {
            Some(n)
                if n.domain.is_empty()
                    && n.output.len() == 1
                    && POSITIONWISE.contains(&n.op_type.as_str()) =>
            {
                name.clone_from(&n.output[0]);
            }
            _ => return false,
        }
    }
    false
}

/// Rewrites the graph's last convolution of one output channel by phases (see the module doc),
/// when the output's `rate` makes its input a multiple of [`PHASES`] long; returns whether it
/// did.
fn phase_last_conv(graph: &mut GraphProto, rate: u64) -> bool {
    if rate % PHASES as u64 != 0 {
        return false;
    }
    let readers = readers(graph);
    let found = graph.node.iter().enumerate().find_map(|(i, n)| {
        let shape = single_output(n, graph)?;
        let read_once = readers.get(&n.input[1]) == Some(&1);
        (read_once && reaches_output(graph, &readers, &n.output[0])).then_some((i, shape))
    });
    let Some((index, (channels, kernel, pads))) = found else { return false };
    let node = graph.node[index].clone();
    let Some(weight) = graph.initializer.iter().find(|t| t.name == node.input[1]) else {
        return false;
    };
    // A weight whose values do not fill its shape (a damaged file) is left to ONNX Runtime to
    // refuse, not indexed past its end here.
    let Some(taps) = float_values(weight).filter(|t| t.len() == channels * kernel) else {
        return false;
    };
    let bias = match node.input.get(2).filter(|b| !b.is_empty()) {
        Some(name) => {
            match graph.initializer.iter().find(|t| &t.name == name).and_then(float_values) {
                Some(values) if values.len() == 1 && readers.get(name) == Some(&1) => {
                    Some(values[0])
                }
                _ => return false,
            }
        }
        None => None,
    };
    let width = kernel + PHASES - 1;
    let mut phased = vec![0.0; PHASES * channels * width];
    for phase in 0..PHASES {
        for c in 0..channels {
            let row = (phase * channels + c) * width + phase;
            phased[row..row + kernel].copy_from_slice(&taps[c * kernel..(c + 1) * kernel]);
        }
    }
    let old: Vec<String> = node.input[1..].to_vec();
    graph.initializer.retain(|t| !old.contains(&t.name));
    let name = format!("{BLOCKED}.phases");
    let weight_name = format!("{name}.weight");
    graph.initializer.push(floats(
        &weight_name,
        &[PHASES as i64, channels as i64, 1, width as i64],
        phased,
    ));
    let mut inputs = vec![node.input[0].clone(), weight_name];
    if let Some(bias) = bias {
        let bias_name = format!("{name}.bias");
        graph.initializer.push(floats(&bias_name, &[PHASES as i64], vec![bias; PHASES]));
        inputs.push(bias_name);
    }
    let mut conv = plain_node("Conv", inputs, &name);
    conv.attribute = vec![
        ints("kernel_shape", &[1, width as i64]),
        ints("strides", &[1, PHASES as i64]),
        ints("pads", &[0, pads[0], 0, pads[1]]),
        ints("dilations", &[1, 1]),
    ];
    let by_time = format!("{name}.by_time");
    let mut transpose = plain_node("Transpose", vec![name.clone()], &by_time);
    transpose.attribute = vec![ints("perm", &[0, 2, 3, 1])];
    let shape = format!("{name}.shape");
    graph.initializer.push(int64s(&shape, &[0, 1, 1, -1]));
    let reshape = plain_node("Reshape", vec![by_time, shape], &node.output[0]);
    graph.node.splice(index..=index, [conv, transpose, reshape]);
    true
}

/// Drops the initializers no node reads any more and the shape records of names nothing makes.
fn drop_unused(graph: &mut GraphProto) {
    let read: HashSet<String> = graph.node.iter().flat_map(|n| n.input.iter().cloned()).collect();
    let outputs: HashSet<String> = graph.output.iter().map(|o| o.name.clone()).collect();
    graph.initializer.retain(|t| read.contains(&t.name) || outputs.contains(&t.name));
    let made: HashSet<String> = graph
        .node
        .iter()
        .flat_map(|n| n.output.iter().cloned())
        .chain(graph.input.iter().map(|i| i.name.clone()))
        .collect();
    graph.value_info.retain(|v| made.contains(&v.name));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use super::super::testing::{run, values, worst};
    use super::super::{float_tensor_info, split_upsamplings, widen_convs};
    use super::*;

    /// Channels of the small vocoder stage below: one block of [`PHASES`].
    const C: i64 = 16;

    /// A one-dimensional convolution `input -> output` of weight `[outputs, C, kernel]`, with
    /// a bias unless `outputs` is 1 (as Piper's `conv_post`), padded to keep the length.
    fn conv(
        graph: &mut GraphProto,
        (input, output): (&str, &str),
        outputs: i64,
        kernel: i64,
        dilation: i64,
    ) {
        let seed = graph.initializer.len();
        let weight = format!("{output}.w");
        let count = (outputs * C * kernel) as usize;
        graph.initializer.push(floats(&weight, &[outputs, C, kernel], values(count, seed)));
        let mut inputs = vec![input.to_owned(), weight];
        if outputs > 1 {
            let bias = format!("{output}.b");
            graph.initializer.push(floats(&bias, &[outputs], values(outputs as usize, seed + 1)));
            inputs.push(bias);
        }
        let mut node = plain_node("Conv", inputs, output);
        let pad = (kernel - 1) * dilation / 2;
        node.attribute = vec![
            ints("kernel_shape", &[kernel]),
            ints("dilations", &[dilation]),
            ints("pads", &[pad, pad]),
        ];
        graph.node.push(node);
    }

    fn op(graph: &mut GraphProto, op: &str, inputs: &[&str], output: &str) {
        let mut node = plain_node(op, inputs.iter().map(|i| (*i).to_owned()).collect(), output);
        if op == "LeakyRelu" {
            node.attribute.push(onnx_protobuf::AttributeProto {
                name: "alpha".into(),
                // AttributeProto.AttributeType.FLOAT
                type_: protobuf::EnumOrUnknown::from_i32(1),
                f: 0.1,
                ..Default::default()
            });
        }
        graph.node.push(node);
    }

    /// A HiFi-GAN stage as Piper exports it, small: `x [1, C, T]` upsampled 16 times by a
    /// transposed convolution, two residual blocks (one of two convolutions) added and halved,
    /// then `LeakyRelu`, a one-channel convolution of kernel 7, `Tanh` and an `Unsqueeze` to
    /// `y [1, 1, 1, 16 T]`.
    fn hifigan_stage() -> GraphProto {
        let mut graph = GraphProto::new();
        graph.input.push(float_tensor_info("x"));
        graph.output.push(float_tensor_info("y"));
        let count = (C * C * 32) as usize;
        graph.initializer.push(floats("up.w", &[C, C, 32], values(count, 7)));
        graph.initializer.push(floats("up.b", &[C], values(C as usize, 8)));
        let mut up =
            plain_node("ConvTranspose", vec!["x".into(), "up.w".into(), "up.b".into()], "u");
        up.attribute =
            vec![ints("kernel_shape", &[32]), ints("strides", &[16]), ints("pads", &[8, 8])];
        graph.node.push(up);
        op(&mut graph, "LeakyRelu", &["u"], "l");
        conv(&mut graph, ("l", "ca"), C, 3, 1);
        op(&mut graph, "Add", &["ca", "u"], "xa");
        op(&mut graph, "LeakyRelu", &["xa"], "la");
        conv(&mut graph, ("la", "cb"), C, 3, 3);
        op(&mut graph, "Add", &["cb", "xa"], "ya");
        conv(&mut graph, ("l", "cc"), C, 5, 1);
        op(&mut graph, "Add", &["cc", "u"], "yc");
        op(&mut graph, "Add", &["ya", "yc"], "s");
        graph.initializer.push(floats("two", &[], vec![2.0]));
        op(&mut graph, "Div", &["s", "two"], "d");
        op(&mut graph, "LeakyRelu", &["d"], "ld");
        conv(&mut graph, ("ld", "p"), 1, 7, 1);
        op(&mut graph, "Tanh", &["p"], "t");
        graph.initializer.push(int64s("axis1", &[1]));
        op(&mut graph, "Unsqueeze", &["t", "axis1"], "y");
        graph
    }

    /// `graph` through every rewrite [`super::super::split`] makes for an optimized session.
    fn rewritten(mut graph: GraphProto, rate: Option<u64>) -> (GraphProto, usize, Rewrites) {
        let folded = fold_divisions(&mut graph);
        widen_convs(&mut graph, true);
        split_upsamplings(&mut graph, true);
        let rewrites = keep_blocked(&mut graph, true, rate);
        (graph, folded, rewrites)
    }

    fn count(graph: &GraphProto, op: &str) -> usize {
        graph.node.iter().filter(|n| n.op_type == op).count()
    }

    /// The claim the module rests on: the rewritten stage gives the original's samples (to the
    /// order of float sums), with ONNX Runtime's optimizations and without them, for inputs
    /// whose length is and is not a multiple of the phases.
    #[test]
    fn a_vocoder_stage_kept_in_the_blocked_layout_gives_the_samples_it_gave() {
        let original = hifigan_stage();
        let (graph, folded, rewrites) = rewritten(original.clone(), Some(16));
        assert_eq!(folded, 1, "the halving goes into conv_post's weights");
        let expected = Rewrites { lifted: 8, folded: 0, entries: 4, phased: true };
        assert_eq!(rewrites, expected);
        assert_eq!(count(&graph, "Div"), 0);
        assert_eq!(count(&graph, "Unsqueeze"), 2, "the input's and the output's are left");
        assert_eq!(count(&graph, "Squeeze"), 1, "Tanh's output, for the last Unsqueeze");
        for frames in [1, 7, 13] {
            let x = values(C as usize * frames, 11);
            let want = run(&original, C as usize, &x, true);
            assert_eq!(want.len(), 16 * frames);
            for optimized in [true, false] {
                let got = run(&graph, C as usize, &x, optimized);
                assert_eq!(got.len(), want.len(), "{frames} frames");
                // The random weights make sums of some tens before Tanh, whose reordering
                // moves samples by about 1e-5; a tap or a phase out of place moves them by
                // tenths.
                let worst = worst(&got, &want);
                assert!(worst < 1e-4, "{frames} frames, {optimized}: largest difference {worst}");
            }
        }
    }

    /// The last convolution is left whole when the output's rate does not make its length a
    /// multiple of the phases, or is unknown, or when it is not the last.
    #[test]
    fn the_last_convolution_runs_by_phases_only_where_its_length_allows() {
        for rate in [None, Some(8), Some(24)] {
            let (graph, _, rewrites) = rewritten(hifigan_stage(), rate);
            assert!(!rewrites.phased, "{rate:?}");
            assert!(graph
                .node
                .iter()
                .all(|n| !n.output[0].starts_with(BLOCKED) || n.op_type != "Transpose"));
        }
        let mut graph = hifigan_stage();
        // Something after conv_post that is not positionwise.
        let last = graph.node.len() - 1;
        graph.node[last].op_type = "Flatten".into();
        graph.node[last].input.truncate(1);
        assert!(!rewritten(graph, Some(16)).2.phased);
    }

    /// A damaged weight (values that do not fill its shape) is not rewritten, and the rewrite
    /// does not fail: ONNX Runtime refuses the graph with its own error.
    #[test]
    fn a_last_convolution_whose_weight_does_not_fill_its_shape_is_left_alone() {
        let mut graph = hifigan_stage();
        let post = graph.initializer.iter_mut().find(|t| t.name == "p.w").unwrap();
        post.raw_data.truncate(post.raw_data.len() - 4);
        let (graph, _, rewrites) = rewritten(graph, Some(16));
        assert!(!rewrites.phased);
        assert!(graph.initializer.iter().any(|t| t.name == "p.w"));
    }

    /// A division by a negative number, or one whose result something other than the
    /// convolutions reads, stays.
    #[test]
    fn divisions_that_do_not_commute_with_the_activation_stay() {
        let mut negative = hifigan_stage();
        negative.initializer.iter_mut().find(|t| t.name == "two").unwrap().raw_data =
            (-2.0f32).to_le_bytes().to_vec();
        assert_eq!(fold_divisions(&mut negative), 0);
        let mut read_elsewhere = hifigan_stage();
        read_elsewhere.node.push(plain_node("Identity", vec!["ld".into()], "seen"));
        read_elsewhere.output.push(float_tensor_info("seen"));
        assert_eq!(fold_divisions(&mut read_elsewhere), 0);
    }
}
