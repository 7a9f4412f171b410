# ruby:3.1[-slim][-bookworm]
# Debian bookworm's Ruby 3.1 with RubyGems and Bundler, set up like the official image:
# /usr/local/bin/ruby, GEM_HOME=BUNDLE_APP_CONFIG=/usr/local/bundle on PATH.
# Note: rubygems.org is not reachable here, so `bundle install` works only without remote gems.
recipe_resolve() {
  WANT=$(tag_version)
  [ -n "$WANT" ] || fail "tag must start with a Ruby version (e.g. 3.1-slim)"
  require_bookworm_variant
  version_matches "$WANT" 3.1 || version_matches 3.1 "$WANT" || fail "Ruby $WANT is not provided: Debian bookworm has Ruby 3.1 only"
  [[ $WANT =~ ^3\.1\.[0-9]+$ ]] && [ "$WANT" != 3.1.2 ] && fail "Ruby $WANT is not provided: bookworm's Ruby is 3.1.2"
  return 0
}
recipe_deps() { echo "$BASE_REF"; }
recipe_provides() { echo "Debian ruby3.1 (3.1.2) with bundler"; }
recipe_context() {
  cat >"$1/Dockerfile" <<DOCKERFILE
FROM $BASE_REF
ENV LANG=C.UTF-8 RUBY_VERSION=3.1.2
$(apt_run ruby ruby-bundler)
ENV GEM_HOME=/usr/local/bundle BUNDLE_SILENCE_ROOT_WARNING=1 BUNDLE_APP_CONFIG=/usr/local/bundle
ENV PATH=/usr/local/bundle/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN set -e; mkdir -p /usr/local/bundle && chmod 1777 /usr/local/bundle; \\
    for b in ruby gem bundle bundler irb erb; do [ -e /usr/bin/\$b ] && ln -s /usr/bin/\$b /usr/local/bin/\$b; done; \\
    ruby --version; bundle --version
CMD ["irb"]
DOCKERFILE
}
