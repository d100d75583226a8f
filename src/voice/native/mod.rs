//! The vocoder computed here rather than by ONNX Runtime: a small interpreter for the ops a
//! HiFi-GAN's stages are made of, over tensors laid out with time as rows and channels
//! contiguous, its convolutions done by the `kernel` module's tiles (and, where the channels are
//! many, the `tiled` module's Winograd tiles).
//!
//! Why: a Piper vocoder is a chain of transposed convolutions, dilated convolutions of 32 to
//! 128 channels, leaky ReLUs and residual sums, at 8 to 256 positions a latent frame: about 70%
//! of a sentence's CPU time. ONNX Runtime runs those convolutions in its blocked layout at
//! 80-90% of an AVX2 core's peak, and spends a tenth of the time again on the layout changes,
//! sums and copies between them. Channels-last rows need no layout change at all (a dilated tap
//! is a row offset), the residual sum is added as a tile is stored, and the tiles run at the
//! core's peak: a window of joe's later stages 0.89x, of its first stage 0.81-0.83x
//! (docs/bench.md, "Session 19").
//!
//! In: a part of a Piper graph cut at the vocoder ([`Tail::from_graph`]: the first stage, or
//! the stages after it); any op, attribute or shape this module does not know makes it
//! decline, and that part then runs in ONNX Runtime as before. Out: the same values as ONNX
//! Runtime's run of that part on the same window, to float rounding (sums in another order).
//!
//! Must never happen: an op run with a meaning other than the graph's (a broadcast, a
//! padding or an attribute taken for the usual one); a tensor's zero padding that is not zero
//! (every buffer's margins are cleared when it is handed out).

mod kernel;
mod tiled;

use std::collections::HashMap;

use onnx_protobuf::{GraphProto, NodeProto, TensorProto};

pub use kernel::supported;

/// Whether the voice computes the parts it can here: the CPU runs the tiles ([`supported`])
/// and `NASHRA_VOCODER` is not `onnx` (which keeps every part in ONNX Runtime, to compare or
/// to step around a fault here).
pub fn enabled() -> bool {
    supported() && std::env::var_os("NASHRA_VOCODER").is_none_or(|v| v != "onnx")
}
use kernel::{Packed, Product, ROWS};
use tiled::Tiled;

/// Why a run failed: never expected from a plan [`Tail::from_graph`] accepted.
#[derive(Debug, thiserror::Error)]
pub enum TailError {
    #[error("the part takes {want} channels, the window has {got}")]
    Channels { want: usize, got: usize },
    #[error("the window's values are not {channels} channels of {len} positions")]
    Window { channels: usize, len: usize },
    #[error("the plan read a tensor before making it")]
    Unmade,
    #[error(transparent)]
    Bounds(#[from] kernel::OutOfBounds),
}

/// A tensor of the plan, by index.
type Id = usize;

/// One op of the plan.
#[derive(Debug, Clone)]
enum Step {
    /// A convolution of stride 1: output row `o` reads input rows `o + tap`. With `residual`,
    /// the graph's `Add` of the convolution's output and that tensor, done as it is stored.
    Conv {
        how: How,
        trim: usize,
        input: Id,
        output: Id,
        residual: Option<Id>,
    },
    /// A transposed convolution (upsampling) as one convolution per phase of its output.
    Upsample {
        phases: Vec<Packed>,
        grow: Growth,
        input: Id,
        output: Id,
    },
    LeakyRelu {
        alpha: f32,
        input: Id,
        output: Id,
    },
    Add {
        a: Id,
        b: Id,
        output: Id,
    },
    Div {
        divisor: f32,
        input: Id,
        output: Id,
    },
    Mul {
        factor: f32,
        input: Id,
        output: Id,
    },
    Tanh {
        input: Id,
        output: Id,
    },
}

/// How a convolution is computed.
#[derive(Debug, Clone)]
enum How {
    /// Tap by tap ([`kernel`]).
    Direct(Packed),
    /// By Winograd's minimal filtering ([`tiled`]): kernels of 3 and 5 taps from 64 channels
    /// on each side, 7 from 128, output as long as the input.
    Tiled(Box<Tiled>),
}

impl How {
    fn cout(&self) -> usize {
        match self {
            How::Direct(p) => p.cout,
            How::Tiled(t) => t.cout(),
        }
    }

