import {type Evidence, type FactSet, type Inspector, lineOf, parseJson, sourceFiles} from '../facts.js'
import type {Snapshot} from '../snapshot.js'

/**
 * Settings an app needs that are declared outside its code, in any language: sample environment
 * files, Heroku's app.json, config schemas (env-schema, convict, envalid, pydantic settings) and
 * "must be set" checks. Each is classified: a bind host (set to listen on every interface), a port
 * (wired to the container port), a secret (kept in a Secret with a generated development value), or a
 * plain setting (its sample value, or empty). Facts:
 *
 * - `settings.listenEnv`: bind hosts and ports, which every environment needs (the image's too);
 * - `settings.env`: the other settings with their sample values, for the chart only;
 * - `settings.secrets`: secret-looking names, each with an empty value (the chart generates one);
 * - `settings.declared`: every name found, in order.
 *
 * Every entry has its own evidence, keyed by name.
 */

export type SettingKind = 'bind' | 'port' | 'secret' | 'plain'

export interface Setting {
  name: string
  /** The sample or default value; undefined when the source gives none (a required setting). */
  value?: string
  /** The source says it is sensitive (app.json `generator: secret`, convict `sensitive`, SecretStr). */
  sensitive?: boolean
  evidence: Evidence
}

/** Sample environment files, most common first. `.env` itself holds real values and is never read. */
export const SAMPLE_FILES = ['.env.example', '.env.sample', '.env.dist', '.env.template', 'env.example', 'example.env', 'sample.env']

const SETTING_NAME = /^[A-Z][A-Z0-9_]*$/

/** Names of other services' endpoints: DB_HOST=localhost is where the database is, not where to listen. */
const SERVICE_WORDS =
  /(^|_)(DB|DATABASE|PG|POSTGRES|POSTGRESQL|MYSQL|MARIADB|MSSQL|SQL|MONGO|MONGODB|REDIS|MEMCACHE|MEMCACHED|SMTP|MAIL|EMAIL|IMAP|POP3|AMQP|RABBIT|RABBITMQ|KAFKA|NATS|ELASTIC|ELASTICSEARCH|OPENSEARCH|ES|S3|MINIO|LDAP|SENTRY|STATSD|OTEL|OTLP|JAEGER|ZIPKIN|CACHE|QUEUE|BROKER|PROXY|UPSTREAM|BACKEND|OAUTH|KEYCLOAK|CLICKHOUSE|INFLUX|CASSANDRA|NEO4J|ETCD|CONSUL|VAULT|MQTT|GRPC|METRICS|ADMIN|DEBUG|DEBUGGER|INSPECT|PROMETHEUS|FRONTEND|CLIENT|REMOTE|EXTERNAL|TARGET|SFTP|FTP|SSH|DOCKER|KUBE|KUBERNETES|VITE|WEBPACK|DEV_SERVER|HMR|LIVERELOAD|STORYBOOK|CDN|ASSET|ASSETS)(_|$)/

const LOCAL_VALUE = /^(?:localhost|127\.0\.0\.1|0\.0\.0\.0|::1?|\[::1?\]|\*)?(?::\d{1,5})?$/

const SECRET_WORDS = /(SECRET|PASSWORD|PASSWD|PASSPHRASE|(^|_)PASS$|(^|_)PWD$|TOKEN|PRIVATE|API_?KEY|ACCESS_KEY|(^|_)KEY$|KEY_BASE|MASTER_KEY|SALT|CREDENTIAL|SIGNING|ENCRYPT|CIPHER|(^|_)JWT($|_)|(^|_)DSN$|(^|_)HMAC)/
/** Settings about a secret rather than the secret itself (JWT_EXPIRES_IN, PASSWORD_MIN_LENGTH). */
const NOT_SECRET = /(PUBLIC|PUBLISHABLE|_ID$|EXPIR|_TTL$|LENGTH|_LEN$|ALGORITHM|_ALG$|ISSUER|AUDIENCE|HEADER|_NAME$|_PATH$|_FILE$|_DIR$|ROUNDS|_COST$|_URL$|_URI$|_ENABLED$|_PREFIX$|_TYPE$|_VERSION$)/

