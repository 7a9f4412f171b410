import assert from 'node:assert/strict'

import {ConnectLines} from '../../../src/ui/connect-renderer.js'

describe('connect lines (plain)', () => {
  it('prints the URL, where new connections go and why, and aligns log prefixes', () => {
    const lines = new ConnectLines()
    assert.equal(lines.line({type: 'forward-listening', at: 0, local: 3001, remote: 3000, url: 'http://localhost:3001', choice: 'next-free'}), '✔ http://localhost:3001 → port 3000 (local 3000 is taken)')
    assert.equal(
      lines.line({type: 'forward-target', at: 0, remote: 3000, pod: 'app-new-b', previous: 'app-old-a', why: 'the new version is Ready', draining: true}),
      '↪ :3000 now forwards to app-new-b (the new version is Ready; open connections finish on app-old-a)',
    )
    assert.equal(lines.line({type: 'forward-target', at: 0, remote: 3000, pod: 'app-b', previous: 'app-a', why: 'app-a is gone', draining: false}), '↪ :3000 now forwards to app-b (app-a is gone)')
    assert.equal(lines.line({type: 'log-line', at: 0, pod: 'p', container: 'app', prefix: 'x2k9q/proxy', time: '', line: 'one'}), 'x2k9q/proxy │ one')
    assert.equal(lines.line({type: 'log-line', at: 0, pod: 'p', container: 'app', prefix: 'b7c1d', time: '', line: 'two'}), 'b7c1d       │ two')
    assert.equal(lines.line({type: 'forward-waiting', at: 0, message: 'app: CrashLoopBackOff', fix: 'See why'}), '! no Ready pod (new connections wait): app: CrashLoopBackOff\n    fix: See why')
    assert.equal(lines.line({type: 'connection-lost', at: 0, what: 'the API server', reason: 'ECONNRESET'}), '↻ lost the API server (ECONNRESET); reconnecting with backoff')
    assert.equal(lines.line({type: 'connection-restored', at: 0, ms: 3200}), '↻ reconnected after 3.2s')
  })
})