    fn cin(&self) -> usize {
        match self {
            How::Direct(p) => p.cin,
            How::Tiled(t) => t.cin(),
        }
    }
}

/// A transposed convolution's output length: `(len − 1) × stride + kernel − pads`, with
/// `kernel − pads + output_padding` kept as one signed number.
#[derive(Debug, Clone, Copy)]
struct Growth {
    stride: usize,
    extra: isize,
}

impl Growth {
    fn len(self, len: usize) -> Option<usize> {
        if len == 0 {
            return Some(0);
        }
        usize::try_from(((len - 1) * self.stride) as isize + self.extra).ok()
    }
}

impl Step {
    fn inputs(&self) -> Vec<Id> {
        match self {
            Step::Conv { input, residual, .. } => {
                std::iter::once(*input).chain(*residual).collect()
            }
            Step::Add { a, b, .. } => vec![*a, *b],
            Step::Upsample { input, .. }
            | Step::LeakyRelu { input, .. }
            | Step::Div { input, .. }
            | Step::Mul { input, .. }
            | Step::Tanh { input, .. } => vec![*input],
        }
    }

    fn output(&self) -> Id {
        match self {
            Step::Conv { output, .. }
            | Step::Upsample { output, .. }
            | Step::LeakyRelu { output, .. }
            | Step::Add { output, .. }
            | Step::Div { output, .. }
            | Step::Mul { output, .. }
            | Step::Tanh { output, .. } => *output,
        }
    }
}

/// A part of a vocoder (its first stage, or the stages after it) as a plan of steps, with its
/// weights packed for the tiles.
#[derive(Debug, Clone)]
pub struct Tail {
    steps: Vec<Step>,
    /// Channels of each tensor.
    widths: Vec<usize>,
    input: Id,
    output: Id,
    /// For each step, the tensors whose last reader it is.
    frees: Vec<Vec<Id>>,
    /// Zero rows kept before and after every tensor: the padding the convolutions read.
    margin: usize,
}

/// The buffers of one thread's runs, kept from one window to the next.
#[derive(Debug, Default)]
pub struct Scratch {
    spare: Vec<Vec<f32>>,
    tiles: tiled::Buffers,
    /// The last run's output, lent out by [`Tail::run`].
    output: Vec<f32>,
}

/// A tensor of a run: `len` rows of `width` channels after `margin` zero rows, and as many
/// zero rows after.
struct Rows {
    data: Vec<f32>,
    len: usize,
}

impl Tail {
    /// The plan for `graph` read from its input `input`, or `None` when the graph holds anything
    /// this module does not compute exactly as ONNX does.
    pub fn from_graph(graph: &GraphProto, input: &str) -> Option<Tail> {
        Planner::new(graph, input)?.plan(graph)
    }

    /// Channels of the window this plan reads.
    pub fn channels(&self) -> usize {
        self.widths[self.input]
    }

    /// Channels of the output this plan gives.
    pub fn output_channels(&self) -> usize {
        self.widths[self.output]
    }

