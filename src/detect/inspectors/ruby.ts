import {type Evidence, type Fact, type FactSet, type Inspector, fact, findHealthPath, findIn, lineOf, procfileWeb, sourceFiles} from '../facts.js'
import type {Snapshot} from '../snapshot.js'
import {gemRange} from '../version-ranges.js'

/** A gem the app depends on: its line in the Gemfile, and the locked version when known. */
interface Gem {
  file: string
  line?: number
  version?: string
}

const ROOT_SCRIPTS = ['server.rb', 'app.rb', 'main.rb', 'application.rb', 'web.rb']

const FRAMEWORK_PORTS = {rails: 3000, sinatra: 4567, rack: 9292} as const
type Framework = keyof typeof FRAMEWORK_PORTS

export const rubyInspector: Inspector = {
  name: 'ruby',
  inspect(snapshot) {
    const gemfileName = ['Gemfile', 'gems.rb'].find(f => snapshot.has(f))
    const rootScripts = snapshot.list('').filter(p => p.endsWith('.rb'))
    if (!gemfileName && !snapshot.has('config.ru') && rootScripts.length === 0) return {}

    const facts: FactSet = {}
    const gemfile = gemfileName ? snapshot.read(gemfileName) ?? '' : ''
    const lockName = gemfileName === 'gems.rb' ? 'gems.locked' : 'Gemfile.lock'
    const lock = snapshot.read(lockName)
    if (gemfileName) {
      facts.manifest = fact(gemfileName, gemfileName, gemfileName)
      facts.packageManager = fact('bundler', gemfileName, gemfileName)
    }
    if (lock !== undefined) facts.lockfile = fact(lockName, `lockfile ${lockName}`, lockName)
    const bundled = lock ? /^BUNDLED WITH\s*\n\s+(\d+\.\d+\.\d+)/m.exec(lock)?.[1] : undefined
    if (bundled) facts.bundlerVersion = fact(bundled, `${lockName} was written by bundler ${bundled}`, lockName, lineOf(lock!, 'BUNDLED WITH'))

    const gems = readGems(gemfileName ?? 'Gemfile', gemfile, lock)
    if (gems.size > 0) facts.gems = fact(true, `${gems.size} gem${gems.size === 1 ? '' : 's'} to install`, gemfileName)
    if (gems.size > 0) facts.dependencies = gemList(gems, lockName)

    const version = rubyVersion(snapshot, gemfileName, gemfile, lock, lockName)
    if (version) facts.version = version

    const sources = sourceFiles(snapshot, ['.rb', '.ru'], 200)
    const framework = detectFramework(snapshot, gems, sources)
    if (framework) facts.framework = framework.fact
    if (framework?.name === 'rails') Object.assign(facts, railsFacts(snapshot, gems))

    const start = startCommand(snapshot, framework?.name, gems, rootScripts)
    if (start) facts.startCommand = start
    Object.assign(facts, listenFacts(snapshot, sources, framework?.name, start?.value))

    const health = healthPath(snapshot, sources, framework?.name)
    if (health) facts.healthPath = health
    return facts
  },
}

/**
 * Gems from the Gemfile (with their lines), less the development and test groups, plus every gem the
 * lockfile resolved (with versions), since native extensions hide in transitive dependencies.
 */
