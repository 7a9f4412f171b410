import {type Server, type Socket, connect, createServer} from 'node:net'

/**
 * A TCP relay on 127.0.0.1 in front of a server (the bed's API server). `outage` cuts every
 * connection and refuses new ones for a while: what clients see when the API server restarts,
 * without touching the bed.
 */
export class TcpProxy {
  port = 0
  private server?: Server
  private readonly sockets = new Set<Socket>()

  constructor(private readonly target: {host: string; port: number}) {}

  async start(): Promise<number> {
    this.server = createServer(client => {
      const upstream = connect(this.target.port, this.target.host)
      for (const s of [client, upstream]) {
        this.sockets.add(s)
        s.on('close', () => this.sockets.delete(s))
        s.on('error', () => undefined)
      }
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>(resolve => this.server!.listen(this.port, '127.0.0.1', () => resolve()))
    this.port = (this.server.address() as {port: number}).port
    return this.port
  }

  async outage(ms: number): Promise<void> {
    const closed = new Promise<void>(resolve => this.server!.close(() => resolve()))
    for (const s of this.sockets) s.resetAndDestroy()
    await closed
    await new Promise(resolve => setTimeout(resolve, ms))
    await this.start()
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>(resolve => this.server?.close(() => resolve()) ?? resolve())
  }
}
