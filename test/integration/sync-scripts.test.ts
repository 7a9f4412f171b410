import assert from 'node:assert/strict'
import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import tar from 'tar-stream'

import {cksumLine} from '../../src/sync/cksum.js'
import {type ApplyOutcome, type ApplyRequest, applyArgs, readApply, wrapperArgs} from '../../src/sync/scripts.js'

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** A free TCP port on loopback. */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack()
  for (const [name, text] of Object.entries(files)) pack.entry({name, mode: 0o644}, text)
  pack.finalize()
  const chunks: Buffer[] = []
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** The apply script as the engine runs it in a pod, here in this machine's sh. */
function apply(request: ApplyRequest, stdin: Buffer): Promise<ApplyOutcome & {stdout: string}> {
  const [command, ...args] = applyArgs(request)
  const child = spawn(command!, args, {stdio: ['pipe', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdin.end(stdin)
  return new Promise(resolve => child.on('close', code => resolve({...readApply(code ?? 1, stdout, stderr), stdout})))
}

/**
 * The two shell programs of live update (src/sync/scripts.ts) in this machine's POSIX sh (dash, as in
 * Debian-based images), with the real tar, head and cksum, and a real app under the restart wrapper:
 * what the engine's fake container only imitates. Needs no test bed.
 */
describe('the sync scripts in a real sh', function () {
  this.timeout(60_000)
  let root: string
  let state: string
  let wrapper: ChildProcess | undefined

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'draft-sync-scripts-'))
    state = join(root, 'run', 'draft-sync')
    mkdirSync(join(root, 'app', 'src'), {recursive: true})
    mkdirSync(state, {recursive: true})
  })
  afterEach(async () => {
    if (wrapper && wrapper.exitCode === null) {
      wrapper.kill('SIGKILL')
      await new Promise(resolve => wrapper!.once('exit', resolve))
    }
    wrapper = undefined
    rmSync(root, {recursive: true, force: true})
  })

  it('unpacks, removes, checks with cksum and says copied; a mismatch and a missing file are refused', async () => {
    writeFileSync(join(root, 'app', 'src', 'old.js'), 'old\n')
    const files = {'app/src/a.js': 'console.log(1)\n', 'app/src/new/b.js': 'b\n'}
    const bytes = await tarOf(files)
    const ok = await apply({root, size: bytes.length, files: Object.keys(files), expected: Object.entries(files).map(([n, t]) => cksumLine(Buffer.from(t), n)), removed: ['app/src/old.js']}, bytes)
    assert.deepEqual([ok.ok, ok.stdout.trim().split('\n').at(-1)], [true, 'draft-sync: copied'])
    assert.equal(readFileSync(join(root, 'app', 'src', 'new', 'b.js'), 'utf8'), 'b\n')
    assert.equal(existsSync(join(root, 'app', 'src', 'old.js')), false)

    const wrong = await apply({root, size: bytes.length, files: Object.keys(files), expected: ['1 1 app/src/a.js', cksumLine(Buffer.from('b\n'), 'app/src/new/b.js')], removed: []}, bytes)
    assert.deepEqual(wrong, {ok: false, stage: 'copy', reason: 'the files in the container differ from the ones sent (cksum)', stdout: wrong.stdout})
    const deletesOnly = await apply({root, size: 0, files: [], expected: [], removed: ['app/src/new']}, Buffer.alloc(0))
    assert.equal(deletesOnly.ok, true)
    assert.equal(existsSync(join(root, 'app', 'src', 'new')), false)
  })

  it('restarts the app under the wrapper and waits for its new socket; an app that exits is reported, and the next restart starts it', async () => {
    const port = await freePort()
    const server = join(root, 'app', 'server.js')
    const serve = (text: string): void => writeFileSync(server, `require('node:http').createServer((_q, s) => s.end(${JSON.stringify(text)})).listen(${port}, '127.0.0.1')\nprocess.on('SIGTERM', () => process.exit(0))\n`)
    serve('one')
    const [command, ...args] = wrapperArgs([process.execPath, server], 'TERM')
    // The wrapper's state folder is an argument: here the test's own.
    args[3] = state
    wrapper = spawn(command!, args, {stdio: ['ignore', 'inherit', 'inherit']})
    const answer = async (): Promise<string> => (await fetch(`http://127.0.0.1:${port}/`)).text()
    for (let i = 0; (await answer().catch(() => '')) !== 'one'; i++) {
      assert.ok(i < 200, 'the app did not start under the wrapper')
      await sleep(25)
    }
    const first = readFileSync(join(state, 'app'), 'utf8').trim()
    assert.match(first, /^running \d+$/)

    const text = 'two'
    const file = `require('node:http').createServer((_q, s) => s.end(${JSON.stringify(text)})).listen(${port}, '127.0.0.1')\nprocess.on('SIGTERM', () => process.exit(0))\n`
    const bytes = await tarOf({'app/server.js': file})
    const restart = {root, state, init: wrapper.pid!, restart: {port, timeoutSeconds: 20}}
    const restarted = await apply({...restart, size: bytes.length, files: ['app/server.js'], expected: [cksumLine(Buffer.from(file), 'app/server.js')], removed: []}, bytes)
    assert.deepEqual([restarted.ok, 'restarted' in restarted && restarted.restarted], [true, true], restarted.stdout)
    assert.equal(await answer(), 'two', 'the new process answers as soon as the script returns')
    assert.notEqual(readFileSync(join(state, 'app'), 'utf8').trim(), first)

    const broken = await tarOf({'app/server.js': 'process.exit(3)\n'})
    const exited = await apply({...restart, size: broken.length, files: ['app/server.js'], expected: [cksumLine(Buffer.from('process.exit(3)\n'), 'app/server.js')], removed: []}, broken)
    assert.deepEqual(exited, {ok: false, stage: 'reload', reason: 'the app exited 3 after the restart', stdout: exited.stdout})
    assert.equal(wrapper.exitCode, null, 'the wrapper waits for the next sync rather than exit')

    const fixed = await apply({...restart, size: bytes.length, files: ['app/server.js'], expected: [cksumLine(Buffer.from(file), 'app/server.js')], removed: []}, bytes)
    assert.equal(fixed.ok, true, fixed.stdout)
    assert.equal(await answer(), 'two')

    wrapper.kill('SIGTERM')
    const code = await new Promise(resolve => wrapper!.once('exit', resolve))
    assert.equal(code, 0, 'TERM stops the app and the wrapper with the app\'s code')
  })

  it('stops an app with INT though a background command starts with INT ignored (env gives it back its default)', async function () {
    const probe = spawn('env', ['--default-signal=INT', 'true'])
    if ((await new Promise(resolve => probe.on('close', resolve))) !== 0) this.skip()
    // sleep has no handler of its own: with INT still ignored it would run until the KILL 10 s later.
    const [command, ...args] = wrapperArgs(['sleep', '1000'], 'INT')
    args[3] = state
    wrapper = spawn(command!, args, {stdio: 'ignore'})
    for (let i = 0; !existsSync(join(state, 'app')); i++) {
      assert.ok(i < 200, 'the wrapper did not start the app')
      await sleep(25)
    }
    const started = performance.now()
    const restarted = await apply({root, state, init: wrapper.pid!, restart: {port: 0, timeoutSeconds: 20}, size: 0, files: [], expected: [], removed: []}, Buffer.alloc(0))
    assert.equal(restarted.ok, true, restarted.stdout)
    assert.ok(performance.now() - started < 5000, `the restart took ${Math.round(performance.now() - started)} ms: INT did not stop the app`)
  })
})
