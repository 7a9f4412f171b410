import {type Evidence, type Fact, type FactSet, type Inspector, fact, findHealthPath, lineOf, parseJson, procfileWeb, sourceFiles} from '../facts.js'
import type {Snapshot} from '../snapshot.js'
import {composerRange} from '../version-ranges.js'

interface ComposerJson {
  require?: Record<string, string>
  config?: {platform?: {php?: string}}
  autoload?: unknown
}

/**
 * Extensions compiled into the official php images. Anything else a composer.json asks for
 * (`ext-intl`) is built with docker-php-ext-install.
 */
const BUILT_IN = new Set([
  'core', 'ctype', 'curl', 'date', 'dom', 'fileinfo', 'filter', 'ftp', 'hash', 'iconv', 'json', 'libxml', 'mbstring',
  'mysqlnd', 'openssl', 'pcre', 'pdo', 'pdo_sqlite', 'phar', 'posix', 'random', 'readline', 'reflection', 'session',
  'simplexml', 'sodium', 'spl', 'sqlite3', 'standard', 'tokenizer', 'xml', 'xmlreader', 'xmlwriter', 'zlib', 'apache2handler',
])

/** Extensions the image can build; those not listed here need a PECL install, left to the user. */
const BUILDABLE = new Set([
  'bcmath', 'calendar', 'exif', 'gd', 'gettext', 'gmp', 'intl', 'mysqli', 'opcache', 'pcntl', 'pdo_mysql', 'pdo_pgsql',
  'pgsql', 'shmop', 'soap', 'sockets', 'sysvmsg', 'sysvsem', 'sysvshm', 'xsl', 'zip', 'bz2', 'tidy',
])

const FRAMEWORKS: {name: string; packages: string[]}[] = [
  {name: 'laravel', packages: ['laravel/framework', 'laravel/lumen-framework']},
  {name: 'symfony', packages: ['symfony/framework-bundle']},
  {name: 'slim', packages: ['slim/slim']},
]

const FRONT_CONTROLLER_FRAMEWORKS = new Set(['laravel', 'symfony', 'slim'])

export const phpInspector: Inspector = {
  name: 'php',
  inspect(snapshot) {
    const text = snapshot.read('composer.json')
    const composer = parseJson(text) as ComposerJson | undefined
    const rootPhp = snapshot.list('').some(p => p.endsWith('.php')) || ['public/index.php', 'web/index.php'].some(p => snapshot.has(p))
    if (!composer && !rootPhp) return {}

    const facts: FactSet = {}
    const require = composer?.require ?? {}
    const json = text ?? ''
    const lock = parseJson(snapshot.read('composer.lock'))
    if (composer) {
      facts.manifest = fact('composer.json', 'composer.json', 'composer.json')
      facts.packageManager = fact('composer', 'composer.json', 'composer.json')
      facts.composer = fact(true, 'composer.json: composer installs the packages and writes the autoloader', 'composer.json')
    }
    if (lock) facts.lockfile = fact('composer.lock', 'lockfile composer.lock', 'composer.lock')

    const version = phpVersion(snapshot, composer, json)
    if (version) facts.version = version

    const framework = detectFramework(snapshot, require, json, lock)
    if (framework) facts.framework = framework

    const docroot = documentRoot(snapshot, framework?.value)
    if (docroot) facts.docroot = docroot

    const sources = sourceFiles(snapshot, ['.php'], 200)
    const front = frontController(snapshot, framework?.value, docroot?.value ?? '')
    if (front) facts.frontController = front

    const extensions = neededExtensions(snapshot, require, json, lock)
    if (extensions) facts.extensions = extensions

    const env = listenEnv(framework?.value)
    if (env) facts.env = env

    facts.startCommand = fact('apache2-foreground', 'Apache with mod_php serves the app (the php image\'s own command)')
    const procfile = procfileWeb(snapshot)
    if (procfile) facts.procfile = procfile

    const health = healthPath(snapshot, sources, framework?.value, docroot?.value ?? '')
    if (health) facts.healthPath = health
    if (framework?.value === 'laravel') Object.assign(facts, laravelRuntime(snapshot))
    return facts
  },
}

/**
 * Laravel writes its caches, sessions, logs and compiled views under storage/ and its package and
 * config caches under bootstrap/cache/ (both ship with their folder structure, which the volumes must
 * start with), and a SQLite database in database/ when the app uses one. Its migrations are the
 * release phase.
 */
