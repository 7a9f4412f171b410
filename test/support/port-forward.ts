import {type ChildProcess, spawn} from 'node:child_process'

export interface Forward {
  port: number
  close(): void
}

/**
 * `kubectl port-forward TARGET :REMOTE` on a free local port, for tests that must reach an app in a
 * pod of the real node. Resolves once kubectl says where it listens.
 */
export function portForward(namespace: string, target: string, remotePort: number, timeoutMs = 30_000): Promise<Forward> {
  return kubectlForward(['-n', namespace, 'port-forward', target, `:${remotePort}`], timeoutMs)
}

/** A `kubectl port-forward` with these arguments (e.g. the line draft prints), once it listens. */
export function kubectlForward(args: readonly string[], timeoutMs = 30_000): Promise<Forward> {
  const child: ChildProcess = spawn('kubectl', [...args], {stdio: ['ignore', 'pipe', 'pipe']})
  const what = args.filter(a => !a.startsWith('-')).slice(1).join(' ')
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`kubectl port-forward ${what} printed no port within ${timeoutMs} ms: ${out}`))
    }, timeoutMs)
    const read = (d: Buffer): void => {
      out += d.toString()
      const m = /127\.0\.0\.1:(\d+) ->/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({port: Number(m[1]), close: () => child.kill()})
      }
    }
    child.stdout!.on('data', read)
    child.stderr!.on('data', read)
    child.on('exit', code => {
      clearTimeout(timer)
      reject(new Error(`kubectl port-forward ${what} exited ${code}: ${out}`))
    })
  })
}

/** GET a URL until it answers with a status below 500, or the time is up; returns the last status. */
export async function answers(url: string, timeoutMs = 30_000): Promise<{status: number; body: string}> {
  const deadline = Date.now() + timeoutMs
  let last: {status: number; body: string} = {status: 0, body: ''}
  for (;;) {
    try {
      const res = await fetch(url, {redirect: 'manual', signal: AbortSignal.timeout(5_000)})
      last = {status: res.status, body: await res.text()}
      if (res.status < 500) return last
    } catch (error) {
      last = {status: 0, body: String(error)}
    }
    if (Date.now() > deadline) return last
    await new Promise(r => setTimeout(r, 250))
  }
}
