import {Args, Flags} from '@oclif/core'

import {DraftCommand} from '../../cli/base-command.js'

export default class PackAdd extends DraftCommand {
  static override summary = 'Install a pack from a folder or a git repository.'
  static override description = 'Copies or clones the pack into $DRAFT_HOME/packs (~/.draft/packs) and records its source and commit. Templates run as code on every draft create, so a pack from git is shown (source and commit) and confirmed first; --yes confirms in scripts.'
  static override examples = [
    '<%= config.bin %> pack add ./my-pack',
    '<%= config.bin %> pack add https://example.com/team/draft-packs.git#v1.2.0',
    '<%= config.bin %> pack add file:///srv/git/packs.git --yes',
  ]
  static override args = {source: Args.string({description: 'PATH or GIT-URL[#ref].', required: true})}
  static override flags = {
    yes: Flags.boolean({char: 'y', description: 'Install from git without asking.', default: false}),
    force: Flags.boolean({description: 'Replace an installed pack of the same name.', default: false}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PackAdd)
    const [{addPack}, {ExecaRunner}, ui] = await Promise.all([import('../../packs/pack-source.js'), import('../../process/execa-runner.js'), import('../../ui/render-packs.js')])
    const result = await addPack(args.source, new ExecaRunner(), {
      force: flags.force,
      confirm: async fetched => {
        if (!this.json) process.stderr.write(ui.renderFetched(fetched))
        if (flags.yes) return true
        return ui.askYesNo('Install these packs?', `installing from ${args.source}`)
      },
    })
    if (this.json) this.printJson(result)
    else process.stdout.write(ui.renderInstalled(result))
  }
}
