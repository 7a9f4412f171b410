import {statSync} from 'node:fs'
import {join, relative, resolve} from 'node:path'

import {DraftError} from '../core/errors.js'
import type {Pack} from '../pack-model/manifest.js'
import {type PackSet, formatProblem, heldReason} from '../pack-model/registry.js'
import {type Variables, resolveVariables} from '../pack-model/variables.js'
import {matchGlob} from '../util/glob.js'
import type {Evidence, Facts} from './facts.js'
import {inspectAll} from './inspectors/index.js'
import {type LanguageRanking, rankLanguages} from './languages.js'
import {type PackScore, choosePack, scorePacks} from './score.js'
import {type Snapshot, subSnapshot, walkApp} from './snapshot.js'

export interface MonorepoApp {
  path: string
  pack: string | null
  framework: string | null
  /** Why the folder is a library rather than an app (an inspector's `*.library` fact), when it is one. */
  library?: string
}

export interface Detection {
  root: string
  pack: string | null
  language: string | null
  framework: string | null
  port: number | null
  startCommand: string | null
  version: string | null
  /** Why the pack was chosen, then where each inferred value came from. */
  evidence: Evidence[]
  alternatives: {pack: string; score: number}[]
  scores: PackScore[]
  languages: LanguageRanking
  facts: Facts
  variables: Variables | null
  monorepo: {apps: MonorepoApp[]} | null
  warnings: string[]
  stats: {files: number; sampled: number; ms: number}
}

export interface DetectOptions {
  /** Force a pack instead of choosing one (also skips the monorepo refusal). */
  pack?: string
  /** `--set KEY=VALUE` overrides of the pack's variables. */
  sets?: readonly string[]
}

/** A folder as a user named it: it must exist, be a folder, and hold something to look at. */
export function openApp(path: string): Snapshot {
  const root = resolve(path)
  let stat
  try {
    stat = statSync(root)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DraftError('PATH_NOT_FOUND', {path})
    throw new DraftError('UNREADABLE', {path, reason: (error as NodeJS.ErrnoException).code ?? 'error'})
  }
  if (!stat.isDirectory()) throw new DraftError('PATH_NOT_DIRECTORY', {path})
  const snapshot = walkApp(root)
  if (snapshot.files.length === 0) throw new DraftError('EMPTY_FOLDER', {path})
  return snapshot
}

export async function detectApp(snapshot: Snapshot, packs: PackSet, options: DetectOptions = {}): Promise<Detection> {
  const started = performance.now()
  const warnings = packs.broken.map(b => `pack "${b.name}" (${b.source}) is broken and was skipped: ${b.problems[0] ? formatProblem(b.problems[0]) : ''}`)
  for (const s of packs.shadowed) warnings.push(`pack "${s.name}" from ${s.source} packs is shadowed by the ${s.by} pack of the same name`)
  for (const h of packs.held) warnings.push(`pack "${h.name}" came with the app and was not loaded (${heldReason(h)}): review ${h.dir}, then run \`draft pack allow ${h.dir}\`${h.reason === 'denied' ? '' : ', or pass --yes to trust it for this run only'}`)

  const analysis = await analyse(snapshot, packs.packs)
  let monorepo: Detection['monorepo'] = null
  if (!options.pack) {
    const apps = findApps(snapshot, packs.packs, analysis.facts)
    if (apps.length >= 2) monorepo = {apps: await describeApps(snapshot, packs, apps)}
  }

  const chosen = options.pack ? packs.get(options.pack) : monorepo ? undefined : packFor(choosePack(analysis.scores), packs)
  const variables = chosen ? resolveVariables(chosen, analysis.facts, options.sets ?? [], warnings) : null
  const score = chosen ? analysis.scores.find(s => s.pack === chosen.name) : undefined
  const evidence: Evidence[] = [...(score?.evidence ?? [])]
  if (variables) {
    for (const v of Object.values(variables)) {
      if (v.source === 'default') continue
      for (const e of v.evidence) evidence.push({...e, detail: `${v.name}: ${e.detail}`})
    }
  }
  for (const [key, f] of Object.entries(analysis.facts)) {
    if (key.endsWith('.bindsLocalhost') && f.value) warnings.push(`${f.evidence[0]?.file ? `${f.evidence[0].file}${f.evidence[0].line ? `:${f.evidence[0].line}` : ''}: ` : ''}${f.evidence[0]?.detail ?? 'binds to localhost'}`)
  }

  const value = <T>(name: string, type: 'string' | 'number'): T | null => {
    const v = variables?.[name]?.value
    return typeof v === type && v !== '' ? (v as T) : null
  }
  const language = chosen
    ? (analysis.languages.code.find(l => chosen.languages.includes(l.language)) ??
        analysis.languages.other.find(l => chosen.languages.includes(l.language)))?.language ?? chosen.languages[0] ?? null
    : null
  return {
    root: snapshot.root,
    pack: chosen?.name ?? null,
    language,
    framework: value<string>('framework', 'string'),
    port: value<number>('port', 'number'),
    startCommand: value<string>('startCommand', 'string'),
    version: value<string>('version', 'string'),
    evidence,
    alternatives: analysis.scores.filter(s => s.pack !== chosen?.name && s.score > 0).map(s => ({pack: s.pack, score: s.score})),
    scores: analysis.scores,
    languages: analysis.languages,
    facts: analysis.facts,
    variables,
    monorepo,
    warnings,
    stats: {files: snapshot.files.length, sampled: analysis.languages.sampled, ms: Math.round(performance.now() - started)},
  }
}

