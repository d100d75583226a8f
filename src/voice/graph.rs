//! A Piper graph cut in two at the vocoder's input, so that the vocoder can run over a long
//! sentence a piece at a time.
//!
//! Why: a VITS graph turns phoneme ids into a latent sequence (about 86 frames a second of
//! speech, 192 values each) and its HiFi-GAN vocoder upsamples that 256 times into samples. The
//! vocoder's intermediate tensors are what make an inference's memory grow with the sentence
//! (0.77 GB for one sentence at the 200-character cap, docs/bench.md "Memory"). The vocoder is
//! convolutional with a receptive field of a few frames, so it gives the same samples when run
//! on overlapping pieces of the latent sequence; what the pieces need at once is bounded by the
//! piece, not by the sentence.
//!
//! In: the bytes of a Piper `.onnx` file. Out: two ONNX models (the text encoder, duration
//! predictor and flow ending at the latent; the vocoder starting from it), or `None` for a graph
//! without the layout of Piper's VITS export, which is then run whole. Must never happen: a cut
//! that changes what the graph computes, or a graph refused because it cannot be cut.

use std::collections::{HashMap, HashSet};

use onnx_protobuf::{GraphProto, Message, ModelProto, NodeProto, TypeProto, ValueInfoProto};

/// The weight of the vocoder's first convolution in every Piper VITS export (the PyTorch module
/// `dec.conv_pre`); the tensor that convolution reads is the latent sequence. Initializer names
/// come from the model's state dict, so they hold whatever exporter wrote the graph.
pub const VOCODER_FIRST_WEIGHT: &str = "dec.conv_pre.weight";

/// The graph inputs the vocoder may read besides the latent: the speaker of a multi-speaker
/// voice conditions it. Anything else (the ids, their length, the scales) would make its
/// output depend on the whole sentence, and the graph is then run whole.
const VOCODER_MAY_READ: &[&str] = &["sid"];

/// The two halves of a Piper graph, as serialized ONNX models.
#[derive(Debug, Clone)]
pub struct Halves {
    /// Same inputs as the whole graph; one output, the latent sequence `[1, channels, frames]`.
    pub encoder: Vec<u8>,
    /// Reads [`Halves::latent`] (and the inputs in [`Halves::vocoder_inputs`]); its output is the
    /// whole graph's output for that latent.
    pub vocoder: Vec<u8>,
    /// The name of the latent tensor, the encoder's output and the vocoder's input.
    pub latent: String,
    /// The whole graph's inputs the vocoder also reads (`sid` for a multi-speaker voice).
    pub vocoder_inputs: Vec<String>,
}

