# golang:<version>[-bookworm]
# The host's Go toolchain (/usr/local/go) copied in, laid out like the official image: GOPATH=/go,
# PATH with /go/bin and /usr/local/go/bin, GOTOOLCHAIN=local, and gcc, git, make for cgo and modules.
recipe_resolve() {
  WANT=$(tag_version)
  [ -n "$WANT" ] || fail "tag must start with a Go version (e.g. 1.26-bookworm)"
  require_bookworm_variant
  GOROOT_HOST=$(go env GOROOT 2>/dev/null) || fail "no Go on the host to copy in"
  GO_V=$(go env GOVERSION | sed 's/^go//')
  version_matches "$WANT" "$GO_V" || fail "Go $WANT is not provided: the host's Go is $GO_V and no other Go can be fetched here"
}
recipe_deps() { echo "$BASE_REF"; }
recipe_fingerprint() { echo "go $GO_V $GOROOT_HOST"; }
recipe_provides() { echo "go $GO_V (host toolchain)"; }
recipe_context() {
  # The test data, API lists and docs of GOROOT are not needed to build.
  tar -C "$GOROOT_HOST" --exclude=./test --exclude=./api --exclude=./doc --exclude=./pkg/obj -cf - . |
    (mkdir -p "$1/go" && tar -C "$1/go" -xf -)
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
