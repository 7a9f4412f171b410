import {Args, Flags} from '@oclif/core'

import {DraftCommand} from '../../cli/base-command.js'

export default class PackTest extends DraftCommand {
  static override summary = 'Test a pack against its fixtures: detection, render, docker build, run, HTTP answer.'
  static override examples = ['<%= config.bin %> pack test ./my-pack', '<%= config.bin %> pack test packs/go --network host']
  static override args = {dir: Args.string({description: 'Pack folder (with pack.toml).', default: '.'})}
  static override flags = {
    build: Flags.boolean({description: 'Build and run the images (--no-build checks detection and rendering only).', default: true, allowNo: true}),
    network: Flags.string({description: 'Network mode of builds and of the test container.', default: 'host'}),
    'answer-timeout': Flags.integer({description: 'Seconds a container may take to answer.', default: 90}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PackTest)
    const [{testPack}, {ExecaRunner}, {NodeSandboxRenderer}, {DockerodeEngine}, {renderPackTest}] = await Promise.all([
      import('../../packs/pack-test.js'),
      import('../../process/execa-runner.js'),
      import('../../sandbox/node-sandbox-renderer.js'),
      import('../../docker/dockerode-engine.js'),
      import('../../ui/render-packs.js'),
    ])
    const report = await testPack(args.dir, {docker: new DockerodeEngine(), runner: new ExecaRunner(), renderer: new NodeSandboxRenderer()}, {
      build: flags.build,
      network: flags.network,
      answerTimeoutMs: flags['answer-timeout'] * 1000,
      onProgress: (fixture, message) => {
        if (!this.json) process.stderr.write(`  ${fixture}: ${message}\n`)
      },
    })
    if (this.json) this.printJson(report)
    else process.stdout.write(renderPackTest(report))
    if (!report.passed) process.exitCode = 1
  }
}
