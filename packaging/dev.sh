#!/usr/bin/env bash
# Set up everything on a fresh machine, then run the app or the tests.
#
#   bash packaging/dev.sh app [FILES...]   start Odnix Desktop (the window)
#   bash packaging/dev.sh test [ARGS...]   run the whole test suite (what CI runs)
#   bash packaging/dev.sh cli [ARGS...]    run odnix-compress
#   bash packaging/dev.sh bench NAME       run benchmarks/bench_NAME.py
#   bash packaging/dev.sh build            build dist/odnix-desktop/ and its tar.gz (PyInstaller)
#
# With CI=true or ODNIX_SMOKE=1, `test` then builds the bundle and runs packaging/smoke.sh.
#
# Needs Python 3.11+ (python3 on PATH, or $PYTHON). Creates .venv beside this
# repository's pyproject.toml and reinstalls it only when pyproject.toml changed.
# On Debian/Ubuntu, as root, it also installs the few system libraries Qt needs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
venv="$here/.venv"
py="${PYTHON:-python3}"

need_debs=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0)
# The bundle carries the build machine's X11 libraries for Qt's xcb plugin (PyInstaller collects
# what is installed), binutils for PyInstaller, and Xvfb for smoke.sh's xcb check.
build_debs=(libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
            libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0 binutils xvfb xauth)
install_debs() {
  command -v dpkg >/dev/null 2>&1 || return 0
  command -v apt-get >/dev/null 2>&1 || return 0
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "dev.sh: please install: ${missing[*]} (sudo apt-get install ...)" >&2
    return 0
  fi
  echo "dev.sh: apt-get install ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

setup() {
  local extras="$1"
  "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "dev.sh: Python 3.11 or newer is needed ($py is $("$py" --version 2>&1))" >&2; exit 2; }
  install_debs "${need_debs[@]}"
  [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
  local stamp="$venv/.dev-stamp-$extras"
  local want
  want="$(cat pyproject.toml | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -e ".[$extras]"
    echo "$want" > "$stamp"
  fi
}

cmd="${1:-}"; shift || true
case "$cmd" in
  app)
    setup test
    exec "$venv/bin/odnix-desktop" "$@" ;;
  cli)
    setup test
    exec "$venv/bin/odnix-compress" "$@" ;;
  test)
    setup test
    export QT_QPA_PLATFORM=offscreen
    "$venv/bin/lint-imports"
    "$venv/bin/ruff" check odnix_desktop tests benchmarks packaging docs
    "$venv/bin/ruff" format --check odnix_desktop tests benchmarks packaging docs
    "$venv/bin/mypy" odnix_desktop
    if [ "${CI:-}" = true ] || [ "${ODNIX_SMOKE:-}" = 1 ]; then
      status=0
      "$venv/bin/python" -m pytest "$@" || status=$?
      [ "$status" -eq 0 ] || exit "$status"
      exec bash packaging/smoke.sh
    fi
    exec "$venv/bin/python" -m pytest "$@" ;;
  build)
    setup build
    install_debs "${build_debs[@]}"
    ODNIX_PY="$venv/bin/python" exec bash packaging/build.sh "$@" ;;
  bench)
    setup "test,bench"
    name="${1:?which benchmark: images, video, gui}"; shift
    exec "$venv/bin/python" "benchmarks/bench_${name}.py" "$@" ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2 ;;
esac
