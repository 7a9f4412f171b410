import {relative} from 'node:path'

import type {Fetched} from '../packs/install.js'
import type {LintReport} from '../packs/lint.js'
import type {PackOrigin} from '../packs/install.js'
import type {Pack} from '../pack-model/manifest.js'
import {formatProblem} from '../pack-model/registry.js'
import type {LocalPack} from '../pack-model/trust.js'
import type {PackListing, UpdateOutcome} from '../packs/pack-source.js'
import type {PackTestReport} from '../packs/pack-test.js'
import {formatBytes} from '../util/format.js'
import {askYesNo} from './ask.js'
import {bold, cyan, dim, green, red, symbols, yellow} from './style.js'

export function renderPackList(listing: PackListing): string {
  const lines = listing.packs.map(p => {
    const origin = p.origin ? dim(` from ${p.origin.source}${p.origin.commit ? `@${p.origin.commit.slice(0, 10)}` : ''}`) : ''
    const trust = p.trust ? ` [${p.trust.state === 'allowed' ? green('allowed') : yellow(p.trust.state)} ${dim(p.trust.digest.slice(0, 19))}]` : ''
    const allow = p.trust && p.trust.state !== 'allowed' ? `\n  ${''.padEnd(10)} ${dim(`not loaded by create or detect until you run: draft pack allow ${p.dir}`)}` : ''
    return `  ${cyan(p.name.padEnd(10))} ${p.version.padEnd(7)} ${p.source.padEnd(8)} ${p.description}${origin}${trust}${allow}`
  })
  for (const b of listing.broken) {
    // The file relative to the pack folder shown after it, so the place is named once.
    const problem = b.problems[0] ? formatProblem({...b.problems[0], file: relative(b.dir, b.problems[0].file) || b.problems[0].file}) : ''
    lines.push(`  ${red(b.name.padEnd(10))} ${'-'.padEnd(7)} ${b.source.padEnd(8)} ${red(`broken: ${problem}`)} ${dim(b.dir)}`)
  }
  for (const s of listing.shadowed) lines.push(yellow(`  ${symbols.warn} ${s.name} from ${s.source} packs (${s.dir}) is shadowed by the ${s.by} pack of the same name`))
  return `${bold('  NAME       VERSION SOURCE   DESCRIPTION')}\n${lines.join('\n')}\n`
}

