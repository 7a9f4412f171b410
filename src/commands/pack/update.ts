import {Args} from '@oclif/core'

import {DraftCommand} from '../../cli/base-command.js'

export default class PackUpdate extends DraftCommand {
  static override summary = 'Fetch packs installed from git again (all, or one).'
  static override examples = ['<%= config.bin %> pack update', '<%= config.bin %> pack update elixir']
  static override args = {name: Args.string({description: 'Pack name (default: every pack from git).'})}

  async run(): Promise<void> {
    const {args} = await this.parse(PackUpdate)
    const [{updatePacks}, {ExecaRunner}, {renderUpdates}] = await Promise.all([import('../../packs/pack-source.js'), import('../../process/execa-runner.js'), import('../../ui/render-packs.js')])
    const outcomes = await updatePacks(args.name, new ExecaRunner())
    if (this.json) this.printJson(outcomes)
    else process.stdout.write(renderUpdates(outcomes))
  }
}
