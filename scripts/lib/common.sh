# Shared by scripts/demo and scripts/test: install what is missing, configure, build.
# Quiet when everything is already in place.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${WAFERSIM_BUILD_DIR:-$ROOT/build}"

# Debian packages the build, the tests and the plots need.
WAFERSIM_PACKAGES=(
  g++ make cmake pkg-config ccache
  verilator libsystemc-dev
  libfmt-dev libcli11-dev nlohmann-json3-dev libtomlplusplus-dev catch2
  python3 python3-matplotlib
  gtkwave
  nodejs npm
)

install_missing_packages() {
  local missing=()
  for p in "${WAFERSIM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # Node and npm may come from elsewhere than Debian (a preinstalled Node counts).
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    local keep=()
    for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || keep+=("$p"); done
    missing=("${keep[@]}")
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "wafersim: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

configure_and_build() {
  mkdir -p "$BUILD_DIR"
  if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >"$BUILD_DIR/configure.log" 2>&1 \
      || { cat "$BUILD_DIR/configure.log"; echo "wafersim: cmake configure failed"; exit 1; }
  fi
  local log="$BUILD_DIR/build.log"
  # Verilator names its output files by content hash and CMake learns the new list only on
  # its next run, so after an RTL change the first build can trip on stale files; the
  # second one (CMake has re-run by then) is the real verdict.
  cmake --build "$BUILD_DIR" -j2 >"$log" 2>&1 || cmake --build "$BUILD_DIR" -j2 >"$log" 2>&1 \
    || { tail -n 60 "$log"; echo "wafersim: build failed"; exit 1; }
}

# yosys for the area reports: the @yowasp/yosys WebAssembly build from npm (Debian's 0.23
# rejects the RTL's multi-dimensional packed ports). Installed once under .cache/.
YOWASP_VERSION="0.55.944"
YOWASP_DIR="${WAFERSIM_YOWASP_DIR:-$ROOT/.cache/yowasp}"

install_yosys_wasm() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt 20 ]; then
    echo "wafersim: yosys (WebAssembly) needs Node.js 20 or later, found ${major}; synthesis checks skipped"
    return 1
  fi
  [ -d "$YOWASP_DIR/node_modules/@yowasp/yosys" ] && return 0
  echo "wafersim: installing @yowasp/yosys into $YOWASP_DIR"
  mkdir -p "$YOWASP_DIR"
  (cd "$YOWASP_DIR" && npm install --silent --no-audit --no-fund "@yowasp/yosys@$YOWASP_VERSION" >/dev/null 2>&1) \
    || { echo "wafersim: npm could not install @yowasp/yosys; synthesis checks will be skipped"; return 1; }
}
