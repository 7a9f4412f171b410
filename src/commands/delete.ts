import {Flags} from '@oclif/core'

import {DraftCommand} from '../cli/base-command.js'
import {releaseArgs, releaseFlags, releaseOverrides} from '../cli/release-flags.js'

export default class Delete extends DraftCommand {
  static override summary = 'Uninstall the app\'s release and wait until its pods are gone; --images also deletes the image tags draft pushed.'
  static override description = `Shows what it deletes and asks first (--yes skips the question; without a terminal, --yes is required). Then helm uninstall, the image pull secret draft made, and a wait until no pod of the release is left.

With --images it also deletes, through the registry's API, the image tags that the release's revisions record draft pushing. A tag whose image another tag also names is kept; a registry that refuses deletes is reported and its tags stay. Nothing deployed is not an error: it says so and exits 0.`
  static override examples = ['<%= config.bin %> delete', '<%= config.bin %> delete --images --yes', '<%= config.bin %> delete ./api --env staging', '<%= config.bin %> delete ./shop --service worker']
  static override args = releaseArgs
  static override flags = {
    ...releaseFlags,
    images: Flags.boolean({description: 'Also delete the image tags draft pushed for this release from the registry.', default: false}),
    yes: Flags.boolean({char: 'y', description: 'Delete without asking.', default: false}),
    timeout: Flags.string({description: 'How long to wait for the pods to go, e.g. 90s or 5m.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Delete)
    const [{deleteRelease}, {DraftError}, ui, render, {askYesNo}] = await Promise.all([
      import('../release/run.js'),
      import('../core/errors.js'),
      import('../ui/up-renderer.js'),
      import('../ui/render-release.js'),
      import('../ui/ask.js'),
    ])
    const renderer = this.json ? new ui.JsonLinesRenderer() : process.stdout.isTTY ? new ui.TtyRenderer() : new ui.PlainRenderer()
    const interrupt = new AbortController()
    const onSignal = (): void => {
      if (interrupt.signal.aborted) process.exit(130)
      if (!this.json) process.stderr.write('\nStopping (Ctrl-C again to quit at once); helm is let finish what it started.\n')
      interrupt.abort()
    }
    process.on('SIGINT', onSignal)
    const {isProjectConfig} = await import('../config/project-toml.js')
    if (isProjectConfig(args.path)) {
      try {
        await this.deleteProject(args.path, releaseOverrides(flags), flags.images, flags.yes, interrupt.signal)
      } finally {
        process.off('SIGINT', onSignal)
        renderer.close()
      }
      return
    }
    let outcome
    try {
      outcome = await deleteRelease(args.path, releaseOverrides(flags), {
        images: flags.images,
        confirm: async plan => {
          if (flags.yes) return
          if (!this.json) process.stderr.write(render.renderDeletePlan(plan))
          const what = `deleting release ${plan.release} in namespace ${plan.namespace}${flags.images ? ' and its image tags' : ''}`
          if (!(await askYesNo('Delete?', what))) throw new DraftError('DECLINED', {what, fix: 'Run it again and answer y to delete, or pass --yes.'})
        },
        emit: event => renderer.event(event),
        signal: interrupt.signal,
      })
    } finally {
      process.off('SIGINT', onSignal)
      renderer.close()
    }
    const {plan, result} = outcome
    if (this.json) process.stdout.write(`${JSON.stringify({type: 'result', ...(result ?? {release: plan.release, namespace: plan.namespace, uninstalled: false, nothingThere: true})})}\n`)
    else process.stdout.write(result ? render.renderDeleted(result) : render.renderNothingToDelete(plan))
  }

  /** Every service's release of a project: one question for all, then all deleted together. */
  private async deleteProject(path: string, overrides: Record<string, unknown>, images: boolean, yes: boolean, signal: AbortSignal): Promise<void> {
    const [{deleteProject}, {DraftError}, render, {askYesNo}, {projectLine}] = await Promise.all([
      import('../project/release.js'),
      import('../core/errors.js'),
      import('../ui/render-release.js'),
      import('../ui/ask.js'),
      import('../ui/project-renderer.js'),
    ])
    const progress = new Map<string, number>()
    const done = await deleteProject(path, overrides, {
      images,
      confirm: async present => {
        if (yes) return
        if (!this.json) for (const p of present) process.stderr.write(render.renderDeletePlan(p.plan))
        const what = `deleting ${present.length} release${present.length === 1 ? '' : 's'} (${present.map(p => p.plan.release).join(', ')})${images ? ' and their image tags' : ''}`
        if (!(await askYesNo('Delete?', what))) throw new DraftError('DECLINED', {what, fix: 'Run it again and answer y to delete, or pass --yes.'})
      },
      emit: event => {
        if (this.json) process.stdout.write(`${JSON.stringify(event)}\n`)
        else {
          const line = projectLine(event, 8, progress)
          if (line) process.stdout.write(`${line}\n`)
        }
      },
      signal,
    })
    if (this.json) {
      process.stdout.write(`${JSON.stringify({type: 'result', services: done.map(d => ({service: d.service, ...(d.result ?? {release: d.plan.release, namespace: d.plan.namespace, uninstalled: false, nothingThere: !d.plan.exists}), ...(d.error ? {error: d.error} : {})}))})}\n`)
    } else {
      for (const d of done) {
        if (d.result) process.stdout.write(render.renderDeleted(d.result))
        else if (d.error) process.stdout.write(`\n✖ ${d.service}: ${d.error.message}\n  fix: ${d.error.fix}\n`)
        else if (!d.plan.exists) process.stdout.write(render.renderNothingToDelete(d.plan))
      }
    }
    const failed = done.filter(d => d.error)
    if (failed.length) throw new DraftError('SERVICES_FAILED', {failed: failed.map(f => `${f.service} (${f.error!.code})`), total: done.length})
  }
}
