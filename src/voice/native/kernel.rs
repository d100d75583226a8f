//! The multiply-add loops of [`super`]: a convolution over time in channels-last rows, as
//! tiles of 6 output positions by 16 output channels held in the 12 AVX2 registers that
//! FMA instructions accumulate into.
//!
//! Why this shape: with positions as rows and channels contiguous, the input rows a tap
//! reads for 6 neighbouring outputs are 6 rows at one offset, so a dilated convolution needs no
//! gathering (no im2col): each tap is a product of 6 rows by a `[Cin, 16]` block of its
//! weights. Per input channel the loop loads 2 registers of weights, broadcasts 6 inputs and
//! does 12 fused multiply-adds, which keeps both FMA units busy (measured on an AMD EPYC, Zen
//! 3: 47-51 billion multiply-adds a second on the vocoder's 32- and 64-channel convolutions,
//! about this core's peak, where ONNX Runtime's blocked convolution gave 40-46).
//!
//! Everything here is `unsafe` inside and checked outside: [`Product::run`] checks every row
//! it will read or write against the slices before it enters the loops.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m256, _mm256_add_ps, _mm256_broadcast_ss, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_storeu_ps,
};

/// Output positions per tile.
pub(super) const ROWS: usize = 6;
/// Output channels per tile (two AVX registers).
pub(super) const COLS: usize = 16;

/// Whether this CPU runs the tiles (x86-64 with AVX2 and FMA). Elsewhere the vocoder stays
/// with ONNX Runtime.
pub fn supported() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The weights of one convolution (or one phase of an upsampling) arranged for the tiles:
/// for each block of 16 output channels, for each tap, `[Cin, 16]` (zeros past `cout`).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Packed {
    /// Input rows each tap reads, relative to the output's row.
    pub taps: Vec<isize>,
    pub cin: usize,
    pub cout: usize,
    /// `cout` rounded up to [`COLS`]; the bias too.
    pub bias: Vec<f32>,
    pub values: Vec<f32>,
    /// For fewer than [`NARROW`] output channels, the weights as `[cout, tap, cin]`: each
    /// output a dot product of contiguous rows (a tile would compute 16 channels for 1).
    narrow: Option<Vec<f32>>,
}

/// Output channels below which [`Product`] takes dot products rather than tiles.
const NARROW: usize = 4;

impl Packed {
    /// Packs `weight(tap, ci, co)` for the given taps.
    pub fn new(
        taps: Vec<isize>,
        cin: usize,
        cout: usize,
        bias: Option<&[f32]>,
        weight: impl Fn(usize, usize, usize) -> f32,
    ) -> Self {
        let blocks = cout.div_ceil(COLS);
        let mut values = vec![0.0; blocks * taps.len() * cin * COLS];
        let mut at = 0;
        for block in 0..blocks {
            for tap in 0..taps.len() {
                for ci in 0..cin {
                    for c in 0..COLS {
                        let co = block * COLS + c;
                        if co < cout {
                            values[at] = weight(tap, ci, co);
                        }
                        at += 1;
                    }
                }
            }
        }
        let mut padded = vec![0.0; blocks * COLS];
        if let Some(bias) = bias {
            padded[..cout].copy_from_slice(&bias[..cout]);
        }
        let narrow = (cout < NARROW).then(|| {
            let mut rows = Vec::with_capacity(cout * taps.len() * cin);
            for co in 0..cout {
                for tap in 0..taps.len() {
                    rows.extend((0..cin).map(|ci| weight(tap, ci, co)));
                }
            }
            rows
        });
        Self { taps, cin, cout, bias: padded, values, narrow }
    }

    fn block_len(&self) -> usize {
        self.taps.len() * self.cin * COLS
    }
}

