#!/usr/bin/env bash
# Creates or updates the two Python environments from the lock files.
#
#   .venv-bot      Python 3.10  requirements/bot.lock.txt      (Rasa 3.6.21, rasa-sdk, jieba, ...)
#   .venv-backend  Python 3.11  requirements/backend.lock.txt  (FastAPI, SQLAlchemy 2, ...)
#   and Debian's chromium + fonts-wqy-microhei for the browser tests (`bootstrap.sh browser`)
#   and Debian's haproxy for `make run-cluster` and tests/cluster (`bootstrap.sh balancer`)
#
# Environments are built once per lock-file content in a cache folder
# (YJS_CACHE_DIR, default ~/.cache/yijianshi-assistant) and linked into the
# checkout, so a fresh clone on the same machine reuses them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${YJS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/yijianshi-assistant}"
PIP_VERSION="24.0"

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] 错误 / error: %s\n' "$*" >&2; exit 1; }

# find_python MAJOR.MINOR -> prints an interpreter path or nothing
find_python() {
  local want="$1" cand
  local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
  for cand in "python$want" \
              $(ls -d "$pyenv_root"/versions/"$want".*/bin/python"$want" 2>/dev/null | sort -V -r) \
              "/usr/bin/python$want" "/usr/local/bin/python$want" python3; do
    if command -v "$cand" >/dev/null 2>&1 || [ -x "$cand" ]; then
      if "$cand" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$want' else 1)" 2>/dev/null \
         && "$cand" -c "import venv, ensurepip" 2>/dev/null; then
        command -v "$cand" 2>/dev/null || echo "$cand"
        return 0
      fi
    fi
  done
  return 1
}

how_to_get() {
  cat >&2 <<MSG
[setup] Python $1 was not found (looked on PATH, in \$PYENV_ROOT/versions and /usr/bin).
        Rasa 3.6.21 needs Python 3.10 exactly; the backend needs Python 3.11.
        Install it with one of:
          pyenv install $1        (https://github.com/pyenv/pyenv; then re-run this command)
          uv python install $1    (then add its bin folder to PATH)
          apt-get install python$1 python$1-venv   (where your distribution ships it)
        Or point to an interpreter: PYTHON$2=/path/to/python$1 make run
MSG
  exit 1
}

# ensure_env NAME PYTHON LOCKFILE
ensure_env() {
  local name="$1" py="$2" lock="$3"
  local link="$ROOT/.venv-$name"
  local hash
  hash="$( (cat "$lock"; "$py" -c 'import sys; print(sys.version)'; echo "$PIP_VERSION") | sha256sum | cut -c1-16)"
  local target="$CACHE_DIR/venvs/$name-$hash"

  if [ -f "$link/.yjs-lock-hash" ] && [ "$(cat "$link/.yjs-lock-hash")" = "$hash" ]; then
    return 0   # up to date (a real folder or a link into the cache)
  fi
  if [ ! -f "$target/.yjs-lock-hash" ]; then
    say "building the $name environment ($(basename "$py"), $(basename "$lock")) - first time only, a few minutes"
    rm -rf "$target"                 # a build that was interrupted is redone
    mkdir -p "$CACHE_DIR/venvs"
    local install_log="$CACHE_DIR/venvs/$name-$hash.install.log"
    "$py" -m venv "$target"
    if ! { "$target/bin/python" -m pip install --disable-pip-version-check "pip==$PIP_VERSION" \
           && "$target/bin/python" -m pip install --disable-pip-version-check --no-deps -r "$lock"; } \
         > "$install_log" 2>&1; then
      grep -v '^WARNING: Location' "$install_log" | tail -n 30 >&2
      die "installing $lock failed; full log: $install_log"
    fi
    "$target/bin/python" -m pip check >/dev/null \
      || { "$target/bin/python" -m pip check; die "the $name environment is inconsistent"; }
    echo "$hash" > "$target/.yjs-lock-hash"   # written last: marks a complete build
  fi
  if [ -e "$link" ] && [ ! -L "$link" ]; then
    rm -rf "$link.old" && mv "$link" "$link.old" && rm -rf "$link.old"
  fi
  ln -sfn "$target" "$link"
  say "$name environment ready: $link -> $target"
}

# ensure_browser: Debian's Chromium and a CJK font for the browser tests (tests/browser).
# Playwright's own browser download cannot work here; the tests launch /usr/bin/chromium.
# Skipped when present; without root or apt-get the browser tests skip with the reason.
BROWSER_PACKAGES="chromium fonts-wqy-microhei"
ensure_browser() {
  if [ -x /usr/bin/chromium ] && [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
    return 0
  fi
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    say "Chromium for the browser tests is missing; as root: apt-get install -y --no-install-recommends $BROWSER_PACKAGES (the browser tests skip until then)"
    return 0
  fi
  local log="$CACHE_DIR/apt-browser.log"
  mkdir -p "$CACHE_DIR"
  say "installing $BROWSER_PACKAGES for the browser tests (first time only)"
  # the package lists only when apt does not know the packages yet
  if ! apt-cache show chromium fonts-wqy-microhei >/dev/null 2>&1; then
    apt-get update > "$log" 2>&1 || { tail -n 20 "$log" >&2; die "apt-get update failed; full log: $log"; }
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $BROWSER_PACKAGES >> "$log" 2>&1 \
    || { tail -n 20 "$log" >&2; die "installing $BROWSER_PACKAGES failed; full log: $log"; }
  say "browser ready: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
}

# ensure_balancer: Debian's HAProxy for `make run-cluster` and tests/cluster (scripts/cluster.py).
# Skipped when present; without root or apt-get the cluster tests skip with the reason.
ensure_balancer() {
  if command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ]; then
    return 0
  fi
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    say "HAProxy for the cluster is missing; as root: apt-get install -y --no-install-recommends haproxy (the cluster tests skip until then)"
    return 0
  fi
  local log="$CACHE_DIR/apt-haproxy.log"
  mkdir -p "$CACHE_DIR"
  say "installing haproxy for the cluster (first time only)"
  if ! apt-cache show haproxy >/dev/null 2>&1; then
    apt-get update > "$log" 2>&1 || { tail -n 20 "$log" >&2; die "apt-get update failed; full log: $log"; }
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy >> "$log" 2>&1 \
    || { tail -n 20 "$log" >&2; die "installing haproxy failed; full log: $log"; }
}

PY310="${PYTHON310:-$(find_python 3.10 || true)}"
[ -n "$PY310" ] || how_to_get 3.10 310
PY311="${PYTHON311:-$(find_python 3.11 || true)}"
[ -n "$PY311" ] || how_to_get 3.11 311

case "${1:-all}" in
  bot)     ensure_env bot "$PY310" "$ROOT/requirements/bot.lock.txt" ;;
  backend) ensure_env backend "$PY311" "$ROOT/requirements/backend.lock.txt" ;;
  browser) ensure_browser ;;
  balancer) ensure_balancer ;;
  all)     ensure_env bot "$PY310" "$ROOT/requirements/bot.lock.txt"
           ensure_env backend "$PY311" "$ROOT/requirements/backend.lock.txt"
           ensure_browser
           ensure_balancer ;;
  *)       die "usage: scripts/bootstrap.sh [bot|backend|browser|balancer|all]" ;;
esac
