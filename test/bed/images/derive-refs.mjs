// Prints the base images the packs use, one per line: `draft create <fixture> --dry-run --json` on
// every packs/*/fixtures/* (built-in packs) and test/fixtures/packs/*/fixtures/* (packs the tests
// install as user packs: each is offered through a temporary $DRAFT_HOME/packs and chosen with
// --pack), plus each built-in pack's defaults (`--pack NAME` on a folder that asks for nothing: the
// versions an app without a pin gets, the common case), the union of the plans' baseImages. Runs the
// CLI on as many at once as there are cores. A plan that fails is reported on stderr and skipped.
// The projects of several services in test/fixtures/multi/* (each with a compose file) add their
// Dockerfiles' base images and the images their compose files run as they are (redis:7, ...).
// Usage: node derive-refs.mjs REPO_DIR
import {execFile} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {availableParallelism, tmpdir} from 'node:os'
import {join} from 'node:path'

const repo = process.argv[2] ?? process.cwd()
const fixtures = [] // {dir, pack?}
const isDir = (p) => existsSync(p) && statSync(p).isDirectory()
const home = mkdtempSync(join(tmpdir(), 'bed-derive-'))
mkdirSync(join(home, 'packs'))
process.on('exit', () => rmSync(home, {recursive: true, force: true}))
for (const [root, user] of [['packs', false], [join('test', 'fixtures', 'packs'), true]]) {
  if (!isDir(join(repo, root))) continue
  for (const pack of readdirSync(join(repo, root))) {
    const dir = join(repo, root, pack, 'fixtures')
    if (!isDir(dir)) continue
    let name
    if (user) {
      const toml = existsSync(join(repo, root, pack, 'pack.toml')) ? readFileSync(join(repo, root, pack, 'pack.toml'), 'utf8') : ''
      name = /^name\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? pack
      // A copy, not a symlink: the pack loader takes real folders only.
      cpSync(join(repo, root, pack), join(home, 'packs', pack), {recursive: true})
    }
    for (const fx of readdirSync(dir)) if (isDir(join(dir, fx))) fixtures.push({dir: join(root, pack, 'fixtures', fx), pack: name})
  }
}

// A folder with nothing in it that asks for a version, for each built-in pack's defaults.
const blank = join(home, 'blank-app')
mkdirSync(blank)
writeFileSync(join(blank, 'README.md'), 'An app that asks for no runtime version.\n')
if (isDir(join(repo, 'packs'))) {
  for (const pack of readdirSync(join(repo, 'packs'))) {
    const toml = join(repo, 'packs', pack, 'pack.toml')
    const name = existsSync(toml) ? /^name\s*=\s*"([^"]+)"/m.exec(readFileSync(toml, 'utf8'))?.[1] : undefined
    if (name) fixtures.push({dir: blank, pack: name})
  }
}

// Projects of several services: `draft create` at their root plans every service at once.
const multi = join(repo, 'test', 'fixtures', 'multi')
if (isDir(multi)) {
  for (const project of readdirSync(multi)) {
    const dir = join(multi, project)
    if (isDir(dir) && ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'].some((f) => existsSync(join(dir, f)))) {
      fixtures.push({dir: join('test', 'fixtures', 'multi', project)})
    }
  }
}

const plan = ({dir: fx, pack}) =>
  new Promise((resolve) => {
    const args = ['bin/run.js', 'create', fx, '--dry-run', '--json', ...(pack ? ['--pack', pack] : [])]
    const env = {...process.env, DRAFT_HOME: home}
    execFile(process.execPath, args, {cwd: repo, env, maxBuffer: 64 << 20, timeout: 120_000}, (err, stdout) => {
      if (err) {
        console.error(`[bed] warning: images: 'draft create --dry-run --json' failed for ${fx}; its base images are not derived`)
        return resolve([])
      }
      try {
        const j = JSON.parse(stdout)
        // A project's plan also lists the images its services run as they are: the node pulls those
        // itself (through the bed's docker.io mirror), so they are marked `run`.
        const name = (r) => (typeof r === 'string' ? r : (r.ref ?? r.image))
        resolve([...((j.plan ?? j).baseImages ?? []).map(name), ...(j.images ?? []).map(name).flatMap((r) => (r ? [r, `run ${r}`] : []))].filter(Boolean))
      } catch (e) {
        console.error(`[bed] warning: images: unreadable JSON from draft create for ${fx}: ${e.message}`)
        resolve([])
      }
    })
  })

const refs = new Set()
let next = 0
const worker = async () => {
  while (next < fixtures.length) for (const r of await plan(fixtures[next++])) refs.add(r)
}
await Promise.all(Array.from({length: Math.min(availableParallelism(), fixtures.length)}, worker))
for (const r of [...refs].sort()) console.log(r)
