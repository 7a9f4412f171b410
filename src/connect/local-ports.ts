import {DraftError} from '../core/errors.js'
import type {PortState} from '../kube/kube.js'

/**
 * Which local ports forward to which container ports. Pure: binding is the forwarder's job, this
 * says what to try and in which order.
 */
export interface PortRequest {
  local: number
  remote: number
}

export interface ForwardPlan {
  remote: number
  /** Local ports to try, in order; 0 at the end lets the system choose. */
  candidates: number[]
  /** Asked for with --port: only that local port will do. */
  explicit: boolean
}

/** How many ports after the container's own are tried before the system picks one. */
const NEXT_FREE_TRIES = 20

/** `--port 8080:3000` or `--port 3000` (the same number on both sides). */
export function parsePortFlag(input: string): PortRequest {
  const match = /^\s*(\d+)(?::(\d+))?\s*$/.exec(input)
  if (!match) throw new DraftError('BAD_PORT_FLAG', {input, reason: 'not LOCAL:REMOTE'})
  const local = Number(match[1])
  const remote = Number(match[2] ?? match[1])
  for (const port of [local, remote]) {
    if (port < 1 || port > 65_535) throw new DraftError('BAD_PORT_FLAG', {input, reason: `${port} is not a port number`})
  }
  return {local, remote}
}

/**
 * The forwards of a session. With --port, exactly those (a local port asked for twice is an error);
 * without, every TCP port the release's containers declare, each on its own number when it is free.
 * A port below 1024 needs root to listen on, so without it port 80 starts looking at 8080.
 */
export function planForwards(input: {release: string; declared: readonly PortState[]; requested: readonly PortRequest[]; privileged: boolean}): ForwardPlan[] {
  if (input.requested.length > 0) {
    const seen = new Set<number>()
    return input.requested.map(r => {
      if (seen.has(r.local)) throw new DraftError('BAD_PORT_FLAG', {input: `${r.local}:${r.remote}`, reason: `local port ${r.local} is asked for twice`})
      seen.add(r.local)
      return {remote: r.remote, candidates: [r.local], explicit: true}
    })
  }
  const remotes = [...new Set(input.declared.filter(p => p.protocol.toUpperCase() === 'TCP').map(p => p.port))]
  if (remotes.length === 0) throw new DraftError('NO_PORTS', {release: input.release})
  return remotes.map(remote => ({remote, candidates: localCandidates(remote, input.privileged), explicit: false}))
}

export function localCandidates(remote: number, privileged: boolean): number[] {
  const start = remote < 1024 && !privileged ? remote + 8000 : remote
  const ports: number[] = []
  for (let port = start; port < start + NEXT_FREE_TRIES && port <= 65_535; port++) ports.push(port)
  return [...ports, 0]
}

/** How the bound port came about, for the user. */
export function portChoice(plan: ForwardPlan, local: number): 'same-port' | 'next-free' | 'explicit' {
  if (plan.explicit) return 'explicit'
  return local === plan.remote ? 'same-port' : 'next-free'
}