/// One product: `out` rows `first_out + q * out_step` for `q` in `0..count` receive the bias
/// plus, over the taps, input rows `first_in + q + tap` times the tap's weights, plus the same
/// row of `residual` when there is one. Rows are `width` floats long (the tensor's channels);
/// a row index is the index in its slice of that row's first float divided by the width.
pub(super) struct Product<'a> {
    pub weights: &'a Packed,
    pub input: &'a [f32],
    /// The input row read by tap offset 0 for output `q = 0`.
    pub first_in: usize,
    pub out: &'a mut [f32],
    pub first_out: usize,
    pub out_step: usize,
    pub count: usize,
    /// Rows of the output's shape (same width, same row numbers) added to each output.
    pub residual: Option<&'a [f32]>,
}

/// A product whose rows fall outside its slices: a bug in the caller's margins.
#[derive(Debug, thiserror::Error)]
#[error("a convolution would read or write past its tensors ({0})")]
pub struct OutOfBounds(pub(super) &'static str);

impl Product<'_> {
    /// Checks every row the tiles will touch, then runs them.
    pub fn run(self) -> Result<(), OutOfBounds> {
        let w = self.weights;
        if self.count == 0 {
            return Ok(());
        }
        let (cin, cout) = (w.cin, w.cout);
        // Tiles read whole blocks of ROWS rows, past `count` in the last one.
        let rows_read = self.count.div_ceil(ROWS) * ROWS;
        let lowest = w.taps.iter().copied().min().unwrap_or(0);
        let highest = w.taps.iter().copied().max().unwrap_or(0);
        let first = self.first_in as isize + lowest;
        let last = self.first_in as isize + highest + rows_read as isize - 1;
        if first < 0 || (last as usize + 1) * cin > self.input.len() {
            return Err(OutOfBounds("input"));
        }
        let last_out = self.first_out + (self.count - 1) * self.out_step;
        if (last_out + 1) * cout > self.out.len() {
            return Err(OutOfBounds("output"));
        }
        if let Some(residual) = self.residual {
            if residual.len() < self.out.len() {
                return Err(OutOfBounds("residual"));
            }
        }
        if w.values.len() != w.cout.div_ceil(COLS) * w.block_len() {
            return Err(OutOfBounds("weights"));
        }
        if let Some(narrow) = &w.narrow {
            #[cfg(target_arch = "x86_64")]
            if supported() {
                // SAFETY: the CPU has AVX2; `dots` is safe code (bounds-checked slices), the
                // attribute only lets its loops use the wider registers.
                unsafe { self.dots_avx2(narrow) };
                return Ok(());
            }
            self.dots(narrow);
            return Ok(());
        }
        #[cfg(target_arch = "x86_64")]
        if supported() {
            // SAFETY: the CPU has AVX2 and FMA (checked just above); every input row the
            // tiles read (`first_in + q + tap` for `q < rows_read`), every output row they
            // write and every residual row (same rows as the output) lies inside its slice
            // (checked above), and the weights hold a block per 16 output channels.
            unsafe { self.tiles() };
            return Ok(());
        }
        self.portable();
        Ok(())
    }

    /// [`Self::dots`] with its loops compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn dots_avx2(self, narrow: &[f32]) {
        self.dots(narrow);
    }

    /// Each output of a narrow product as dot products of its input rows with the weights,
    /// eight lanes of partial sums per tap.
    #[inline(always)]
    fn dots(self, narrow: &[f32]) {
        let w = self.weights;
        let cin = w.cin;
        for q in 0..self.count {
            let o = (self.first_out + q * self.out_step) * w.cout;
            for co in 0..w.cout {
                let mut lanes = [0.0f32; 8];
                for (t, &tap) in w.taps.iter().enumerate() {
                    let row = (self.first_in as isize + q as isize + tap) as usize * cin;
                    let x = &self.input[row..row + cin];
                    let weights = &narrow[(co * w.taps.len() + t) * cin..][..cin];
                    let (xs, xr) = x.split_at(cin - cin % 8);
                    let (ws, wr) = weights.split_at(cin - cin % 8);
                    for (x, wt) in xs.chunks_exact(8).zip(ws.chunks_exact(8)) {
                        for i in 0..8 {
                            lanes[i] += x[i] * wt[i];
                        }
                    }
                    for (i, (x, wt)) in xr.iter().zip(wr).enumerate() {
                        lanes[i] += x * wt;
                    }
                }
                let mut sum = w.bias[co] + lanes.iter().sum::<f32>();
                if let Some(residual) = self.residual {
                    sum += residual[o + co];
                }
                self.out[o + co] = sum;
            }
        }
    }

    /// What the tiles compute, one multiply-add at a time: for a CPU without AVX2 (tests).
    fn portable(self) {
        let w = self.weights;
        let block_len = w.block_len();
        for q in 0..self.count {
            let o = (self.first_out + q * self.out_step) * w.cout;
            for co in 0..w.cout {
                let (block, c) = (co / COLS, co % COLS);
                let mut sum = w.bias[co];
                for (t, &tap) in w.taps.iter().enumerate() {
                    let row = (self.first_in as isize + q as isize + tap) as usize * w.cin;
                    for ci in 0..w.cin {
                        let weight = w.values[block * block_len + (t * w.cin + ci) * COLS + c];
                        sum = self.input[row + ci].mul_add(weight, sum);
                    }
                }
                if let Some(residual) = self.residual {
                    sum += residual[o + co];
                }
                self.out[o + co] = sum;
            }
        }
    }

    /// # Safety
    /// AVX2 and FMA available, and the bounds [`Product::run`] checks.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn tiles(self) {
        let w = self.weights;
        let (cin, cout) = (w.cin, w.cout);
        let block_len = w.block_len();
        let input = self.input.as_ptr();
        let out = self.out.as_mut_ptr();
        let residual = self.residual.map(<[f32]>::as_ptr);
        let mut q = 0;
        while q < self.count {
            let rows = (self.count - q).min(ROWS);
            let in_row = self.first_in + q;
            for block in 0..cout.div_ceil(COLS) {
                let weights = w.values.as_ptr().add(block * block_len);
                let bias = w.bias.as_ptr().add(block * COLS);
                let a = input.offset(in_row as isize * cin as isize);
                let acc = tile(a, cin, &w.taps, weights, bias);
                let cols = (cout - block * COLS).min(COLS);
                for (r, acc) in acc.iter().enumerate().take(rows) {
                    let at = (self.first_out + (q + r) * self.out_step) * cout + block * COLS;
                    store(acc, out.add(at), residual.map(|p| p.add(at)), cols);
                }
            }
            q += ROWS;
        }
    }
}

