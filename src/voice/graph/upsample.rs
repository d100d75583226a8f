//! A HiFi-GAN upsampling (a transposed convolution of stride `s`, kernel `2s`, padding `s/2`)
//! rewritten as two ordinary convolutions whose outputs are interleaved.
//!
//! Why: ONNX Runtime runs a transposed convolution as a matrix product followed by a scatter of
//! the columns into the output (col2im) on the plain layout, the slowest op of joe's vocoder per
//! multiply-add: measured with ONNX Runtime's profiler on one thread (AMD EPYC, session 12), the
//! two upsamplings after the first stage ran at 27 billion multiply-adds a second and the first
//! at 21, where the widened convolutions around them ran at about 48. Every output sample of
//! such an upsampling is a sum over two neighbouring input positions with weights that depend
//! only on the sample's phase (its position modulo `s`), so the `s` phases are `s` ordinary
//! convolutions of kernel 2 over the input: the phases that read positions `q - 1, q` form one
//! convolution, those that read `q, q + 1` another. Both are two-dimensional of height 1, which
//! ONNX Runtime runs in its blocked layout (as [`super::widen_convs`] arranges for the others);
//! one transpose then puts the phases in time order. A vocoder window runs 2-3% faster
//! (docs/bench.md, "Upsampling as two convolutions"). The products are the same; their sums run
//! in another order (samples move by about 1e-7).
//!
//! In: a graph. Out: the same graph, each matching `ConvTranspose` replaced. Must never happen:
//! a rewrite of a transposed convolution of another shape (other padding, groups, dilation,
//! output padding), of one whose weights are not plain float initializers that it alone reads,
//! or any change to what the graph computes beyond the order of float sums.

use std::collections::HashMap;

use onnx_protobuf::{GraphProto, NodeProto, TensorProto};

use super::{
    add_height_axes, convolution_bias, float_values, floats, height_axes, height_node, int, int64s,
    ints, is_convolution, plain_node, readers, sole_initializer,
};

/// The start of every name [`split_upsamplings`] adds to a graph.
const UP: &str = "nashra.up";

/// The transposed convolution an upsampling is, with its weights read out.
#[derive(Debug)]
struct Upsampling {
    stride: usize,
    inputs: usize,
    outputs: usize,
    /// `[inputs, outputs, 2 × stride]`, as ONNX lays out a transposed convolution's weight.
    weight: Vec<f32>,
    bias: Option<Vec<f32>>,
}

impl Upsampling {
    /// The weight of output channel `o` from input channel `c` at kernel tap `k`.
    fn tap(&self, c: usize, o: usize, k: usize) -> f32 {
        self.weight[(c * self.outputs + o) * 2 * self.stride + k]
    }

    /// The weights of the kernel-2 convolution of the phases `phases`, as `[out_channels,
    /// inputs, 1, 2]`, where phase `r` and output `o` are output channel `(r - first) × outputs
    /// plus o`: `taps(r)` gives, for phase `r`, the transposed convolution's taps that weigh the
    /// two positions the convolution reads, earlier first.
    fn phase_weights(
        &self,
        phases: std::ops::Range<usize>,
        taps: impl Fn(usize) -> [usize; 2],
    ) -> Vec<f32> {
        let mut weights = Vec::with_capacity(phases.len() * self.outputs * self.inputs * 2);
        for r in phases {
            let [earlier, later] = taps(r);
            for o in 0..self.outputs {
                for c in 0..self.inputs {
                    weights.push(self.tap(c, o, earlier));
                    weights.push(self.tap(c, o, later));
                }
            }
        }
        weights
    }
}

