import {Args} from '@oclif/core'

import {DraftCommand} from '../../cli/base-command.js'

export default class PackLint extends DraftCommand {
  static override summary = 'Check a pack: manifest schema, every template rendered, helm lint of its chart.'
  static override examples = ['<%= config.bin %> pack lint ./my-pack', '<%= config.bin %> pack lint packs/node --json']
  static override args = {dir: Args.string({description: 'Pack folder (with pack.toml).', default: '.'})}

  async run(): Promise<void> {
    const {args} = await this.parse(PackLint)
    const [{lintPack}, {ExecaRunner}, {NodeSandboxRenderer}, {renderLint}] = await Promise.all([
      import('../../packs/lint.js'),
      import('../../process/execa-runner.js'),
      import('../../sandbox/node-sandbox-renderer.js'),
      import('../../ui/render-packs.js'),
    ])
    const report = await lintPack(args.dir, {runner: new ExecaRunner(), renderer: new NodeSandboxRenderer()})
    if (this.json) this.printJson(report)
    else process.stdout.write(renderLint(report))
    if (report.problems.some(p => p.severity === 'error')) process.exitCode = 1
  }
}
