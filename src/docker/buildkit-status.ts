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
