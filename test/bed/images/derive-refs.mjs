// Prints the base images the packs use, one per line: `draft create <fixture> --dry-run --json` on
// every packs/*/fixtures/*, the union of the plans' baseImages. Runs the CLI on as many fixtures at
// once as there are cores. A fixture whose plan fails is reported on stderr and skipped.
// Usage: node derive-refs.mjs REPO_DIR
import {execFile} from 'node:child_process'
import {existsSync, readdirSync, statSync} from 'node:fs'
import {availableParallelism} from 'node:os'
import {join} from 'node:path'

const repo = process.argv[2] ?? process.cwd()
const fixtures = []
const packs = join(repo, 'packs')
for (const pack of existsSync(packs) ? readdirSync(packs) : []) {
  const dir = join(packs, pack, 'fixtures')
  if (!existsSync(dir) || !statSync(dir).isDirectory()) continue
  for (const fx of readdirSync(dir)) if (statSync(join(dir, fx)).isDirectory()) fixtures.push(join('packs', pack, 'fixtures', fx))
}

const plan = (fx) =>
  new Promise((resolve) => {
    execFile(process.execPath, ['bin/run.js', 'create', fx, '--dry-run', '--json'], {cwd: repo, maxBuffer: 64 << 20, timeout: 120_000}, (err, stdout) => {
      if (err) {
        console.error(`[bed] warning: images: 'draft create --dry-run --json' failed for ${fx}; its base images are not derived`)
        return resolve([])
      }
      try {
        const j = JSON.parse(stdout)
        const refs = (j.plan ?? j).baseImages ?? []
        resolve(refs.map((r) => (typeof r === 'string' ? r : (r.ref ?? r.image))).filter(Boolean))
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
