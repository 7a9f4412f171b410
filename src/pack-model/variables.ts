import {DraftError} from '../core/errors.js'
import type {Evidence, Facts} from './facts.js'
import type {Pack, VariableSpec} from './manifest.js'
import {chooseVersion, isPublished} from './versions.js'

export type VariableSource = 'flag' | 'detected' | 'default'

export interface ResolvedVariable {
  name: string
  value: unknown
  source: VariableSource
  /** The fact it came from (`node.port`), when detected. */
  fact?: string
  evidence: Evidence[]
  description: string
}

export type Variables = Record<string, ResolvedVariable>

/** `--set KEY=VALUE` pairs; `env.KEY=VALUE` sets one entry of a map variable. */
export function parseSets(inputs: readonly string[]): {key: string; value: string; input: string}[] {
  return inputs.map(input => {
    const eq = input.indexOf('=')
    if (eq <= 0) throw new DraftError('BAD_SET', {input, reason: 'expected KEY=VALUE'})
    return {key: input.slice(0, eq).trim(), value: input.slice(eq + 1), input}
  })
}

/**
 * The value of each of a pack's variables: a --set wins, then the first fact named in derived-from
 * that was detected, then the default. Pure; a bad --set is an error, a detected value that fails the
 * variable's validation is dropped (with a warning) in favour of the default.
 */
export function resolveVariables(
  pack: Pack,
  facts: Facts,
  sets: readonly string[],
  warnings: string[] = [],
): Variables {
  const keys = Object.keys(pack.variables).sort()
  const flags = parseSets(sets)
  const out: Variables = {}
  for (const [name, spec] of Object.entries(pack.variables)) {
    const resolved: ResolvedVariable = {name, value: spec.default ?? emptyOf(spec), source: 'default', evidence: [], description: spec.description}
    const collects = spec.type === 'map' || spec.type === 'list'
    const found: {key: string; value: unknown; evidence: Evidence[]}[] = []
    for (const key of spec.derivedFrom) {
      const candidate = facts[key]
      if (candidate === undefined || candidate.value === undefined || candidate.value === null) continue
      if (spec.type === 'version' && spec.versions) {
        // The fact is what the app asks for (a range); the value is the line chosen for it.
        const where = candidate.evidence[0]?.file ? `${candidate.evidence[0].file}${candidate.evidence[0].line ? `:${candidate.evidence[0].line}` : ''}` : undefined
        const choice = typeof candidate.value === 'string' ? chooseVersion(candidate.value, spec.versions, where) : undefined
        if (!choice) {
          warnings.push(`ignored detected ${name} = ${JSON.stringify(candidate.value)} (${key}): not a version range`)
          continue
        }
        if (choice.warning) warnings.push(`${name}: ${choice.warning}`)
        Object.assign(resolved, {value: choice.value, source: 'detected', fact: key, evidence: [...candidate.evidence, {detail: choice.detail}]})
        break
      }
      const problem = check(spec, candidate.value)
      if (problem) {
        warnings.push(`ignored detected ${name} = ${JSON.stringify(candidate.value)} (${key}): ${problem}`)
        continue
      }
      found.push({key, value: candidate.value, evidence: candidate.evidence})
      // A map or a list gathers every fact it names (the listen environment of the ecosystem's
      // inspector and the settings an .env.example declares); anything else takes the first.
      if (!collects) break
    }
    if (found.length) {
      let value: unknown = found[0]!.value
      if (spec.type === 'map') {
        // A detected map adds to the default one (PORT stays set when the app also needs HOST); an
        // earlier fact wins a key that a later one also has.
        value = Object.assign({}, resolved.value as object, ...found.map(f => f.value as object).reverse())
      } else if (spec.type === 'list') {
        value = [...new Set([...(resolved.value as string[]), ...found.flatMap(f => f.value as string[])])]
      }
      Object.assign(resolved, {value, source: 'detected', fact: found.map(f => f.key).join(', '), evidence: found.flatMap(f => f.evidence)})
    }
    out[name] = resolved
  }
  applySystemPackages(pack, facts, out)
  for (const {key, value, input} of flags) {
    const [name, entry] = splitMapKey(key)
    const spec = pack.variables[name]
    if (!spec) throw new DraftError('BAD_SET', {input, reason: `the ${pack.name} pack has no variable "${name}"`, keys})
    const variable = out[name]!
    if (entry !== undefined) {
      if (spec.type !== 'map') throw new DraftError('BAD_SET', {input, reason: `${name} is a ${spec.type}, not a map`, keys})
      const base = variable.source === 'flag' ? (variable.value as Record<string, string>) : {...(variable.value as Record<string, string>)}
      base[entry] = value
      Object.assign(variable, {value: base, source: 'flag', evidence: [{detail: `--set ${input}`}]})
      continue
    }
    const coerced = coerce(spec, value)
    if (!coerced.ok) throw new DraftError('BAD_SET', {input, reason: coerced.reason})
    Object.assign(variable, {value: coerced.value, source: 'flag', fact: undefined, evidence: [{detail: `--set ${input}`}]})
  }
  substitute(out)
  return out
}

