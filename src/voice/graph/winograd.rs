//! The wide one-dimensional convolutions (the encoder's, and the residual ones of the vocoder's
//! first stage) computed by Winograd's minimal filtering: fewer multiplications for the same
//! sums.
//!
//! Why: the encoder half (text encoder, duration predictor, flow) is a third of a sentence's
//! work, and most of it is convolutions that ONNX Runtime already runs near this CPU's peak:
//! the flow's sixteen of kernel 5 (192 → 384 channels) and the text encoder's twelve of kernel 3
//! (192 ↔ 768). A convolution of kernel `r` computes, per output position, `r` products per
//! pair of channels. Winograd's F(m, r) computes `m` neighbouring outputs from `n = m + r − 1`
//! inputs with `n` products per pair of channels instead of `m × r`: per output `n / m`
//! against `r` (F(4, 5): 2 against 5; F(4, 3): 1.5 against 3). The products become `n`
//! matrix products (weights `[Cout, Cin]` by tiles `[Cin, tiles]`), which ONNX Runtime runs at
//! its matrix-product speed; the transforms before and after are small matrix products and
//! reshapes. Measured on one thread (AMD EPYC): one flow convolution 5.2 → 3.0 ms, one of the
//! text encoder's 2.9 → 2.0 ms (Python prototype); joe's encoder half on 301 ids, as nashra
//! builds it, 179 → 139 ms (medians of 10 alternating runs); with 64 channels or fewer the
//! transforms cost what the products save (docs/bench.md, "Winograd convolutions in the
//! encoder"). The vocoder's first stage (128 channels) has four of kernel 3 and 5, dilated 1,
//! 2, 2 and 6: a dilated convolution's tiles take every `d`-th position, the `d` phases side by
//! side (session 15, one thread, no AVX-512: the stage 124 → 114 µs a frame).
//!
//! How (F(m, r) for correlation, derived from Toom–Cook polynomial multiplication):
//! `y = Aᵀ[(G g) ⊙ (Bᵀ d)]` for a tile `d` of `n` inputs, a kernel `g` of `r` taps and `m`
//! outputs, where `Aᵀ` (`m × n`) and `G` (`n × r`) evaluate polynomials at `n − 1` points and
//! infinity and `Bᵀ` (`n × n`) is the transpose of the interpolation at those points. With
//! channels, `G g` is computed once into the weights (`Wt[j] = Σₖ G[j][k] W[·,·,k]`), and the
//! sum over input channels moves inside the `⊙`: `M[j] = Wt[j] · (Bᵀ d)[j]`.
//!
//! In the graph, for input `x [B, Cin, T]` and output length `T' = T + pads − r + 1`:
//! `N = ⌈T' / m⌉` tiles; `x` padded to `m (N + 1)` positions and reshaped to
//! `[B, Cin, N + 1, m]`, transposed to `[m, B, Cin, N + 1]`; the tiles' `n` positions are the
//! `m` of a block and the first `r − 1` of the next (`r − 1 ≤ m`), concatenated to
//! `[n, B, Cin, N]`; `Bᵀ` is one product over that first axis, then one batched product with
//! `Wt [n, 1, Cout, Cin]`, then `Aᵀ`, a transpose to `[B, Cout, N, m]`, a reshape to
//! `[B, Cout, N m]`, the first `T'` positions and the bias. Dilated by `d`, a block is `m d`
//! positions and every shape above has a last axis of the `d` phases.
//!
//! Must never happen: a rewritten convolution that computes something else than the original
//! beyond float rounding (the points are small and the tiles short, so the transforms add
//! little: on joe, noise off, samples moved by 2e-5 to 9e-5, as much as between ONNX Runtime's
//! optimized and unoptimized runs of the same graph, 2e-5 to 6e-5); a convolution rewritten
//! where it is slower (strided, grouped, narrow, or of a kernel longer than [`TILE`] + 1).

use std::collections::HashMap;

use onnx_protobuf::{GraphProto, NodeProto, TensorProto};

use super::{
    convolution_bias, float_values, floats, int, int64s, ints, is_convolution, plain_node, readers,
    sole_initializer, SharedWeight,
};

/// The start of every name [`winograd_convs`] adds to a graph.
const WINO: &str = "nashra.wino";