    /// The graph's output for a window of `len` positions of `channels` channels, given
    /// channel by channel (`[channels, len]`, as ONNX lays out `[1, channels, len]`), and given
    /// back the same way: [`Self::output_channels`] rows of the output's length.
    pub fn run<'s>(
        &self,
        window: &[f32],
        channels: usize,
        len: usize,
        scratch: &'s mut Scratch,
    ) -> Result<&'s [f32], TailError> {
        if channels != self.channels() {
            return Err(TailError::Channels { want: self.channels(), got: channels });
        }
        if window.len() != channels * len {
            return Err(TailError::Window { channels, len });
        }
        let mut tensors: Vec<Option<Rows>> = (0..self.widths.len()).map(|_| None).collect();
        let mut input = self.rows(&mut scratch.spare, len, channels);
        let m = self.margin;
        for (c, row) in window.chunks_exact(len.max(1)).enumerate() {
            for (t, &v) in row.iter().enumerate() {
                input.data[(m + t) * channels + c] = v;
            }
        }
        tensors[self.input] = Some(input);
        self.steps(&mut tensors, scratch)?;
        let out = tensors[self.output].take().ok_or(TailError::Unmade)?;
        let width = self.widths[self.output];
        let rows = &out.data[m * width..(m + out.len) * width];
        // Channel by channel again (samples, one channel, are already in that order).
        scratch.output.clear();
        if width == 1 {
            scratch.output.extend_from_slice(rows);
        } else {
            scratch.output.resize(rows.len(), 0.0);
            for (t, row) in rows.chunks_exact(width).enumerate() {
                for (c, &v) in row.iter().enumerate() {
                    scratch.output[c * out.len + t] = v;
                }
            }
        }
        scratch.spare.push(out.data);
        for rows in tensors.into_iter().flatten() {
            scratch.spare.push(rows.data);
        }
        Ok(&scratch.output)
    }

    /// Every step in order, each tensor's buffer given back after its last reader.
    fn steps(&self, tensors: &mut [Option<Rows>], scratch: &mut Scratch) -> Result<(), TailError> {
        for (step, frees) in self.steps.iter().zip(&self.frees) {
            let out = self.step(step, tensors, &mut scratch.spare, &mut scratch.tiles)?;
            tensors[step.output()] = Some(out);
            for &id in frees {
                if let Some(rows) = tensors[id].take() {
                    scratch.spare.push(rows.data);
                }
            }
        }
        Ok(())
    }

    /// A tensor of `len` rows from the spare buffers, its margins zero.
    fn rows(&self, spare: &mut Vec<Vec<f32>>, len: usize, width: usize) -> Rows {
        let mut data = spare.pop().unwrap_or_default();
        let total = (len + 2 * self.margin) * width;
        data.resize(total, 0.0);
        data[..self.margin * width].fill(0.0);
        data[(self.margin + len) * width..].fill(0.0);
        Rows { data, len }
    }

    fn step(
        &self,
        step: &Step,
        tensors: &[Option<Rows>],
        spare: &mut Vec<Vec<f32>>,
        tiles: &mut tiled::Buffers,
    ) -> Result<Rows, TailError> {
        let get = |id: Id| tensors[id].as_ref().ok_or(TailError::Unmade);
        let m = self.margin;
        let width = self.widths[step.output()];
        match step {
            Step::Conv { how, trim, input, residual, .. } => {
                let x = get(*input)?;
                let len = x
                    .len
                    .checked_sub(*trim)
                    .ok_or(TailError::Window { channels: how.cin(), len: x.len })?;
                let mut out = self.rows(spare, len, width);
                let residual = match residual {
                    Some(id) => Some(get(*id)?),
                    None => None,
                };
                if residual.is_some_and(|r| r.len != len) {
                    return Err(TailError::Window { channels: width, len });
                }
                let residual = residual.map(|r| r.data.as_slice());
                match how {
                    How::Direct(weights) => Product {
                        weights,
                        input: &x.data,
                        first_in: m,
                        out: &mut out.data,
                        first_out: m,
                        out_step: 1,
                        count: len,
                        residual,
                    }
                    .run()?,
                    How::Tiled(tiled) => {
                        tiled.run(&x.data, &mut out.data, m, len, residual, tiles)?
                    }
                }
                Ok(out)
            }
            Step::Upsample { phases, grow, input, .. } => {
                let x = get(*input)?;
                let len =
                    grow.len(x.len).ok_or(TailError::Window { channels: width, len: x.len })?;
                let mut out = self.rows(spare, len, width);
                for (phase, weights) in phases.iter().enumerate() {
                    let count = len.saturating_sub(phase).div_ceil(grow.stride);
                    Product {
                        weights,
                        input: &x.data,
                        first_in: m,
                        out: &mut out.data,
                        first_out: m + phase,
                        out_step: grow.stride,
                        count,
                        residual: None,
                    }
                    .run()?;
                }
                Ok(out)
            }
            Step::LeakyRelu { alpha, input, .. } => {
                self.map(get(*input)?, width, spare, |v| if v >= 0.0 { v } else { v * alpha })
            }
            Step::Div { divisor, input, .. } => {
                self.map(get(*input)?, width, spare, |v| v / divisor)
            }
            Step::Mul { factor, input, .. } => self.map(get(*input)?, width, spare, |v| v * factor),
            Step::Tanh { input, .. } => self.map(get(*input)?, width, spare, f32::tanh),
            Step::Add { a, b, .. } => {
                let (a, b) = (get(*a)?, get(*b)?);
                if a.len != b.len {
                    return Err(TailError::Window { channels: width, len: b.len });
                }
                let mut out = self.rows(spare, a.len, width);
                let span = m * width..(m + a.len) * width;
                for ((o, x), y) in
                    out.data[span.clone()].iter_mut().zip(&a.data[span.clone()]).zip(&b.data[span])
                {
                    *o = x + y;
                }
                Ok(out)
            }
        }
    }

    /// An elementwise op over a tensor's rows (its margins stay zero).
    fn map(
        &self,
        x: &Rows,
        width: usize,
        spare: &mut Vec<Vec<f32>>,
        f: impl Fn(f32) -> f32,
    ) -> Result<Rows, TailError> {
        let mut out = self.rows(spare, x.len, width);
        let span = self.margin * width..(self.margin + x.len) * width;
        for (o, &v) in out.data[span.clone()].iter_mut().zip(&x.data[span]) {
            *o = f(v);
        }
        Ok(out)
    }
}

