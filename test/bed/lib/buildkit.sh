# The BuildKit stand-in for draft's cluster builder: buildkitd and buildctl built from the BuildKit Go
# module (through the Go module proxy) at the version draft pins (src/cluster-builder/image.ts),
# rootlesskit from its module, on the Debian stand-in with Debian's runc and uidmap
# (images/recipes/moby_buildkit.sh), pushed to the open registry where the real node pulls it.
# Needs lib/common.sh, lib/tools.sh, lib/docker.sh and images/build.sh sourced first.
# shellcheck shell=bash

# The product's pin, read rather than repeated: the stand-in is always the version draft deploys.
BED_BUILDKIT_VERSION=$(sed -n "s/^export const BUILDKIT_VERSION = '\(v[0-9.]*\)'.*/\1/p" "$REPO_DIR/src/cluster-builder/image.ts")
# rootlesskit is not part of the BuildKit module (the official rootless image carries a 2.x release):
# its version is the one go/buildkit/go.mod requires.
BED_ROOTLESSKIT_VERSION=$(sed -n 's/^\tgithub.com\/rootless-containers\/rootlesskit\/v2 \(v[0-9.]*\).*/\1/p' "$BED_DIR/go/buildkit/go.mod")
BED_BUILDKIT_DIR=$BED_TOOLS/buildkit-$BED_BUILDKIT_VERSION
BED_BUILDKIT_GOCACHE=$BED_HOME/go/build-buildkit
# Where the node pulls it from. Tests name it in draft.toml ([...cluster-builder] image = ...) by the
# digest reference in $BED_RUN/buildkit-image.
BED_BUILDKIT_IMAGE=$BED_HOST:$BED_PORT_REGISTRY/draft-bed/buildkit:$BED_BUILDKIT_VERSION-rootless
BED_BUILDKIT_REF_FILE=$BED_RUN/buildkit-image

buildkit_binaries() {
  local dest=$BED_BUILDKIT_DIR stamp pkg=github.com/moby/buildkit mod=$BED_DIR/go/buildkit
  [ -n "$BED_BUILDKIT_VERSION" ] || die "buildkit: no BUILDKIT_VERSION found in src/cluster-builder/image.ts"
  # BuildKit's go.mod has exclude directives, so `go install ...@version` refuses it: go/buildkit is a
  # module of ours that requires it at the pinned version (checked here) and rootlesskit.
  grep -q "^	$pkg $BED_BUILDKIT_VERSION\( \|$\)" "$mod/go.mod" ||
    die "buildkit: test/bed/go/buildkit/go.mod does not require $pkg $BED_BUILDKIT_VERSION (the version in src/cluster-builder/image.ts); update it and run go mod tidy there"
  stamp="$(cat "$mod/go.mod" "$mod/go.sum" | sha256sum | cut -c1-16) $(go env GOVERSION) 1"
  if stamp_ok "$dest" "$stamp"; then return 0; fi
  log "building buildkitd and buildctl $BED_BUILDKIT_VERSION, rootlesskit $BED_ROOTLESSKIT_VERSION (cold: about 5 minutes on 2 cores)"
  rm -rf "$dest.tmp" && mkdir -p "$dest.tmp/bin"
  # Static, as BuildKit's own Dockerfile builds them; the version is stamped so `buildctl --version`
  # and the daemon's worker list report it.
  # A compile cache of its own: bed:up deletes the shared one after building its tools, which would
  # pull it away from under a build running at the same time.
  rm -rf "$BED_BUILDKIT_GOCACHE"
  (cd "$mod" && env CGO_ENABLED=0 "${BED_GO_ENV[@]}" GOCACHE="$BED_BUILDKIT_GOCACHE" go build -trimpath -tags "osusergo netgo static_build" \
    -ldflags="-s -w -X $pkg/version.Version=$BED_BUILDKIT_VERSION -X $pkg/version.Revision=draft-bed -X $pkg/version.Package=$pkg" \
    -o "$dest.tmp/bin/" tool) >"$BED_TOOLS/buildkit-build.log" 2>&1 || {
    tail -n 30 "$BED_TOOLS/buildkit-build.log" >&2
    die "go build of buildkit failed (log: $BED_TOOLS/buildkit-build.log)"
  }
  echo "$stamp" >"$dest.tmp/.stamp"
  rm -rf "$dest" && mv "$dest.tmp" "$dest"
  # As tools_ensure does: the compile cache is of no use once the binaries are kept by version.
  rm -rf "$BED_BUILDKIT_GOCACHE"
}

buildkit_registry_has() {
  curl -fs --max-time 3 -o /dev/null \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' \
    "http://$BED_HOST:$BED_PORT_REGISTRY/v2/draft-bed/buildkit/manifests/$BED_BUILDKIT_VERSION-rootless"
}

# Everything a build in the cluster needs on the bed: the BuildKit image and the mirrored base images.
buildkit_ensure() {
  buildkit_image_ensure
  buildkit_mirror_images
}

