import {Args, Flags} from '@oclif/core'

import {DraftCommand} from '../cli/base-command.js'

export default class Create extends DraftCommand {
  static override summary = 'Scaffold a Dockerfile, .dockerignore, Helm chart and draft.toml for an app.'
  static override description = `Detects the app's language pack and writes what draft up needs. Existing files are kept (an existing Dockerfile or chart is used as it is) unless --force. Writes all files or none.

At the root of several services (a compose file with two or more, or a monorepo of apps) it scaffolds each app in its own folder, gives each image-only service of the compose file (redis, postgres, ...) a small chart, and writes one draft.toml with a [services.NAME] table each. Library folders and folders no pack fits are listed as skipped.`
  static override examples = [
    '<%= config.bin %> create',
    '<%= config.bin %> create ./my-app --dry-run',
    '<%= config.bin %> create --pack python --set port=8000 --app api',
    '<%= config.bin %> create ./shop --only api --only web',
  ]

  static override args = {
    path: Args.string({description: 'App folder.', default: '.'}),
  }

  static override flags = {
    pack: Flags.string({description: 'Language pack to use instead of the detected one.'}),
    app: Flags.string({description: 'App name (default: the folder name, made DNS-safe).'}),
    set: Flags.string({description: 'Override an inferred variable, e.g. --set port=8080 (repeatable).', multiple: true}),
    'dry-run': Flags.boolean({description: 'Print the plan and write nothing.', default: false}),
    force: Flags.boolean({description: 'Replace existing files draft would otherwise keep.', default: false}),
    explain: Flags.boolean({description: 'Also show the detection evidence and scores.', default: false}),
    yes: Flags.boolean({char: 'y', description: "Trust the app's own packs (.draft/packs) for this run without asking.", default: false}),
    only: Flags.string({description: 'At a root of several services: scaffold only this one (repeatable).', multiple: true}),
    'no-dependencies': Flags.boolean({description: 'At a root of several services: leave out the services that only run an image (redis, postgres, ...).', default: false}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Create)
    const [{loadAppPacks}, {create}, {NodeSandboxRenderer}, {renderCreate, createJson}, {renderProjectCreate, projectCreateJson}, {resolve}] = await Promise.all([
      import('../pack-model/trust.js'),
      import('../project/create-any.js'),
      import('../sandbox/node-sandbox-renderer.js'),
      import('../ui/render-create.js'),
      import('../ui/render-project.js'),
      import('node:path'),
    ])
    const packs = await loadAppPacks(resolve(args.path), await this.packTrust(flags.yes))
    const outcome = await create(
      {path: args.path, pack: flags.pack, app: flags.app, sets: flags.set ?? [], dryRun: flags['dry-run'], force: flags.force, only: flags.only ?? [], noDependencies: flags['no-dependencies']},
      packs,
      new NodeSandboxRenderer(),
    )
    if (outcome.kind === 'project') {
      if (this.json) this.printJson(projectCreateJson(outcome.result))
      else process.stdout.write(renderProjectCreate(outcome.result))
    } else if (this.json) this.printJson(createJson(outcome.result))
    else process.stdout.write(renderCreate(outcome.result, {explain: flags.explain}))
  }
}
