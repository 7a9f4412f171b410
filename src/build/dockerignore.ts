/**
 * .dockerignore with the semantics Docker itself applies (moby/patternmatcher, as used by the docker CLI's
 * tar walker and by BuildKit's fsutil). Pure functions only: the file-system walk lives in context.ts.
 *
 * Why not a gitignore library: Docker's rules differ in ways that change what goes into an image. Patterns
 * are anchored at the context root (`foo` matches only the top-level foo), a pattern also matches everything below a
 * matching directory, `!` re-includes even inside an excluded directory, and `**` has its own quirks.
 */

import {DraftError} from '../core/errors.js'

export interface IgnorePattern {
  /** The cleaned pattern, without its leading `!`: what Docker compares and what the descend check reads. */
  readonly text: string
  /** A `!` pattern: it re-includes what earlier patterns excluded. */
  readonly exception: boolean
  /** 1-based line in the ignore file, for error messages. */
  readonly line: number
  /** @internal */
  readonly match: (path: string) => boolean
  /** @internal the matcher kind, which the descend check needs. */
  readonly kind: 'exact' | 'prefix' | 'suffix' | 'regexp'
}

/**
 * What each pattern concluded for a directory, handed to its children. Docker's walkers carry exactly this
 * (patternmatcher.MatchInfo) from a directory to its entries, and it changes results in rare orderings,
 * so draft carries it too instead of re-deriving every path from scratch.
 */
export interface MatchState {
  readonly parentMatched: readonly boolean[]
}

export interface Evaluation {
  excluded: boolean
  state: MatchState
}

/**
 * Reads an ignore file the way moby's ignorefile.ReadAll then patternmatcher.New do: a BOM on the first
 * line is dropped, a line is a comment only if `#` is its very first character (before trimming), a
 * leading `!` makes an exception, and each pattern is cleaned like Go's filepath.Clean with a leading `/`
 * removed, so `./a`, `a/`, `/a` and `a/b/..` all mean `a`.
 */
export function parse(text: string, file = '.dockerignore'): IgnorePattern[] {
  const patterns: IgnorePattern[] = []
  const lines = text.split('\n')
  for (const [index, raw] of lines.entries()) {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (index === 0 && line.startsWith('\uFEFF')) line = line.slice(1)
    if (line.startsWith('#')) continue
    let pattern = goTrim(line)
    if (pattern === '') continue

    // ignorefile.ReadAll: normalise the path part, keeping the `!` aside.
    const invert = pattern.startsWith('!')
    if (invert) pattern = goTrim(pattern.slice(1))
    if (pattern.length > 0) {
      pattern = clean(pattern)
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1)
    }
    if (invert) pattern = '!' + pattern

    // patternmatcher.New cleans once more, with the `!` still attached: `!/` becomes `!`, which Docker rejects.
    pattern = clean(goTrim(pattern))
    let exception = false
    if (pattern.startsWith('!')) {
      if (pattern.length === 1) throw invalid(file, index + 1, raw, 'a lone "!" excludes nothing')
      exception = true
      pattern = pattern.slice(1)
    }
    const compiled = compile(pattern, file, index + 1, raw)
    patterns.push({text: pattern, exception, line: index + 1, ...compiled})
  }
  return patterns
}

/**
 * Evaluates one path against the patterns the way Docker's walkers do (MatchesUsingParentResults): the
 * last pattern that matches wins, and a pattern that matched a parent directory counts as matching its
 * entries. Without `parent` the parents are checked directly, which is what Docker does at the top level.
 */
export function evaluate(path: string, patterns: readonly IgnorePattern[], parent?: MatchState): Evaluation {
  const inherited = parent?.parentMatched
  const parentMatched = new Array<boolean>(patterns.length).fill(false)
  let matched = false
  for (const [i, pattern] of patterns.entries()) {
    let match = inherited?.[i] ?? false
    if (!match) {
      // Docker skips a pattern that cannot change the outcome. The skip also means the pattern is not
      // recorded for the children, which is observable in rare orderings; kept on purpose for fidelity.
      if (pattern.exception !== matched) continue
      match = pattern.match(path)
      if (!match && !inherited) match = anyParentMatches(path, pattern)
    }
    parentMatched[i] = match
    if (match) matched = !pattern.exception
  }
  return {excluded: matched, state: {parentMatched}}
}

/**
 * Whether `path` (relative to the context root, `/`-separated) is left out of the build context. The path
 * is evaluated from its top directory down, exactly as a walk of the context reaches it.
 */