/// Reads a graph into steps (see [`Tail::from_graph`]).
struct Planner<'g> {
    initializers: HashMap<&'g str, &'g TensorProto>,
    /// Scalars made by `Constant` nodes.
    constants: HashMap<String, f32>,
    ids: HashMap<String, Id>,
    widths: Vec<usize>,
    steps: Vec<Step>,
}

impl<'g> Planner<'g> {
    fn new(graph: &'g GraphProto, input: &str) -> Option<Self> {
        let initializers: HashMap<&str, &TensorProto> =
            graph.initializer.iter().map(|t| (t.name.as_str(), t)).collect();
        // The input's channels come from the first node that reads it.
        let width = graph.node.iter().find_map(|node| {
            (node.input.first().map(String::as_str) == Some(input)).then(|| {
                match node.op_type.as_str() {
                    "ConvTranspose" => {
                        initializers.get(node.input.get(1)?.as_str())?.dims.first().copied()
                    }
                    "Conv" => initializers.get(node.input.get(1)?.as_str())?.dims.get(1).copied(),
                    _ => None,
                }
            })?
        })?;
        let width = usize::try_from(width).ok().filter(|&w| w > 0)?;
        Some(Planner {
            initializers,
            constants: HashMap::new(),
            ids: HashMap::from([(input.to_owned(), 0)]),
            widths: vec![width],
            steps: Vec::new(),
        })
    }

    fn plan(mut self, graph: &GraphProto) -> Option<Tail> {
        if graph.output.len() != 1 {
            return None;
        }
        for node in &graph.node {
            self.node(node)?;
        }
        let output = *self.ids.get(&graph.output[0].name)?;
        if output == 0 {
            return None;
        }
        let steps = fuse_residuals(self.steps, output);
        let frees = last_reads(&steps, self.widths.len(), output);
        let margin = steps.iter().map(reach).max().unwrap_or(0) + ROWS + 1;
        Some(Tail { steps, widths: self.widths, input: 0, output, frees, margin })
    }

