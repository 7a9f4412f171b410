import type {Pack} from '../pack-model/manifest.js'
import type {Variables} from '../pack-model/variables.js'
import type {SyncRules} from '../sync/rules.js'
import type {DockerfileFacts} from './dockerfile.js'
import {splitCommand} from './template-helpers.js'

/**
 * The live update rules `draft create` writes into draft.toml: the pack's [sync] resolved for this
 * app. Its variables decide (a compiled app rebuilds), {{variable}} references are filled in, and
 * the command restarted in sync mode is the Dockerfile's own (ENTRYPOINT without an init in front,
 * then CMD), so it matches a kept Dockerfile as well as a generated one. Pure.
 */
export function resolveSyncRules(pack: Pack, variables: Variables, dockerfile: Pick<DockerfileFacts, 'entrypoint' | 'cmd'>): SyncRules {
  const rebuild = (why: string): SyncRules => ({reload: 'rebuild', why, paths: [], rebuild: [], command: [], stopSignal: 'TERM'})
  const sync = pack.sync
  if (!sync) return rebuild(`the ${pack.name} pack has no live update rules`)
  if (sync.reload === 'rebuild') return rebuild(sync.why ?? `the ${pack.name} pack rebuilds on every change`)
  const applies = sync.rebuildWhen.filter(rule => {
    const value = variables[rule.variable]?.value
    return value === true || (typeof value === 'string' && value !== '')
  })
  const off = applies.find(rule => !rule.files)
  if (off) return rebuild(off.why)
  const globs = [...sync.rebuild, ...applies.flatMap(rule => rule.files ?? [])]
  let command: string[] = []
  if (sync.command) {
    command = splitCommand(sync.command.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(variables[name]?.value ?? '')))
  } else if (sync.reload === 'restart') {
    const image = imageCommand(dockerfile)
    if (!image) return rebuild('the Dockerfile\'s last stage sets no CMD, so sync mode does not know what to restart (give [sync] command in draft.toml)')
    command = image
  }
  return {reload: sync.reload, paths: sync.paths, rebuild: [...new Set(globs)], command, stopSignal: sync.stopSignal}
}

const INITS = new Set(['tini', 'tini-static', 'dumb-init', 'docker-init', 'catatonit'])

/** What the container runs: ENTRYPOINT then CMD, without an init (the restart wrapper takes its place). */
export function imageCommand(dockerfile: Pick<DockerfileFacts, 'entrypoint' | 'cmd'>): string[] | undefined {
  let entrypoint = dockerfile.entrypoint ?? []
  if (entrypoint.length && INITS.has(entrypoint[0]!.split('/').pop()!)) {
    let i = 1
    while (i < entrypoint.length && entrypoint[i]!.startsWith('-')) i++
    entrypoint = entrypoint.slice(i)
  }
  // A shell-form ENTRYPOINT ignores CMD, as Docker runs it.
  const shellForm = dockerfile.entrypoint?.[0] === '/bin/sh' && dockerfile.entrypoint[1] === '-c'
  const words = [...entrypoint, ...(shellForm ? [] : (dockerfile.cmd ?? []))]
  return words.length ? words : undefined
}

/** draft.toml's [sync] table, with a line of comment per key. */
export function formatSyncTable(rules: SyncRules, pack: string): string {
  if (rules.reload === 'rebuild') {
    const lines = [
      '',
      `# Live update, from the ${pack} pack: none for this app, every change rebuilds the image (why says`,
      '# why; `draft up --watch` prints it). Yours to edit; reference: docs/draft-toml.md.',
      '[sync]',
      'reload = "rebuild"',
      `why = ${JSON.stringify(rules.why ?? '')}`,
    ]
    return `${lines.join('\n')}\n`
  }
  const lines = [
    '',
    `# Live update, from the ${pack} pack: with \`draft up --watch --sync\` (or sync = true in an environment)`,
    '# a saved file is copied into the running container instead of rebuilding the image. Yours to edit;',
    '# reference: docs/draft-toml.md.',
    '[sync]',
  ]
  const how = {restart: 'draft restarts the command below after copying', self: 'the command below reloads changed files by itself', none: 'nothing, the files are read on every request'}[rules.reload]
  lines.push(`# How the app picks up copied files: ${how}.`, `reload = "${rules.reload}"`)
  lines.push('# Folders of the build context, and where the image has them.')
  lines.push(`paths = [${rules.paths.map(p => `{from = ${JSON.stringify(p.from)}, to = ${JSON.stringify(p.to)}}`).join(', ')}]`)
  lines.push('# Changes to these need a new image (globs; without a slash: at the root only).')
  lines.push(`rebuild = [${rules.rebuild.map(g => JSON.stringify(g)).join(', ')}]`)
  if (rules.command.length) {
    lines.push(rules.reload === 'restart' ? '# What runs in sync mode, under draft\'s restart wrapper: the image\'s command.' : '# What runs in sync mode.')
    lines.push(`command = [${rules.command.map(w => JSON.stringify(w)).join(', ')}]`)
  }
  if (rules.reload === 'restart') lines.push('# The signal that stops the app before it starts again.', `stop-signal = "${rules.stopSignal}"`)
  return `${lines.join('\n')}\n`
}