/// One tile: the bias plus, over the taps, [`ROWS`] input rows (`cin` apart, the first at `a`
/// offset by the tap's rows) times the tap's `[cin, 16]` weights. The accumulators are a value
/// the loop owns, so that they stay in registers.
///
/// # Safety
/// AVX2 and FMA available; the rows and weights readable (see [`Product::run`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
// Indexed, not iterated: written with `iter_mut` the accumulators were kept in memory and
// stored at every step (the render took twice as long).
#[allow(clippy::needless_range_loop)]
unsafe fn tile(
    a: *const f32,
    cin: usize,
    taps: &[isize],
    weights: *const f32,
    bias: *const f32,
) -> [[__m256; 2]; ROWS] {
    let mut acc = [[_mm256_loadu_ps(bias), _mm256_loadu_ps(bias.add(8))]; ROWS];
    let mut b = weights;
    for &tap in taps {
        let a = a.offset(tap * cin as isize);
        for ci in 0..cin {
            let b0 = _mm256_loadu_ps(b);
            let b1 = _mm256_loadu_ps(b.add(8));
            b = b.add(COLS);
            for r in 0..ROWS {
                let x = _mm256_broadcast_ss(&*a.add(r * cin + ci));
                acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
                acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
            }
        }
    }
    acc
}

