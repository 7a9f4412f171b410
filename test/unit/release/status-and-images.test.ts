import assert from 'node:assert/strict'

import type {HelmRevision} from '../../../src/helm/helm.js'
import type {DeploymentState, PodState} from '../../../src/kube/kube.js'
import {imageOutcome, planImages, recordedTags} from '../../../src/release/images.js'
import {describeRevisions} from '../../../src/release/revisions.js'
import {judgeStatus, podRow, type StatusInput} from '../../../src/release/status.js'

const FP = 'draft 0123456789abcdef01234567'
const rev = (revision: number, status: string, description: string): HelmRevision => ({revision, status, description, updated: '2025-01-01T10:00:00Z', chart: 'app-0.1.0', appVersion: ''})
const TAG = 'draft-00000000000000aa'

const deployment = (over: Partial<DeploymentState> = {}): DeploymentState => ({
  name: 'app', generation: 1, observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 0,
  selector: 'app.kubernetes.io/instance=app', conditions: [{type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: ''}, {type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: ''}], ...over,
})
const pod = (over: Partial<PodState> = {}): PodState => ({name: 'app-1', phase: 'Running', templateHash: 'h', image: `r/app:${TAG}`, conditions: [], containers: [{name: 'app', ready: true, restartCount: 0}], ...over})

const input = (over: Partial<StatusInput> = {}): StatusInput => ({
  release: 'app', namespace: 'dev', context: 'ctx',
  history: [rev(1, 'superseded', `${FP} tag=old`), rev(2, 'deployed', `${FP} tag=${TAG} commit=${'c'.repeat(40)}`)],
  images: [`127.0.0.1:45000/app:${TAG}`],
  deployments: [{name: 'app', state: deployment(), newestPods: [pod()], events: []}],
  pods: [pod()],
  folder: {tag: TAG},
  ...over,
})

describe('judgeStatus', () => {
  it('is available when every Deployment has an available pod; the tag matches the folder', () => {
    const r = judgeStatus(input())
    assert.equal(r.available, true)
    assert.equal(r.revision, 2)
    assert.equal(r.tag, TAG)
    assert.equal(r.commit, 'c'.repeat(40))
    assert.deepEqual(r.folder, {tag: TAG, matches: true})
    assert.equal(r.verdict, 'available (app 1/1)')
    assert.deepEqual(r.deployments[0]!.conditions, ['Available=True (MinimumReplicasAvailable)', 'Progressing=True (NewReplicaSetAvailable)'])
  })

  it('says when the folder differs from what runs, and when its tag cannot be computed', () => {
    assert.deepEqual(judgeStatus(input({folder: {tag: 'draft-00000000000000bb'}})).folder, {tag: 'draft-00000000000000bb', matches: false})
    assert.deepEqual(judgeStatus(input({folder: {error: 'cannot read x'}})).folder, {error: 'cannot read x'})
  })

  it('is not available with no available pod, naming the rollout\'s diagnosis', () => {
    const crashing = pod({containers: [{name: 'app', ready: false, restartCount: 5, waiting: {reason: 'CrashLoopBackOff', message: ''}, terminated: {reason: 'Error', exitCode: 1, message: ''}}]})
    const r = judgeStatus(input({deployments: [{name: 'app', state: deployment({availableReplicas: 0, readyReplicas: 0, unavailableReplicas: 1, conditions: [{type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: ''}]}), newestPods: [crashing], events: []}], pods: [crashing]}))
    assert.equal(r.available, false)
    assert.match(r.verdict, /^app has no available pod: CrashLoopBackOff: the container keeps exiting \(exit code 1, Error\)/)
    assert.deepEqual(r.pods[0], {name: 'app-1', ready: '0/1', state: 'CrashLoopBackOff', restarts: 5, lastTermination: 'Error (exit code 1)'})
  })

  it('stays available while a new ReplicaSet rolls out behind serving pods, and says so', () => {
    const r = judgeStatus(input({deployments: [{name: 'app', state: deployment({updatedReplicas: 0}), newestPods: [], events: []}]}))
    assert.equal(r.available, true)
    assert.equal(r.verdict, 'available, rolling out: 0 of 1 pods updated')
  })

  it('is not available when the Deployment was deleted, or when no revision is deployed', () => {
    const gone = judgeStatus(input({deployments: [{name: 'app', state: undefined, newestPods: [], events: []}]}))
    assert.equal(gone.available, false)
    assert.match(gone.verdict, /the Deployment does not exist/)
    const failed = judgeStatus(input({history: [rev(1, 'failed', 'Install failed')], deployments: [], pods: []}))
    assert.equal(failed.available, false)
    assert.equal(failed.verdict, 'no revision is deployed: revision 1 is failed')
  })

  it('points out a newest revision that is not live, and a live rollback', () => {
    const r = judgeStatus(input({history: [rev(1, 'superseded', `${FP} tag=${TAG}`), rev(2, 'deployed', 'Rollback to 1'), rev(3, 'failed', 'Upgrade "app" failed: timed out')]}))
    assert.deepEqual(r.newest, {revision: 3, status: 'failed', description: 'Upgrade "app" failed: timed out'})
    assert.equal(r.rollbackOf, 1)
  })

  it('shows a terminating pod as such, and passes the URLs of a running connect', () => {
    assert.equal(podRow(pod({terminating: true})).state, 'Terminating')
    assert.deepEqual(judgeStatus(input({urls: ['http://127.0.0.1:3000']})).urls, ['http://127.0.0.1:3000'])
    assert.equal(judgeStatus(input({urls: []})).urls, undefined)
  })
})

