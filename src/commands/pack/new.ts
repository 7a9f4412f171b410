import {Args, Flags} from '@oclif/core'

import {DraftCommand} from '../../cli/base-command.js'

export default class PackNew extends DraftCommand {
  static override summary = 'Scaffold a new pack: manifest, Dockerfile template, a fixture folder and a README.'
  static override examples = ['<%= config.bin %> pack new deno --language TypeScript --marker deno.json --image denoland/deno --base-version 2.5.0 --port 8000 --start "deno run --allow-net main.ts"']
  static override args = {name: Args.string({description: 'Pack name (lower-case letters, digits, dashes).', required: true})}
  static override flags = {
    dir: Flags.string({description: 'Folder to create the pack in.', default: '.'}),
    language: Flags.string({description: 'linguist language name of the apps.', required: true}),
    marker: Flags.string({description: 'A file every such app has at its root.', required: true}),
    image: Flags.string({description: 'Base image repository (the tag comes from the version variable).', required: true}),
    'base-version': Flags.string({description: 'Default base image tag.', default: 'latest'}),
    port: Flags.integer({description: 'Default port.', default: 8080, min: 1, max: 65535}),
    start: Flags.string({description: 'Default start command.', required: true}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PackNew)
    const {newPack} = await import('../../packs/new-pack.js')
    const made = newPack(args.name, flags.dir, {language: flags.language, marker: flags.marker, image: flags.image, version: flags['base-version'], port: flags.port, startCommand: flags.start})
    if (this.json) this.printJson(made)
    else process.stdout.write(`✔ created ${made.dir}\n${made.files.map(f => `  + ${f}`).join('\n')}\n\nNext: write the sample app in fixtures/hello, then \`draft pack lint ${made.dir}\` and \`draft pack test ${made.dir}\`.\n`)
  }
}
