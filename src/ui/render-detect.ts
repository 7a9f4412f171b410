import type {Detection} from '../detect/detect.js'
import type {Evidence} from '../detect/facts.js'
import {MIN_SCORE} from '../detect/score.js'
import {bold, cyan, dim, green, yellow, symbols} from './style.js'

/** The --json contract of `draft detect`: the fixed fields first, then the detail. */
export function detectionJson(d: Detection): Record<string, unknown> {
  return {
    pack: d.pack,
    language: d.language,
    framework: d.framework,
    port: d.port,
    startCommand: d.startCommand,
    version: d.version,
    evidence: d.evidence,
    alternatives: d.alternatives,
    variables: d.variables
      ? Object.fromEntries(Object.values(d.variables).map(v => [v.name, {value: v.value, source: v.source, ...(v.fact ? {fact: v.fact} : {}), evidence: v.evidence}]))
      : null,
    languages: {code: d.languages.code.map(share), other: d.languages.other.map(share)},
    monorepo: d.monorepo,
    warnings: d.warnings,
    stats: d.stats,
  }
}

const share = (l: {language: string; category: string; bytes: number; files: number; share: number}) => ({
  language: l.language,
  category: l.category,
  bytes: l.bytes,
  files: l.files,
  share: Math.round(l.share * 1000) / 1000,
})

export const where = (e: Evidence): string => (e.file ? `${e.file}${e.line ? `:${e.line}` : ''}` : '')

export function renderDetection(d: Detection, options: {explain: boolean}): string {
  const out: string[] = []
  if (d.monorepo && !d.pack) {
    out.push(`${bold('Monorepo')} at ${d.root}: ${d.monorepo.apps.length} apps`)
    for (const app of d.monorepo.apps) out.push(`  ${app.path.padEnd(28)} ${app.pack ? cyan(app.pack) : yellow('no pack')}${app.framework ? dim(` (${app.framework})`) : ''}`)
    out.push('', `Run draft in one app at a time, e.g. ${bold(`draft create ${d.monorepo.apps[0]?.path ?? ''}`)}.`)
  } else if (d.pack) {
    const headline = [cyan(bold(`${d.pack} pack`)), d.language, d.framework, d.version ? `${d.pack === 'node' || d.pack === 'static' ? 'node' : ''} ${d.version}`.trim() : null, d.port ? `port ${d.port}` : null]
    out.push(`${green(symbols.ok)} ${headline.filter(Boolean).join(' · ')}`)
    out.push(...variableLines(d, options.explain))
  } else {
    out.push(`${yellow(symbols.warn)} no pack fits ${d.root}`)
  }
  for (const w of d.warnings) out.push(yellow(`${symbols.warn} ${w}`))
  if (options.explain) out.push(...explainLines(d))
  out.push(dim(`${d.stats.files} files scanned, ${d.stats.sampled} classified by content, in ${d.stats.ms} ms`))
  return `${out.join('\n')}\n`
}

function variableLines(d: Detection, all: boolean): string[] {
  const lines: string[] = []
  for (const v of Object.values(d.variables ?? {})) {
    if (!all && (v.source === 'default' || v.name === 'framework' || v.name === 'version')) continue
    const value = Array.isArray(v.value)
      ? v.value.map(String).join(' ')
      : typeof v.value === 'object'
        ? Object.entries(v.value as object).map(([k, x]) => `${k}=${String(x)}`).join(' ') || '{}'
        : String(v.value)
    const keyed = v.source === 'detected' && v.evidence.some(e => e.key !== undefined)
    const origin = v.source === 'default' ? 'default' : v.source === 'flag' ? v.evidence[0]?.detail ?? '--set' : keyed ? '' : [v.evidence[0]?.detail, where(v.evidence[0] ?? {detail: ''})].filter(Boolean).join(' @ ')
    lines.push(`  ${v.name.padEnd(22)} ${value === '' ? dim('(none)') : value}${origin ? `  ${dim(origin)}` : ''}`)
    if (!keyed) continue
    // One line per entry, with what it came from (a setting, a folder, a package).
    const entries = v.value && typeof v.value === 'object' && !Array.isArray(v.value) ? (v.value as Record<string, unknown>) : undefined
    const shown = new Set<string>()
    for (const e of v.evidence) {
      const key = e.key ?? ''
      const label = entries && key in entries ? `${key}=${entries[key] === '' ? '""' : String(entries[key])}` : key
      if (!key || shown.has(`${key}\n${e.detail}`)) continue
      shown.add(`${key}\n${e.detail}`)
      lines.push(`  ${''.padEnd(22)} ${symbols.dot} ${label}  ${dim([e.detail, where(e)].filter(Boolean).join(' @ '))}`)
    }
  }
  return lines
}

function explainLines(d: Detection): string[] {
  const lines = ['', bold('Evidence')]
  const chosen = d.scores.find(s => s.pack === d.pack)
  for (const e of chosen?.evidence ?? []) lines.push(`  ${symbols.dot} ${e.detail}${e.file ? dim(`  ${where(e)}`) : ''}`)
  lines.push('', bold('Scores'))
  for (const s of d.scores.filter(x => x.score !== 0 || x.pack === d.pack)) {
    lines.push(`  ${s.pack.padEnd(10)} ${String(s.score).padStart(6)}  ${dim(s.evidence.map(e => e.detail).join('; '))}`)
  }
  const runnerUp = d.scores.find(s => s.pack !== d.pack && s.score > 0)
  if (d.pack) lines.push(`  runner-up: ${runnerUp ? `${runnerUp.pack} (${runnerUp.score})` : 'none'}`)
  else lines.push(`  best: ${runnerUp ? `${runnerUp.pack} (${runnerUp.score}), below the ${MIN_SCORE} a pack needs to be chosen` : 'none'}`)
  lines.push('', bold('Languages'))
  const fmt = (l: {language: string; share: number; files: number}) => `${l.language} ${(l.share * 100).toFixed(1)}% (${l.files} files)`
  lines.push(`  code:  ${d.languages.code.map(fmt).join(', ') || dim('none')}`)
  lines.push(`  other: ${d.languages.other.slice(0, 8).map(fmt).join(', ') || dim('none')}`)
  return lines
}
