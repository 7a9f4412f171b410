import type {CreateResult} from '../scaffold/create.js'
import {renderDetection} from './render-detect.js'
import {bold, cyan, dim, green, yellow, symbols} from './style.js'

export function createJson(r: CreateResult): Record<string, unknown> {
  return {
    app: r.plan.app,
    pack: r.plan.pack,
    dryRun: !r.applied,
    chartPath: r.plan.chartPath,
    dockerfile: r.plan.dockerfile,
    baseImages: r.plan.baseImages,
    files: r.plan.files.map(f => ({path: f.path, action: f.action, reason: f.reason, ...(r.applied ? {} : {content: f.content})})),
    variables: Object.fromEntries(Object.values(r.plan.variables).map(v => [v.name, {value: v.value, source: v.source}])),
    warnings: r.plan.warnings,
  }
}

export function renderCreate(r: CreateResult, options: {explain: boolean}): string {
  const out: string[] = []
  out.push(renderDetection(r.detection, {explain: options.explain}).trimEnd())
  // What planning found beyond detection: secrets with generated values, settings nobody gave.
  for (const w of r.plan.warnings.filter(w => !r.detection.warnings.includes(w))) out.push(yellow(`${symbols.warn} ${w}`))
  out.push('')
  const verb = {create: r.applied ? 'created' : 'would create', replace: r.applied ? 'replaced' : 'would replace', keep: 'kept'}
  const chartFiles = r.plan.files.filter(f => f.path.startsWith(`${r.plan.chartPath}/`) && f.action !== 'keep')
  for (const f of r.plan.files) {
    if (chartFiles.includes(f)) continue
    const mark = f.action === 'keep' ? yellow('=') : green('+')
    out.push(`  ${mark} ${f.path.padEnd(24)} ${dim(`${verb[f.action]}: ${f.reason}`)}`)
  }
  if (chartFiles.length) {
    out.push(`  ${green('+')} ${`${r.plan.chartPath}/`.padEnd(24)} ${dim(`${verb[chartFiles[0]!.action]}: Helm chart (${chartFiles.length} files)`)}`)
  }
  out.push('')
  if (!r.applied) {
    out.push(dim(`Dry run: nothing was written. Base images: ${r.plan.baseImages.join(', ') || 'none'}.`))
    for (const f of r.plan.files.filter(x => x.path === r.plan.dockerfile && x.content)) {
      out.push('', bold(`--- ${f.path}`), f.content!.trimEnd())
    }
  } else if (r.applied.written.length === 0) {
    out.push(`${symbols.ok} Nothing to write: every file exists. Use --force to replace them.`)
  } else {
    out.push(`${green(symbols.ok)} ${bold(r.plan.app)} is ready for ${cyan('draft up')}. Next:`)
    out.push(`    draft up --registry <host:port>   ${dim('# build, push, deploy and wait for the rollout')}`)
    out.push(`    draft up --watch                  ${dim('# and again on every saved change')}`)
  }
  return `${out.join('\n')}\n`
}
