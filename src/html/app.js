// svdimg html — the page's only script. Hand-written, no libraries, no network.
//
// The page holds the truncated SVD of every channel of an image, A ≈ Σ_{i≤K} σᵢ uᵢ vᵢᵀ
// (K = the slider's maximum), and redraws the rank-k approximation whenever k changes:
//
//   1. decode   the quantized vectors (base64 → signed 8/16-bit → q · scale / Q) into
//               Float64Arrays, with σᵢ folded into uᵢ;
//   2. update   a running sum S = Σ_{i≤k} σᵢ uᵢ vᵢᵀ per channel, by adding or subtracting
//               rank-one terms, starting from the current k, from zero, or from a checkpoint
//               (S saved every few ranks, built in idle time), whichever is fewest terms away.
//               Work is done in slices of a few tens of milliseconds so the page never freezes;
//   3. render   clamp S to [0, 1], round to 8 bits exactly as svdimg does, draw it (or the
//               amplified difference |A − A_k|), and compute PSNR against the original pixels.
//
// Every other figure (energy kept, storage, break-even, the charts) comes from the singular
// values in the JSON metadata. See src/html/page.rs for the data format.
"use strict";

(function () {
  const meta = JSON.parse(document.getElementById("svdimg-data").textContent);
  const $ = (id) => document.getElementById(id);

  /** Channel colours shared by charts and the energy table. */
  const CHANNEL_COLOURS = { R: "#d1495b", G: "#2e9d5b", B: "#3d6fd6", L: "#4a4f5c", Y: "#4a4f5c", Cb: "#1d8fa3", Cr: "#b05cc4" };
  const colourOf = (name) => CHANNEL_COLOURS[name] || "#4a4f5c";

  const VW = meta.view.width;
  const VH = meta.view.height;
  const K = meta.max_rank;
  const PLANES = meta.planes.length;
  const PIXELS = VW * VH;
  /** Colour channels of the displayed image: 1 (grey) or 3. */
  const COLOUR = meta.color === "luma" ? 1 : 3;

  // ---------------------------------------------------------------- 1. decode the factors

  /**
   * Decodes the base64 factor block into, per plane, `us` (K vectors of VH values, σᵢuᵢ) and
   * `v` (K vectors of VW values), each vector contiguous.
   */
  function decodeFactors() {
    const text = document.getElementById("svdimg-factors").textContent.trim();
    const raw = atob(text);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    const view = new DataView(bytes.buffer);
    const wide = meta.bits === 16;
    const q = wide ? 32767 : 127;
    const size = wide ? 2 : 1;
    let offset = 0;
    /** Reads `len` stored values starting at `offset` into `out` at `at`, times `factor`. */
    function read(out, at, len, factor) {
      for (let i = 0; i < len; i++) {
        const stored = wide ? view.getInt16(offset + 2 * i, true) : view.getInt8(offset + i);
        out[at + i] = stored * factor;
      }
      offset += len * size;
    }
    return meta.planes.map((p) => {
      const us = new Float64Array(K * VH);
      const v = new Float64Array(K * VW);
      // The factor is computed exactly as the Rust side decodes: (scale / Q) first, then × σ.
      for (let i = 0; i < K; i++) read(us, i * VH, VH, p.scale_u[i] / q);
      for (let i = 0; i < K; i++) for (let r = 0; r < VH; r++) us[i * VH + r] *= p.sigma[i];
      for (let i = 0; i < K; i++) read(v, i * VW, VW, p.scale_v[i] / q);
      return { us, v };
    });
  }

  // ---------------------------------------------------------------- 2. the running sum

  /** Memory the saved sums (checkpoints) may take, in bytes. */
  const CHECKPOINT_BUDGET = 128 * 1024 * 1024;

  /**
   * Adds (sign = +1) or subtracts (sign = −1) terms t0 ≤ i < t1 of every plane to `sums`. Rows
   * outer, four terms at a time inner: each row of S is loaded and stored once per four terms.
   */
  function applyTerms(factors, sums, t0, t1, sign) {
    for (let p = 0; p < PLANES; p++) {
      const { us, v } = factors[p];
      const s = sums[p];
      for (let r = 0; r < VH; r++) {
        const row = r * VW;
        let t = t0;
        for (; t + 4 <= t1; t += 4) {
          const a0 = sign * us[t * VH + r], a1 = sign * us[(t + 1) * VH + r];
          const a2 = sign * us[(t + 2) * VH + r], a3 = sign * us[(t + 3) * VH + r];
          const o0 = t * VW, o1 = o0 + VW, o2 = o1 + VW, o3 = o2 + VW;
          for (let c = 0; c < VW; c++) {
            s[row + c] += a0 * v[o0 + c] + a1 * v[o1 + c] + a2 * v[o2 + c] + a3 * v[o3 + c];
          }
        }
        for (; t < t1; t++) {
          const a = sign * us[t * VH + r], o = t * VW;
          for (let c = 0; c < VW; c++) s[row + c] += a * v[o + c];
        }
      }
    }
  }

  /**
   * The rank-k approximation of every plane as a running Float64 sum (row-major, VH × VW).
   * Float64 keeps adding and subtracting the same terms drift-free for any realistic session.
   *
   * Checkpoints make large jumps cheap: the sums at every rank that is a multiple of `every`
   * are saved (as Float32, within CHECKPOINT_BUDGET), built from zero in idle time by
   * `buildCheckpoints`. A jump then starts from whichever is closest to the target — the
   * current k, zero, or a checkpoint — so it costs at most every / 2 rank-one terms once the
   * checkpoints exist.
   */
  class Approximation {
    constructor(factors) {
      this.factors = factors;
      this.sums = factors.map(() => new Float64Array(PIXELS));
      this.k = 0;
      this.terms = 0; // rank-one terms applied since the last reset of the counter
      this.restoredFrom = null; // the checkpoint (or 0) restored since then, if any
      const bytesPerRank = PLANES * PIXELS * 4;
      this.every = Math.max(2, Math.ceil((K * bytesPerRank) / CHECKPOINT_BUDGET));
      this.saved = new Map(); // rank → per plane Float32Array
      this.builder = null; // { k, sums } while checkpoints are being built
      this.buildMs = 0; // time spent building checkpoints
    }

    apply(t0, t1, sign) {
      applyTerms(this.factors, this.sums, t0, t1, sign);
      this.terms += t1 - t0;
    }

    /** The checkpoint (or 0) nearest to `target`, and how many terms it is away. */
    nearestStart(target) {
      let best = 0, cost = target;
      const below = Math.floor(target / this.every) * this.every;
      for (const c of [below, below + this.every]) {
        // Restoring a checkpoint costs about one term (a copy of every plane).
        if (this.saved.has(c) && Math.abs(target - c) + 1 < cost) {
          best = c;
          cost = Math.abs(target - c) + 1;
        }
      }
      return { start: best, cost };
    }

    /** Puts the sums at `start` (0 or a saved rank). */
    restore(start) {
      if (start === 0) {
        for (const s of this.sums) s.fill(0);
      } else {
        this.saved.get(start).forEach((snap, p) => this.sums[p].set(snap));
      }
      this.k = start;
      this.restoredFrom = start;
    }

    /**
     * Moves k toward `target`, spending about `budgetMs`; returns true once k === target.
     * Starts from the current k, zero or a checkpoint, whichever needs fewest rank-one terms.
     */
    advance(target, budgetMs) {
      const start = performance.now();
      const from = this.nearestStart(target);
      if (from.cost < Math.abs(target - this.k)) this.restore(from.start);
      // Terms per slice: enough to amortise the loop, few enough to stay near the budget.
      const slice = 4;
      while (this.k !== target) {
        if (this.k < target) {
          const next = Math.min(target, this.k + slice);
          this.apply(this.k, next, 1);
          this.k = next;
        } else {
          const next = Math.max(target, this.k - slice);
          this.apply(next, this.k, -1);
          this.k = next;
        }
        if (this.k !== target && performance.now() - start > budgetMs) return false;
      }
      return true;
    }

    /** Whether every checkpoint up to K exists. */
    get checkpointsReady() {
      return this.builder === null && this.saved.size === Math.floor(K / this.every);
    }

    /**
     * Builds checkpoints for about `budgetMs`, from zero upward in its own sums (so the shown
     * image is never disturbed); returns true when all exist. Called only when the page is idle.
     */
    buildCheckpoints(budgetMs) {
      if (this.checkpointsReady) return true;
      const start = performance.now();
      if (this.builder === null) {
        this.builder = { k: 0, sums: this.factors.map(() => new Float64Array(PIXELS)) };
      }
      const b = this.builder;
      const last = Math.floor(K / this.every) * this.every;
      while (b.k < last && performance.now() - start < budgetMs) {
        // Four terms at a time, so one call stays near its budget.
        const next = Math.min(b.k + 4, (Math.floor(b.k / this.every) + 1) * this.every);
        applyTerms(this.factors, b.sums, b.k, next, 1);
        b.k = next;
        if (b.k % this.every === 0) this.saved.set(b.k, b.sums.map((s) => Float32Array.from(s)));
      }
      if (b.k >= last) this.builder = null; // frees the builder's sums
      this.buildMs += performance.now() - start;
      return this.checkpointsReady;
    }
  }

  // ---------------------------------------------------------------- 3. render

  /** Full-range BT.601 YCbCr → RGB, the same constants as svdimg's planes.rs. */
  function ycbcrToRgb(y, cb, cr, out) {
    cb -= 0.5;
    cr -= 0.5;
    out[0] = y + 1.402 * cr;
    out[1] = y - 0.344136286201022 * cb - 0.714136286201022 * cr;
    out[2] = y + 1.772 * cb;
  }

  /** Clamp to [0, 1] and round to 8 bits: svdimg's rule (round half away from zero). */
  function to8(x) {
    return x <= 0 ? 0 : x >= 1 ? 255 : Math.round(x * 255);
  }

  /**
   * Writes the rank-k image (or |A − A_k| × gain) into `pixels` (RGBA bytes, written as one
   * little-endian 32-bit word per pixel, as every browser engine stores them) and returns the sum of squared 8-bit differences
   * against `original` (RGBA) over the colour channels. One tight loop per case, every array
   * in a local: this runs over every pixel on every redraw.
   */
  function renderInto(sums, original, pixels, diff, gain) {
    const words = new Uint32Array(pixels.buffer, pixels.byteOffset, PIXELS);
    const OPAQUE = 0xff000000;
    let squares = 0;
    if (COLOUR === 1) {
      const a = sums[0];
      for (let p = 0, o = 0; p < PIXELS; p++, o += 4) {
        const q = to8(a[p]);
        const d = q - original[o];
        squares += d * d;
        const v = diff ? Math.min(255, Math.abs(d) * gain) | 0 : q;
        words[p] = (OPAQUE | (v << 16) | (v << 8) | v) >>> 0;
      }
      return squares;
    }
    const s0 = sums[0], s1 = sums[1], s2 = sums[2];
    const ycc = meta.color === "ycbcr";
    for (let p = 0, o = 0; p < PIXELS; p++, o += 4) {
      let qr, qg, qb;
      if (ycc) {
        // Full-range BT.601 YCbCr → RGB, the same constants as svdimg's planes.rs.
        const y = s0[p], cb = s1[p] - 0.5, cr = s2[p] - 0.5;
        qr = to8(y + 1.402 * cr);
        qg = to8(y - 0.344136286201022 * cb - 0.714136286201022 * cr);
        qb = to8(y + 1.772 * cb);
      } else {
        qr = to8(s0[p]);
        qg = to8(s1[p]);
        qb = to8(s2[p]);
      }
      const dr = qr - original[o], dg = qg - original[o + 1], db = qb - original[o + 2];
      squares += dr * dr + dg * dg + db * db;
      if (diff) {
        qr = Math.min(255, Math.abs(dr) * gain) | 0;
        qg = Math.min(255, Math.abs(dg) * gain) | 0;
        qb = Math.min(255, Math.abs(db) * gain) | 0;
      }
      words[p] = (OPAQUE | (qb << 16) | (qg << 8) | qr) >>> 0;
    }
    return squares;
  }

  /** 10·log10(255² / MSE), or null when the images are identical. */
  function psnr8(squares) {
    if (squares === 0) return null;
    const mse = squares / (PIXELS * COLOUR);
    return 10 * Math.log10((255 * 255) / mse);
  }

  // ---------------------------------------------------------------- numbers from σ

  const M = meta.height, N = meta.width;
  const SAMPLES_PER_PLANE = M * N;
  /** Stored values per plane at rank k: k·(m + n + 1). */
  const storedPerPlane = (k) => k * (M + N + 1);
  /** The rank at which the factors store as many values as the image has samples. */
  const BREAK_EVEN = SAMPLES_PER_PLANE / (M + N + 1);

  /** Energy kept at rank k, exactly as svdimg's metrics::energy_kept. */
  function energyKept(plane, k) {
    if (!(plane.energy > 0)) return 1;
    let kept;
    if (plane.complete) {
      let tail = 0;
      for (let i = k; i < plane.sigma.length; i++) tail += plane.sigma[i] * plane.sigma[i];
      kept = 1 - tail / plane.energy;
    } else {
      let head = 0;
      for (let i = 0; i < Math.min(k, plane.sigma.length); i++) head += plane.sigma[i] * plane.sigma[i];
      kept = head / plane.energy;
    }
    return Math.min(1, Math.max(0, kept));
  }

  // ---------------------------------------------------------------- number formatting

  const fmtInt = (x) => Math.round(x).toLocaleString("en-US");
  const fmtPct = (x) => (x >= 0.99995 && x < 1 ? "99.99+" : (100 * x).toFixed(2)) + " %";
  const fmtDb = (x) => (x === null || x === undefined ? "∞ (identical)" : x.toFixed(2) + " dB");
  function fmtRatio(r) {
    return r >= 10 ? r.toFixed(1) + "×" : r.toFixed(2) + "×";
  }

  // ---------------------------------------------------------------- charts

  /** Prepares a canvas for crisp drawing at the device's pixel ratio; returns its context. */
  function chartContext(canvas) {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 300, h = canvas.clientHeight || 220;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = "11px system-ui, sans-serif";
    return { ctx, w, h };
  }

  const R_MAX = Math.max(...meta.planes.map((p) => p.sigma.length));
  const PAD = { left: 46, right: 10, top: 10, bottom: 28 };

  /**
   * Horizontal scales: rank i (1-based) → x on a chart of width w, and back. The spectrum uses a
   * linear axis; the energy curve a logarithmic one, since it rises within the first ranks.
   */
  const span = (w) => w - PAD.left - PAD.right;
  const LINEAR = {
    x: (i, w) => PAD.left + ((i - 1) / Math.max(1, R_MAX - 1)) * span(w),
    rank: (x, w) => 1 + ((x - PAD.left) / span(w)) * (R_MAX - 1),
    ticks: () => niceTicks(1, R_MAX, 6),
  };
  const LOG = {
    x: (i, w) => PAD.left + (Math.log(Math.max(1, i)) / Math.log(Math.max(2, R_MAX))) * span(w),
    rank: (x, w) => Math.exp(((x - PAD.left) / span(w)) * Math.log(Math.max(2, R_MAX))),
    ticks: () => {
      const out = [];
      for (let m = 1; m <= R_MAX; m *= 10) for (const f of [1, 2, 5]) if (f * m <= R_MAX) out.push(f * m);
      return out;
    },
  };

  /** The rank under a mouse x position on `scale`, clamped to 1..K. */
  function rankAt(scale, x, w) {
    return Math.min(K, Math.max(1, Math.round(scale.rank(x, w))));
  }

  /** Shared frame: the kept region, markers at k, K and the break-even point, x ticks. */
  function drawFrame(ctx, w, h, k, scale) {
    const xOf = scale.x;
    const bottom = h - PAD.bottom;
    ctx.fillStyle = "rgba(47, 91, 211, 0.08)";
    ctx.fillRect(PAD.left, PAD.top, xOf(k, w) - PAD.left, bottom - PAD.top);
    ctx.strokeStyle = "#c4c9d3";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(PAD.left, PAD.top);
    ctx.lineTo(PAD.left, bottom);
    ctx.lineTo(w - PAD.right, bottom);
    ctx.stroke();
    ctx.fillStyle = "#5d6677";
    ctx.textAlign = "center";
    for (const t of scale.ticks()) {
      ctx.fillText(String(t), xOf(t, w), bottom + 14);
    }
    ctx.fillText(scale === LOG ? "rank i (log scale)" : "rank i", (PAD.left + w - PAD.right) / 2, bottom + 26);
    const vline = (i, style, dash, label) => {
      if (i < 1 || i > R_MAX) return;
      ctx.save();
      ctx.strokeStyle = style;
      ctx.setLineDash(dash);
      ctx.beginPath();
      ctx.moveTo(xOf(i, w), PAD.top);
      ctx.lineTo(xOf(i, w), bottom);
      ctx.stroke();
      if (label) {
        const right = xOf(i, w) > w - 80;
        const tw = ctx.measureText(label).width;
        const x = right ? xOf(i, w) - 4 - tw : xOf(i, w) + 4;
        const y = bottom - 8 - (style === "#2f5bd3" ? 0 : 14);
        ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
        ctx.fillRect(x - 2, y - 10, tw + 4, 13);
        ctx.fillStyle = style;
        ctx.textAlign = "left";
        ctx.fillText(label, x, y);
      }
      ctx.restore();
    };
    if (K < R_MAX) vline(K, "#9aa1ad", [2, 3], "");
    if (BREAK_EVEN <= R_MAX) vline(BREAK_EVEN, "#b07a16", [5, 3], "break-even");
    vline(k, "#2f5bd3", [], "k = " + k);
  }

  /** Round tick values between lo and hi, about `count` of them. */
  function niceTicks(lo, hi, count) {
    const span = hi - lo;
    if (!(span > 0)) return [lo];
    const raw = span / count;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) || 10 * mag;
    const ticks = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) ticks.push(t);
    if (ticks[0] !== 1) ticks.unshift(1);
    return ticks;
  }

  /** Singular values on a log scale, one line per plane. */
  function drawSpectrum(k) {
    const { ctx, w, h } = chartContext($("spectrum-chart"));
    const xOf = LINEAR.x;
    const positive = meta.planes.flatMap((p) => p.sigma.filter((s) => s > 0));
    const top = Math.log10(Math.max(...positive, 1e-12));
    const floor = Math.log10(Math.max(Math.min(...positive, top), Math.pow(10, top - 8)));
    const lo = Math.floor(floor), hi = Math.ceil(top);
    const yOf = (s) => {
      const l = Math.log10(Math.max(s, Math.pow(10, lo)));
      return PAD.top + (1 - (l - lo) / Math.max(1e-9, hi - lo)) * (h - PAD.top - PAD.bottom);
    };
    drawFrame(ctx, w, h, k, LINEAR);
    ctx.fillStyle = "#5d6677";
    ctx.textAlign = "right";
    ctx.strokeStyle = "#eef0f4";
    for (let e = lo; e <= hi; e++) {
      const y = yOf(Math.pow(10, e));
      ctx.beginPath();
      ctx.moveTo(PAD.left, y);
      ctx.lineTo(w - PAD.right, y);
      ctx.stroke();
      ctx.fillText(e === 0 ? "1" : "1e" + e, PAD.left - 4, y + 4);
    }
    for (const p of meta.planes) {
      ctx.strokeStyle = colourOf(p.name);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      p.sigma.forEach((s, i) => {
        const x = xOf(i + 1, w), y = yOf(s);
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
    }
    legend(ctx, w);
  }

  /** Energy kept at every rank 1..r of every plane, summed once from the tail. */
  const ENERGY_CURVES = meta.planes.map((p) => {
    const r = p.sigma.length;
    const out = new Float64Array(r);
    if (!(p.energy > 0)) return out.fill(1);
    let tail = 0; // Σ_{i>k} σᵢ², as energyKept sums it
    let head = 0;
    for (let k = r; k >= 1; k--) {
      out[k - 1] = p.complete ? 1 - tail / p.energy : 0;
      tail += p.sigma[k - 1] * p.sigma[k - 1];
    }
    for (let k = 1; k <= r; k++) {
      head += p.sigma[k - 1] * p.sigma[k - 1];
      if (!p.complete) out[k - 1] = head / p.energy;
      out[k - 1] = Math.min(1, Math.max(0, out[k - 1]));
    }
    return out;
  });

  /** Cumulative energy kept (%) against rank, one line per plane. */
  function drawEnergy(k) {
    const { ctx, w, h } = chartContext($("energy-chart"));
    const xOf = LOG.x;
    const curves = ENERGY_CURVES;
    const lowest = Math.min(...curves.map((c) => c[0]));
    // The axis starts at the lowest tenth the curves reach (0.9 when rank 1 keeps everything).
    const lo = Math.min(0.9, Math.max(0, Math.floor(lowest * 10) / 10));
    const yOf = (f) => PAD.top + (1 - (f - lo) / (1 - lo || 1)) * (h - PAD.top - PAD.bottom);
    drawFrame(ctx, w, h, k, LOG);
    ctx.textAlign = "right";
    for (let f = lo; f <= 1.0001; f += (1 - lo) / 4) {
      const y = yOf(f);
      ctx.strokeStyle = "#eef0f4";
      ctx.beginPath();
      ctx.moveTo(PAD.left, y);
      ctx.lineTo(w - PAD.right, y);
      ctx.stroke();
      ctx.fillStyle = "#5d6677";
      ctx.fillText((100 * f).toFixed(0) + "%", PAD.left - 4, y + 4);
    }
    curves.forEach((c, pi) => {
      ctx.strokeStyle = colourOf(meta.planes[pi].name);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      c.forEach((f, i) => {
        const x = xOf(i + 1, w), y = yOf(f);
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
      ctx.fillStyle = colourOf(meta.planes[pi].name);
      ctx.beginPath();
      ctx.arc(xOf(k, w), yOf(c[k - 1]), 3.5, 0, 2 * Math.PI);
      ctx.fill();
    });
    legend(ctx, w, (PAD.top + h - PAD.bottom) / 2 + 20);
  }

  /** Channel names in their colours, top right (or at height `y`). */
  function legend(ctx, w, y = PAD.top + 24) {
    if (PLANES < 2) return;
    ctx.textAlign = "right";
    let x = w - PAD.right - 4;
    for (let i = PLANES - 1; i >= 0; i--) {
      const name = meta.planes[i].name;
      ctx.fillStyle = colourOf(name);
      ctx.font = "bold 11px system-ui, sans-serif";
      ctx.fillText(name, x, y);
      x -= ctx.measureText(name).width + 8;
    }
    ctx.font = "11px system-ui, sans-serif";
  }

  // ---------------------------------------------------------------- rank-one layers

  /**
   * Draws the first layers σᵢuᵢvᵢᵀ as thumbnails, each stretched to full contrast over all its
   * channels (for ycbcr, the layer's linear RGB part). Clicking one sets k to its index.
   */
  function buildLayers(factors, setRank) {
    const strip = $("layer-strip");
    const count = Math.min(meta.layers, K);
    const th = Math.min(VH, 96), tw = Math.max(1, Math.round((VW * th) / VH));
    const totalEnergy = meta.planes.reduce((a, p) => a + p.energy, 0);
    for (let i = 0; i < count; i++) {
      const canvas = document.createElement("canvas");
      canvas.width = tw;
      canvas.height = th;
      const img = canvas.getContext("2d").createImageData(tw, th);
      const values = factors.map(() => new Float64Array(tw * th));
      for (let p = 0; p < PLANES; p++) {
        const { us, v } = factors[p];
        for (let r = 0; r < th; r++) {
          const a = us[i * VH + Math.floor(((r + 0.5) * VH) / th)];
          for (let c = 0; c < tw; c++) values[p][r * tw + c] = a * v[i * VW + Math.floor(((c + 0.5) * VW) / tw)];
        }
      }
      const rgb = [0, 0, 0];
      const colourAt = (j) => {
        if (COLOUR === 1) {
          rgb[0] = rgb[1] = rgb[2] = values[0][j];
        } else if (meta.color === "ycbcr") {
          ycbcrToRgb(values[0][j], values[1][j] + 0.5, values[2][j] + 0.5, rgb);
        } else {
          rgb[0] = values[0][j]; rgb[1] = values[1][j]; rgb[2] = values[2][j];
        }
        return rgb;
      };
      let lo = Infinity, hi = -Infinity;
      for (let j = 0; j < tw * th; j++) {
        for (const x of colourAt(j)) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
      }
      const span = hi - lo || 1;
      for (let j = 0; j < tw * th; j++) {
        const c = colourAt(j);
        for (let ch = 0; ch < 3; ch++) img.data[4 * j + ch] = Math.round((255 * (c[ch] - lo)) / span);
        img.data[4 * j + 3] = 255;
      }
      canvas.getContext("2d").putImageData(img, 0, 0);
      const share = meta.planes.reduce((a, p) => a + p.sigma[i] * p.sigma[i], 0) / (totalEnergy || 1);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "layer";
      button.title = "Show rank " + (i + 1);
      button.appendChild(canvas);
      const label = document.createElement("span");
      label.textContent = "i = " + (i + 1) + " · " + (100 * share).toFixed(share < 0.001 ? 3 : 1) + " % of energy";
      button.appendChild(label);
      button.addEventListener("click", () => setRank(i + 1));
      strip.appendChild(button);
    }
  }

  // ---------------------------------------------------------------- the page

  /** Fixed text: title, facts, command, notes. */
  function describe() {
    $("name").textContent = meta.name;
    const colour = { rgb: "RGB", luma: "greyscale", ycbcr: "YCbCr" }[meta.color];
    let facts = meta.width + "×" + meta.height + " px, " + colour + ", " + meta.bit_depth + "-bit · " +
      meta.method + " SVD · ranks 1–" + K + " embedded as " + meta.bits + "-bit values";
    if (meta.view.downscaled) facts += " · shown at " + VW + "×" + VH;
    $("facts").textContent = facts;
    $("command").textContent = meta.command || "svdimg html";
    $("rank-max").textContent = " of " + K;
    const notes = [
      "Each channel is a matrix A (samples on [0, 1]); the rank-k image is A_k = Σ_{i≤k} σᵢuᵢvᵢᵀ, redrawn in this page from the embedded factors, then clamped and rounded to 8 bits.",
      "Energy kept = Σ_{i≤k}σᵢ² / ‖A‖_F². Storage: the factors hold k·(m+n+1) values per channel against m·n samples; the ratio is m·n / (k·(m+n+1)). Break-even: k = m·n/(m+n+1) = " + BREAK_EVEN.toFixed(1) + ", where they hold as many values as the pixels.",
      "The singular vectors are stored as " + meta.bits + "-bit integers with one scale per vector. That moves a pixel of the rank-" + K + " image by at most " + meta.pixel_error_bound.toFixed(3) + " of an 8-bit level (worst case; measured: " + Math.max(...meta.quantization.map((q) => q.measured)).toFixed(4) + "), so a pixel can differ from svdimg compress by one level only where A_k lies that close to a rounding boundary.",
    ];
    if (meta.view.downscaled) {
      notes.push("The image has more pixels than this page redraws live, so the view is an area-averaged " + VW + "×" + VH + " downscale (the factors are downscaled exactly: (D U) Σ (D V)ᵀ). The PSNR shown first is svdimg's exact full-size figure, computed when the page was made; the view's own PSNR is given below it.");
    } else if (meta.psnr_full) {
      notes.push("The image is " + meta.bit_depth + "-bit; the browser shows 8 bits. The PSNR shown first is svdimg's exact " + meta.bit_depth + "-bit figure, computed when the page was made; the 8-bit view's own PSNR is given below it.");
    } else {
      notes.push("PSNR is computed in this page, as svdimg computes it: over all channels and pixels, after rounding to 8 bits, against the original pixels; 10·log10(255² / MSE).");
    }
    if (meta.color === "luma") notes.push("Greyscale: one matrix, the image's luma (or its only channel).");
    if (meta.color === "ycbcr") notes.push("YCbCr: the matrices are the full-range BT.601 Y, Cb and Cr planes; the picture is converted back to RGB before rounding.");
    const list = $("notes");
    for (const n of notes) {
      const li = document.createElement("li");
      li.textContent = n;
      list.appendChild(li);
    }
  }

  /** Builds the energy table rows once; `updateStats` fills them. */
  function buildEnergyTable() {
    const table = $("energy-table");
    for (const p of meta.planes) {
      const tr = document.createElement("tr");
      tr.innerHTML = '<td><span class="swatch"></span></td><td class="bar"><div class="track"><div class="fill"></div></div></td><td class="pct"></td>';
      tr.querySelector(".swatch").style.background = colourOf(p.name);
      tr.querySelector(".swatch").after(document.createTextNode(p.name));
      tr.querySelector(".fill").style.background = colourOf(p.name);
      table.appendChild(tr);
    }
  }

  async function main() {
    describe();
    buildEnergyTable();
    const factors = decodeFactors();
    const approx = new Approximation(factors);

    // The original's pixels, for PSNR and the difference view.
    const originalImg = $("original");
    await originalImg.decode();
    const scratch = document.createElement("canvas");
    scratch.width = VW;
    scratch.height = VH;
    const sctx = scratch.getContext("2d", { willReadFrequently: true });
    sctx.drawImage(originalImg, 0, 0);
    const original = sctx.getImageData(0, 0, VW, VH).data;
    $("split-original").src = originalImg.src;

    const canvas = $("recon");
    canvas.width = VW;
    canvas.height = VH;
    const ctx = canvas.getContext("2d");
    const frame = ctx.createImageData(VW, VH);

    const slider = $("rank");
    slider.max = String(K);
    const state = {
      target: Math.min(K, Math.max(1, Math.round(K / 5))),
      mode: "side",
      gain: 8,
      split: 0.5,
      busy: false,
      pendingSince: null, // performance.now() of the first change not yet drawn
      updateMs: 0,        // time spent updating the sums since the last picture
      lastRedraw: null,   // { k, ms, terms }
      psnrView: null,
      psnr: null,
      done: false,
      idleQueued: false,
    };

    function setRank(k) {
      k = Math.min(K, Math.max(1, Math.round(k)));
      if (state.pendingSince === null) state.pendingSince = performance.now();
      state.target = k;
      state.done = false;
      slider.value = String(k);
      $("rank-value").textContent = String(k);
      updateStats();
      schedule();
    }

    /** Runs the update in slices until k reaches the target, then draws. */
    function schedule() {
      if (state.busy) return;
      state.busy = true;
      setTimeout(work, 0);
    }

    function work() {
      const t0 = performance.now();
      const reached = approx.advance(state.target, 40);
      state.updateMs += performance.now() - t0;
      if (!reached) {
        $("status").textContent = "computing rank " + state.target + "… (at " + approx.k + ")";
        setTimeout(work, 0);
        return;
      }
      draw();
      state.busy = false;
      if (approx.k !== state.target) schedule();
      else idle();
    }

    /** In idle time, slice by slice, builds the checkpoints that make large jumps fast. */
    function idle() {
      if (approx.checkpointsReady || state.idleQueued) return;
      state.idleQueued = true;
      setTimeout(() => {
        state.idleQueued = false;
        if (state.busy) return; // a redraw runs first; it calls idle() again when done
        if (!approx.buildCheckpoints(25)) idle();
      }, 0);
    }

    /** Renders the current k into the canvas and records the redraw time. */
    function draw() {
      const t0 = performance.now();
      const squares = renderInto(approx.sums, original, frame.data, state.mode === "diff", state.gain);
      const tPut = performance.now();
      ctx.putImageData(frame, 0, 0);
      state.putMs = performance.now() - tPut;
      state.psnrView = psnr8(squares);
      state.psnr = meta.psnr_full ? meta.psnr_full[approx.k - 1] : state.psnrView;
      const end = performance.now();
      if (state.pendingSince !== null) {
        state.lastRedraw = {
          k: approx.k,
          ms: end - state.pendingSince, // from the change of k to the new picture
          updateMs: state.updateMs,     // adding or removing rank-one terms
          renderMs: end - t0,           // rounding, PSNR, putImageData
          putMs: state.putMs,           // putImageData alone
          terms: approx.terms,
          from: approx.restoredFrom,
        };
        state.pendingSince = null;
      }
      state.updateMs = 0;
      approx.terms = 0;
      approx.restoredFrom = null;
      state.done = approx.k === state.target;
      $("status").textContent = "";
      updatePsnr();
      const r = state.lastRedraw;
      if (r) {
        $("redraw").textContent = "Last redraw: " + r.ms.toFixed(1) + " ms for rank " + r.k + " (" + r.terms +
          " rank-one term" + (r.terms === 1 ? "" : "s") + " per channel added or removed" +
          (r.from === null ? "" : r.from === 0 ? ", from zero" : ", from the saved sum at k = " + r.from) +
          ", " + VW + "×" + VH + " px).";
      }
    }

    function updatePsnr() {
      const el = $("psnr");
      el.textContent = fmtDb(state.psnr);
      el.dataset.value = state.psnr === null ? "inf" : String(state.psnr);
      el.dataset.k = String(approx.k);
      if (meta.psnr_full) {
        $("psnr-note").textContent = meta.view.downscaled ? "full size, by svdimg" : meta.bit_depth + "-bit, by svdimg";
        $("psnr-view").textContent = "this " + (meta.view.downscaled ? "downscaled " : "8-bit ") + "view: " + fmtDb(state.psnrView);
      } else {
        $("psnr-note").textContent = "computed in this page";
      }
    }

    /** Every figure that depends only on k and σ. */
    function updateStats() {
      const k = state.target;
      $("stat-k").textContent = String(k);
      const stored = storedPerPlane(k) * PLANES;
      const samples = SAMPLES_PER_PLANE * PLANES;
      const ratio = samples / stored;
      $("ratio").textContent = fmtRatio(ratio) + (ratio >= 1 ? " smaller" : " (larger!)");
      $("stored").textContent = fmtInt(stored) + " of " + fmtInt(samples) + " values";
      $("break-even").textContent = "k = " + BREAK_EVEN.toFixed(1) + (k < BREAK_EVEN
        ? " — the factors hold fewer values than the pixels up to there"
        : " — at this k the factors hold more values than the pixels");
      const rows = $("energy-table").rows;
      meta.planes.forEach((p, i) => {
        const kept = energyKept(p, k);
        rows[i].querySelector(".fill").style.width = (100 * kept).toFixed(2) + "%";
        rows[i].querySelector(".pct").textContent = fmtPct(kept);
      });
      $("recon-caption").textContent = state.mode === "diff"
        ? "|A − A_k| at rank " + k + ", amplified ×" + state.gain
        : state.mode === "split" ? "Split: original on the left, rank " + k + " on the right (drag to move)" : "Rank " + k;
      drawSpectrum(k);
      drawEnergy(k);
      document.querySelectorAll(".layer").forEach((el, i) => el.classList.toggle("kept", i < k));
    }

    // Controls.
    slider.addEventListener("input", () => setRank(Number(slider.value)));
    $("rank-down").addEventListener("click", () => setRank(state.target - 1));
    $("rank-up").addEventListener("click", () => setRank(state.target + 1));
    document.addEventListener("keydown", (e) => {
      const tag = (e.target && e.target.tagName) || "";
      if (e.target === slider || tag === "SELECT" || tag === "TEXTAREA" || (tag === "INPUT" && e.target.type !== "radio")) return;
      const step = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1, PageDown: -10, PageUp: 10 }[e.key];
      if (step !== undefined) setRank(state.target + step);
      else if (e.key === "Home") setRank(1);
      else if (e.key === "End") setRank(K);
      else return;
      e.preventDefault();
    });
    document.querySelectorAll('input[name="mode"]').forEach((radio) =>
      radio.addEventListener("change", () => {
        state.mode = radio.value;
        $("viewer").dataset.mode = state.mode;
        $("gain-box").style.visibility = state.mode === "diff" ? "visible" : "hidden";
        updateStats();
        draw();
      }));
    $("gain-box").style.visibility = "hidden";
    $("gain").addEventListener("change", () => {
      state.gain = Number($("gain").value);
      updateStats();
      draw();
    });

    // Split view: the original laid over the reconstruction, clipped at the handle.
    const stack = $("stack");
    function setSplit(fraction) {
      state.split = Math.min(1, Math.max(0, fraction));
      $("split-original").style.clipPath = "inset(0 " + (100 * (1 - state.split)).toFixed(2) + "% 0 0)";
      $("split-handle").style.left = (100 * state.split).toFixed(2) + "%";
    }
    const fromPointer = (e) => {
      const box = stack.getBoundingClientRect();
      setSplit((e.clientX - box.left) / box.width);
    };
    stack.addEventListener("pointerdown", (e) => {
      if (state.mode !== "split") return;
      stack.setPointerCapture(e.pointerId);
      fromPointer(e);
    });
    stack.addEventListener("pointermove", (e) => {
      if (state.mode === "split" && stack.hasPointerCapture(e.pointerId)) fromPointer(e);
    });
    setSplit(0.5);

    // Charts: click to jump to a rank.
    for (const [id, scale] of [["spectrum-chart", LINEAR], ["energy-chart", LOG]]) {
      $(id).addEventListener("click", (e) => {
        const box = e.currentTarget.getBoundingClientRect();
        setRank(rankAt(scale, e.clientX - box.left, box.width));
      });
    }
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        drawSpectrum(state.target);
        drawEnergy(state.target);
      }, 100);
    });

    buildLayers(factors, setRank);

    // For tests and the curious: the page's state and a way to set k from the console.
    window.svdimgPage = {
      setRank,
      state: () => ({
        k: approx.k,
        target: state.target,
        done: state.done && !state.busy,
        psnr: state.psnr,
        psnrView: state.psnrView,
        lastRedraw: state.lastRedraw,
        mode: state.mode,
        checkpointsReady: approx.checkpointsReady,
        checkpointEvery: approx.every,
        checkpointBuildMs: approx.buildMs,
      }),
    };
    setRank(state.target);
  }

  main().catch((err) => {
    $("status").textContent = "This page could not start: " + err;
    throw err;
  });
})();
