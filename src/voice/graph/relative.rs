//! The text encoder's relative-position attention computed over its window only.
//!
//! Why: each self-attention layer of a VITS text encoder adds to the score of query `i` and
//! key `j` a term `qᵢ · e[j − i]` from learnt embeddings of the distance, which are zero
//! beyond a window `w` (4 in every Piper voice: `2w + 1` embeddings); the attention's output
//! likewise gains `Σⱼ p[i, j] · v[j − i]`. The exported graph pads the `2w + 1` embeddings
//! with zeros to `2n − 1` for a sentence of `n` ids, multiplies every query by all of them
//! (`n × (2n − 1) × d` multiply-adds, all but `n × (2w + 1) × d` by zero), and moves the
//! `n × (2n − 1)` result to the scores' `n × n` layout with pads and reshapes; the values side
//! does the same in reverse. Those were twice the attention's own work: profiled on joe's
//! encoder half (one thread, 800 ids), its six layers' attention 185 ms, of which about 105 in
//! the padded products and the pads; the encoder half 787 → 668 ms with this rewrite.
//!
//! How, for scores `[B, H, n, n]` and queries `q [B, H, n, d]` (already divided by `√d`, as
//! the graph has them): `s = q · Eₖᵀ` (`[B, H, n, 2w + 1]`) is put on its band by a skew:
//! zeros `[B, H, n, n]` appended to each row (`n + 2w + 1` wide), flattened, cut `n` short
//! (`n (n + 2w)`), reshaped to rows of `n + 2w`, so that row `i` is moved `i` to the right, and
//! the columns `w .. w + n` taken: `band[i, j] = s[i, j − i + w]` within the window, zero
//! outside it. The values side gathers the weights' band from `p` with `w` zero columns on
//! each side (`GatherElements` at `i + k`, `k < 2w + 1`) and multiplies it by the `2w + 1`
//! embeddings. The products kept are the graph's own and the left-out ones were exact zeros,
//! so the latent is the same (on joe, to the bit).
//!
//! In: a graph. Out: the same graph with each layer's two padded products replaced and the
//! nodes only they needed dropped. A product is left as it is unless both its ends match the
//! export's pattern: the embedding an initializer `[1 or H, 2w + 1, d]` reaching the product
//! through `Pad`, `Slice`, `Unsqueeze` (and `Transpose` on the keys' side), and the product's
//! result reaching the scores' `Add` through the export's `Pad`, `Reshape`, `Pad`, `Reshape`,
//! `Slice` (the weights reaching the values' product through the same in reverse). Must never
//! happen: a rewrite of a product that is not this attention's, or any change to what the
//! graph computes.

use std::collections::{HashMap, HashSet};

use onnx_protobuf::{AttributeProto, GraphProto, NodeProto, TensorProto};

use super::{float_values, floats, int, int64s, needed_nodes, plain_node, FLOAT};

/// The start of every name [`band_relative_attention`] adds to a graph.
const BAND: &str = "nashra.band";

/// The nodes between the padded keys' product and the scores' `Add` (the export's conversion
/// from relative to absolute positions), in order.
const TO_ABSOLUTE: [&str; 5] = ["Pad", "Reshape", "Pad", "Reshape", "Slice"];

/// The nodes between the attention's weights and the values' padded product (absolute to
/// relative positions), from the product back.
const TO_RELATIVE: [&str; 5] = ["Slice", "Reshape", "Pad", "Reshape", "Pad"];

