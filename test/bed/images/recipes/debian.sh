# debian:bookworm-slim (also bookworm, 12, 12-slim) and debian:trixie-slim (trixie, 13, 13-slim):
# the debootstrap'd rootfs plus the host's CAs. Every other stand-in builds on one of these.
recipe_resolve() {
  case $TAG in
    bookworm | bookworm-slim | 12 | 12-slim) SUITE=bookworm ;;
    trixie | trixie-slim | 13 | 13-slim | stable | stable-slim) SUITE=trixie ;;
    *) fail "only Debian 12 (bookworm) and 13 (trixie) are provided" ;;
  esac
}
recipe_rootfs() { echo "$SUITE"; }
recipe_provides() { echo "debian $SUITE (debootstrap minbase, slim-trimmed)"; }
recipe_fingerprint() { cat /usr/local/share/ca-certificates/*.crt 2>/dev/null | sha256sum; }
recipe_context() {
  copy_host_cas "$1"
  cat >"$1/Dockerfile" <<DOCKERFILE
FROM $ROOTFS
COPY ca/ /tmp/ca/
# The extra CAs (the egress proxy's) join the system store, and tools that keep their own store
# (Node.js, pip, requests) are pointed at it, so builds in derived images can download packages.
RUN cp /tmp/ca/*.crt /usr/local/share/ca-certificates/ 2>/dev/null || true; \\
    rm -rf /tmp/ca && update-ca-certificates >/dev/null
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \\
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \\
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \\
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
CMD ["bash"]
DOCKERFILE
}
