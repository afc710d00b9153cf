#!/usr/bin/env bash
# Installs what SwordNet needs, only where something is missing:
#   1. Debian packages listed in scripts/apt-packages.txt (apt-get, as root or via sudo);
#   2. a virtual environment in .venv with the package and the extras named in $EXTRAS.
# Re-running it when nothing changed takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

EXTRAS="${EXTRAS:-dev}"
VENV="${VENV:-.venv}"

missing=()
while read -r package; do
    package="${package%%#*}"; package="${package//[[:space:]]/}"
    [ -z "$package" ] && continue
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done < scripts/apt-packages.txt

if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
        echo "setup: error: need root or sudo to install ${missing[*]}" >&2; exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # Another apt run (an unattended upgrade, a corpus build) may hold apt's locks; the
    # lists lock has no timeout option, so each step is retried for up to ten minutes.
    apt_retry() {
        local tries=0 errors
        errors=$(mktemp)
        until $sudo apt-get -o DPkg::Lock::Timeout=60 "$@" 2>"$errors"; do
            tries=$((tries + 1))
            if ! grep -qi "lock" "$errors" || [ "$tries" -ge 60 ]; then
                cat "$errors" >&2; rm -f "$errors"; return 1
            fi
            echo "setup: apt is busy (another apt-get holds its lock); retrying in 10 s" >&2
            sleep 10
        done
        rm -f "$errors"
    }
    apt_retry update -qq
    apt_retry install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        python="$candidate"; break
    fi
done
if [ -z "$python" ]; then echo "setup: error: Python 3.11 or newer is required" >&2; exit 1; fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV with $($python --version)"
    "$python" -m venv "$VENV"
fi

# Reinstall only when the project's metadata or the extras changed.
stamp="$VENV/.swordnet-installed"
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1) $EXTRAS"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "setup: installing swordnet[$EXTRAS] into $VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[$EXTRAS]"
    echo "$wanted" > "$stamp"
fi
