#!/bin/sh
# Regenerates the pictures the README shows, from a bundled sample. Run from the repository root:
#   sh docs/make-images.sh
set -e
cargo build --release --quiet
svdimg=target/release/svdimg
$svdimg grid samples/coffee.png --ranks 1,5,10,20,50,100 --tile-width 200 \
    -o docs/grid.png --plot docs/quality.png --force --quiet > /dev/null
$svdimg spectrum samples/coffee.png --plot docs/spectrum.png --force --quiet > /dev/null
$svdimg explain "4 0; 3 5" --plot docs/geometry.png --gif docs/geometry.gif --force > /dev/null
tmp=$(mktemp -d)
$svdimg denoise samples/astronaut.png -o "$tmp/denoised.png" --add-noise 25 --seed 7 \
    --sheet docs/denoise.jpg --force --quiet > /dev/null
rm -r "$tmp"
echo "wrote docs/grid.png docs/quality.png docs/spectrum.png docs/geometry.png docs/geometry.gif docs/denoise.jpg"