/// Stores one row of a tile (`cols` of its 16 channels), adding the residual row if any.
///
/// # Safety
/// AVX2 available; `cols` floats writable at `out` and readable at `residual`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn store(acc: &[__m256; 2], out: *mut f32, residual: Option<*const f32>, cols: usize) {
    if cols == COLS {
        let (mut lo, mut hi) = (acc[0], acc[1]);
        if let Some(r) = residual {
            lo = _mm256_add_ps(lo, _mm256_loadu_ps(r));
            hi = _mm256_add_ps(hi, _mm256_loadu_ps(r.add(8)));
        }
        _mm256_storeu_ps(out, lo);
        _mm256_storeu_ps(out.add(8), hi);
        return;
    }
    let mut row = [0.0f32; COLS];
    _mm256_storeu_ps(row.as_mut_ptr(), acc[0]);
    _mm256_storeu_ps(row.as_mut_ptr().add(8), acc[1]);
    for (c, value) in row.iter().enumerate().take(cols) {
        let add = residual.map_or(0.0, |r| *r.add(c));
        *out.add(c) = value + add;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use super::*;

    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n).map(|i| ((i * 7919 + seed * 104_729) % 1999) as f32 / 1999.0 - 0.5).collect()
    }

    /// The tiles against the product written out in f64, for widths on both sides of a block
    /// and counts on both sides of a tile, with a residual and a strided output.
    #[test]
    fn the_tiles_give_the_products_sums() {
        for &(cin, cout, count, step) in
            &[(8, 16, 12, 1), (5, 3, 7, 1), (32, 40, 13, 2), (16, 1, 1, 3), (64, 64, 6, 1)]
        {
            let taps = vec![-2isize, 0, 3];
            let input = values((count + 12) * cin, cin);
            let weight = values(taps.len() * cin * cout, cout);
            let bias = values(cout, 7);
            let packed = Packed::new(taps.clone(), cin, cout, Some(&bias), |t, ci, co| {
                weight[(t * cin + ci) * cout + co]
            });
            let out_rows = 1 + (count - 1) * step + 2;
            let residual = values(out_rows * cout, 3);
            let mut out = vec![f32::NAN; out_rows * cout];
            Product {
                weights: &packed,
                input: &input,
                first_in: 2,
                out: &mut out,
                first_out: 1,
                out_step: step,
                count,
                residual: Some(&residual),
            }
            .run()
            .unwrap();
            for q in 0..count {
                for co in 0..cout {
                    let mut want = f64::from(bias[co]);
                    for (t, &tap) in taps.iter().enumerate() {
                        let row = (2 + q as isize + tap) as usize;
                        for ci in 0..cin {
                            want += f64::from(input[row * cin + ci])
                                * f64::from(weight[(t * cin + ci) * cout + co]);
                        }
                    }
                    let o = (1 + q * step) * cout + co;
                    want += f64::from(residual[o]);
                    assert!((f64::from(out[o]) - want).abs() < 1e-4, "{cin}x{cout} q {q} co {co}");
                }
            }
            // Rows between the strided outputs and around them are left alone.
            assert!(out[..cout].iter().all(|v| v.is_nan()));
            if step > 1 {
                assert!(out[2 * cout..3 * cout].iter().all(|v| v.is_nan()));
            }
        }
    }

    #[test]
    fn a_product_past_its_input_is_refused() {
        let packed = Packed::new(vec![-1, 1], 4, 4, None, |_, _, _| 1.0);
        let input = vec![0.0; 10 * 4];
        let mut out = vec![0.0; 10 * 4];
        let product = |first_in, count, out: &mut Vec<f32>| {
            Product {
                weights: &packed,
                input: &input,
                first_in,
                out,
                first_out: 0,
                out_step: 1,
                count,
                residual: None,
            }
            .run()
            .is_ok()
        };
        assert!(product(1, 3, &mut out), "rows 0..=7 are read for a tile of 6");
        assert!(!product(0, 3, &mut out), "row -1");
        assert!(!product(4, 3, &mut out), "the tile's rows run to row 10");
    }
}
