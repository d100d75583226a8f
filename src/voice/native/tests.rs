#![allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim

use onnx_protobuf::{AttributeProto, GraphProto, NodeProto, TensorProto, ValueInfoProto};

use super::kernel::{Packed, Product};
use super::tiled::{Buffers, Tiled};
use super::*;

fn values(n: usize, seed: usize) -> Vec<f32> {
    (0..n).map(|i| ((i * 7919 + seed * 104_729) % 2003) as f32 / 2003.0 - 0.5).collect()
}

fn floats(name: &str, dims: &[i64], values: &[f32]) -> TensorProto {
    TensorProto {
        name: name.to_owned(),
        dims: dims.to_vec(),
        data_type: 1,
        float_data: values.to_vec(),
        ..Default::default()
    }
}

fn ints(name: &str, values: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.to_owned(),
        ints: values.to_vec(),
        type_: onnx_protobuf::attribute_proto::AttributeType::INTS.into(),
        ..Default::default()
    }
}

fn node(op: &str, inputs: &[&str], output: &str, attributes: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        op_type: op.to_owned(),
        input: inputs.iter().map(|s| (*s).to_owned()).collect(),
        output: vec![output.to_owned()],
        attribute: attributes,
        ..Default::default()
    }
}

/// A HiFi-GAN stage in miniature, as Piper's export writes one: an upsampling (stride 4,
/// kernel 8, pads 2), a residual block of two dilated convolutions (one tiled, 64 channels),
/// a second block read from the same input, their average, and a one-channel `conv_post` and
/// `Tanh`, then an `Unsqueeze`.
struct Stage {
    cin: usize,
    c: usize,
    up: Vec<f32>,
    up_bias: Vec<f32>,
    convs: Vec<(usize, usize, Vec<f32>, Vec<f32>)>,
    post: Vec<f32>,
}

impl Stage {
    fn new() -> Self {
        let (cin, c) = (24, 64);
        let convs = [(3, 1), (5, 2), (3, 3), (7, 2)]
            .iter()
            .enumerate()
            .map(|(i, &(k, d))| {
                let scale = 0.2 / (c as f32 * k as f32).sqrt();
                let w = values(c * c * k, i + 3).iter().map(|v| v * scale).collect();
                (k, d, w, values(c, i + 11))
            })
            .collect();
        Stage {
            cin,
            c,
            up: values(cin * c * 8, 1).iter().map(|v| v * 0.3).collect(),
            up_bias: values(c, 2),
            convs,
            post: values(c * 7, 9).iter().map(|v| v * 0.2).collect(),
        }
    }

    fn graph(&self) -> GraphProto {
        let (cin, c) = (self.cin as i64, self.c as i64);
        let mut g = GraphProto::default();
        g.initializer.push(floats("up.w", &[cin, c, 8], &self.up));
        g.initializer.push(floats("up.b", &[c], &self.up_bias));
        g.node.push(node(
            "ConvTranspose",
            &["x", "up.w", "up.b"],
            "up",
            vec![ints("strides", &[4]), ints("pads", &[2, 2]), ints("kernel_shape", &[8])],
        ));
        let mut lrelu = node("LeakyRelu", &["up"], "a0", vec![]);
        lrelu.attribute.push(AttributeProto {
            name: "alpha".into(),
            f: 0.1,
            type_: onnx_protobuf::attribute_proto::AttributeType::FLOAT.into(),
            ..Default::default()
        });
        g.node.push(lrelu.clone());
        for (i, (k, _, w, b)) in self.convs.iter().enumerate() {
            g.initializer.push(floats(&format!("c{i}.w"), &[c, c, *k as i64], w));
            g.initializer.push(floats(&format!("c{i}.b"), &[c], b));
        }
        // Block 0: a1 = up + c0(a0); out0 = a1 + c1(lrelu(a1)). Block 1 the same with c2, c3.
        for block in 0..2 {
            let (first, second) = (2 * block, 2 * block + 1);
            let conv = |i: usize, input: &str, out: &str| {
                let (k, d, _, _) = &self.convs[i];
                let pad = ((k - 1) * d / 2) as i64;
                node(
                    "Conv",
                    &[input, &format!("c{i}.w"), &format!("c{i}.b")],
                    out,
                    vec![ints("dilations", &[*d as i64]), ints("pads", &[pad, pad])],
                )
            };
            g.node.push(conv(first, "a0", &format!("y{first}")));
            g.node.push(node("Add", &[&format!("y{first}"), "up"], &format!("s{block}"), vec![]));
            let mut l = lrelu.clone();
            l.input = vec![format!("s{block}")];
            l.output = vec![format!("l{block}")];
            g.node.push(l);
            g.node.push(conv(second, &format!("l{block}"), &format!("y{second}")));
            g.node.push(node(
                "Add",
                &[&format!("y{second}"), &format!("s{block}")],
                &format!("o{block}"),
                vec![],
            ));
        }
        g.node.push(node("Add", &["o0", "o1"], "sum", vec![]));
        let mut two = node("Constant", &[], "two", vec![]);
        two.attribute.push(AttributeProto {
            name: "value".into(),
            t: Some(floats("", &[], &[2.0])).into(),
            type_: onnx_protobuf::attribute_proto::AttributeType::TENSOR.into(),
            ..Default::default()
        });
        g.node.push(two);
        g.node.push(node("Div", &["sum", "two"], "mean", vec![]));
        g.node.push(node("LeakyRelu", &["mean"], "post_in", vec![]));
        g.initializer.push(floats("post.w", &[1, c, 7], &self.post));
        g.node.push(node("Conv", &["post_in", "post.w"], "post", vec![ints("pads", &[3, 3])]));
        g.node.push(node("Tanh", &["post"], "tanh", vec![]));
        g.node.push(node("Unsqueeze", &["tanh"], "out", vec![ints("axes", &[1])]));
        g.output.push(ValueInfoProto { name: "out".into(), ..Default::default() });
        g
    }

