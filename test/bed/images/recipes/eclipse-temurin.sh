# eclipse-temurin:<major>[-jdk|-jre][-<ubuntu codename>]
# JAVA_HOME=/opt/java/openjdk as in the Temurin images, a JDK or a JRE only (no javac in -jre).
#   17: Debian bookworm's OpenJDK 17 (openjdk-17-jdk-headless / openjdk-17-jre-headless);
#   25: the host's Temurin 25 JDK copied in; its JRE is made with jlink.
# No other Java major can be had here (bookworm has 17 only; no JDK download site is reachable).
recipe_resolve() {
  WANT=$(tag_version)
  [ -n "$WANT" ] || fail "tag must start with a Java version (e.g. 17-jre)"
  local v
  v=$(tag_variant)
  KIND=jdk
  case $v in
    "" | jdk | jdk-jammy | jdk-noble | jdk-focal | jammy | noble | focal) KIND=jdk ;;
    jre | jre-jammy | jre-noble | jre-focal) KIND=jre ;;
    *) fail "variant '$v' is not provided (jdk or jre, Debian-based; no alpine, ubi or windows)" ;;
  esac
  MAJOR=${WANT%%.*}
  case $MAJOR in
    17) SOURCE=debian ;;
    25)
      SOURCE=host HOST_JDK=/usr/lib/jvm/temurin-25-jdk-amd64
      [ -x "$HOST_JDK/bin/javac" ] || fail "Java 25 comes from the host's Temurin 25 JDK, which is not at $HOST_JDK"
      ;;
    *) fail "Java $MAJOR is not provided: only 17 (Debian bookworm) and 25 (the host's Temurin) can be had here" ;;
  esac
}
recipe_deps() { echo "$BASE_REF"; }
recipe_fingerprint() { echo "$SOURCE $KIND $MAJOR ${HOST_JDK:+$(cat "$HOST_JDK/release" | sha256sum)}"; }
recipe_provides() {
  if [ "$SOURCE" = debian ]; then echo "Debian openjdk-17-$KIND-headless"; else echo "host Temurin $(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$HOST_JDK/release") $KIND"; fi
}
recipe_context() {
  local c=$1
  if [ "$SOURCE" = debian ]; then
    # The Debian JVM reads the system trust store (ca-certificates-java), extra CAs included.
    cat >"$c/Dockerfile" <<DOCKERFILE
FROM $BASE_REF
# openjdk's postinst links its man pages, whose directory the slim rootfs leaves out.
RUN mkdir -p /usr/share/man/man1
$(apt_run "openjdk-17-$KIND-headless" ca-certificates-java)
RUN set -e; mkdir -p /opt/java; ln -s /usr/lib/jvm/java-17-openjdk-amd64 /opt/java/openjdk; \\
    /opt/java/openjdk/bin/java -version
ENV JAVA_HOME=/opt/java/openjdk LANG=C.UTF-8 JAVA_VERSION=jdk-17
ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
DOCKERFILE
    return 0
  fi
  if [ "$KIND" = jdk ]; then
    cp -a "$HOST_JDK" "$c/openjdk"
    rm -rf "$c/openjdk/man" "$c/openjdk/lib/src.zip"
  else
    "$HOST_JDK/bin/jlink" --add-modules "$("$HOST_JDK/bin/java" --list-modules | sed 's/@.*//' | grep -v '^jdk\.\(jcmd\|jconsole\|jdeps\|jdi\|jdwp\|hotspot\.agent\|jlink\|jpackage\|jshell\|javadoc\|compiler\|jartool\|jstatd\|internal\.le\|internal\.ed\|internal\.opt\|editpad\)$' | paste -sd, -)" \
      --strip-debug --no-man-pages --no-header-files --output "$c/openjdk" >/dev/null || fail "jlink of the JRE failed"
  fi
  copy_host_cas "$c"
  cat >"$c/Dockerfile" <<DOCKERFILE
FROM $BASE_REF
COPY openjdk /opt/java/openjdk
COPY ca/ /tmp/ca/
# Temurin keeps its own cacerts; the extra CAs (the egress proxy's) are added to it.
RUN set -e; for f in /tmp/ca/*.crt; do [ -f "\$f" ] || continue; \\
      /opt/java/openjdk/bin/keytool -importcert -noprompt -cacerts -storepass changeit -alias "bed-\$(basename "\$f" .crt)" -file "\$f" >/dev/null; done; \\
    rm -rf /tmp/ca; /opt/java/openjdk/bin/java -version
ENV JAVA_HOME=/opt/java/openjdk LANG=C.UTF-8 JAVA_VERSION=jdk-$MAJOR
ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
DOCKERFILE
}
