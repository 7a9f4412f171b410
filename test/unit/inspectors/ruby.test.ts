import assert from 'node:assert/strict'

import {detectApp} from '../../../src/detect/detect.js'
import {readGems, rubyInspector} from '../../../src/detect/inspectors/ruby.js'
import {memorySnapshot} from '../../../src/detect/snapshot.js'
import {loadPacks} from '../../../src/pack-model/registry.js'

const inspect = (files: Record<string, string>) => rubyInspector.inspect(memorySnapshot('/work/app', files))

const lockfile = (specs: string[], extra = '') =>
  `GEM\n  remote: https://rubygems.org/\n  specs:\n${specs.map(s => `    ${s}\n`).join('')}\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n${extra}\nBUNDLED WITH\n   2.5.6\n`

const rails: Record<string, string> = {
  Gemfile: 'source "https://rubygems.org"\nruby "3.2.2"\ngem "rails", "~> 7.1"\ngem "pg"\ngem "bootsnap", require: false\n',
  'Gemfile.lock': lockfile(['rails (7.1.3)', 'pg (1.5.4)', 'bootsnap (1.18.3)', 'psych (5.1.2)', 'nokogiri (1.16.2-x86_64-linux)'], 'RUBY VERSION\n   ruby 3.2.2p53\n'),
  'config/application.rb': 'require_relative "boot"\nmodule Shop\n  class Application < Rails::Application\n  end\nend\n',
  'config/routes.rb': 'Rails.application.routes.draw do\n  get "up" => "rails/health#show", as: :rails_health_check\nend\n',
  'config.ru': 'run Rails.application\n',
  'bin/rails': '#!/usr/bin/env ruby\n',
  'app/assets/stylesheets/app.css': 'body{}\n',
  'app/controllers/application_controller.rb': 'class ApplicationController < ActionController::Base\nend\n',
}

