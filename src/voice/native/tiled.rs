//! A dilated convolution by Winograd's minimal filtering, in channels-last rows: F(m, r) gives
//! `m` outputs `d` positions apart from `n = m + r − 1` inputs with `n` products per pair of
//! channels instead of `m × r` (the transforms are [`crate::voice::graph`]'s, derived there).
//!
//! Why here and not as ONNX ops: with 32 or 64 channels the products are thin, and the
//! transforms written as graph ops (transposes, concatenations and small products over whole
//! tensors) cost what the products saved (docs/bench.md, "Session 15"). Done a batch of tiles
//! at a time, the transforms read and write a few dozen kilobytes that stay in the core's
//! caches between them and the products, and the products run on [`super::kernel`]'s tiles.
//!
//! A tile's outputs are `d` apart, so that a dilated convolution reads its taps `d` apart
//! like an undilated one; the `d` tiles that start at neighbouring positions cover a block of
//! `m d` consecutive outputs.

use super::kernel::{OutOfBounds, Packed, Product, ROWS};
use crate::voice::graph::Transforms;

/// Tiles transformed and multiplied at once: a multiple of the kernel's [`ROWS`], and small
/// enough that a batch's transformed inputs and products (`n × BATCH × channels` each, 96 KB
/// at 64 channels and `n = 8`) stay in the core's second-level cache.
const BATCH: usize = 8 * ROWS;

/// Channels the transforms take at once: one AVX register.
const LANES: usize = 8;

/// Fewer channels than this on either side and the tiles lose: measured on one thread (AMD
/// EPYC, Zen 3) against [`super::kernel`]'s direct product, a window of joe's later stages:
/// 64 → 64 channels, kernel 3: 1.0-1.2 ms against 1.2-1.5; kernel 5: 1.3-1.45 against 1.9;
/// 32 → 32, kernel 3: 1.5-1.7 against 1.2, kernel 5: 1.7-2.3 against 1.9. The products of
/// 32 channels are too thin for what the transforms cost.
const MIN_CHANNELS: usize = 64;

/// A convolution of stride 1 whose output is as long as its input, computed in tiles.
#[derive(Debug, Clone)]
pub(super) struct Tiled {
    /// Outputs per tile.
    m: usize,
    /// Inputs per tile.
    n: usize,
    dilation: usize,
    /// The input row the first tap reads for output 0 (minus the padding before).
    first: isize,
    /// `Bᵀ`, `n × n`, row-major.
    b_t: Vec<f32>,
    /// `Aᵀ`, `m × n`, row-major.
    a_t: Vec<f32>,
    /// Per transformed input, the weights `G g` as `[Cin, Cout]` for the kernel's tiles.
    products: Vec<Packed>,
    bias: Vec<f32>,
    cin: usize,
    cout: usize,
}

/// A run's buffers for the transformed inputs and the products.
#[derive(Debug, Default)]
pub(super) struct Buffers {
    inputs: Vec<f32>,
    products: Vec<f32>,
}

impl Tiled {
    /// Outputs per tile for a kernel of `r` taps between `channels` (the fewer side): F(4, 3)
    /// and F(4, 5), on 6 and 8 points (the two sizes the transforms are compiled for), and
    /// F(2, 7) on 8 points from 128 channels (F(4, 7) would need 10, whose larger points move
    /// the outputs more). Measured: F(2, 7) slower than the direct product at 32 and 64
    /// channels (3.2-3.5 against 2.6 ms, 2.75-2.8 against 2.5), faster at 128 (joe's first
    /// stage 25.6 → 23-24 ms a window).
    pub fn tile_for(r: usize, channels: usize) -> Option<usize> {
        match r {
            3 | 5 => Some(4),
            7 if channels >= 128 => Some(2),
            _ => None,
        }
    }

