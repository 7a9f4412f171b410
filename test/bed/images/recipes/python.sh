# python:<3.11|3.13>[-slim|-bookworm|-slim-bookworm]
# Debian's CPython with pip and venv: 3.11 (3.11.2) on bookworm, 3.13 (3.13.5) on trixie, laid out
# like the official image: /usr/local/bin/python, python3, pip, pip3; the PEP 668 marker removed,
# so `pip install` works system-wide as it does in the official image; the C headers (Python.h), which
# the official image has too, so a package without a wheel compiles once a compiler is installed.
recipe_resolve() {
  WANT=$(tag_version)
  [ -n "$WANT" ] || fail "tag must start with a Python version (e.g. 3.11-slim)"
  require_bookworm_variant
  case $WANT in
    3.11 | 3.11.*) PV=3.11 BASE=debian:bookworm-slim ;;
    3.13 | 3.13.*) PV=3.13 BASE=debian:trixie-slim ;;
    *) fail "Python $WANT is not provided: Debian has CPython 3.11 (bookworm) and 3.13 (trixie) only" ;;
  esac
  return 0
}
recipe_deps() { echo "$BASE"; }
recipe_note() { [[ $WANT != *.*.* ]] || echo "the patch version is Debian's current Python $PV, not $WANT"; }
recipe_provides() { echo "Debian python$PV with pip and venv"; }
recipe_context() {
  cat >"$1/Dockerfile" <<DOCKERFILE
FROM $BASE
ENV LANG=C.UTF-8 PYTHON_VERSION=$PV
$(apt_run "python$PV" "libpython$PV-dev" python3-pip python3-venv)
RUN set -e; rm -f /usr/lib/python$PV/EXTERNALLY-MANAGED; \\
    ln -s /usr/bin/python$PV /usr/local/bin/python; ln -s /usr/bin/python$PV /usr/local/bin/python3; \\
    ln -s /usr/bin/python$PV /usr/local/bin/python$PV; \\
    ln -s /usr/bin/pip3 /usr/local/bin/pip; ln -s /usr/bin/pip3 /usr/local/bin/pip3; \\
    python --version; pip --version; rm -rf /root/.cache
CMD ["python3"]
DOCKERFILE
}
