import {Args} from '@oclif/core'

import {DraftCommand} from '../../cli/base-command.js'

export default class PackRemove extends DraftCommand {
  static override summary = 'Remove a pack you installed.'
  static override examples = ['<%= config.bin %> pack remove elixir']
  static override args = {name: Args.string({description: 'Pack name.', required: true})}

  async run(): Promise<void> {
    const {args} = await this.parse(PackRemove)
    const {removePack} = await import('../../packs/pack-source.js')
    const removed = removePack(args.name, process.cwd())
    if (this.json) this.printJson({removed: args.name, dir: removed.dir})
    else process.stdout.write(`✔ removed ${args.name} (${removed.dir})\n`)
  }
}
