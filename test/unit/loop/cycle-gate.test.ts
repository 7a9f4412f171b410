import assert from 'node:assert/strict'

import {Coalescer} from '../../../src/loop/coalescer.js'
import {CycleGate} from '../../../src/loop/cycle-gate.js'

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** A gate over a loop that only records what starts; `running` is settable. */
function harness() {
  const loop = {
    coalescer: new Coalescer(5, 1000),
    running: undefined as Promise<void> | undefined,
    stopping: false,
    rebuildAsked: false,
    started: 0,
  }
  const gate = new CycleGate({
    now: () => performance.now(),
    coalescer: () => loop.coalescer,
    running: () => loop.running,
    stopping: () => loop.stopping,
    rebuildAsked: () => loop.rebuildAsked,
    startCycle: () => {
      loop.started++
      loop.coalescer.reset()
    },
  })
  return {loop, gate}
}

describe('CycleGate: when a watch loop may start a cycle', () => {
  it('starts a cycle once the burst settles; paused, it starts none until resumed, except one asked for by hand', async () => {
    const {loop, gate} = harness()
    loop.coalescer.add(performance.now())
    gate.schedule()
    await sleep(30)
    assert.equal(loop.started, 1)

    assert.equal(gate.pause(), true)
    assert.equal(gate.pause(), false, 'already paused')
    loop.coalescer.add(performance.now())
    gate.schedule()
    await sleep(30)
    assert.equal(loop.started, 1, 'no cycle while paused')
    assert.equal(gate.mayStart(false), false)
    assert.equal(gate.mayStart(true), true, 'Rebuild now runs even when paused')

    assert.equal(gate.resume(), true)
    assert.equal(gate.resume(), false, 'not paused')
    await sleep(30)
    assert.equal(loop.started, 2, 'the saves of the pause run as one cycle')
  })

  it('a rollback waits for the running cycle, and no cycle starts while it holds the release; the saves meanwhile run after it', async () => {
    const {loop, gate} = harness()
    const order: string[] = []
    let endCycle!: () => void
    loop.running = new Promise<void>(resolve => (endCycle = resolve)).then(() => {
      order.push('cycle ended')
      loop.running = undefined
    })
    let release!: () => void
    const rollback = gate.hold(async () => {
      order.push('rollback started')
      await new Promise<void>(resolve => (release = resolve))
      return 'rolled back'
    })
    await sleep(5)
    assert.deepEqual(order, [], 'the rollback waits for the cycle')
    endCycle()
    await sleep(5)
    assert.deepEqual(order, ['cycle ended', 'rollback started'])

    loop.coalescer.add(performance.now())
    gate.schedule()
    await sleep(30)
    assert.equal(gate.mayStart(true), false, 'held: not even by hand')
    assert.equal(loop.started, 0, 'no cycle while the rollback holds the release')

    release()
    assert.equal(await rollback, 'rolled back')
    await sleep(30)
    assert.equal(loop.started, 1, 'the save made during the rollback runs after it')
  })

  it('a failed rollback releases the release too, and a second one waits for the first', async () => {
    const {loop, gate} = harness()
    const order: string[] = []
    const first = gate.hold(async () => {
      await sleep(10)
      order.push('first')
      throw new Error('helm failed')
    })
    const second = gate.hold(async () => {
      order.push('second')
      return 2
    })
    await assert.rejects(first, /helm failed/)
    assert.equal(await second, 2)
    assert.deepEqual(order, ['first', 'second'])
    assert.equal(gate.mayStart(false), true)
    loop.stopping = true
    assert.equal(gate.mayStart(true), false, 'nothing starts while the loop stops')
  })
})
