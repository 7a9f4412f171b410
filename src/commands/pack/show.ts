import {Args, Flags} from '@oclif/core'

import {DraftCommand} from '../../cli/base-command.js'

export default class PackShow extends DraftCommand {
  static override summary = 'Show a pack: its manifest, variables and files.'
  static override examples = ['<%= config.bin %> pack show node']
  static override args = {name: Args.string({description: 'Pack name.', required: true})}
  static override flags = {
    app: Flags.string({description: 'App folder whose .draft/packs/ also counts.', default: '.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PackShow)
    const [{showPack}, {renderPack}, {resolve}] = await Promise.all([import('../../packs/pack-source.js'), import('../../ui/render-packs.js'), import('node:path')])
    const pack = showPack(args.name, resolve(flags.app))
    if (this.json) this.printJson(pack)
    else process.stdout.write(renderPack(pack))
  }
}
