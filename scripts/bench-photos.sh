#!/usr/bin/env bash
# Fetches the large real photos the performance figures in the README were measured on, from
# Debian's wallpaper packages (apt-get download: no root needed, nothing installed), into DIR
# (default: bench-photos/), and prints the SVDIMG_BENCH_PHOTOS line for the benches.
#
#   eval "$(bash scripts/bench-photos.sh)"   # then: cargo bench --bench compress -- real
#
# The photos stay out of the repository: they are large, and their licences (GPL-2+ for
# mate-backgrounds, CC-BY / CC-BY-SA for lomiri-wallpapers-16.04) ask for attribution that a
# bench input does not carry. Tuning used elephants and Kleiber; the others are the held-out set.
set -euo pipefail
dir=${1:-bench-photos}
mkdir -p "$dir"
cd "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download mate-backgrounds lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 \
    plasma-workspace-wallpapers >/dev/null)
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/x"; done
pick() { # pick SOURCE-NAME TARGET-NAME
    local found
    found=$(find "$work/x" -name "$1" -print -quit)
    [ -n "$found" ] || { echo "bench-photos: $1 not found in the packages" >&2; exit 1; }
    cp "$found" "$2"
}
pick Elephants_5640x3172.jpg elephants-5640x3172.jpg          # mate-backgrounds: scenery, 17.9 MP
pick Kleiber_by_Lukas_Baubkus.jpg kleiber-6028x3391.jpg       # lomiri 20.04: bird on bark, blur, 20.4 MP
pick seeding_by_Clements_Engelhardt.jpg seeding-5312x2988.jpg # lomiri 16.04: meadow, 15.9 MP
pick Dragonfly_by_Bolly.jpg dragonfly-4224x3168.jpg           # lomiri 16.04: foliage, 13.4 MP
pick sunset_by_Aitzol_Berasategi.jpg sunset-4272x2848.jpg     # lomiri 16.04: mountains, 12.2 MP
pick Bridge_by_Sander_Klootwijk.jpg bridge-4352x2448.jpg      # lomiri 16.04: sky, cables, 10.7 MP
pick Storm.jpg storm-1920x1280.jpg                            # mate-backgrounds: stormy sky
pick Dune.jpg dune.jpg                                        # mate-backgrounds: fine grass texture
pick GreenMeadow.jpg greenmeadow.jpg                          # mate-backgrounds: meadow
pick LadyBird.jpg ladybird.jpg                                # mate-backgrounds: insect on a leaf
pick TwoWings.jpg twowings.jpg                                # mate-backgrounds: butterfly, blur
pick friends_by_Aitzol_Berasategi.jpg friends-2056x3088.jpg   # lomiri 16.04: dogs at a window
# The block codec's last held-out set (docs/codec-compare-fresh.md): plasma-workspace-wallpapers,
# GPL-2+ (LGPLv3 in each wallpaper's metadata), all 2560×1600.
wall() { # wall WALLPAPER TARGET-NAME
    local found="$work/x/usr/share/wallpapers/$1/contents/images/2560x1600.jpg"
    [ -f "$found" ] || { echo "bench-photos: wallpaper $1 not found in the packages" >&2; exit 1; }
    cp "$found" "$2"
}
wall OneStandsOut moss.jpg                # Risto Saukonpää: moss shoots, texture
wall Path forest-path.jpg                 # Risto Saukonpää: spruce forest floor, texture
wall EveningGlow rowing-boats-gravel.jpg  # Ian Hex: boats on gravel, texture
wall Kite kite-sky.jpg                    # Risto Saukonpää: sky and a kite, smooth
wall DarkestHour foggy-lake.jpg           # Risto Saukonpää: foggy lake, smooth
wall summer_1am dusk-lake.jpg             # Risto Saukonpää: lake at night, smooth
wall ColorfulCups colorful-cups.jpg       # Dmitri Popov: stacked cups
wall Grey facade-grey.jpg                 # Sigi Sagi: facade, one-channel JPEG
wall FallenLeaf fallen-leaf.jpg           # Martin Klapetek: leaf on grass, bokeh
wall BytheWater lakeside-planks.jpg       # Maciej Wiklo: planks by a lake
large=""
for f in elephants-5640x3172.jpg kleiber-6028x3391.jpg seeding-5312x2988.jpg dragonfly-4224x3168.jpg sunset-4272x2848.jpg bridge-4352x2448.jpg; do
    large="${large:+$large:}$PWD/$f"
done
echo "export SVDIMG_BENCH_PHOTOS='$large'"
