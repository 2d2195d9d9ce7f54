#!/usr/bin/env bash
# Put anomalizer in the desktop's application menu (freedesktop.org: GNOME, KDE, Xfce...):
# a desktop entry and the icon under ~/.local/share, pointing at this checkout's .venv.
#   bash packaging/desktop-entry.sh            # install (run packaging/install.sh first)
#   bash packaging/desktop-entry.sh --remove   # take it out again
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
ENTRY="$DATA/applications/anomalizer-desktop.desktop"
ICON="$DATA/icons/hicolor/scalable/apps/anomalizer-desktop.svg"
if [[ "${1:-}" == "--remove" ]]; then
    rm -f "$ENTRY" "$ICON"
    echo "removed $ENTRY and $ICON"
    exit 0
fi
APP="$PWD/.venv/bin/anomalizer-desktop"
if [[ ! -x "$APP" ]]; then
    echo "no $APP yet: run bash packaging/install.sh first" >&2
    exit 1
fi
mkdir -p "$(dirname "$ENTRY")" "$(dirname "$ICON")"
cp resources/icons/anomalizer-desktop.svg "$ICON"
cat > "$ENTRY" <<DESKTOP
[Desktop Entry]
Type=Application
Name=anomalizer
GenericName=Sample library outlier finder
Comment=Find the loops in your sample library that don't fit
Exec="$APP" %F
Icon=anomalizer-desktop
Terminal=false
Categories=AudioVideo;Audio;Music;
Keywords=loops;samples;audio;anomaly;DAW;
StartupWMClass=anomalizer-desktop
DESKTOP
command -v update-desktop-database >/dev/null && update-desktop-database -q "$(dirname "$ENTRY")" || true
echo "installed $ENTRY (menu: anomalizer) and $ICON"
