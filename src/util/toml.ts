import {parse} from 'smol-toml'

export interface TomlDocument {
  data: Record<string, unknown>
  /** The 1-based line that defines a key path such as ['environments', 'development', 'registry']. */
  lineOf(path: readonly (string | number)[]): number | undefined
}

export class TomlSyntaxError extends Error {
  constructor(readonly line: number, readonly column: number, message: string) {
    super(message)
  }
}

export function parseToml(source: string): TomlDocument {
  let data: Record<string, unknown>
  try {
    data = parse(source) as Record<string, unknown>
  } catch (error) {
    const e = error as {line?: number; column?: number; message: string}
    const reason = e.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '')
    throw new TomlSyntaxError(e.line ?? 1, e.column ?? 1, reason)
  }
  return {data, lineOf: path => locate(source, path)}
}

const HEADER = /^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/
const KEY = /^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*=/

function splitKey(key: string): string[] {
  const parts: string[] = []
  const re = /"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+)/g
  let m
  while ((m = re.exec(key))) parts.push(m[1] ?? m[2] ?? m[3]!)
  return parts
}

/**
 * Find where a key is defined by tracking table headers line by line. Arrays of tables count their
 * entries so that ['fixtures', 1, 'path'] finds the second [[fixtures]]. Keys inside inline tables
 * resolve to the line of the table. Good enough for pointing a user at the right line.
 */
function locate(source: string, target: readonly (string | number)[]): number | undefined {
  const want = target.map(String)
  const arrayCounts = new Map<string, number>()
  let table: string[] = []
  let best: {line: number; depth: number} | undefined
  const consider = (path: string[], line: number): void => {
    let depth = 0
    while (depth < path.length && depth < want.length && path[depth] === want[depth]) depth++
    if (depth === path.length && depth > 0 && (!best || depth > best.depth)) best = {line, depth}
  }
  const lines = source.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!
    const header = HEADER.exec(text)
    if (header) {
      const parts = splitKey(header[2]!)
      if (header[1] === '[[') {
        const key = parts.join('.')
        const index = arrayCounts.get(key) ?? 0
        arrayCounts.set(key, index + 1)
        table = [...parts, String(index)]
      } else {
        table = parts
      }
      consider(table, i + 1)
      continue
    }
    const key = KEY.exec(text)
    if (key) consider([...table, ...splitKey(key[1]!)], i + 1)
  }
  return best?.line
}