    fn node(&mut self, node: &NodeProto) -> Option<()> {
        if !node.domain.is_empty() && node.domain != "ai.onnx" {
            return None;
        }
        let reads_tensor = node.input.iter().any(|i| self.ids.contains_key(i));
        if !reads_tensor {
            // Only constants may be made beside the chain (the divisor of an average).
            // (Others, such as the axes of an `Unsqueeze`, are read by ops that check them.)
            if node.op_type == "Constant" && node.output.len() == 1 {
                let value = node.attribute.iter().find(|a| a.name == "value");
                if let Some(v) = value.and_then(|a| a.t.as_ref()).and_then(scalar) {
                    self.constants.insert(node.output[0].clone(), v);
                }
                return Some(());
            }
            return None;
        }
        if node.output.len() != 1 {
            return None;
        }
        let output = node.output[0].clone();
        let input = *self.ids.get(node.input.first()?)?;
        let width = self.widths[input];
        let step = match node.op_type.as_str() {
            "Conv" => self.conv(node, input)?,
            "ConvTranspose" => self.upsample(node, input)?,
            "LeakyRelu" if node.input.len() == 1 => {
                let alpha = match node.attribute.iter().find(|a| a.name == "alpha") {
                    Some(a) => a.f,
                    None => 0.01,
                };
                Step::LeakyRelu { alpha, input, output: 0 }
            }
            "Tanh" if node.input.len() == 1 => Step::Tanh { input, output: 0 },
            "Add" if node.input.len() == 2 => {
                let b = *self.ids.get(&node.input[1])?;
                if self.widths[b] != width {
                    return None;
                }
                Step::Add { a: input, b, output: 0 }
            }
            "Div" | "Mul" if node.input.len() == 2 => {
                let value = self.scalar(&node.input[1])?;
                if node.op_type == "Div" {
                    Step::Div { divisor: value, input, output: 0 }
                } else {
                    Step::Mul { factor: value, input, output: 0 }
                }
            }
            // Axes of size one added or dropped around a one-channel tensor (Piper's output is
            // [1, 1, 1, samples]): the same values in the same order.
            "Unsqueeze" | "Squeeze" | "Identity" if width == 1 => {
                if node.input.iter().skip(1).any(|i| self.ids.contains_key(i)) {
                    return None;
                }
                self.ids.insert(output, input);
                return Some(());
            }
            _ => return None,
        };
        let id = self.widths.len();
        self.widths.push(match &step {
            Step::Conv { how, .. } => how.cout(),
            Step::Upsample { phases, .. } => phases.first()?.cout,
            _ => width,
        });
        self.ids.insert(output, id);
        self.steps.push(with_output(step, id));
        Some(())
    }

    /// A convolution over time of stride 1, one group, its weight `[Cout, Cin, K]`.
    fn conv(&self, node: &NodeProto, input: Id) -> Option<Step> {
        let Layer { shape, weight, dims, bias } = self.layer(node, input, false)?;
        if shape.stride != 1 || shape.output_padding != 0 {
            return None;
        }
        let [cout, cin, k] = dims;
        let span = (k - 1) * shape.dilation;
        // Output length: len + pads − span, as a trim of the input's.
        let trim = span.checked_sub(shape.pad_begin + shape.pad_end)?;
        let first = -(shape.pad_begin as isize);
        let tiled = (trim == 0 && cin >= 16 && cout >= 16)
            .then(|| Tiled::new(&weight, dims, shape.dilation, first, bias.as_deref()))
            .flatten();
        let how = match tiled {
            Some(tiled) => How::Tiled(Box::new(tiled)),
            None => {
                let taps = (0..k).map(|j| (j * shape.dilation) as isize + first).collect();
                How::Direct(Packed::new(taps, cin, cout, bias.as_deref(), |tap, ci, co| {
                    weight[(co * cin + ci) * k + tap]
                }))
            }
        };
        Some(Step::Conv { how, trim, input, output: 0, residual: None })
    }

    /// A transposed convolution over time, one group, no dilation, its weight `[Cin, Cout, K]`.
    fn upsample(&self, node: &NodeProto, input: Id) -> Option<Step> {
        let Layer { shape, weight, dims, bias } = self.layer(node, input, true)?;
        if shape.dilation != 1 || shape.stride == 0 || shape.has_output_shape {
            return None;
        }
        let [cin, cout, k] = dims;
        let s = shape.stride;
        // Output o = i·s − pad_begin + j: for o = q·s + phase, tap j reads input
        // i = q + (phase + pad_begin − j) / s when that division is exact.
        let phases = (0..s)
            .map(|phase| {
                let (taps, js): (Vec<isize>, Vec<usize>) = (0..k)
                    .filter_map(|j| {
                        let d = (phase + shape.pad_begin) as isize - j as isize;
                        (d.rem_euclid(s as isize) == 0).then_some((d.div_euclid(s as isize), j))
                    })
                    .unzip();
                Packed::new(taps, cin, cout, bias.as_deref(), |tap, ci, co| {
                    weight[(ci * cout + co) * k + js[tap]]
                })
            })
            .collect();
        let extra =
            k as isize - (shape.pad_begin + shape.pad_end) as isize + shape.output_padding as isize;
        Some(Step::Upsample { phases, grow: Growth { stride: s, extra }, input, output: 0 })
    }

