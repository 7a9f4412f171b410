import assert from 'node:assert/strict'

import {nodeInspector} from '../../../src/detect/inspectors/node.js'
import {compiledPath, resolveCommand, resolveScript} from '../../../src/detect/inspectors/node-start.js'
import {memorySnapshot} from '../../../src/detect/snapshot.js'

const inspect = (files: Record<string, string>) => nodeInspector.inspect(memorySnapshot('/work/app', files))
const pkg = (body: Record<string, unknown>) => JSON.stringify({name: 'app', version: '1.0.0', ...body}, null, 2)
const value = (files: Record<string, string>, key: string): unknown => inspect(files)[key]?.value

describe('node inspector', () => {
  describe('start scripts (issue 15, class 10: npm is not PID 1)', () => {
    it('comes down to node FILE through variables, flags, exec and other scripts', () => {
      const cases: [string, Record<string, string>, string | undefined, Record<string, string>][] = [
        ['node server.js', {}, 'node server.js', {}],
        ['NODE_ENV=production APP_MODE=x node --max-old-space-size=512 ./bin/www', {}, 'node --max-old-space-size=512 ./bin/www', {NODE_ENV: 'production', APP_MODE: 'x'}],
        ['cross-env PORT=80 node -r dotenv/config index.js', {}, 'node -r dotenv/config index.js', {PORT: '80'}],
        ['exec node index.js', {}, 'node index.js', {}],
        ['npm run serve', {serve: 'node dist/app.js'}, 'node dist/app.js', {}],
        ['yarn serve', {serve: 'LEVEL=2 node app.js'}, 'node app.js', {LEVEL: '2'}],
        ['node $ENTRY', {}, undefined, {}],
        ['node a.js | tee log', {}, undefined, {}],
        ['node migrate.js && node server.js', {}, undefined, {}],
        ['next start', {}, undefined, {}],
        ['npm run loop', {loop: 'npm run loop'}, undefined, {}],
      ]
      for (const [script, others, command, env] of cases) {
        const runner = resolveCommand(script, others)
        assert.equal(runner?.command, command, script)
        if (command) assert.deepEqual(runner?.env, env, script)
      }
    })

    it('runs a build that the start script does first in the build stage instead', () => {
      const runner = resolveCommand('npm run build && node dist/index.js', {build: 'tsc'})
      assert.equal(runner?.command, 'node dist/index.js')
      assert.equal(runner?.needsBuild, true)
      assert.equal(resolveCommand('tsc -p . && node dist/index.js', {})?.command, 'node dist/index.js')
    })

    it('reports a plain node start command, and npm start for anything else', () => {
      assert.equal(value({'package.json': pkg({scripts: {start: 'PORT=3000 node server.js'}}), 'server.js': ''}, 'startCommand'), 'node server.js')
      const facts = inspect({'package.json': pkg({scripts: {start: 'node migrate.js && node server.js'}})})
      assert.equal(facts.startCommand?.value, 'npm start')
      assert.match(facts.startCommand?.evidence[0]?.detail ?? '', /not a plain node command/)
    })

    it('sets the variables of the start script in the image', () => {
      const env = value({'package.json': pkg({scripts: {start: 'APP_MODE=cluster node index.js'}}), 'index.js': 'require("http").createServer().listen(process.env.PORT || 5000)'}, 'env')
      assert.deepEqual(env, {APP_MODE: 'cluster', PORT: '{{port}}'})
    })

    it('reads the port from an entry without an extension (bin/www)', () => {
      const facts = inspect({'package.json': pkg({scripts: {start: 'node ./bin/www'}}), 'bin/www': '#!/usr/bin/env node\nconst port = process.env.PORT || 5050\n'})
      assert.equal(facts.port?.value, 5050)
      assert.equal(facts.port?.evidence[0]?.file, 'bin/www')
    })

    it('runs a Procfile that calls npm start as the node command the start script comes down to', () => {
      const facts = inspect({'package.json': pkg({scripts: {start: 'node app.js'}}), Procfile: 'web: npm start\n', 'app.js': ''})
      assert.equal(facts.startCommand?.value, 'node app.js')
      assert.equal(value({'package.json': pkg({}), Procfile: 'web: node app.js\n'}, 'startCommand'), 'node app.js')
      assert.equal(value({'package.json': pkg({}), Procfile: 'web: bin/start-server\n'}, 'startCommand'), 'bin/start-server')
    })
  })

  describe('dev loaders (issue 15, class 1)', () => {
    const tsconfig = JSON.stringify({compilerOptions: {outDir: 'dist', strict: true}, include: ['src']})

    it('knows the loaders, through node flags and nodemon --exec too', () => {
      for (const script of ['ts-node src/index.ts', 'ts-node-dev --respawn src/index.ts', 'tsx watch src/index.ts', 'nodemon src/index.ts', 'node -r ts-node/register src/index.ts', 'node --import tsx src/index.ts', 'nodemon --exec "ts-node" src/index.ts']) {
        const runner = resolveCommand(script, {})
        assert.ok(runner?.loader, script)
        assert.equal(runner?.sourceEntry, 'src/index.ts', script)
        assert.equal(runner?.needsBuild, true, script)
      }
      assert.equal(resolveCommand('nodemon server.js', {})?.command, 'node server.js', 'nodemon on JavaScript runs the same file')
      assert.equal(resolveCommand('nest start', {})?.loader, 'nest start')
      assert.equal(value({'package.json': pkg({main: 'app.js', scripts: {start: 'nodemon'}}), 'app.js': ''}, 'startCommand'), 'node app.js', 'a bare nodemon runs main')
    })

    it('compiles with tsc when there is no build script, and runs the outDir entry', () => {
      const facts = inspect({'package.json': pkg({main: 'index.js', scripts: {start: 'ts-node src/server.ts'}, devDependencies: {'ts-node': '^10', typescript: '^5'}}), 'tsconfig.json': tsconfig, 'src/server.ts': '', 'src/routes/a.ts': ''})
      assert.equal(facts.startCommand?.value, 'node dist/server.js', 'npm init\'s "main": "index.js" is not the built entry')
      assert.equal(facts.devLoader?.value, 'ts-node')
      assert.equal(facts.build?.value, true)
      assert.equal(facts.buildCommand?.value, 'tsc')
    })

    it('prefers start:prod, then a built main, and keeps the build script', () => {
      const scripts = {start: 'ts-node src/main.ts', build: 'tsc', 'start:prod': 'node dist/main'}
      const prod = inspect({'package.json': pkg({scripts}), 'tsconfig.json': tsconfig, 'src/main.ts': ''})
      assert.equal(prod.startCommand?.value, 'node dist/main')
      assert.equal(prod.buildCommand, undefined, 'the build script builds')
      const main = inspect({'package.json': pkg({main: 'dist/app.js', scripts: {start: 'tsx src/app.ts', build: 'tsc'}}), 'tsconfig.json': tsconfig, 'src/app.ts': ''})
      assert.equal(main.startCommand?.value, 'node dist/app.js')
    })

    it('builds a Nest app with nest build and runs dist/main.js', () => {
      const facts = inspect({'package.json': pkg({scripts: {start: 'nest start'}, dependencies: {'@nestjs/core': '^11'}, devDependencies: {'@nestjs/cli': '^11'}}), 'nest-cli.json': '{"sourceRoot": "src"}', 'src/main.ts': ''})
      assert.equal(facts.startCommand?.value, 'node dist/main.js')
      assert.equal(facts.buildCommand?.value, 'nest build')
    })

    it('places compiled files where tsc does', () => {
      assert.equal(compiledPath('src/index.ts', {outDir: 'dist'}, ['src/index.ts', 'src/lib/a.ts']), 'dist/index.js')
      assert.equal(compiledPath('src/index.ts', {outDir: './build/'}, ['src/index.ts', 'scripts/seed.ts']), 'build/src/index.js', 'the common root of all sources is the app root')
      assert.equal(compiledPath('src/index.ts', {outDir: 'dist', include: ['src/**/*']}, ['src/index.ts', 'scripts/seed.ts']), 'dist/index.js', 'include narrows the sources')
      assert.equal(compiledPath('src/server/main.mts', {outDir: 'out', rootDir: 'src'}, []), 'out/server/main.mjs')
      assert.equal(compiledPath('./index.ts', {}, []), 'index.js', 'no outDir: beside the source')
    })

    it('follows a local extends for outDir', () => {
      const facts = inspect({'package.json': pkg({scripts: {start: 'ts-node src/a.ts'}}), 'tsconfig.json': '{"extends": "./tsconfig.base.json", "include": ["src"]}', 'tsconfig.base.json': '{"compilerOptions": {"outDir": "lib"}}', 'src/a.ts': ''})
      assert.equal(facts.startCommand?.value, 'node lib/a.js')
    })

    it('leaves a loader with no built entry to npm, and says why', () => {
      const facts = inspect({'package.json': pkg({scripts: {start: 'babel-node src/index.js'}}), 'src/index.js': ''})
      assert.equal(facts.startCommand?.value, 'npm start')
      assert.match(facts.startCommand?.evidence[0]?.detail ?? '', /no built entry was found/)
    })
  })

  describe('native addons (issue 15, class 2)', () => {
    const lock = (packages: Record<string, unknown>) => JSON.stringify({name: 'app', lockfileVersion: 3, packages: {'': {name: 'app'}, ...packages}}, null, 2)

    it('sees packages whose install script compiles, in package-lock.json', () => {
      const facts = inspect({
        'package.json': pkg({dependencies: {bcrypt: '5.1.1', esbuild: '^0.25'}}),
        'package-lock.json': lock({
          'node_modules/bcrypt': {version: '5.1.1', hasInstallScript: true, dependencies: {'@mapbox/node-pre-gyp': '^1.0.11', 'node-addon-api': '^5.0.0'}},
          'node_modules/esbuild': {version: '0.25.0', hasInstallScript: true, optionalDependencies: {'@esbuild/linux-x64': '0.25.0'}},
          'node_modules/left-pad': {version: '1.3.0'},
        }),
      })
      assert.equal(facts.nativeAddon?.value, true)
      assert.deepEqual(facts.nativeAddon?.evidence.map(e => e.detail), ['bcrypt runs an install script that compiles a native addon'])
      assert.equal(facts.nativeAddon?.evidence[0]?.file, 'package-lock.json')
      assert.ok(facts.nativeAddon?.evidence[0]?.line)
    })

    it('does not count install scripts that download or print', () => {
      const facts = inspect({'package.json': pkg({}), 'package-lock.json': lock({'node_modules/esbuild': {version: '0.25.0', hasInstallScript: true}, 'node_modules/core-js': {version: '3.0.0', hasInstallScript: true}})})
      assert.equal(facts.nativeAddon, undefined)
    })

    it('sees the app as an addon itself, and well-known addons in yarn and pnpm lockfiles', () => {
      assert.equal(value({'package.json': pkg({}), 'binding.gyp': '{}'}, 'nativeAddon'), true)
      assert.equal(value({'package.json': pkg({gypfile: true})}, 'nativeAddon'), true)
      assert.equal(value({'package.json': pkg({}), 'yarn.lock': '# yarn lockfile v1\n\nsqlite3@^5.1.7:\n  version "5.1.7"\n'}, 'nativeAddon'), true)
      assert.equal(value({'package.json': pkg({}), 'pnpm-lock.yaml': "lockfileVersion: '9.0'\npackages:\n  argon2@0.41.1:\n    resolution: {}\n"}, 'nativeAddon'), true)
      assert.equal(value({'package.json': pkg({}), 'yarn.lock': '# yarn lockfile v1\n\nms@^2.1.3:\n  version "2.1.3"\n'}, 'nativeAddon'), undefined)
    })
  })

  describe('package managers (issue 15, class 3)', () => {
    it('takes the full version from packageManager, to install it with npm', () => {
      assert.equal(value({'package.json': pkg({packageManager: 'pnpm@10.34.8+sha512.abc'}), 'pnpm-lock.yaml': ''}, 'packageManagerVersion'), '10.34.8')
      assert.equal(value({'package.json': pkg({packageManager: 'yarn@4.18.1'}), 'yarn.lock': ''}, 'packageManagerVersion'), '4.18.1')
    })

    it('tells the manager major from the lockfile format otherwise', () => {
      assert.equal(value({'package.json': pkg({}), 'yarn.lock': '# yarn lockfile v1\n'}, 'packageManagerVersion'), '1')
      assert.equal(value({'package.json': pkg({}), 'yarn.lock': '__metadata:\n  version: 10\n  cacheKey: 10c0\n'}, 'packageManagerVersion'), '4')
      assert.equal(value({'package.json': pkg({}), 'yarn.lock': '__metadata:\n  version: 6\n'}, 'packageManagerVersion'), '3')
      assert.equal(value({'package.json': pkg({}), 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n"}, 'packageManagerVersion'), '10')
      assert.equal(value({'package.json': pkg({}), 'pnpm-lock.yaml': "lockfileVersion: '6.0'\n"}, 'packageManagerVersion'), '8')
      assert.equal(value({'package.json': pkg({}), 'pnpm-lock.yaml': 'lockfileVersion: 5.4\n'}, 'packageManagerVersion'), '7')
    })

    it('reads yarnPath and nodeLinker from .yarnrc.yml', () => {
      const facts = inspect({'package.json': pkg({packageManager: 'yarn@4.5.0'}), 'yarn.lock': '', '.yarnrc.yml': 'nodeLinker: node-modules\nyarnPath: .yarn/releases/yarn-4.5.0.cjs\n', '.yarn/releases/yarn-4.5.0.cjs': ''})
      assert.equal(facts.yarnPath?.value, '.yarn/releases/yarn-4.5.0.cjs')
      assert.equal(facts.yarnFolder?.value, true)
      assert.equal(facts.yarnNodeLinker?.value, 'node-modules')
      assert.equal(inspect({'package.json': pkg({}), 'yarn.lock': '', '.yarnrc.yml': 'yarnPath: .yarn/releases/missing.cjs\n'}).yarnPath, undefined)
    })
  })

  describe('version (issue 15, class 4)', () => {
    it('reports what the app asks for as a range, most explicit source first', () => {
      const engines = pkg({engines: {node: '>=18 <23'}, volta: {node: '20.11.1'}})
      assert.deepEqual(inspect({'package.json': engines, '.nvmrc': 'v22.3.0\n'}).version, {value: '22.3.0', evidence: [{detail: '.nvmrc says v22.3.0', file: '.nvmrc', line: 1}]})
      assert.equal(value({'package.json': engines}, 'version'), '20.11.1')
      assert.equal(value({'package.json': pkg({engines: {node: '>=18 <23'}})}, 'version'), '>=18 <23')
      assert.equal(value({'package.json': pkg({engines: {node: '4.0.0'}})}, 'version'), '4.0.0')
    })

    it('knows LTS code names, and skips what names no version', () => {
      assert.equal(value({'package.json': pkg({}), '.nvmrc': 'lts/iron\n'}, 'version'), '20')
      assert.equal(value({'package.json': pkg({engines: {node: '>=22'}}), '.nvmrc': 'lts/*\n'}, 'version'), '>=22')
      assert.equal(value({'package.json': pkg({}), '.node-version': 'node\n'}, 'version'), undefined)
    })
  })
})
