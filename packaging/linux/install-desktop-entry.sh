#!/bin/sh
# Add Odnix Desktop to the applications menu of the current user (no root needed):
#   ./install-desktop-entry.sh            from the unpacked odnix-desktop/ folder
#   ./install-desktop-entry.sh --remove   take it out again
# The menu entry starts this folder's odnix-desktop, so keep the folder where it is.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor"
if [ "${1:-}" = "--remove" ]; then
  rm -f "$apps/odnix-desktop.desktop" "$icons"/*/apps/odnix-desktop.png
  echo "Removed Odnix Desktop from the menu."
  exit 0
fi
mkdir -p "$apps"
for size in 64 256 512; do
  if [ -f "$here/share/icons/odnix-desktop-$size.png" ]; then
    mkdir -p "$icons/${size}x$size/apps"
    cp "$here/share/icons/odnix-desktop-$size.png" "$icons/${size}x$size/apps/odnix-desktop.png"
  fi
done
sed "s|^Exec=.*|Exec=\"$here/odnix-desktop\" %F|" "$here/share/applications/odnix-desktop.desktop" \
  > "$apps/odnix-desktop.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$apps" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$icons" || true
echo "Added Odnix Desktop to the menu ($apps/odnix-desktop.desktop)."
