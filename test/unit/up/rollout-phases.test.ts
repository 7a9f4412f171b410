import assert from 'node:assert/strict'

import type {EventState, PodState} from '../../../src/kube/kube.js'
import {formatPhases, observe, phasesOf, pulledMs} from '../../../src/up/rollout-phases.js'

const pod = (state: {scheduled?: boolean; running?: boolean; ready?: boolean; terminating?: boolean}, name = 'app-1'): PodState => ({
  name,
  phase: state.running ? 'Running' : 'Pending',
  templateHash: 'h',
  image: 'i',
  conditions: [
    {type: 'PodScheduled', status: state.scheduled ? 'True' : 'False', reason: '', message: ''},
    {type: 'Ready', status: state.ready ? 'True' : 'False', reason: '', message: ''},
  ],
  containers: [{name: 'app', ready: Boolean(state.ready), restartCount: 0, ...(state.running ? {running: true} : {waiting: {reason: 'ContainerCreating', message: ''}})}],
  ...(state.terminating ? {terminating: true} : {}),
})
const pulled = (message: string, object = 'Pod/app-1'): EventState => ({object, type: 'Normal', reason: 'Pulled', message, count: 1, lastSeen: ''})

describe('rollout phases', () => {
  it('splits a rollout by when each milestone was first seen, and takes the pull out of the start', () => {
    let m = observe({begin: 0}, 100, [pod({})])
    m = observe(m, 200, [pod({scheduled: true})])
    m = observe(m, 1300, [pod({scheduled: true, running: true})])
    m = observe(m, 2400, [pod({scheduled: true, running: true, ready: true})], [pulled('Successfully pulled image "x" in 412ms (412ms including waiting). Image size: 1 bytes.')])
    const phases = phasesOf({...m, done: 2600})
    assert.deepEqual(phases, {scheduling: 200, pull: 412, start: 688, readiness: 1100, handover: 200})
    assert.equal(formatPhases(phases!), 'schedule 0.2s · pull 0.4s · start 0.7s · ready 1.1s · old pods 0.2s')
  })

  it('gives an interval to the first milestone seen in it when two are seen at once', () => {
    let m = observe({begin: 0}, 300, [pod({scheduled: true})])
    m = observe(m, 900, [pod({scheduled: true, running: true, ready: true})])
    assert.deepEqual(phasesOf({...m, done: 950}), {scheduling: 300, pull: 0, start: 600, readiness: 0, handover: 50})
  })

  it('ignores old pods that are terminating, and waits for every new pod', () => {
    let m = observe({begin: 0}, 100, [pod({scheduled: true, running: true, ready: true}, 'old'), pod({scheduled: true}, 'new')].map((p, i) => (i === 0 ? {...p, terminating: true} : p)))
    assert.equal(m.ready, undefined)
    m = observe(m, 500, [pod({scheduled: true, running: true, ready: true}, 'new'), pod({scheduled: true}, 'new-2')])
    assert.equal(m.started, undefined, 'one new pod is not running yet')
  })

  it('reads the kubelet pull time in seconds or milliseconds, and an image already present as no pull', () => {
    assert.equal(pulledMs([pulled('Successfully pulled image "x" in 1.5s (1.5s including waiting)')], ['app-1']), 1500)
    assert.equal(pulledMs([pulled('Container image "x" already present on machine')], ['app-1']), 0)
    assert.equal(pulledMs([pulled('Successfully pulled image "x" in 2s', 'Pod/other')], ['app-1']), undefined)
  })

  it('has no phases before the rollout is done, and leaves out phases under 50 ms when printed', () => {
    assert.equal(phasesOf({begin: 0, ready: 10}), undefined)
    assert.equal(formatPhases({scheduling: 10, pull: 0, start: 900, readiness: 40, handover: 0}), 'start 0.9s')
  })
})
