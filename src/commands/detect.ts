import {Args, Flags} from '@oclif/core'

import {DraftCommand} from '../cli/base-command.js'

export default class Detect extends DraftCommand {
  static override summary = 'Detect the language, framework and language pack of an app.'
  static override description = 'Looks at the app folder (without building anything) and reports the pack draft create would use, with the evidence for every inferred value.'
  static override examples = ['<%= config.bin %> detect', '<%= config.bin %> detect ./services/api --explain', '<%= config.bin %> detect --json']

  static override args = {
    path: Args.string({description: 'App folder.', default: '.'}),
  }

  static override flags = {
    explain: Flags.boolean({description: 'Show the evidence, every pack\'s score and the runner-up.', default: false}),
    pack: Flags.string({description: 'Use this pack instead of choosing one.'}),
    set: Flags.string({description: 'Override an inferred value, e.g. --set port=8080.', multiple: true}),
    yes: Flags.boolean({char: 'y', description: "Trust the app's own packs (.draft/packs) for this run without asking.", default: false}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Detect)
    const [{detectPath}, {renderDetection, detectionJson}] = await Promise.all([import('../detect/detect-path.js'), import('../ui/render-detect.js')])
    const {detection, problem} = await detectPath(args.path, {pack: flags.pack, sets: flags.set ?? []}, await this.packTrust(flags.yes))
    if (this.json) {
      this.printJson({...detectionJson(detection), ...(problem ? {error: problem.toJSON()} : {})})
      if (problem) process.exitCode = 1
      return
    }
    process.stdout.write(renderDetection(detection, {explain: flags.explain}))
    if (problem) throw problem
  }
}
