import {type Server, createServer} from 'node:http'

import type {DeploymentState, PodState} from '../../../src/kube/kube.js'
import type {FakePodStreams} from '../../../src/pod-streams/fake-pod-streams.js'

/** A pod of Deployment `app` as the API shows it. */
export function pod(name: string, options: {hash?: string; ready?: boolean; deleting?: boolean; created?: string; ports?: number[]; containers?: string[]; id?: string; waiting?: string; restarts?: number} = {}): PodState {
  const ready = options.ready ?? true
  const containers = options.containers ?? ['app']
  return {
    name,
    phase: 'Running',
    templateHash: options.hash ?? 'aaa111',
    image: 'reg/app:t',
    conditions: [{type: 'Ready', status: ready ? 'True' : 'False', reason: '', message: ''}],
    containers: containers.map(c => ({
      name: c,
      ready,
      restartCount: options.restarts ?? 0,
      ...(options.waiting ? {waiting: {reason: options.waiting, message: ''}} : {running: true}),
      ...(options.id === '' ? {} : {id: `containerd://${options.id ?? name}-${c}`}),
    })),
    created: options.created ?? '2025-01-01T00:00:00.000Z',
    terminating: options.deleting ?? false,
    containerNames: containers,
    ports: (options.ports ?? [3000]).map(port => ({container: containers[0]!, name: 'http', port, protocol: 'TCP'})),
  }
}

export function deployment(options: {ports?: number[]; available?: number; updated?: number} = {}): DeploymentState {
  return {
    name: 'app',
    generation: 1,
    observedGeneration: 1,
    replicas: 1,
    updatedReplicas: options.updated ?? 1,
    readyReplicas: options.available ?? 1,
    availableReplicas: options.available ?? 1,
    unavailableReplicas: 1 - (options.available ?? 1),
    selector: 'app.kubernetes.io/instance=app',
    conditions: [],
    ports: (options.ports ?? [3000]).map(port => ({container: 'app', name: 'http', port, protocol: 'TCP'})),
  }
}

/**
 * A fake pod serving real HTTP on `port`: it answers with its name, or holds the answer for `delayMs`
 * with ?slow. Connections arrive through the fake's port-forward.
 */
export function servePod(streams: FakePodStreams, name: string, port = 3000, delayMs = 300): Server {
  const server = createServer((req, res) => {
    const answer = (): void => {
      res.end(name)
    }
    if (req.url?.includes('slow')) setTimeout(answer, delayMs)
    else answer()
  })
  streams.serve(name, port, socket => server.emit('connection', socket))
  return server
}

export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

/** GET over a fresh connection (no keep-alive), so each request is a new forwarded connection. */
export async function get(port: number, path = '/'): Promise<string> {
  const http = await import('node:http')
  return new Promise((resolve, reject) => {
    const req = http.get({host: '127.0.0.1', port, path, agent: false, headers: {connection: 'close'}}, res => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve(body))
      res.on('error', reject)
    })
    req.on('error', reject)
  })
}
