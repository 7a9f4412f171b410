# Local stand-ins for the official base images that the packs' FROM lines name. Nothing can be
# pulled here, so each ref is built from a recipe (images/recipes/<repository>.sh) on top of one
# debootstrap'd Debian bookworm rootfs. See test/bed/README.md for what each stand-in provides.
# shellcheck shell=bash

BED_IMG_HOME=$BED_HOME/images
BED_RECIPES=$BED_DIR/images/recipes
BED_IMG_LABEL=org.draft.bed.key

# --- the rootfs -------------------------------------------------------------------------------

rootfs_stamp() { cat "$BED_DIR/images/rootfs.sh" | sha256sum | cut -c1-12; }

# images_rootfs SUITE: prints the image ref of the imported Debian SUITE rootfs, building it when
# missing (debootstrap, cached as a tarball so a lost data-root does not mean a new debootstrap).
images_rootfs() {
  local suite=$1 stamp ref tar
  stamp=$(rootfs_stamp)
  ref=draft-bed/$suite-rootfs:$stamp
  tar=$BED_IMG_HOME/rootfs-$suite-$stamp.tar
  if bed_docker image inspect "$ref" >/dev/null 2>&1; then echo "$ref"; return 0; fi
  mkdir -p "$BED_IMG_HOME"
  if [ ! -s "$tar" ]; then
    local t0
    t0=$(now)
    log "rootfs: debootstrap $suite (minbase)" >&2
    bash "$BED_DIR/images/rootfs.sh" "$BED_IMG_HOME/rootfs-$suite.tmp" "$tar.tmp" "$suite" >"$BED_IMG_HOME/rootfs-$suite.log" 2>&1 || {
      tail -n 30 "$BED_IMG_HOME/rootfs-$suite.log" >&2
      die "rootfs: debootstrap of $suite failed (log: $BED_IMG_HOME/rootfs-$suite.log)"
    }
    mv "$tar.tmp" "$tar"
    log "rootfs: $suite built in $(elapsed "$t0") ($(du -h "$tar" | cut -f1))" >&2
  fi
  bed_docker import --change 'CMD ["bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tar" "$ref" >/dev/null || die "rootfs: docker import of $tar failed"
  # Older rootfs tarballs of this suite are of no further use.
  find "$BED_IMG_HOME" -maxdepth 1 -name "rootfs-$suite-*.tar" ! -name "rootfs-$suite-$stamp.tar" -delete
  echo "$ref"
}

# --- refs and recipes -------------------------------------------------------------------------