describe('ruby inspector', () => {
  it('reports nothing without a Gemfile, config.ru or a script at the root', () => {
    assert.deepEqual(inspect({'package.json': '{}', 'scripts/seed.rb': 'puts 1\n'}), {})
  })

  describe('gems', () => {
    it('leaves out the development and test groups, and adds what the lockfile resolved', () => {
      const gems = readGems(
        'Gemfile',
        'gem "sinatra"\ngroup :development, :test do\n  gem "rspec"\nend\ngroup :production do\n  gem "pg"\nend\ngem "pry", group: :development\nplatforms :jruby do\n  gem "jdbc"\nend\n',
        lockfile(['sinatra (4.0.0)', 'rack (3.0.9)', 'pg (1.5.4-x86_64-linux)']),
      )
      assert.deepEqual([...gems.keys()].sort(), ['jdbc', 'pg', 'rack', 'sinatra'])
      assert.deepEqual(gems.get('sinatra'), {file: 'Gemfile', line: 1, version: '4.0.0'})
      assert.deepEqual(gems.get('rack'), {file: 'Gemfile.lock', version: '3.0.9'})
      assert.equal(gems.get('pg')?.version, '1.5.4', 'the platform suffix is dropped')
    })

    it('says there is nothing to install for a Gemfile without gems', () => {
      const facts = inspect({Gemfile: 'source "https://rubygems.org"\n', 'Gemfile.lock': lockfile([]), 'server.rb': 'require "socket"\n'})
      assert.equal(facts.gems, undefined)
      assert.equal(facts.dependencies, undefined)
      assert.equal(facts.lockfile?.value, 'Gemfile.lock')
      assert.equal(facts.bundlerVersion?.value, '2.5.6')
      assert.equal(facts.startCommand?.value, 'ruby server.rb', 'no bundle exec when there is no bundle')
    })

    it('names the Debian packages that native gems need to build and to run (the pack\'s [[system-packages]])', async () => {
      const facts = inspect(rails)
      assert.deepEqual((facts.dependencies?.value as string[]).slice(0, 3), ['rails', 'pg', 'bootsnap'])
      assert.deepEqual(facts.dependencies?.evidence[1], {detail: 'gem pg', file: 'Gemfile', line: 4, key: 'pg'})
      const detection = await detectApp(memorySnapshot('/work/app', rails), loadPacks({draftHome: '/nonexistent'}), {pack: 'ruby'})
      assert.equal(detection.variables?.buildPackages?.value, 'build-essential libpq-dev libyaml-dev')
      assert.equal(detection.variables?.runtimePackages?.value, 'libpq5 libyaml-0-2')
      assert.deepEqual(detection.variables?.runtimePackages?.evidence[0], {detail: 'gem pg needs libpq-dev, libpq5', file: 'Gemfile', line: 4, key: 'pg'})
      assert.deepEqual(detection.variables?.runtimePackages?.evidence[1], {detail: 'gem psych needs libyaml-dev, libyaml-0-2', file: 'Gemfile.lock', key: 'psych'})
    })
  })

  describe('version', () => {
    it('prefers .ruby-version, then .tool-versions, the Gemfile ruby line, the lockfile', () => {
      assert.deepEqual(inspect({...rails, '.ruby-version': 'ruby-3.3.0\n', '.tool-versions': 'ruby 3.1.4\n'}).version, {
        value: '3.3.0',
        evidence: [{detail: '.ruby-version says ruby-3.3.0', file: '.ruby-version', line: 1}],
      })
      assert.equal(inspect({...rails, '.tool-versions': 'nodejs 20.1.0\nruby 3.1.4\n'}).version?.evidence[0]?.line, 2)
      assert.deepEqual(inspect(rails).version, {value: '3.2.2', evidence: [{detail: 'Gemfile requires ruby "3.2.2"', file: 'Gemfile', line: 2}]})
      const noDirective = {...rails, Gemfile: 'gem "rails"\n'}
      assert.deepEqual(inspect(noDirective).version?.evidence, [{detail: 'Gemfile.lock was locked with ruby 3.2.2', file: 'Gemfile.lock', line: 14}])
    })
  })

  describe('Rails', () => {
    it('runs rails server bound to all interfaces, in production, with the /up health check', () => {
      const facts = inspect(rails)
      assert.equal(facts.framework?.value, 'rails')
      assert.equal(facts.startCommand?.value, 'bin/rails server -b 0.0.0.0')
      assert.equal(facts.port?.value, 3000)
      assert.deepEqual(facts.env?.value, {PORT: '{{port}}', RAILS_ENV: 'production', RAILS_LOG_TO_STDOUT: '1', RAILS_SERVE_STATIC_FILES: '1'})
      assert.deepEqual(facts.healthPath, {value: '/up', evidence: [{detail: 'route "up" in config/routes.rb', file: 'config/routes.rb', line: 2}]})
      assert.equal(facts.railsVersion?.value, '7.1.3')
      assert.equal(facts.precompileAssets?.value, true)
      assert.equal(facts.bootsnap?.value, true)
    })

    it('uses bundle exec without a binstub, and the port of config/puma.rb', () => {
      const {'bin/rails': _b, ...rest} = rails
      const facts = inspect({...rest, 'config/puma.rb': 'threads 5, 5\nport ENV.fetch("PORT") { 3100 }\n'})
      assert.equal(facts.startCommand?.value, 'bundle exec rails server -b 0.0.0.0')
      assert.deepEqual(facts.port, {value: 3100, evidence: [{detail: 'config/puma.rb listens on 3100', file: 'config/puma.rb', line: 2}]})
    })

    it('is found from the rails gem alone', () => {
      const facts = inspect({Gemfile: 'gem "rails"\n', 'app.rb': ''})
      assert.equal(facts.framework?.value, 'rails')
    })
  })

  describe('Sinatra, Rack and scripts', () => {
    it('runs a classic Sinatra app with the bundle, in production so it binds 0.0.0.0', () => {
      const facts = inspect({Gemfile: 'gem "sinatra"\n', 'app.rb': 'require "sinatra"\nget "/healthz" do\n  "ok"\nend\n'})
      assert.equal(facts.framework?.value, 'sinatra')
      assert.equal(facts.startCommand?.value, 'bundle exec ruby app.rb')
      assert.equal(facts.port?.value, 4567)
      assert.deepEqual(facts.env?.value, {PORT: '{{port}}', APP_ENV: 'production', RACK_ENV: 'production'})
      assert.equal(facts.healthPath?.value, '/healthz')
    })

    it('serves config.ru with puma or rackup on $PORT', () => {
      const puma = inspect({Gemfile: 'gem "sinatra"\ngem "puma"\n', 'config.ru': 'require "./app"\nrun App\n', 'app.rb': 'require "sinatra/base"\n'})
      assert.equal(puma.startCommand?.value, 'bundle exec puma -b tcp://0.0.0.0:$PORT')
      const rackup = inspect({Gemfile: 'gem "rack"\ngem "rackup"\ngem "webrick"\n', 'config.ru': 'run ->(env) { [200, {}, ["ok"]] }\n'})
      assert.equal(rackup.framework?.value, 'rack')
      assert.equal(rackup.startCommand?.value, 'bundle exec rackup -o 0.0.0.0 -p $PORT')
      assert.equal(rackup.port?.value, 9292)
      assert.deepEqual(rackup.env?.value, {PORT: '{{port}}', APP_ENV: 'production', RACK_ENV: 'production'})
    })

    it('takes the Procfile web command and its port first', () => {
      const facts = inspect({...rails, Procfile: 'web: bundle exec puma -p 5000 -C config/puma.rb\n'})
      assert.equal(facts.startCommand?.value, 'bundle exec puma -p 5000 -C config/puma.rb')
      assert.equal(facts.port?.value, 5000)
    })

    it('reads the port of a socket server and warns when it binds localhost', () => {
      const facts = inspect({'server.rb': 'require "socket"\nserver = TCPServer.new("127.0.0.1", 9000)\n'})
      assert.equal(facts.port?.value, 9000)
      assert.deepEqual(facts.bindsLocalhost?.evidence, [{detail: 'binds to localhost only: the container will not answer; bind to 0.0.0.0', file: 'server.rb', line: 2}])
      const fromEnv = inspect({'main.rb': 'port = ENV["PORT"] || 4000\nhost = ENV.fetch("HOST", "localhost")\n'})
      assert.equal(fromEnv.port?.value, 4000)
      assert.deepEqual(fromEnv.env?.value, {PORT: '{{port}}', HOST: '0.0.0.0'})
    })

    it('warns about a Sinatra app that sets its bind to localhost', () => {
      const facts = inspect({Gemfile: 'gem "sinatra"\n', 'app.rb': 'require "sinatra"\nset :bind, "localhost"\n'})
      assert.equal(facts.bindsLocalhost?.value, true)
    })
  })

  describe('Rails at run time', () => {
    it('the production SQLite folder and Active Storage on disk are writable; db:prepare is the release phase', () => {
      const facts = inspect({
        ...rails,
        'bin/rails': '#!/usr/bin/env ruby\n',
        'config/database.yml': 'default: &default\n  adapter: sqlite3\n  pool: 5\n\ndevelopment:\n  <<: *default\n  database: storage/development.sqlite3\n\nproduction:\n  <<: *default\n  database: storage/production.sqlite3\n',
        'config/storage.yml': 'local:\n  service: Disk\n  root: <%= Rails.root.join("storage") %>\n\nuploads:\n  service: Disk\n  root: <%= Rails.root.join("uploads") %>\n',
        'config/environments/production.rb': 'Rails.application.configure do\n  config.active_storage.service = :uploads\nend\n',
      })
      assert.deepEqual(facts.writablePaths?.value, ['storage', 'uploads'])
      assert.equal(facts.writablePaths?.evidence[0]?.line, 11)
      assert.equal(facts.releaseCommand?.value, './bin/rails db:prepare')
    })

    it('PostgreSQL in production needs no folder', () => {
      const facts = inspect({...rails, 'bin/rails': '', 'config/database.yml': 'default: &default\n  adapter: sqlite3\nproduction:\n  adapter: postgresql\n  url: <%= ENV["DATABASE_URL"] %>\n'})
      assert.equal(facts.writablePaths, undefined)
      assert.equal(facts.releaseCommand?.value, './bin/rails db:prepare')
    })
  })
})
