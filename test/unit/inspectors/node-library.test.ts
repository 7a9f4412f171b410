import assert from 'node:assert/strict'

import {detectApp} from '../../../src/detect/detect.js'
import {nodeInspector} from '../../../src/detect/inspectors/node.js'
import {memorySnapshot} from '../../../src/detect/snapshot.js'
import {loadPacks} from '../../../src/pack-model/registry.js'

const inspect = (files: Record<string, string>) => nodeInspector.inspect(memorySnapshot('/work/lib', files))

describe('node inspector: libraries', () => {
  it('calls a package with no start script, no server and nothing listening a library', () => {
    const facts = inspect({'package.json': '{"name": "@shop/shared", "main": "greeting.js"}', 'greeting.js': 'exports.greet = n => `hello ${n}`\n'})
    assert.equal(facts.library?.value, true)
    assert.match(facts.library!.evidence[0]!.detail, /no start script/)
  })

  it('does not call a server, a worker with a start script, or a Procfile app a library', () => {
    assert.equal(inspect({'package.json': '{"scripts": {"start": "node worker.js"}}', 'worker.js': 'setInterval(() => {}, 1000)\n'}).library, undefined)
    assert.equal(inspect({'package.json': '{"main": "index.js"}', 'index.js': 'require("http").createServer().listen(process.env.PORT || 8080)\n'}).library, undefined)
    assert.equal(inspect({'package.json': '{"dependencies": {"express": "4"}}', 'app.js': 'x\n'}).library, undefined)
    assert.equal(inspect({'package.json': '{}', Procfile: 'web: node server.js\n', 'server.js': 'x\n'}).library, undefined)
  })

  it('keeps the node pack from taking a library', async () => {
    const detection = await detectApp(memorySnapshot('/work/lib', {'package.json': '{"name": "lib", "main": "index.js"}', 'index.js': 'module.exports = 1\n'}), loadPacks({draftHome: '/nonexistent-draft-home'}))
    assert.notEqual(detection.pack, 'node')
  })
})
