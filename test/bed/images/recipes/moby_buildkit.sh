# moby/buildkit:<version>[-rootless]
# buildkitd and buildctl built from the BuildKit Go module at the version draft pins, rootlesskit,
# Debian's runc (as buildkit-runc, the name the OCI worker looks for) and uidmap (newuidmap and
# newgidmap for the user namespace of the rootless daemon), the host's CA certificates. Laid out like
# the official images: user `user` 1000:1000 with /etc/subuid and /etc/subgid ranges,
# XDG_RUNTIME_DIR=/run/user/1000, the state in ~/.local/share/buildkit (rootless) or /var/lib/buildkit.
# Only the version lib/buildkit.sh has built (BED_BUILDKIT_VERSION) can be provided.
recipe_resolve() {
  VERSION=${TAG%-rootless}
  [ -n "${BED_BUILDKIT_VERSION:-}" ] || fail "lib/buildkit.sh is not loaded: BuildKit stand-ins are built by buildkit_image_ensure"
  [ "$VERSION" = "$BED_BUILDKIT_VERSION" ] || fail "BuildKit $VERSION is not provided: the bed builds $BED_BUILDKIT_VERSION, the version draft pins"
  [ -x "$BED_BUILDKIT_DIR/bin/buildkitd" ] || fail "the BuildKit binaries are not built (buildkit_binaries)"
  ROOTLESS=$([ "$TAG" != "$VERSION" ] && echo 1 || echo 0)
  return 0
}
recipe_deps() { echo "$BASE_REF"; }
recipe_fingerprint() { cat "$BED_BUILDKIT_DIR/.stamp"; }
recipe_provides() { echo "buildkitd and buildctl $VERSION built from github.com/moby/buildkit, rootlesskit $BED_ROOTLESSKIT_VERSION, Debian runc"; }
recipe_context() {
  mkdir -p "$1/bin"
  cp "$BED_BUILDKIT_DIR/bin/buildkitd" "$BED_BUILDKIT_DIR/bin/buildctl" "$BED_BUILDKIT_DIR/bin/rootlesskit" "$1/bin/"
  local tail
  if [ "$ROOTLESS" = 1 ]; then
    tail='USER 1000:1000
ENV HOME=/home/user USER=user XDG_RUNTIME_DIR=/run/user/1000 BUILDKIT_HOST=unix:///run/user/1000/buildkit/buildkitd.sock
VOLUME /home/user/.local/share/buildkit
ENTRYPOINT ["rootlesskit", "buildkitd"]'
  else
    tail='VOLUME /var/lib/buildkit
ENTRYPOINT ["buildkitd"]'
  fi
  cat >"$1/Dockerfile" <<DOCKERFILE
FROM $BASE_REF
$(apt_run runc uidmap libcap2-bin ca-certificates)
COPY bin/ /usr/bin/
# Debian's newuidmap and newgidmap are setuid root and keep euid 0 while they write the maps; without
# CAP_SYS_ADMIN (no pod has it) the kernel then refuses: "write to uid_map failed: Operation not
# permitted". With file capabilities instead they run as the user who owns the new namespace, as
# the official image's do (Alpine's shadow drops to the caller's uid and keeps CAP_SETUID).
RUN set -e; chmod u-s /usr/bin/newuidmap /usr/bin/newgidmap; \\
    setcap cap_setuid=ep /usr/bin/newuidmap; setcap cap_setgid=ep /usr/bin/newgidmap; \\
    ln -s /usr/sbin/runc /usr/bin/buildkit-runc; \\
    useradd --uid 1000 --create-home --shell /bin/sh user; \\
    echo user:100000:65536 >/etc/subuid; echo user:100000:65536 >/etc/subgid; \\
    mkdir -p /run/user/1000 /home/user/.local/share/buildkit /var/lib/buildkit; \\
    chown -R user:user /run/user/1000 /home/user; chmod 700 /run/user/1000; \\
    buildkitd --version; buildctl --version; rootlesskit --version; buildkit-runc --version
$tail
DOCKERFILE
}
