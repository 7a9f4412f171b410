# maven:<maven version>-eclipse-temurin-<java major>
# Apache Maven from Maven Central (the newest release matching the tag) on the eclipse-temurin
# <major>-jdk stand-in, laid out like the official image: /usr/share/maven, /usr/bin/mvn,
# MAVEN_HOME, MAVEN_CONFIG=/root/.m2.
recipe_resolve() {
  [[ $TAG =~ ^([0-9]+(\.[0-9]+){0,2})-eclipse-temurin-([0-9]+)(-(jammy|noble|focal))?$ ]] ||
    fail "tags of the form <maven>-eclipse-temurin-<java> are provided (e.g. 3.9-eclipse-temurin-17)"
  WANT=${BASH_REMATCH[1]} JAVA=${BASH_REMATCH[3]}
  MVN_V=$(cached "maven@$WANT" maven_max "$WANT") || fail "no Apache Maven release matches $WANT on Maven Central"
}
maven_max() {
  curl -fsS --max-time 30 https://repo.maven.apache.org/maven2/org/apache/maven/apache-maven/maven-metadata.xml |
    sed -n 's:.*<version>\([0-9.]*\)</version>.*:\1:p' |
    awk -v w="$1" '$0 == w || index($0, w ".") == 1' | sort -t. -k1,1n -k2,2n -k3,3n | tail -n1
}
recipe_deps() { echo "eclipse-temurin:$JAVA-jdk"; }
recipe_fingerprint() { echo "maven $MVN_V"; }
recipe_provides() { echo "Apache Maven $MVN_V on eclipse-temurin:$JAVA-jdk"; }
recipe_context() {
  local dl=$BED_IMG_HOME/dl f url
  f=$dl/apache-maven-$MVN_V-bin.tar.gz
  url=https://repo.maven.apache.org/maven2/org/apache/maven/apache-maven/$MVN_V/apache-maven-$MVN_V-bin.tar.gz
  mkdir -p "$dl"
  if [ ! -s "$f" ]; then
    curl -fsS --max-time 300 -o "$f.tmp" "$url" || fail "download of $url failed"
    [ "$(curl -fsS --max-time 30 "$url.sha512" | cut -c1-128)" = "$(sha512sum "$f.tmp" | cut -c1-128)" ] ||
      { rm -f "$f.tmp"; fail "sha512 of apache-maven-$MVN_V-bin.tar.gz does not match Maven Central's"; }
    mv "$f.tmp" "$f"
  fi
  mkdir -p "$1/maven" && tar -xzf "$f" -C "$1/maven" --strip-components=1
  cat >"$1/Dockerfile" <<DOCKERFILE
FROM eclipse-temurin:$JAVA-jdk
COPY maven /usr/share/maven
RUN ln -s /usr/share/maven/bin/mvn /usr/bin/mvn && mkdir -p /root/.m2 && mvn --version
ENV MAVEN_HOME=/usr/share/maven MAVEN_CONFIG=/root/.m2 MAVEN_VERSION=$MVN_V
CMD ["mvn"]
DOCKERFILE
}
