#!/usr/bin/env bash
# Install everything anomalizer-desktop needs into ./.venv, idempotently.
#
#   bash packaging/install.sh
#
# 1. System libraries (Debian): libportaudio2 for audio playback, Xvfb & the xcb bits Qt needs for
#    a virtual screen. Installed with apt-get when we are root and they are missing.
# 2. torch==2.13.0 first: on the project's machines that is a local CPU wheel (seconds); letting a
#    dependency resolve torch on its own would pull several GB of CUDA wheels.
# 3. The package itself, editable, with its test extras.
# A stamp keyed on pyproject.toml makes a second run a no-op (sub-second).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${ANOMALIZER_VENV:-.venv}
log(){ printf '[install] %s\n' "$*" >&2; }

need_pkgs=()
for p in libportaudio2 xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libxcb-cursor0 \
         libegl1 libgl1 libfontconfig1 libdbus-1-3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "apt-get install ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # wait (up to 5 minutes) for another apt-get to let go of its lock: on a fresh machine the
    # system's own updates often hold it at first, and the install then went on without these
    wait_lock=(-o DPkg::Lock::Timeout=300)
    apt-get install "${wait_lock[@]}" -y -q --no-install-recommends "${need_pkgs[@]}" >/dev/null 2>&1 || {
      apt-get update "${wait_lock[@]}" -q >/dev/null 2>&1 || true
      apt-get install "${wait_lock[@]}" -y -q --no-install-recommends "${need_pkgs[@]}" >/dev/null ||
        log "WARNING: apt-get could not install ${need_pkgs[*]}: audio playback and the" \
            "virtual screen may not work"
    }
  else
    log "WARNING: missing system packages (${need_pkgs[*]}); install them with sudo apt-get install"
  fi
fi

[ -x "$VENV/bin/python" ] || { log "creating $VENV"; "$PY" -m venv "$VENV"; }
stamp="$VENV/.install-stamp"
want=$(cat pyproject.toml packaging/install.sh | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi

export PIP_DISABLE_PIP_VERSION_CHECK=1
log "installing torch==2.13.0 (CPU)"
"$VENV/bin/python" -m pip install -q "torch==2.13.0"
log "installing anomalizer-desktop and its dependencies"
"$VENV/bin/python" -m pip install -q -e ".[test]"
echo "$want" >"$stamp"
log "done: $VENV"