/// Rewrites each transposed convolution of `graph` that is an upsampling of stride `s` with
/// kernel `2s` and padding `s/2` on both sides (every HiFi-GAN upsampling of Piper's voices);
/// returns how many it rewrote. `axes_as_input` as for [`super::widen_convs`].
///
/// The output sample `q·s + r` (phase `r`) of such an upsampling reads the input at `q` with
/// tap `r + s/2`, and at `q - 1` with tap `r + 3s/2` when `r < s/2`, else at `q + 1` with tap
/// `r - s/2`. The phases below `s/2` are therefore one convolution over positions `q - 1, q`
/// (padding one position before), the others one over `q, q + 1` (padding one after). Their
/// outputs, phase by phase (`[1, s × outputs, 1, T]` after `Concat`), are reshaped to
/// `[1, s, outputs, T]`, transposed to `[1, outputs, T, s]`, reshaped to `[1, outputs, 1, T·s]`
/// and squeezed to `[1, outputs, T·s]`: the transposed convolution's output. The squeeze is
/// written apart, like [`super::widen_convs`]'s, so that [`super::keep_blocked`] can keep the
/// height where the next convolutions want it.
pub fn split_upsamplings(graph: &mut GraphProto, axes_as_input: bool) -> usize {
    let readers = readers(graph);
    let axes = height_axes();
    let mut nodes = Vec::with_capacity(graph.node.len());
    let mut added = Vec::new();
    let mut rewritten = 0;
    for node in std::mem::take(&mut graph.node) {
        let Some(up) = upsampling(&node, &graph.initializer, &readers) else {
            nodes.push(node);
            continue;
        };
        graph.initializer.retain(|t| !node.input[1..].contains(&t.name));
        let name = format!("{UP}.{rewritten}");
        let (s, half, outputs) = (up.stride, up.stride / 2, up.outputs as i64);
        let early = up.phase_weights(0..half, |r| [r + half + s, r + half]);
        let late = up.phase_weights(half..s, |r| [r + half, r - half]);
        let wide = format!("{name}.in");
        nodes.push(height_node("Unsqueeze", &node.input[0], &wide, &axes, axes_as_input));
        for (part, weight, pads) in [("early", early, [0, 1, 0, 0]), ("late", late, [0, 0, 0, 1])] {
            let phases = (s - half) as i64;
            let weight_name = format!("{name}.{part}.weight");
            added.push(floats(&weight_name, &[phases * outputs, up.inputs as i64, 1, 2], weight));
            let mut inputs = vec![wide.clone(), weight_name];
            if let Some(bias) = &up.bias {
                let bias_name = format!("{name}.{part}.bias");
                let tiled = bias.iter().copied().cycle().take(bias.len() * (s - half)).collect();
                added.push(floats(&bias_name, &[phases * outputs], tiled));
                inputs.push(bias_name);
            }
            let mut conv = plain_node("Conv", inputs, &format!("{name}.{part}"));
            conv.attribute = vec![
                ints("kernel_shape", &[1, 2]),
                ints("pads", &pads),
                ints("strides", &[1, 1]),
                ints("dilations", &[1, 1]),
            ];
            nodes.push(conv);
        }
        let phases = format!("{name}.phases");
        let mut concat =
            plain_node("Concat", vec![format!("{name}.early"), format!("{name}.late")], &phases);
        concat.attribute = vec![int("axis", 1)];
        nodes.push(concat);
        let (by_phase, by_time) = (format!("{name}.by_phase"), format!("{name}.by_time"));
        let (split_shape, out_shape) = (format!("{name}.split_shape"), format!("{name}.out_shape"));
        // 0 keeps the batch dimension as it is.
        added.push(int64s(&split_shape, &[0, s as i64, outputs, -1]));
        added.push(int64s(&out_shape, &[0, outputs, 1, -1]));
        nodes.push(plain_node("Reshape", vec![phases, split_shape], &by_phase));
        let mut transpose = plain_node("Transpose", vec![by_phase], &by_time);
        transpose.attribute = vec![ints("perm", &[0, 2, 3, 1])];
        nodes.push(transpose);
        let wide_out = format!("{name}.out");
        nodes.push(plain_node("Reshape", vec![by_time, out_shape], &wide_out));
        nodes.push(height_node("Squeeze", &wide_out, &node.output[0], &axes, axes_as_input));
        rewritten += 1;
    }
    graph.node = nodes;
    graph.initializer.extend(added);
    if rewritten > 0 {
        add_height_axes(graph, axes_as_input);
    }
    rewritten
}