/// Rewrites each relative-position attention of `graph` as the module doc says; returns how
/// many products it replaced (two a layer). Needs operator set 11 or later (`Range`,
/// `GatherElements`, `Slice` with inputs); the caller checks.
pub fn band_relative_attention(graph: &mut GraphProto) -> usize {
    let found = find(graph);
    if found.is_empty() {
        return 0;
    }
    let mut before: HashMap<usize, Vec<NodeProto>> = HashMap::new();
    let mut constants = Vec::new();
    for (k, product) in found.iter().enumerate() {
        let name = format!("{BAND}.{k}");
        match product {
            Product::Keys { query, embedding, scores, add, absolute } => {
                let (nodes, tensors) = keys_band(&name, query, embedding, scores);
                let add_node = &mut graph.node[*add];
                for input in add_node.input.iter_mut().filter(|i| **i == *absolute) {
                    input.clone_from(&format!("{name}.band"));
                }
                before.entry(*add).or_default().extend(nodes);
                constants.extend(tensors);
            }
            Product::Values { matmul, weights, embedding } => {
                let (nodes, tensors) = values_band(&name, weights, embedding.window);
                let node = &mut graph.node[*matmul];
                node.input[0] = format!("{name}.band");
                node.input[1].clone_from(&embedding.name);
                before.entry(*matmul).or_default().extend(nodes);
                constants.extend(tensors);
            }
        }
    }
    let mut nodes =
        Vec::with_capacity(graph.node.len() + before.values().map(Vec::len).sum::<usize>());
    for (i, node) in std::mem::take(&mut graph.node).into_iter().enumerate() {
        nodes.extend(before.remove(&i).unwrap_or_default());
        nodes.push(node);
    }
    graph.node = nodes;
    graph.initializer.extend(constants);
    drop_unneeded(graph);
    found.len()
}

/// An embedding of relative positions: an initializer `[heads, 2 × window + 1, channels]`.
#[derive(Debug, Clone)]
struct Embedding {
    name: String,
    heads: i64,
    window: i64,
    channels: i64,
    values: Vec<f32>,
}

/// One padded product found, with what its rewrite reads and replaces.
#[derive(Debug)]
enum Product {
    /// Queries by the padded key embeddings; the `Add` at index `add` reads `absolute` (the
    /// export's conversion of that product) beside `scores`.
    Keys { query: String, embedding: Embedding, scores: String, add: usize, absolute: String },
    /// The padded weights (converted from `weights`) by the value embeddings, at `matmul`.
    Values { matmul: usize, weights: String, embedding: Embedding },
}

/// Every padded product of `graph` whose both ends match the export's pattern.
fn find(graph: &GraphProto) -> Vec<Product> {
    let producer: HashMap<&str, usize> = graph
        .node
        .iter()
        .enumerate()
        .flat_map(|(i, n)| n.output.iter().map(move |o| (o.as_str(), i)))
        .collect();
    let mut readers: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, node) in graph.node.iter().enumerate() {
        for input in &node.input {
            readers.entry(input.as_str()).or_default().push(i);
        }
    }
    let initializers: HashMap<&str, &TensorProto> =
        graph.initializer.iter().map(|t| (t.name.as_str(), t)).collect();
    // Follows first inputs back through `ops` (each node's op in turn); the name reached.
    let back = |start: &str, ops: &[&str]| -> Option<String> {
        let mut name = start.to_owned();
        for op in ops {
            let node = &graph.node[*producer.get(name.as_str())?];
            if node.op_type != *op || !node.domain.is_empty() {
                return None;
            }
            name.clone_from(node.input.first()?);
        }
        Some(name)
    };
    let embedding = |name: &str, ops: &[&str]| -> Option<Embedding> {
        let name = back(name, ops)?;
        embedding(initializers.get(name.as_str())?)
    };
    let mut found = Vec::new();
    for (i, node) in graph.node.iter().enumerate() {
        if node.op_type != "MatMul" || !node.domain.is_empty() || node.input.len() != 2 {
            continue;
        }
        if let Some(embedding) =
            embedding(&node.input[1], &["Transpose", "Unsqueeze", "Slice", "Pad"])
        {
            let transposes_last_two = producer.get(node.input[1].as_str()).is_some_and(|&t| {
                graph.node[t].attribute.iter().any(|a| a.name == "perm" && a.ints == [0, 1, 3, 2])
            });
            let Some((add, absolute)) = forward(graph, &readers, &node.output[0]) else { continue };
            let scores = graph.node[add].input.iter().find(|n| **n != absolute);
            if let (true, Some(scores)) = (transposes_last_two, scores) {
                found.push(Product::Keys {
                    query: node.input[0].clone(),
                    embedding,
                    scores: scores.clone(),
                    add,
                    absolute,
                });
            }
        } else if let Some(embedding) = embedding(&node.input[1], &["Unsqueeze", "Slice", "Pad"]) {
            if let Some(weights) = back(&node.input[0], &TO_RELATIVE) {
                found.push(Product::Values { matmul: i, weights, embedding });
            }
        }
    }
    found
}

