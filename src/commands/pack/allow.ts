import {Args} from '@oclif/core'

import {DraftCommand} from '../../cli/base-command.js'

export default class PackAllow extends DraftCommand {
  static override summary = 'Trust a pack that came with an app (.draft/packs/NAME), as its content is now.'
  static override description = "draft create and draft detect load an app's own packs only once you allow them. The answer is kept in $DRAFT_HOME/trusted-packs.json for this folder and this content: a changed pack is asked about again. PATH is a pack folder, or an app folder to allow every pack in its .draft/packs/."
  static override examples = ['<%= config.bin %> pack allow ./my-app/.draft/packs/deno', '<%= config.bin %> pack allow ./my-app']
  static override args = {path: Args.string({description: 'Pack folder (with pack.toml), or an app folder.', required: true})}

  async run(): Promise<void> {
    const {args} = await this.parse(PackAllow)
    const [{answerPacks}, {FileTrustStore}, {draftHome}, {renderTrusted}] = await Promise.all([
      import('../../packs/allow.js'),
      import('../../pack-model/trust-store.js'),
      import('../../pack-model/registry.js'),
      import('../../ui/render-packs.js'),
    ])
    const results = answerPacks(args.path, 'allow', new FileTrustStore(draftHome()))
    if (this.json) this.printJson(results.map(r => ({...r.pack, answer: r.answer})))
    else process.stdout.write(renderTrusted(results))
  }
}