    /// The stage written out in f64 from ONNX's definitions, channel-major like ONNX.
    fn reference(&self, x: &[f32], len: usize) -> Vec<f64> {
        let (cin, c) = (self.cin, self.c);
        let up_len = (len - 1) * 4 + 8 - 4;
        let mut up = vec![0.0f64; c * up_len];
        for co in 0..c {
            for o in 0..up_len {
                let mut sum = f64::from(self.up_bias[co]);
                for i in 0..len {
                    for j in 0..8 {
                        // o = i * stride + j - pad_begin
                        if i * 4 + j == o + 2 {
                            for ci in 0..cin {
                                sum += f64::from(x[ci * len + i])
                                    * f64::from(self.up[(ci * c + co) * 8 + j]);
                            }
                        }
                    }
                }
                up[co * up_len + o] = sum;
            }
        }
        let lrelu = |v: &[f64], alpha: f64| -> Vec<f64> {
            v.iter().map(|&x| if x >= 0.0 { x } else { alpha * x }).collect()
        };
        let conv = |x: &[f64], i: usize| -> Vec<f64> {
            let (k, d, w, b) = &self.convs[i];
            let pad = (k - 1) * d / 2;
            let mut y = vec![0.0; c * up_len];
            for co in 0..c {
                for o in 0..up_len {
                    let mut sum = f64::from(b[co]);
                    for j in 0..*k {
                        let t = (o + j * d) as isize - pad as isize;
                        if t < 0 || t as usize >= up_len {
                            continue;
                        }
                        for ci in 0..c {
                            sum +=
                                x[ci * up_len + t as usize] * f64::from(w[(co * c + ci) * k + j]);
                        }
                    }
                    y[co * up_len + o] = sum;
                }
            }
            y
        };
        let add =
            |a: &[f64], b: &[f64]| -> Vec<f64> { a.iter().zip(b).map(|(x, y)| x + y).collect() };
        let a0 = lrelu(&up, 0.1);
        let mut outs = Vec::new();
        for block in 0..2 {
            let s = add(&conv(&a0, 2 * block), &up);
            outs.push(add(&conv(&lrelu(&s, 0.1), 2 * block + 1), &s));
        }
        let mean: Vec<f64> = add(&outs[0], &outs[1]).iter().map(|v| v / 2.0).collect();
        let post_in = lrelu(&mean, 0.01);
        (0..up_len)
            .map(|o| {
                let mut sum = 0.0;
                for j in 0..7 {
                    let t = o as isize + j as isize - 3;
                    if t < 0 || t as usize >= up_len {
                        continue;
                    }
                    for ci in 0..c {
                        sum += post_in[ci * up_len + t as usize] * f64::from(self.post[ci * 7 + j]);
                    }
                }
                sum.tanh()
            })
            .collect()
    }
}