/// From the keys' product `output` through [`TO_ABSOLUTE`] (each step read by one node besides
/// `Shape`s) to the `Add` that alone reads the last: that `Add`'s index and the name it reads.
fn forward(
    graph: &GraphProto,
    readers: &HashMap<&str, Vec<usize>>,
    output: &str,
) -> Option<(usize, String)> {
    let mut name = output.to_owned();
    for op in TO_ABSOLUTE {
        let next = sole_reader(graph, readers, &name)?;
        let node = &graph.node[next];
        if node.op_type != op || !node.domain.is_empty() || node.input.first() != Some(&name) {
            return None;
        }
        name.clone_from(node.output.first()?);
    }
    let add = sole_reader(graph, readers, &name)?;
    let node = &graph.node[add];
    (node.op_type == "Add" && node.domain.is_empty() && node.input.len() == 2)
        .then_some((add, name))
}

/// The one node that reads `name`, not counting `Shape`s (which only read its dimensions).
fn sole_reader(
    graph: &GraphProto,
    readers: &HashMap<&str, Vec<usize>>,
    name: &str,
) -> Option<usize> {
    let mut found = readers.get(name)?.iter().filter(|&&i| graph.node[i].op_type != "Shape");
    let first = *found.next()?;
    found.next().is_none().then_some(first)
}

/// `tensor` as an embedding of relative positions, if it has the shape of one.
fn embedding(tensor: &TensorProto) -> Option<Embedding> {
    let &[heads, positions, channels] = tensor.dims.as_slice() else { return None };
    let window = (positions - 1) / 2;
    let values = float_values(tensor)?;
    let valid = heads > 0
        && channels > 0
        && window > 0
        && positions == 2 * window + 1
        && i64::try_from(values.len()).ok() == Some(heads * positions * channels);
    valid.then(|| Embedding { name: tensor.name.clone(), heads, window, channels, values })
}

/// The nodes writing `{name}.band`, the keys' term on the scores' band, and the initializers
/// they add.
fn keys_band(
    name: &str,
    query: &str,
    embedding: &Embedding,
    scores: &str,
) -> (Vec<NodeProto>, Vec<TensorProto>) {
    let n = |suffix: &str| format!("{name}.{suffix}");
    let (heads, positions, channels) =
        (embedding.heads, 2 * embedding.window + 1, embedding.channels);
    // Each head's embeddings transposed: `[heads, channels, positions]`.
    let mut transposed = Vec::with_capacity(embedding.values.len());
    for h in 0..heads {
        for c in 0..channels {
            for p in 0..positions {
                transposed.push(embedding.values[((h * positions + p) * channels + c) as usize]);
            }
        }
    }
    let tensors = vec![
        floats(&n("keys"), &[heads, channels, positions], transposed),
        int64s(&n("flat"), &[0, 0, -1]),
        int64s(&n("start"), &[0]),
        int64s(&n("axis"), &[2]),
        int64s(&n("lead"), &[0, 0]),
        int64s(&n("rest"), &[-1]),
        int64s(&n("from"), &[embedding.window]),
        int64s(&n("to"), &[-embedding.window]),
        int64s(&n("columns"), &[3]),
    ];
    let nodes = vec![
        plain_node("MatMul", vec![query.to_owned(), n("keys")], &n("small")),
        plain_node("Shape", vec![scores.to_owned()], &n("shape")),
        zeros(&n("shape"), &n("zeros")),
        concat(vec![n("small"), n("zeros")], &n("skewed"), -1),
        plain_node("Reshape", vec![n("skewed"), n("flat")], &n("flattened")),
        plain_node("Gather", vec![n("shape"), n("axis")], &n("length")),
        plain_node("Neg", vec![n("length")], &n("short")),
        plain_node("Slice", vec![n("flattened"), n("start"), n("short"), n("axis")], &n("cut")),
        concat(vec![n("lead"), n("length"), n("rest")], &n("row_shape"), 0),
        plain_node("Reshape", vec![n("cut"), n("row_shape")], &n("rows")),
        plain_node("Slice", vec![n("rows"), n("from"), n("to"), n("columns")], &n("band")),
    ];
    (nodes, tensors)
}

