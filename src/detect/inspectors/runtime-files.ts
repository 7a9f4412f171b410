import yaml from 'js-yaml'

import {type Evidence, type Fact, lineOf} from '../facts.js'
import type {Snapshot} from '../snapshot.js'
import {parseToml} from '../../util/toml.js'

/**
 * Files a compiled program reads at run time, relative to its working directory: templates
 * (`LoadHTMLGlob("templates/*")`, `Tera::new("templates/**")`), folders it serves (`http.Dir("static")`,
 * `ServeDir::new("public")`), migrations, config files. The runtime image of a compiled app holds only
 * the program, so these must be copied next to it, and the program must run from there. Whatever is
 * compiled into the program (`//go:embed`, `include_str!`) needs nothing.
 *
 * A path counts when a string literal in the program's source names a file or folder of the app that
 * is not itself source code, or when a conventional folder holds only such files.
 */
export interface RuntimeFileOptions {
  /** Source files whose string literals may name paths. */
  sources: readonly string[]
  /** Folder the program runs from, relative to the snapshot root ('' for the root). */
  base: string
  /** Extensions of the language's source files: never data to copy. */
  sourceExtensions: readonly string[]
  /** Paths (relative to the snapshot root) compiled into the program, with why; nothing under them is copied. */
  embedded?: readonly {path: string; evidence: Evidence}[]
  /** Folders (relative to base) read by convention; copied when they exist and hold no source. */
  conventional?: readonly string[]
  /** Paths (relative to base) never copied: what the build packages another way (src/ of a JVM build). */
  exclude?: readonly string[]
}

/** Literal strings of C-like source: "double quoted" and `raw`, with the index of each. */
const LITERALS = /"((?:[^"\\\n]|\\.){1,200})"|`([^`\n]{1,200})`/g

const isUnder = (path: string, folder: string): boolean => folder === '' || path === folder || path.startsWith(`${folder}/`)

