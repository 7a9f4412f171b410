# eclipse-temurin:<major>[-jdk|-jre][-<ubuntu codename>]
# JAVA_HOME=/opt/java/openjdk as in the Temurin images, a JDK or a JRE only (no javac in -jre).
# OpenJDK from Debian packages: 17 on bookworm; 21 and 25 on trixie (the official images are Ubuntu
# based, so the distribution underneath is not part of what a Dockerfile can rely on).
# No other Java major can be had here (no JDK download site is reachable).
recipe_resolve() {
  WANT=$(tag_version)
  [ -n "$WANT" ] || fail "tag must start with a Java version (e.g. 17-jre)"
  local v
  v=$(tag_variant)
  case $v in
    "" | jdk | jdk-jammy | jdk-noble | jdk-focal | jammy | noble | focal) KIND=jdk ;;
    jre | jre-jammy | jre-noble | jre-focal) KIND=jre ;;
    *) fail "variant '$v' is not provided (jdk or jre, Debian-based; no alpine, ubi or windows)" ;;
  esac
  MAJOR=${WANT%%.*}
  case $MAJOR in
    17) BASE=debian:bookworm-slim ;;
    21 | 25) BASE=debian:trixie-slim ;;
    *) fail "Java $MAJOR is not provided: Debian has OpenJDK 17 (bookworm), 21 and 25 (trixie), and no other JDK can be downloaded here" ;;
  esac
}
recipe_deps() { echo "$BASE"; }
recipe_provides() { echo "Debian openjdk-$MAJOR-$KIND-headless on ${BASE#debian:}"; }
recipe_context() {
  # openjdk's postinst links its man pages, whose directory the slim rootfs leaves out. The Debian
  # JVM reads the system trust store (ca-certificates-java), the extra CAs included.
  cat >"$1/Dockerfile" <<DOCKERFILE
FROM $BASE
RUN mkdir -p /usr/share/man/man1
$(apt_run "openjdk-$MAJOR-$KIND-headless" ca-certificates-java)
RUN set -e; mkdir -p /opt/java; ln -s /usr/lib/jvm/java-$MAJOR-openjdk-amd64 /opt/java/openjdk; \\
    /opt/java/openjdk/bin/java -version
ENV JAVA_HOME=/opt/java/openjdk LANG=C.UTF-8 JAVA_VERSION=jdk-$MAJOR
ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
DOCKERFILE
}
