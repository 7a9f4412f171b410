# gcr.io/distroless/static-debian12:{latest,nonroot}
# Like distroless static: no shell, no package manager; /etc/passwd and /etc/group with root,
# nobody and nonroot (65532), CA certificates, tzdata, /tmp. The nonroot tag runs as 65532.
recipe_resolve() {
  case $TAG in
    latest | nonroot) ;;
    debug | debug-nonroot) fail "the debug variants (busybox shell) are not provided" ;;
    *) fail "tags latest and nonroot are provided" ;;
  esac
}
recipe_deps() { echo "$BASE_REF"; }
recipe_provides() { echo "distroless-like static rootfs (passwd, CA certs, tzdata)"; }
recipe_context() {
  local user=0:0 home=/root
  if [ "$TAG" = nonroot ]; then user=65532:65532 home=/home/nonroot; fi
  cat >"$1/Dockerfile" <<DOCKERFILE
FROM $BASE_REF AS src
$(apt_run tzdata)
RUN set -e; mkdir -p /out/etc/ssl/certs /out/usr/share /out/tmp /out/home/nonroot /out/root /out/etc; \\
    cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/; cp -a /usr/share/zoneinfo /out/usr/share/; \\
    printf 'root:x:0:0:root:/root:/sbin/nologin\\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\\n' >/out/etc/passwd; \\
    printf 'root:x:0:\\nnobody:x:65534:\\ntty:x:5:\\nstaff:x:50:\\nnonroot:x:65532:\\n' >/out/etc/group; \\
    printf 'hosts: files dns\\n' >/out/etc/nsswitch.conf; \\
    printf 'PRETTY_NAME="Distroless"\\nNAME="Debian GNU/Linux"\\nID="debian"\\nVERSION_ID="12"\\nHOME_URL="https://github.com/GoogleContainerTools/distroless"\\n' >/out/etc/os-release; \\
    chmod 1777 /out/tmp; chown 65532:65532 /out/home/nonroot; chmod 700 /out/root
FROM scratch
COPY --from=src /out/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER $user
WORKDIR $home
DOCKERFILE
}