# normalize REF: drops docker.io/ and library/, adds :latest; prints "repository tag".
ref_split() {
  local ref=$1 repo tag
  ref=${ref#docker.io/}
  ref=${ref#library/}
  [[ $ref == *@* ]] && die "base image $1: pinned by digest; the bed builds stand-ins by tag only"
  if [[ ${ref##*/} == *:* ]]; then tag=${ref##*:} repo=${ref%:*}; else tag=latest repo=$ref; fi
  echo "$repo $tag"
}

recipe_file() { echo "$BED_RECIPES/$(echo "$1" | tr '/' '_').sh"; }

# Runs a recipe function in a subshell with the recipe sourced: recipe_call REPO TAG FN [ARGS...]
recipe_call() {
  local repo=$1 tag=$2 fn=$3
  shift 3
  (
    set -euo pipefail
    REPO=$repo TAG=$tag
    . "$BED_DIR/images/recipe-lib.sh"
    . "$(recipe_file "$repo")"
    recipe_resolve
    "$fn" "$@"
  )
}

# ref_reason REF: prints why the bed cannot provide REF (no recipe, or a tag the recipe refuses);
# prints nothing when it can.
ref_reason() {
  local repo tag f known out
  read -r repo tag < <(ref_split "$1")
  f=$(recipe_file "$repo")
  if [ ! -f "$f" ]; then
    known=$(cd "$BED_RECIPES" && ls -- *.sh | sed 's/\.sh$//; s/_/\//g' | tr '\n' ' ')
    echo "no recipe for repository '$repo' (add test/bed/images/recipes/$(echo "$repo" | tr '/' '_').sh; recipes: $known)"
    return 0
  fi
  if ! out=$(recipe_call "$repo" "$tag" true 2>&1); then
    echo "${out:-recipe $(basename "$f") refused tag '$tag'}" | sed "s/^\[bed\] $(printf '%s' "$repo:$tag" | sed 's/[].[\/*^$]/\\&/g'): //" | tail -n 1
  fi
}

ref_check() {
  local why
  why=$(ref_reason "$1")
  [ -z "$why" ] || die "base image '$1' cannot be built: $why"
}

# images_build REF...: builds each ref (and the refs its recipe builds on) unless it is current.
# Strict: a ref the bed cannot provide is an error.
images_build() {
  [ $# -gt 0 ] || die "images: no image refs given"
  local ref
  for ref in "$@"; do ref_check "$ref"; done
  declare -A done_refs=()
  for ref in "$@"; do image_build_one "$ref"; done
  return 0
}

image_build_one() {
  local ref=$1 rootfs="" suite repo tag deps dep key f ctx t0 id
  read -r repo tag < <(ref_split "$ref")
  local canon="$repo:$tag"
  [ -n "${done_refs[$canon]:-}" ] && return 0
  deps=$(recipe_call "$repo" "$tag" recipe_deps)
  local dep_ids=""
  for dep in $deps; do
    ref_check "$dep"
    image_build_one "$dep"
    dep_ids="$dep_ids $(bed_docker image inspect --format '{{.Id}}' "$dep")"
  done
  # Only the Debian recipe starts from a rootfs; every other image is built FROM another stand-in.
  suite=$(recipe_call "$repo" "$tag" recipe_rootfs)
  [ -z "$suite" ] || rootfs=$(images_rootfs "$suite")
  f=$(recipe_file "$repo")
  key=$({
    cat "$f" "$BED_DIR/images/recipe-lib.sh"
    echo "$canon $rootfs $dep_ids"
    recipe_call "$repo" "$tag" recipe_fingerprint
  } | sha256sum | cut -c1-16)
  if [ "$(bed_docker image inspect --format "{{index .Config.Labels \"$BED_IMG_LABEL\"}}" "$canon" 2>/dev/null)" = "$key" ]; then
    log "  $canon: current"
    done_refs[$canon]=1
    return 0
  fi
  t0=$(now)
  log "  $canon: building"
  local note
  note=$(recipe_call "$repo" "$tag" recipe_note)
  [ -z "$note" ] || warn "$canon: $note"
  ctx=$BED_IMG_HOME/ctx/$(echo "$canon" | tr '/:' '__')
  rm -rf "$ctx" && mkdir -p "$ctx"
  ROOTFS=$rootfs BED_IMG_HOME=$BED_IMG_HOME recipe_call "$repo" "$tag" recipe_context "$ctx" ||
    die "base image $canon: preparing the build context failed"
  mkdir -p "$BED_IMG_HOME/logs"
  if ! DOCKER_BUILDKIT=1 bed_docker build --network host --progress plain \
    --label "$BED_IMG_LABEL=$key" --label org.draft.bed.standin=true \
    --label "org.draft.bed.provides=$(recipe_call "$repo" "$tag" recipe_provides)" \
    -t "$canon" "$ctx" >"$BED_IMG_HOME/logs/$(basename "$ctx").log" 2>&1; then
    tail -n 30 "$BED_IMG_HOME/logs/$(basename "$ctx").log" >&2
    die "base image $canon: docker build failed (log: $BED_IMG_HOME/logs/$(basename "$ctx").log)"
  fi
  rm -rf "$ctx"
  id=$(bed_docker image inspect --format '{{.Size}}' "$canon")
  log "  $canon: built in $(elapsed "$t0") ($((id / 1000000)) MB)"
  done_refs[$canon]=1
}

# --- which refs -------------------------------------------------------------------------------

# The base images the packs use: `draft create --dry-run --json` on every pack fixture reports them
# (FROM lines with ARGs resolved). Needs the CLI built (dist/).
images_derive_refs() {
  [ -f "$REPO_DIR/bin/run.js" ] && [ -d "$REPO_DIR/dist" ] || return 0
  node "$BED_DIR/images/derive-refs.mjs" "$REPO_DIR"
}

# The refs bed:up builds, and a report of what it could not provide: $BED_RUN/base-images.txt has
# one line per ref, "ok REF" or "unavailable REF REASON", for tests to skip what cannot build here.
images_ensure_default() {
  local refs ref why report=$BED_RUN/base-images.txt
  if [ -n "${DRAFT_BED_IMAGES:-}" ]; then
    refs=$DRAFT_BED_IMAGES
    log "images: from DRAFT_BED_IMAGES"
  else
    refs=$(images_derived_cached)
    if [ -n "$refs" ]; then
      log "images: derived from the packs' fixtures: $(echo "$refs" | tr '\n' ' ')"
    else
      refs=$(grep -v '^#' "$BED_DIR/images/starter-refs.txt")
      log "images: no pack fixtures to derive from yet (or no dist/: run npm run build); building the starter list images/starter-refs.txt"
    fi
  fi
  local good=() bad=()
  : >"$report.tmp"
  for ref in $refs; do
    why=$(ref_reason "$ref")
    if [ -z "$why" ]; then good+=("$ref"); echo "ok $ref" >>"$report.tmp"
    else bad+=("$ref: $why"); echo "unavailable $ref $why" >>"$report.tmp"; fi
  done
  mv "$report.tmp" "$report"
  if [ ${#bad[@]} -gt 0 ]; then
    printf '%s[bed] ERROR: %d base image(s) named by the packs cannot be provided by the bed:%s\n' "$_c_r" "${#bad[@]}" "$_c_0" >&2
    printf '%s\n' "${bad[@]}" | sed 's/^/[bed]   /' >&2
    printf '[bed]   Fixtures that build FROM these cannot be built here (listed in %s).\n' "$report" >&2
    [ "${DRAFT_BED_STRICT_IMAGES:-0}" != 1 ] || die "images: DRAFT_BED_STRICT_IMAGES=1 and some base images cannot be provided"
  fi
  [ ${#good[@]} -gt 0 ] || return 0
  images_build "${good[@]}"
}

# Deriving spawns the CLI once per fixture (about 2 s of CPU each), so the result is cached by the
# content of packs/, dist/ and the fixtures.
images_derived_cached() {
  [ -d "$REPO_DIR/dist" ] || return 0
  local key f
  key=$(cd "$REPO_DIR" && find packs dist test/fixtures/packs test/fixtures/multi -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum 2>/dev/null | sha256sum | cut -c1-16)
  f=$BED_IMG_HOME/derived/$key.txt
  if [ ! -f "$f" ]; then
    mkdir -p "$BED_IMG_HOME/derived"
    images_derive_refs >"$f.tmp"
    mv "$f.tmp" "$f"
    find "$BED_IMG_HOME/derived" -name '*.txt' ! -name "$key.txt" -delete
  fi
  # `run REF` lines name images the node runs as they are (a compose file's redis:7): built like the
  # others, and pushed to the node's docker.io mirror by images_mirror.
  grep -v '^run ' "$f" || true
  sed -n 's/^run //p' "$f" >"$BED_RUN/mirror-refs.txt"
}

# The images the node runs as they are go to the open registry under their Docker Hub names
# (library/redis:7), where containerd's docker.io mirror (lib/node.sh) finds them: Docker Hub itself
# cannot be reached. Pushed at every bed:up, since bed:down empties the registry.
images_mirror() {
  local ref repo target
  [ -s "$BED_RUN/mirror-refs.txt" ] || return 0
  while read -r ref; do
    grep -qx "ok $ref" "$BED_RUN/base-images.txt" 2>/dev/null || continue
    repo=${ref%:*}
    [[ $repo == */* ]] || repo=library/$repo
    target=$BED_HOST:$BED_PORT_REGISTRY/$repo:${ref##*:}
    bed_docker tag "$ref" "$target" && bed_docker push "$target" >/dev/null || die "images: pushing $ref to the docker.io mirror ($target) failed"
    log "  $ref: in the node's docker.io mirror"
  done <"$BED_RUN/mirror-refs.txt"
}
