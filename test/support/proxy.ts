import {type Server, type Socket, connect, createServer} from 'node:net'

/**
 * A loopback proxy a test stops and starts, to make an external system go away and come back without
 * touching it: the test bed's Docker engine, registries and API server are shared by everyone, so a
 * test puts one of these in front and points draft at it instead.
 *
 * Stopped, it listens nowhere (a unix socket file is removed, as when dockerd stops; a TCP port
 * refuses connections) and every open connection is cut. Started again, it listens on the same
 * address, so image references and kubeconfigs that name it stay valid.
 */
export class LoopbackProxy {
  private server?: Server
  private readonly open = new Set<Socket>()

  private constructor(
    private readonly listenOn: {path: string} | {host: '127.0.0.1'; port: number},
    private readonly target: {path: string} | {host: string; port: number},
  ) {}

  /** A TCP proxy on 127.0.0.1 (a free port, kept across restarts) in front of host:port. */
  static async tcp(target: {host: string; port: number}): Promise<LoopbackProxy> {
    const proxy = new LoopbackProxy({host: '127.0.0.1', port: 0}, target)
    await proxy.start()
    return proxy
  }

  /** A unix-socket proxy at `path` in front of the socket `target` (e.g. for DOCKER_HOST). */
  static async unix(path: string, target: string): Promise<LoopbackProxy> {
    const proxy = new LoopbackProxy({path}, {path: target})
    await proxy.start()
    return proxy
  }

  /** `127.0.0.1:PORT`, or the socket's path. */
  get address(): string {
    return 'path' in this.listenOn ? this.listenOn.path : `127.0.0.1:${this.listenOn.port}`
  }

  get port(): number {
    if ('path' in this.listenOn) throw new Error('a unix-socket proxy has no port')
    return this.listenOn.port
  }

  async start(): Promise<void> {
    if (this.server) return
    const server = createServer(client => {
      const upstream = connect(this.target)
      this.track(client)
      this.track(upstream)
      client.pipe(upstream)
      upstream.pipe(client)
      client.on('error', () => upstream.destroy())
      upstream.on('error', () => client.destroy())
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.listenOn, () => {
        server.off('error', reject)
        resolve()
      })
    })
    const address = server.address()
    if ('port' in this.listenOn && typeof address === 'object' && address) this.listenOn.port = address.port
    this.server = server
  }

  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    const closed = new Promise<void>(resolve => server.close(() => resolve()))
    for (const socket of this.open) socket.destroy()
    await closed
  }

  private track(socket: Socket): void {
    this.open.add(socket)
    socket.on('close', () => this.open.delete(socket))
  }
}
