# ruby:<3.1|3.3>[-slim][-bookworm]
# Debian's Ruby with RubyGems and Bundler: 3.1 on bookworm, 3.3 on trixie (patch versions are Debian's current ones), set up
# like the official image:
# /usr/local/bin/ruby, GEM_HOME=BUNDLE_APP_CONFIG=/usr/local/bundle on PATH.
# Note: rubygems.org is not reachable here, so `bundle install` works only without remote gems.
recipe_resolve() {
  WANT=$(tag_version)
  [ -n "$WANT" ] || fail "tag must start with a Ruby version (e.g. 3.1-slim)"
  require_bookworm_variant
  case $WANT in
    3.1 | 3.1.*) RV=3.1 BASE=debian:bookworm-slim ;;
    3.3 | 3.3.*) RV=3.3 BASE=debian:trixie-slim ;;
    *) fail "Ruby $WANT is not provided: Debian has Ruby 3.1 (bookworm) and 3.3 (trixie) only" ;;
  esac
  return 0
}
recipe_deps() { echo "$BASE"; }
recipe_note() { [[ $WANT != *.*.* ]] || echo "the patch version is Debian's current Ruby $RV, not $WANT"; }
recipe_provides() { echo "Debian ruby$RV with bundler"; }
recipe_context() {
  cat >"$1/Dockerfile" <<DOCKERFILE
FROM $BASE
ENV LANG=C.UTF-8 RUBY_VERSION=$RV
$(apt_run ruby ruby-bundler)
ENV GEM_HOME=/usr/local/bundle BUNDLE_SILENCE_ROOT_WARNING=1 BUNDLE_APP_CONFIG=/usr/local/bundle
ENV PATH=/usr/local/bundle/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN set -e; mkdir -p /usr/local/bundle && chmod 1777 /usr/local/bundle; \\
    for b in ruby gem bundle bundler irb erb; do [ -e /usr/bin/\$b ] && ln -s /usr/bin/\$b /usr/local/bin/\$b; done; \\
    ruby --version; bundle --version
CMD ["irb"]
DOCKERFILE
}
