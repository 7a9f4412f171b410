import {DraftCommand} from '../../cli/base-command.js'
import {builderArgs, builderFlags, builderOverrides} from '../../cli/builder-flags.js'

export default class BuilderStatus extends DraftCommand {
  static override summary = 'Show the cluster builder: BuildKit version, mode, replicas and their pods, cache, and whether it is Ready (or why not).'
  static override description = `The builder that \`draft up --builder cluster\` uses: the one in [cluster-builder] of the app's draft.toml, or the default one (namespace draft-builder) outside an app. Shows what \`draft up\` would find: its pods with their node, restarts and cache size, the registries it holds push credentials for (never the credentials), and, when it is not Ready, why (image pull, resources, security policy, a daemon that does not stay up).

Exit code 0 when a replica is Ready, 1 when the builder is missing or not Ready.`
  static override examples = ['<%= config.bin %> builder status', '<%= config.bin %> builder status --builder-namespace team-builds --json']
  static override args = builderArgs
  static override flags = builderFlags

  async run(): Promise<void> {
    const {args, flags} = await this.parse(BuilderStatus)
    const [{builderStatus}, ui] = await Promise.all([import('../../cluster-builder/run.js'), import('../../ui/render-builder.js')])
    const status = await builderStatus(args.path, builderOverrides(flags))
    if (this.json) this.printJson(status)
    else process.stdout.write(ui.renderBuilderStatus(status))
    if (!status.exists || status.readiness?.state !== 'ready') process.exitCode = 1
  }
}
