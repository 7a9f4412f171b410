import {Flags} from '@oclif/core'

import {DraftCommand} from '../../cli/base-command.js'

export default class PackList extends DraftCommand {
  static override summary = 'List language packs, where each comes from, and whether the app\'s own packs are allowed to run.'
  static override examples = ['<%= config.bin %> pack list', '<%= config.bin %> pack list --app ./my-app --json']
  static override flags = {
    app: Flags.string({description: 'App folder whose .draft/packs/ also counts.', default: '.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(PackList)
    const [{listPacks}, {renderPackList}, {resolve}, {FileTrustStore}, {draftHome}] = await Promise.all([
      import('../../packs/pack-source.js'),
      import('../../ui/render-packs.js'),
      import('node:path'),
      import('../../pack-model/trust-store.js'),
      import('../../pack-model/registry.js'),
    ])
    const listing = listPacks(resolve(flags.app), new FileTrustStore(draftHome()))
    if (this.json) this.printJson(listing)
    else process.stdout.write(renderPackList(listing))
  }
}
