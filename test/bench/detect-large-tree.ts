/**
 * Detection speed on a generated large app: 20,000 files of a TypeScript service (with JSON, Markdown
 * and CSS beside it), plus a node_modules and a .git that must be skipped without being walked.
 * Prints the files seen, the milliseconds and the chosen pack. A script, not a test: no assertions on
 * time, because this machine is noisy.
 *
 *   npm run bench:detect [-- --files 20000 --runs 5]
 */
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {detectApp, openApp} from '../../src/detect/detect.js'
import {loadPacks} from '../../src/pack-model/registry.js'
import {packageRoot} from '../../src/util/package-root.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const FILES = arg('files', 20_000)
const RUNS = arg('runs', 5)

function generate(root: string): void {
  const write = (path: string, text: string): void => {
    mkdirSync(join(root, path, '..'), {recursive: true})
    writeFileSync(join(root, path), text)
  }
  write('package.json', JSON.stringify({name: 'big', scripts: {build: 'tsc', start: 'node dist/main.js'}, dependencies: {express: '^4'}, devDependencies: {typescript: '^5'}}))
  write('tsconfig.json', '{"compilerOptions":{"outDir":"dist"}}')
  write('package-lock.json', '{}')
  const kinds = [
    {share: 0.7, ext: 'ts', body: (i: number) => `import {x${i}} from './x'\nexport function f${i}(n: number): number {\n  return n * ${i}\n}\n`},
    {share: 0.15, ext: 'json', body: (i: number) => JSON.stringify({id: i, values: [i, i + 1, i + 2]}, null, 2)},
    {share: 0.1, ext: 'md', body: (i: number) => `# Note ${i}\n\nSome prose about module ${i}.\n`},
    {share: 0.05, ext: 'css', body: (i: number) => `.c${i} { margin: ${i % 10}px; }\n`},
  ]
  let made = 3
  for (const kind of kinds) {
    const count = Math.round((FILES - 3) * kind.share)
    for (let i = 0; i < count && made < FILES; i++, made++) write(`src/m${i % 200}/d${i % 7}/f${i}.${kind.ext}`, kind.body(i))
  }
  // Trees that must never be walked: if they were, the timing would show it.
  for (let i = 0; i < 30_000; i++) write(`node_modules/p${i % 500}/lib/i${i}.js`, 'module.exports = 1\n')
  for (let i = 0; i < 5_000; i++) write(`.git/objects/${String(i % 256).padStart(2, '0')}/o${i}`, 'x')
}

const root = mkdtempSync(join(tmpdir(), 'draft-bench-detect-'))
try {
  const started = performance.now()
  generate(root)
  console.log(`generated ${FILES} app files + 35,000 skipped files in ${Math.round(performance.now() - started)} ms at ${root}`)
  const packs = loadPacks({appDir: root})
  const times: number[] = []
  let summary = ''
  for (let run = 0; run < RUNS; run++) {
    const t = performance.now()
    const detection = await detectApp(openApp(root), packs)
    times.push(performance.now() - t)
    summary = `files=${detection.stats.files} sampled=${detection.stats.sampled} pack=${detection.pack} language=${detection.language}`
  }
  times.sort((a, b) => a - b)
  const median = times[Math.floor(times.length / 2)]!
  console.log(`in-process detect: ${summary} median=${median.toFixed(0)} ms min=${times[0]!.toFixed(0)} ms max=${times.at(-1)!.toFixed(0)} ms (${RUNS} runs)`)

  const cli = join(packageRoot(), 'bin', 'run.js')
  const t = performance.now()
  const out = JSON.parse(execFileSync(process.execPath, [cli, 'detect', root, '--json'], {encoding: 'utf8'})) as {pack: string; stats: {files: number; ms: number}}
  console.log(`cli 'draft detect --json': files=${out.stats.files} pack=${out.pack} detect=${out.stats.ms} ms wall=${Math.round(performance.now() - t)} ms (includes node start-up)`)
} finally {
  rmSync(root, {recursive: true, force: true})
}