/// `node` as an [`Upsampling`] this module rewrites, or `None`.
fn upsampling(
    node: &NodeProto,
    initializers: &[TensorProto],
    readers: &HashMap<String, usize>,
) -> Option<Upsampling> {
    if !is_convolution(node, "ConvTranspose") {
        return None;
    }
    let (mut kernel, mut stride, mut pads) = (None, None, None);
    for a in &node.attribute {
        match (a.name.as_str(), a.ints.as_slice()) {
            ("kernel_shape", &[k]) => kernel = Some(k),
            ("strides", &[s]) => stride = Some(s),
            ("pads", &[begin, end]) if begin == end => pads = Some(begin),
            ("dilations", &[1]) => {}
            ("output_padding", &[0]) => {}
            ("group", _) if a.i == 1 => {}
            ("auto_pad", _) if a.s.is_empty() || a.s == b"NOTSET" => {}
            _ => return None,
        }
    }
    let (kernel, stride, pad) = (kernel?, stride?, pads?);
    if stride < 2 || stride % 2 != 0 || kernel != 2 * stride || 2 * pad != stride {
        return None;
    }
    let stride = usize::try_from(stride).ok()?;
    let weight = sole_initializer(&node.input[1], initializers, readers)?;
    let &[inputs, outputs, k] = weight.dims.as_slice() else { return None };
    let (inputs, outputs) = (usize::try_from(inputs).ok()?, usize::try_from(outputs).ok()?);
    let weight_values = float_values(weight)?;
    if k != kernel || weight_values.len() != inputs * outputs * 2 * stride {
        return None;
    }
    let bias = convolution_bias(node, initializers, readers, outputs)?;
    Some(Upsampling { stride, inputs, outputs, weight: weight_values, bias })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use super::super::float_tensor_info;
    use super::super::testing::{run, values, worst};
    use super::*;

    /// `x [1, inputs, T]` through one transposed convolution of stride `stride`, kernel
    /// `kernel` and padding `pad` on both sides into `y`.
    fn upsampling_graph(
        stride: i64,
        kernel: i64,
        pad: i64,
        (inputs, outputs): (i64, i64),
        bias: bool,
    ) -> GraphProto {
        let mut graph = GraphProto::new();
        graph.input.push(float_tensor_info("x"));
        graph.output.push(float_tensor_info("y"));
        let dims = [inputs, outputs, kernel];
        let count = (inputs * outputs * kernel) as usize;
        graph.initializer.push(floats("w", &dims, values(count, 1)));
        let mut reads = vec!["x".to_owned(), "w".to_owned()];
        if bias {
            graph.initializer.push(floats("b", &[outputs], values(outputs as usize, 2)));
            reads.push("b".to_owned());
        }
        let mut node = plain_node("ConvTranspose", reads, "y");
        node.attribute = vec![
            ints("kernel_shape", &[kernel]),
            ints("strides", &[stride]),
            ints("pads", &[pad, pad]),
        ];
        graph.node.push(node);
        graph
    }

    /// The claim the rewrite rests on: for the strides of Piper's vocoders, with and without
    /// a bias, the two convolutions and the interleave give what ONNX Runtime's transposed
    /// convolution gives, sample for sample (to the order of float sums), edges included.
    #[test]
    fn an_upsampling_as_two_convolutions_gives_the_transposed_convolutions_output() {
        for (stride, bias) in [(8, true), (4, false), (2, true)] {
            let (inputs, outputs, frames) = (6, 5, 23);
            let original =
                upsampling_graph(stride, 2 * stride, stride / 2, (inputs, outputs), bias);
            let mut rewritten = original.clone();
            assert_eq!(split_upsamplings(&mut rewritten, true), 1);
            assert!(rewritten.node.iter().all(|n| n.op_type != "ConvTranspose"));
            assert!(rewritten.initializer.iter().all(|t| t.name != "w"), "old weight kept");
            let x = values(inputs as usize * frames, 3);
            let expected = run(&original, inputs as usize, &x, true);
            let got = run(&rewritten, inputs as usize, &x, true);
            assert_eq!(expected.len(), outputs as usize * frames * stride as usize);
            assert_eq!(got.len(), expected.len(), "stride {stride}");
            let worst = worst(&got, &expected);
            assert!(worst < 1e-5, "stride {stride}: largest difference {worst}");
        }
    }

    /// Transposed convolutions of other shapes, or whose weight another node also reads, are
    /// left as they are.
    #[test]
    fn other_transposed_convolutions_are_left_alone() {
        for (stride, kernel, pad) in [(4, 8, 1), (4, 6, 1), (3, 6, 1), (1, 2, 0)] {
            let mut graph = upsampling_graph(stride, kernel, pad, (2, 2), true);
            let before = graph.clone();
            assert_eq!(split_upsamplings(&mut graph, true), 0, "{stride}/{kernel}/{pad}");
            assert_eq!(graph, before);
        }
        let mut shared = upsampling_graph(4, 8, 2, (2, 2), false);
        shared.node.push(plain_node("Identity", vec!["w".to_owned()], "w2"));
        assert_eq!(split_upsamplings(&mut shared, true), 0);
    }
}
