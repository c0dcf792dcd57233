#!/usr/bin/env bash
# Build the one-folder bundle dist/odnix-desktop/ (two executables: odnix-desktop, odnix-compress)
# with PyInstaller from build.spec, check it, add the Linux menu entry and icons, and pack
# dist/odnix-desktop-<version>-<os>-<arch>.tar.gz.
#
# Run it through `bash packaging/dev.sh build`, which first installs `.[build]` into .venv.
# $ODNIX_PY is the Python that has the app's dependencies and PyInstaller.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
py="${ODNIX_PY:-.venv/bin/python}"
bundle=dist/odnix-desktop

t0=$(date +%s)
rm -rf "$bundle"
"$py" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller build.spec

# Linux extras: a menu entry and its icons, with a script that installs them for the user.
mkdir -p "$bundle/share/applications" "$bundle/share/icons"
cp packaging/linux/odnix-desktop.desktop "$bundle/share/applications/"
for size in 64 256 512; do
  cp "resources/odnix-$size.png" "$bundle/share/icons/odnix-desktop-$size.png"
done
cp packaging/linux/install-desktop-entry.sh "$bundle/"
chmod +x "$bundle/install-desktop-entry.sh"

"$py" packaging/check_bundle.py "$bundle"

# The version the bundle itself reports (read once, from odnix_desktop/__init__.py).
version="$("$bundle/odnix-compress" --version | awk '{print $2}')"
os="$(uname -s | tr '[:upper:]' '[:lower:]')"
arch="$(uname -m)"
tarball="dist/odnix-desktop-$version-$os-$arch.tar.gz"
rm -f dist/odnix-desktop-*.tar.gz
tar -C dist -cf - odnix-desktop | gzip -6 > "$tarball.part"
mv "$tarball.part" "$tarball"

echo "build: $bundle ($(du -sh --apparent-size "$bundle" | cut -f1) unpacked)," \
     "$tarball ($(du -sh --apparent-size "$tarball" | cut -f1)) in $(( $(date +%s) - t0 )) s"
