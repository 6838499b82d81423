# Sourced, not run: puts Node >= 22 and the pinned pnpm first on PATH, fetching them into a cache
# folder from the npm registry when this machine lacks them. The project needs Node >= 22 (Middy 7,
# Lambda's nodejs22.x/24.x runtimes) while fresh machines here ship Node 20 and no pnpm, and
# corepack's signature check fails on them, so it is not used.

AWSF_NODE_VERSION=24.21.0
AWSF_CACHE="${AWSF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aws-framework}"
AWSF_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AWSF_PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$AWSF_ROOT/package.json")"

awsf_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

awsf_ensure_node() {
  if [ "$(awsf_node_major)" -ge 22 ]; then return 0; fi
  local dir="$AWSF_CACHE/node-$AWSF_NODE_VERSION"
  if [ ! -x "$dir/bin/node" ]; then
    local arch
    case "$(uname -m)" in
      x86_64) arch=x64 ;;
      aarch64 | arm64) arch=arm64 ;;
      *) echo "toolchain: no Node $AWSF_NODE_VERSION package for $(uname -m)" >&2; return 1 ;;
    esac
    echo "toolchain: fetching Node $AWSF_NODE_VERSION into $dir" >&2
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-$arch@$AWSF_NODE_VERSION" >/dev/null) || return 1
    mkdir -p "$tmp/unpacked" && tar -xzf "$tmp"/node-linux-*.tgz -C "$tmp/unpacked" || return 1
    mkdir -p "$AWSF_CACHE" && rm -rf "$dir" && mv "$tmp/unpacked/package" "$dir" && rm -rf "$tmp"
  fi
  export PATH="$dir/bin:$PATH"
}

awsf_ensure_pnpm() {
  if [ "$(pnpm --version 2>/dev/null)" = "$AWSF_PNPM_VERSION" ]; then return 0; fi
  local dir="$AWSF_CACHE/pnpm-$AWSF_PNPM_VERSION"
  if [ ! -x "$dir/bin/pnpm" ]; then
    echo "toolchain: installing pnpm $AWSF_PNPM_VERSION into $dir" >&2
    npm install --silent --global --prefix "$dir" "pnpm@$AWSF_PNPM_VERSION" >/dev/null || return 1
  fi
  export PATH="$dir/bin:$PATH"
}

awsf_ensure_node && awsf_ensure_pnpm
