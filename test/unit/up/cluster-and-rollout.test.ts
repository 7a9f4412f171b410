import assert from 'node:assert/strict'

import {helmError} from '../../../src/helm/helm-cli.js'
import type {DeploymentState, PodState} from '../../../src/kube/kube.js'
import {chooseDelivery, recognizeCluster} from '../../../src/up/cluster.js'
import {deploymentsIn, judgeRollout} from '../../../src/up/rollout.js'

const target = (context: string, cluster = context, server = 'https://127.0.0.1:6443') => ({context, cluster, server})

describe('recognizeCluster', () => {
  it('knows kind, k3d, minikube, Docker Desktop and Rancher Desktop contexts', () => {
    assert.deepEqual(pick(recognizeCluster(target('kind-dev'))), {kind: 'kind', name: 'dev', seesLocalImages: false, load: 'kind load docker-image img --name dev'})
    assert.deepEqual(pick(recognizeCluster(target('k3d-web'))), {kind: 'k3d', name: 'web', seesLocalImages: false, load: 'k3d image import img --cluster web'})
    assert.deepEqual(pick(recognizeCluster(target('minikube'))), {kind: 'minikube', name: 'minikube', seesLocalImages: false, load: 'minikube image load img --profile minikube'})
    assert.equal(recognizeCluster(target('minikube'), {MINIKUBE_ACTIVE_DOCKERD: 'minikube'}).seesLocalImages, true)
    assert.equal(recognizeCluster(target('docker-desktop')).seesLocalImages, true)
    assert.equal(recognizeCluster(target('rancher-desktop')).kind, 'rancher-desktop')
    assert.equal(recognizeCluster(target('gke_proj_zone_prod')).kind, 'remote')
    assert.equal(recognizeCluster(target('admin@kind-x', 'kind-x')).kind, 'kind', 'a renamed context still points at the kind cluster')
  })
})

function pick(c: ReturnType<typeof recognizeCluster>) {
  return {kind: c.kind, name: c.name, seesLocalImages: c.seesLocalImages, ...(c.load ? {load: `${c.load.command} ${c.load.args('img').join(' ')}`} : {})}
}

describe('chooseDelivery', () => {
  const kind = recognizeCluster(target('kind-dev'))
  it('prefers an explicit registry, even on a local cluster', () => {
    const d = chooseDelivery({registry: 'ghcr.io/me', image: 'app', cluster: kind})
    assert.equal(d.mode, 'registry')
    assert.equal(d.mode === 'registry' && d.registry, 'ghcr.io')
    assert.equal(d.mode === 'registry' && d.pushRepository, 'ghcr.io/me/app')
  })
  it('falls back to the advertised registry, then shared images, then the load tool', () => {
    assert.equal(chooseDelivery({registry: '', image: 'app', cluster: kind, hosting: {host: 'localhost:5001'}}).mode, 'registry')
    assert.equal(chooseDelivery({registry: '', image: 'app', cluster: recognizeCluster(target('docker-desktop'))}).mode, 'local-images')
    assert.equal(chooseDelivery({registry: '', image: 'app', cluster: kind}).mode, 'load')
    assert.equal(chooseDelivery({registry: '', image: 'app', cluster: recognizeCluster(target('prod'))}).mode, 'none')
  })
})

const deployment = (overrides: Partial<DeploymentState> = {}): DeploymentState => ({
  name: 'app', generation: 2, observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 0,
  selector: 'app=x', conditions: [], ...overrides,
})
const pod = (overrides: Partial<PodState> = {}): PodState => ({name: 'app-1', phase: 'Running', templateHash: 'h', image: 'reg/app:t', conditions: [], containers: [{name: 'app', ready: true, restartCount: 0}], ...overrides})
const judge = (input: Partial<Parameters<typeof judgeRollout>[0]>) => judgeRollout({namespace: 'default', deployment: deployment(), pods: [pod()], events: [], timedOut: false, ...input})