function laravelRuntime(snapshot: Snapshot): FactSet {
  const facts: FactSet = {}
  const paths = new Map<string, Evidence>()
  const artisan = snapshot.has('artisan') ? 'artisan' : undefined
  paths.set('storage', {detail: 'Laravel writes caches, sessions, logs and compiled views under storage/', ...(artisan ? {file: artisan} : {}), key: 'storage'})
  paths.set('bootstrap/cache', {detail: 'Laravel writes its package and config caches to bootstrap/cache/', ...(artisan ? {file: artisan} : {}), key: 'bootstrap/cache'})
  for (const file of ['.env.example', '.env.sample', '.env.dist']) {
    const text = snapshot.read(file)
    const sqlite = text ? /^DB_CONNECTION\s*=\s*sqlite\s*$/m.exec(text) : null
    if (!sqlite) continue
    const database = /^DB_DATABASE\s*=\s*([^\s#]+)/m.exec(text!)?.[1]
    const folder = database && !database.startsWith('/') && database.includes('/') ? database.slice(0, database.lastIndexOf('/')) : 'database'
    paths.set(folder, {detail: `DB_CONNECTION=sqlite: the database file is written in ${folder}/`, file, line: lineOf(text!, sqlite[0]), key: folder})
    break
  }
  facts.writablePaths = {value: [...paths.keys()], evidence: [...paths.values()]}
  if (artisan && snapshot.files.some(f => f.path.startsWith('database/migrations/'))) {
    facts.releaseCommand = fact('php artisan migrate --force', 'database/migrations: the migrations run before the new version serves', 'artisan')
  }
  return facts
}

/** The PHP the app asks for, as a semver range: the platform composer resolves for, .php-version, then require.php. */
function phpVersion(snapshot: Snapshot, composer: ComposerJson | undefined, json: string): Fact<string> | undefined {
  const platform = composer?.config?.platform?.php
  const pinned = platform ? /^(\d+\.\d+(?:\.\d+)?)/.exec(platform)?.[1] : undefined
  if (pinned) return fact(pinned, `config.platform.php is ${platform}`, 'composer.json', lineOf(json, '"platform"'))
  const file = snapshot.read('.php-version')?.trim()
  const fromFile = file ? /^(\d+\.\d+(?:\.\d+)?)/.exec(file)?.[1] : undefined
  if (fromFile) return fact(fromFile, `.php-version says ${file}`, '.php-version', 1)
  const constraint = composer?.require?.php
  const range = constraint ? composerRange(constraint) : undefined
  if (range) return fact(range, `composer.json requires php "${constraint}"`, 'composer.json', lineOf(json, /"php"\s*:/))
  return undefined
}

function detectFramework(snapshot: Snapshot, require: Record<string, string>, json: string, lock: Record<string, unknown> | undefined): Fact<string> | undefined {
  for (const framework of FRAMEWORKS) {
    const pkg = framework.packages.find(p => p in require)
    if (pkg) return fact(framework.name, `requires ${pkg} ${require[pkg]}`, 'composer.json', lineOf(json, `"${pkg}"`))
  }
  const locked = new Set(lockedPackages(lock).map(p => p.name))
  for (const framework of FRAMEWORKS) {
    const pkg = framework.packages.find(p => locked.has(p))
    if (pkg) return fact(framework.name, `composer.lock installs ${pkg}`, 'composer.lock')
  }
  const artisan = snapshot.read('artisan')
  if (artisan && /Illuminate|laravel|bootstrap\/app\.php/i.test(artisan)) return fact('laravel', 'artisan: a Laravel app', 'artisan')
  const console = snapshot.read('bin/console')
  if (console && /Symfony/.test(console)) return fact('symfony', 'bin/console: a Symfony app', 'bin/console')
  return undefined
}

function lockedPackages(lock: Record<string, unknown> | undefined): {name: string; require?: Record<string, string>}[] {
  const packages = lock?.packages
  return Array.isArray(packages) ? (packages as {name: string; require?: Record<string, string>}[]).filter(p => typeof p?.name === 'string') : []
}

/** Where Apache serves from: public/ (Laravel, Symfony, most apps), web/, or the app root. */
function documentRoot(snapshot: Snapshot, framework: string | undefined): Fact<string> | undefined {
  const procfile = procfileWeb(snapshot)
  const heroku = procfile ? /heroku-php-(?:apache2|nginx)(?:\s+-\S+\s+\S+)*\s+([\w./-]+?)\/?\s*$/.exec(procfile.value) : null
  if (heroku && heroku[1]) return fact(heroku[1], `the Procfile serves ${heroku[1]}/`, 'Procfile', procfile!.evidence[0]?.line)
  for (const dir of ['public', 'web', 'public_html', 'htdocs']) {
    if (snapshot.has(`${dir}/index.php`)) return fact(dir, `${dir}/index.php: Apache serves ${dir}/`, `${dir}/index.php`)
  }
  if (framework === 'laravel' || framework === 'symfony') return fact('public', `${framework} serves public/`)
  return undefined
}

/** A front controller routes every path through index.php, so Apache hands it the paths it cannot find. */
function frontController(snapshot: Snapshot, framework: string | undefined, docroot: string): Fact<boolean> | undefined {
  if (framework && FRONT_CONTROLLER_FRAMEWORKS.has(framework)) return fact(true, `${framework} routes every request through index.php`)
  const index = docroot ? `${docroot}/index.php` : 'index.php'
  const text = snapshot.read(index)
  if (text && /\$_SERVER\[\s*['"](?:REQUEST_URI|PATH_INFO)['"]\s*\]/.test(text)) {
    return fact(true, `${index} routes on the request path`, index, lineOf(text, /\$_SERVER\[\s*['"](?:REQUEST_URI|PATH_INFO)/))
  }
  return undefined
}

/**
 * Extensions to build into the image: ext-* requirements of the app and of its locked packages, and
 * the PDO driver that .env.example's DB_CONNECTION names.
 */
function neededExtensions(snapshot: Snapshot, require: Record<string, string>, json: string, lock: Record<string, unknown> | undefined): Fact<string> | undefined {
  const wanted = new Map<string, Evidence>()
  const add = (name: string, evidence: Evidence): void => {
    const ext = name.toLowerCase().replace(/^ext-/, '')
    if (BUILT_IN.has(ext) || wanted.has(ext)) return
    wanted.set(ext, evidence)
  }
  for (const name of Object.keys(require)) {
    if (name.startsWith('ext-')) add(name, {detail: `composer.json requires ${name}`, file: 'composer.json', line: lineOf(json, `"${name}"`)!})
  }
  for (const pkg of lockedPackages(lock)) {
    for (const name of Object.keys(pkg.require ?? {})) {
      if (name.startsWith('ext-')) add(name, {detail: `${pkg.name} requires ${name}`, file: 'composer.lock'})
    }
  }
  const example = snapshot.read('.env.example')
  const db = example ? /^DB_CONNECTION=(\w+)/m.exec(example)?.[1] : undefined
  const driver = db === 'mysql' || db === 'mariadb' ? 'pdo_mysql' : db === 'pgsql' ? 'pdo_pgsql' : undefined
  if (driver) add(driver, {detail: `.env.example sets DB_CONNECTION=${db}`, file: '.env.example', line: lineOf(example!, 'DB_CONNECTION=')!})
  const buildable = [...wanted].filter(([ext]) => BUILDABLE.has(ext))
  if (buildable.length === 0) return undefined
  return {value: buildable.map(([ext]) => ext).join(' '), evidence: buildable.map(([, e]) => (e.line === undefined ? {detail: e.detail, ...(e.file ? {file: e.file} : {})} : e))}
}

/**
 * Apache listens on the container port itself (the Dockerfile sets it), so PHP apps need no PORT.
 * Frameworks get what they need to run from a read-only image: logs to stderr, compiled views in /tmp.
 */
function listenEnv(framework: string | undefined): Fact<Record<string, string>> | undefined {
  if (framework === 'laravel') {
    return {
      value: {LOG_CHANNEL: 'stderr', VIEW_COMPILED_PATH: '/tmp'},
      evidence: [{detail: 'Laravel logs to stderr and compiles Blade views into /tmp, the writable path of a read-only image'}],
    }
  }
  if (framework === 'symfony') {
    return {value: {APP_ENV: 'prod', APP_DEBUG: '0'}, evidence: [{detail: 'Symfony runs in the prod environment'}]}
  }
  return undefined
}

function healthPath(snapshot: Snapshot, sources: string[], framework: string | undefined, docroot: string): Fact<string> | undefined {
  if (framework === 'laravel') {
    const app = snapshot.read('bootstrap/app.php')
    const health = app ? /health\s*:\s*['"](\/[\w/-]*)['"]/.exec(app) : null
    if (health) return fact(health[1]!, `bootstrap/app.php routes health checks to ${health[1]}`, 'bootstrap/app.php', lineOf(app!, health[0]))
  }
  const routed = findHealthPath(snapshot, sources)
  if (routed) return routed
  for (const name of ['healthz.php', 'health.php', 'ping.php']) {
    const file = docroot ? `${docroot}/${name}` : name
    if (snapshot.has(file)) return fact(`/${name}`, `${file} answers health checks`, file)
  }
  return undefined
}
