#!/usr/bin/env bash
# Smoke test of the frozen bundle, with no Python environment visible.
#
#   bash packaging/smoke.sh          (CI: `bash packaging/dev.sh test` runs it after pytest)
#
# Builds dist/odnix-desktop/ (or reuses it when it is newer than every source), makes the inputs
# with the venv's Python and ffmpeg, then runs the bundle under `env -i PATH=/usr/bin:/bin`:
#   1. odnix-compress --json on a turned JPEG with GPS, a PNG with alpha and a clip: each
#      output checked (dimensions, upright, no GPS, alpha, H.264 within the reel limits);
#   2. odnix-desktop --self-test (offscreen, through the window's real pools);
#   3. a bad file: exit status 1 and a message naming it;
#   4. the subcommands are there (history, login --help);
#   5. the xcb platform plugin shows the window under Xvfb (skipped without xvfb-run).
# Ends with "smoke: N passed, M failed"; exit 1 if any failed. ODNIX_SMOKE_REBUILD=1 forces a build.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
py="$here/.venv/bin/python"
bundle="$here/dist/odnix-desktop"

fresh() {
  [ -x "$bundle/odnix-compress" ] && [ -x "$bundle/odnix-desktop" ] || return 1
  [ "${ODNIX_SMOKE_REBUILD:-}" = 1 ] && return 1
  [ -z "$(find odnix_desktop resources build.spec pyproject.toml packaging/pyinstaller packaging/stub_libs.py \
           -newer "$bundle/odnix-compress" -type f ! -name '*.pyc' -print -quit)" ]
}
if fresh; then
  echo "smoke: reusing $bundle (newer than every source)"
else
  bash packaging/dev.sh build
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/odnix-smoke.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home"
"$py" packaging/smoke_media.py make "$tmp/in"

# No Python, no venv, no PYTHONPATH, no display: only what the bundle carries.
bare() { env -i PATH=/usr/bin:/bin HOME="$tmp/home" LANG=C.UTF-8 "$@"; }

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "smoke: ok: $*"; }
bad() { failed=$((failed + 1)); echo "smoke: FAILED: $*" >&2; }

# 1. Compress a photo, a PNG with alpha and a clip.
status=0
bare "$bundle/odnix-compress" --json -o "$tmp/out" "$tmp/in/photo.jpg" "$tmp/in/alpha.png" "$tmp/in/clip.mp4" \
  > "$tmp/results.jsonl" 2> "$tmp/compress.err" || status=$?
if [ "$status" -ne 0 ]; then
  bad "odnix-compress --json exited $status: $(tail -5 "$tmp/compress.err")"
elif "$py" packaging/smoke_media.py check "$tmp/results.jsonl"; then
  ok "odnix-compress --json: photo, PNG with alpha and clip checked"
else
  bad "odnix-compress --json outputs (see above)"
fi

# 2. The window's self-test, offscreen.
status=0
bare "$bundle/odnix-desktop" --self-test > "$tmp/selftest.out" 2> "$tmp/selftest.err" || status=$?
sed 's/^/  /' "$tmp/selftest.out"
if [ "$status" -eq 0 ] && grep -q "^self-test: passed" "$tmp/selftest.out"; then
  ok "odnix-desktop --self-test"
else
  bad "odnix-desktop --self-test exited $status: $(grep -v propagateSizeHints "$tmp/selftest.err" | tail -5)"
fi

# 3. A bad file: exit status 1 and a clear message naming it.
status=0
bare "$bundle/odnix-compress" -o "$tmp/out" "$tmp/in/bad.jpg" > "$tmp/bad.out" 2> "$tmp/bad.err" || status=$?
if [ "$status" -eq 1 ] && grep -q "failed: bad.jpg: is damaged and cannot be opened" "$tmp/bad.err"; then
  ok "bad file: exit 1, \"$(head -1 "$tmp/bad.err")\""
else
  bad "bad file: exit $status, stderr: $(head -3 "$tmp/bad.err")"
fi

# 4. Every subcommand is in the bundle.
status=0
bare "$bundle/odnix-compress" history --json > "$tmp/history.out" 2>&1 || status=$?
for sub in login logout upload; do
  bare "$bundle/odnix-compress" "$sub" --help > /dev/null 2>> "$tmp/history.out" || status=$?
done
if [ "$status" -eq 0 ]; then
  ok "subcommands history, login, logout, upload"
else
  bad "subcommands: $(tail -3 "$tmp/history.out")"
fi

# 5. The xcb platform plugin (a real X server), when Xvfb is installed.
if command -v xvfb-run > /dev/null 2>&1; then
  status=0
  env -i PATH=/usr/bin:/bin HOME="$tmp/home" LANG=C.UTF-8 QT_QPA_PLATFORM=xcb \
    xvfb-run -a "$bundle/odnix-desktop" --quit-after-show > "$tmp/xcb.out" 2>&1 || status=$?
  if [ "$status" -eq 0 ] && grep -q "^shown " "$tmp/xcb.out"; then
    ok "window shown with the xcb plugin under Xvfb ($(grep '^shown' "$tmp/xcb.out"))"
  else
    bad "xcb: exit $status: $(tail -3 "$tmp/xcb.out")"
  fi
else
  echo "smoke: skipped: xcb under Xvfb (apt-get install xvfb)"
fi

echo "smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
