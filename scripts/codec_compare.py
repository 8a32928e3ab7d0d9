#!/usr/bin/env python3
"""Compare `.svdz` (v2 block-adaptive, and v1 whole-image with `--global`) with JPEG and WebP at equal bytes.

Setup and run from the repository root:

    cargo build --release
    python3 -m venv .venv && .venv/bin/pip install -r scripts/requirements.txt
    .venv/bin/python scripts/codec_compare.py samples/coffee.png photo.jpg --crop 1024x768 \
        --bpp 0.25,0.5,1,2 --markdown target/codec-compare/report.md \
        --json target/codec-compare/report.json --plot target/codec-compare/rd.svg

For every image the reference is the (centre-cropped) image saved as an 8-bit PNG: grey
images stay grey (L), everything else becomes RGB (an alpha channel is dropped, 16-bit grey
is reduced to 8 bits). Every codec reads or is measured against that PNG. For every --bpp B:

- svdz v2: `svdimg compress REF --bpp B -o v2.svdz`, then `svdimg decompress`; its bytes are
  the budget of the other codecs (a file over B·W·H/8 bytes is flagged in the notes).
- svdz v1: the same with `--global` (skipped with --no-v1; marked missing, not an error, when
  the binary does not know the flag).
- JPEG (Pillow, libjpeg-turbo, optimize=True, 4:2:0) and lossy WebP (Pillow, method=6): the
  highest quality (JPEG 1..100, WebP 0..100) whose file is at most the v2 file's bytes, found
  by binary search and then checking the next qualities up in case size is not monotone. If
  even the lowest quality is over the budget the point is marked "over" and left out of Δ.

PSNR and SSIM follow DESIGN.md §2 and /work/shared/tools/oracle.py: MSE over all channels and
pixels with peak 255 (identical images: "inf" in the table, null in JSON); SSIM per channel with
scikit-image's structural_similarity(gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=255) on float64 copies, averaged over channels, null
below 11 pixels. svdimg's own PSNR/SSIM from `compress --json` are checked against these.
A grey image stays grey: WebP stores it as RGB and its decoded pixels go back to L with
Pillow's convert("L").

Times are medians of --repeat runs. svdimg times are subprocess wall times (process start,
PNG read, the codec, the file write); JPEG/WebP times are Pillow encode/decode in memory in
this process (no start-up, no file I/O), single-threaded.
"""
import argparse
import io
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, features
from skimage.metrics import structural_similarity

CODECS = ["v2", "v1", "jpeg", "webp"]
LABELS = {"v2": "svdz v2", "v1": "svdz v1 (--global)", "jpeg": "JPEG", "webp": "WebP"}
QRANGE = {"jpeg": (1, 100), "webp": (0, 100)}
NEIGHBOURS = 4  # qualities checked above the binary-search result


class CodecError(Exception):
    pass


# ---------------------------------------------------------------- reference and metrics

def parse_crop(text):
    if text is None:
        return None
    try:
        parts = text.lower().replace("×", "x").split("x")
        w, h = (int(parts[0]), int(parts[0])) if len(parts) == 1 else map(int, parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--crop {text!r}: expected WxH, e.g. 1024x768")
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"--crop {text!r}: width and height must be positive")
    return w, h


