# Helpers for the recipes in images/recipes/. A recipe is sourced in a subshell with REPO and TAG set
# (e.g. REPO=node TAG=20-bookworm-slim) and defines:
#   recipe_resolve        parse TAG; `fail "why"` if the bed cannot provide it (required)
#   recipe_deps           refs this image is built FROM (default: none)
#   recipe_fingerprint    extra inputs that must rebuild the image when they change (default: none)
#   recipe_provides       what is really inside, recorded as a label (default: REPO:TAG)
#   recipe_rootfs         the Debian suite whose debootstrap'd rootfs ROOTFS the image starts from
#                         (only the debian recipe; every other image is built FROM a stand-in)
#   recipe_note           a line to print when the stand-in differs from what the tag promises
#   recipe_context DIR    write the Dockerfile and any files into DIR (required)
# shellcheck shell=bash

fail() { echo "[bed] $REPO:$TAG: $*" >&2; exit 1; }
recipe_deps() { :; }
recipe_fingerprint() { :; }
recipe_provides() { echo "$REPO:$TAG"; }
recipe_note() { :; }
recipe_rootfs() { :; }

# The stand-in Debian every other image builds on.
BASE_REF=debian:bookworm-slim

# Leading version of a tag: "20-bookworm-slim" -> "20", "3.9-eclipse-temurin-17" -> "3.9".
tag_version() { [[ $TAG =~ ^([0-9]+(\.[0-9]+)*) ]] && echo "${BASH_REMATCH[1]}"; }
# What follows the version: "20-bookworm-slim" -> "bookworm-slim".
tag_variant() { local v; v=$(tag_version); v=${TAG#"$v"}; echo "${v#-}"; }

# Debian-based variants only; "bookworm" and "slim" spellings are all the same stand-in.
require_bookworm_variant() {
  local v
  v=$(tag_variant)
  case $v in
    "" | slim | bookworm | slim-bookworm | bookworm-slim) ;;
    *) fail "variant '$v' is not provided: the stand-ins are Debian bookworm only (no alpine, bullseye, trixie or windows)" ;;
  esac
}

# version_matches WANT HAVE: WANT is a prefix of HAVE by components ("20" ~ "20.20.2", "1.26" ~ "1.26.8").
version_matches() { [ "$1" = "$2" ] || [[ $2 == "$1".* ]]; }

# Resolution results that need a registry are cached for a day, so warm runs stay offline and fast.
cached() {
  local key=$1 f
  shift
  f=$BED_HOME/images/resolve/$(echo "$key" | tr '/:@^ ' '_____')
  if [ -s "$f" ] && [ -z "$(find "$f" -mmin +1440)" ]; then cat "$f"; return 0; fi
  mkdir -p "$(dirname "$f")"
  "$@" >"$f.tmp" && [ -s "$f.tmp" ] && mv "$f.tmp" "$f" && cat "$f"
}

# The host's CA bundle and extra CAs (the egress proxy's among them) go into every image.
copy_host_cas() {
  mkdir -p "$1/ca"
  cp /usr/local/share/ca-certificates/*.crt "$1/ca/" 2>/dev/null || true
  cp /etc/ssl/certs/ca-certificates.crt "$1/ca/host-bundle.pem"
}

# One RUN line that installs Debian packages and leaves no apt lists behind.
apt_run() { echo "RUN apt-get update && apt-get install -y --no-install-recommends $* && rm -rf /var/lib/apt/lists/*"; }

# Highest version of a package matching a range, from the npm registry.
npm_max() {
  npm view "$1" version --json 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      let v = JSON.parse(s); if (!Array.isArray(v)) v = [v]
      const key = (x) => x.split(".").map(Number)
      v = v.filter((x) => /^\d+\.\d+\.\d+$/.test(x)).sort((a, b) => { const p = key(a), q = key(b); return p[0] - q[0] || p[1] - q[1] || p[2] - q[2] })
      if (!v.length) process.exit(1); console.log(v[v.length - 1])
    })'
}

# Unpacks a registry tarball (cached) into DIR.
npm_unpack() {
  local spec=$1 dest=$2 dl=$BED_IMG_HOME/dl f
  mkdir -p "$dl" "$dest"
  f=$dl/$(echo "$spec" | tr '@/' '-_').tgz
  if [ ! -s "$f" ]; then
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack "$spec" --silent >/dev/null) || fail "npm pack $spec failed"
    mv "$tmp"/*.tgz "$f" && rm -rf "$tmp"
  fi
  tar -xzf "$f" -C "$dest" --strip-components=1
}