/// Outputs per tile (`m`). 4 keeps the transforms' entries small (at most 21/4 for kernel 5,
/// with the points below); 6 was 10% faster on the flow's convolutions in the prototype but
/// moved their outputs ten times more. A kernel longer than 5 would need more points or
/// shorter tiles: F(2, 7) on the vocoder's kernel-7 convolutions (128 channels) did its
/// products in two thirds of the direct time, but its tiles, four times the input, took as
/// long again to build.
pub const TILE: usize = 4;

/// The finite evaluation points, in the order taken: `n − 1` of them for a tile of `n`
/// inputs, the last point being infinity. Small integers and their halves keep the transforms
/// exact in binary and their sums short.
const POINTS: [f64; 7] = [0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5];

/// Fewer channels than this on either side and the transforms cost what the products save
/// (prototype: 128 → 128 of kernel 5 ran 1.5x faster, 64 → 64 no faster, 32 → 32 1.8x slower).
const MIN_CHANNELS: usize = 128;

/// The transforms of F(m, r) (here [`TILE`]; [`crate::voice::native`] takes others).
#[derive(Debug, Clone, PartialEq)]
pub(in crate::voice) struct Transforms {
    /// Inputs per tile, `m + r − 1`.
    pub n: usize,
    /// `Aᵀ`, `m × n`, row-major.
    pub a_t: Vec<f64>,
    /// `G`, `n × r`, row-major.
    pub g: Vec<f64>,
    /// `Bᵀ`, `n × n`, row-major.
    pub b_t: Vec<f64>,
}

impl Transforms {
    /// F([`TILE`], `r`) for `r` in `1..=TILE + 1`.
    fn new(r: usize) -> Option<Self> {
        Self::tiled(TILE, r)
    }

    /// F(`m`, `r`), when `m + r − 2` [`POINTS`] are enough.
    pub(in crate::voice) fn tiled(m: usize, r: usize) -> Option<Self> {
        let n = (m + r).checked_sub(1)?;
        if r == 0 || m == 0 || n > POINTS.len() + 1 {
            return None;
        }
        let a = evaluation(n, m);
        let a_t = (0..m).flat_map(|i| (0..n).map(move |j| (i, j))).map(|(i, j)| a[j * m + i]);
        let interpolation = invert(evaluation(n, n), n)?;
        let b_t =
            (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).map(|(i, j)| interpolation[j * n + i]);
        Some(Self { n, a_t: a_t.collect(), g: evaluation(n, r), b_t: b_t.collect() })
    }
}

/// The `n × k` matrix that evaluates a polynomial of `k` coefficients (lowest first) at the
/// first `n − 1` [`POINTS`] and at infinity (its highest coefficient), row-major.
fn evaluation(n: usize, k: usize) -> Vec<f64> {
    let mut rows = Vec::with_capacity(n * k);
    for &p in &POINTS[..n - 1] {
        rows.extend((0..k).map(|e| p.powi(e as i32)));
    }
    rows.extend((0..k).map(|e| if e + 1 == k { 1.0 } else { 0.0 }));
    rows
}

/// The inverse of the `n × n` row-major `matrix` (Gauss–Jordan with partial pivoting), `None`
/// when it is singular.
fn invert(mut matrix: Vec<f64>, n: usize) -> Option<Vec<f64>> {
    let mut inverse: Vec<f64> =
        (0..n * n).map(|i| if i / n == i % n { 1.0 } else { 0.0 }).collect();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&a, &b| matrix[a * n + col].abs().total_cmp(&matrix[b * n + col].abs()))?;
        if matrix[pivot * n + col].abs() < 1e-12 {
            return None;
        }
        for k in 0..n {
            matrix.swap(col * n + k, pivot * n + k);
            inverse.swap(col * n + k, pivot * n + k);
        }
        let scale = matrix[col * n + col];
        for k in 0..n {
            matrix[col * n + k] /= scale;
            inverse[col * n + k] /= scale;
        }
        for row in (0..n).filter(|&row| row != col) {
            let factor = matrix[row * n + col];
            for k in 0..n {
                matrix[row * n + k] -= factor * matrix[col * n + k];
                inverse[row * n + k] -= factor * inverse[col * n + k];
            }
        }
    }
    Some(inverse)
}

