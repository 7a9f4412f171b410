/**
 * A little Dockerfile reading: enough to list base images and the exposed port of a rendered or
 * existing Dockerfile. Continuation lines are joined; comments and parser directives are skipped.
 */
export interface DockerfileFacts {
  baseImages: string[]
  stages: string[]
  exposed: {port: number; line: number}[]
  /** The USER of the last stage (what the image runs as), as written; absent when it sets none. */
  user?: string
  /** ENTRYPOINT and CMD of the last stage as the container runs them (shell form through /bin/sh -c); absent when the stage inherits them. */
  entrypoint?: string[]
  cmd?: string[]
}

export function readDockerfile(text: string): DockerfileFacts {
  const instructions = logicalLines(text)
  const globalArgs = new Map<string, string>()
  const stages: string[] = []
  const baseImages: string[] = []
  const exposed: {port: number; line: number}[] = []
  let user: string | undefined
  let seenFrom = false
  let entrypoint: string[] | undefined
  let cmd: string[] | undefined
  for (const {line, text: instruction} of instructions) {
    const [keyword = '', ...rest] = instruction.split(/\s+/)
    const upper = keyword.toUpperCase()
    if (upper === 'ARG' && !seenFrom) {
      for (const arg of rest) {
        const eq = arg.indexOf('=')
        if (eq > 0) globalArgs.set(arg.slice(0, eq), unquote(arg.slice(eq + 1)))
      }
    } else if (upper === 'FROM') {
      seenFrom = true
      // A stage starts with its base image's user and command, which this file does not show.
      user = undefined
      entrypoint = undefined
      cmd = undefined
      const args = rest.filter(a => !a.startsWith('--'))
      const image = expand(args[0] ?? '', globalArgs)
      const asIndex = args.findIndex(a => a.toLowerCase() === 'as')
      if (asIndex > 0 && args[asIndex + 1]) stages.push(args[asIndex + 1]!.toLowerCase())
      if (image && image !== 'scratch' && !stages.slice(0, asIndex > 0 ? -1 : undefined).includes(image.toLowerCase()) && !baseImages.includes(image)) {
        baseImages.push(image)
      }
    } else if (upper === 'USER' && rest[0]) {
      user = rest[0]
    } else if (upper === 'CMD') {
      cmd = commandForm(instruction.slice(keyword.length).trim())
    } else if (upper === 'ENTRYPOINT') {
      // (It clears only an inherited CMD, which is not known here anyway.)
      entrypoint = commandForm(instruction.slice(keyword.length).trim())
    } else if (upper === 'EXPOSE') {
      for (const spec of rest) {
        const port = Number(/^(\d+)/.exec(spec)?.[1])
        if (port > 0 && port < 65536) exposed.push({port, line})
      }
    }
  }
  return {baseImages, stages, exposed, ...(user ? {user} : {}), ...(entrypoint ? {entrypoint} : {}), ...(cmd ? {cmd} : {})}
}

/** The exec form (a JSON array) as it is, the shell form through /bin/sh -c, as Docker runs them. */
function commandForm(text: string): string[] {
  if (text.startsWith('[')) {
    try {
      const words = JSON.parse(text) as unknown
      if (Array.isArray(words) && words.every(w => typeof w === 'string')) return words as string[]
    } catch {
      // Not valid JSON: Docker runs it in the shell form.
    }
  }
  return ['/bin/sh', '-c', text]
}

function logicalLines(text: string): {line: number; text: string}[] {
  const out: {line: number; text: string}[] = []
  const lines = text.split(/\r?\n/)
  let current = ''
  let start = 0
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!
    const trimmed = raw.trim()
    if (current === '' && (trimmed === '' || trimmed.startsWith('#'))) continue
    if (current === '') start = i + 1
    if (trimmed.startsWith('#')) continue
    if (trimmed.endsWith('\\')) {
      current += trimmed.slice(0, -1) + ' '
      continue
    }
    current += trimmed
    out.push({line: start, text: current.trim()})
    current = ''
  }
  if (current.trim()) out.push({line: start, text: current.trim()})
  return out
}

function expand(value: string, args: Map<string, string>): string {
  return value.replace(/\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)/g, (_, braced: string, fallback: string, bare: string) => {
    const name = braced ?? bare
    return args.get(name) || fallback || ''
  })
}

const unquote = (s: string): string => s.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1')
