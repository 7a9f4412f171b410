import type {ProjectCreateResult} from '../project/create.js'
import {bold, cyan, dim, green, yellow, symbols} from './style.js'

export function projectCreateJson(r: ProjectCreateResult): Record<string, unknown> {
  return {
    project: r.root,
    ...(r.compose ? {compose: r.compose} : {}),
    dryRun: !r.applied,
    services: r.services.map(s => ({
      name: s.name,
      release: s.release,
      kind: s.kind,
      path: s.path,
      ...(s.pack ? {pack: s.pack} : {}),
      ...(s.image ? {image: s.image} : {}),
      ...(s.port ? {port: s.port} : {}),
      worker: s.worker,
      chart: s.chart,
      ...(s.dockerfile ? {dockerfile: s.dockerfile, context: s.context} : {}),
      dependsOn: s.dependsOn,
      origin: s.origin,
    })),
    skipped: r.skipped,
    baseImages: r.baseImages,
    images: r.images,
    files: r.files.map(f => ({path: f.path, action: f.action, reason: f.reason, ...(r.applied ? {} : {content: f.content})})),
    warnings: r.warnings,
  }
}

/** One block per service (what it is, where it came from, what is written), then the skipped, compact. */
export function renderProjectCreate(r: ProjectCreateResult): string {
  const out: string[] = []
  const verb = {create: r.applied ? 'created' : 'would create', replace: r.applied ? 'replaced' : 'would replace', keep: 'kept'}
  out.push(`${bold(`${r.services.length} services`)}${r.compose ? dim(` from ${r.compose}`) : dim(' found in the folders below')}`)
  const width = Math.max(8, ...r.services.map(s => s.name.length))
  for (const s of r.services) {
    const what = s.kind === 'image' ? `image ${s.image}` : `${s.pack} pack, ${s.context === s.path ? s.path : `context ${s.context}`}`
    const port = s.port ? `port ${s.port}` : 'no port (worker)'
    const deps = s.dependsOn.length ? `, after ${s.dependsOn.join(', ')}` : ''
    out.push(`  ${cyan(s.name.padEnd(width))}  ${what} · ${port}${deps} ${dim(`(${s.origin})`)}`)
    const charts = s.files.filter(f => f.path.startsWith(`${s.chart}/`) && f.action !== 'keep')
    for (const f of s.files) {
      if (charts.includes(f)) continue
      const mark = f.action === 'keep' ? yellow('=') : green('+')
      out.push(`  ${' '.repeat(width)}  ${mark} ${f.path.padEnd(32)} ${dim(`${verb[f.action]}: ${f.reason}`)}`)
    }
    if (charts.length) out.push(`  ${' '.repeat(width)}  ${green('+')} ${`${s.chart}/`.padEnd(32)} ${dim(`${verb[charts[0]!.action]}: Helm chart (${charts.length} files)`)}`)
  }
  const config = r.files.find(f => f.path === 'draft.toml')
  if (config) out.push(`  ${config.action === 'keep' ? yellow('=') : green('+')} ${'draft.toml'.padEnd(width + 35)} ${dim(`${verb[config.action]}: ${config.reason}`)}`)
  for (const s of r.skipped) out.push(dim(`  - ${s.name}: skipped, ${s.reason}`))
  for (const w of r.warnings) out.push(yellow(`  ${symbols.warn} ${w}`))
  out.push('')
  if (!r.applied) out.push(dim(`Dry run: nothing was written. Base images: ${r.baseImages.join(', ') || 'none'}; images deployed as they are: ${r.images.join(', ') || 'none'}.`))
  else if (r.applied.written.length === 0) out.push(`${symbols.ok} Nothing to write: every file exists. Use --force to replace them.`)
  else {
    out.push(`${green(symbols.ok)} ${bold(`${r.services.length} services`)} are ready for ${cyan('draft up')}. Next:`)
    out.push(`    draft up --registry <host:port>   ${dim('# build what changed, deploy each service in depends-on order')}`)
    out.push(`    draft up --watch                  ${dim('# and again on every save, only for the services it concerns')}`)
  }
  return `${out.join('\n')}\n`
}
