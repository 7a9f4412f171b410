import assert from 'node:assert/strict'

import {BACKOFF, backoffDelay, nextAttempt} from '../../../src/connect/backoff.js'
import {chooseTarget, explainWaiting, isReady, retargetReason} from '../../../src/connect/choose-pod.js'
import {localCandidates, parsePortFlag, planForwards, portChoice} from '../../../src/connect/local-ports.js'
import {isNewLine, logPrefix, mergeByTime, shortPodName} from '../../../src/connect/log-prefix.js'
import {type StreamRecord, planLogStreams} from '../../../src/connect/log-plan.js'
import {DraftError} from '../../../src/core/errors.js'
import type {PodState} from '../../../src/kube/kube.js'
import {deployment, pod} from './helpers.js'

const code = (fn: () => unknown): string => {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof DraftError, String(error))
    return error.code
  }
  assert.fail('expected a DraftError')
}

describe('connect decisions', () => {
  describe('local ports', () => {
    it('parses LOCAL:REMOTE and PORT, and refuses anything else with the fix', () => {
      assert.deepEqual(parsePortFlag('8080:3000'), {local: 8080, remote: 3000})
      assert.deepEqual(parsePortFlag('3000'), {local: 3000, remote: 3000})
      for (const bad of ['', 'http', '8080:', ':3000', '0:3000', '8080:70000', '1:2:3']) assert.equal(code(() => parsePortFlag(bad)), 'BAD_PORT_FLAG', bad)
    })

    it('forwards every declared TCP port on its own number first, then the next ones, then any', () => {
      const plans = planForwards({
        release: 'app',
        declared: [
          {container: 'app', name: 'http', port: 3000, protocol: 'TCP'},
          {container: 'app', name: 'metrics', port: 9090, protocol: 'TCP'},
          {container: 'app', name: 'dns', port: 53, protocol: 'UDP'},
          {container: 'sidecar', name: 'http', port: 3000, protocol: 'TCP'},
        ],
        requested: [],
        privileged: false,
      })
      assert.deepEqual(plans.map(p => p.remote), [3000, 9090])
      assert.deepEqual(plans[0]!.candidates.slice(0, 3), [3000, 3001, 3002])
      assert.equal(plans[0]!.candidates.at(-1), 0)
      assert.equal(plans[0]!.explicit, false)
    })

    it('starts a privileged container port at +8000 unless draft may listen there', () => {
      assert.equal(localCandidates(80, false)[0], 8080)
      assert.equal(localCandidates(80, true)[0], 80)
      assert.equal(localCandidates(65_534, false).length, 3)
    })

    it('takes exactly the --port mappings, refuses a local port asked twice, and needs a port from somewhere', () => {
      const plans = planForwards({release: 'app', declared: [], requested: [{local: 8080, remote: 3000}], privileged: false})
      assert.deepEqual(plans, [{remote: 3000, candidates: [8080], explicit: true}])
      assert.equal(code(() => planForwards({release: 'app', declared: [], requested: [{local: 8080, remote: 3000}, {local: 8080, remote: 9090}], privileged: false})), 'BAD_PORT_FLAG')
      assert.equal(code(() => planForwards({release: 'app', declared: [], requested: [], privileged: false})), 'NO_PORTS')
    })

    it('says how the port was chosen', () => {
      const plan = {remote: 3000, candidates: [3000, 3001, 0], explicit: false}
      assert.equal(portChoice(plan, 3000), 'same-port')
      assert.equal(portChoice(plan, 3001), 'next-free')
      assert.equal(portChoice({...plan, explicit: true}, 3000), 'explicit')
    })
  })

  describe('the target of new connections', () => {
    const newest = new Set(['new111'])
    const old = pod('app-old111-aaaaa', {hash: 'old111', created: '2025-01-01T00:00:00Z'})
    const fresh = pod('app-new111-bbbbb', {hash: 'new111', created: '2025-01-01T00:05:00Z'})

    it('is the newest ReplicaSet\'s Ready pod; the old one serves until then', () => {
      assert.equal(chooseTarget({pods: [old, fresh], remote: 3000, newest, explicit: false}), fresh.name)
      const starting = {...fresh, conditions: [{type: 'Ready', status: 'False', reason: '', message: ''}]}
      assert.equal(chooseTarget({pods: [old, starting], remote: 3000, newest, explicit: false}), old.name)
    })

    it('never is a pod that is shutting down, nor one that does not declare the port (unless --port named it)', () => {
      const leaving = {...old, terminating: true}
      assert.ok(!isReady(leaving))
      assert.equal(chooseTarget({pods: [leaving], remote: 3000, newest, explicit: false}), undefined)
      assert.equal(chooseTarget({pods: [old], remote: 8080, newest, explicit: false}), undefined)
      assert.equal(chooseTarget({pods: [old], remote: 8080, newest, explicit: true}), old.name)
    })

    it('stays on the current pod while it is as good as any, so connections do not hop', () => {
      const twin = pod('app-new111-ccccc', {hash: 'new111', created: '2025-01-01T00:04:00Z'})
      assert.equal(chooseTarget({pods: [fresh, twin], remote: 3000, newest, explicit: false}), twin.name, 'the oldest Ready pod first')
      assert.equal(chooseTarget({pods: [fresh, twin], remote: 3000, newest, explicit: false, current: fresh.name}), fresh.name)
      assert.equal(chooseTarget({pods: [old, fresh], remote: 3000, newest, explicit: false, current: old.name}), fresh.name, 'but a newer version wins')
    })

    it('prefers another Ready pod to one that just refused, and takes it again when it is the only one', () => {
      const twin = pod('app-new111-ccccc', {hash: 'new111'})
      assert.equal(chooseTarget({pods: [fresh, twin], remote: 3000, newest, explicit: false, current: fresh.name, avoid: new Set([fresh.name])}), twin.name)
      assert.equal(chooseTarget({pods: [fresh], remote: 3000, newest, explicit: false, avoid: new Set([fresh.name])}), fresh.name)
    })

    it('explains a move in a few words', () => {
      assert.equal(retargetReason(old, fresh, newest), 'the new version is Ready')
      assert.equal(retargetReason({...fresh, terminating: true}, pod('app-new111-ccccc', {hash: 'new111'}), newest), 'app-new111-bbbbb is shutting down')
      assert.equal(retargetReason(undefined, fresh, newest), 'Ready')
    })

    it('says why no pod is Ready with the rollout diagnosis, and a fix when waiting will not help', () => {
      const crashing = pod('app-new111-bbbbb', {hash: 'new111', ready: false, waiting: 'CrashLoopBackOff', restarts: 3})
      const crash = explainWaiting({namespace: 'dev', release: 'app', deployments: [deployment({available: 0})], pods: [crashing], newest, events: []})
      assert.match(crash.message, /CrashLoopBackOff: the container keeps exiting/)
      assert.match(crash.fix ?? '', /draft logs --previous/)
      const starting = explainWaiting({namespace: 'dev', release: 'app', deployments: [deployment({available: 0})], pods: [pod('app-new111-bbbbb', {hash: 'new111', ready: false})], newest, events: []})
      assert.equal(starting.fix, undefined)
      assert.match(starting.message, /0 of 1 new pods ready/)
      assert.match(explainWaiting({namespace: 'dev', release: 'app', deployments: [], pods: [], newest, events: []}).message, /has no pods yet/)
    })
  })

  describe('backoff', () => {
    it('doubles from 250 ms to at most 8 s, and starts over after a stream that stayed up', () => {
      assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 20].map(backoffDelay), [250, 500, 1000, 2000, 4000, 8000, 8000, 8000])
      assert.equal(nextAttempt(4, 500), 5)
      assert.equal(nextAttempt(4, BACKOFF.resetAfterMs), 1)
    })
  })

  describe('log lines', () => {
    it('labels a pod with the random part of its name, adding the hash only when two ReplicaSets share it', () => {
      const a = {name: 'express-api-7d9f8b6c4-x2k9q', templateHash: '7d9f8b6c4'}
      const b = {name: 'express-api-5c6d7e8f9-x2k9q', templateHash: '5c6d7e8f9'}
      assert.equal(shortPodName(a, [a]), 'x2k9q')
      assert.equal(shortPodName(a, [a, b]), '7d9f8b6c4-x2k9q')
      assert.equal(shortPodName({name: 'web-0', templateHash: ''}), 'web-0')
    })

    it('adds the container when the pod has several', () => {
      const p = pod('app-aaa111-zzzzz', {containers: ['app', 'proxy']})
      assert.equal(logPrefix(p, 'proxy', [p]), 'zzzzz/proxy')
      assert.equal(logPrefix(pod('app-aaa111-zzzzz'), 'app', []), 'zzzzz')
    })

    it('shows a resumed stream\'s lines once, though the runtime trims trailing zeros', () => {
      assert.ok(isNewLine('2025-01-01T00:00:01.5Z', '2025-01-01T00:00:01.45Z'))
      assert.ok(!isNewLine('2025-01-01T00:00:01.45Z', '2025-01-01T00:00:01.45Z'))
      assert.ok(!isNewLine('2025-01-01T00:00:01.4Z', '2025-01-01T00:00:01.45Z'))
      assert.ok(isNewLine('2025-01-01T00:00:02Z', '2025-01-01T00:00:01.999999999Z'))
      assert.ok(isNewLine('', '2025-01-01T00:00:01Z'), 'no timestamp: shown')
      assert.ok(isNewLine('2025-01-01T00:00:01Z', undefined))
    })

    it('merges containers in time order, keeping each one\'s order', () => {
      const a = [{time: '2025-01-01T00:00:01Z', text: 'a1'}, {time: '2025-01-01T00:00:03Z', text: 'a2'}]
      const b = [{time: '2025-01-01T00:00:02.5Z', text: 'b1'}, {time: '2025-01-01T00:00:03Z', text: 'b2'}]
      assert.deepEqual(mergeByTime([a, b]).map(l => l.text), ['a1', 'b1', 'a2', 'b2'])
    })
  })

  describe('which logs to follow', () => {
    const plan = (pods: PodState[], streams: Map<string, StreamRecord> = new Map(), container?: string) =>
      planLogStreams({pods, streams, initialPods: new Set(['app-aaa111-first']), ...(container ? {container} : {})})

    it('opens every started container: the ones there at the start as asked, later ones from their first line', () => {
      const actions = plan([pod('app-aaa111-first'), pod('app-bbb222-later', {hash: 'bbb222'}), pod('app-bbb222-pending', {hash: 'bbb222', id: '', waiting: 'ContainerCreating'})])
      assert.deepEqual(actions.map(a => [a.kind, a.pod, a.kind === 'open' ? a.from : '']), [
        ['open', 'app-aaa111-first', 'initial'],
        ['open', 'app-bbb222-later', 'start'],
      ])
    })

    it('reads a restarted container\'s new instance, resumes a stream the server cut, and stops at a gone pod', () => {
      const streams = new Map<string, StreamRecord>([
        ['app-aaa111-first/app', {instance: 'containerd://old', state: 'ended'}],
        ['app-aaa111-cut/app', {instance: 'containerd://app-aaa111-cut-app', state: 'ended'}],
        ['app-aaa111-gone/app', {instance: 'x', state: 'open'}],
        ['app-aaa111-open/app', {instance: 'containerd://app-aaa111-open-app', state: 'open'}],
      ])
      const actions = plan([pod('app-aaa111-first'), pod('app-aaa111-cut'), pod('app-aaa111-open')], streams)
      assert.deepEqual(actions.map(a => `${a.kind} ${a.pod}`), ['restarted app-aaa111-first', 'resume app-aaa111-cut', 'stop app-aaa111-gone'])
    })

    it('leaves an ended stream of a stopped container alone, and follows only --container', () => {
      const stopped = pod('app-aaa111-first')
      stopped.containers[0] = {...stopped.containers[0]!, running: undefined, terminated: {reason: 'Error', exitCode: 1, message: ''}}
      assert.deepEqual(plan([stopped], new Map([['app-aaa111-first/app', {instance: 'containerd://app-aaa111-first-app', state: 'ended'}]])), [])
      const two = pod('app-aaa111-first', {containers: ['app', 'proxy']})
      assert.deepEqual(plan([two], new Map(), 'proxy').map(a => a.kind === 'open' && a.container), ['proxy'])
    })
  })
})