describe('planImages', () => {
  const D = (c: string) => `sha256:${c.repeat(64)}`

  it('takes the tags draft recorded, per repository it pushed to', () => {
    const views = describeRevisions([
      rev(1, 'superseded', `${FP} tag=t1 repo=r/app`),
      rev(2, 'superseded', `${FP} tag=t2 repo=r/app`),
      rev(3, 'superseded', 'Rollback to 1'),
      rev(4, 'superseded', `${FP} tag=t4`),
      rev(5, 'deployed', `${FP} tag=t2 repo=r/app`),
    ])
    assert.deepEqual([...recordedTags(views)], [['r/app', ['t1', 't2']]])
  })

  it('deletes what only our tags name, keeps a manifest another tag shares, and notes gone and unrecorded tags', () => {
    const plan = planImages(['draft-00000000000000a1', 'draft-00000000000000a2', 'draft-00000000000000a3', 'draft-00000000000000a4'], {
      repository: 'r/app',
      tags: [
        {tag: 'draft-00000000000000a1', digest: D('1')},
        {tag: 'draft-00000000000000a2', digest: D('2')},
        {tag: 'v1.0', digest: D('2')},
        {tag: 'draft-00000000000000a3', digest: D('1')},
        {tag: 'draft-00000000000000ff', digest: D('9')},
      ],
    })
    assert.deepEqual(plan.deletes, [{digest: D('1'), tags: ['draft-00000000000000a1', 'draft-00000000000000a3']}])
    assert.deepEqual(plan.kept, [{tag: 'draft-00000000000000a2', reason: 'the same image is also tagged v1.0'}])
    assert.deepEqual(plan.absent, ['draft-00000000000000a4'])
    assert.deepEqual(plan.unrecorded, ['draft-00000000000000ff'])
  })

  it('folds the registry\'s answers: a refusal stops the rest and keeps their tags', () => {
    const plan = {repository: 'r/app', deletes: [{digest: D('1'), tags: ['a']}, {digest: D('2'), tags: ['b']}, {digest: D('3'), tags: ['c']}], kept: [], absent: [], unrecorded: []}
    const refused = imageOutcome(plan, [{status: 'deleted'}, {status: 'refused', reason: 'no deletes here'}])
    assert.deepEqual(refused.deleted, ['a'])
    assert.equal(refused.refused, 'no deletes here')
    assert.deepEqual(refused.kept.map(k => k.tag), ['b', 'c'])
    assert.deepEqual(imageOutcome(plan, [{status: 'deleted'}, {status: 'missing'}, {status: 'deleted'}]).deleted, ['a', 'b', 'c'])
  })
})
