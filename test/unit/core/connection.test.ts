import assert from 'node:assert/strict'

import {connectionFailure, connectionFailureInText, originInText} from '../../../src/core/connection.js'
import {DraftError} from '../../../src/core/errors.js'
import {dockerUnavailable, pushFailure} from '../../../src/docker/docker-errors.js'
import {helmError} from '../../../src/helm/helm-cli.js'
import {kubeError} from '../../../src/kube/kube-errors.js'

/** The shapes Node and the libraries on top of it throw, as seen from draft (checked by hand against each). */
const nodeError = (code: string, message: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(message), {code, ...extra})
const dockerSocketGone = nodeError('ENOENT', 'connect ENOENT /run/docker.sock', {errno: -2, syscall: 'connect', address: '/run/docker.sock'})
const dockerRefused = nodeError('ECONNREFUSED', 'connect ECONNREFUSED /run/docker.sock', {errno: -111, syscall: 'connect', address: '/run/docker.sock'})
const streamCut = nodeError('ECONNRESET', 'aborted')
const fetchRefused = new TypeError('fetch failed', {cause: nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:45000', {syscall: 'connect'})})
const localhostRefused = new TypeError('fetch failed', {cause: Object.assign(new AggregateError([nodeError('ECONNREFUSED', 'connect ECONNREFUSED ::1:45000'), nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:45000')]), {})})
// @kubernetes/client-node 1.x (node-fetch): a FetchError with the errno code as a string.
const kubeRefused = Object.assign(new Error('request to https://127.0.0.1:6443/version failed, reason: connect ECONNREFUSED 127.0.0.1:6443'), {type: 'system', code: 'ECONNREFUSED', errno: 'ECONNREFUSED'})

const HELM_DOWN = 'Error: Kubernetes cluster unreachable: Get "https://127.0.0.1:6443/version": dial tcp 127.0.0.1:6443: connect: connection refused\n'
const PUSH_DOWN = 'Get "http://127.0.0.1:45000/v2/": dial tcp 127.0.0.1:45000: connect: connection refused'

describe('connection failures (one classification for every external system)', () => {
  it('reads Node\'s connection errors, through causes and AggregateErrors, and nothing else', () => {
    assert.equal(connectionFailure(dockerSocketGone), 'no socket there')
    assert.equal(connectionFailure(dockerRefused), 'connection refused')
    assert.equal(connectionFailure(streamCut), 'the connection was reset')
    assert.equal(connectionFailure(fetchRefused), 'connection refused')
    assert.equal(connectionFailure(localhostRefused), 'connection refused')
    assert.equal(connectionFailure(kubeRefused), 'connection refused')
    assert.equal(connectionFailure(new TypeError('fetch failed', {cause: nodeError('ENOTFOUND', 'getaddrinfo ENOTFOUND registry.invalid')})), 'host not found (DNS)')
    // A missing file is not a connection; neither is an answer, nor an error that was already classified.
    assert.equal(connectionFailure(nodeError('ENOENT', 'open Dockerfile', {syscall: 'open'})), undefined)
    assert.equal(connectionFailure(Object.assign(new Error('HTTP-Code: 500'), {code: 500})), undefined)
    assert.equal(connectionFailure(new DraftError('REGISTRY_UNREACHABLE', {registry: 'r', reason: 'x', local: true}, {cause: fetchRefused})), undefined)
    assert.equal(connectionFailure('ECONNREFUSED'), undefined)
  })

  it('reads the same failures in the words of Go programs (helm, the Docker daemon)', () => {
    assert.equal(connectionFailureInText(HELM_DOWN), 'connection refused')
    assert.equal(connectionFailureInText('Cannot connect: dial unix /var/run/docker.sock: connect: no such file or directory'), 'no socket there')
    assert.equal(connectionFailureInText('Get "https://ghcr.io/v2/": dial tcp: lookup ghcr.io on 127.0.0.53:53: no such host'), 'host not found (DNS)')
    assert.equal(connectionFailureInText('Get "https://10.9.9.9:6443/version": dial tcp 10.9.9.9:6443: i/o timeout'), 'the connection timed out')
    assert.equal(connectionFailureInText('Get "https://127.0.0.1:6443/api?timeout=32s": EOF'), 'the connection closed unexpectedly')
    assert.equal(connectionFailureInText('Error: UPGRADE FAILED: template: app/templates/x.yaml:3: unexpected EOF'), undefined)
    assert.equal(connectionFailureInText('denied: requested access to the resource is denied'), undefined)
    assert.equal(originInText(HELM_DOWN), 'https://127.0.0.1:6443')
  })

  it('makes Docker gone DOCKER_UNAVAILABLE, from any call, and leaves the engine\'s answers alone', () => {
    const gone = dockerUnavailable(dockerSocketGone, 'unix:///run/docker.sock')!
    assert.equal(gone.code, 'DOCKER_UNAVAILABLE')
    assert.equal(gone.message, 'Docker is not running or not reachable at unix:///run/docker.sock: no socket there')
    assert.match(gone.fix, /Start Docker, or set DOCKER_HOST/)
    assert.equal(dockerUnavailable(streamCut, 'unix:///run/docker.sock')?.code, 'DOCKER_UNAVAILABLE')
    // Node reports a request to a missing socket as ENOENT or as EPIPE, by a race: the socket names the cause.
    const brokenPipe = nodeError('EPIPE', 'write EPIPE', {syscall: 'write'})
    assert.equal(dockerUnavailable(brokenPipe, 'unix:///run/docker.sock', true)!.message, gone.message)
    assert.match(dockerUnavailable(nodeError('EACCES', 'connect EACCES /run/docker.sock', {syscall: 'connect'}), 'h')!.message, /docker group/)
    assert.equal(dockerUnavailable(Object.assign(new Error('(HTTP code 404) no such image'), {statusCode: 404}), 'h'), undefined)
  })

  it('makes a push the daemon could not deliver REGISTRY_UNREACHABLE, as draft\'s own registry check says it', () => {
    const push = pushFailure('127.0.0.1:45000/app:draft-1', PUSH_DOWN)
    assert.equal(push.code, 'REGISTRY_UNREACHABLE')
    assert.equal(push.message, 'cannot reach registry 127.0.0.1:45000: connection refused')
    const denied = pushFailure('127.0.0.1:45000/app:draft-1', 'denied: requested access to the resource is denied')
    assert.equal(denied.code, 'PUSH_FAILED')
  })

  it('makes the API server gone KUBE_UNREACHABLE, from draft\'s client and from helm alike', () => {
    const target = {context: 'bed', server: 'https://127.0.0.1:6443', user: 'admin'}
    const fromClient = kubeError(kubeRefused, target)
    assert.equal(fromClient.code, 'KUBE_UNREACHABLE')
    assert.equal(fromClient.message, 'cannot reach the Kubernetes API of context "bed" at https://127.0.0.1:6443: connection refused')
    const fromHelm = helmError('app', 'dev', HELM_DOWN, 'upgrade', {context: 'bed', server: 'https://127.0.0.1:6443'})
    assert.deepEqual([fromHelm.code, fromHelm.message, fromHelm.fix], [fromClient.code, fromClient.message, fromClient.fix])
    // A refused connection to the cluster's address, even without helm's "unreachable" preamble.
    assert.equal(helmError('app', 'dev', 'Error: UPGRADE FAILED: Get "https://127.0.0.1:6443/apis/apps/v1": dial tcp 127.0.0.1:6443: connect: connection reset by peer', 'upgrade', target).code, 'KUBE_UNREACHABLE')
    // A 403 while doing something named is the namespace's, not the connection's.
    assert.equal(kubeError(Object.assign(new Error('Forbidden'), {code: 403}), target, {namespace: 'dev', verb: 'list Pods'}).code, 'NAMESPACE_FORBIDDEN')
    assert.equal(kubeError(Object.assign(new Error('HTTP-Code: 500'), {code: 500, body: '{"message":"etcd is down"}'}), target).message, 'cannot reach the Kubernetes API of context "bed" at https://127.0.0.1:6443: the API answered 500: etcd is down')
  })
})
