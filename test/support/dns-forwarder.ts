import {spawn} from 'node:child_process'
import {type Socket, createSocket} from 'node:dgram'
import {promises as dns} from 'node:dns'
import {fileURLToPath} from 'node:url'

/**
 * A DNS server on a loopback address for the build steps of the cluster builder on the bed: the bed's
 * pods resolve nothing outside the cluster by design, so a builder with `host-network = true` and
 * `dns = ["127.0.3.53"]` sends its steps' lookups here, and they are answered with this machine's own
 * resolver (as `npm ci` or `docker build` on this machine would resolve them). A and AAAA only: that
 * is what package managers ask; anything else gets an empty answer.
 */
export const DNS_ADDRESS = '127.0.3.53'

export async function startDnsForwarder(address = DNS_ADDRESS): Promise<{close: () => Promise<void>; queries: () => number}> {
  const socket: Socket = createSocket('udp4')
  let queries = 0
  socket.on('message', (message, peer) => {
    queries++
    void answer(message).then(reply => {
      if (reply) socket.send(reply, peer.port, peer.address)
    })
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(53, address, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  return {
    close: () => new Promise(resolve => socket.close(() => resolve())),
    queries: () => queries,
  }
}

async function answer(query: Buffer): Promise<Buffer | undefined> {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) return undefined
  let pos = 12
  const labels: string[] = []
  while (pos < query.length && query[pos] !== 0) {
    const length = query[pos]!
    labels.push(query.subarray(pos + 1, pos + 1 + length).toString('ascii'))
    pos += 1 + length
  }
  pos += 1
  if (pos + 4 > query.length) return undefined
  const type = query.readUInt16BE(pos)
  const question = query.subarray(12, pos + 4)
  const name = labels.join('.')
  let rcode = 0
  let records: {address: string; ttl: number}[] = []
  try {
    if (type === 1) records = await dns.resolve4(name, {ttl: true})
    else if (type === 28) records = await dns.resolve6(name, {ttl: true})
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOTFOUND') rcode = 3
    else if (code !== 'ENODATA') rcode = 2
  }
  const header = Buffer.alloc(12)
  header.writeUInt16BE(query.readUInt16BE(0), 0)
  // QR, the query's RD, RA, and the answer code.
  header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | rcode, 2)
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(records.length, 6)
  const answers = records.map(record => {
    const data = type === 1 ? Buffer.from(record.address.split('.').map(Number)) : ipv6(record.address)
    const rr = Buffer.alloc(12)
    rr.writeUInt16BE(0xc00c, 0)
    rr.writeUInt16BE(type, 2)
    rr.writeUInt16BE(1, 4)
    rr.writeUInt32BE(Math.max(record.ttl, 1), 6)
    rr.writeUInt16BE(data.length, 10)
    return Buffer.concat([rr, data])
  })
  return Buffer.concat([header, question, ...answers])
}

function ipv6(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::')
  const a = head ? head.split(':') : []
  const b = tail ? tail.split(':') : []
  const groups = address.includes('::') ? [...a, ...Array(8 - a.length - b.length).fill('0'), ...b] : a
  const out = Buffer.alloc(16)
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2))
  return out
}

/**
 * The same server in a process of its own, for callers that block their event loop (a benchmark that
 * times commands with spawnSync would leave every lookup unanswered while it waits).
 */
export async function startDnsForwarderProcess(address = DNS_ADDRESS): Promise<{close: () => Promise<void>}> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), address], {stdio: ['ignore', 'pipe', 'inherit']})
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve())
    child.once('exit', code => reject(new Error(`the DNS forwarder exited ${code}`)))
  })
  return {
    close: () =>
      new Promise(resolve => {
        child.once('exit', () => resolve())
        child.kill()
      }),
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await startDnsForwarder(process.argv[2] ?? DNS_ADDRESS)
  process.stdout.write('listening\n')
}
