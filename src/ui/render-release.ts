import type {DeletePlan, DeleteResult, HistoryReport, RollbackResult} from '../release/release-ops.js'
import type {RevisionView} from '../release/revisions.js'
import type {StatusReport} from '../release/status.js'
import {formatDuration} from '../util/duration.js'
import {bold, cyan, dim, green, red, symbols, yellow} from './style.js'
import {shortCommit} from './up-renderer.js'

/** Text views of status, history, rollback and delete. --json prints the reports themselves. */

const label = (name: string): string => `  ${name.padEnd(9)} `

/** A local `YYYY-MM-DD HH:MM:SS` from helm's RFC 3339 time. */
export function localTime(rfc3339: string): string {
  const date = new Date(rfc3339)
  if (Number.isNaN(date.getTime())) return rfc3339 || '-'
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`
}

/** Columns padded to their widest cell, measured without colour codes. */
function table(header: string[], rows: string[][]): string[] {
  const width = (text: string): number => text.replace(/\u001B\[\d+m/g, '').length
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map(r => width(r[i] ?? ''))))
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c)))).join('  ').trimEnd()
  return [bold(line(header)), ...rows.map(line)]
}

export function renderStatus(r: StatusReport): string {
  const headline = r.available ? green(`${symbols.ok} ${r.verdict}`) : red(`${symbols.fail} not available: ${r.verdict}`)
  const out = [`${bold(r.release)} ${r.revision === undefined ? 'has no live revision' : `revision ${r.revision}`} in namespace ${r.namespace} ${dim(`(context ${r.context})`)}`, headline]
  if (r.newest) out.push(yellow(`${symbols.warn} the newest revision, ${r.newest.revision}, is ${r.newest.status}${r.newest.description ? `: ${r.newest.description}` : ''}`))
  out.push('')
  const image = r.images[0] ?? (r.tag ? `tag ${r.tag}` : 'unknown')
  out.push(`${label('image')}${image}${r.images.length > 1 ? dim(` (+${r.images.length - 1} more)`) : ''}`)
  if (r.commit || r.rollbackOf !== undefined) {
    const parts = [r.commit ? `commit ${shortCommit(r.commit)}` : '', r.rollbackOf !== undefined ? `a rollback to revision ${r.rollbackOf}` : ''].filter(Boolean)
    out.push(`${label('source')}${parts.join(' · ')}`)
  }
  // Synced files run on top of the image: say so before comparing the folder with the image.
  if (r.synced) out.push(`${label('synced')}${yellow(r.synced.message)} ${dim(`(live update, in ${r.synced.pods.join(', ')})`)}`)
  if (r.folder.error) out.push(`${label('folder')}${yellow(`content tag unknown: ${r.folder.error}`)}`)
  else if (r.folder.matches === true) out.push(`${label('folder')}${green(`${symbols.ok} matches`)} ${dim(`(${r.folder.tag})`)}`)
  else if (r.folder.matches === false) out.push(`${label('folder')}${yellow(`differs: the folder is ${r.folder.tag}`)} ${dim(r.synced ? '(`draft up` builds it into an image)' : '(`draft up` deploys it)')}`)
  for (const d of r.deployments) {
    const state = d.rollout.state === 'done' ? green('rolled out') : d.rollout.state === 'waiting' ? yellow(`rolling out: ${d.rollout.message}`) : red(d.rollout.cause)
    out.push(`${label('rollout')}${d.name} ${d.available} available · ${state}${d.conditions.length ? dim(` · ${d.conditions.join(', ')}`) : ''}`)
    if (d.rollout.state === 'failed') {
      for (const line of d.rollout.details) out.push(dim(`${' '.repeat(12)}│ ${line}`))
      out.push(`${' '.repeat(12)}${bold('fix:')} ${d.rollout.fix}`)
    }
  }
  for (const url of r.urls ?? []) out.push(`${label('url')}${cyan(url)}`)
  out.push('')
  if (r.pods.length === 0) out.push(dim('  no pods'))
  else {
    const rows = r.pods.map(p => [p.name, p.ready, p.state === 'Running' ? p.state : yellow(p.state), String(p.restarts), p.lastTermination ?? '-'])
    out.push(...table(['POD', 'READY', 'STATE', 'RESTARTS', 'LAST TERMINATION'], rows).map(l => `  ${l}`))
  }
  return `${out.join('\n')}\n`
}

function note(v: RevisionView): string {
  const notes: string[] = []
  if (v.rollbackOf !== undefined) notes.push(`rollback to ${v.rollbackOf}`)
  if (!v.byDraft && v.rollbackOf === undefined) notes.push(`not made by draft${v.description ? `: ${v.description}` : ''}`)
  return notes.join(' · ')
}

export function renderHistory(r: HistoryReport): string {
  const rows = r.revisions.map(v => [
    v.live ? green(`${symbols.dot} ${v.revision}`) : `  ${v.revision}`,
    localTime(v.updated),
    v.status === 'deployed' ? green(v.status) : v.status === 'failed' ? red(v.status) : v.status.startsWith('pending') ? yellow(v.status) : v.status,
    v.tag ?? '-',
    v.commit ? shortCommit(v.commit) : '-',
    dim(note(v)),
  ])
  const live = r.revisions.find(v => v.live)
  return `${[
    `${bold(r.release)} in namespace ${r.namespace} ${dim(`(context ${r.context})`)}: ${r.revisions.length} revision${r.revisions.length === 1 ? '' : 's'}${live ? `, revision ${live.revision} is live` : ', none is live'}`,
    '',
    ...table(['  REVISION', 'UPDATED', 'STATUS', 'IMAGE TAG', 'COMMIT', 'NOTE'], rows),
  ].join('\n')}\n`
}

export function renderRollback(r: RollbackResult): string {
  const stages = Object.entries(r.timings).filter(([, ms]) => ms > 0).map(([s, ms]) => `${s} ${formatDuration(ms)}`)
  const headline = r.changed
    ? `${green(symbols.ok)} ${bold(r.release)} rolled back: revision ${r.revision} runs what revision ${r.target} ran${r.from === undefined ? '' : dim(` (was revision ${r.from})`)}`
    : r.revision === r.target
      ? `${green(symbols.ok)} ${bold(r.release)}: revision ${r.revision} is live already; nothing to do`
      : `${green(symbols.ok)} ${bold(r.release)}: revision ${r.revision} already runs what revision ${r.target} ran; nothing to do`
  const lines = ['', headline, `${label('image')}${r.images[0] ?? (r.tag ? `tag ${r.tag}` : 'unknown')}`]
  if (r.commit) lines.push(`${label('source')}commit ${shortCommit(r.commit)}`)
  if (r.changed) lines.push(`${label('timings')}${stages.join(' · ')} ${dim(`= ${formatDuration(r.totalMs)}`)}`)
  // True whenever a rollback revision is live: up never takes one for its own deploy (src/up/up-engine.ts).
  if (r.changed || r.revision !== r.target) lines.push(`${label('next')}${dim('`draft up` deploys this folder again, even unchanged: a rollback is never taken as up to date')}`)
  return `${lines.join('\n')}\n`
}

/** What will go, shown before the question. */
export function renderDeletePlan(plan: DeletePlan): string {
  const lines = [`${yellow(symbols.warn)} This deletes:`, `  release   ${bold(plan.release)} (revision ${plan.revision}, ${plan.status}) in namespace ${plan.namespace}, context ${plan.context}`]
  lines.push(`  pods      ${plan.pods.length ? plan.pods.join(', ') : 'none'}`)
  if (plan.images) {
    if (plan.images.note) lines.push(`  images    ${plan.images.note}`)
    for (const p of plan.images.plans) {
      const tags = p.deletes.flatMap(d => d.tags)
      lines.push(`  images    ${p.repository}: ${tags.length ? tags.join(', ') : 'nothing to delete'}`)
      for (const k of p.kept) lines.push(dim(`            keeps ${k.tag}: ${k.reason}`))
      if (p.absent.length) lines.push(dim(`            already gone: ${p.absent.join(', ')}`))
      if (p.unrecorded.length) lines.push(dim(`            keeps ${p.unrecorded.length} other draft tag${p.unrecorded.length === 1 ? '' : 's'} this release's history does not record`))
    }
  }
  return `${lines.join('\n')}\n`
}

