import {DraftCommand} from '../cli/base-command.js'
import {releaseArgs, releaseFlags, releaseOverrides} from '../cli/release-flags.js'

export default class Status extends DraftCommand {
  static override summary = 'Show what runs: revision, image, whether it matches the folder, pods and rollout. Exits 1 when the app is not available.'
  static override description = `Reads the live helm revision of the app's release, the image it deployed and the commit it was built from, compares the image tag with the folder's content tag (the one \`draft up\` would deploy now), and lists the release's pods (found by the app.kubernetes.io/instance label) with readiness, restarts and the last termination reason, and the rollout as \`draft up\` judges it.

Exit code 0 when every Deployment of the release has an available pod, 1 when not.`
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status ./api --env staging', '<%= config.bin %> status --json']
  static override args = releaseArgs
  static override flags = releaseFlags

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Status)
    const [{releaseStatus}, ui] = await Promise.all([import('../release/run.js'), import('../ui/render-release.js')])
    const report = await releaseStatus(args.path, releaseOverrides(flags))
    if (this.json) this.printJson(report)
    else process.stdout.write(ui.renderStatus(report))
    if (!report.available) process.exitCode = 1
  }
}