def parse_bpp(text):
    try:
        values = [float(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--bpp {text!r}: expected numbers like 0.25,0.5,1,2")
    if not values or any(not (v > 0 and math.isfinite(v)) for v in values):
        raise argparse.ArgumentTypeError(f"--bpp {text!r}: values must be positive")
    return values


def parse_shift(text):
    try:
        dx, dy = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shift {text!r}: expected DX,DY, e.g. 3,5")
    return dx, dy


def load_reference(path, crop, shift=(0, 0)):
    """The image as uint8 (H, W) grey or (H, W, 3) RGB, centre-cropped to at most crop, the
    crop moved by shift = (dx, dy) pixels (kept inside the image)."""
    try:
        im = ImageOps.exif_transpose(Image.open(path))
        im.load()
    except (OSError, ValueError, Image.DecompressionBombError) as e:
        raise SystemExit(f"error: {path}: cannot read as an image ({e})")
    if im.mode.startswith("I;16") or im.mode == "I":
        arr = (np.asarray(im).astype(np.uint32) >> 8).astype(np.uint8)
    elif im.mode in ("1", "L", "LA", "La"):
        arr = np.asarray(im.convert("L"))
    else:
        arr = np.asarray(im.convert("RGB"))
    if crop:
        h, w = arr.shape[:2]
        cw, ch = min(crop[0], w), min(crop[1], h)
        if (cw, ch) != crop:
            print(f"warning: {path}: {w}×{h} is smaller than --crop {crop[0]}x{crop[1]}; "
                  f"cropping to {cw}×{ch}", file=sys.stderr)
        top, left = (h - ch) // 2, (w - cw) // 2
        top = min(max(top + shift[1], 0), h - ch)
        left = min(max(left + shift[0], 0), w - cw)
        arr = arr[top:top + ch, left:left + cw]
    return np.ascontiguousarray(arr)


def as_reference_mode(im, ref, what):
    arr = np.asarray(im.convert("L" if ref.ndim == 2 else "RGB"))
    if arr.shape != ref.shape:
        raise CodecError(f"{what}: decoded shape {arr.shape} differs from the reference {ref.shape}")
    return arr


def psnr(ref, x):
    """DESIGN.md §2: MSE over all channels and pixels, peak 255; inf for identical images."""
    mse = float(np.mean((ref.astype(np.float64) - x.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def ssim(ref, x):
    """DESIGN.md §2 / oracle.py: Gaussian SSIM per channel, averaged; None below 11 pixels."""
    if min(ref.shape[:2]) < 11:
        return None
    a = ref.astype(np.float64).reshape(ref.shape[0], ref.shape[1], -1)
    b = x.astype(np.float64).reshape(a.shape)
    vals = [structural_similarity(a[:, :, i], b[:, :, i], gaussian_weights=True, sigma=1.5,
                                  use_sample_covariance=False, data_range=255.0)
            for i in range(a.shape[2])]
    return float(np.mean(vals))


# ---------------------------------------------------------------- svdimg

def run(cmd):
    """Run a command; return (wall seconds, stdout). CodecError with stderr's message on failure."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as e:
        raise CodecError(f"cannot run {cmd[0]}: {e}")
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        lines = [l for l in proc.stderr.strip().splitlines() if l.strip()]
        msg = lines[0] if lines else f"exit code {proc.returncode}"
        err = CodecError(msg)
        err.returncode, err.stderr = proc.returncode, proc.stderr
        raise err
    return seconds, proc.stdout


def parse_json(stdout):
    try:
        return json.loads(stdout)
    except ValueError:
        return {}


def svdz_point(args, ref, ref_png, work, bpp, name, extra):
    out_svdz, out_png = work / f"{name}.svdz", work / f"{name}.png"
    threads = ["--threads", str(args.threads)] if args.threads else []
    enc_cmd = [args.svdimg, "compress", str(ref_png), "--bpp", f"{bpp:g}", *extra,
               "-o", str(out_svdz), "--force", "--json", *threads]
    dec_cmd = [args.svdimg, "decompress", str(out_svdz), "-o", str(out_png),
               "--force", "--quiet", *threads]
    enc_times, dec_times, report = [], [], {}
    for _ in range(args.repeat):
        seconds, stdout = run(enc_cmd)
        enc_times.append(seconds)
        report = parse_json(stdout)
    for _ in range(args.repeat):
        dec_times.append(run(dec_cmd)[0])
    h, w = ref.shape[:2]
    size = out_svdz.stat().st_size
    try:
        x = as_reference_mode(Image.open(out_png), ref, f"{name} {out_png}")
    except OSError as e:
        raise CodecError(f"{out_png}: cannot read the decoded image ({e})")
    point = {"bytes": size, "bpp": 8 * size / (w * h), "budget_bytes": math.floor(bpp * w * h / 8),
             "psnr": psnr(ref, x), "ssim": ssim(ref, x),
             "enc_ms": 1000 * statistics.median(enc_times),
             "dec_ms": 1000 * statistics.median(dec_times),
             "svdimg_psnr": report.get("psnr"), "svdimg_ssim": report.get("ssim"),
             "svdimg_timings_ms": report.get("timings_ms")}
    try:
        info = parse_json(run([args.svdimg, "info", str(out_svdz), "--json"])[1])
        point["container_version"] = info.get("version")
    except CodecError:
        point["container_version"] = None
    return point


# ---------------------------------------------------------------- Pillow codecs

def pillow_encode(codec, im, q):
    buf = io.BytesIO()
    if codec == "jpeg":
        im.save(buf, "JPEG", quality=q, optimize=True, subsampling=2)
    else:
        im.save(buf, "WEBP", quality=q, method=6, lossless=False)
    return buf.getvalue()


def pillow_point(codec, im, ref, budget, repeat, work):
    """Highest quality whose file is at most budget bytes, with its metrics and times."""
    lo_q, hi_q = QRANGE[codec]
    cache = {}

    def size(q):
        if q not in cache:
            cache[q] = len(pillow_encode(codec, im, q))
        return cache[q]

    if size(lo_q) > budget:
        return {"q": None, "over": True, "bytes_at_min_q": size(lo_q), "min_q": lo_q,
                "searched": sorted(cache)}
    if size(hi_q) <= budget:
        best = hi_q
    else:
        lo, hi = lo_q, hi_q  # size(lo) <= budget < size(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if size(mid) <= budget else (lo, mid)
        best = lo
        q = best + 1
        while q <= min(best + NEIGHBOURS, hi_q):  # size is not strictly monotone in q
            if size(q) <= budget:
                best = q
            q += 1
    enc_times, data = [], b""
    for _ in range(repeat):
        start = time.perf_counter()
        data = pillow_encode(codec, im, best)
        enc_times.append(time.perf_counter() - start)
    dec_times = []
    for _ in range(repeat):
        start = time.perf_counter()
        dec = Image.open(io.BytesIO(data))
        dec.load()
        dec_times.append(time.perf_counter() - start)
    (work / f"{codec}.q{best}.{'jpg' if codec == 'jpeg' else 'webp'}").write_bytes(data)
    x = as_reference_mode(dec, ref, codec)
    h, w = ref.shape[:2]
    return {"q": best, "over": False, "bytes": len(data), "bpp": 8 * len(data) / (w * h),
            "psnr": psnr(ref, x), "ssim": ssim(ref, x),
            "enc_ms": 1000 * statistics.median(enc_times),
            "dec_ms": 1000 * statistics.median(dec_times), "searched": sorted(cache)}


# ---------------------------------------------------------------- one image

def evaluate(index, path, ref, args, state):
    h, w = ref.shape[:2]
    tag = f"{index:02d}-{path.stem}"
    base = args.work / tag
    base.mkdir(parents=True, exist_ok=True)
    ref_png = base / "ref.png"
    Image.fromarray(ref).save(ref_png)
    im = Image.open(ref_png)
    im.load()
    entry = {"image": str(path), "name": path.name, "width": w, "height": h,
             "grey": ref.ndim == 2, "reference": str(ref_png), "points": []}
    for bpp in args.bpp:
        work = base / f"bpp{bpp:g}"
        work.mkdir(exist_ok=True)
        pt = {"target_bpp": bpp}
        try:
            pt["v2"] = svdz_point(args, ref, ref_png, work, bpp, "v2", [])
        except CodecError as e:
            pt["v2"] = {"error": str(e)}
            print(f"warning: {path.name} @ {bpp:g} bpp: svdz v2 failed: {e}", file=sys.stderr)
        if args.no_v1:
            pt["v1"] = {"missing": "--no-v1"}
        elif state.get("v1_missing"):
            pt["v1"] = {"missing": state["v1_missing"]}
        else:
            try:
                pt["v1"] = svdz_point(args, ref, ref_png, work, bpp, "v1", ["--global"])
            except CodecError as e:
                if getattr(e, "returncode", None) == 2 and "--global" in getattr(e, "stderr", ""):
                    state["v1_missing"] = "svdimg has no --global flag"
                    print("warning: this svdimg has no `compress --global`; the v1 column is "
                          "marked missing (use --no-v1 to skip trying)", file=sys.stderr)
                    pt["v1"] = {"missing": state["v1_missing"]}
                else:
                    pt["v1"] = {"error": str(e)}
                    print(f"warning: {path.name} @ {bpp:g} bpp: svdz v1 failed: {e}",
                          file=sys.stderr)
        if "bytes" in pt["v2"]:
            budget, pt["budget_from"] = pt["v2"]["bytes"], "v2 file"
        else:
            budget, pt["budget_from"] = math.floor(bpp * w * h / 8), "nominal B·W·H/8 (v2 failed)"
        pt["budget_bytes"] = budget
        for codec in ("jpeg", "webp"):
            pt[codec] = pillow_point(codec, im, ref, budget, args.repeat, work)
        entry["points"].append(pt)
        print(f"{path.name} @ {bpp:g} bpp: " + ", ".join(
            f"{c} {fmt_num(pt[c].get('psnr'), 2)} dB" for c in CODECS), file=sys.stderr)
    return entry


# ---------------------------------------------------------------- output

def fmt_num(v, digits):
    if v is None:
        return "—"
    if isinstance(v, float) and math.isinf(v):
        return "inf"
    return f"{v:.{digits}f}"


def delta(pt, a, b, key):
    va, vb = pt[a].get(key), pt[b].get(key)
    if va is None or vb is None or math.isinf(va) or math.isinf(vb):
        return None
    return va - vb


def fmt_delta(v, digits=2):
    return "—" if v is None else f"{v:+.{digits}f}"


def pillow_cells(r):
    if r.get("over"):
        return [f"over (q={r['min_q']}: {r['bytes_at_min_q']} B)", "—", "—", "—", "—"]
    return [str(r["q"]), str(r["bytes"]), fmt_num(r["psnr"], 2), fmt_num(r["ssim"], 4),
            f"{r['enc_ms']:.1f} / {r['dec_ms']:.1f}"]


def image_table(entry):
    head = ["bpp", "v2 bytes", "v2 bpp", "v2 PSNR", "v2 SSIM", "v2 enc ms", "v2 dec ms",
            "v1 PSNR", "v1 SSIM", "JPEG q", "JPEG bytes", "JPEG PSNR", "JPEG SSIM",
            "JPEG enc/dec ms", "WebP q", "WebP bytes", "WebP PSNR", "WebP SSIM",
            "WebP enc/dec ms", "Δ PSNR v2−JPEG", "Δ PSNR v2−WebP"]
    grey = " grey" if entry["grey"] else ""
    lines = [f"### {entry['name']} ({entry['width']}×{entry['height']}{grey})", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for pt in entry["points"]:
        v2, v1 = pt["v2"], pt["v1"]
        if "bytes" in v2:
            cells = [str(v2["bytes"]), f"{v2['bpp']:.3f}", fmt_num(v2["psnr"], 2),
                     fmt_num(v2["ssim"], 4), f"{v2['enc_ms']:.0f}", f"{v2['dec_ms']:.0f}"]
        else:
            cells = ["failed"] + ["—"] * 5
        if "psnr" in v1:
            cells += [fmt_num(v1["psnr"], 2), fmt_num(v1["ssim"], 4)]
        else:
            cells += ["missing" if "missing" in v1 else "failed", "—"]
        cells += pillow_cells(pt["jpeg"]) + pillow_cells(pt["webp"])
        cells += [fmt_delta(delta(pt, "v2", "jpeg", "psnr")),
                  fmt_delta(delta(pt, "v2", "webp", "psnr"))]
        lines.append(f"| {pt['target_bpp']:g} | " + " | ".join(cells) + " |")
    return lines


def mean(values):
    values = [v for v in values if v is not None]
    return (float(np.mean(values)) if values else None), len(values)


def summary(entries, bpps):
    points = [(e, pt) for e in entries for pt in e["points"]]
    cols = [("v2", "jpeg", "psnr", 2), ("v2", "webp", "psnr", 2), ("v2", "v1", "psnr", 2),
            ("v2", "jpeg", "ssim", 4), ("v2", "webp", "ssim", 4)]
    names = {"jpeg": "JPEG", "webp": "WebP", "v1": "v1"}
    head = ["bpp"] + [f"mean Δ {k.upper()} v2−{names[b]}" for _, b, k, _ in cols] + ["points"]
    lines = ["### Summary", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    data = {}
    groups = [(f"{b:g}", [p for p in points if p[1]["target_bpp"] == b]) for b in bpps]
    for label, group in groups + [("all", points)]:
        row, cells = {}, []
        for a, b, k, d in cols:
            m, n = mean([delta(pt, a, b, k) for _, pt in group])
            row[f"d_{k}_{a}_{b}"] = {"mean": m, "n": n}
            cells.append(fmt_delta(m, d) + ("" if n == len(group) or m is None else f" (n={n})"))
        data[label] = row
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {len(group)} |")
    lines.append("")
    worst = {}
    for b in ("jpeg", "webp"):
        cands = [(delta(pt, "v2", b, "psnr"), e["name"], pt["target_bpp"]) for e, pt in points]
        cands = [c for c in cands if c[0] is not None]
        if cands:
            d, name, bpp = min(cands)
            worst[b] = {"d_psnr": d, "image": name, "bpp": bpp}
            lines.append(f"- worst Δ PSNR v2−{names[b]}: {d:+.2f} dB ({name} @ {bpp:g} bpp)")
        over = [(e["name"], pt["target_bpp"]) for e, pt in points if pt[b].get("over")]
        if over:
            lines.append(f"- {names[b]} could not fit the budget even at its lowest quality at "
                         + ", ".join(f"{n} @ {x:g} bpp" for n, x in over)
                         + " (left out of the means)")
    return lines, {"by_bpp": data, "worst": worst}


def notes(entries, state, args):
    lines = []
    per = {c: sorted({str(pt[c].get("container_version")) for e in entries
                      for pt in e["points"] if "bytes" in pt[c]}) for c in ("v2", "v1")}
    if per["v2"] or per["v1"]:
        lines.append("- .svdz container version (`svdimg info`): "
                     + ", ".join(f"{c}: {'/'.join(v) or '—'}" for c, v in per.items()))
    if "1" in per["v2"]:
        lines.append("- **the v2 column holds version-1 files**: this binary predates format v2")
    if state.get("v1_missing"):
        lines.append(f"- v1 column missing: {state['v1_missing']}")
    for e in entries:
        for pt in e["points"]:
            for c in ("v2", "v1"):
                r = pt[c]
                if "bytes" in r and r["bytes"] > r["budget_bytes"]:
                    lines.append(f"- **over budget**: {e['name']} @ {pt['target_bpp']:g} bpp {c}: "
                                 f"{r['bytes']} B > {r['budget_bytes']} B")
                if "error" in r:
                    lines.append(f"- {c} failed on {e['name']} @ {pt['target_bpp']:g} bpp: "
                                 f"{r['error']}")
            if pt["budget_from"] != "v2 file":
                lines.append(f"- {e['name']} @ {pt['target_bpp']:g} bpp: JPEG/WebP budget is "
                             f"{pt['budget_from']} = {pt['budget_bytes']} B")
    dp, ds = [], []
    for e in entries:
        for pt in e["points"]:
            for c in ("v2", "v1"):
                r = pt[c]
                if r.get("svdimg_psnr") is not None and r.get("psnr") is not None \
                        and not math.isinf(r["psnr"]):
                    dp.append(abs(r["svdimg_psnr"] - r["psnr"]))
                if r.get("svdimg_ssim") is not None and r.get("ssim") is not None:
                    ds.append(abs(r["svdimg_ssim"] - r["ssim"]))
    if dp or ds:
        ok = (max(dp, default=0) <= 0.01) and (max(ds, default=0) <= 1e-3)
        lines.append(f"- metrics vs svdimg's own report (`compress --json`): max |Δ PSNR| "
                     f"{max(dp, default=0):.2g} dB, max |Δ SSIM| {max(ds, default=0):.2g} "
                     + ("(agree)" if ok else "(**disagree**: check the decoder or the metric)"))
    lines.append(f"- JPEG: Pillow {Image.__version__}, libjpeg-turbo "
                 f"{features.version('libjpeg_turbo')}, quality 1..100, optimize, 4:2:0; WebP: libwebp "
                 f"{features.version('webp')}, lossy, method 6, quality 0..100; budget = the v2 "
                 f"file's bytes; times are medians of {args.repeat} run(s)")
    return lines


def plot(entries, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(entries)
    ncols = min(n, 3)
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 4.0 * nrows), squeeze=False)
    styles = {"v2": ("o-", "C0"), "v1": ("s--", "C1"), "jpeg": ("^-", "C2"), "webp": ("d-", "C3")}
    for ax, e in zip(axes.flat, entries):
        for c in CODECS:
            pts = [(pt[c]["bpp"], pt[c]["psnr"]) for pt in e["points"]
                   if pt[c].get("psnr") is not None and not math.isinf(pt[c]["psnr"])]
            if pts:
                xs, ys = zip(*sorted(pts))
                ax.plot(xs, ys, styles[c][0], color=styles[c][1], label=LABELS[c], ms=4)
        ax.set_title(f"{e['name']} ({e['width']}×{e['height']})", fontsize=10)
        ax.set_xlabel("bits per pixel")
        ax.set_ylabel("PSNR (dB)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def jsonable(obj):
    if isinstance(obj, float):
        return None if not math.isfinite(obj) else obj
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [jsonable(v) for v in obj]
    return obj


# ---------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("images", nargs="*", type=Path, help="PNG/JPEG images")
    p.add_argument("--bpp", type=parse_bpp, default=[0.25, 0.5, 1.0, 2.0],
                   help="comma-separated bits per pixel for svdimg (default 0.25,0.5,1,2)")
    p.add_argument("--crop", type=parse_crop, help="centre crop WxH, e.g. 1024x768")
    p.add_argument("--shift", type=parse_shift, default=(0, 0),
                   help="move the crop by DX,DY pixels, e.g. 3,5: a JPEG source's 8×8 grid then "
                        "no longer lines up with the test encoders' blocks (an aligned crop of a "
                        "JPEG lets JPEG re-encode its own blocks almost losslessly at high rates)")
    p.add_argument("--svdimg", default="target/release/svdimg", help="svdimg binary")
    p.add_argument("--no-v1", action="store_true", help="skip the v1 (--global) column")
    p.add_argument("--repeat", type=int, default=1, help="timing runs per point (median)")
    p.add_argument("--threads", type=int, help="pass --threads N to svdimg (default: all cores)")
    p.add_argument("--work", type=Path,
                   help="directory for intermediate files (default: a temporary one, removed)")
    p.add_argument("--markdown", type=Path, help="also write the tables to this file")
    p.add_argument("--json", type=Path, help="write all numbers as JSON to this file")
    p.add_argument("--plot", type=Path, help="write a PSNR-vs-bpp plot (.png or .svg)")
    args = p.parse_args()

    if not args.images:
        p.error("no images given")
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    for path in args.images:
        if not path.is_file():
            p.error(f"{path}: no such file")
    exe = shutil.which(args.svdimg)
    if exe is None:
        p.error(f"svdimg binary {args.svdimg} not found or not executable: build it "
                "(cargo build --release) or pass --svdimg PATH")
    args.svdimg = str(Path(exe).resolve())
    if not features.check("webp"):
        p.error("this Pillow has no WebP support")
    if args.plot and args.plot.suffix.lower() not in (".png", ".svg", ".pdf"):
        p.error("--plot: use a .png, .svg or .pdf file name")
    try:
        version = run([args.svdimg, "--version"])[1].strip()
    except CodecError as e:
        p.error(f"{args.svdimg} does not run: {e}")

    refs = [load_reference(path, args.crop, args.shift) for path in args.images]  # fail early on a bad image
    tmp = None
    if args.work is None:
        tmp = tempfile.TemporaryDirectory(prefix="codec-compare-")
        args.work = Path(tmp.name)
    try:
        args.work.mkdir(parents=True, exist_ok=True)
        state = {}
        entries = [evaluate(i, path, ref, args, state)
                   for i, (path, ref) in enumerate(zip(args.images, refs))]
    finally:
        if tmp is not None:
            tmp.cleanup()
    if tmp is not None:
        for e in entries:
            e["reference"] = None  # the temporary work directory is gone

    lines = [f"## svdz vs JPEG / WebP at equal bytes ({version})", ""]
    for e in entries:
        lines += image_table(e) + [""]
    sum_lines, sum_data = summary(entries, args.bpp)
    lines += sum_lines + notes(entries, state, args)
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        doc = {"schema": "codec-compare/1", "svdimg": args.svdimg, "svdimg_version": version,
               "pillow": Image.__version__, "libjpeg_turbo": features.version("libjpeg_turbo"),
               "libwebp": features.version("webp"), "bpp": args.bpp, "repeat": args.repeat,
               "crop": args.crop, "shift": args.shift, "v1_missing": state.get("v1_missing"),
               "images": entries, "summary": sum_data}
        args.json.write_text(json.dumps(jsonable(doc), indent=1, ensure_ascii=False) + "\n")
    if args.plot:
        plot(entries, args.plot)
    if any("error" in pt["v2"] for e in entries for pt in e["points"]):
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
