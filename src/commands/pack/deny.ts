import {Args} from '@oclif/core'

import {DraftCommand} from '../../cli/base-command.js'

export default class PackDeny extends DraftCommand {
  static override summary = 'Refuse a pack that came with an app (.draft/packs/NAME): it is not loaded, and not asked about again until it changes.'
  static override description = 'The answer is kept in $DRAFT_HOME/trusted-packs.json for this folder and this content; `draft pack allow PATH` changes it. PATH is a pack folder, or an app folder to deny every pack in its .draft/packs/.'
  static override examples = ['<%= config.bin %> pack deny ./my-app/.draft/packs/deno', '<%= config.bin %> pack deny ./my-app']
  static override args = {path: Args.string({description: 'Pack folder (with pack.toml), or an app folder.', required: true})}

  async run(): Promise<void> {
    const {args} = await this.parse(PackDeny)
    const [{answerPacks}, {FileTrustStore}, {draftHome}, {renderTrusted}] = await Promise.all([
      import('../../packs/allow.js'),
      import('../../pack-model/trust-store.js'),
      import('../../pack-model/registry.js'),
      import('../../ui/render-packs.js'),
    ])
    const results = answerPacks(args.path, 'deny', new FileTrustStore(draftHome()))
    if (this.json) this.printJson(results.map(r => ({...r.pack, answer: r.answer})))
    else process.stdout.write(renderTrusted(results))
  }
}
