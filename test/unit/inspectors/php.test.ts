import assert from 'node:assert/strict'

import {phpInspector} from '../../../src/detect/inspectors/php.js'
import {composerRange} from '../../../src/detect/version-ranges.js'
import {memorySnapshot} from '../../../src/detect/snapshot.js'

const inspect = (files: Record<string, string>) => phpInspector.inspect(memorySnapshot('/work/app', files))
const composer = (body: Record<string, unknown>) => JSON.stringify(body, null, 4)

const laravel: Record<string, string> = {
  'composer.json': composer({require: {php: '^8.2', 'laravel/framework': '^11.0', 'ext-intl': '*', 'ext-mbstring': '*'}}),
  artisan: '#!/usr/bin/env php\n<?php\nrequire __DIR__."/vendor/autoload.php";\n$status = (require_once __DIR__."/bootstrap/app.php")->handleCommand(new ArgvInput);\n',
  'public/index.php': '<?php\n(require_once __DIR__."/../bootstrap/app.php")->handleRequest(Request::capture());\n',
  'bootstrap/app.php': "<?php\nreturn Application::configure(basePath: dirname(__DIR__))\n    ->withRouting(\n        web: __DIR__.'/../routes/web.php',\n        health: '/up',\n    )->create();\n",
  '.env.example': 'APP_NAME=Shop\nDB_CONNECTION=pgsql\n',
}