/// The nodes writing `{name}.band`, the band of the attention's `weights` (`[B, H, n, n]`) as
/// `[B, H, n, 2 × window + 1]`, and the initializers they add.
fn values_band(name: &str, weights: &str, window: i64) -> (Vec<NodeProto>, Vec<TensorProto>) {
    let n = |suffix: &str| format!("{name}.{suffix}");
    let positions = 2 * window + 1;
    let tensors = vec![
        int64s(&n("start"), &[0]),
        int64s(&n("three"), &[3]),
        int64s(&n("window"), &[window]),
        int64s(&n("positions"), &[positions]),
        scalar(&n("first"), 0),
        scalar(&n("two"), 2),
        scalar(&n("step"), 1),
        int64s(&n("column"), &[-1, 1]),
        onnx_protobuf::TensorProto {
            dims: vec![1, positions],
            ..int64s(&n("offsets"), &(0..positions).collect::<Vec<_>>())
        },
    ];
    let mut gather = plain_node("GatherElements", vec![n("padded"), n("index")], &n("band"));
    gather.attribute = vec![int("axis", 3)];
    let nodes = vec![
        plain_node("Shape", vec![weights.to_owned()], &n("shape")),
        plain_node("Slice", vec![n("shape"), n("start"), n("three"), n("start")], &n("lead")),
        concat(vec![n("lead"), n("window")], &n("side_shape"), 0),
        zeros(&n("side_shape"), &n("side")),
        concat(vec![n("side"), weights.to_owned(), n("side")], &n("padded"), -1),
        plain_node("Gather", vec![n("shape"), n("two")], &n("length")),
        plain_node("Range", vec![n("first"), n("length"), n("step")], &n("rows")),
        plain_node("Reshape", vec![n("rows"), n("column")], &n("row_column")),
        plain_node("Add", vec![n("row_column"), n("offsets")], &n("row_index")),
        concat(vec![n("lead"), n("positions")], &n("index_shape"), 0),
        plain_node("Expand", vec![n("row_index"), n("index_shape")], &n("index")),
        gather,
    ];
    (nodes, tensors)
}

/// A `Concat` of `inputs` along `axis`.
fn concat(inputs: Vec<String>, output: &str, axis: i64) -> NodeProto {
    let mut node = plain_node("Concat", inputs, output);
    node.attribute = vec![int("axis", axis)];
    node
}

/// A `ConstantOfShape` of float zeros.
fn zeros(shape: &str, output: &str) -> NodeProto {
    let mut node = plain_node("ConstantOfShape", vec![shape.to_owned()], output);
    let zero = TensorProto {
        dims: vec![1],
        data_type: FLOAT,
        float_data: vec![0.0],
        ..Default::default()
    };
    node.attribute = vec![AttributeProto {
        name: "value".into(),
        // AttributeProto.AttributeType.TENSOR
        type_: protobuf::EnumOrUnknown::from_i32(4),
        t: protobuf::MessageField::some(zero),
        ..Default::default()
    }];
    node
}