/// A convolution this module rewrites.
struct Candidate {
    inputs: usize,
    outputs: usize,
    kernel: usize,
    /// The taps' spacing: 1, or more in the vocoder's residual blocks.
    dilation: usize,
    pads: (usize, usize),
    /// `[outputs, inputs, kernel]`, row-major.
    weight: Vec<f32>,
    bias: Option<Vec<f32>>,
}

/// Rewrites each one-dimensional convolution of `graph` that `candidate` accepts as the
/// module doc says; returns the transformed weights, one per rewritten convolution, which the
/// graph reads as inputs ([`SharedWeight`]): each run must be given them. Runs before
/// [`super::widen_convs`], which then leaves the rewritten ones alone. Needs operator set 13 or
/// later (`Pad`, `Slice` and `Reshape` as this module writes them); the caller checks.
pub fn winograd_convs(graph: &mut GraphProto) -> Vec<SharedWeight> {
    let readers = readers(graph);
    let mut constants = Constants::default();
    let mut nodes = Vec::with_capacity(graph.node.len());
    let mut added = Vec::new();
    let mut shared = Vec::new();
    for node in std::mem::take(&mut graph.node) {
        let Some(conv) = candidate(&node, &graph.initializer, &readers) else {
            nodes.push(node);
            continue;
        };
        let Some(transforms) = Transforms::new(conv.kernel) else {
            nodes.push(node);
            continue;
        };
        graph.initializer.retain(|t| !node.input[1..].contains(&t.name));
        let name = format!("{WINO}.{}", shared.len());
        let (tiles, weight) =
            tiled(&node.input[0], &node.output[0], &name, &conv, &transforms, &mut constants);
        for (node, tensors) in tiles {
            nodes.push(node);
            added.extend(tensors);
        }
        graph.input.push(weight.input());
        shared.push(weight);
    }
    graph.node = nodes;
    graph.initializer.extend(added);
    graph.initializer.extend(constants.tensors);
    shared
}

/// [`winograd_convs`] with the transformed weights kept in the graph as initializers: for a
/// graph whose weights are small (the vocoder's first stage: about 2 MB for joe), which each
/// session may as well hold.
pub fn winograd_convs_inline(graph: &mut GraphProto) -> usize {
    let weights = winograd_convs(graph);
    graph.input.retain(|v| !weights.iter().any(|w| w.name == v.name));
    let count = weights.len();
    graph.initializer.extend(weights.into_iter().map(|w| floats(&w.name, &w.dims, w.values)));
    count
}

/// The int64 constants the rewritten convolutions share, each added once.
#[derive(Default)]
struct Constants {
    names: HashMap<Vec<i64>, String>,
    tensors: Vec<TensorProto>,
}

impl Constants {
    fn get(&mut self, values: &[i64]) -> String {
        if let Some(name) = self.names.get(values) {
            return name.clone();
        }
        let name = format!("{WINO}.const.{}", self.tensors.len());
        self.tensors.push(int64s(&name, values));
        self.names.insert(values.to_vec(), name.clone());
        name
    }
}

