import assert from 'node:assert/strict'

import {bindValue, classifySetting, parseEnvFile, settingsInspector} from '../../../src/detect/inspectors/settings.js'
import {procfileInspector} from '../../../src/detect/inspectors/procfile.js'
import {memorySnapshot} from '../../../src/detect/snapshot.js'

const inspect = (files: Record<string, string>) => settingsInspector.inspect(memorySnapshot('/work/app', files))
const keyed = (facts: ReturnType<typeof inspect>, fact: string, key: string) => facts[fact]?.evidence.find(e => e.key === key)

describe('settings inspector', () => {
  it('reports nothing for an app that declares no settings', () => {
    assert.deepEqual(inspect({'main.go': 'package main\nfunc main() {}\n', '.env': 'SECRET=real\n'}), {})
  })

  describe('classification', () => {
    it('tells bind hosts from the hosts of other services', () => {
      assert.equal(classifySetting('HOST', 'localhost'), 'bind')
      assert.equal(classifySetting('API_HOST', '127.0.0.1'), 'bind')
      assert.equal(classifySetting('BIND_ADDRESS', '127.0.0.1:4000'), 'bind')
      assert.equal(classifySetting('LISTEN_ADDR', ':8080'), 'bind')
      assert.equal(classifySetting('DB_HOST', 'localhost'), 'plain')
      assert.equal(classifySetting('REDIS_HOST', '127.0.0.1'), 'plain')
      assert.equal(classifySetting('API_HOST', 'api.example.com'), 'plain')
      assert.equal(classifySetting('EMAIL_ADDRESS', 'me@example.com'), 'plain')
      assert.equal(classifySetting('HOSTNAME', ''), 'plain')
    })

    it('wires the app\'s own port, not a database\'s', () => {
      assert.equal(classifySetting('PORT', '3000'), 'port')
      assert.equal(classifySetting('API_PORT', '4000'), 'port')
      assert.equal(classifySetting('DB_PORT', '5432'), 'plain')
      assert.equal(classifySetting('METRICS_PORT', '9090'), 'plain')
      assert.equal(classifySetting('PORT', 'auto'), 'plain')
    })

    it('recognises secrets by name, but not the settings about them', () => {
      for (const name of ['SESSION_SECRET', 'DB_PASSWORD', 'GITHUB_TOKEN', 'STRIPE_API_KEY', 'APP_KEY', 'SECRET_KEY_BASE', 'JWT_SECRET', 'SENTRY_DSN']) assert.equal(classifySetting(name, 'x'), 'secret', name)
      for (const name of ['JWT_EXPIRES_IN', 'PASSWORD_MIN_LENGTH', 'STRIPE_PUBLISHABLE_KEY', 'AWS_ACCESS_KEY_ID', 'TOKEN_TTL']) assert.equal(classifySetting(name, 'x'), 'plain', name)
      assert.equal(classifySetting('SIGNUP_CODE', 'x', true), 'secret')
    })

    it('binds every interface, on the container port when the value has a port', () => {
      assert.equal(bindValue('HOST', 'localhost'), '0.0.0.0')
      assert.equal(bindValue('BIND_ADDRESS', '127.0.0.1:4000'), '0.0.0.0:{{port}}')
      assert.equal(bindValue('LISTEN_ADDR', ''), '0.0.0.0:{{port}}')
    })
  })

  it('parses sample files: comments, export, quotes, inline comments, empty values', () => {
    assert.deepEqual(parseEnvFile('# comment\nexport A=1\nB="two words" # why\nC=\'x#y\'\nD=plain # note\nE=\n'), [
      {name: 'A', value: '1', line: 2},
      {name: 'B', value: 'two words', line: 3},
      {name: 'C', value: 'x#y', line: 4},
      {name: 'D', value: 'plain', line: 5},
      {name: 'E', value: '', line: 6},
    ])
  })

  it('turns .env.example into listen settings, plain settings and secrets, each with its line', () => {
    const facts = inspect({'.env.example': 'API_PORT=4000\nBIND_ADDRESS=127.0.0.1\nGREETING=hello\nDB_HOST=localhost\nSESSION_SECRET=changeme\n'})
    assert.deepEqual(facts.listenEnv?.value, {API_PORT: '{{port}}', BIND_ADDRESS: '0.0.0.0'})
    assert.deepEqual(facts.env?.value, {GREETING: 'hello', DB_HOST: 'localhost'})
    assert.deepEqual(facts.secrets?.value, {SESSION_SECRET: ''})
    assert.deepEqual(facts.declared?.value, ['API_PORT', 'BIND_ADDRESS', 'GREETING', 'DB_HOST', 'SESSION_SECRET'])
    assert.deepEqual(keyed(facts, 'secrets', 'SESSION_SECRET'), {
      detail: 'sample value in .env.example; looks like a secret: kept in a Secret with a generated development value',
      file: '.env.example',
      line: 5,
      key: 'SESSION_SECRET',
    })
    assert.equal(keyed(facts, 'listenEnv', 'API_PORT')?.line, 1)
  })

  it('reads .env.sample and .env.dist too, the first value winning', () => {
    const facts = inspect({'.env.sample': 'A=1\n', '.env.dist': 'A=2\nB=3\n'})
    assert.deepEqual(facts.env?.value, {A: '1', B: '3'})
  })

  it('reads Heroku app.json env: values, required ones and generated secrets', () => {
    const facts = inspect({
      'app.json': JSON.stringify({env: {WEB_CONCURRENCY: {value: '2'}, LANG: 'en', SIGNUP_CODE: {generator: 'secret'}, OPTIONAL: {required: false}, ADMIN_EMAIL: {description: 'who', required: true}}}, null, 2),
    })
    assert.deepEqual(facts.env?.value, {WEB_CONCURRENCY: '2', LANG: 'en', ADMIN_EMAIL: ''})
    assert.deepEqual(facts.secrets?.value, {SIGNUP_CODE: ''})
    assert.match(keyed(facts, 'env', 'ADMIN_EMAIL')!.detail, /no sample value/)
    assert.equal(keyed(facts, 'env', 'LANG')?.file, 'app.json')
  })

  describe('config schemas', () => {
    it('env-schema: required names and listen settings, not optional ones with defaults', () => {
      const facts = inspect({
        'src/config.js': "import envSchema from 'env-schema'\nconst schema = {\n  type: 'object',\n  required: ['DATABASE_URL', 'PORT'],\n  properties: {\n    PORT: { type: 'number', default: 3000 },\n    LOG_LEVEL: { type: 'string', default: 'info' },\n    DATABASE_URL: { type: 'string' }\n  }\n}\nexport default envSchema({ schema })\n",
      })
      assert.deepEqual(facts.listenEnv?.value, {PORT: '{{port}}'})
      assert.deepEqual(facts.env?.value, {DATABASE_URL: ''})
      assert.equal(keyed(facts, 'env', 'DATABASE_URL')?.line, 8)
    })

    it('convict: env names without a default, sensitive ones as secrets, and the bind address', () => {
      const facts = inspect({
        'config.js': "const convict = require('convict')\nmodule.exports = convict({\n  ip: { doc: 'bind', format: 'ipaddress', default: '127.0.0.1', env: 'IP_ADDRESS' },\n  port: { doc: 'port', format: 'port', default: 8080, env: 'PORT' },\n  db: { doc: 'url', format: String, default: null, env: 'DATABASE_URL' },\n  key: { doc: 'key', format: String, default: 'dev', env: 'SIGNING_KEY', sensitive: true },\n  level: { doc: 'level', format: String, default: 'info', env: 'LOG_LEVEL' }\n})\n",
      })
      assert.deepEqual(facts.listenEnv?.value, {IP_ADDRESS: '0.0.0.0', PORT: '{{port}}'})
      assert.deepEqual(facts.env?.value, {DATABASE_URL: ''})
      assert.deepEqual(facts.secrets?.value, {SIGNING_KEY: ''})
    })

    it('envalid: validators without a default are required', () => {
      const facts = inspect({'env.ts': "import { cleanEnv, str, port } from 'envalid'\nexport const env = cleanEnv(process.env, {\n  PORT: port({ default: 3000 }),\n  API_TOKEN: str(),\n  REGION: str({ default: 'eu' }),\n  UPSTREAM_URL: str(),\n})\n"})
      assert.deepEqual(facts.listenEnv?.value, {PORT: '{{port}}'})
      assert.deepEqual(facts.secrets?.value, {API_TOKEN: ''})
      assert.deepEqual(facts.env?.value, {UPSTREAM_URL: ''})
    })

    it('pydantic settings: fields without a default, with env_prefix, aliases and SecretStr', () => {
      const facts = inspect({
        'app/settings.py': 'from pydantic import Field, SecretStr\nfrom pydantic_settings import BaseSettings, SettingsConfigDict\n\n\nclass Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix="APP_")\n    host: str = "127.0.0.1"\n    port: int = 8000\n    database_url: str\n    api_key: SecretStr\n    debug: bool = False\n    region: str = Field("eu")\n    broker: str = Field(..., alias="BROKER_URL")\n    sentry: str | None = None\n',
      })
      assert.deepEqual(facts.listenEnv?.value, {APP_HOST: '0.0.0.0', APP_PORT: '{{port}}'})
      assert.deepEqual(facts.env?.value, {APP_DATABASE_URL: '', BROKER_URL: ''})
      assert.deepEqual(facts.secrets?.value, {APP_API_KEY: ''})
      assert.equal(keyed(facts, 'env', 'APP_DATABASE_URL')?.line, 9)
    })
  })

  describe('must-be-set checks', () => {
    it('Go: a read followed by an emptiness test that stops the program', () => {
      const facts = inspect({
        'go.mod': 'module x\n',
        'main.go': 'package main\n\nfunc main() {\n\turl := os.Getenv("DATABASE_URL")\n\tif url == "" {\n\t\tlog.Fatal("no database")\n\t}\n\tport := os.Getenv("PORT")\n\tif port == "" { port = "8080" }\n\tlog.Fatal(http.ListenAndServe(":"+port, nil))\n}\n',
      })
      assert.deepEqual(facts.env?.value, {DATABASE_URL: ''})
      assert.equal(facts.listenEnv, undefined, 'PORT has a default, so it is not required')
      assert.equal(keyed(facts, 'env', 'DATABASE_URL')?.line, 4)
    })

    it('a message naming the variable as required', () => {
      const facts = inspect({'server.js': "const secret = process.env.SESSION_SECRET\nif (!secret) throw new Error('SESSION_SECRET must be set')\n"})
      assert.deepEqual(facts.secrets?.value, {SESSION_SECRET: ''})
      assert.match(keyed(facts, 'secrets', 'SESSION_SECRET')!.detail, /must be set/)
    })

    it('reads that fail by themselves: os.environ[...], ENV.fetch, env::var(...).expect', () => {
      const facts = inspect({
        'settings.py': 'import os\nSECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\nos.environ["SET_HERE"] = "1"\nDEBUG = os.environ.get("DEBUG", "0")\n',
        'config/app.rb': 'Api.url = ENV.fetch("UPSTREAM_URL")\nApi.level = ENV.fetch("LOG_LEVEL", "info")\n',
        'src/main.rs': 'let db = std::env::var("DATABASE_URL").expect("DATABASE_URL");\nlet p = env::var("PORT").unwrap_or("3000".into());\n',
      })
      assert.deepEqual(facts.secrets?.value, {DJANGO_SECRET_KEY: ''})
      assert.deepEqual(facts.env?.value, {UPSTREAM_URL: '', DATABASE_URL: ''})
    })

    it('a sample value wins over a must-be-set check of the same name', () => {
      const facts = inspect({'.env.example': 'DATABASE_URL=postgres://localhost/app\n', 'main.py': 'import os\nURL = os.environ["DATABASE_URL"]\n'})
      assert.deepEqual(facts.env?.value, {DATABASE_URL: 'postgres://localhost/app'})
      assert.equal(keyed(facts, 'env', 'DATABASE_URL')?.file, '.env.example')
    })
  })
})

describe('procfile inspector', () => {
  it('reports the web and release processes with their lines', () => {
    const facts = procfileInspector.inspect(memorySnapshot('/a', {Procfile: 'web: gunicorn app:app\nrelease: python manage.py migrate --noinput\n'}))
    assert.equal(facts.web?.value, 'gunicorn app:app')
    assert.equal(facts.release?.value, 'python manage.py migrate --noinput')
    assert.equal(facts.release?.evidence[0]?.line, 2)
    assert.deepEqual(procfileInspector.inspect(memorySnapshot('/a', {'app.py': ''})), {})
  })
})
