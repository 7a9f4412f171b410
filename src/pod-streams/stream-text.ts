import {StringDecoder} from 'node:string_decoder'

import type {ExecResult, LogLine, PodStreamFailure} from './pod-streams.js'

/**
 * What the streams' bytes mean: log lines (split across chunks, with the runtime's timestamp), the
 * status an exec ends with, and the failure an HTTP status stands for. Pure, and shared by the real
 * adapter and the fake.
 */

/** Cuts a byte stream into lines; a line split across chunks (or a multi-byte character) is kept whole. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8')
  private rest = ''

  push(chunk: Buffer | string): string[] {
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk))
    const lines = text.split('\n')
    this.rest = lines.pop()!
    return lines.map(stripCr)
  }

  /** The last line, when the stream ended without a newline. */
  flush(): string[] {
    const text = this.rest + this.decoder.end()
    this.rest = ''
    return text ? [stripCr(text)] : []
  }
}

const stripCr = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line)

const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)) (.*)$/s

/** A line of a log read with `timestamps=true`: "2025-01-02T03:04:05.123456789Z text". */
export function parseLogLine(raw: string): LogLine {
  const match = TIMESTAMP.exec(raw)
  return match ? {time: match[1]!, text: match[2]!} : {time: '', text: raw}
}

/**
 * A sortable form of an RFC 3339 time: UTC with nine fraction digits. The runtime trims trailing
 * zeros ("…05.1Z" and "…05.12Z"), so the raw strings do not sort.
 */
export function timeKey(time: string): string {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(time)
  if (!match) return ''
  const fraction = (match[2] ?? '').padEnd(9, '0')
  if (match[3] === 'Z') return `${match[1]}.${fraction}Z`
  const utc = new Date(`${match[1]}${match[3]}`).toISOString().slice(0, 19)
  return `${utc}.${fraction}Z`
}

/** The time to resume a broken follow from: the API takes whole seconds, so lines of that second come again. */
export function resumeTime(time: string): string {
  const key = timeKey(time)
  return key ? `${key.slice(0, 19)}Z` : ''
}

interface StatusLike {
  status?: string
  reason?: string
  message?: string
  details?: {causes?: {reason?: string; message?: string}[]}
}

/** The V1Status an exec ends with: Success, or Failure with the exit code among its causes. */
export function execResultOf(status: StatusLike): ExecResult {
  if (status.status === 'Success') return {exitCode: 0, message: ''}
  const code = status.details?.causes?.find(c => c.reason === 'ExitCode')?.message
  const exitCode = code !== undefined && /^\d+$/.test(code) ? Number(code) : 1
  return {exitCode, message: status.message ?? status.reason ?? 'the command failed'}
}

/** What an HTTP status of the API means for a stream. */
export function failureOf(status: number | undefined): PodStreamFailure {
  switch (status) {
    case 400:
      return 'rejected'
    case 401:
    case 403:
      return 'forbidden'
    case 404:
    case 410:
      return 'not-found'
    default:
      return 'unreachable'
  }
}

/** The status in a websocket handshake failure ("Unexpected server response: 403"). */
export function handshakeStatus(message: string): number | undefined {
  const match = /Unexpected server response: (\d{3})/.exec(message)
  return match ? Number(match[1]) : undefined
}
