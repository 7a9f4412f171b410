import {BuildFailure} from '../core/build-failure.js'

/**
 * A decoder for the one protobuf message BuildKit streams through the build API
 * (moby.buildkit.v1.StatusResponse, base64 in the `aux` of `moby.buildkit.trace` lines). Only the
 * fields draft shows are read: a vertex's digest, name, cached flag, start and completion, error; and
 * each log line's vertex and bytes. Unknown fields are skipped, as protobuf allows.
 */
export interface Vertex {
  digest: string
  name: string
  cached: boolean
  started: boolean
  completed: boolean
  error: string
}

export interface VertexLog {
  vertex: string
  message: string
}

export interface StatusResponse {
  vertexes: Vertex[]
  logs: VertexLog[]
}

export function decodeStatus(bytes: Uint8Array): StatusResponse {
  const out: StatusResponse = {vertexes: [], logs: []}
  for (const {field, value} of fields(bytes)) {
    if (!(value instanceof Uint8Array)) continue
    if (field === 1) out.vertexes.push(decodeVertex(value))
    else if (field === 3) out.logs.push(decodeLog(value))
  }
  return out
}

function decodeVertex(bytes: Uint8Array): Vertex {
  const v: Vertex = {digest: '', name: '', cached: false, started: false, completed: false, error: ''}
  for (const {field, value} of fields(bytes)) {
    if (field === 1 && value instanceof Uint8Array) v.digest = text(value)
    else if (field === 3 && value instanceof Uint8Array) v.name = text(value)
    else if (field === 4 && typeof value === 'number') v.cached = value !== 0
    else if (field === 5) v.started = true
    else if (field === 6) v.completed = true
    else if (field === 7 && value instanceof Uint8Array) v.error = text(value)
  }
  return v
}

function decodeLog(bytes: Uint8Array): VertexLog {
  const log: VertexLog = {vertex: '', message: ''}
  for (const {field, value} of fields(bytes)) {
    if (field === 1 && value instanceof Uint8Array) log.vertex = text(value)
    else if (field === 4 && value instanceof Uint8Array) log.message = text(value)
  }
  return log
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8')

function* fields(bytes: Uint8Array): Generator<{field: number; value: number | Uint8Array}> {
  let pos = 0
  const varint = (): number => {
    let result = 0
    let shift = 0
    for (;;) {
      if (pos >= bytes.length) throw new Error('truncated protobuf varint')
      const b = bytes[pos++]!
      result += (b & 0x7f) * 2 ** shift
      if (b < 0x80) return result
      shift += 7
    }
  }
  while (pos < bytes.length) {
    const key = varint()
    const field = Math.floor(key / 8)
    const wire = key & 7
    if (wire === 0) yield {field, value: varint()}
    else if (wire === 2) {
      const length = varint()
      const value = bytes.subarray(pos, pos + length)
      pos += length
      yield {field, value}
    } else if (wire === 1) pos += 8
    else if (wire === 5) pos += 4
    else throw new Error(`unsupported protobuf wire type ${wire}`)
  }
}

/** "[build 3/5] RUN npm ci" -> index 3 of 5. */
export function stepPosition(name: string): {index?: number; total?: number} {
  const match = /^\[(?:[^\]]*\s)?(\d+)\/(\d+)\]/.exec(name)
  return match ? {index: Number(match[1]), total: Number(match[2])} : {}
}

export interface SolveProgress {
  step: string
  index?: number
  total?: number
}

/**
 * What a BuildKit solve said so far, from its status updates (the Docker engine's protobuf trace, or
 * buildctl's `--progress rawjson` lines: the same vertexes and logs). It reports the step that starts,
 * every log line (prefixed with its step) and every finished step, keeps the last 200 lines of each
 * step, and knows the failure: the first step with an error, its reason and its last 15 lines.
 */
export class SolveTracker {
  private readonly vertexes = new Map<string, {name: string; cached: boolean; completed: boolean; error: string}>()
  private readonly logsByVertex = new Map<string, string[]>()
  private current = ''
  private failed?: {step: string; reason: string}

  constructor(private readonly sink: {onProgress?: (progress: SolveProgress) => void; onLog?: (line: string) => void} = {}) {}

  update(status: StatusResponse): void {
    for (const v of status.vertexes) {
      const known = this.vertexes.get(v.digest) ?? {name: v.name, cached: false, completed: false, error: ''}
      Object.assign(known, {name: v.name || known.name, cached: known.cached || v.cached, completed: known.completed || v.completed, error: v.error || known.error})
      this.vertexes.set(v.digest, known)
      if (v.error) this.failed ??= {step: known.name, reason: v.error}
      if (v.started && !v.completed && known.name && known.name !== this.current) {
        this.current = known.name
        this.sink.onProgress?.({step: known.name, ...stepPosition(known.name)})
      }
      if (v.completed) this.sink.onLog?.(`${v.cached ? 'CACHED ' : 'DONE '}${known.name}`)
    }
    for (const log of status.logs) {
      const lines = log.message.split('\n').filter(l => l.trim())
      const list = this.logsByVertex.get(log.vertex) ?? []
      list.push(...lines)
      if (list.length > 200) list.splice(0, list.length - 200)
      this.logsByVertex.set(log.vertex, list)
      const name = this.vertexes.get(log.vertex)?.name ?? ''
      for (const line of lines) this.sink.onLog?.(`${name ? `${name}: ` : ''}${line}`)
    }
  }

  /** The solve ended with an error of its own (not one of a step): it is blamed on the step running then. */
  fail(reason: string): void {
    this.sink.onLog?.(`ERROR ${reason}`)
    this.failed ??= {step: this.current || 'the build', reason}
    this.failed = {...this.failed, reason: this.failed.reason || reason}
  }

  /** The step running when this was asked (or the last one that started). */
  currentStep(): string {
    return this.current
  }

  /** Steps whose names mean a Dockerfile instruction ("[build 3/5] RUN ..."), and those the cache answered. */
  counts(): {steps: number; cachedSteps: number} {
    const steps = [...this.vertexes.values()].filter(v => /^\[.*\d+\/\d+\]/.test(v.name))
    return {steps: steps.length, cachedSteps: steps.filter(v => v.cached).length}
  }

  failure(): BuildFailure | undefined {
    const failed = this.failed
    if (!failed) return undefined
    const digest = [...this.vertexes.entries()].find(([, v]) => v.name === failed.step)?.[0]
    const tail = (digest ? this.logsByVertex.get(digest) : undefined)?.slice(-15) ?? []
    return new BuildFailure(failed.step, failed.reason, tail)
  }
}