/// The nodes that compute `output` from `input` as `conv` does, each with the initializers it
/// adds, and the transformed weight they read.
fn tiled(
    input: &str,
    output: &str,
    name: &str,
    conv: &Candidate,
    transforms: &Transforms,
    constants: &mut Constants,
) -> (Vec<(NodeProto, Vec<TensorProto>)>, SharedWeight) {
    let (m, n, r, d) = (TILE as i64, transforms.n as i64, conv.kernel as i64, conv.dilation as i64);
    let (cin, cout) = (conv.inputs as i64, conv.outputs as i64);
    let (pb, pe) = (conv.pads.0 as i64, conv.pads.1 as i64);
    let at = |part: &str| format!("{name}.{part}");
    let mut out = Vec::new();
    let mut push = |node: NodeProto, tensors: Vec<TensorProto>| out.push((node, tensors));
    let op = |op: &str, inputs: &[&str], output: &str| {
        plain_node(op, inputs.iter().map(|s| (*s).to_owned()).collect(), output)
    };
    let with = |mut node: NodeProto, attribute| {
        node.attribute.push(attribute);
        node
    };

    // Lengths: T (input), T' (output), N tiles, the padding after.
    push(op("Shape", &[input], &at("shape")), vec![]);
    let two = constants.get(&[2]);
    push(with(op("Gather", &[&at("shape"), &two], &at("t_in")), int("axis", 0)), vec![]);
    let change = constants.get(&[pb + pe - (r - 1) * d]);
    push(op("Add", &[&at("t_in"), &change], &at("t_out")), vec![]);
    // A block is `m d` positions: `d` interleaved tiles of `m` outputs each.
    let round_up = constants.get(&[m * d - 1]);
    push(op("Add", &[&at("t_out"), &round_up], &at("t_up")), vec![]);
    let tile = constants.get(&[m * d]);
    push(op("Div", &[&at("t_up"), &tile], &at("tiles")), vec![]);
    let one = constants.get(&[1]);
    push(op("Add", &[&at("tiles"), &one], &at("blocks")), vec![]);
    push(op("Mul", &[&at("blocks"), &tile], &at("span")), vec![]);
    let before = constants.get(&[pb]);
    push(op("Add", &[&at("t_in"), &before], &at("reach")), vec![]);
    push(op("Sub", &[&at("span"), &at("reach")], &at("after")), vec![]);
    let pads_head = constants.get(&[0, 0, pb, 0, 0]);
    push(with(op("Concat", &[&pads_head, &at("after")], &at("pads")), int("axis", 0)), vec![]);

    // The input as tiles, [n, B, Cin, N] (and a last axis of the `d` phases when dilated:
    // position `b m d + i d + p` of a block is row `i` of phase `p`'s tile).
    let phases: &[i64] = if d > 1 { &[d] } else { &[] };
    push(op("Pad", &[input, &at("pads")], &at("padded")), vec![]);
    let blocked = constants.get(&[&[0, cin, -1, m], phases].concat());
    push(op("Reshape", &[&at("padded"), &blocked], &at("blocks4")), vec![]);
    let perm: &[i64] = if d > 1 { &[3, 0, 1, 2, 4] } else { &[3, 0, 1, 2] };
    push(with(op("Transpose", &[&at("blocks4")], &at("by_offset")), ints("perm", perm)), vec![]);
    let (zero, minus_one, last_axis) =
        (constants.get(&[0]), constants.get(&[-1]), constants.get(&[3]));
    push(op("Slice", &[&at("by_offset"), &zero, &minus_one, &last_axis], &at("own")), vec![]);
    let next_starts = constants.get(&[0, 1]);
    let next_ends = constants.get(&[r - 1, i64::MAX]);
    let next_axes = constants.get(&[0, 3]);
    push(
        op("Slice", &[&at("by_offset"), &next_starts, &next_ends, &next_axes], &at("next")),
        vec![],
    );
    push(with(op("Concat", &[&at("own"), &at("next")], &at("tiles_in")), int("axis", 0)), vec![]);

    // Bᵀ over the tile axis, the products with the weights, Aᵀ.
    let rows = constants.get(&[n, -1]);
    push(op("Reshape", &[&at("tiles_in"), &rows], &at("flat_in")), vec![]);
    let matrix = |part: &str, dims: &[i64], values: &[f64]| {
        floats(&at(part), dims, values.iter().map(|&v| v as f32).collect())
    };
    let b_t = matrix("b_t", &[n, n], &transforms.b_t);
    push(op("MatMul", &[&b_t.name, &at("flat_in")], &at("flat_u")), vec![b_t]);
    let columns = if d > 1 {
        let phase_count = constants.get(&[d]);
        push(op("Mul", &[&at("tiles"), &phase_count], &at("columns")), vec![]);
        at("columns")
    } else {
        at("tiles")
    };
    let u_head = constants.get(&[n, -1, cin]);
    push(with(op("Concat", &[&u_head, &columns], &at("u_shape")), int("axis", 0)), vec![]);
    push(op("Reshape", &[&at("flat_u"), &at("u_shape")], &at("u")), vec![]);
    let weight = SharedWeight {
        name: at("weight"),
        dims: vec![n, 1, cout, cin],
        values: transformed_weight(conv, transforms),
    };
    push(op("MatMul", &[&weight.name, &at("u")], &at("products")), vec![]);
    push(op("Reshape", &[&at("products"), &rows], &at("flat_products")), vec![]);
    let a_t = matrix("a_t", &[m, n], &transforms.a_t);
    push(op("MatMul", &[&a_t.name, &at("flat_products")], &at("flat_out")), vec![a_t]);

    // Back to [B, Cout, T'].
    let y_head = constants.get(&[m, -1, cout]);
    let mut y_shape = vec![y_head, at("tiles")];
    if d > 1 {
        y_shape.push(constants.get(phases));
    }
    let y_shape: Vec<&str> = y_shape.iter().map(String::as_str).collect();
    push(with(op("Concat", &y_shape, &at("y_shape")), int("axis", 0)), vec![]);
    push(op("Reshape", &[&at("flat_out"), &at("y_shape")], &at("by_phase")), vec![]);
    let perm: &[i64] = if d > 1 { &[1, 2, 3, 0, 4] } else { &[1, 2, 3, 0] };
    push(with(op("Transpose", &[&at("by_phase")], &at("by_time")), ints("perm", perm)), vec![]);
    let joined = constants.get(&[0, cout, -1]);
    push(op("Reshape", &[&at("by_time"), &joined], &at("joined")), vec![]);
    let time_axis = constants.get(&[2]);
    let sliced = if conv.bias.is_some() { at("sliced") } else { output.to_owned() };
    push(op("Slice", &[&at("joined"), &zero, &at("t_out"), &time_axis], &sliced), vec![]);
    if let Some(bias) = &conv.bias {
        let tensor = floats(&at("bias"), &[cout, 1], bias.clone());
        push(op("Add", &[&sliced, &at("bias")], output), vec![tensor]);
    }
    (out, weight)
}