# The stand-in image on the bed's engine (moby/buildkit:<version>-rootless, a recipe like every other
# stand-in) and in the open registry. The registry starts empty after bed:down, so the push is
# checked every time; the build only when the binaries or the recipe changed.
buildkit_image_ensure() {
  buildkit_binaries
  images_build "moby/buildkit:$BED_BUILDKIT_VERSION-rootless"
  local id pushed
  id=$(bed_docker image inspect --format '{{.Id}}' "moby/buildkit:$BED_BUILDKIT_VERSION-rootless")
  pushed=$(bed_docker image inspect --format '{{.Id}}' "$BED_BUILDKIT_IMAGE" 2>/dev/null || true)
  if [ "$id" != "$pushed" ] || ! buildkit_registry_has; then
    bed_docker tag "moby/buildkit:$BED_BUILDKIT_VERSION-rootless" "$BED_BUILDKIT_IMAGE" || die "buildkit: docker tag failed"
    bed_docker push "$BED_BUILDKIT_IMAGE" >/dev/null || die "buildkit: push to $BED_BUILDKIT_IMAGE failed"
    log "  buildkit image $BED_BUILDKIT_IMAGE pushed"
  fi
  # By digest: a rebuilt stand-in keeps its tag, and a node that has the old one would not pull again.
  bed_docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$BED_BUILDKIT_IMAGE" |
    grep "^$BED_HOST:$BED_PORT_REGISTRY/draft-bed/buildkit@" | head -n1 >"$BED_BUILDKIT_REF_FILE"
  [ -s "$BED_BUILDKIT_REF_FILE" ] || die "buildkit: no registry digest for $BED_BUILDKIT_IMAGE"
}

# The stand-in base images a build in the cluster pulls, in the open registry under their upstream
# paths (docker.io/library/node:22 as library/node:22, gcr.io/distroless/x as distroless/x): the
# builder reaches them through the registry mirrors its draft.toml names ("docker.io" and "gcr.io" to
# this registry). Only what the fixtures of the cluster-builder tests and bench:up build FROM, asked
# of the built CLI (`draft create --dry-run --json`, as images/derive-refs.mjs does), so the list
# follows the packs; DRAFT_BED_BUILDKIT_MIRROR_REFS overrides it.
BED_BUILDKIT_FIXTURES="packs/node/fixtures/plain-http packs/node/fixtures/express-api packs/go/fixtures/net-http"
BED_BUILDKIT_MIRROR_FALLBACK="node:22-bookworm-slim golang:1.26-bookworm gcr.io/distroless/static-debian12:nonroot"

buildkit_mirror_refs() {
  if [ -n "${DRAFT_BED_BUILDKIT_MIRROR_REFS:-}" ]; then echo "$DRAFT_BED_BUILDKIT_MIRROR_REFS"; return 0; fi
  if [ ! -f "$REPO_DIR/bin/run.js" ] || [ ! -d "$REPO_DIR/dist" ]; then echo "$BED_BUILDKIT_MIRROR_FALLBACK"; return 0; fi
  local f refs key cache=$BED_IMG_HOME/derived-buildkit
  # Three CLI runs cost about 3 s; their answer only changes with the packs or the build.
  key=$(cd "$REPO_DIR" && { echo "$BED_BUILDKIT_FIXTURES"; find packs dist -type f -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)
  if [ -s "$cache/$key.txt" ]; then cat "$cache/$key.txt"; return 0; fi
  refs=$(for f in $BED_BUILDKIT_FIXTURES; do
    node "$REPO_DIR/bin/run.js" create "$REPO_DIR/$f" --dry-run --json 2>/dev/null |
      node -e 'let s = ""; process.stdin.on("data", d => (s += d)).on("end", () => { try { console.log((JSON.parse(s).baseImages || []).join("\n")) } catch {} })'
  done | sort -u | tr '\n' ' ')
  # A CLI that cannot plan its own fixtures is a broken build: say so, and mirror the usual list.
  if [ -z "${refs// /}" ]; then
    warn "buildkit: draft create --dry-run named no base image for $BED_BUILDKIT_FIXTURES; mirroring $BED_BUILDKIT_MIRROR_FALLBACK"
    echo "$BED_BUILDKIT_MIRROR_FALLBACK"
    return 0
  fi
  mkdir -p "$cache" && rm -f "$cache"/*.txt && echo "$refs" >"$cache/$key.txt"
  echo "$refs"
}

# mirror_path REF: the repository path a registry mirror serves REF under.
mirror_path() {
  local ref=$1 first
  first=${ref%%/*}
  if [ "$first" != "$ref" ] && { [[ $first == *.* ]] || [[ $first == *:* ]] || [ "$first" = localhost; }; then
    ref=${ref#*/}
  elif [[ $ref != */* ]]; then
    ref=library/$ref
  fi
  [[ ${ref##*/} == *:* ]] || ref=$ref:latest
  echo "$ref"
}

buildkit_mirror_images() {
  local ref path dest id pushed
  for ref in $(buildkit_mirror_refs); do
    if ! grep -qx "ok $ref" "$BED_RUN/base-images.txt" 2>/dev/null && ! bed_docker image inspect "$ref" >/dev/null 2>&1; then
      warn "buildkit: base image $ref is not built on the bed; builds in the cluster that need it will fail"
      continue
    fi
    path=$(mirror_path "$ref")
    dest=$BED_HOST:$BED_PORT_REGISTRY/$path
    id=$(bed_docker image inspect --format '{{.Id}}' "$ref")
    pushed=$(bed_docker image inspect --format '{{.Id}}' "$dest" 2>/dev/null || true)
    if [ "$id" = "$pushed" ] && curl -fs --max-time 3 -o /dev/null -H 'Accept: application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' \
      "http://$BED_HOST:$BED_PORT_REGISTRY/v2/${path%:*}/manifests/${path##*:}"; then
      continue
    fi
    bed_docker tag "$ref" "$dest" && bed_docker push "$dest" >/dev/null || die "buildkit: push of $ref to $dest failed"
    log "  $ref mirrored as $dest"
  done
}

buildkit_status() {
  if buildkit_registry_has && [ -s "$BED_BUILDKIT_REF_FILE" ]; then status_line buildkit-image "$BED_BUILDKIT_VERSION" "$BED_BUILDKIT_IMAGE" ok
  else status_line buildkit-image "$BED_BUILDKIT_VERSION" "$BED_BUILDKIT_IMAGE" "not pushed (bed:up or bed.sh buildkit makes it)"; fi
}
