# rust:<version>[-slim][-bookworm]
# The host's rustup toolchain copied in (without its docs), laid out like the official image:
# RUSTUP_HOME=/usr/local/rustup, CARGO_HOME=/usr/local/cargo, rustup proxies in /usr/local/cargo/bin,
# gcc and libc6-dev as the linker. Other Rust versions cannot be fetched here.
recipe_resolve() {
  WANT=$(tag_version)
  [ -n "$WANT" ] || fail "tag must start with a Rust version (e.g. 1.95-slim-bookworm)"
  require_bookworm_variant
  RUSTC=${RUSTC_HOST:-$HOME/.cargo/bin/rustc}
  [ -x "$RUSTC" ] || RUSTC=$(command -v rustc) || fail "no rustc on the host to copy in"
  RUST_V=$("$RUSTC" --version | awk '{print $2}')
  SYSROOT=$("$RUSTC" --print sysroot)
  RUSTUP_BIN=$(dirname "$RUSTC")/rustup
  [ -x "$RUSTUP_BIN" ] || fail "no rustup next to $RUSTC"
  version_matches "$WANT" "$RUST_V" || fail "Rust $WANT is not provided: the host's toolchain is $RUST_V and no other can be fetched here"
}
recipe_deps() { echo "$BASE_REF"; }
recipe_fingerprint() { echo "rust $RUST_V $SYSROOT $(ls -l "$SYSROOT/lib" | sha256sum)"; }
recipe_provides() { echo "rust $RUST_V (host rustup toolchain)"; }
recipe_context() {
  local c=$1 tc=$RUST_V-x86_64-unknown-linux-gnu t
  mkdir -p "$c/rustup/toolchains/$tc" "$c/cargo/bin"
  tar -C "$SYSROOT" --exclude=./share/doc --exclude=./lib/rustlib/src --exclude='./lib/rustlib/manifest-rust-docs-*' -cf - . |
    tar -C "$c/rustup/toolchains/$tc" -xf -
  printf 'version = "12"\ndefault_toolchain = "%s"\nprofile = "minimal"\nauto_self_update = "disable"\n\n[overrides]\n' "$tc" >"$c/rustup/settings.toml"
  cp "$RUSTUP_BIN" "$c/cargo/bin/rustup"
  for t in "$SYSROOT"/bin/*; do ln -s rustup "$c/cargo/bin/$(basename "$t")"; done
  cat >"$c/Dockerfile" <<DOCKERFILE
FROM $BASE_REF
$(apt_run gcc libc6-dev)
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo RUST_VERSION=$RUST_V
ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY rustup /usr/local/rustup
COPY cargo /usr/local/cargo
RUN chmod -R a+w /usr/local/cargo && rustc --version && cargo --version
DOCKERFILE
}
