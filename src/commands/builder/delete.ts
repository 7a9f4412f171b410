import {Flags} from '@oclif/core'

import {DraftCommand} from '../../cli/base-command.js'
import {builderArgs, builderFlags, builderOverrides} from '../../cli/builder-flags.js'

export default class BuilderDelete extends DraftCommand {
  static override summary = 'Delete the cluster builder with its cache and push credentials, and wait until they are gone.'
  static override description = `Shows what it deletes and asks first (--yes skips the question; without a terminal, --yes is required). A namespace draft created for the builder is deleted with everything in it; in a namespace draft did not create, only the builder's objects go (StatefulSet, cache volume claims, ConfigMap, credentials Secret, ServiceAccount). The next \`draft up --builder cluster\` creates it again. Nothing there is not an error: it says so and exits 0.`
  static override examples = ['<%= config.bin %> builder delete', '<%= config.bin %> builder delete --builder-namespace team-builds --yes']
  static override args = builderArgs
  static override flags = {
    ...builderFlags,
    yes: Flags.boolean({char: 'y', description: 'Delete without asking.', default: false}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(BuilderDelete)
    const [{deleteBuilder}, {DraftError}, ui, {askYesNo}] = await Promise.all([
      import('../../cluster-builder/run.js'),
      import('../../core/errors.js'),
      import('../../ui/render-builder.js'),
      import('../../ui/ask.js'),
    ])
    const interrupt = new AbortController()
    const onSignal = (): void => {
      if (interrupt.signal.aborted) process.exit(130)
      interrupt.abort()
    }
    process.on('SIGINT', onSignal)
    let outcome
    try {
      outcome = await deleteBuilder(args.path, builderOverrides(flags), {
        confirm: async status => {
          if (flags.yes) return
          if (!this.json) process.stderr.write(ui.renderBuilderDeletePlan(status))
          const what = `deleting the cluster builder in namespace ${status.namespace} with its cache`
          if (!(await askYesNo('Delete?', what))) throw new DraftError('DECLINED', {what, fix: 'Run it again and answer y to delete, or pass --yes.'})
        },
        progress: message => {
          if (!this.json) process.stderr.write(`${ui.progressLine(message)}\n`)
        },
        signal: interrupt.signal,
      })
    } finally {
      process.off('SIGINT', onSignal)
    }
    const {status, result} = outcome
    if (this.json) this.printJson({namespace: status.namespace, deleted: result?.deleted ?? [], nothingThere: !result})
    else process.stdout.write(ui.renderBuilderDeleted(status, result))
  }
}