describe('php inspector', () => {
  it('reports nothing without composer.json or PHP files at the root', () => {
    assert.deepEqual(inspect({'package.json': '{}', 'tools/x.php': '<?php\n'}), {})
  })

  describe('version', () => {
    it('prefers config.platform.php, then .php-version, then the lowest php the requirement allows', () => {
      const pinned = inspect({'composer.json': composer({require: {php: '>=8.1'}, config: {platform: {php: '8.3.4'}}}), '.php-version': '8.2\n'})
      assert.deepEqual(pinned.version, {value: '8.3.4', evidence: [{detail: 'config.platform.php is 8.3.4', file: 'composer.json', line: 6}]})
      assert.equal(inspect({'composer.json': composer({require: {php: '>=8.1'}}), '.php-version': '8.2\n'}).version?.value, '8.2')
      assert.deepEqual(inspect({'composer.json': composer({require: {php: '>=8.1'}})}).version, {
        value: '>=8.1',
        evidence: [{detail: 'composer.json requires php ">=8.1"', file: 'composer.json', line: 3}],
      })
    })

    it('reads composer constraints as semver ranges', () => {
      assert.equal(composerRange('^8.1 || ^8.2'), '^8.1 || ^8.2')
      assert.equal(composerRange('^7.4|^8.0'), '^7.4 || ^8.0')
      assert.equal(composerRange('~8.2.0'), '>=8.2.0 <8.3')
      assert.equal(composerRange('~8.1'), '>=8.1 <9', "composer's ~8.1 allows every 8.x from 8.1, unlike npm's")
      assert.equal(composerRange('8.3.*'), '8.3.x')
      assert.equal(composerRange('>=8'), '>=8')
      assert.equal(composerRange('>=7.4,<8.3'), '>=7.4 <8.3')
      assert.equal(composerRange('>=7.4 <8.3'), '>=7.4 <8.3')
      assert.equal(composerRange('*'), undefined)
    })
  })

  describe('plain PHP', () => {
    it('serves public/ and routes unknown paths to a front controller that reads the request path', () => {
      const facts = inspect({
        'composer.json': composer({require: {php: '>=8.2'}}),
        'composer.lock': '{"packages": []}',
        'public/index.php': "<?php\n$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);\nif ($path === '/healthz') { echo 'ok'; }\n",
      })
      assert.deepEqual(facts.docroot, {value: 'public', evidence: [{detail: 'public/index.php: Apache serves public/', file: 'public/index.php'}]})
      assert.deepEqual(facts.frontController?.evidence, [{detail: 'public/index.php routes on the request path', file: 'public/index.php', line: 2}])
      assert.equal(facts.composer?.value, true)
      assert.equal(facts.lockfile?.value, 'composer.lock')
      assert.equal(facts.healthPath?.value, '/healthz')
      assert.equal(facts.startCommand?.value, 'apache2-foreground')
      assert.equal(facts.framework, undefined)
    })

    it('serves the app root when there is no public folder, without composer, and finds healthz.php', () => {
      const facts = inspect({'index.php': '<?php echo "hi";\n', 'healthz.php': '<?php echo "ok";\n'})
      assert.equal(facts.docroot, undefined)
      assert.equal(facts.composer, undefined)
      assert.equal(facts.frontController, undefined, 'an index.php that does not route keeps Apache 404s')
      assert.deepEqual(facts.healthPath, {value: '/healthz.php', evidence: [{detail: 'healthz.php answers health checks', file: 'healthz.php'}]})
    })

    it('takes the document root of a Heroku Procfile', () => {
      const facts = inspect({'composer.json': '{}', 'index.php': '<?php\n', Procfile: 'web: heroku-php-apache2 -C apache.conf www/\n', 'www/app.php': '<?php\n'})
      assert.equal(facts.docroot?.value, 'www')
    })
  })

  describe('Laravel and Symfony', () => {
    it('finds Laravel, its /up health route and the environment of a read-only image', () => {
      const facts = inspect(laravel)
      assert.deepEqual(facts.framework?.evidence, [{detail: 'requires laravel/framework ^11.0', file: 'composer.json', line: 4}])
      assert.equal(facts.docroot?.value, 'public')
      assert.equal(facts.frontController?.value, true)
      assert.deepEqual(facts.healthPath, {value: '/up', evidence: [{detail: 'bootstrap/app.php routes health checks to /up', file: 'bootstrap/app.php', line: 5}]})
      assert.deepEqual(facts.env?.value, {LOG_CHANNEL: 'stderr', VIEW_COMPILED_PATH: '/tmp'})
    })

    it('builds the extensions the app, its packages and its database need, not the built-in ones', () => {
      const facts = inspect({
        ...laravel,
        'composer.lock': JSON.stringify({packages: [{name: 'laravel/framework', require: {'ext-mbstring': '*', 'ext-openssl': '*'}}, {name: 'league/flysystem', require: {'ext-zip': '*', 'ext-redis': '*'}}]}),
      })
      assert.equal(facts.extensions?.value, 'intl zip pdo_pgsql', 'redis needs PECL and is left to the user')
      assert.deepEqual(facts.extensions?.evidence, [
        {detail: 'composer.json requires ext-intl', file: 'composer.json', line: 5},
        {detail: 'league/flysystem requires ext-zip', file: 'composer.lock'},
        {detail: '.env.example sets DB_CONNECTION=pgsql', file: '.env.example', line: 2},
      ])
    })

    it('recognises Laravel by artisan and Symfony by bin/console when composer.json says nothing', () => {
      const {'composer.json': _c, ...rest} = laravel
      assert.equal(inspect({...rest, 'composer.json': '{}'}).framework?.value, 'laravel')
      const symfony = inspect({'composer.json': '{}', 'bin/console': '#!/usr/bin/env php\n<?php\nuse Symfony\\Component\\Console;\n', 'public/index.php': '<?php\n'})
      assert.equal(symfony.framework?.value, 'symfony')
      assert.deepEqual(symfony.env?.value, {APP_ENV: 'prod', APP_DEBUG: '0'})
      assert.equal(symfony.frontController?.value, true)
    })

    it('finds a framework that only the lockfile installs', () => {
      const facts = inspect({'composer.json': composer({require: {php: '^8.2'}}), 'composer.lock': JSON.stringify({packages: [{name: 'slim/slim'}]}), 'public/index.php': '<?php\n'})
      assert.deepEqual(facts.framework, {value: 'slim', evidence: [{detail: 'composer.lock installs slim/slim', file: 'composer.lock'}]})
    })

    it('survives a broken composer.json', () => {
      const facts = inspect({'composer.json': '{"require": ', 'index.php': '<?php\n'})
      assert.equal(facts.composer, undefined)
      assert.equal(facts.startCommand?.value, 'apache2-foreground')
    })
  })

  describe('Laravel at run time', () => {
    it('makes storage/ and bootstrap/cache/ writable, the SQLite folder too, and migrates', () => {
      const facts = phpInspector.inspect(memorySnapshot('/work/app', {
        'composer.json': JSON.stringify({require: {'laravel/framework': '^11.0'}}),
        artisan: '#!/usr/bin/env php\n<?php\n',
        'public/index.php': '<?php\n',
        '.env.example': 'APP_NAME=Shop\nDB_CONNECTION=sqlite\n',
        'database/migrations/0001_01_01_000000_create_users_table.php': '<?php\n',
        'storage/logs/.gitignore': '*\n',
      }))
      assert.deepEqual(facts.writablePaths?.value, ['storage', 'bootstrap/cache', 'database'])
      assert.deepEqual(facts.writablePaths?.evidence[2], {detail: 'DB_CONNECTION=sqlite: the database file is written in database/', file: '.env.example', line: 2, key: 'database'})
      assert.equal(facts.releaseCommand?.value, 'php artisan migrate --force')
    })

    it('plain PHP gets neither', () => {
      const facts = phpInspector.inspect(memorySnapshot('/work/app', {'index.php': '<?php echo 1;\n'}))
      assert.equal(facts.writablePaths, undefined)
      assert.equal(facts.releaseCommand, undefined)
    })
  })
})