    /// The convolution of `weight` (`[Cout, Cin, r]`, row-major) with `dilation`, reading input
    /// row `o + first + j × dilation` for output `o` and tap `j`.
    pub fn new(
        weight: &[f32],
        [cout, cin, r]: [usize; 3],
        dilation: usize,
        first: isize,
        bias: Option<&[f32]>,
    ) -> Option<Tiled> {
        let m = Self::tile_for(r, cin.min(cout))?;
        let t = Transforms::tiled(m, r)?;
        let n = t.n;
        let wide = |c: usize| c >= MIN_CHANNELS && c % LANES == 0;
        if !matches!(n, 6 | 8) || !wide(cin) || !wide(cout) {
            return None;
        }
        let b_t = t.b_t.iter().map(|&v| v as f32).collect();
        let a_t = t.a_t.iter().map(|&v| v as f32).collect();
        let products = t
            .g
            .chunks_exact(r)
            .map(|g| {
                let mut u = vec![0.0f32; cin * cout];
                for co in 0..cout {
                    for ci in 0..cin {
                        let taps = &weight[(co * cin + ci) * r..][..r];
                        let sum: f64 = g.iter().zip(taps).map(|(&g, &w)| g * f64::from(w)).sum();
                        u[ci * cout + co] = sum as f32;
                    }
                }
                Packed::new(vec![0], cin, cout, None, |_, ci, co| u[ci * cout + co])
            })
            .collect();
        let bias = bias.map_or_else(|| vec![0.0; cout], <[f32]>::to_vec);
        Some(Tiled { m, n, dilation, first, b_t, a_t, products, bias, cin, cout })
    }

    pub fn cin(&self) -> usize {
        self.cin
    }

    pub fn cout(&self) -> usize {
        self.cout
    }

    /// Rows a run reads past its input's last row, and before its first.
    pub fn reach(&self) -> usize {
        self.first.unsigned_abs() + (self.m + self.n) * self.dilation
    }

    /// Output rows `at..at + len` of `out` from the input rows around `at..at + len` of `input`
    /// (both `at` rows of margin in), plus the same rows of `residual`.
    pub fn run(
        &self,
        input: &[f32],
        out: &mut [f32],
        at: usize,
        len: usize,
        residual: Option<&[f32]>,
        buffers: &mut Buffers,
    ) -> Result<(), OutOfBounds> {
        let (n, d) = (self.n, self.dilation);
        let tiles = len.div_ceil(self.m * d) * d;
        if tiles == 0 {
            return Ok(());
        }
        // Every row a tile reads: from `at + first` to the last tile's last input.
        let lowest = at as isize + self.first;
        let highest = lowest + (self.first_output(tiles - 1) + (n - 1) * d) as isize;
        if lowest < 0 || (highest as usize + 1) * self.cin > input.len() {
            return Err(OutOfBounds("tiled input"));
        }
        if (at + len) * self.cout > out.len() || residual.is_some_and(|r| r.len() < out.len()) {
            return Err(OutOfBounds("tiled output"));
        }
        let mut job = Job { input, out, at, len, residual };
        buffers.inputs.resize(n * BATCH * self.cin, 0.0);
        buffers.products.resize(n * BATCH * self.cout, 0.0);
        #[cfg(target_arch = "x86_64")]
        if super::kernel::supported() {
            // SAFETY: the CPU has AVX2 and FMA; `batches` itself is safe code (bounds-checked
            // slices), the attribute only lets its loops use the wider registers.
            return unsafe { self.batches_avx2(&mut job, tiles, buffers) };
        }
        self.batches(&mut job, tiles, buffers)
    }