/** The path a literal names, as a folder when it is a glob: "./templates/*.html" -> "templates". */
export function literalPath(literal: string): string | undefined {
  let p = literal.trim().replace(/^file:\/\//, '').replace(/^(\.\/)+/, '')
  if (!p || p.startsWith('/') || /^[A-Za-z][\w+.-]*:/.test(p) || /(^|\/)\.\.(\/|$)/.test(p) || /[\s%$<>|"'\\]/.test(p)) return undefined
  const glob = p.search(/[*?[{]/)
  if (glob >= 0) p = p.slice(0, glob).replace(/[^/]*$/, '')
  p = p.replace(/\/+$/, '')
  return p || undefined
}

export function runtimeFiles(snapshot: Snapshot, options: RuntimeFileOptions): Fact<string[]> | undefined {
  const base = options.base
  const full = (rel: string): string => (base ? `${base}/${rel}` : rel)
  const isSource = (path: string): boolean => options.sourceExtensions.some(ext => path.endsWith(ext))
  const dataUnder = (path: string): string[] => snapshot.files.filter(f => f.path.startsWith(`${path}/`)).map(f => f.path)
  const embeddedBy = (path: string): {path: string; evidence: Evidence} | undefined =>
    options.embedded?.find(e => isUnder(path, e.path) || isUnder(e.path, path))
  const excluded = (rel: string): boolean => (options.exclude ?? []).some(x => isUnder(rel, x))
  const found = new Map<string, Evidence>()

  for (const file of options.sources) {
    const text = snapshot.read(file)
    if (!text) continue
    for (const m of text.matchAll(LITERALS)) {
      const rel = literalPath(m[1] ?? m[2] ?? '')
      if (!rel || found.has(rel) || excluded(rel)) continue
      const path = full(rel)
      const isFile = snapshot.has(path) && !isSource(path) && !/(^|\/)(go\.mod|go\.sum|Cargo\.toml|Cargo\.lock|pom\.xml)$/.test(path)
      const isFolder = !isFile && dataUnder(path).some(p => !isSource(p))
      if (!isFile && !isFolder) continue
      if (embeddedBy(path)) continue
      // Skip a path inside one already found, and drop found ones inside this one.
      if ([...found.keys()].some(k => isUnder(rel, k))) continue
      for (const k of [...found.keys()]) if (isUnder(k, rel)) found.delete(k)
      const line = text.slice(0, m.index).split('\n').length
      found.set(rel, {detail: `the program reads ${m[0]} at run time: ${rel}${isFolder ? '/' : ''} is copied next to it`, file, line, key: rel})
    }
  }
  for (const rel of options.conventional ?? []) {
    const path = full(rel)
    const files = dataUnder(path)
    if (!files.length || files.some(isSource) || files.some(f => /(^|\/)package\.json$/.test(f)) || excluded(rel)) continue
    if ([...found.keys()].some(k => isUnder(rel, k)) || embeddedBy(path)) continue
    found.set(rel, {detail: `${rel}/ holds files a server reads at run time (by convention): copied next to the program`, file: files[0], key: rel})
  }
  if (!found.size) return undefined
  return {value: [...found.keys()], evidence: [...found.values()]}
}

/** Keys that hold a port, and keys that hold an address with a port (":8080", "0.0.0.0:8080"). */
const PORT_KEYS = /^(?:port|http[_-]?port|server[_-]?port|listen[_-]?port|web[_-]?port|app[_-]?port)$/i
const ADDRESS_KEYS = /^(?:addr|address|listen|bind|listen[_-]?addr(?:ess)?|http[_-]?addr(?:ess)?|server[_-]?addr(?:ess)?|host[_-]?port)$/i
/** Keys of other services: the port of a database in the same file is not where the app listens. */
const OTHER_SERVICE = /(^|[._-])(db|database|postgres|pg|mysql|redis|mongo|smtp|mail|amqp|rabbit|kafka|metrics|admin|debug|grpc|prometheus|pprof)([._-]|$)/i

/** Flat `a.b.c` keys of a config file, with the text of each value. */
export function flattenConfig(file: string, text: string): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (node: unknown, prefix: string): void => {
    if (node && typeof node === 'object' && !Array.isArray(node)) {
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) walk(v, prefix ? `${prefix}.${k}` : k)
    } else if (typeof node === 'string' || typeof node === 'number') {
      out.set(prefix, String(node))
    }
  }
  try {
    if (file.endsWith('.json')) walk(JSON.parse(text), '')
    else if (/\.ya?ml$/.test(file)) for (const doc of yaml.loadAll(text)) walk(doc, '')
    else if (file.endsWith('.toml')) walk(parseToml(text).data, '')
    else if (/\.(properties|ini|conf|cfg|env)$/.test(file)) {
      let section = ''
      for (const raw of text.split(/\r?\n/)) {
        const line = raw.trim()
        if (!line || /^[#;!]/.test(line)) continue
        const header = /^\[([^\]]+)\]$/.exec(line)
        if (header) {
          section = header[1]!.trim()
          continue
        }
        const pair = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line)
        if (pair) out.set(section ? `${section}.${pair[1]}` : pair[1]!, pair[2]!.trim().replace(/^["']|["']$/g, ''))
      }
    }
  } catch {
    // A config file that does not parse says nothing about the port.
  }
  return out
}

/**
 * The port set in a config file that the program reads (a runtime file, or a resource it loads by
 * name) when the code reads that key too: the key as a string (`viper.GetInt("server.port")`,
 * `props.getProperty("port")`), or its name in a struct tag or field (`json:"port"`, `port: u16`).
 */
export function configFilePort(snapshot: Snapshot, configFiles: readonly string[], sources: readonly string[]): Fact<number> | undefined {
  const texts = sources.map(f => ({file: f, text: snapshot.read(f) ?? ''}))
  for (const file of configFiles) {
    if (!/\.(json|ya?ml|toml|properties|ini|conf|cfg)$/.test(file)) continue
    const text = snapshot.read(file)
    if (!text) continue
    for (const [key, value] of flattenConfig(file, text)) {
      const leaf = key.split('.').pop()!
      if (OTHER_SERVICE.test(key)) continue
      let port: number | undefined
      if (PORT_KEYS.test(leaf) && /^\d{2,5}$/.test(value.trim())) port = Number(value)
      else if (ADDRESS_KEYS.test(leaf)) {
        const m = /^(?:[\w.-]*|\[[:\w]*\]):(\d{2,5})$/.exec(value.trim())
        if (m) port = Number(m[1])
      }
      if (!port || port > 65535) continue
      const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      const reads = new RegExp(`["'\`]${escaped(key)}["'\`]|["'\`]${escaped(leaf)}["'\`]|(?:json|yaml|toml|mapstructure|koanf|env|ini):"${escaped(leaf)}"|\\b${escaped(leaf)}\\s*:\\s*(?:u16|u32|i32|i64|usize|int|Int|uint16|String|string)\\b|\\b(?:int|Integer|String|val|var)\\s+${escaped(leaf)}\\b`)
      const reader = texts.find(t => reads.test(t.text))
      if (!reader) continue
      const readLine = lineOf(reader.text, reads)
      const where = lineOf(text, new RegExp(`(^|["\\s.])${escaped(leaf)}["']?\\s*[=:]`, 'm'))
      return {
        value: port,
        evidence: [
          {detail: `${key} = ${value} in ${file}, which the program reads`, file, ...(where ? {line: where} : {})},
          {detail: `the code reads ${leaf} from its config`, file: reader.file, ...(readLine ? {line: readLine} : {})},
        ],
      }
    }
  }
  return undefined
}