export function excluded(path: string, patterns: readonly IgnorePattern[]): boolean {
  if (patterns.length === 0) return false
  const normal = normalise(path)
  if (normal === '.' || normal === '') return false
  const segments = normal.split('/')
  let state: MatchState | undefined
  let result = false
  for (let i = 1; i <= segments.length; i++) {
    const evaluation = evaluate(segments.slice(0, i).join('/'), patterns, state)
    result = evaluation.excluded
    state = evaluation.state
  }
  return result
}

/**
 * Whether a walk must enter an excluded directory: only when an exception could re-include something inside
 * it. This is what keeps node_modules unread. Docker's CLI decides on the exception's text alone and
 * so misses exceptions that begin with a wildcard; BuildKit walks everything when an exception has a
 * wildcard. This check is segment-aware instead, and errs on the side of entering.
 */
export function mustEnter(dir: string, patterns: readonly IgnorePattern[], state?: MatchState): boolean {
  const dirSegments = dir.split('/')
  for (const [i, pattern] of patterns.entries()) {
    if (!pattern.exception) continue
    if (state?.parentMatched[i]) return true
    if (exceptionCouldMatchBelow(pattern, dir, dirSegments)) return true
  }
  return false
}

/**
 * For watchers (chokidar's `ignored`): a directory that is excluded and that no exception could reach into
 * need not be watched at all; a file that is excluded need not be watched either.
 */
export function prunable(path: string, isDirectory: boolean, patterns: readonly IgnorePattern[]): boolean {
  const normal = normalise(path)
  if (!excluded(normal, patterns)) return false
  if (!isDirectory) return true
  return !mustEnter(normal, patterns, stateOf(normal, patterns))
}

/** Go's filepath.Clean for `/`-separated paths. */
export function clean(path: string): string {
  if (path === '') return '.'
  const rooted = path.startsWith('/')
  const out: string[] = []
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop()
      else if (!rooted) out.push('..')
      continue
    }
    out.push(segment)
  }
  const joined = (rooted ? '/' : '') + out.join('/')
  return joined === '' ? '.' : joined
}

function normalise(path: string): string {
  const cleaned = clean(path)
  return cleaned.startsWith('/') ? cleaned.slice(1) : cleaned
}

function stateOf(path: string, patterns: readonly IgnorePattern[]): MatchState | undefined {
  const segments = path.split('/')
  let state: MatchState | undefined
  for (let i = 1; i <= segments.length; i++) state = evaluate(segments.slice(0, i).join('/'), patterns, state).state
  return state
}

function anyParentMatches(path: string, pattern: IgnorePattern): boolean {
  let slash = path.indexOf('/')
  while (slash !== -1) {
    if (pattern.match(path.slice(0, slash))) return true
    slash = path.indexOf('/', slash + 1)
  }
  return false
}

function exceptionCouldMatchBelow(pattern: IgnorePattern, dir: string, dirSegments: readonly string[]): boolean {
  const below = dir + '/'
  switch (pattern.kind) {
    case 'exact':
      return pattern.text.startsWith(below)
    case 'prefix': {
      const prefix = pattern.text.slice(0, -2)
      return prefix.startsWith(below) || below.startsWith(prefix)
    }
    case 'suffix':
      return true
    case 'regexp': {
      // Escapes and classes can span or match `/`, so they are not split into segments: enter.
      if (pattern.text.includes('\\') || pattern.text.includes('[')) return true
      const segments = pattern.text.split('/')
      for (const [i, segment] of segments.entries()) {
        if (segment.includes('**')) return true
        const name = dirSegments[i]
        if (name === undefined) return true
        if (!segmentRegExp(segment).test(name)) return false
      }
      return false
    }
  }
}

function segmentRegExp(segment: string): RegExp {
  let source = '^'
  for (const ch of segment) source += ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : literal(ch)
  return new RegExp(source + '$', 'u')
}

interface Compiled {
  kind: IgnorePattern['kind']
  match: (path: string) => boolean
}

/**
 * Mirrors patternmatcher's compile: the pattern becomes one of four matchers, and the choice matters.
 * `foo/**` is a plain prefix test, so it matches below foo but not foo itself; `**` followed by literal
 * text is a plain suffix test, so `**foo` also matches `xfoo`.
 */