    /// What a `Conv` (`transposed`: a `ConvTranspose`) reading `input` is made of, checked
    /// against the input's channels (the weight's second dimension, or its first when
    /// transposed) and against the kernel the attributes name.
    fn layer(&self, node: &NodeProto, input: Id, transposed: bool) -> Option<Layer> {
        let shape = Shape::of(node)?;
        let (weight, dims) = self.weight(node)?;
        let [a, b, k] = dims;
        let (cin, cout) = if transposed { (a, b) } else { (b, a) };
        if cin != self.widths[input] || shape.kernel.is_some_and(|kk| kk != k) {
            return None;
        }
        let bias = self.bias(node, cout)?;
        Some(Layer { shape, weight, dims, bias })
    }

    /// A convolution's weight: its values and `[a, b, k]` dims, from an initializer.
    fn weight(&self, node: &NodeProto) -> Option<(Vec<f32>, [usize; 3])> {
        let tensor = self.initializers.get(node.input.get(1)?.as_str())?;
        let dims: Vec<usize> = tensor
            .dims
            .iter()
            .map(|&d| usize::try_from(d).ok().filter(|&d| d > 0))
            .collect::<Option<_>>()?;
        let [a, b, k] = dims[..] else { return None };
        let values = super::graph::float_values(tensor)?;
        (values.len() == a * b * k).then_some((values, [a, b, k]))
    }

    /// The bias (third input) of `cout` floats: `Some(None)` when there is none.
    fn bias(&self, node: &NodeProto, cout: usize) -> Option<Option<Vec<f32>>> {
        let Some(name) = node.input.get(2).filter(|b| !b.is_empty()) else { return Some(None) };
        let values = super::graph::float_values(self.initializers.get(name.as_str())?)?;
        (values.len() == cout).then_some(Some(values))
    }

    /// A one-value float from an initializer or a `Constant` node.
    fn scalar(&self, name: &str) -> Option<f32> {
        match self.constants.get(name) {
            Some(&v) => Some(v),
            None => scalar(self.initializers.get(name)?),
        }
    }
}

/// The value of a float tensor of one element.
fn scalar(tensor: &TensorProto) -> Option<f32> {
    if tensor.dims.iter().product::<i64>() != 1 {
        return None;
    }
    match super::graph::float_values(tensor)?[..] {
        [v] => Some(v),
        _ => None,
    }
}

fn with_output(step: Step, id: Id) -> Step {
    match step {
        Step::Conv { how, trim, input, residual, .. } => {
            Step::Conv { how, trim, input, output: id, residual }
        }
        Step::Upsample { phases, grow, input, .. } => {
            Step::Upsample { phases, grow, input, output: id }
        }
        Step::LeakyRelu { alpha, input, .. } => Step::LeakyRelu { alpha, input, output: id },
        Step::Add { a, b, .. } => Step::Add { a, b, output: id },
        Step::Div { divisor, input, .. } => Step::Div { divisor, input, output: id },
        Step::Mul { factor, input, .. } => Step::Mul { factor, input, output: id },
        Step::Tanh { input, .. } => Step::Tanh { input, output: id },
    }
}

/// A `Conv` or `ConvTranspose` as [`Planner::layer`] reads it.
struct Layer {
    shape: Shape,
    weight: Vec<f32>,
    /// `[Cout, Cin, K]`, or `[Cin, Cout, K]` for a transposed convolution.
    dims: [usize; 3],
    bias: Option<Vec<f32>>,
}

