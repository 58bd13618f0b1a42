#!/usr/bin/env bash
# Renders assets/shear.svg into the PNG sizes a Linux desktop (hicolor theme), jpackage and the
# JavaFX window need. Needs rsvg-convert (Debian: apt-get install librsvg2-bin).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
command -v rsvg-convert >/dev/null || { echo "render-icons: rsvg-convert missing (apt-get install librsvg2-bin)" >&2; exit 2; }
mkdir -p "$here/icons"
sizes=(16 24 32 48 64 128 256 512)
for size in "${sizes[@]}"; do
  rsvg-convert --width "$size" --height "$size" --format png \
    --output "$here/icons/shear-$size.png" "$here/shear.svg"
done
echo "render-icons: wrote ${#sizes[@]} PNGs to $here/icons"
