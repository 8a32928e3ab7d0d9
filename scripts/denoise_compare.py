#!/usr/bin/env python3
"""Compare `svdimg denoise` with BM3D (CBM3D for colour) on synthetic Gaussian noise.

Setup and run from the repository root:

    cargo build --release
    python3 -m venv .venv && .venv/bin/pip install -r scripts/requirements.txt
    .venv/bin/python scripts/denoise_compare.py samples/*.png samples/*.jpg \
        --sigmas 15,25,50 --crop 512 --markdown target/denoise-compare/report.md

For every image and sigma the (centre-cropped) image is the clean reference, and
noisy = clip(round(clean + N(0, sigma^2))) is saved as a PNG that both tools read.
The noise comes from numpy's default_rng([seed, image index, sigma]), so it depends
on the order of the images on the command line. BM3D runs in a subprocess of this
script (`--bm3d-one NOISY SIGMA OUT`) and its result is cached next to the noisy
file, keyed by the noisy file's SHA-256: re-running only re-runs svdimg.
PSNR and SSIM (data range 255; SSIM with scikit-image's default 7x7 window) are
computed here from the PNG files. Times are subprocess wall times (BM3D's include
Python start-up and imports, ~1.3 s, and it may use more than one core).
"""
import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

METHODS = ["noisy", "bm3d", "given", "est"]
HEADERS = ["noisy", "BM3D", "svdimg (given σ)", "svdimg (estimated σ)"]


def bm3d_one(noisy_path, sigma, out_path):
    """Helper mode: denoise one PNG with BM3D / CBM3D (default profile)."""
    from importlib.metadata import version

    import bm3d

    noisy = np.asarray(Image.open(noisy_path), dtype=np.float64) / 255.0
    start = time.perf_counter()
    if noisy.ndim == 3:
        den = bm3d.bm3d_rgb(noisy, sigma / 255.0)
    else:
        den = bm3d.bm3d(noisy, sigma / 255.0)
    seconds = time.perf_counter() - start
    out = np.clip(np.round(np.asarray(den) * 255.0), 0, 255).astype(np.uint8)
    Image.fromarray(out.reshape(noisy.shape)).save(out_path)
    print(json.dumps({"compute_seconds": seconds, "bm3d_version": version("bm3d")}))


def load_clean(path, crop, grey):
    img = Image.open(path)
    img = img.convert("L" if grey or img.mode in ("1", "L", "LA") else "RGB")
    arr = np.asarray(img)
    if crop > 0:
        h, w = arr.shape[:2]
        ch, cw = min(h, crop), min(w, crop)
        top, left = (h - ch) // 2, (w - cw) // 2
        arr = arr[top:top + ch, left:left + cw]
    return np.ascontiguousarray(arr)


def load_as(path, clean):
    """Load a result PNG in the clean image's colour mode (L or RGB)."""
    arr = np.asarray(Image.open(path).convert("L" if clean.ndim == 2 else "RGB"))
    if arr.shape != clean.shape:
        raise SystemExit(f"{path}: shape {arr.shape} differs from clean {clean.shape}")
    return arr


def metrics(clean, path):
    x = load_as(path, clean)
    psnr = peak_signal_noise_ratio(clean, x, data_range=255)
    ssim = structural_similarity(clean, x, data_range=255,
                                 channel_axis=-1 if clean.ndim == 3 else None)
    return float(psnr), float(ssim)


def timed(cmd):
    start = time.perf_counter()
    proc = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)
    return time.perf_counter() - start, proc.stdout


def run_bm3d(noisy, sigma, work):
    """Run BM3D on noisy.png unless a cached result for the same noisy bytes exists."""
    out, meta_path = work / "bm3d.png", work / "bm3d.json"
    digest = hashlib.sha256(noisy.read_bytes()).hexdigest()
    if out.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("noisy_sha256") == digest and meta.get("sigma") == sigma:
            return out, meta["seconds"], True
    cmd = [sys.executable, str(Path(__file__).resolve()), "--bm3d-one",
           str(noisy), str(sigma), str(out)]
    seconds, stdout = timed(cmd)
    meta = {"noisy_sha256": digest, "sigma": sigma, "seconds": seconds,
            **json.loads(stdout.strip().splitlines()[-1])}
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return out, seconds, False


