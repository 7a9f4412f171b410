# python:3.11[-slim|-bookworm|-slim-bookworm]
# Debian bookworm's CPython 3.11 (the only Python bookworm has) with pip and venv, laid out like the
# official image: /usr/local/bin/python, python3, pip, pip3; the PEP 668 marker removed, so
# `pip install` works system-wide as it does in the official image.
recipe_resolve() {
  WANT=$(tag_version)
  [ -n "$WANT" ] || fail "tag must start with a Python version (e.g. 3.11-slim)"
  require_bookworm_variant
  version_matches "$WANT" 3.11 || version_matches 3.11 "$WANT" ||
    fail "Python $WANT is not provided: Debian bookworm has CPython 3.11 only"
  [[ $WANT =~ ^3\.11\.[0-9]+$ ]] && [ "$WANT" != 3.11.2 ] && fail "Python $WANT is not provided: bookworm's CPython is 3.11.2"
  return 0
}
recipe_deps() { echo "$BASE_REF"; }
recipe_provides() { echo "Debian python3.11 (3.11.2) with pip and venv"; }
recipe_context() {
  cat >"$1/Dockerfile" <<DOCKERFILE
FROM $BASE_REF
ENV LANG=C.UTF-8 PYTHON_VERSION=3.11.2
$(apt_run python3.11 python3-pip python3-venv)
RUN set -e; rm -f /usr/lib/python3.11/EXTERNALLY-MANAGED; \\
    ln -s /usr/bin/python3.11 /usr/local/bin/python; ln -s /usr/bin/python3.11 /usr/local/bin/python3; \\
    ln -s /usr/bin/python3.11 /usr/local/bin/python3.11; \\
    ln -s /usr/bin/pip3 /usr/local/bin/pip; ln -s /usr/bin/pip3 /usr/local/bin/pip3; \\
    python --version; pip --version; rm -rf /root/.cache
CMD ["python3"]
DOCKERFILE
}
