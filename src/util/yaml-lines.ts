/**
 * Where a value sits in a YAML file, for errors that name the line: js-yaml gives plain data and no
 * positions, so the path is found again in the text. Block style (what compose files are written in)
 * is followed key by key and item by item; inside flow style (`{a: 1}`, `[a, b]`) the answer is the
 * line of the deepest key that could be followed. Pure.
 */
interface Row {
  line: number
  /** Column of the row's content after any `- ` item markers. */
  column: number
  /** Columns of the `- ` markers that open sequence items on this row, outermost first. */
  items: number[]
  /** The key this row defines, unquoted, when it is a `key:` row. */
  key?: string
}

const KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{[\]}&*!|>%@`,?:-][^#]*?|[-?:][^\s#][^#]*?)\s*:(?:\s|$)/

function rowsOf(text: string): Row[] {
  const rows: Row[] = []
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!
    let column = raw.length - raw.trimStart().length
    let rest = raw.trimStart()
    if (rest === '' || rest.startsWith('#') || rest === '---' || rest === '...') continue
    const items: number[] = []
    while (/^-(\s|$)/.test(rest)) {
      items.push(column)
      const after = rest.slice(1)
      const pad = after.length - after.trimStart().length
      column += 1 + pad
      rest = after.trimStart()
    }
    const match = KEY.exec(rest)
    const key = match ? unquote(match[1]!) : undefined
    rows.push({line: i + 1, column, items, ...(key !== undefined ? {key} : {})})
  }
  return rows
}

function unquote(key: string): string {
  if (key.startsWith('"')) {
    try {
      return JSON.parse(key) as string
    } catch {
      return key.slice(1, -1)
    }
  }
  if (key.startsWith("'")) return key.slice(1, -1).replaceAll("''", "'")
  return key.trim()
}

/**
 * The 1-based line of the value at `path` (keys and sequence indexes), or of the deepest part of it
 * that was found; undefined when not even the first key is there.
 */
export function yamlLineOf(text: string, path: readonly (string | number)[]): number | undefined {
  const rows = rowsOf(text)
  type Candidate = {index: number; column: number; items: number[]; key?: string}
  // The node looked into: rows after `from` that are deeper than `indent`. After a key, its value may
  // be a sequence whose markers sit at the key's own column; an item's content starts on its row.
  let from = -1
  let indent = -1
  let sameColumnItems = false
  let inline: Candidate | undefined
  let found: number | undefined
  const inside = (row: Row): boolean => {
    const first = row.items[0] ?? row.column
    return first > indent || (sameColumnItems && row.items[0] === indent)
  }
  for (const part of path) {
    const candidates: Candidate[] = inline ? [inline] : []
    for (let i = from + 1; i < rows.length && inside(rows[i]!); i++) {
      const row = rows[i]!
      candidates.push({index: i, column: row.column, items: row.items, ...(row.key !== undefined ? {key: row.key} : {})})
    }
    if (candidates.length === 0) return found
    if (typeof part === 'number') {
      const marker = candidates.find(c => c.items.length > 0)?.items[0]
      if (marker === undefined) return found
      const hit = candidates.filter(c => c.items[0] === marker)[part]
      if (!hit) return found
      found = rows[hit.index]!.line
      const rest = hit.items.slice(1)
      inline = {index: hit.index, column: hit.column, items: rest, ...(hit.key !== undefined ? {key: hit.key} : {})}
      from = hit.index
      indent = marker
      sameColumnItems = false
    } else {
      // Keys of this mapping: rows with no item marker of their own (or the item's first row).
      const keys = candidates.filter(c => c.items.length === 0 || c === inline)
      const column = keys[0]?.column
      const hit = keys.find(c => c.column === column && c.key === part)
      if (!hit) return found
      found = rows[hit.index]!.line
      inline = undefined
      from = hit.index
      indent = column!
      sameColumnItems = true
    }
  }
  return found
}