export function renderNothingToDelete(plan: DeletePlan): string {
  return `${green(symbols.ok)} nothing to delete: there is no release "${plan.release}" in namespace ${plan.namespace} ${dim(`(context ${plan.context})`)}\n`
}

export function renderDeleted(result: DeleteResult): string {
  const pods = result.podsLeft
    ? yellow(`${result.podsLeft.length} pod${result.podsLeft.length === 1 ? '' : 's'} still terminating (draft stopped waiting; they go on their own)`)
    : result.pods.length
      ? `its ${result.pods.length} pod${result.pods.length === 1 ? '' : 's'} gone`
      : 'no pods'
  const lines = ['', `${green(symbols.ok)} ${bold(result.release)} deleted from namespace ${result.namespace}: no release, ${pods}${result.secrets.length ? `, ${result.secrets.join(', ')} deleted` : ''}`]
  if (result.imagesNote) lines.push(`${label('images')}${result.imagesNote}`)
  for (const o of result.images ?? []) {
    lines.push(`${label('images')}${o.repository}: ${o.deleted.length ? `deleted ${o.deleted.join(', ')}` : 'nothing deleted'}`)
    if (o.refused) lines.push(`${' '.repeat(12)}${yellow(`${symbols.warn} the registry refuses deletes: ${o.refused}. These tags stay:`)} ${o.kept.map(k => k.tag).join(', ')}`)
    else for (const k of o.kept) lines.push(dim(`${' '.repeat(12)}kept ${k.tag}: ${k.reason}`))
    if (o.unrecorded.length) lines.push(dim(`${' '.repeat(12)}kept ${o.unrecorded.length} other draft tag${o.unrecorded.length === 1 ? '' : 's'} the release's history did not record: ${o.unrecorded.slice(0, 5).join(', ')}${o.unrecorded.length > 5 ? ', ...' : ''}`))
  }
  return `${lines.join('\n')}\n`
}

/** The line above each service's block when a command shows several services. */
export const serviceHeading = (service: string): string => bold(`── ${service} ──`)