/// A scalar INT64 initializer.
fn scalar(name: &str, value: i64) -> TensorProto {
    TensorProto { dims: Vec::new(), ..int64s(name, &[value]) }
}

/// Drops the nodes the graph's outputs no longer need (the export's padded products and
/// their conversions) and the initializers no node reads any more.
fn drop_unneeded(graph: &mut GraphProto) {
    let outputs: Vec<String> = graph.output.iter().map(|o| o.name.clone()).collect();
    let keep: HashSet<usize> =
        needed_nodes(&graph.node, &outputs, &HashSet::new()).into_iter().collect();
    let nodes = std::mem::take(&mut graph.node);
    graph.node =
        nodes.into_iter().enumerate().filter(|(i, _)| keep.contains(i)).map(|(_, n)| n).collect();
    let read: HashSet<&str> = graph
        .node
        .iter()
        .flat_map(|n| n.input.iter().map(String::as_str))
        .chain(outputs.iter().map(String::as_str))
        .collect();
    // An initializer also listed as an input (older IR versions) stays: the graph declares it.
    let declared: HashSet<&str> = graph.input.iter().map(|i| i.name.as_str()).collect();
    let unread: HashSet<String> = graph
        .initializer
        .iter()
        .filter(|t| !read.contains(t.name.as_str()) && !declared.contains(t.name.as_str()))
        .map(|t| t.name.clone())
        .collect();
    graph.initializer.retain(|t| !unread.contains(&t.name));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use super::*;

    fn node(op: &str, inputs: &[&str], output: &str) -> NodeProto {
        plain_node(op, inputs.iter().map(|s| (*s).to_owned()).collect(), output)
    }

    /// A keys' product as the export writes it, whose result goes to `then` instead of the
    /// export's conversion to absolute positions.
    fn keys_product(then: &str) -> GraphProto {
        let mut graph = GraphProto::new();
        graph.initializer.push(floats("emb", &[1, 9, 4], vec![0.5; 36]));
        graph.node.push(node("Pad", &["emb", "pads"], "padded"));
        graph.node.push(node("Slice", &["padded", "s", "e"], "sliced"));
        graph.node.push(node("Unsqueeze", &["sliced", "zero"], "one"));
        let mut transpose = node("Transpose", &["one"], "keys");
        transpose.attribute = vec![super::super::ints("perm", &[0, 1, 3, 2])];
        graph.node.push(transpose);
        graph.node.push(node("MatMul", &["q", "keys"], "relative"));
        graph.node.push(node(then, &["relative"], "y"));
        graph.output.push(super::super::float_tensor_info("y"));
        graph
    }

    #[test]
    fn a_product_not_converted_as_the_export_does_is_left_alone() {
        let mut graph = keys_product("Relu");
        let before = graph.clone();
        assert_eq!(band_relative_attention(&mut graph), 0);
        assert_eq!(graph, before);
        // The conversion's first step alone is not enough either.
        let mut graph = keys_product("Pad");
        assert_eq!(band_relative_attention(&mut graph), 0);
    }

    #[test]
    fn an_embedding_has_an_odd_number_of_positions_around_a_window() {
        let tensor = |dims: &[i64]| {
            let count = dims.iter().product::<i64>() as usize;
            floats("e", dims, vec![1.0; count])
        };
        let found = embedding(&tensor(&[1, 9, 96])).unwrap();
        assert_eq!((found.heads, found.window, found.channels), (1, 4, 96));
        assert_eq!(embedding(&tensor(&[2, 5, 8])).unwrap().window, 2);
        assert!(embedding(&tensor(&[1, 8, 96])).is_none(), "even");
        assert!(embedding(&tensor(&[1, 1, 96])).is_none(), "no window");
        assert!(embedding(&tensor(&[9, 96])).is_none(), "two axes");
    }
}
