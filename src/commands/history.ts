import {DraftCommand} from '../cli/base-command.js'
import {releaseArgs, releaseFlags, releaseOverrides} from '../cli/release-flags.js'

export default class History extends DraftCommand {
  static override summary = 'List every helm revision of the app\'s release, with its image tag and the commit it was built from.'
  static override description = `Each revision helm keeps: its number, time and status, the image tag and the git commit of the app folder (with "+dirty" when it had changes) that \`draft up\` recorded when it deployed, and which revision is live. Rollbacks show the revision they copied; revisions draft did not make (helm by hand, CI) show the image from their manifest.`
  static override examples = ['<%= config.bin %> history', '<%= config.bin %> history --namespace dev --json']
  static override args = releaseArgs
  static override flags = releaseFlags

  async run(): Promise<void> {
    const {args, flags} = await this.parse(History)
    const [{releaseHistory}, ui] = await Promise.all([import('../release/run.js'), import('../ui/render-release.js')])
    const report = await releaseHistory(args.path, releaseOverrides(flags))
    if (this.json) this.printJson(report)
    else process.stdout.write(ui.renderHistory(report))
  }
}
