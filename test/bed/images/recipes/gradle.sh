# gradle:<version>-jdk<java>: cannot be provided here. Kept as a recipe so the reason is precise.
# Evidence (checked on this machine): services.gradle.org, where Gradle distributions are published,
# does not resolve; Maven Central carries single Gradle modules (org.gradle:gradle-core,
# gradle-tooling-api), not a runnable distribution; Debian bookworm's gradle is 4.4.1 (2017), which
# cannot run on JDK 17. The same holds for a Gradle wrapper (gradlew) inside a build.
recipe_resolve() {
  fail "UNAVAILABLE: no Gradle distribution can be had here (services.gradle.org is unreachable; Maven Central has no Gradle distribution; Debian's gradle 4.4.1 does not run on JDK 17)"
}
recipe_context() { :; }