export function readGems(file: string, gemfile: string, lock: string | undefined): Map<string, Gem> {
  const gems = new Map<string, Gem>()
  const blocks: boolean[] = []
  gemfile.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim()
    if (/^group\b.*\bdo\b/.test(line)) {
      const groups = [...line.matchAll(/:(\w+)|["'](\w+)["']/g)].map(m => m[1] ?? m[2])
      blocks.push(groups.length > 0 && groups.every(g => g === 'development' || g === 'test'))
      return
    }
    if (/\bdo\s*(\|[^|]*\|)?$/.test(line)) return void blocks.push(false)
    if (line === 'end') return void blocks.pop()
    const gem = /^gem\s+["']([\w.-]+)["']/.exec(line)
    if (!gem || blocks.includes(true)) return
    const group = /group:\s*\[?\s*:(development|test)\b/.test(line) && !/:(production|default)\b/.test(line)
    if (!group) gems.set(gem[1]!, {file, line: index + 1})
  })
  const specs = lock ? /^GEM\n(?:.*\n)*?\s+specs:\n((?: {4}.*\n?)*)/m.exec(lock)?.[1] : undefined
  for (const match of (specs ?? '').matchAll(/^ {4}([\w.-]+) \(([^)]+)\)/gm)) {
    const [, name, version] = match as unknown as [string, string, string]
    const known = gems.get(name)
    gems.set(name, {...(known ?? {file: 'Gemfile.lock'}), version: version.split('-')[0]})
  }
  return gems
}

/**
 * Every gem the bundle installs (Gemfile and lockfile), for the pack's [[system-packages]] rules: the
 * Debian packages a gem's C extension needs to build, and the library it loads at run time.
 */
function gemList(gems: Map<string, Gem>, lockName: string): Fact<string[]> {
  const evidence: Evidence[] = [...gems].map(([name, gem]) => ({detail: `gem ${name}`, file: gem.line ? gem.file : lockName, ...(gem.line ? {line: gem.line} : {}), key: name}))
  return {value: [...gems.keys()], evidence}
}

/** The Ruby the app asks for, as a semver range: .ruby-version, .tool-versions, the Gemfile's ruby line, the lockfile. */
function rubyVersion(snapshot: Snapshot, gemfileName: string | undefined, gemfile: string, lock: string | undefined, lockName: string): Fact<string> | undefined {
  const pinned = snapshot.read('.ruby-version')?.trim()
  const fromPin = pinned ? /^(?:ruby-)?(\d+\.\d+(?:\.\d+)?)/.exec(pinned)?.[1] : undefined
  if (fromPin) return fact(fromPin, `.ruby-version says ${pinned}`, '.ruby-version', 1)
  const tools = snapshot.read('.tool-versions')
  const fromTools = tools ? /^ruby\s+(\d+\.\d+(?:\.\d+)?)/m.exec(tools) : null
  if (fromTools) return fact(fromTools[1]!, `.tool-versions pins ruby ${fromTools[1]}`, '.tool-versions', lineOf(tools!, /^ruby\s/m))
  const directive = /^\s*ruby\s+((?:["'][^"']+["']\s*,?\s*)+)/m.exec(gemfile)
  const requirement = directive ? [...directive[1]!.matchAll(/["']([^"']+)["']/g)].map(m => m[1]).join(', ') : undefined
  const range = requirement ? gemRange(requirement) : undefined
  if (range && gemfileName) return fact(range, `${gemfileName} requires ruby "${requirement}"`, gemfileName, lineOf(gemfile, /^\s*ruby\s+["']/m))
  const locked = lock ? /^RUBY VERSION\s*\n\s+ruby (\d+\.\d+(?:\.\d+)?)/m.exec(lock) : null
  if (locked) return fact(locked[1]!, `${lockName} was locked with ruby ${locked[1]}`, lockName, lineOf(lock!, 'RUBY VERSION'))
  return undefined
}

function detectFramework(snapshot: Snapshot, gems: Map<string, Gem>, sources: string[]): {name: Framework; fact: Fact<string>} | undefined {
  const gemFact = (name: Framework, gem: string): {name: Framework; fact: Fact<string>} | undefined => {
    const found = gems.get(gem)
    return found ? {name, fact: fact(name, `gem "${gem}"${found.version ? ` ${found.version}` : ''}`, found.line ? found.file : 'Gemfile.lock', found.line)} : undefined
  }
  const application = snapshot.read('config/application.rb')
  if (application && /Rails::Application/.test(application)) {
    return {name: 'rails', fact: fact('rails', 'config/application.rb defines a Rails::Application', 'config/application.rb', lineOf(application, 'Rails::Application'))}
  }
  const byGem = gemFact('rails', 'rails') ?? gemFact('rails', 'railties') ?? gemFact('sinatra', 'sinatra')
  if (byGem) return byGem
  const required = findIn(snapshot, sources, /^\s*require\s+["']sinatra(?:\/base)?["']/m)
  if (required) return {name: 'sinatra', fact: fact('sinatra', 'requires sinatra', required.file, required.line)}
  if (snapshot.has('config.ru')) return {name: 'rack', fact: fact('rack', 'config.ru: a Rack app', 'config.ru')}
  return undefined
}

function railsFacts(snapshot: Snapshot, gems: Map<string, Gem>): FactSet {
  const facts: FactSet = {}
  const rails = gems.get('rails') ?? gems.get('railties')
  if (rails?.version) facts.railsVersion = fact(rails.version, `rails ${rails.version} in the lockfile`, 'Gemfile.lock')
  const assets = ['app/assets', 'app/javascript'].some(dir => snapshot.files.some(f => f.path.startsWith(`${dir}/`)))
  if (assets && (gems.has('sprockets-rails') || gems.has('propshaft') || gems.has('rails'))) {
    facts.precompileAssets = fact(true, 'app/assets or app/javascript: assets are precompiled in the build stage')
  }
  if (gems.has('bootsnap')) facts.bootsnap = fact(true, 'gem "bootsnap": its cache is built in the image', gems.get('bootsnap')!.file, gems.get('bootsnap')!.line)
  Object.assign(facts, railsWrites(snapshot))
  return facts
}

/**
 * Folders a Rails app writes into besides tmp/ and log/ (which the pack always makes writable): where
 * a SQLite database of the production environment lives (storage/ since Rails 8, db/ before) and the
 * Disk service of Active Storage. The release phase prepares the database (creates and migrates it).
 */
function railsWrites(snapshot: Snapshot): FactSet {
  const facts: FactSet = {}
  const paths = new Map<string, Evidence>()
  const database = snapshot.read('config/database.yml')
  if (database) {
    // The production section, or the whole file when it has none of its own.
    const production = /^production:\s*\n((?:[ \t]+.*\n?|\s*\n)*)/m.exec(database)?.[1] ?? database
    const sqlite = /adapter:\s*sqlite3/.test(production) || (/adapter:\s*sqlite3/.test(database) && !/adapter:/.test(production))
    const file = /^\s+database:\s*([\w./-]+\.sqlite3)\s*$/m.exec(production)?.[1]
    if (sqlite && file && !file.startsWith('/')) {
      const folder = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.'
      paths.set(folder, {detail: `the production SQLite database ${file} is written in ${folder}/`, file: 'config/database.yml', line: lineOf(database, file), key: folder})
    }
  }
  const storage = snapshot.read('config/storage.yml')
  const production = snapshot.read('config/environments/production.rb') ?? ''
  const service = /config\.active_storage\.service\s*=\s*:(\w+)/.exec(production)?.[1]
  if (storage && service) {
    const block = new RegExp(`^${service}:\\s*\\n((?:[ \\t]+.*\\n?)*)`, 'm').exec(storage)?.[1] ?? ''
    const root = /service:\s*Disk[\s\S]*?root:\s*<%=\s*Rails\.root\.join\(\s*["']([\w/-]+)["']/.exec(block)?.[1]
    if (root && !paths.has(root)) paths.set(root, {detail: `Active Storage keeps uploads on disk in ${root}/ (the ${service} service)`, file: 'config/storage.yml', line: lineOf(storage, `${service}:`), key: root})
  }
  if (paths.size) facts.writablePaths = {value: [...paths.keys()], evidence: [...paths.values()]}
  if (database && snapshot.has('bin/rails')) {
    facts.releaseCommand = fact('./bin/rails db:prepare', 'config/database.yml: the database is created or migrated before the new version serves', 'config/database.yml')
  }
  return facts
}

/** Procfile `web`, then the framework's server, then a script at the root. */
function startCommand(snapshot: Snapshot, framework: Framework | undefined, gems: Map<string, Gem>, rootScripts: string[]): Fact<string> | undefined {
  const procfile = procfileWeb(snapshot)
  if (procfile) return procfile
  if (framework === 'rails') {
    const binstub = snapshot.has('bin/rails')
    return fact(`${binstub ? 'bin/rails' : 'bundle exec rails'} server -b 0.0.0.0`, 'Rails runs under rails server (it reads PORT), bound to all interfaces', binstub ? 'bin/rails' : undefined)
  }
  if (snapshot.has('config.ru')) {
    if (gems.has('puma')) return fact('bundle exec puma -b tcp://0.0.0.0:$PORT', 'config.ru served by puma on $PORT', 'config.ru')
    if (gems.has('rackup') || gems.has('thin') || gems.has('webrick')) return fact('bundle exec rackup -o 0.0.0.0 -p $PORT', 'config.ru served by rackup on $PORT', 'config.ru')
  }
  const main = ROOT_SCRIPTS.find(f => rootScripts.includes(f)) ?? (rootScripts.length === 1 ? rootScripts[0] : undefined)
  if (main) {
    const bundle = gems.size > 0 ? 'bundle exec ' : ''
    return fact(`${bundle}ruby ${main}`, `${main} at the app root${bundle ? ', with the bundle loaded' : ''}`, main)
  }
  if (snapshot.has('config.ru')) return fact('bundle exec rackup -o 0.0.0.0 -p $PORT', 'config.ru: a Rack app', 'config.ru')
  return undefined
}

/**
 * The port and the environment the app needs to answer on it: Rails and Sinatra read PORT; Sinatra
 * binds 0.0.0.0 only outside development, so APP_ENV is production; a script reads what it reads.
 */
function listenFacts(snapshot: Snapshot, sources: string[], framework: Framework | undefined, command: string | undefined): FactSet {
  const facts: FactSet = {}
  const env: Record<string, string> = {}
  const evidence: Evidence[] = []

  let port: Fact<number> | undefined
  const commandPort = command ? /(?:-p|--port)[= ]+(\d{2,5})\b|tcp:\/\/[\w.]+:(\d{2,5})\b/.exec(command) : null
  if (commandPort) port = fact(Number(commandPort[1] ?? commandPort[2]), 'port on the start command', snapshot.has('Procfile') ? 'Procfile' : undefined)
  const pumaConfig = findIn(snapshot, ['config/puma.rb'], /^\s*port\s+(?:ENV\.fetch\(\s*["']PORT["']\s*(?:,\s*|\)\s*\{\s*))?(\d{2,5})/m)
  if (!port && pumaConfig) port = fact(Number(pumaConfig.match[1]), `config/puma.rb listens on ${pumaConfig.match[1]}`, pumaConfig.file, pumaConfig.line)
  const readsPort = findIn(snapshot, sources, /ENV\.fetch\(\s*["']PORT["']|ENV\[\s*["']PORT["']\s*\]/)
  if (!port && framework !== 'rails') {
    const literal =
      findIn(snapshot, sources, /ENV\.fetch\(\s*["']PORT["']\s*(?:,\s*|\)\s*\{\s*)["']?(\d{2,5})/) ??
      findIn(snapshot, sources, /ENV\[\s*["']PORT["']\s*\]\s*\|\|\s*["']?(\d{2,5})/) ??
      findIn(snapshot, sources, /set\s+:port\s*,\s*(\d{2,5})/) ??
      findIn(snapshot, sources, /TCPServer\.new\(\s*(?:["'][^"']*["']\s*,\s*)?(\d{2,5})\s*\)/)
    if (literal) port = fact(Number(literal.match[1]), `port ${literal.match[1]} in source`, literal.file, literal.line)
  }
  if (!port && framework) port = fact(FRAMEWORK_PORTS[framework], `${framework} listens on ${FRAMEWORK_PORTS[framework]} by default`)
  if (port) facts.port = port

  if (readsPort) {
    facts.portEnv = fact('PORT', 'the app reads PORT', readsPort.file, readsPort.line)
    evidence.push({detail: 'the app reads PORT, so PORT is set to the container port', file: readsPort.file, line: readsPort.line})
  }
  if (framework === 'rails' || framework === 'sinatra' || /\$\{?PORT\b/.test(command ?? '') || readsPort) {
    env.PORT = '{{port}}'
    if (!readsPort) evidence.push({detail: framework === 'rails' || framework === 'sinatra' ? `${framework} reads PORT` : 'the start command reads $PORT'})
  }
  if (framework === 'rails') {
    Object.assign(env, {RAILS_ENV: 'production', RAILS_LOG_TO_STDOUT: '1', RAILS_SERVE_STATIC_FILES: '1'})
    evidence.push({detail: 'Rails runs in production, logging to stdout and serving its precompiled assets'})
  } else if (framework === 'sinatra' || framework === 'rack' || gemsLikelyRack(command)) {
    Object.assign(env, {APP_ENV: 'production', RACK_ENV: 'production'})
    evidence.push({detail: 'Rack apps run in production (Sinatra binds 0.0.0.0 only outside development)'})
  }
  const readsHost = findIn(snapshot, sources, /ENV(?:\.fetch\(|\[)\s*["'](HOST|BIND|BINDING)["']/)
  if (readsHost) {
    env[readsHost.match[1]!] = '0.0.0.0'
    evidence.push({detail: `the app reads ${readsHost.match[1]}; set to 0.0.0.0 so it answers outside the pod`, file: readsHost.file, line: readsHost.line})
  }
  if (Object.keys(env).length) facts.env = {value: env, evidence}

  const warning = 'binds to localhost only: the container will not answer; bind to 0.0.0.0'
  if (command && /(?:-b|-o|--host|--binding)[= ]+(?:tcp:\/\/)?(?:127\.0\.0\.1|localhost)\b/.test(command)) {
    facts.bindsLocalhost = fact(true, `the start command ${warning}`, snapshot.has('Procfile') ? 'Procfile' : undefined)
  } else {
    const local = findIn(snapshot, sources, /(?:TCPServer\.new\(|set\s+:bind\s*,\s*)\s*["'](?:127\.0\.0\.1|localhost)["']/)
    if (local) facts.bindsLocalhost = fact(true, warning, local.file, local.line)
  }
  return facts
}

const gemsLikelyRack = (command: string | undefined): boolean => /\b(?:rackup|puma)\b/.test(command ?? '')

function healthPath(snapshot: Snapshot, sources: string[], framework: Framework | undefined): Fact<string> | undefined {
  if (framework === 'rails') {
    const routes = snapshot.read('config/routes.rb')
    const up = routes ? /^\s*get\s+["']\/?(up|healthz?)["']/m.exec(routes) : null
    if (up) return fact(`/${up[1]}`, `route "${up[1]}" in config/routes.rb`, 'config/routes.rb', lineOf(routes!, up[0].trim()))
  }
  return findHealthPath(snapshot, sources)
}