/**
 * The app folders below a root (one or two levels down, each with its own manifest), each with the pack
 * that fits it and whether it is a library: what `draft create` at a project root chooses among.
 */
export async function listApps(snapshot: Snapshot, packs: PackSet): Promise<MonorepoApp[]> {
  return describeApps(snapshot, packs, findApps(snapshot, packs.packs, inspectAll(snapshot)))
}

async function describeApps(snapshot: Snapshot, packs: PackSet, paths: readonly string[]): Promise<MonorepoApp[]> {
  const found: MonorepoApp[] = []
  for (const path of paths) {
    const sub = await analyse(subSnapshot(snapshot, path), packs.packs)
    const chosen = choosePack(sub.scores)
    const framework = chosen ? resolveVariables(packs.get(chosen.pack), sub.facts, []).framework?.value : undefined
    const library = Object.entries(sub.facts).find(([key, f]) => key.endsWith('.library') && f.value)?.[1]
    found.push({
      path,
      pack: chosen?.pack ?? null,
      framework: typeof framework === 'string' ? framework : null,
      ...(library ? {library: library.evidence[0]?.detail ?? 'a library: nothing to run'} : {}),
    })
  }
  return found
}

/** The chosen pack, or a DraftError that says why nothing was chosen and what to do. */
export function requirePack(detection: Detection, packs: PackSet): Pack {
  const problem = whyNoPack(detection, packs)
  if (problem) throw problem
  return packs.get(detection.pack!)
}

export function whyNoPack(detection: Detection, packs: PackSet): DraftError | undefined {
  if (detection.pack) return undefined
  if (detection.monorepo) {
    const first = detection.monorepo.apps[0]?.path ?? ''
    const example = relative(process.cwd(), join(detection.root, first)) || first
    return new DraftError('MONOREPO', {path: detection.root, apps: detection.monorepo.apps.map(a => `${a.path} (${a.pack ?? 'no pack'})`), example})
  }
  return new DraftError('NO_PACK_MATCH', {path: detection.root, packs: packs.names(), ...(packs.held.length ? {held: packs.held.map(h => h.dir)} : {})})
}

async function analyse(snapshot: Snapshot, packs: readonly Pack[]): Promise<{languages: LanguageRanking; facts: Facts; scores: PackScore[]}> {
  const languages = await rankLanguages(snapshot)
  const facts = inspectAll(snapshot)
  const paths = snapshot.files.map(f => f.path)
  return {languages, facts, scores: scorePacks(packs, {paths, languages, facts})}
}

function packFor(score: PackScore | undefined, packs: PackSet): Pack | undefined {
  return score ? packs.get(score.pack) : undefined
}

/** Points a marker must carry to count as an app's own manifest rather than a hint. */
const MANIFEST_WEIGHT = 20

/**
 * Sub-folders (one or two levels down) that hold an app's own manifest, when the root is not itself an
 * app: either it has no manifest, or its manifest only declares a workspace (npm workspaces, go.work,
 * a Cargo workspace, a Maven aggregator, a Gradle multi-project).
 */
function findApps(snapshot: Snapshot, packs: readonly Pack[], rootFacts: Facts): string[] {
  const manifestGlobs = packs.flatMap(p => p.rules.filter(r => r.files && r.weight >= MANIFEST_WEIGHT).flatMap(r => r.files!))
  const hasManifest = (paths: readonly string[]): boolean => manifestGlobs.some(g => !g.includes('/') && matchGlob(g, paths).length > 0)
  const rootPaths = snapshot.list('')
  const workspace = Object.entries(rootFacts).some(([k, f]) => k.endsWith('.workspace') && Boolean(f.value))
  if (hasManifest(rootPaths) && !workspace) return []

  const apps: string[] = []
  const visit = (folder: string, depth: number): void => {
    for (const child of snapshot.list(folder)) {
      if (snapshot.has(child)) continue
      const names = snapshot.list(child).map(p => p.slice(child.length + 1))
      if (hasManifest(names)) apps.push(child)
      else if (depth < 2) visit(child, depth + 1)
    }
  }
  visit('', 1)
  return apps
}