def evaluate(index, path, sigma, args):
    clean = load_clean(path, args.crop, args.grey)
    tag = f"{path.stem}{'-grey' if args.grey else ''}-c{args.crop}"
    work = args.out / tag / f"sigma{sigma}"
    work.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([args.seed, index, sigma])
    noisy = clean + rng.normal(0.0, sigma, clean.shape)
    noisy = np.clip(np.round(noisy), 0, 255).astype(np.uint8)
    Image.fromarray(clean).save(work / "clean.png")
    Image.fromarray(noisy).save(work / "noisy.png")

    files = {"noisy": work / "noisy.png"}
    files["bm3d"], t_bm3d, cached = run_bm3d(files["noisy"], sigma, work)
    row = {"image": path.name, "size": f"{clean.shape[1]}×{clean.shape[0]}"
           + ("" if clean.ndim == 3 else " grey"), "sigma": sigma, "t_bm3d": t_bm3d}
    if not args.skip_svdimg:
        for key, extra in (("given", ["--sigma", str(sigma)]), ("est", [])):
            files[key] = work / f"svdimg_{key}.png"
            cmd = [args.svdimg, "denoise", str(files["noisy"]), "-o", str(files[key]), "--force", "--quiet"]
            row[f"t_{key}"], _ = timed(cmd + extra)
    for key, file in files.items():
        row[key] = metrics(clean, file)
    note = " (cached)" if cached else ""
    print(f"{path.name} σ={sigma}: BM3D {row['bm3d'][0]:.2f} dB in {t_bm3d:.1f} s{note}",
          file=sys.stderr)
    return row


def fmt(pair):
    return f"{pair[0]:.2f} / {pair[1]:.4f}" if pair else "—"


def mean(values):
    return float(np.mean(values)) if values else float("nan")


def table(rows, have_svdimg):
    head = ["image", "size", "σ"] + [f"{h} PSNR/SSIM" for h in HEADERS] + [
        "Δ PSNR svdimg−BM3D", "BM3D s", "svdimg s (given / est)", "speed-up"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["image"], r["size"], str(r["sigma"])] + [fmt(r.get(m)) for m in METHODS]
        if have_svdimg:
            cells += [f"{r['given'][0] - r['bm3d'][0]:+.2f}", f"{r['t_bm3d']:.2f}",
                      f"{r['t_given']:.2f} / {r['t_est']:.2f}",
                      f"{r['t_bm3d'] / r['t_given']:.1f}×"]
        else:
            cells += ["—", f"{r['t_bm3d']:.2f}", "—", "—"]
        lines.append("| " + " | ".join(cells) + " |")

    lines += ["", "| summary | " + " | ".join(f"mean {h} PSNR" for h in HEADERS) + " |",
              "|---|" + "---|" * len(HEADERS)]
    methods = METHODS if have_svdimg else METHODS[:2]
    groups = [(f"σ = {s}", [r for r in rows if r["sigma"] == s])
              for s in sorted({r["sigma"] for r in rows})] + [("all", rows)]
    for label, group in groups:
        cells = [f"{mean([r[m][0] for r in group]):.2f}" if m in methods else "—"
                 for m in METHODS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    if have_svdimg:
        dpsnr = [r["given"][0] - r["bm3d"][0] for r in rows]
        worst = min(rows, key=lambda r: r["given"][0] - r["bm3d"][0])
        lines += [
            "",
            f"- mean Δ PSNR svdimg(given)−BM3D: {mean(dpsnr):+.2f} dB",
            f"- worst Δ PSNR: {min(dpsnr):+.2f} dB ({worst['image']}, σ={worst['sigma']})",
            f"- mean Δ SSIM svdimg(given)−BM3D: "
            f"{mean([r['given'][1] - r['bm3d'][1] for r in rows]):+.4f}",
            f"- mean speed-up BM3D/svdimg(given): "
            f"{mean([r['t_bm3d'] / r['t_given'] for r in rows]):.1f}×",
            f"- mean |PSNR(est) − PSNR(given)|: "
            f"{mean([abs(r['est'][0] - r['given'][0]) for r in rows]):.3f} dB",
        ]
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("images", nargs="*", type=Path, help="PNG/JPEG images")
    p.add_argument("--sigmas", default="15,25,50", help="comma-separated integer noise σ on the 0–255 scale")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--svdimg", default="target/release/svdimg", help="svdimg binary")
    p.add_argument("--out", type=Path, default=Path("target/denoise-compare"),
                   help="work directory (also holds the BM3D cache)")
    p.add_argument("--crop", type=int, default=512,
                   help="centre crop to at most N×N pixels, 0 = whole image")
    p.add_argument("--grey", action="store_true", help="convert images to grey first")
    p.add_argument("--skip-svdimg", action="store_true", help="only noisy and BM3D")
    p.add_argument("--markdown", type=Path, help="also write the table to this file")
    p.add_argument("--bm3d-one", nargs=3, metavar=("NOISY", "SIGMA", "OUT"),
                   help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.bm3d_one:
        noisy, sigma, out = args.bm3d_one
        bm3d_one(noisy, int(sigma), out)
        return
    if not args.images:
        p.error("no images given")
    if not args.skip_svdimg and shutil.which(args.svdimg) is None:
        p.error(f"svdimg binary {args.svdimg} not found: build it "
                "(cargo build --release), pass --svdimg PATH or use --skip-svdimg")
    sigmas = [int(s) for s in args.sigmas.split(",") if s.strip()]
    rows = [evaluate(i, path, s, args)
            for i, path in enumerate(args.images) for s in sigmas]
    text = table(rows, not args.skip_svdimg)
    print(text, end="")
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text)


if __name__ == "__main__":
    main()
