import {Duplex, PassThrough, type Readable, Writable} from 'node:stream'

import type {LoadedKubeConfig} from '../kube/kube-config.js'
import type * as k8s from '../kube/kubernetes-client.js'
import {
  type ContainerRef,
  type ExecIO,
  type ExecResult,
  type LogEnd,
  type LogLine,
  type LogOptions,
  type LogStream,
  type PodRef,
  PodStreamError,
  type PodStreams,
} from './pod-streams.js'
import {LineSplitter, execResultOf, failureOf, handshakeStatus, parseLogLine} from './stream-text.js'

type Socket = Awaited<ReturnType<k8s.Exec['exec']>>

/**
 * Pod streams through @kubernetes/client-node: PortForward and Exec over websockets (one websocket per
 * forwarded connection), Log over a chunked HTTP response. The library leaves a few ends open, closed
 * here: it never ends a forwarded stream when the pod side closes, it loses the reason of a failed
 * request, and a followed log that breaks just stops sending.
 */
export class ClientNodePodStreams implements PodStreams {
  private readonly k: LoadedKubeConfig['k']
  private readonly config: k8s.KubeConfig

  constructor(loaded: LoadedKubeConfig) {
    this.k = loaded.k
    this.config = loaded.config
  }

  async forward(ref: PodRef, port: number): Promise<Duplex> {
    const toPod = new PassThrough()
    let errorText = ''
    let socket: Socket | undefined
    const stream = new Duplex({
      // The local side may finish sending (half-close) and still wait for the answer.
      allowHalfOpen: true,
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        toPod.write(chunk)
        callback()
      },
      final(callback) {
        // The v4 port-forward protocol cannot pass a half-close on; the app ends the connection.
        callback()
      },
      destroy(error, callback) {
        socket?.close()
        callback(error)
      },
    })
    const fromPod = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        stream.push(chunk)
        callback()
      },
    })
    const errors = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        errorText += chunk.toString('utf8')
        callback()
      },
    })
    const handler = new this.k.WebSocketHandler(this.config, undefined, {stdin: toPod, stdout: fromPod, stderr: errors})
    const forwarder = new this.k.PortForward(this.config, true, handler)
    try {
      socket = (await forwarder.portForward(ref.namespace, ref.pod, [port], fromPod, errors, toPod)) as Socket
    } catch (error) {
      throw openFailure(error, `port-forward to ${ref.pod}:${port}`)
    }
    socket.on('close', () => {
      if (stream.destroyed) return
      if (errorText.trim()) stream.destroy(new PodStreamError(forwardFailure(errorText), errorText.trim()))
      else stream.push(null)
    })
    return stream
  }

  async logs(ref: ContainerRef, options: LogOptions, onLine: (line: LogLine) => void): Promise<LogStream> {
    if (options.tailLines === 0) {
      // The library drops tailLines=0 (it skips falsy options): no lines of the past means nothing
      // to read, or when following, only what comes from now on (by this machine's clock).
      if (!options.follow) return {done: Promise.resolve({state: 'ended'}), stop: () => undefined}
      const {tailLines: _, ...rest} = options
      options = {...rest, sinceTime: new Date().toISOString().slice(0, 19) + 'Z'}
    }
    const splitter = new LineSplitter()
    let stopped = false
    const deliver = (lines: string[]): void => {
      if (!stopped) for (const line of lines) onLine(parseLogLine(line))
    }
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        deliver(splitter.push(chunk))
        callback()
      },
    })
    let settle!: (end: LogEnd) => void
    const done = new Promise<LogEnd>(resolve => {
      let settled = false
      settle = end => {
        if (settled) return
        settled = true
        resolve(end)
      }
    })
    // The library pipes the response body into the sink and keeps the body to itself; the body tells
    // whether it ended (the server finished) or was destroyed (the connection broke).
    sink.once('pipe', (body: Readable) => {
      body.once('close', () => {
        if (body.readableEnded) {
          // The pipe ends the sink; every line is in once it has finished (which may be already).
          const finished = (): void => {
            deliver(splitter.flush())
            settle({state: 'ended'})
          }
          if (sink.writableFinished) finished()
          else sink.once('finish', finished)
        } else {
          deliver(splitter.flush())
          settle(stopped ? {state: 'stopped'} : {state: 'lost', reason: (body as Readable & {errored?: Error}).errored?.message ?? 'the connection closed'})
        }
      })
    })
    let controller: AbortController
    try {
      controller = await new this.k.Log(this.config).log(ref.namespace, ref.pod, ref.container, sink, {
        timestamps: true,
        ...(options.follow ? {follow: true} : {}),
        ...(options.previous ? {previous: true} : {}),
        ...(options.sinceTime ? {sinceTime: options.sinceTime} : options.sinceSeconds ? {sinceSeconds: options.sinceSeconds} : {}),
        ...(options.tailLines !== undefined ? {tailLines: options.tailLines} : {}),
      })
    } catch (error) {
      throw apiFailure(error, `logs of ${ref.pod}/${ref.container}`)
    }
    return {
      done,
      stop: () => {
        stopped = true
        controller.abort()
        settle({state: 'stopped'})
      },
    }
  }

  async exec(ref: ContainerRef, command: readonly string[], io: ExecIO, signal?: AbortSignal): Promise<ExecResult> {
    const toCommand = io.stdin ? new PassThrough() : null
    // The API wants at least one stream; output nobody asked for is read and dropped.
    const stdout = new PassThrough()
    const stderr = new PassThrough()
    if (io.stdout) stdout.pipe(io.stdout, {end: !isStdio(io.stdout)})
    else stdout.resume()
    if (io.stderr) stderr.pipe(io.stderr, {end: !isStdio(io.stderr)})
    else stderr.resume()
    let resolveStatus!: (status: k8s.V1Status) => void
    const status = new Promise<k8s.V1Status>(resolve => (resolveStatus = resolve))
    const handler = new this.k.WebSocketHandler(this.config, undefined, {stdin: toCommand ?? new PassThrough(), stdout, stderr})
    let socket: Socket
    try {
      socket = await new this.k.Exec(this.config, handler).exec(ref.namespace, ref.pod, ref.container, [...command], stdout, stderr, toCommand, false, resolveStatus)
    } catch (error) {
      throw openFailure(error, `exec in ${ref.pod}/${ref.container}`)
    }
    if (io.stdin && toCommand) {
      // Only v5 can tell the command its input ended; on older servers the library would close the
      // whole exec at that point, so the end is kept back and the command must not wait for it.
      io.stdin.pipe(toCommand, {end: this.k.WebSocketHandler.supportsClose(socket.protocol)})
    }
    return new Promise<ExecResult>((resolve, reject) => {
      const onAbort = (): void => socket.close()
      signal?.addEventListener('abort', onAbort, {once: true})
      let result: ExecResult | undefined
      void status.then(s => (result = execResultOf(s)))
      socket.on('close', () => {
        signal?.removeEventListener('abort', onAbort)
        // (tar-stream's packer, a streamx stream, pipes but has no unpipe.)
        if (io.stdin && typeof io.stdin.unpipe === 'function') io.stdin.unpipe(toCommand!)
        // The status frame and the close arrive together; let the status callback run first.
        setImmediate(() => {
          stdout.end()
          stderr.end()
          if (result) resolve(result)
          else if (signal?.aborted) reject(new PodStreamError('unreachable', `exec in ${ref.pod}/${ref.container} was stopped`))
          else reject(new PodStreamError('unreachable', `the exec stream in ${ref.pod}/${ref.container} closed before the command ended`))
        })
      })
    })
  }
}

