import {DraftCommand} from '../cli/base-command.js'
import {releaseArgs, releaseFlags, releaseOverrides} from '../cli/release-flags.js'

export default class Status extends DraftCommand {
  static override summary = 'Show what runs: revision, image, whether it matches the folder, pods and rollout. Exits 1 when the app is not available.'
  static override description = `Reads the live helm revision of the app's release, the image it deployed and the commit it was built from, compares the image tag with the folder's content tag (the one \`draft up\` would deploy now), and lists the release's pods (found by the app.kubernetes.io/instance label) with readiness, restarts and the last termination reason, and the rollout as \`draft up\` judges it.

Exit code 0 when every Deployment of the release has an available pod, 1 when not. At the root of several services it shows every service (or those --service names), and exits 1 when one is not available; history and rollback there take the one service --service names.`
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status ./api --env staging', '<%= config.bin %> status --json', '<%= config.bin %> status ./shop --service api']
  static override args = releaseArgs
  static override flags = releaseFlags

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Status)
    const [{releaseStatus, projectStatus}, ui, {isProjectConfig}] = await Promise.all([import('../release/run.js'), import('../ui/render-release.js'), import('../config/project-toml.js')])
    if (isProjectConfig(args.path)) {
      // Every service, one block each; exit 1 when any is not available.
      const reports = await projectStatus(args.path, releaseOverrides(flags))
      if (this.json) this.printJson({services: reports.map(r => ({service: r.service, ...(r.report ?? {available: false, error: r.error})}))})
      else process.stdout.write(reports.map(r => `${ui.serviceHeading(r.service)}\n${r.report ? ui.renderStatus(r.report) : `✖ ${r.error!.message}\n  fix: ${r.error!.fix}\n`}`).join('\n'))
      if (reports.some(r => !r.report?.available)) process.exitCode = 1
      return
    }
    const report = await releaseStatus(args.path, releaseOverrides(flags))
    if (this.json) this.printJson(report)
    else process.stdout.write(ui.renderStatus(report))
    if (!report.available) process.exitCode = 1
  }
}
