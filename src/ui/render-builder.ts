import type {BuilderDeleteResult, BuilderStatus} from '../cluster-builder/cluster-builder.js'
import {formatBytes} from '../util/format.js'
import {bold, dim, green, red, symbols, yellow} from './style.js'

/** Text views of `draft builder status` and `draft builder delete`. --json prints the reports themselves. */

const label = (name: string): string => `  ${name.padEnd(11)} `

export function renderBuilderStatus(s: BuilderStatus): string {
  if (!s.exists) {
    return `${yellow(`${symbols.warn} no cluster builder in namespace ${s.namespace}`)}\n${dim('  `draft up --builder cluster` creates it on first use.')}\n`
  }
  const r = s.readiness
  const headline = r?.state === 'ready'
    ? green(`${symbols.ok} Ready: ${s.replicas.ready} of ${s.replicas.wanted} replica${s.replicas.wanted === 1 ? '' : 's'}`)
    : r?.state === 'failed'
      ? red(`${symbols.fail} not Ready: ${r.cause}${r.detail ? ` (${r.detail})` : ''}`)
      : yellow(`${symbols.warn} not Ready yet${r?.state === 'waiting' ? `: ${r.message}` : ''}`)
  const out = [`${bold('cluster builder')} in namespace ${s.namespace}${s.ownsNamespace ? dim(' (draft made the namespace)') : ''}`, headline, '']
  if (s.version) out.push(`${label('buildkit')}${s.version}${s.rootless ? ', rootless' : ', privileged'}${s.hostNetwork ? ', host network' : ''}`)
  if (s.image) out.push(`${label('image')}${s.image}`)
  if (s.cache) out.push(`${label('cache')}${s.cache.kind === 'volume' ? `a ${s.cache.size} volume per replica${s.cache.storageClass ? ` (${s.cache.storageClass})` : ''}` : 'emptyDir: kept as long as each pod lives'}`)
  out.push(`${label('credentials')}${s.registries.length ? s.registries.join(', ') : dim('none yet')}`)
  for (const p of s.pods) {
    const state = p.ready ? green('Ready') : yellow(p.reason ?? p.phase)
    const cache = p.cacheBytes !== undefined ? ` · cache ${formatBytes(p.cacheBytes)}` : ''
    out.push(`${label('pod')}${p.name} ${state}${p.node ? dim(` on ${p.node}`) : ''}${p.restarts ? yellow(` · ${p.restarts} restarts`) : ''}${dim(cache)}`)
  }
  return `${out.join('\n')}\n`
}

export function renderBuilderDeletePlan(s: BuilderStatus): string {
  const what = s.ownsNamespace ? `namespace ${s.namespace} (draft made it for the builder) with everything in it` : `the builder's objects in namespace ${s.namespace}`
  return `${bold('draft builder delete')} deletes ${what}: BuildKit${s.version ? ` ${s.version}` : ''}, ${s.pods.length} pod${s.pods.length === 1 ? '' : 's'}, its cache${s.registries.length ? ` and the push credentials for ${s.registries.join(', ')}` : ''}.\n`
}

export function renderBuilderDeleted(s: BuilderStatus, result?: BuilderDeleteResult): string {
  if (!result) return `${dim(`${symbols.ok} no cluster builder in namespace ${s.namespace}: nothing to delete`)}\n`
  return `${green(`${symbols.ok} deleted the cluster builder: ${result.deleted.join(', ') || 'nothing was left'}`)}\n`
}

export const progressLine = (message: string): string => dim(`  ${symbols.arrow} ${message}`)
