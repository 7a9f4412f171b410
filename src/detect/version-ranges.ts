import {validRange} from '../pack-model/versions.js'

/**
 * Version constraints of other ecosystems, written as the semver ranges the packs choose from
 * (pack-model/versions.ts). Each returns undefined for what names no version ("system", "*").
 */

/** The upper bound of a pessimistic constraint (~> in Ruby, ~= in Python, ~ in Composer): 3.1 -> <4, 3.1.2 -> <3.2. */
function pessimistic(version: string): string {
  const parts = version.split('.').map(Number)
  const kept = parts.slice(0, Math.max(1, parts.length - 1))
  kept[kept.length - 1]! += 1
  return `>=${version} <${kept.join('.')}`
}

/** PEP 440 specifiers and Poetry's caret and tilde: ">=3.10,<3.13", "~=3.9", "==3.12.*", "^3.11". */
export function pep440Range(spec: string): string | undefined {
  const clauses: string[] = []
  for (const raw of spec.split(',')) {
    const clause = raw.trim()
    if (!clause) continue
    const m = /^(===|==|~=|!=|>=|<=|>|<|\^|~)?\s*v?(\d+(?:\.\d+)*)(\.\*)?$/.exec(clause)
    if (!m) return undefined
    const [, op = '==', version, star] = m as unknown as [string, string | undefined, string, string | undefined]
    if (op === '!=') continue // an exclusion never decides the line to build with
    if (op === '~=') clauses.push(pessimistic(version))
    else if (op === '==' || op === '===') clauses.push(star ? `${version}.x` : version)
    else clauses.push(`${op}${version}`)
  }
  return clauses.length ? validRange(clauses.join(' ')) : undefined
}

/** RubyGems requirements: "~> 3.2", ">= 3.0, < 3.4", "3.2.2" (a Gemfile's ruby line may list several). */
export function gemRange(spec: string): string | undefined {
  const clauses: string[] = []
  for (const raw of spec.split(',')) {
    const m = /^\s*(~>|>=|<=|>|<|=|!=)?\s*(\d+(?:\.\d+)*)/.exec(raw)
    if (!m) return undefined
    const [, op = '=', version] = m as unknown as [string, string | undefined, string]
    if (op === '!=') continue
    clauses.push(op === '~>' ? pessimistic(version) : op === '=' ? version : `${op}${version}`)
  }
  return clauses.length ? validRange(clauses.join(' ')) : undefined
}

/** Composer constraints: "^8.1 || ^8.2", "~8.1" (>=8.1 <9), ">=7.4 <8.3", "8.3.*", "8.1.0 - 8.3". */
export function composerRange(spec: string): string | undefined {
  const alternatives: string[] = []
  for (const alternative of spec.split(/\s*\|\|?\s*/)) {
    const clauses: string[] = []
    for (const raw of alternative.replace(/@\w+/g, '').trim().split(/\s*,\s*|\s+(?![\d.*]+(?:\s|$))(?=[<>=^~!v\d])/)) {
      const clause = raw.trim()
      if (!clause || clause === '-') continue
      const m = /^(>=|<=|>|<|==|=|!=|\^|~)?\s*v?(\d+(?:\.\d+)*)(\.\*)?$/.exec(clause)
      if (!m) return undefined
      const [, op = '', version, star] = m as unknown as [string, string, string, string | undefined]
      if (op === '!=') continue
      if (op === '~') clauses.push(version.includes('.') ? pessimistic(version) : `>=${version}`)
      else if (op === '' || op === '=' || op === '==') clauses.push(star ? `${version}.x` : version)
      else clauses.push(`${op}${version}`)
    }
    if (clauses.length) alternatives.push(clauses.join(' '))
  }
  return alternatives.length ? validRange(alternatives.join(' || ')) : undefined
}
