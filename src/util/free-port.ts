import {createServer} from 'node:net'

/** Whether nothing listens on `port` of 127.0.0.1 (where kubectl port-forward binds). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({port, host: '127.0.0.1', exclusive: true}, () => server.close(() => resolve(true)))
  })
}

/** The first free port of `preferred` (1024 and up: no privileges needed), else one the system picks. */
export async function freeLocalPort(preferred: readonly number[]): Promise<number> {
  for (const port of preferred) if (port >= 1024 && port <= 65535 && (await portIsFree(port))) return port
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({port: 0, host: '127.0.0.1'}, () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}
