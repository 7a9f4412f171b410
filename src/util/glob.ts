/**
 * Globs for pack detect rules: `*` and `?` stay within one path segment, `**` spans any number of
 * segments, `{a,b}` is an alternative and `[...]` a character class. Matching is on `/` paths.
 */
export function globToRegExp(glob: string): RegExp {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/'
        re += slash ? '(?:[^/]*/)*' : '.*'
        i += slash ? 2 : 1
      } else {
        re += '[^/]*'
      }
    } else if (c === '?') {
      re += '[^/]'
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 1)
      if (end < 0) {
        re += '\\['
      } else {
        const body = glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')
        re += `[${body}]`
        i = end
      }
    } else if (c === '{') {
      const end = glob.indexOf('}', i + 1)
      if (end < 0) {
        re += '\\{'
      } else {
        re += `(?:${glob.slice(i + 1, end).split(',').map(escape).join('|')})`
        i = end
      }
    } else {
      re += escape(c)
    }
  }
  return new RegExp(`^${re}$`)
}

const escape = (s: string): string => s.replace(/[.+^${}()|[\]\\*?]/g, '\\$&')

/** Paths matched by a glob. A glob without `/` only looks at the root, as a marker file should. */
export function matchGlob(glob: string, paths: readonly string[]): string[] {
  const re = globToRegExp(glob)
  const rootOnly = !glob.includes('/')
  return paths.filter(p => (!rootOnly || !p.includes('/')) && re.test(p))
}