/// `Wt [n, 1, Cout, Cin]`: each tap of the original weight spread over the tile's `n` points
/// by `G`, summed in f64 in tap order. Tap by tap over a block of channel pairs at once, so that
/// the loops vectorize (joe's 28 weights: about 10 ms, where pair by pair took 80), and a block
/// at a time, so that the f64 copies stay a few kilobytes in cache: whole-weight copies (5 MB
/// for a 192 → 384 kernel-5 convolution) were fresh pages to fault in, 0.2 s of a voice's
/// load on a virtual machine.
fn transformed_weight(conv: &Candidate, transforms: &Transforms) -> Vec<f32> {
    const BLOCK: usize = 256;
    let (n, r, pairs) = (transforms.n, conv.kernel, conv.outputs * conv.inputs);
    let mut out = vec![0.0f32; n * pairs];
    let mut taps = vec![0.0f64; r * BLOCK];
    let mut sums = [0.0f64; BLOCK];
    for (block, weights) in conv.weight.chunks(r * BLOCK).enumerate() {
        let len = weights.len() / r;
        for (k, taps) in taps.chunks_exact_mut(BLOCK).enumerate() {
            let column = weights.iter().skip(k).step_by(r);
            taps.iter_mut().zip(column).for_each(|(t, &w)| *t = f64::from(w));
        }
        for (point, g) in transforms.g.chunks_exact(r).enumerate() {
            let sums = &mut sums[..len];
            sums.fill(0.0);
            for (taps, &g) in taps.chunks_exact(BLOCK).zip(g).filter(|(_, &g)| g != 0.0) {
                sums.iter_mut().zip(taps).for_each(|(sum, &w)| *sum += w * g);
            }
            let start = point * pairs + block * BLOCK;
            out[start..start + len].iter_mut().zip(sums.iter()).for_each(|(o, &s)| *o = s as f32);
        }
    }
    out
}