/** Map values may refer to other variables as {{name}} (PORT = "{{port}}"). */
function substitute(variables: Variables): void {
  for (const variable of Object.values(variables)) {
    if (!variable.value || typeof variable.value !== 'object' || Array.isArray(variable.value)) continue
    const map = {...(variable.value as Record<string, unknown>)}
    for (const [k, v] of Object.entries(map)) {
      if (typeof v === 'string') map[k] = v.replace(/\{\{(\w+)\}\}/g, (_, ref: string) => String(variables[ref]?.value ?? ''))
    }
    variable.value = map
  }
}

function splitMapKey(key: string): [string, string | undefined] {
  const dot = key.indexOf('.')
  return dot < 0 ? [key, undefined] : [key.slice(0, dot), key.slice(dot + 1)]
}

const emptyOf = (spec: VariableSpec): unknown =>
  spec.type === 'map' ? {} : spec.type === 'list' ? [] : spec.type === 'boolean' ? false : spec.type === 'string' ? '' : null

/**
 * The pack's [[system-packages]] rules whose dependency the app has add their Debian packages to the
 * buildPackages and runtimePackages variables (space-separated, after what an inspector found).
 */
function applySystemPackages(pack: Pack, facts: Facts, variables: Variables): void {
  for (const rule of pack.systemPackages) {
    const listed = facts[rule.fact]
    const names = Array.isArray(listed?.value) ? (listed.value as unknown[]).filter((n): n is string => typeof n === 'string') : []
    const matched = rule.any.includes('*') ? names.slice(0, 1) : rule.any.filter(n => names.includes(n))
    if (!matched.length) continue
    const dependency = matched[0]!
    const declared = listed!.evidence.find(e => e.key === dependency) ?? listed!.evidence[0]
    for (const [kind, variable] of [['build', 'buildPackages'], ['runtime', 'runtimePackages']] as const) {
      const target = variables[variable]
      if (!rule[kind].length || !target) continue
      const words = String(target.value ?? '').split(/\s+/).filter(Boolean)
      const added = rule[kind].filter(p => !words.includes(p))
      if (!added.length) continue
      const stage = kind === 'build' ? 'to build' : 'at run time'
      target.value = [...words, ...added].join(' ')
      if (target.source === 'default') target.source = 'detected'
      target.fact ??= rule.fact
      target.evidence = [...target.evidence, {detail: `${rule.why ?? `${dependency} needs ${rule[kind].join(', ')} ${stage}`}`, ...(declared?.file ? {file: declared.file} : {}), ...(declared?.line ? {line: declared.line} : {}), key: dependency}]
    }
  }
}

type Coerced = {ok: true; value: unknown} | {ok: false; reason: string}

export function coerce(spec: VariableSpec, raw: string): Coerced {
  switch (spec.type) {
    case 'port':
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim())) return {ok: false, reason: `"${raw}" is not a whole number`}
      const value = Number(raw)
      const problem = check(spec, value)
      return problem ? {ok: false, reason: problem} : {ok: true, value}
    }
    case 'boolean': {
      const lower = raw.trim().toLowerCase()
      if (['true', 'yes', '1', 'on'].includes(lower)) return {ok: true, value: true}
      if (['false', 'no', '0', 'off'].includes(lower)) return {ok: true, value: false}
      return {ok: false, reason: `"${raw}" is not true or false`}
    }
    case 'map':
      return {ok: false, reason: 'set one entry at a time, e.g. --set env.KEY=VALUE'}
    case 'list':
      return {ok: true, value: raw.split(',').map(item => item.trim()).filter(Boolean)}
    default: {
      const problem = check(spec, raw)
      return problem ? {ok: false, reason: problem} : {ok: true, value: raw}
    }
  }
}

/** Why a value does not fit a variable, or undefined when it does. */
export function check(spec: VariableSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case 'port':
      if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) return `a port must be a whole number from 1 to 65535, not ${JSON.stringify(value)}`
      return undefined
    case 'integer':
      if (!Number.isInteger(value)) return `must be a whole number, not ${JSON.stringify(value)}`
      if (spec.minimum !== undefined && (value as number) < spec.minimum) return `must be at least ${spec.minimum}`
      if (spec.maximum !== undefined && (value as number) > spec.maximum) return `must be at most ${spec.maximum}`
      return undefined
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false'
    case 'enum':
      return spec.values?.includes(String(value)) ? undefined : `must be one of ${spec.values?.join(', ')}, not "${String(value)}"`
    case 'map':
      return value && typeof value === 'object' && !Array.isArray(value) ? undefined : 'must be a table of names to values'
    case 'list':
      return Array.isArray(value) && value.every(item => typeof item === 'string') ? undefined : 'must be a list of text values'
    default:
      if (typeof value !== 'string') return `must be text, not ${JSON.stringify(value)}`
      if (spec.pattern && !new RegExp(spec.pattern).test(value)) return `does not match ${spec.pattern}`
      // A line the base image was never published for would be a tag that cannot exist.
      if (spec.type === 'version' && spec.versions && !isPublished(value, spec.versions)) return `the base image was never published for ${value} (published: ${spec.versions.published}; maintained: ${spec.versions.maintained.join(', ')})`
      return undefined
  }
}