/// Splits the Piper graph in `model`. `Ok(None)`: the graph is valid but not one this module
/// knows how to cut (no vocoder found, a vocoder that reads more than the latent and speaker,
/// control flow); `Err`: the bytes are not an ONNX model.
pub fn split(model: &[u8]) -> Result<Option<Halves>, protobuf::Error> {
    let mut header = ModelProto::parse_from_bytes(model)?;
    let Some(mut graph) = header.graph.take() else { return Ok(None) };
    let Some(latent) = latent_name(&graph) else { return Ok(None) };
    if graph.node.iter().any(has_subgraph) {
        return Ok(None);
    }
    let inputs: Vec<String> = graph.input.iter().map(|v| v.name.clone()).collect();
    let outputs: Vec<String> = graph.output.iter().map(|v| v.name.clone()).collect();
    let initializers: HashSet<String> = graph.initializer.iter().map(|t| t.name.clone()).collect();

    let encoder_nodes = needed_nodes(&graph.node, std::slice::from_ref(&latent), &HashSet::new());
    let stop = HashSet::from([latent.clone()]);
    let vocoder_nodes = needed_nodes(&graph.node, &outputs, &stop);
    let vocoder_reads = reads(&graph.node, &vocoder_nodes);
    let vocoder_made = made_by(&graph.node, &vocoder_nodes);
    let mut vocoder_inputs = Vec::new();
    for name in &vocoder_reads {
        if vocoder_made.contains(name)
            || initializers.contains(name)
            || *name == latent
            || name.is_empty()
        {
            continue;
        }
        if inputs.contains(name) && VOCODER_MAY_READ.contains(&name.as_str()) {
            vocoder_inputs.push(name.clone());
        } else {
            return Ok(None);
        }
    }
    let encoder_reads = reads(&graph.node, &encoder_nodes);
    let encoder_made = made_by(&graph.node, &encoder_nodes);
    let resolvable = |name: &String| {
        name.is_empty()
            || initializers.contains(name)
            || inputs.contains(name)
            || encoder_made.contains(name)
    };
    if !encoder_reads.iter().all(resolvable) {
        return Ok(None);
    }

    let latent_info = graph
        .value_info
        .iter()
        .find(|v| v.name == latent)
        .cloned()
        .unwrap_or_else(|| float_tensor_info(&latent));

    // The halves share few nodes and initializers (a constant, the speaker embedding): those
    // are copied, the rest moved, so that the weights are never held three times.
    let mut encoder_graph =
        GraphProto { name: format!("{}-encoder", graph.name), ..Default::default() };
    let mut vocoder_graph =
        GraphProto { name: format!("{}-vocoder", graph.name), ..Default::default() };
    let encoder_set: HashSet<usize> = encoder_nodes.iter().copied().collect();
    let vocoder_set: HashSet<usize> = vocoder_nodes.iter().copied().collect();
    for (i, node) in std::mem::take(&mut graph.node).into_iter().enumerate() {
        let wanted = (encoder_set.contains(&i), vocoder_set.contains(&i));
        deal(node, wanted, &mut encoder_graph.node, &mut vocoder_graph.node);
    }
    for tensor in std::mem::take(&mut graph.initializer) {
        let wanted = (encoder_reads.contains(&tensor.name), vocoder_reads.contains(&tensor.name));
        deal(tensor, wanted, &mut encoder_graph.initializer, &mut vocoder_graph.initializer);
    }
    for info in std::mem::take(&mut graph.value_info) {
        if info.name != latent {
            let wanted = (encoder_made.contains(&info.name), vocoder_made.contains(&info.name));
            deal(info, wanted, &mut encoder_graph.value_info, &mut vocoder_graph.value_info);
        }
    }
    // The encoder keeps every input of the whole graph, so that the caller feeds both the same.
    encoder_graph.input = graph.input.clone();
    encoder_graph.output.push(latent_info.clone());
    vocoder_graph.input.push(latent_info);
    vocoder_graph
        .input
        .extend(graph.input.iter().filter(|v| vocoder_inputs.contains(&v.name)).cloned());
    vocoder_graph.output = std::mem::take(&mut graph.output);

    Ok(Some(Halves {
        encoder: with_graph(&header, encoder_graph)?,
        vocoder: with_graph(&header, vocoder_graph)?,
        latent,
        vocoder_inputs,
    }))
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
        let halves = split(&piper_like(false, "one")).unwrap().unwrap();
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
        let halves = split(&piper_like(true, "one")).unwrap().unwrap();
        assert_eq!(halves.vocoder_inputs, ["sid"]);
        let vocoder = parse(&halves.vocoder);
        assert_eq!(names(&vocoder.input, |v| &v.name), ["z", "sid"]);
        assert!(names(&vocoder.initializer, |t| &t.name).contains(&"emb_g.weight".to_owned()));
    }

    #[test]
    fn a_vocoder_reading_the_sentence_is_not_cut() {
        assert!(split(&piper_like(false, "input_lengths")).unwrap().is_none());
    }

    #[test]
    fn a_graph_without_piper_vocoder_is_not_cut() {
        let mut graph = GraphProto::new();
        graph.node.push(node("Relu", &["x"], &["y"]));
        let bytes = ModelProto { graph: protobuf::MessageField::some(graph), ..Default::default() }
            .write_to_bytes();
        assert!(split(&bytes.unwrap()).unwrap().is_none());
    }

    #[test]
    fn bytes_that_are_not_onnx_are_an_error() {
        assert!(split(b"\xff\xff\xff not a model").is_err());
    }
}