/// `node` as a [`Candidate`]: a one-dimensional `Conv` of stride 1, any dilation, one group,
/// kernel 2 to [`TILE`] + 1, at least [`MIN_CHANNELS`] channels on either side, explicit pads,
/// its weight (and bias) initializers in the model that no other node reads. Else `None`.
fn candidate(
    node: &NodeProto,
    initializers: &[TensorProto],
    readers: &HashMap<String, usize>,
) -> Option<Candidate> {
    if !is_convolution(node, "Conv") {
        return None;
    }
    let (mut pads, mut dilation) = ((0, 0), 1);
    for a in &node.attribute {
        match (a.name.as_str(), a.ints.as_slice()) {
            ("pads", &[begin, end]) => {
                pads = (usize::try_from(begin).ok()?, usize::try_from(end).ok()?);
            }
            ("dilations", &[d]) if d >= 1 => dilation = usize::try_from(d).ok()?,
            ("strides", &[1]) | ("kernel_shape", &[_]) => {}
            ("group", _) if a.i == 1 => {}
            ("auto_pad", _) if a.s.is_empty() || a.s == b"NOTSET" => {}
            _ => return None,
        }
    }
    let weight = sole_initializer(&node.input[1], initializers, readers)?;
    let &[outputs, inputs, kernel] = weight.dims.as_slice() else { return None };
    let (outputs, inputs) = (usize::try_from(outputs).ok()?, usize::try_from(inputs).ok()?);
    let kernel = usize::try_from(kernel).ok()?;
    if outputs.min(inputs) < MIN_CHANNELS || !(2..=TILE + 1).contains(&kernel) {
        return None;
    }
    if let Some(k) = node.attribute.iter().find(|a| a.name == "kernel_shape") {
        if k.ints.as_slice() != [kernel as i64] {
            return None;
        }
    }
    let weight = float_values(weight)?;
    if weight.len() != outputs * inputs * kernel {
        return None;
    }
    let bias = convolution_bias(node, initializers, readers, outputs)?;
    Some(Candidate { inputs, outputs, kernel, dilation, pads, weight, bias })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use super::super::float_tensor_info;
    use super::super::testing::{run, values, worst};
    use super::*;

    /// The identity each tile rests on, in f64: `Aᵀ[(G g) ⊙ (Bᵀ d)]` is the correlation of `d`
    /// with `g`, for every kernel length rewritten.
    #[test]
    fn each_transform_computes_a_tiles_correlation() {
        for r in 1..=TILE + 1 {
            let t = Transforms::new(r).unwrap();
            let n = t.n;
            let d: Vec<f64> = values(n, r).iter().map(|&v| f64::from(v)).collect();
            let g: Vec<f64> = values(r, r + 7).iter().map(|&v| f64::from(v)).collect();
            let gg: Vec<f64> =
                (0..n).map(|j| (0..r).map(|k| t.g[j * r + k] * g[k]).sum()).collect();
            let bd: Vec<f64> =
                (0..n).map(|j| (0..n).map(|l| t.b_t[j * n + l] * d[l]).sum()).collect();
            for i in 0..TILE {
                let y: f64 = (0..n).map(|j| t.a_t[i * n + j] * gg[j] * bd[j]).sum();
                let expected: f64 = (0..r).map(|k| g[k] * d[i + k]).sum();
                assert!((y - expected).abs() < 1e-12, "r {r}, output {i}: {y} against {expected}");
            }
        }
        assert!(Transforms::new(TILE + 2).is_none(), "a tile reads past the next block");
    }

    /// `x [B, inputs, T]` through one convolution of `kernel` and `pads` into `y`.
    fn conv_graph(
        inputs: i64,
        outputs: i64,
        kernel: i64,
        pads: [i64; 2],
        bias: bool,
    ) -> GraphProto {
        dilated_conv_graph(inputs, outputs, kernel, 1, pads, bias)
    }

    /// As [`conv_graph`], with taps `dilation` positions apart.
    fn dilated_conv_graph(
        inputs: i64,
        outputs: i64,
        kernel: i64,
        dilation: i64,
        pads: [i64; 2],
        bias: bool,
    ) -> GraphProto {
        let mut graph = GraphProto::new();
        graph.input.push(float_tensor_info("x"));
        graph.output.push(float_tensor_info("y"));
        let count = (inputs * outputs * kernel) as usize;
        // Small weights, so that sums stay near 1 and the tolerance below means what it says.
        let weight = values(count, 1).iter().map(|v| v / (inputs * kernel) as f32 * 4.0).collect();
        graph.initializer.push(floats("w", &[outputs, inputs, kernel], weight));
        let mut reads = vec!["x".to_owned(), "w".to_owned()];
        if bias {
            graph.initializer.push(floats("b", &[outputs], values(outputs as usize, 2)));
            reads.push("b".to_owned());
        }
        let mut node = plain_node("Conv", reads, "y");
        node.attribute = vec![
            ints("kernel_shape", &[kernel]),
            ints("pads", &pads),
            ints("strides", &[1]),
            ints("dilations", &[dilation]),
            int("group", 1),
        ];
        graph.node.push(node);
        graph
    }

    /// The claim the rewrite rests on: for the kernels, dilations and paddings of Piper's
    /// voices (the flow's kernel 5 padded 2 a side, the text encoder's kernel 3 after its own
    /// `Pad`, the vocoder's first stage's kernels 3 and 5 dilated 1, 2 and 6 and padded to keep
    /// their length), lengths that are and are not whole tiles, down to one position, with and
    /// without a bias, the tiles give what ONNX Runtime's convolution gives, to float rounding.
    #[test]
    fn a_convolution_in_tiles_gives_the_convolutions_output() {
        let channels = MIN_CHANNELS;
        for (kernel, dilation, pads, bias) in [
            (5, 1, [2, 2], true),
            (3, 1, [0, 0], false),
            (3, 1, [1, 1], true),
            (2, 1, [1, 0], true),
            (4, 1, [0, 3], false),
            (3, 2, [2, 2], true),
            (5, 2, [4, 4], false),
            (5, 6, [12, 12], true),
            (3, 3, [0, 1], false),
        ] {
            let what = format!("kernel {kernel}, dilation {dilation}");
            let c = channels as i64;
            let original = dilated_conv_graph(c, c + 8, kernel, dilation, pads, bias);
            let weights = winograd_convs(&mut original.clone());
            assert_eq!(weights.len(), 1, "{what}");
            let n = TILE as i64 + kernel - 1;
            assert_eq!(weights[0].dims, [n, 1, c + 8, c], "{what}");
            let mut rewritten = original.clone();
            assert_eq!(winograd_convs_inline(&mut rewritten), 1, "{what}");
            assert_eq!(rewritten.input, original.input, "{what}: the weights are not inputs");
            assert!(rewritten.node.iter().all(|n| n.op_type != "Conv"));
            assert!(
                rewritten.initializer.iter().all(|t| t.name != "w" && t.name != "b"),
                "old weights kept"
            );
            for length in [1, 3, 4, 5, 17, 64] {
                let reach = (kernel - 1) * dilation - pads[0] - pads[1];
                let length = length + reach.max(0) as usize;
                let x = values(channels * length, length);
                for optimized in [true, false] {
                    let expected = run(&original, channels, &x, optimized);
                    let got = run(&rewritten, channels, &x, optimized);
                    assert_eq!(got.len(), expected.len(), "{what}, length {length}");
                    let worst = worst(&got, &expected);
                    assert!(worst < 2e-5, "{what}, length {length}: off by {worst}");
                }
            }
        }
    }

    /// Convolutions the tiles would not make faster, or not compute, are left as they are.
    #[test]
    fn other_convolutions_are_left_alone() {
        let wide = MIN_CHANNELS as i64;
        let strided = {
            let mut g = conv_graph(wide, wide, 3, [1, 1], true);
            g.node[0].attribute[2] = ints("strides", &[2]);
            g
        };
        let grouped = {
            let mut g = conv_graph(wide, wide, 3, [1, 1], true);
            g.node[0].attribute[4] = int("group", 2);
            g
        };
        let shared = {
            let mut g = conv_graph(wide, wide, 3, [1, 1], true);
            g.node.push(plain_node("Identity", vec!["w".to_owned()], "w2"));
            g
        };
        let same_upper = {
            let mut g = conv_graph(wide, wide, 3, [1, 1], true);
            g.node[0].attribute.push(onnx_protobuf::AttributeProto {
                name: "auto_pad".into(),
                s: b"SAME_UPPER".to_vec(),
                ..Default::default()
            });
            g
        };
        for (what, mut graph) in [
            ("narrow", conv_graph(wide - 1, wide, 3, [1, 1], true)),
            ("long kernel", conv_graph(wide, wide, 7, [3, 3], true)),
            ("pointwise", conv_graph(wide, wide, 1, [0, 0], true)),
            ("strided", strided),
            ("grouped", grouped),
            ("shared weight", shared),
            ("auto_pad", same_upper),
        ] {
            let before = graph.clone();
            assert!(winograd_convs(&mut graph).is_empty(), "{what}");
            assert_eq!(graph, before, "{what}");
        }
    }
}
