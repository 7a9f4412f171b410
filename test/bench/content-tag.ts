/**
 * Build-context speed on a generated app of 20,000 files (~100 MB), with a node_modules that .dockerignore
 * excludes and that must not be walked. Prints the listing time, the content tag cold (every file read)
 * and warm (stat cache), their ratio, and the throughput of the context tar. A script, not a test: no
 * assertions on time, because this machine is noisy. The page cache is warm in every run (the tree was
 * just written), so "cold" measures hashing, not the disk.
 *
 *   npm run bench:context [-- --files 20000 --mb 100 --runs 5]
 */
import {mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'

import {contentTag} from '../../src/build/content-tag.js'
import {contextTar, listContext} from '../../src/build/context.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const FILES = arg('files', 20_000)
const MB = arg('mb', 100)
const RUNS = arg('runs', 5)

function generate(root: string): number {
  // Real trees are older than the few seconds in which draft does not trust an mtime.
  const old = new Date(Date.now() - 86_400_000)
  const write = (path: string, data: string | Buffer): void => {
    mkdirSync(join(root, path, '..'), {recursive: true})
    writeFileSync(join(root, path), data)
    utimesSync(join(root, path), old, old)
  }
  write('Dockerfile', 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nCMD ["node", "src/main.js"]\n')
  write('.dockerignore', 'node_modules\n.git\n.draft\n*.log\n')
  // Sizes vary from 1/5 to 9/5 of the mean, like a real source tree with a few larger assets.
  const mean = (MB * 1024 * 1024) / FILES
  let bytes = 0
  for (let i = 0; i < FILES; i++) {
    const size = Math.round(mean * (0.2 + 1.6 * ((i * 7919) % 1000) / 999))
    const data = Buffer.alloc(size, `// module ${i}\nexport const v${i} = ${i}\n`)
    write(`src/m${i % 100}/d${i % 9}/f${i}.js`, data)
    bytes += size
  }
  for (let i = 0; i < 10_000; i++) write(`node_modules/p${i % 300}/lib/i${i}.js`, 'module.exports = 1\n')
  return bytes
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN
const ms = (value: number): string => `${Math.round(value)} ms`

const root = mkdtempSync(join(tmpdir(), 'draft-bench-context-'))
try {
  const started = performance.now()
  const bytes = generate(root)
  console.log(`generated ${FILES.toLocaleString('en')} files, ${(bytes / 1048576).toFixed(1)} MB (+10,000 in an ignored node_modules) in ${ms(performance.now() - started)}`)

  const listTimes: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const t = performance.now()
    const listing = await listContext(root)
    listTimes.push(performance.now() - t)
    if (run === 0) console.log(`listing: ${listing.entries.length.toLocaleString('en')} entries, folders read: ${listing.walked.length} (node_modules read: ${listing.walked.some((d) => d.startsWith('node_modules'))})`)
  }

  const cacheFile = join(root, '.draft/cache/content-tag.json')
  const coldTimes: number[] = []
  let tag = ''
  for (let run = 0; run < Math.min(RUNS, 3); run++) {
    rmSync(cacheFile, {force: true})
    const t = performance.now()
    const result = await contentTag(root, {cacheFile})
    coldTimes.push(performance.now() - t)
    tag = result.tag
    if (run === 0) console.log(`content: ${result.fileCount.toLocaleString('en')} files, ${(result.totalBytes / 1048576).toFixed(1)} MB, tag ${tag}`)
  }

  const warmTimes: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const t = performance.now()
    const result = await contentTag(root, {cacheFile})
    warmTimes.push(performance.now() - t)
    if (result.tag !== tag || result.hashed !== 0) console.log(`warm run ${run}: tag ${result.tag}, ${result.hashed} files read (expected ${tag}, 0)`)
  }

  const listing = await listContext(root)
  const tarTimes: number[] = []
  let tarBytes = 0
  let peakRss = 0
  const rssBefore = process.memoryUsage().rss
  for (let run = 0; run < Math.min(RUNS, 3); run++) {
    tarBytes = 0
    const t = performance.now()
    await pipeline(
      contextTar(root, listing),
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          tarBytes += chunk.length
          if ((tarBytes & 0xfffff) < chunk.length) peakRss = Math.max(peakRss, process.memoryUsage().rss)
          done()
        },
      }),
    )
    tarTimes.push(performance.now() - t)
  }

  // A separate pass for memory, since collecting garbage on the way would slow the timed runs: what the
  // stream holds on to, after GC, versus the RSS that also counts garbage not yet collected.
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  const heldBefore = process.memoryUsage().arrayBuffers
  let held = 0
  let seen = 0
  await pipeline(
    contextTar(root, listing),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        seen += chunk.length
        if ((seen & 0x7fffff) < chunk.length) {
          gc()
          held = Math.max(held, process.memoryUsage().arrayBuffers - heldBefore)
        }
        done()
      },
    }),
  )

  const list = median(listTimes)
  const cold = median(coldTimes)
  const warm = median(warmTimes)
  const tar = median(tarTimes)
  console.log(`list only:           ${ms(list)}  (median of ${listTimes.length})`)
  console.log(`content tag, cold:   ${ms(cold)}  (median of ${coldTimes.length}; every file read and hashed)`)
  console.log(`content tag, warm:   ${ms(warm)}  (median of ${warmTimes.length}; stat cache, no file read)`)
  console.log(`warm / cold:         ${(warm / cold).toFixed(3)}   warm / list: ${(warm / list).toFixed(2)}`)
  console.log(`context tar:         ${(tarBytes / 1048576).toFixed(1)} MB in ${ms(tar)} = ${((tarBytes / 1048576) / (tar / 1000)).toFixed(0)} MB/s  (median of ${tarTimes.length})`)
  console.log(`tar memory:          buffers held after GC at most ${(held / 1048576).toFixed(1)} MB; RSS +${((Math.max(peakRss, rssBefore) - rssBefore) / 1048576).toFixed(1)} MB over ${(rssBefore / 1048576).toFixed(0)} MB (uncollected garbage included)`)
} finally {
  rmSync(root, {recursive: true, force: true})
}
