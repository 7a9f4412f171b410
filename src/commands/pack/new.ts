import {Args, Flags} from '@oclif/core'

import {DraftCommand} from '../../cli/base-command.js'

export default class PackNew extends DraftCommand {
  static override summary = 'Scaffold a new pack: manifest, Dockerfile template, a fixture folder and a README.'
  static override description = 'On a terminal, a missing --language, --marker, --image or --start is asked for, offering what the name and the language suggest; without one, the command names the missing flags with an example.'
  static override examples = [
    '<%= config.bin %> pack new deno --language TypeScript --marker deno.json --image denoland/deno --base-version 2.9.6 --port 8000 --start "deno run --allow-net --allow-env main.ts"',
    '<%= config.bin %> pack new elixir',
  ]
  static override args = {name: Args.string({description: 'Pack name (lower-case letters, digits, dashes).', required: true})}
  static override flags = {
    dir: Flags.string({description: 'Folder to create the pack in.', default: '.'}),
    language: Flags.string({description: 'linguist language name of the apps.'}),
    marker: Flags.string({description: 'A file every such app has at its root.'}),
    image: Flags.string({description: 'Base image repository (the tag comes from the version variable).'}),
    'base-version': Flags.string({description: 'Default base image tag (default: latest).'}),
    port: Flags.integer({description: 'Default port (default: the usual one for the language, else 8080).', min: 1, max: 65535}),
    start: Flags.string({description: 'Default start command.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PackNew)
    const {checkNewPack, newPack, newPackOptions, nextQuestion} = await import('../../packs/new-pack.js')
    const input = {language: flags.language, marker: flags.marker, image: flags.image, start: flags.start, port: flags.port, version: flags['base-version']}
    checkNewPack(args.name, flags.dir)
    if (!this.json && process.stdin.isTTY && nextQuestion(args.name, input)) {
      const {TerminalPrompt} = await import('../../ui/ask.js')
      const prompt = new TerminalPrompt()
      try {
        for (let q = nextQuestion(args.name, input); q; q = nextQuestion(args.name, input)) {
          const answer = await prompt.ask(q.prompt, q.suggestion)
          if (answer === undefined) break
          input[q.field] = answer
        }
      } finally {
        prompt.close()
      }
    }
    const made = newPack(args.name, flags.dir, newPackOptions(args.name, input))
    if (this.json) this.printJson(made)
    else process.stdout.write(`✔ created ${made.dir}\n${made.files.map(f => `  + ${f}`).join('\n')}\n\nNext: write the sample app in fixtures/hello, then \`draft pack lint ${made.dir}\` and \`draft pack test ${made.dir}\`.\n`)
  }
}
