# golang:<version>[-bookworm]
# A Go toolchain laid out like the official image: GOROOT /usr/local/go, GOPATH=/go, PATH with
# /go/bin and /usr/local/go/bin, GOTOOLCHAIN=local, and gcc, git, make for cgo and modules. The host's
# Go when its version matches the tag; any other release from the Go module proxy, which serves every
# toolchain since 1.21 as the module golang.org/toolchain@v0.0.1-go<version>.linux-amd64.
recipe_resolve() {
  WANT=$(tag_version)
  [ -n "$WANT" ] || fail "tag must start with a Go version (e.g. 1.26-bookworm)"
  require_bookworm_variant
  GOROOT_HOST=$(go env GOROOT 2>/dev/null) || GOROOT_HOST=
  HOST_V=$([ -z "$GOROOT_HOST" ] || go env GOVERSION | sed 's/^go//')
  if [ -n "$HOST_V" ] && version_matches "$WANT" "$HOST_V"; then
    GO_V=$HOST_V SOURCE=host
    return 0
  fi
  GO_V=$(cached "go-toolchain@$WANT" go_toolchain_max "$WANT") ||
    fail "Go $WANT is not provided: the host's Go is ${HOST_V:-absent} and the Go module proxy has no golang.org/toolchain release matching $WANT (it serves 1.21 and later)"
  SOURCE=proxy
}

# The first proxy of GOPROXY (the toolchain module is on the public proxy, whatever GOPROXY says).
go_proxy() {
  local p
  p=$(go env GOPROXY 2>/dev/null | tr ',|' '\n\n' | grep -v -e '^direct$' -e '^off$' | head -n 1)
  echo "${p:-https://proxy.golang.org}"
}

# Newest golang.org/toolchain release whose version matches WANT ("1.27" -> 1.27.4), release builds only.
go_toolchain_max() {
  curl -fsSL --max-time 60 "$(go_proxy)/golang.org/toolchain/@v/list" |
    sed -n 's/^v0\.0\.1-go\([0-9][0-9.]*\)\.linux-amd64$/\1/p' |
    while read -r v; do if version_matches "$1" "$v"; then echo "$v"; fi; done |
    sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1 | grep .
}

recipe_deps() { echo "$BASE_REF"; }
recipe_fingerprint() { echo "go $GO_V $SOURCE ${GOROOT_HOST:-}"; }
recipe_provides() { echo "go $GO_V ($([ "$SOURCE" = host ] && echo "host toolchain" || echo "golang.org/toolchain from the Go module proxy"))"; }
recipe_note() { [ "$SOURCE" = host ] || echo "Go $GO_V from the Go module proxy (golang.org/toolchain), not the host's ${HOST_V:-Go}"; }

recipe_context() {
  mkdir -p "$1/go"
  if [ "$SOURCE" = host ]; then
    # The test data, API lists and docs of GOROOT are not needed to build.
    tar -C "$GOROOT_HOST" --exclude=./test --exclude=./api --exclude=./doc --exclude=./pkg/obj -cf - . | tar -C "$1/go" -xf -
  else
    local mod=v0.0.1-go$GO_V.linux-amd64 zip=$BED_IMG_HOME/dl/golang-toolchain-go$GO_V.linux-amd64.zip tmp
    mkdir -p "$BED_IMG_HOME/dl"
    if [ ! -s "$zip" ]; then
      curl -fsSL --max-time 600 -o "$zip.tmp" "$(go_proxy)/golang.org/toolchain/@v/$mod.zip" || fail "downloading golang.org/toolchain@$mod failed"
      mv "$zip.tmp" "$zip"
    fi
    tmp=$(mktemp -d)
    unzip -q "$zip" -d "$tmp" || fail "unpacking golang.org/toolchain@$mod failed"
    # A module zip keeps no file modes: the binaries are made executable again, as go itself does.
    (cd "$tmp/golang.org/toolchain@$mod" && chmod 755 bin/* pkg/tool/*/* && tar --exclude=./test --exclude=./api --exclude=./doc -cf - .) | tar -C "$1/go" -xf -
    rm -rf "$tmp"
  fi
  cat >"$1/Dockerfile" <<DOCKERFILE
FROM $BASE_REF
$(apt_run gcc libc6-dev make git pkg-config openssh-client)
ENV GOLANG_VERSION=$GO_V GOTOOLCHAIN=local GOPATH=/go
ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY go /usr/local/go
RUN mkdir -p /go/src /go/bin && chmod -R 1777 /go && go version
WORKDIR /go
DOCKERFILE
}
