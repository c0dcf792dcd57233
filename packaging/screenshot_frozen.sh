#!/usr/bin/env bash
# docs/screenshots/frozen.png: the FROZEN app's window (dist/odnix-desktop/odnix-desktop, xcb
# platform plugin) under Xvfb, after compressing a turned photo, a PNG with alpha, a portrait
# photo and a clip generated here. Needs: xvfb, imagemagick (import, convert); a built bundle.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
py="$here/.venv/bin/python"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/odnix-shot.XXXXXX")"
trap 'kill "${apid:-}" "${xpid:-}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$py" packaging/smoke_media.py make "$tmp/in" > /dev/null
rm "$tmp/in/bad.jpg"
"$py" -c "import sys; from pathlib import Path; sys.path.insert(0, '.');
from odnix_desktop.selftest import make_photo; make_photo(Path(sys.argv[1]))" "$tmp/in/portrait.jpg"
display=":$((90 + RANDOM % 100))"
Xvfb "$display" -screen 0 1400x860x24 -nolisten tcp > "$tmp/xvfb.log" 2>&1 & xpid=$!
sleep 1
env -i PATH=/usr/bin:/bin HOME="$tmp" LANG=C.UTF-8 DISPLAY="$display" QT_QPA_PLATFORM=xcb \
  ODNIX_USER_DIR="$tmp/user" ODNIX_COLOR_SCHEME=light \
  dist/odnix-desktop/odnix-desktop --start "$tmp/in/photo.jpg" "$tmp/in/alpha.png" \
  "$tmp/in/portrait.jpg" "$tmp/in/clip.mp4" > "$tmp/app.log" 2>&1 & apid=$!
for _ in $(seq 60); do  # until the four outputs exist
  [ "$(ls "$tmp/user/output" 2>/dev/null | wc -l)" -ge 4 ] && break
  sleep 0.5
done
sleep 2  # the footer and rows refresh
import -display "$display" -window root "$tmp/root.png"
convert "$tmp/root.png" -crop 1280x760+0+0 +repage docs/screenshots/frozen.png
echo "wrote docs/screenshots/frozen.png"