/** What draft does with a setting, from its name and sample value. */
export function classifySetting(name: string, value: string | undefined, sensitive = false): SettingKind {
  const service = SERVICE_WORDS.test(name)
  const local = LOCAL_VALUE.test((value ?? '').trim())
  if (!service && local && /^(?:[A-Z0-9]+_)*(?:HOST|BIND|BIND_ADDRESS|BIND_ADDR|LISTEN|LISTEN_ADDRESS|LISTEN_ADDR|ADDR|ADDRESS)$/.test(name) && name !== 'HOSTNAME') {
    return 'bind'
  }
  if (!service && /^(?:[A-Z0-9]+_)*PORT$/.test(name) && (value === undefined || /^\s*\d{0,5}\s*$/.test(value))) return 'port'
  if (sensitive || (SECRET_WORDS.test(name) && !NOT_SECRET.test(name))) return 'secret'
  return 'plain'
}

/** The value that makes a bind setting listen on every interface, on the container port when it has a port. */
export function bindValue(name: string, value: string | undefined): string {
  const withPort = /:\d{1,5}$/.test(value ?? '') || (/(ADDR|ADDRESS|LISTEN)$/.test(name) && !/HOST$/.test(name) && !value)
  return withPort ? '0.0.0.0:{{port}}' : '0.0.0.0'
}

export const settingsInspector: Inspector = {
  name: 'settings',
  inspect(snapshot) {
    const found = new Map<string, Setting>()
    const add = (setting: Setting): void => {
      if (!SETTING_NAME.test(setting.name)) return
      const known = found.get(setting.name)
      // The first source that gives a value wins; a later one may only fill in a missing value.
      if (!known) found.set(setting.name, setting)
      else if (known.value === undefined && setting.value !== undefined) found.set(setting.name, {...setting, sensitive: known.sensitive || setting.sensitive})
      else if (setting.sensitive) known.sensitive = true
    }
    for (const s of sampleFiles(snapshot)) add(s)
    for (const s of herokuAppJson(snapshot)) add(s)
    const sources = sourceFiles(snapshot, ['.js', '.mjs', '.cjs', '.ts', '.mts', '.py', '.go', '.rb', '.php', '.rs', '.java', '.kt'], 300)
    for (const s of configSchemas(snapshot, sources)) add(s)
    for (const s of mustBeSet(snapshot, sources)) add(s)
    if (found.size === 0) return {}
    return settingFacts([...found.values()])
  },
}

/** The facts of a list of settings (exported for tests). */
export function settingFacts(settings: readonly Setting[]): FactSet {
  const listen: Record<string, string> = {}
  const env: Record<string, string> = {}
  const secrets: Record<string, string> = {}
  const listenEvidence: Evidence[] = []
  const envEvidence: Evidence[] = []
  const secretEvidence: Evidence[] = []
  for (const s of settings) {
    const kind = classifySetting(s.name, s.value, s.sensitive)
    const where = {...(s.evidence.file ? {file: s.evidence.file} : {}), ...(s.evidence.line ? {line: s.evidence.line} : {}), key: s.name}
    if (kind === 'bind') {
      listen[s.name] = bindValue(s.name, s.value)
      listenEvidence.push({...where, detail: `${s.evidence.detail}; a bind address, so it listens on every interface of the pod`})
    } else if (kind === 'port') {
      listen[s.name] = '{{port}}'
      listenEvidence.push({...where, detail: `${s.evidence.detail}; the port the app listens on, wired to the container port`})
    } else if (kind === 'secret') {
      secrets[s.name] = ''
      secretEvidence.push({...where, detail: `${s.evidence.detail}; looks like a secret: kept in a Secret with a generated development value`})
    } else {
      env[s.name] = s.value ?? ''
      envEvidence.push({...where, detail: s.value === undefined ? `${s.evidence.detail}; no sample value` : s.evidence.detail})
    }
  }
  const facts: FactSet = {declared: {value: settings.map(s => s.name), evidence: settings.map(s => ({...s.evidence, key: s.name}))}}
  if (listenEvidence.length) facts.listenEnv = {value: listen, evidence: listenEvidence}
  if (envEvidence.length) facts.env = {value: env, evidence: envEvidence}
  if (secretEvidence.length) facts.secrets = {value: secrets, evidence: secretEvidence}
  return facts
}

