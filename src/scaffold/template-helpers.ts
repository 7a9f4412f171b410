/**
 * Helpers every pack template can call. They exist so that packs do not each get quoting wrong.
 */

/** Words of a command line, honouring single and double quotes. */
export function splitCommand(command: string): string[] {
  const words: string[] = []
  let current = ''
  let quote: string | undefined
  let started = false
  for (const c of command.trim()) {
    if (quote) {
      if (c === quote) quote = undefined
      else current += c
    } else if (c === '"' || c === "'") {
      quote = c
      started = true
    } else if (/\s/.test(c)) {
      if (started || current) words.push(current)
      current = ''
      started = false
    } else {
      current += c
    }
  }
  if (started || current) words.push(current)
  return words
}

/**
 * The exec form of a command (`["node","server.js"]`), so that the app is PID 1 and receives SIGTERM.
 * A command that needs a shell (pipes, &&, variables) runs under `sh -c` with `exec`.
 */
export function execForm(command: string): string {
  if (/[|&;<>$`()*]/.test(command)) {
    const body = /^exec\s/.test(command.trim()) || /[|&;]/.test(command) ? command.trim() : `exec ${command.trim()}`
    return JSON.stringify(['sh', '-c', body])
  }
  return JSON.stringify(splitCommand(command))
}

/** One ENV instruction for a map of variables, a line per variable, values quoted. */
export function envLines(env: Record<string, unknown>): string {
  const entries = Object.entries(env).filter(([, v]) => v !== undefined && v !== null && v !== '')
  if (entries.length === 0) return ''
  const lines = entries.map(([k, v]) => `${k}=${JSON.stringify(String(v))}`)
  return `ENV ${lines.join(' \\\n    ')}`
}

export const templateHelpers = {execForm, envLines, splitCommand}