const isStdio = (stream: Writable): boolean => stream === process.stdout || stream === process.stderr

/** A websocket that did not open: the handshake's HTTP status says why. */
function openFailure(error: unknown, what: string): PodStreamError {
  const message = (error as {message?: string}).message ?? String(error)
  const status = handshakeStatus(message)
  const cause = (error as {error?: {code?: string}}).error?.code
  return new PodStreamError(failureOf(status), `${what}: ${status ? `the API answered ${status}` : (cause ?? message)}`, status)
}

/** A request the library turned into an ApiException; without a status, the connection failed. */
function apiFailure(error: unknown, what: string): PodStreamError {
  const code = (error as {code?: unknown}).code
  const headers = (error as {headers?: object}).headers
  // The library reports a failed connection as a 500 with no headers at all.
  const status = typeof code === 'number' && !(code === 500 && headers && Object.keys(headers).length === 0) ? code : undefined
  return new PodStreamError(failureOf(status), `${what}: ${status ? `the API answered ${status}` : 'the API server did not answer'}`, status)
}

/** The kubelet's error channel: "error forwarding port 3000 to pod …: failed to connect to localhost:3000 …". */
function forwardFailure(text: string): 'refused' | 'not-found' | 'unreachable' {
  if (/connection refused|failed to connect|connect: /i.test(text)) return 'refused'
  if (/not found|not running|no such|sandbox/i.test(text)) return 'not-found'
  return 'unreachable'
}
