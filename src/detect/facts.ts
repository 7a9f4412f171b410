import type {Snapshot} from './snapshot.js'

import type {Fact, FactSet} from '../pack-model/facts.js'

export type {Evidence, Fact, FactSet, Facts} from '../pack-model/facts.js'

/**
 * An inspector knows one ecosystem. It reads a snapshot and reports what the Dockerfile and chart need
 * (package manager, runtime version, framework, start command, port, health path, listen environment),
 * each value with its evidence. It is a pure function of the snapshot.
 */
export interface Inspector {
  name: string
  inspect(snapshot: Snapshot): FactSet
}

export const fact = <T>(value: T, detail: string, file?: string, line?: number): Fact<T> => ({
  value,
  evidence: [{detail, ...(file === undefined ? {} : {file}), ...(line === undefined ? {} : {line})}],
})

/** 1-based line of the first match of a pattern in a text, for evidence. */
export function lineOf(text: string, pattern: RegExp | string): number | undefined {
  const index = typeof pattern === 'string' ? text.indexOf(pattern) : text.search(pattern)
  if (index < 0) return undefined
  let line = 1
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

/** The first match of a pattern across files, with file and line, for evidence. */
export function findIn(
  snapshot: Snapshot,
  files: readonly string[],
  pattern: RegExp,
): {file: string; line: number; match: RegExpExecArray} | undefined {
  for (const file of files) {
    const text = snapshot.read(file)
    if (!text) continue
    const match = pattern.exec(text)
    // The line of this match itself (a global pattern keeps its lastIndex; searching again could differ).
    if (match) return {file, line: text.slice(0, match.index).split('\n').length, match}
  }
  return undefined
}

/** `web:` command of a Procfile, the first source of a start command in every ecosystem. */
export function procfileWeb(snapshot: Snapshot): Fact<string> | undefined {
  const text = snapshot.read('Procfile')
  if (!text) return undefined
  const match = /^web:\s*(.+?)\s*$/m.exec(text)
  if (!match) return undefined
  return fact(match[1]!, 'Procfile web process', 'Procfile', lineOf(text, /^web:/m))
}

/** Source files of an app under the given folders, tests and fixtures left out, at most `limit`. */
export function sourceFiles(snapshot: Snapshot, extensions: readonly string[], limit = 80): string[] {
  const out: string[] = []
  for (const file of snapshot.files) {
    if (out.length >= limit) break
    if (!extensions.some(ext => file.path.endsWith(ext))) continue
    // Java packages such as com/example/ are source: examples and docs only count as such at the top.
    if (/(^|\/)(test|tests|__tests__|spec|e2e|fixtures?)\//.test(file.path) || /^(examples?|docs?)\//.test(file.path)) continue
    if (/\.(test|spec)\.[a-z]+$/.test(file.path)) continue
    if (file.size > 256 * 1024) continue
    out.push(file.path)
  }
  // The entry points usually sit at the top; look there first.
  return out.sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1))
}

/** Parse JSON, tolerating a broken file (evidence of nothing rather than a crash). */
export function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined
  try {
    const value = JSON.parse(text) as unknown
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** A health endpoint found in source, in order of how conventional it is. */
export function findHealthPath(snapshot: Snapshot, files: readonly string[]): Fact<string> | undefined {
  const candidates = ['/healthz', '/health', '/api/health', '/livez', '/readyz', '/ping', '/status']
  for (const path of candidates) {
    const quoted = new RegExp(`["'\`]${path.replace(/\//g, '\\/')}["'\`]`)
    const found = findIn(snapshot, files, quoted)
    if (found) return fact(path, `route ${path} defined in source`, found.file, found.line)
  }
  return undefined
}