export function renderPack(pack: Pack & {origin?: PackOrigin}): string {
  const out = [`${bold(pack.name)} ${pack.version} (${pack.source}: ${pack.dir})`, pack.description]
  if (pack.origin) out.push(dim(`installed from ${pack.origin.source}${pack.origin.ref ? `#${pack.origin.ref}` : ''}${pack.origin.commit ? ` at ${pack.origin.commit}` : ''}`))
  out.push('', bold('Detection'), `  languages: ${pack.languages.join(', ') || '-'} (weight ${pack.languageWeight})`)
  if (pack.requires.length) out.push(`  requires one of: ${pack.requires.join(', ')}`)
  for (const r of pack.rules) out.push(`  ${String(r.weight).padStart(4)}  ${r.files ? `files ${r.files.join(', ')}` : `fact ${r.fact}`}${r.why ? dim(`  (${r.why})`) : ''}`)
  out.push('', bold('Variables'))
  for (const [name, v] of Object.entries(pack.variables)) {
    const from = v.derivedFrom.length ? dim(` ← ${v.derivedFrom.join(', ')}`) : ''
    out.push(`  ${name.padEnd(22)} ${v.type.padEnd(8)} default ${JSON.stringify(v.default ?? null)}${from}`, dim(`  ${''.padEnd(22)} ${v.description}`))
  }
  out.push('', bold('Files'), ...Object.entries(pack.files).map(([out_, t]) => `  ${out_.padEnd(22)} ← ${t}`))
  out.push('', bold('Fixtures'), ...pack.fixtures.map(f => `  ${f.path}${f.probe ? ` (probe ${f.probe})` : ''}${f.build ? '' : dim(` no build: ${f.why ?? ''}`)}`))
  return `${out.join('\n')}\n`
}

export function renderFetched(fetched: Fetched): string {
  const o = fetched.origin
  const lines = [
    `${yellow(symbols.warn)} Packs are code: their templates run on every draft create.`,
    `  source: ${o.source}${o.ref ? `#${o.ref}` : ''}`,
    ...(o.commit ? [`  commit: ${o.commit}`] : []),
    ...fetched.packs.map(p => `  pack:   ${p.pack.name} ${p.pack.version}: ${p.pack.description}${p.subdir ? dim(` (${p.subdir})`) : ''}`),
  ]
  return `${lines.join('\n')}\n`
}

export {askYesNo}

/** The prompt for a pack that came with the app: what it is, where, and exactly which content. */
export async function askTrust(pack: LocalPack, changed: boolean): Promise<boolean> {
  process.stderr.write(
    [
      `${yellow(symbols.warn)} This app brings its own language pack${changed ? ', and it changed since you last answered about it' : ''}.`,
      '  Its templates are code. draft renders them in a sandbox without your environment, files or programs, but only trust a pack you have read.',
      `  pack:   ${pack.name}`,
      `  path:   ${pack.dir}`,
      `  digest: ${pack.digest}`,
      '',
    ].join('\n'),
  )
  return askYesNo('Trust this pack?', `trusting the pack ${pack.dir}`)
}

export function renderTrusted(results: {pack: LocalPack; answer: 'allow' | 'deny'}[]): string {
  return `${results.map(r => `${r.answer === 'allow' ? green(symbols.ok) : yellow(symbols.warn)} ${r.answer === 'allow' ? 'allowed' : 'denied'} ${bold(r.pack.name)} ${r.pack.dir} ${dim(r.pack.digest)}`).join('\n')}\n`
}

export function renderInstalled(result: {origin: Fetched['origin']; installed: {name: string; dir: string; replaced: boolean}[]}): string {
  return `${result.installed.map(i => `${green(symbols.ok)} ${i.replaced ? 'replaced' : 'installed'} ${bold(i.name)} in ${i.dir}`).join('\n')}\n`
}

export function renderUpdates(outcomes: UpdateOutcome[]): string {
  if (outcomes.length === 0) return 'No packs installed from git.\n'
  return `${outcomes
    .map(o => (o.status === 'updated' ? `${green(symbols.ok)} ${o.name}: ${o.from?.slice(0, 10)} → ${o.to?.slice(0, 10)}` : `${dim(`- ${o.name}: ${o.status}${o.to ? ` (${o.to.slice(0, 10)})` : ''}`)}`))
    .join('\n')}\n`
}

export function renderLint(report: LintReport): string {
  const out: string[] = []
  for (const p of report.problems) {
    const where = `${p.file}${p.line ? `:${p.line}` : ''}`
    out.push(`${p.severity === 'error' ? red(`${symbols.fail} error`) : yellow(`${symbols.warn} warning`)} ${where}: ${p.message}`)
  }
  const errors = report.problems.filter(p => p.severity === 'error').length
  const warnings = report.problems.length - errors
  out.push(
    `${errors ? red(symbols.fail) : green(symbols.ok)} ${bold(report.pack)}: ${errors} errors, ${warnings} warnings; rendered ${report.renders.length ? report.renders.join(', ') : 'nothing'}; helm lint ${report.helm}`,
  )
  return `${out.join('\n')}\n`
}

export function renderPackTest(report: PackTestReport): string {
  const out = [renderLint(report.lint).trimEnd()]
  if (report.fixtures.length) {
    out.push('', bold('  FIXTURE                         DETECTED  BUILT   SIZE      ANSWERS   TIME'))
    for (const f of report.fixtures) {
      const size = f.imageBytes ? formatBytes(f.imageBytes) : '-'
      const mark = (v: string): string => (v === 'yes' ? green('yes') : v === 'no' ? red('no') : dim(v))
      out.push(`  ${f.fixture.padEnd(31)} ${(f.detected.ok ? green('yes') : red('no')).padEnd(f.detected.ok ? 3 : 2)}       ${mark(f.built).padEnd(7)} ${size.padEnd(9)} ${mark(f.answered)}${f.port ? dim(` :${f.port}${f.probe ?? ''}`) : ''}  ${(f.ms / 1000).toFixed(1)}s`)
      for (const m of f.detected.mismatches) out.push(red(`      ${m}`))
      if (f.note) out.push(...f.note.split('\n').map(l => dim(`      ${l}`)))
    }
  }
  out.push('', report.passed ? `${green(symbols.ok)} ${bold(report.pack)} passes` : `${red(symbols.fail)} ${bold(report.pack)} fails`)
  return `${out.join('\n')}\n`
}