/// The time-axis attributes of a `Conv` or `ConvTranspose`.
struct Shape {
    kernel: Option<usize>,
    stride: usize,
    dilation: usize,
    pad_begin: usize,
    pad_end: usize,
    output_padding: usize,
    has_output_shape: bool,
}

impl Shape {
    /// `None` for anything but one group over one axis with explicit padding.
    fn of(node: &NodeProto) -> Option<Shape> {
        let mut shape = Shape {
            kernel: None,
            stride: 1,
            dilation: 1,
            pad_begin: 0,
            pad_end: 0,
            output_padding: 0,
            has_output_shape: false,
        };
        let one = |ints: &[i64]| match ints {
            [v] => usize::try_from(*v).ok(),
            _ => None,
        };
        for a in &node.attribute {
            match a.name.as_str() {
                "kernel_shape" => shape.kernel = Some(one(&a.ints)?),
                "strides" => shape.stride = one(&a.ints)?,
                "dilations" => shape.dilation = one(&a.ints)?,
                "output_padding" => shape.output_padding = one(&a.ints)?,
                "pads" => match a.ints[..] {
                    [b, e] => {
                        shape.pad_begin = usize::try_from(b).ok()?;
                        shape.pad_end = usize::try_from(e).ok()?;
                    }
                    _ => return None,
                },
                "group" if a.i == 1 => {}
                "auto_pad" if a.s.is_empty() || a.s == b"NOTSET" => {}
                "output_shape" => shape.has_output_shape = true,
                _ => return None,
            }
        }
        (shape.stride > 0 && shape.dilation > 0).then_some(shape)
    }
}

/// Folds each `Add` of a convolution's output (read by nothing else) and a tensor made before
/// that convolution into the convolution, which adds it as it stores its rows.
fn fuse_residuals(steps: Vec<Step>, output: Id) -> Vec<Step> {
    let mut readers: HashMap<Id, usize> = HashMap::from([(output, 1)]);
    for id in steps.iter().flat_map(Step::inputs) {
        *readers.entry(id).or_default() += 1;
    }
    let made_at: HashMap<Id, usize> =
        steps.iter().enumerate().map(|(i, s)| (s.output(), i)).collect();
    let made = |id: Id| made_at.get(&id).copied();
    let mut steps: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    for i in 0..steps.len() {
        let Some(Step::Add { a, b, output: sum }) = steps[i].clone() else { continue };
        for (conv_out, other) in [(a, b), (b, a)] {
            let Some(at) = made(conv_out) else { continue };
            let earlier = made(other).is_none_or(|o| o < at);
            let sole = readers.get(&conv_out) == Some(&1);
            if let (Some(Step::Conv { residual: None, .. }), true, true) =
                (&steps[at], earlier, sole)
            {
                if let Some(Step::Conv { how, trim, input, .. }) = steps[at].take() {
                    steps[at] =
                        Some(Step::Conv { how, trim, input, output: sum, residual: Some(other) });
                    steps[i] = None;
                }
                break;
            }
        }
    }
    steps.into_iter().flatten().collect()
}

/// For each step, the tensors it is the last to read (never the output).
fn last_reads(steps: &[Step], tensors: usize, output: Id) -> Vec<Vec<Id>> {
    let mut last: Vec<Option<usize>> = vec![None; tensors];
    for (i, step) in steps.iter().enumerate() {
        for id in step.inputs() {
            last[id] = Some(i);
        }
    }
    let mut frees = vec![Vec::new(); steps.len()];
    for (id, at) in last.into_iter().enumerate() {
        if let (Some(at), false) = (at, id == output) {
            frees[at].push(id);
        }
    }
    frees
}

/// How many rows a step's products read beyond the rows they write, on either side.
fn reach(step: &Step) -> usize {
    let taps = |p: &Packed| p.taps.iter().map(|t| t.unsigned_abs()).max().unwrap_or(0);
    match step {
        Step::Conv { how: How::Direct(weights), trim, .. } => taps(weights) + trim,
        Step::Conv { how: How::Tiled(tiled), .. } => tiled.reach(),
        Step::Upsample { phases, .. } => phases.iter().map(taps).max().unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
mod tests;