/// The plan computes what ONNX's definitions say, windows of 1 to 40 positions: the
/// upsampling's phases, the padding at both ends, the residual sums folded into the
/// convolutions, the average and the tiled convolutions among the direct ones.
#[test]
fn a_stage_computes_what_its_graph_says() {
    let stage = Stage::new();
    let tail = Tail::from_graph(&stage.graph(), "x").unwrap();
    assert_eq!((tail.channels(), tail.output_channels()), (24, 1));
    let tiled = tail.steps.iter().filter(|s| matches!(s, Step::Conv { how: How::Tiled(_), .. }));
    assert_eq!(tiled.count(), 3, "kernels 3 and 5 of 64 channels are tiled, 7 is not");
    let sums = tail.steps.iter().filter(|s| matches!(s, Step::Add { .. })).count();
    assert_eq!(sums, 1, "the residual sums are folded; the blocks' sum is not");
    let mut scratch = Scratch::default();
    for len in [1, 2, 7, 40] {
        let x = values(24 * len, len);
        let got = tail.run(&x, 24, len, &mut scratch).unwrap().to_vec();
        let want = stage.reference(&x, len);
        assert_eq!(got.len(), want.len(), "len {len}");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!((f64::from(*g) - w).abs() < 1e-5, "len {len} sample {i}: {g} against {w}");
        }
    }
    // A window of the wrong width is refused with a reason.
    assert!(matches!(tail.run(&[0.0; 10], 5, 2, &mut scratch), Err(TailError::Channels { .. })));
}

/// Anything the plan does not know makes it decline, and the part then runs in ONNX Runtime.
#[test]
fn a_graph_with_an_op_or_attribute_it_does_not_know_is_declined() {
    let stage = Stage::new();
    let declined = |change: &dyn Fn(&mut GraphProto)| {
        let mut g = stage.graph();
        change(&mut g);
        Tail::from_graph(&g, "x").is_none()
    };
    assert!(!declined(&|_| {}));
    assert!(declined(&|g| g.node[1].op_type = "Sigmoid".into()), "an unknown op");
    assert!(
        declined(&|g| g.node[2].attribute.push(AttributeProto {
            name: "group".into(),
            i: 2,
            ..Default::default()
        })),
        "grouped"
    );
    assert!(
        declined(&|g| g.node[2].attribute.push(AttributeProto {
            name: "auto_pad".into(),
            s: b"SAME_UPPER".to_vec(),
            ..Default::default()
        })),
        "padded by the runtime"
    );
    assert!(declined(&|g| g.node[3].input[1] = "c0.b".into()), "an Add that broadcasts a weight");
    assert!(declined(&|g| g.node[0].input[1] = "missing".into()), "a weight that is not there");
}

/// The tiles of a dilated convolution give the direct product's sums, with and without a
/// residual, for lengths around a block of tiles.
#[test]
fn tiled_convolutions_give_the_direct_sums() {
    for (c, k, d) in [(64, 3, 1), (64, 3, 2), (64, 5, 2), (64, 5, 6), (128, 7, 3)] {
        let weight = values(c * c * k, k + d);
        let scale = 1.0 / (c as f32 * k as f32).sqrt();
        let weight: Vec<f32> = weight.iter().map(|v| v * scale).collect();
        let bias = values(c, 5);
        let pad = (k - 1) * d / 2;
        let first = -(pad as isize);
        let tiled = Tiled::new(&weight, [c, c, k], d, first, Some(&bias)).unwrap();
        let taps = (0..k).map(|j| (j * d) as isize + first).collect();
        let direct =
            Packed::new(taps, c, c, Some(&bias), |t, ci, co| weight[(co * c + ci) * k + t]);
        let margin = tiled.reach() + 8;
        let lengths: &[usize] = if c > 64 { &[1, 50, 301] } else { &[1, 5, 24, 97, 300] };
        for &len in lengths {
            let mut input = vec![0.0; (len + 2 * margin) * c];
            input[margin * c..(margin + len) * c].copy_from_slice(&values(len * c, len));
            let residual = values((len + 2 * margin) * c, 1);
            for residual in [None, Some(residual.as_slice())] {
                let mut want = vec![0.0; input.len()];
                Product {
                    weights: &direct,
                    input: &input,
                    first_in: margin,
                    out: &mut want,
                    first_out: margin,
                    out_step: 1,
                    count: len,
                    residual,
                }
                .run()
                .unwrap();
                let mut got = vec![0.0; input.len()];
                tiled
                    .run(&input, &mut got, margin, len, residual, &mut Buffers::default())
                    .unwrap();
                let worst = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
                assert!(worst < 1e-4, "k {k} d {d} len {len}: {worst}");
            }
        }
    }
    // A kernel of 7 under 128 channels and any under 64 stay direct.
    assert!(Tiled::new(&values(64 * 64 * 7, 1), [64, 64, 7], 1, -3, None).is_none());
    assert!(Tiled::new(&values(32 * 32 * 3, 1), [32, 32, 3], 1, -1, None).is_none());
}