function compile(pattern: string, file: string, line: number, raw: string): Compiled {
  const chars = Array.from(pattern)
  let source = '^'
  let kind: Compiled['kind'] = 'exact'
  let i = 0
  for (let step = 0; i < chars.length; step++) {
    const ch = chars[i++] as string
    if (ch === '*') {
      if (chars[i] === '*') {
        i++
        if (chars[i] === '/') i++
        if (i >= chars.length) {
          if (kind === 'exact') kind = 'prefix'
          else {
            source += '[^\\n]*'
            kind = 'regexp'
          }
        } else {
          source += '(?:[^\\n]*/)?'
          kind = 'regexp'
        }
        if (step === 0) kind = 'suffix'
      } else {
        source += '[^/]*'
        kind = 'regexp'
      }
    } else if (ch === '?') {
      source += '[^/]'
      kind = 'regexp'
    } else if (ch === '\\') {
      const next = chars[i++]
      // Go's filepath.Match, which Docker calls to validate, rejects a trailing backslash.
      if (next === undefined) throw invalid(file, line, raw, 'it ends with a backslash')
      source += literal(next)
      kind = 'regexp'
    } else if (ch === '[') {
      const parsed = parseClass(chars, i)
      if (typeof parsed === 'string') throw invalid(file, line, raw, parsed)
      source += parsed.source
      i = parsed.end
      kind = 'regexp'
    } else if (ch === ']') {
      source += literal(ch)
      kind = 'regexp'
    } else {
      source += literal(ch)
    }
  }

  switch (kind) {
    case 'exact':
      return {kind, match: path => path === pattern}
    case 'prefix': {
      const prefix = pattern.slice(0, -2)
      return {kind, match: path => path.startsWith(prefix)}
    }
    case 'suffix': {
      const suffix = pattern.slice(2)
      return {kind, match: path => path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1))}
    }
    case 'regexp': {
      let re: RegExp
      try {
        re = new RegExp(source + '$', 'u')
      } catch (error) {
        throw invalid(file, line, raw, (error as Error).message)
      }
      return {kind, match: path => re.test(path)}
    }
  }
}

/**
 * A character class with the syntax Go's filepath.Match accepts (Docker rejects the others): `[abc]`,
 * `[a-z]`, `[^a]`, `\` escapes; an empty class, a leading `-` or `]`, or a missing `]` is an error. Like
 * Docker's regular expression, a negated class can match `/`.
 */
function parseClass(chars: readonly string[], start: number): {source: string; end: number} | string {
  let i = start
  let source = '['
  if (chars[i] === '^') {
    source += '^'
    i++
  }
  let ranges = 0
  for (;;) {
    if (chars[i] === ']' && ranges > 0) return {source: source + ']', end: i + 1}
    const lo = classChar(chars, i)
    if (typeof lo === 'string') return lo
    i = lo.next
    let hi = lo
    if (chars[i] === '-') {
      const upper = classChar(chars, i + 1)
      if (typeof upper === 'string') return upper
      hi = upper
      i = upper.next
    }
    if ((hi.char.codePointAt(0) ?? 0) < (lo.char.codePointAt(0) ?? 0)) return `the range ${lo.char}-${hi.char} is reversed`
    source += hi === lo ? classLiteral(lo.char) : `${classLiteral(lo.char)}-${classLiteral(hi.char)}`
    ranges++
  }
}

function classChar(chars: readonly string[], i: number): {char: string; next: number} | string {
  let ch = chars[i]
  if (ch === undefined) return 'a character class is not closed with ]'
  if (ch === '-' || ch === ']') return `a character class cannot have "${ch}" there`
  let next = i + 1
  if (ch === '\\') {
    ch = chars[next]
    if (ch === undefined) return 'a character class is not closed with ]'
    next++
  }
  if (chars[next] === undefined) return 'a character class is not closed with ]'
  return {char: ch, next}
}

function literal(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/u.test(ch) ? '\\' + ch : ch
}

function classLiteral(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/u.test(ch) ? '\\' + ch : ch
}

// Go's unicode.IsSpace set: JavaScript's \s also holds the BOM and lacks U+0085.
const goSpace = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]'
const goTrimRe = new RegExp(`^${goSpace}+|${goSpace}+$`, 'gu')

/** Go's strings.TrimSpace. */
function goTrim(s: string): string {
  return s.replace(goTrimRe, '')
}

function invalid(file: string, line: number, pattern: string, reason: string): DraftError {
  return new DraftError('DOCKERIGNORE_INVALID', {file, line, pattern: pattern.trim(), reason})
}
