import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join, posix} from 'node:path'

import yaml from 'js-yaml'

import type {FileEntry, Snapshot} from './snapshot.js'

export type LanguageCategory = 'programming' | 'markup' | 'data' | 'prose'

export interface LanguageShare {
  language: string
  category: LanguageCategory
  bytes: number
  files: number
  /** Fraction of the bytes of its class: code shares add up to 1, and so do the others. */
  share: number
}

export interface LanguageRanking {
  /** Languages an app is written in, largest first. */
  code: LanguageShare[]
  /** Markup, data, prose, and the glue languages that must never outvote code. */
  other: LanguageShare[]
  /** How many files linguist-js classified by content; the rest were extrapolated. */
  sampled: number
  files: number
}

/**
 * Programming languages in linguist's data that are glue around an app, never the app itself:
 * `mvnw` made a Spring app "Shell" in the classic Draft.
 */
const GLUE_LANGUAGES = new Set([
  'Shell', 'Batchfile', 'PowerShell', 'Dockerfile', 'Makefile', 'Procfile', 'CMake', 'Nix',
  'Starlark', 'HCL', 'Just', 'Earthly', 'Jsonnet', 'Dotenv', 'Gradle', 'Gradle Kotlin DSL',
])

/** Files of one kind (same extension or same special name) are classified from a few samples. */
const SAMPLES_PER_KIND = 3
const SAMPLE_BYTES = 16 * 1024

type Linguist = (paths: string[], options: Record<string, unknown>) => Promise<{
  files: {results: Record<string, string | null>}
  languages: {results: Record<string, {type: LanguageCategory}>}
}>

const require = createRequire(import.meta.url)

let vendorPattern: RegExp | undefined
/**
 * linguist's own list of vendored, generated and documentation paths (jquery.min.js, docs/...),
 * compiled once into a single expression so that 20,000 paths cost one test each.
 */
function vendored(): RegExp {
  if (vendorPattern) return vendorPattern
  const dataDir = join(dirname(require.resolve('linguist-js/package.json')), 'ext')
  const patterns: string[] = []
  for (const file of ['vendor.yml', 'documentation.yml']) {
    const list = yaml.load(readFileSync(join(dataDir, file), 'utf8')) as string[]
    for (const source of list) {
      try {
        new RegExp(source, 'i')
        if (!/\\\d/.test(source)) patterns.push(`(?:${source})`)
      } catch {
        // A Ruby-only construct; linguist-js skips it too.
      }
    }
  }
  vendorPattern = new RegExp(patterns.join('|'), 'i')
  return vendorPattern
}

export function kindOf(path: string): string {
  const base = posix.basename(path)
  const dot = base.lastIndexOf('.')
  return dot > 0 ? base.slice(dot).toLowerCase() : base
}

/**
 * Rank the languages of an app. linguist-js costs about 4.5 ms a file in full mode, so a 20,000-file
 * tree cannot be classified file by file within a second. Files of one kind almost always share a
 * language, so a few samples of each kind are classified by content (heuristics, shebangs) and their
 * result is extrapolated to the bytes of that kind.
 */
export async function rankLanguages(snapshot: Snapshot): Promise<LanguageRanking> {
  const vendor = vendored()
  // Helm charts (draft's own among them) are deploy files, not the app: `_helpers.tpl` reads as Smarty.
  const charts = snapshot.files.filter(f => posix.basename(f.path) === 'Chart.yaml').map(f => `${posix.dirname(f.path)}/`)
  const kinds = new Map<string, FileEntry[]>()
  for (const file of snapshot.files) {
    if (file.size === 0 || vendor.test(file.path)) continue
    if (charts.some(chart => chart === './' || file.path.startsWith(chart))) continue
    const kind = kindOf(file.path)
    let group = kinds.get(kind)
    if (!group) kinds.set(kind, (group = []))
    group.push(file)
  }

  const samplePaths: string[] = []
  const sampleContents: string[] = []
  const samplesOf = new Map<string, string[]>()
  for (const [kind, group] of kinds) {
    const picked = pickSamples(group)
    const paths: string[] = []
    for (const file of picked) {
      const text = snapshot.read(file.path)
      if (text === undefined) continue
      paths.push(file.path)
      samplePaths.push(file.path)
      sampleContents.push(text.slice(0, SAMPLE_BYTES))
    }
    samplesOf.set(kind, paths)
  }

  const linguist = require('linguist-js') as Linguist
  const result = samplePaths.length
    ? await linguist(samplePaths, {
        fileContent: sampleContents,
        offline: true,
        calculateLines: false,
        keepVendored: false,
      })
    : {files: {results: {}}, languages: {results: {}}}

  const totals = new Map<string, {bytes: number; files: number}>()
  for (const [kind, group] of kinds) {
    const samples = samplesOf.get(kind) ?? []
    const labels = samples.map(p => result.files.results[p]).filter((l): l is string => Boolean(l))
    if (labels.length === 0) continue
    const bytes = group.reduce((sum, f) => sum + f.size, 0)
    for (const language of new Set(labels)) {
      const weight = labels.filter(l => l === language).length / samples.length
      const total = totals.get(language) ?? {bytes: 0, files: 0}
      total.bytes += bytes * weight
      total.files += Math.round(group.length * weight)
      totals.set(language, total)
    }
  }

  const code: LanguageShare[] = []
  const other: LanguageShare[] = []
  for (const [language, {bytes, files}] of totals) {
    const category = result.languages.results[language]?.type ?? 'data'
    const entry = {language, category, bytes: Math.round(bytes), files, share: 0}
    if (category === 'programming' && !GLUE_LANGUAGES.has(language)) code.push(entry)
    else other.push(entry)
  }
  return {code: normalise(code), other: normalise(other), sampled: samplePaths.length, files: snapshot.files.length}
}

function normalise(entries: LanguageShare[]): LanguageShare[] {
  const total = entries.reduce((sum, e) => sum + e.bytes, 0)
  for (const entry of entries) entry.share = total ? entry.bytes / total : 0
  return entries.sort((a, b) => b.bytes - a.bytes || a.language.localeCompare(b.language))
}

/** First, middle and last by path: deterministic, and spread across the tree. */
function pickSamples(group: FileEntry[]): FileEntry[] {
  if (group.length <= SAMPLES_PER_KIND) return group
  const sorted = [...group].sort((a, b) => (a.path < b.path ? -1 : 1))
  const picks = new Set<number>()
  for (let i = 0; i < SAMPLES_PER_KIND; i++) picks.add(Math.round((i * (sorted.length - 1)) / (SAMPLES_PER_KIND - 1)))
  return [...picks].map(i => sorted[i]!)
}
