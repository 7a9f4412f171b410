/**
 * What `draft pack new` offers when a value is missing: the common way apps of a kind are laid out,
 * built on and started. Only suggestions for a person to accept or change; nothing else in draft reads
 * this, and detection and scaffolding never do (a pack says everything about itself in pack.toml).
 *
 * Looked up by the pack's name first (a runtime or framework: deno, bun, phoenix), then by the
 * language. `marker` becomes the detect rule and an empty file in the fixture, so it is one plain
 * file name, never a glob.
 */
export interface LanguageConvention {
  /** linguist's name of the language. */
  language: string
  /** A file at the root of every such app. */
  marker: string
  /** Base image repository on Docker Hub or another well-known registry. */
  image: string
  start: string
  port: number
  /** A current tag of the image to pin (lint warns about `latest`); none where tags are not plain versions. */
  version?: string
}

const convention = (language: string, marker: string, image: string, start: string, port: number, version?: string): LanguageConvention => ({
  language,
  marker,
  image,
  start,
  port,
  ...(version ? {version} : {}),
})

/** By pack name: runtimes and frameworks whose name says more than their language. */
const BY_NAME: Record<string, LanguageConvention> = {
  deno: convention('TypeScript', 'deno.json', 'denoland/deno', 'deno run --allow-net --allow-env main.ts', 8000, '2.9.6'),
  bun: convention('TypeScript', 'bun.lock', 'oven/bun', 'bun run index.ts', 3000, '1.2'),
  phoenix: convention('Elixir', 'mix.exs', 'elixir', 'mix phx.server', 4000, '1.18'),
}

/** By linguist language name. */
const BY_LANGUAGE: LanguageConvention[] = [
  convention('Elixir', 'mix.exs', 'elixir', 'mix run --no-halt', 4000, '1.18'),
  convention('Dart', 'pubspec.yaml', 'dart', 'dart run bin/server.dart', 8080, '3.5'),
  convention('Crystal', 'shard.yml', 'crystallang/crystal', 'crystal run src/main.cr', 3000, '1.14'),
  convention('Haskell', 'stack.yaml', 'haskell', 'stack run', 8080, '9.10'),
  convention('Scala', 'build.sbt', 'sbtscala/scala-sbt', 'sbt run', 8080),
  convention('Clojure', 'deps.edn', 'clojure', 'clojure -M -m app.core', 8080),
  convention('Swift', 'Package.swift', 'swift', 'swift run', 8080, '6.0'),
  convention('Julia', 'Project.toml', 'julia', 'julia --project=. app.jl', 8080, '1.11'),
  convention('OCaml', 'dune-project', 'ocaml/opam', 'dune exec ./main.exe', 8080),
  convention('Perl', 'cpanfile', 'perl', 'perl app.pl', 8080, '5.40'),
  convention('R', 'renv.lock', 'rocker/r-ver', 'Rscript app.R', 8000, '4.4'),
  convention('JavaScript', 'package.json', 'node', 'node server.js', 3000, '22'),
  convention('TypeScript', 'package.json', 'node', 'node dist/server.js', 3000, '22'),
  convention('Python', 'requirements.txt', 'python', 'python app.py', 8000, '3.12'),
  convention('Ruby', 'Gemfile', 'ruby', 'bundle exec ruby app.rb', 4567, '3.3'),
  convention('Go', 'go.mod', 'golang', 'go run .', 8080, '1.23'),
  convention('Rust', 'Cargo.toml', 'rust', 'cargo run --release', 8080, '1.82'),
  convention('Java', 'pom.xml', 'eclipse-temurin', 'java -jar app.jar', 8080, '21'),
  convention('Kotlin', 'build.gradle.kts', 'eclipse-temurin', 'java -jar app.jar', 8080, '21'),
  convention('PHP', 'composer.json', 'php', 'php -S 0.0.0.0:8080 -t public', 8080, '8.3'),
]

/**
 * The convention for a pack: its name's when the name is a known runtime and the language (if given)
 * agrees, else its language's (case-insensitive), else that of a language the name spells (`elixir`).
 */
export function conventionFor(name: string, language?: string): LanguageConvention | undefined {
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()
  const byName = BY_NAME[name.toLowerCase()]
  if (byName && (!language || same(language, byName.language))) return byName
  if (language) return BY_LANGUAGE.find(c => same(c.language, language))
  return BY_LANGUAGE.find(c => same(c.language, name))
}