/** `KEY=value` lines of the sample environment files (comments, `export`, quotes understood). */
export function parseEnvFile(text: string): {name: string; value: string; line: number}[] {
  const out: {name: string; value: string; line: number}[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(raw)
    if (!match) return
    let value = match[2]!.trim()
    const quoted = /^(["'`])(.*)\1(?:\s+#.*)?$/.exec(value)
    if (quoted) value = quoted[2]!
    else value = value.replace(/\s+#.*$/, '').trim()
    out.push({name: match[1]!, value, line: i + 1})
  })
  return out
}

function sampleFiles(snapshot: Snapshot): Setting[] {
  const out: Setting[] = []
  for (const file of SAMPLE_FILES) {
    const text = snapshot.read(file)
    if (text === undefined) continue
    for (const {name, value, line} of parseEnvFile(text)) out.push({name, value, evidence: {detail: `sample value in ${file}`, file, line}})
  }
  return out
}

/** Heroku's app.json: `env` maps a name to a value, or to {value, required, generator}. */
function herokuAppJson(snapshot: Snapshot): Setting[] {
  const text = snapshot.read('app.json')
  const env = parseJson(text)?.env
  if (!text || !env || typeof env !== 'object' || Array.isArray(env)) return []
  const out: Setting[] = []
  for (const [name, spec] of Object.entries(env as Record<string, unknown>)) {
    const line = lineOf(text, `"${name}"`)
    if (typeof spec === 'string' || typeof spec === 'number' || typeof spec === 'boolean') {
      out.push({name, value: String(spec), evidence: {detail: 'app.json env', file: 'app.json', line}})
      continue
    }
    if (!spec || typeof spec !== 'object') continue
    const s = spec as {value?: unknown; required?: unknown; generator?: unknown}
    if (s.required === false && s.value === undefined) continue
    const generated = s.generator === 'secret'
    out.push({
      name,
      ...(s.value === undefined || generated ? {} : {value: String(s.value)}),
      sensitive: generated,
      evidence: {detail: generated ? 'app.json env (generator: secret)' : s.value === undefined ? 'app.json env (required)' : 'app.json env', file: 'app.json', line},
    })
  }
  return out
}

const literalValue = (raw: string | undefined): string | undefined => {
  if (raw === undefined) return undefined
  const text = raw.trim().replace(/,$/, '').trim()
  const quoted = /^(["'`])(.*)\1$/.exec(text)
  if (quoted) return quoted[2]
  if (/^-?\d+(\.\d+)?$/.test(text) || text === 'true' || text === 'false') return text
  return undefined
}

/**
 * Config schemas: env-schema and @fastify/env (JSON schema: `required` and `properties`), convict
 * (`env: 'NAME'` with a default or `sensitive`), envalid (`NAME: str()` without a default) and
 * pydantic's BaseSettings (fields without a default are required). Settings with a default need
 * nothing, unless they are where the app listens.
 */
function configSchemas(snapshot: Snapshot, sources: readonly string[]): Setting[] {
  const out: Setting[] = []
  for (const file of sources) {
    const text = snapshot.read(file)
    if (!text) continue
    const at = (index: number): number => text.slice(0, index).split('\n').length
    if (/['"](?:env-schema|@fastify\/env)['"]/.test(text)) {
      const required = new Set([...text.matchAll(/\brequired\s*:\s*\[([^\]]*)\]/g)].flatMap(m => [...m[1]!.matchAll(/['"]([A-Z][A-Z0-9_]*)['"]/g)].map(x => x[1]!)))
      for (const m of text.matchAll(/\b([A-Z][A-Z0-9_]*)\s*:\s*\{([^{}]*)\}/g)) {
        const name = m[1]!
        const fallback = literalValue(/\bdefault\s*:\s*([^,\n}]+)/.exec(m[2]!)?.[1])
        if (!required.has(name) && !listens(name)) continue
        out.push({name, ...(fallback === undefined ? {} : {value: fallback}), evidence: {detail: `env-schema ${required.has(name) ? 'requires' : 'declares'} ${name}`, file, line: at(m.index!)}})
        required.delete(name)
      }
      for (const name of required) out.push({name, evidence: {detail: `env-schema requires ${name}`, file, line: lineOf(text, `'${name}'`) ?? lineOf(text, `"${name}"`)}})
    }
    if (/\bconvict\s*\(/.test(text)) {
      for (const m of text.matchAll(/\{([^{}]*\benv\s*:\s*['"]([A-Z][A-Z0-9_]*)['"][^{}]*)\}/g)) {
        const body = m[1]!
        const name = m[2]!
        const raw = /\bdefault\s*:\s*([^,\n}]+)/.exec(body)?.[1]
        const fallback = literalValue(raw)
        const sensitive = /\bsensitive\s*:\s*true/.test(body)
        const required = raw === undefined || /^\s*(null|undefined|''|"")\s*,?\s*$/.test(raw)
        if (!required && !sensitive && !listens(name)) continue
        out.push({name, ...(fallback === undefined || required ? {} : {value: fallback}), sensitive, evidence: {detail: `convict schema reads ${name}${required ? ' and has no default' : ''}`, file, line: at(m.index!) + body.slice(0, body.indexOf('env')).split('\n').length - 1}})
      }
    }
    if (/['"]envalid['"]/.test(text)) {
      for (const m of text.matchAll(/\b([A-Z][A-Z0-9_]*)\s*:\s*(str|num|bool|port|url|host|email|json)\(\s*(\{[^}]*\})?\s*\)/g)) {
        const name = m[1]!
        const options = m[3] ?? ''
        const fallback = literalValue(/\b(?:default|devDefault)\s*:\s*([^,\n}]+)/.exec(options)?.[1])
        const required = !/\b(?:default|devDefault)\s*:/.test(options)
        if (!required && !listens(name)) continue
        out.push({name, ...(fallback === undefined ? {} : {value: fallback}), evidence: {detail: `envalid ${m[2]}() ${required ? 'without a default: required' : 'declares it'}`, file, line: at(m.index!)}})
      }
    }
    if (file.endsWith('.py') && /\bBaseSettings\b/.test(text)) out.push(...pydanticSettings(file, text))
  }
  return out
}

const listens = (name: string): boolean => {
  const kind = classifySetting(name, undefined)
  return kind === 'bind' || kind === 'port'
}

/** Fields of `class X(BaseSettings)`: required when they have no default; names upper-cased with env_prefix. */
function pydanticSettings(file: string, text: string): Setting[] {
  const out: Setting[] = []
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    if (!/^class\s+\w+\s*\([^)]*\bBaseSettings\b[^)]*\)\s*:/.test(lines[i]!)) continue
    const body: {text: string; line: number}[] = []
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j]!
      if (line.trim() && !/^\s/.test(line)) break
      body.push({text: line, line: j + 1})
    }
    const joined = body.map(b => b.text).join('\n')
    const prefix = (/env_prefix\s*=\s*['"](\w*)['"]/.exec(joined)?.[1] ?? '').toUpperCase()
    for (const {text: line, line: number} of body) {
      const field = /^ {4}([a-z_][a-z0-9_]*)\s*:\s*([^=#]+?)\s*(?:=\s*(.+?))?\s*(?:#.*)?$/.exec(line)
      if (!field || field[1] === 'model_config') continue
      const [, attr, type, assigned] = field as unknown as [string, string, string, string | undefined]
      const fieldCall = assigned ? /^Field\((.*)\)$/.exec(assigned) : null
      const alias = fieldCall ? /(?:validation_)?alias\s*=\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]/.exec(fieldCall[1]!)?.[1] : undefined
      const name = alias ? alias.toUpperCase() : `${prefix}${attr.toUpperCase()}`
      const fallbackRaw = fieldCall ? /(?:^|,\s*)(?:default\s*=\s*)?([^,=]+?)\s*(?:,|$)/.exec(fieldCall[1]!)?.[1] : assigned
      const required = assigned === undefined || (fieldCall !== null && /^\s*(\.\.\.|)\s*(,|$)/.test(fieldCall[1]!) && !/default\s*=/.test(fieldCall[1]!))
      const fallback = required ? undefined : literalValue(fallbackRaw)
      const sensitive = /\bSecret(Str|Bytes)\b/.test(type)
      if (!required && !listens(name)) continue
      if (!required && /None/.test(fallbackRaw ?? '')) continue
      out.push({name, ...(fallback === undefined ? {} : {value: fallback}), sensitive, evidence: {detail: `pydantic settings field ${attr}${required ? ' has no default: required' : ''}`, file, line: number}})
    }
  }
  return out
}

/** Reads of an environment variable, per language, with the variable name in group 1. */
const ENV_READS = [
  /\bos\.(?:Getenv|LookupEnv)\(\s*"([A-Z][A-Z0-9_]*)"/g,
  /\b(?:os\.)?environ(?:\.get)?[[(]\s*["']([A-Z][A-Z0-9_]*)["']/g,
  /\bos\.getenv\(\s*["']([A-Z][A-Z0-9_]*)["']/g,
  /\bprocess\.env(?:\.([A-Z][A-Z0-9_]*)|\[\s*["'`]([A-Z][A-Z0-9_]*)["'`]\s*\])/g,
  /\bENV(?:\.fetch\(|\[)\s*["']([A-Z][A-Z0-9_]*)["']/g,
  /\b(?:getenv|env)\(\s*["']([A-Z][A-Z0-9_]*)["']/g,
  /\$_(?:ENV|SERVER)\[\s*["']([A-Z][A-Z0-9_]*)["']/g,
  /\benv::var(?:_os)?\(\s*"([A-Z][A-Z0-9_]*)"/g,
  /\bSystem\.getenv\(\s*"([A-Z][A-Z0-9_]*)"/g,
]

/** Reads that fail when the variable is missing, by themselves. */
const STRICT_READS = [
  // Python: os.environ["X"] raises KeyError.
  /\b(?:os\.)?environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\](?!\s*=[^=])/g,
  // Ruby: ENV.fetch("X") without a default or a block raises KeyError.
  /\bENV\.fetch\(\s*["']([A-Z][A-Z0-9_]*)["']\s*\)(?!\s*\{)/g,
  // Rust: env::var("X").expect(...) / .unwrap() panics.
  /\benv::var\(\s*"([A-Z][A-Z0-9_]*)"\s*\)\s*\.\s*(?:expect|unwrap)\(/g,
]

const FATAL = /\b(?:throw|panic!?|log\.Fatal\w*|Fatal\w*\(|os\.Exit|process\.exit|sys\.exit|raise|abort|die\(|exit\(|exit\s+1|SystemExit|IllegalStateException|RuntimeException)/
const REQUIRED_PHRASE = /\b(?:must be (?:set|defined|provided|specified|configured)|is (?:required|not set|not defined|missing|undefined|empty)|(?:not|isn't) set|required|missing)\b/i

/**
 * A read (on 1-based `line`) followed within a few lines by a test that it is empty, whose branch stops
 * the program, and does not give it a default instead.
 */
function guardedRead(lines: readonly string[], line: number, name: string): boolean {
  const assigned = /(?:^|[\s(,])(?:(?:const|let|var|val|my)\s+)?\$?(\w+)\s*(?::=|=)(?!=)/.exec(lines[line - 1] ?? '')?.[1]
  const subject = new RegExp(`\\b(?:${name}${assigned ? `|${assigned}` : ''})\\b`)
  const empty = /(?:==\s*(?:""|''|nil|None|null)|===?\s*(?:undefined|null|'')|!\s*[\w.$]|\bnot\s+\w|\bis None|\.empty\?|\bnil\?|\bempty\(|isEmpty\(|is_empty\(|\.is_none\()/
  for (let k = line - 1; k < Math.min(lines.length, line + 4); k++) {
    const test = lines[k]!
    if (!/\b(?:if|unless)\b/.test(test) || !subject.test(test) || !empty.test(test)) continue
    // The branch: what follows the condition on its line, and the next two lines.
    const body = test.replace(/^.*?\b(?:if|unless)\b[^{:]*[{:]?/, '')
    const branch = [body, ...lines.slice(k + 1, k + 3)].join('\n')
    const defaults = assigned !== undefined && new RegExp(`\\b${assigned}\\s*(?::=|=)(?!=)`).test(branch)
    return FATAL.test(branch) && !defaults
  }
  return false
}

/**
 * "Must be set" checks: a read that fails by itself (Python's os.environ[...], Ruby's ENV.fetch,
 * Rust's env::var(...).expect), or a read followed within a few lines by a test of it that stops the
 * program, or a message naming the variable as required.
 */
function mustBeSet(snapshot: Snapshot, sources: readonly string[]): Setting[] {
  const out: Setting[] = []
  for (const file of sources) {
    const text = snapshot.read(file)
    if (!text || !/[A-Z][A-Z0-9_]{2,}/.test(text)) continue
    const lines = text.split('\n')
    const at = (index: number): number => text.slice(0, index).split('\n').length
    for (const pattern of STRICT_READS) {
      for (const m of text.matchAll(pattern)) {
        if (file.endsWith('.py') && !/environ\[/.test(m[0])) continue
        out.push({name: m[1]!, evidence: {detail: `${m[0].replace(/\s+/g, '').replace(/\($/, '()')} fails when ${m[1]} is not set`, file, line: at(m.index!)}})
      }
    }
    const reads = new Map<string, number>()
    for (const pattern of ENV_READS) {
      for (const m of text.matchAll(pattern)) {
        const name = m[1] ?? m[2]
        if (name && !reads.has(name)) reads.set(name, at(m.index!))
      }
    }
    for (const [name, line] of reads) {
      const literals = text.matchAll(new RegExp(`["'\`][^"'\`\\n]*\\b${name}\\b[^"'\`\\n]*["'\`]`, 'g'))
      const named = [...literals].find(m => REQUIRED_PHRASE.test(m[0])) ?? null
      const guarded = guardedRead(lines, line, name)
      if (!named && !guarded) continue
      const where = named ? at(named.index!) : line
      out.push({name, evidence: {detail: named ? `the app stops when ${name} is not set (${named[0].slice(1, -1).trim()})` : `the app stops when ${name} is not set`, file, line: where}})
    }
  }
  return out
}