    /// [`Self::batches`] with its loops compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn batches_avx2(
        &self,
        job: &mut Job<'_>,
        tiles: usize,
        buffers: &mut Buffers,
    ) -> Result<(), OutOfBounds> {
        self.batches(job, tiles, buffers)
    }

    /// The tiles a batch at a time: inputs transformed, multiplied, outputs transformed.
    #[inline(always)]
    fn batches(
        &self,
        job: &mut Job<'_>,
        tiles: usize,
        buffers: &mut Buffers,
    ) -> Result<(), OutOfBounds> {
        for start in (0..tiles).step_by(BATCH) {
            let count = (tiles - start).min(BATCH);
            self.transform_inputs(job, start, count, &mut buffers.inputs);
            for (point, weights) in self.products.iter().enumerate() {
                Product {
                    weights,
                    input: &buffers.inputs[point * BATCH * self.cin..][..BATCH * self.cin],
                    first_in: 0,
                    out: &mut buffers.products[point * BATCH * self.cout..][..BATCH * self.cout],
                    first_out: 0,
                    out_step: 1,
                    count: count.div_ceil(ROWS) * ROWS,
                    residual: None,
                }
                .run()?;
            }
            self.transform_outputs(&buffers.products, job, start, count);
        }
        Ok(())
    }

    /// Output row (from `at`) of tile `t`'s first output.
    fn first_output(&self, t: usize) -> usize {
        (t / self.dilation) * self.m * self.dilation + t % self.dilation
    }

    /// `Bᵀ` times each tile's `n` input rows, for tiles `start..start + count`, into
    /// `inputs[point][tile][channel]`, [`LANES`] channels at a time: a tile's `n` rows of them
    /// are loaded once into registers, and every transformed row is summed there and stored
    /// once.
    #[inline(always)]
    fn transform_inputs(&self, job: &Job<'_>, start: usize, count: usize, inputs: &mut [f32]) {
        match self.n {
            6 => self.transform_inputs_n::<6>(job, start, count, inputs),
            _ => self.transform_inputs_n::<8>(job, start, count, inputs),
        }
    }

    #[inline(always)]
    fn transform_inputs_n<const N: usize>(
        &self,
        job: &Job<'_>,
        start: usize,
        count: usize,
        inputs: &mut [f32],
    ) {
        let (input, at, cin) = (job.input, job.at, self.cin);
        let b_t: &[f32] = &self.b_t[..N * N];
        for tile in 0..count {
            let first = (at + self.first_output(start + tile)) as isize + self.first;
            let rows: [usize; N] =
                std::array::from_fn(|j| (first + (j * self.dilation) as isize) as usize * cin);
            for c in (0..cin).step_by(LANES) {
                let x: [Lane; N] = std::array::from_fn(|j| Lane::load(&input[rows[j] + c..]));
                for point in 0..N {
                    let row = &b_t[point * N..point * N + N];
                    let mut acc = x[0].scale(row[0]);
                    for j in 1..N {
                        acc = acc.mul_add(row[j], x[j]);
                    }
                    acc.store(&mut inputs[(point * BATCH + tile) * cin + c..]);
                }
            }
        }
    }

    /// `Aᵀ` times each tile's `n` products, plus the bias and the residual, into the output
    /// rows that are inside `len`, [`LANES`] channels at a time.
    #[inline(always)]
    fn transform_outputs(&self, products: &[f32], job: &mut Job<'_>, start: usize, count: usize) {
        match self.n {
            6 => self.transform_outputs_n::<6>(products, job, start, count),
            _ => self.transform_outputs_n::<8>(products, job, start, count),
        }
    }

    #[inline(always)]
    fn transform_outputs_n<const N: usize>(
        &self,
        products: &[f32],
        job: &mut Job<'_>,
        start: usize,
        count: usize,
    ) {
        let Job { ref mut out, at, len, residual, .. } = *job;
        let cout = self.cout;
        for tile in 0..count {
            let first = self.first_output(start + tile);
            for c in (0..cout).step_by(LANES) {
                let p: [Lane; N] = std::array::from_fn(|point| {
                    Lane::load(&products[(point * BATCH + tile) * cout + c..])
                });
                for (i, row) in self.a_t.chunks_exact(N).enumerate() {
                    let o = first + i * self.dilation;
                    if o >= len {
                        break;
                    }
                    let at_row = (at + o) * cout + c;
                    let mut acc = Lane::load(&self.bias[c..]);
                    if let Some(r) = residual {
                        acc = acc.add(Lane::load(&r[at_row..]));
                    }
                    for point in 0..N {
                        acc = acc.mul_add(row[point], p[point]);
                    }
                    acc.store(&mut out[at_row..]);
                }
            }
        }
    }
}

/// One run's tensors: output rows `at..at + len` of `out` from the input rows around the same
/// rows of `input`, plus those of `residual`.
struct Job<'a> {
    input: &'a [f32],
    out: &'a mut [f32],
    at: usize,
    len: usize,
    residual: Option<&'a [f32]>,
}

/// [`LANES`] floats the transforms sum side by side; plain arrays whose loops the compiler
/// turns into one AVX instruction each in [`Tiled::batches_avx2`].
#[derive(Clone, Copy)]
struct Lane([f32; LANES]);

impl Lane {
    #[inline(always)]
    fn load(from: &[f32]) -> Lane {
        let mut v = [0.0; LANES];
        v.copy_from_slice(&from[..LANES]);
        Lane(v)
    }

    #[inline(always)]
    fn store(self, to: &mut [f32]) {
        to[..LANES].copy_from_slice(&self.0);
    }

    #[inline(always)]
    fn scale(self, factor: f32) -> Lane {
        Lane(self.0.map(|v| v * factor))
    }

    /// `self + factor × x`.
    #[inline(always)]
    fn mul_add(self, factor: f32, x: Lane) -> Lane {
        Lane(std::array::from_fn(|i| self.0[i] + factor * x.0[i]))
    }

    #[inline(always)]
    fn add(self, x: Lane) -> Lane {
        Lane(std::array::from_fn(|i| self.0[i] + x.0[i]))
    }
}
