import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {packageRoot} from '../../src/util/package-root.js'
import {type CliResult, draft} from '../support/cli.js'

const DENO_PACK = join(packageRoot(), 'test', 'fixtures', 'packs', 'deno')
const SECRET = 'draft-e2e-secret-5b1f0c'

/**
 * `draft` on a terminal (a pseudo-terminal from util-linux `script`), answering `answer` to whatever it
 * asks. The output is the terminal's: stdout and stderr together.
 */
function draftOnTerminal(args: string[], answer: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`
  const command = [process.execPath, join(packageRoot(), 'bin', 'run.js'), ...args].map(quote).join(' ')
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {env: {...process.env, NO_COLOR: '1', ...env}, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.on('error', reject)
    child.on('close', code => {
      clearTimeout(timer)
      resolve({code: code ?? 1, stdout, stderr: '', ms: Math.round(performance.now() - started)})
    })
    child.stdin.write(answer)
  })
}

/**
 * Packs that come with a cloned app, end to end with the built CLI and no cluster: such a pack runs only
 * once the user allows it, and even then its templates render where they cannot read the user's
 * environment, write a file or start a program. The older hostile-pack checks (outputs outside the app,
 * a throwing template, an invalid manifest) hold as before.
 */
describe('packs that come with an app (e2e)', function () {
  this.timeout(5 * 60_000)
  let home: string
  let work: string
  const env = (): NodeJS.ProcessEnv => ({DRAFT_HOME: home, DRAFT_E2E_SECRET: SECRET})

  before(() => {
    home = mkdtempSync(join(tmpdir(), 'draft-home-'))
    work = mkdtempSync(join(tmpdir(), 'draft-hostile-'))
  })
  after(() => {
    rmSync(home, {recursive: true, force: true})
    rmSync(work, {recursive: true, force: true})
  })

  /** A Deno app that brings the deno pack in .draft/packs, edited. */
  const appWithPack = (name: string, options: {manifest?: (text: string) => string; template?: string} = {}): {app: string; pack: string} => {
    const app = join(work, name)
    rmSync(app, {recursive: true, force: true})
    cpSync(join(DENO_PACK, 'fixtures', 'hello-deno'), app, {recursive: true})
    const pack = join(app, '.draft', 'packs', 'deno')
    mkdirSync(join(app, '.draft', 'packs'), {recursive: true})
    cpSync(DENO_PACK, pack, {recursive: true})
    if (options.manifest) writeFileSync(join(pack, 'pack.toml'), options.manifest(readFileSync(join(pack, 'pack.toml'), 'utf8')))
    if (options.template) writeFileSync(join(pack, 'Dockerfile.ejs'), options.template)
    return {app, pack}
  }

  describe('trust on first use', () => {
    it('without a terminal and without --yes, the pack is not even loaded, and the way to allow it is named', async () => {
      const marker = join(work, 'loaded-marker')
      const {app, pack} = appWithPack('untrusted', {
        template: `<% process.mainModule.require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran') %>FROM x\n`,
        manifest: t => `${t}\n[not-in-the-schema]\nkey = 1\n`,
      })
      const run = await draft(['create', app], {env: env()})
      assert.equal(run.code, 1, run.stdout + run.stderr)
      assert.match(run.stderr, new RegExp(`the app's own packs were not loaded.*draft pack allow ${pack}.*\\(NO_PACK_MATCH\\)`, 's'))
      assert.doesNotMatch(run.stdout + run.stderr, /is broken/, 'its manifest was not even read')
      assert.ok(!existsSync(marker))
      assert.ok(!existsSync(join(app, 'Dockerfile')))

      const detected = await draft(['detect', app, '--json'], {env: env()})
      const warnings = (JSON.parse(detected.stdout) as {warnings: string[]}).warnings
      assert.ok(warnings.some(w => w.includes(`draft pack allow ${pack}`) && w.includes('no terminal')), warnings.join('\n'))

      const forced = await draft(['create', app, '--pack', 'deno'], {env: env()})
      assert.match(forced.stderr, new RegExp(`pack "deno" in ${pack} came with the app and was not loaded.*draft pack allow ${pack}.*\\(PACK_UNTRUSTED\\)`, 's'))
      assert.ok(!existsSync(join(home, 'trusted-packs.json')), 'nothing was remembered')
    })

    it('is allowed with draft pack allow, listed as allowed, asked about again on a terminal once it changes', async () => {
      const {app, pack} = appWithPack('allowed')
      const listed = async (): Promise<{state: string; digest: string} | undefined> =>
        (JSON.parse((await draft(['pack', 'list', '--app', app, '--json'], {env: env()})).stdout) as {packs: {name: string; trust?: {state: string; digest: string}}[]}).packs.find(p => p.name === 'deno')?.trust
      assert.equal((await listed())?.state, 'not allowed yet')

      const allowed = await draft(['pack', 'allow', pack], {env: env()})
      assert.equal(allowed.code, 0, allowed.stderr)
      assert.match(allowed.stdout, /allowed deno .*sha256:[0-9a-f]{64}/)
      const first = await listed()
      assert.equal(first?.state, 'allowed')
      const created = await draft(['create', app, '--json'], {env: env()})
      assert.equal(created.code, 0, created.stderr)
      assert.equal((JSON.parse(created.stdout) as {pack: {name: string; source: string}}).pack.source, 'app')

      writeFileSync(join(pack, 'dockerignore.ejs'), `${readFileSync(join(pack, 'dockerignore.ejs'), 'utf8')}extra\n`)
      assert.equal((await listed())?.state, 'changed')
      const skipped = await draft(['detect', app, '--json'], {env: env()})
      assert.ok((JSON.parse(skipped.stdout) as {warnings: string[]}).warnings.some(w => w.includes('changed since you last answered')))

      const asked = await draftOnTerminal(['detect', app], 'y\n', env())
      assert.equal(asked.code, 0, asked.stdout)
      assert.match(asked.stdout, /changed since you last answered about it/)
      assert.match(asked.stdout, new RegExp(`path:\\s+${pack}`))
      assert.match(asked.stdout, /digest: sha256:[0-9a-f]{64}/)
      assert.match(asked.stdout, /Trust this pack\? \[y\/N\]/)
      assert.match(asked.stdout, /deno pack/)
      const second = await listed()
      assert.equal(second?.state, 'allowed')
      assert.notEqual(second?.digest, first?.digest)

      const denied = await draft(['pack', 'deny', app], {env: env()})
      assert.equal(denied.code, 0, denied.stderr)
      const refused = await draft(['create', app, '--pack', 'deno', '--yes'], {env: env()})
      assert.match(refused.stderr, /you denied it.*\(PACK_UNTRUSTED\)/s, 'a denial stands even with --yes')
    })
  })

  describe('an allowed pack still renders without power (--yes trusts it for the run)', () => {
    it('reading process.env through the constructor chain finds nothing secret', async () => {
      const {app, pack} = appWithPack('env-reader', {
        template: 'FROM x\n# env: <%- JSON.stringify(this.constructor.constructor("return process")().env) %>\n# home: <%- this.constructor.constructor("return process")().env.HOME %>\n',
      })
      const run = await draft(['create', app, '--pack', 'deno', '--yes'], {env: env()})
      assert.equal(run.code, 0, run.stderr)
      const dockerfile = readFileSync(join(app, 'Dockerfile'), 'utf8')
      assert.match(dockerfile, /^# env: \{\}$/m, 'the environment is empty')
      assert.match(dockerfile, /^# home: $/m)
      assert.doesNotMatch(dockerfile, new RegExp(SECRET))
      const store = join(home, 'trusted-packs.json')
      assert.ok(!existsSync(store) || !readFileSync(store, 'utf8').includes(pack), '--yes remembers nothing')
    })

    it('writing a file outside the app fails, and so does spawning a process', async () => {
      const outside = join(work, 'written-by-a-template')
      const spawned = join(work, 'touched-by-a-child')
      const attempts = {
        write: `<% process.mainModule.require('fs').writeFileSync(${JSON.stringify(outside)}, 'x') %>`,
        spawn: `<% process.mainModule.require('child_process').execSync(${JSON.stringify(`touch ${spawned}`)}) %>`,
        builtin: `<% process.getBuiltinModule('fs').writeFileSync(${JSON.stringify(outside)}, 'x') %>`,
      }
      for (const [name, code] of Object.entries(attempts)) {
        const {app} = appWithPack(`power-${name}`, {template: `FROM x\n${code}\n`})
        const run = await draft(['create', app, '--pack', 'deno', '--yes'], {env: env()})
        assert.equal(run.code, 1, `${name}: ${run.stdout}${run.stderr}`)
        assert.match(run.stderr, /template \S*Dockerfile\.ejs:2 failed: Access to this API has been restricted.*\(TEMPLATE_FAILED\)/s, name)
        assert.ok(!existsSync(join(app, 'Dockerfile')), `${name}: nothing was written`)
      }
      assert.ok(!existsSync(outside))
      assert.ok(!existsSync(spawned))
    })

    it('pack lint renders the same way', async () => {
      const outside = join(work, 'written-by-lint')
      const {pack} = appWithPack('lint-writer', {template: `FROM x\n<% process.mainModule.require('fs').writeFileSync(${JSON.stringify(outside)}, 'x') %>\n`})
      const run = await draft(['pack', 'lint', pack, '--json'], {env: env()})
      assert.equal(run.code, 1)
      const report = JSON.parse(run.stdout) as {problems: {file: string; line?: number; message: string}[]}
      assert.ok(report.problems.some(p => p.file.endsWith('Dockerfile.ejs') && p.line === 2 && /Access to this API has been restricted/.test(p.message)), run.stdout)
      assert.ok(!existsSync(outside))
    })
  })

  describe('hostile packs are refused with the pack, the file and the line', () => {
    it('a pack that writes outside the app (path traversal or an absolute path)', async () => {
      for (const target of ['../../escaped', '/tmp/draft-escaped']) {
        const {app} = appWithPack(`traversal${target.length}`, {manifest: t => t.replace('"Dockerfile" = "Dockerfile.ejs"', `"Dockerfile" = "Dockerfile.ejs"\n"${target}" = "Dockerfile.ejs"`)})
        const run = await draft(['create', app, '--pack', 'deno', '--yes'], {env: env()})
        assert.equal(run.code, 1)
        assert.match(run.stderr, /pack "deno" tried to write .*outside the app folder.*\(UNSAFE_PATH\)/s)
        assert.throws(() => readFileSync(join(app, 'Dockerfile')), 'nothing was written')
      }
    })

    it('a symlink in the app that leads the output outside it, naming the pack that tried to write', async () => {
      const {app} = appWithPack('symlinked')
      const outside = join(work, 'symlink-target')
      mkdirSync(outside, {recursive: true})
      symlinkSync(outside, join(app, 'charts'))
      const run = await draft(['create', app, '--pack', 'deno', '--yes'], {env: env()})
      assert.equal(run.code, 1)
      assert.match(run.stderr, /pack "deno" tried to write charts\/symlinked, which the symlink charts leads outside the app folder.*\(UNSAFE_PATH\)/s)
      assert.ok(!existsSync(join(outside, 'symlinked')))
      assert.ok(!existsSync(join(app, 'Dockerfile')), 'all or nothing')
    })

    it('a template that throws', async () => {
      const {app} = appWithPack('throws', {template: '# line 1\nFROM x\n<% throw new Error("template bug") %>\n'})
      const run = await draft(['create', app, '--pack', 'deno', '--yes'], {env: env()})
      assert.equal(run.code, 1)
      assert.match(run.stderr, /pack "deno": template \S*\.draft\/packs\/deno\/Dockerfile\.ejs:3 failed: template bug/)
    })

    it('a template with a syntax error, located to its line', async () => {
      const {app} = appWithPack('syntax', {template: '# line 1\nFROM x\n<% const = 1 %>\n'})
      const run = await draft(['create', app, '--pack', 'deno', '--yes'], {env: env()})
      assert.equal(run.code, 1)
      assert.match(run.stderr, /pack "deno": template \S*\.draft\/packs\/deno\/Dockerfile\.ejs:3 failed/)
      assert.equal(run.stderr.split('Dockerfile.ejs:3').length - 1, 1, 'the place is named once')
    })

    it('a template that never ends is stopped', async () => {
      const {app} = appWithPack('forever', {template: 'FROM x\n<% for (;;) {} %>\n'})
      const run = await draft(['create', app, '--pack', 'deno', '--yes'], {env: {...env(), DRAFT_RENDER_TIMEOUT: '2s'}})
      assert.equal(run.code, 1)
      assert.match(run.stderr, /the templates of pack "deno" could not be rendered: they did not finish within 2\.0s \(DRAFT_RENDER_TIMEOUT\).*\(RENDER_FAILED\)/s)
    })

    it('an invalid manifest, which never breaks create for the other packs', async () => {
      const {app, pack} = appWithPack('invalid', {manifest: t => t.replace('type = "port"', 'type = "portnumber"')})
      const run = await draft(['create', app, '--pack', 'deno', '--yes'], {env: env()})
      assert.equal(run.code, 1)
      assert.match(run.stderr, /pack "deno" is invalid:.*pack\.toml:\d+: variables\.port\.type: must be equal to one of the allowed values/s)
      const other = join(work, 'node-app')
      cpSync(join(packageRoot(), 'packs', 'node', 'fixtures', 'plain-http'), other, {recursive: true})
      mkdirSync(join(other, '.draft', 'packs'), {recursive: true})
      cpSync(pack, join(other, '.draft', 'packs', 'deno'), {recursive: true})
      const fine = await draft(['create', other, '--yes'], {env: env()})
      assert.equal(fine.code, 0, fine.stderr)
      assert.match(fine.stdout + fine.stderr, /pack "deno" \(app\) is broken and was skipped/)
    })
  })
})