describe('judgeRollout', () => {
  it('is done when every replica is updated and available', () => {
    assert.equal(judge({}).state, 'done')
  })
  it('waits while replicas update, and says how far it got', () => {
    assert.deepEqual(judge({deployment: deployment({updatedReplicas: 1})}), {state: 'waiting', message: '1 of 2 pods updated'})
    assert.deepEqual(judge({deployment: deployment({observedGeneration: 1})}), {state: 'waiting', message: 'waiting for the new spec to be observed'})
    assert.deepEqual(judge({deployment: deployment({availableReplicas: 1})}), {state: 'waiting', message: '1 of 2 updated pods available'})
  })
  it('fails at once on ImagePullBackOff and CrashLoopBackOff, naming the cause', () => {
    const pull = judge({deployment: deployment({availableReplicas: 0}), pods: [pod({phase: 'Pending', containers: [{name: 'app', ready: false, restartCount: 0, waiting: {reason: 'ImagePullBackOff', message: 'Back-off pulling image'}}]})]})
    assert.equal(pull.state, 'failed')
    assert.match(pull.state === 'failed' ? pull.cause : '', /^ImagePullBackOff: the cluster cannot pull reg\/app:t/)
    const crash = judge({deployment: deployment({availableReplicas: 0}), pods: [pod({containers: [{name: 'app', ready: false, restartCount: 3, waiting: {reason: 'CrashLoopBackOff', message: ''}, terminated: {reason: 'Error', exitCode: 1, message: ''}}]})]})
    assert.equal(crash.state, 'failed')
    assert.match(crash.state === 'failed' ? crash.cause : '', /exit code 1, Error/)
    assert.match(crash.state === 'failed' ? crash.fix : '', /draft logs --previous/)
    assert.deepEqual(crash.state === 'failed' ? crash.logsOf : undefined, {pod: 'app-1', container: 'app', previous: true})
    // Judged again with the crashed container's last lines, they are shown inline.
    const shown = judge({
      deployment: deployment({availableReplicas: 0}),
      pods: [pod({containers: [{name: 'app', ready: false, restartCount: 3, waiting: {reason: 'CrashLoopBackOff', message: ''}, terminated: {reason: 'Error', exitCode: 1, message: ''}}]})],
      logs: {pod: 'app-1', container: 'app', previous: true, lines: ['Traceback (most recent call last):', 'sqlite3.OperationalError: unable to open database file']},
      events: [{object: 'Pod/app-1', type: 'Warning', reason: 'MissingClusterDNS', message: 'kubelet does not have ClusterDNS IP configured', count: 3, lastSeen: ''}],
    })
    assert.deepEqual(shown.state === 'failed' ? shown.details : [], ["last lines of the crashed container's log:", '  Traceback (most recent call last):', '  sqlite3.OperationalError: unable to open database file'])
  })
  it('does not judge the previous release\'s pods before the new spec is observed', () => {
    const crashing = [pod({containers: [{name: 'app', ready: false, restartCount: 3, waiting: {reason: 'CrashLoopBackOff', message: ''}}]})]
    assert.deepEqual(judge({deployment: deployment({observedGeneration: 1}), pods: crashing}), {state: 'waiting', message: 'waiting for the new spec to be observed'})
  })
  it('judges a container the kubelet keeps killing for its startup probe by the probe, not as a crash', () => {
    const killed = judge({
      deployment: deployment({availableReplicas: 0}),
      containerPort: 8080,
      pods: [pod({conditions: [{type: 'Ready', status: 'False', reason: '', message: ''}], containers: [{name: 'app', ready: false, restartCount: 2, waiting: {reason: 'CrashLoopBackOff', message: ''}, terminated: {reason: 'Error', exitCode: 143, message: ''}}]})],
      events: [
        {object: 'Pod/app-1', type: 'Warning', reason: 'Unhealthy', message: 'Startup probe failed: Get "http://100.66.0.9:8080/healthz": dial tcp 100.66.0.9:8080: connect: connection refused', count: 9, lastSeen: ''},
        {object: 'Pod/app-1', type: 'Normal', reason: 'Killing', message: 'Container app failed startup probe, will be restarted', count: 2, lastSeen: ''},
      ],
      logs: {pod: 'app-1', container: 'app', previous: true, lines: ['booting', 'listening on 3000']},
    })
    assert.equal(killed.state, 'failed')
    assert.equal(killed.state === 'failed' ? killed.cause : '', 'startup probe failing: nothing listens on :8080 (the app listens on :3000: "listening on 3000")')
    assert.match(killed.state === 'failed' ? killed.fix : '', /containerPort: 3000/)
  })
  it('fails at once when an init container keeps failing, naming the release phase or the seeding', () => {
    const waiting = {name: 'app', ready: false, restartCount: 0, waiting: {reason: 'PodInitializing', message: ''}}
    const release = judge({
      deployment: deployment({availableReplicas: 0}),
      pods: [pod({phase: 'Pending', containers: [waiting], initContainers: [{name: 'seed-writable-1', ready: true, restartCount: 0, terminated: {reason: 'Completed', exitCode: 0, message: ''}}, {name: 'release', ready: false, restartCount: 2, waiting: {reason: 'CrashLoopBackOff', message: ''}, terminated: {reason: 'Error', exitCode: 1, message: ''}}]})],
    })
    assert.equal(release.state, 'failed')
    assert.equal(release.state === 'failed' ? release.cause : '', 'Init:CrashLoopBackOff: the release phase (release.command in values.yaml: migrations and the like) keeps failing (exit code 1, Error), so the app never starts')
    assert.equal(release.state === 'failed' ? release.fix : '', 'See why in its logs: kubectl logs -n default app-1 -c release')
    const seed = judge({deployment: deployment({availableReplicas: 0}), pods: [pod({containers: [waiting], initContainers: [{name: 'seed-writable-2', ready: false, restartCount: 3, terminated: {reason: 'Error', exitCode: 1, message: ''}}]})]})
    assert.match(seed.state === 'failed' ? seed.cause : '', /copying the image's files into a writable volume keeps failing/)
    const running = judge({deployment: deployment({availableReplicas: 0}), pods: [pod({containers: [waiting], initContainers: [{name: 'release', ready: false, restartCount: 0}]})]})
    assert.equal(running.state, 'waiting')
  })
  it('waits on a failing probe or an unschedulable pod, and fails with that cause at the timeout', () => {
    const probeInput = {
      deployment: deployment({availableReplicas: 0}),
      pods: [pod({containers: [{name: 'app', ready: false, restartCount: 0}]})],
      events: [{object: 'Pod/app-1', type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed: connection refused', count: 4, lastSeen: ''}],
      containerPort: 8080,
    }
    const waiting = judge(probeInput)
    assert.equal(waiting.state, 'waiting')
    assert.match(waiting.state === 'waiting' ? waiting.message : '', /readiness probe failing/)
    // One failure is the app starting: no line about it yet.
    const starting = judge({...probeInput, events: [{...probeInput.events[0]!, count: 1}]})
    assert.doesNotMatch(starting.state === 'waiting' ? starting.message : '', /probe failing/)
    const timedOut = judge({...probeInput, timedOut: true})
    assert.equal(timedOut.state, 'failed')
    assert.match(timedOut.state === 'failed' ? timedOut.cause : '', /^readiness probe failing: nothing listens on :8080/)
    assert.match(timedOut.state === 'failed' ? timedOut.fix : '', /port 8080/)
    const pending = judge({deployment: deployment({availableReplicas: 0}), timedOut: true, pods: [pod({phase: 'Pending', containers: [], conditions: [{type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.'}]})]})
    assert.match(pending.state === 'failed' ? pending.cause : '', /Pending: Unschedulable: 0\/1 nodes are available: 1 Insufficient cpu/)
  })
  it('finds the Deployments of a manifest', () => {
    const manifest = '---\n# Source: x/templates/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    name: not-this\n  name: web\n'
    assert.deepEqual(deploymentsIn(manifest), ['web'])
  })
})

describe('helmError', () => {
  it('turns helm messages into advice', () => {
    assert.match(helmError('app', 'dev', 'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress').fix, /helm rollback app -n dev/)
    assert.match(helmError('app', 'dev', 'Error: UPGRADE FAILED: "app" has no deployed releases').fix, /helm uninstall app -n dev/)
    assert.match(helmError('app', 'dev', 'Error: values don\'t meet the specifications of the schema(s)').fix, /values.schema.json/)
    const forbidden = helmError('app', 'dev', 'Error: query: failed to query with labels: secrets is forbidden: User "system:serviceaccount:default:nobody" cannot list resource "secrets" in API group "" in the namespace "dev"')
    assert.equal(forbidden.code, 'NAMESPACE_FORBIDDEN')
    assert.equal(forbidden.message, 'system:serviceaccount:default:nobody may not list secrets in namespace "dev"')
    assert.match(helmError('app', 'dev', 'Error: create: failed to create: namespaces is forbidden for this user').fix, /namespace "dev"/)
    assert.equal(helmError('app', 'dev', 'Error: Kubernetes cluster unreachable: connection refused').code, 'KUBE_UNREACHABLE')
    assert.equal(helmError('app', 'dev', 'Error: create: failed to create: secrets "x" is forbidden: unable to create new content in namespace dev because it is being terminated').code, 'NAMESPACE_TERMINATING')
  })
})
