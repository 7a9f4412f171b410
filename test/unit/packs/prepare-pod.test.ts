import assert from 'node:assert/strict'

import type {ContainerSpec} from '../../../src/docker/docker-engine.js'
import {FakeDocker} from '../../../src/docker/fake-docker.js'
import {preparePod} from '../../../src/packs/pack-test.js'
import type {PodPlan} from '../../../src/scaffold/plan.js'

/** A fake engine that records the containers it is asked to run, and can fail some. */
class RecordingDocker extends FakeDocker {
  readonly started: ContainerSpec[] = []
  readonly removed: string[] = []
  constructor(private readonly exitCodes: Record<string, number> = {}, private readonly noShell = false) {
    super()
  }
  override async startContainer(spec: ContainerSpec): Promise<string> {
    this.started.push(spec)
    if (this.noShell && spec.command?.[0] === 'sh') throw new Error('(HTTP code 400) unexpected - OCI runtime create failed: exec: "sh": executable file not found in $PATH')
    return spec.name
  }
  override async waitContainer(id: string): Promise<number> {
    return this.exitCodes[id.split('-').pop()!] ?? 0
  }
  override async containerLogs(): Promise<string> {
    return 'no such table: visits\n'
  }
  override async removeContainer(id: string): Promise<void> {
    this.removed.push(id)
  }
}

const pod: PodPlan = {
  env: {PORT: '5000', GREETING: 'hi'},
  secrets: {SESSION_SECRET: '', GIVEN: 'kept'},
  writable: [
    {path: '/tmp', seed: false, persist: false},
    {path: '/app/instance', seed: false, persist: true},
  ],
  release: ['flask', '--app', 'app', 'db', 'upgrade'],
  readOnlyRoot: true,
  runAsUser: 10001,
}

describe('pack test runs a fixture as the chart runs the pod', () => {
  it('hands the volumes to the runtime user, runs the release phase, then gives the app the same volumes and environment', async () => {
    const docker = new RecordingDocker()
    const prepared = await preparePod(docker, 'img', pod, 'p', 'host')
    assert.equal(prepared.ok, true)
    assert.deepEqual(prepared.volumes, ['p-0', 'p-1'])
    const [prepare, release] = docker.started
    assert.deepEqual(prepare?.command, ['sh', '-c', "chown -R 10001:10001 '/tmp' '/app/instance'"])
    assert.equal(prepare?.user, '0')
    assert.equal(prepare?.readOnlyRoot, false)
    assert.deepEqual(release?.command, ['flask', '--app', 'app', 'db', 'upgrade'])
    assert.equal(release?.readOnlyRoot, true)
    assert.deepEqual(release?.volumes, [{name: 'p-0', path: '/tmp'}, {name: 'p-1', path: '/app/instance'}])
    assert.match(release?.env.SESSION_SECRET ?? '', /^[0-9a-f]{32}$/)
    assert.equal(release?.env.GIVEN, 'kept')
    assert.equal(release?.env.GREETING, 'hi')
    if (prepared.ok) assert.deepEqual(prepared.spec.env, release?.env)
    assert.deepEqual(docker.removed, ['p-prepare', 'p-release'])
  })

  it('reports a failing release phase with its logs', async () => {
    const prepared = await preparePod(new RecordingDocker({release: 1}), 'img', pod, 'p', 'host')
    assert.equal(prepared.ok, false)
    assert.equal(prepared.ok ? '' : prepared.note, 'release phase (flask --app app db upgrade): the release step exited with code 1\nno such table: visits')
  })

  it('goes on without the prepare step in an image without a shell', async () => {
    const docker = new RecordingDocker({}, true)
    const prepared = await preparePod(docker, 'img', {...pod, release: null}, 'p', 'host')
    assert.equal(prepared.ok, true)
    assert.deepEqual(docker.removed, ['p-prepare'])
  })
})
