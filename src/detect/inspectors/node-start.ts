/**
 * How a Node app starts in production, from its package.json scripts: pure functions, no snapshot.
 *
 * A start script is often not what production should run. It may go through a dev-only loader (ts-node,
 * tsx, nodemon, nest start...) that a production install does not have; it may build first
 * (`tsc && node dist/index.js`); it may set variables in front (`NODE_ENV=production node x.js`) or go
 * through another script (`npm run serve`). Where the script comes down to `node FILE`, node is run
 * directly, so that it is PID 1 and gets SIGTERM without npm in between.
 */

/** Dev-only runners that execute sources directly; a production install does not have them. */
export const DEV_LOADERS = ['ts-node', 'ts-node-dev', 'tsnd', 'ts-node-esm', 'tsx', 'nodemon', 'babel-node', 'esno', 'esrun', 'vite-node', 'node-dev', 'nest'] as const

/** node flags that load a TypeScript or Babel loader: with one of these, `node` is a dev loader too. */
const LOADER_MODULES = /^(ts-node(\/.*)?|tsx(\/.*)?|@babel\/register|@swc-node\/register(\/.*)?|esbuild-register(\/.*)?|@esbuild-kit\/.*)$/
/** node flags that take their value as the next word. */
const FLAGS_WITH_VALUE = new Set(['-r', '--require', '--loader', '--experimental-loader', '--import', '--env-file', '--inspect-port', '--title', '--conditions', '-C', '--input-type'])

export interface Runner {
  /** What production runs: `node dist/index.js`. */
  command: string
  /** Variables set in front of the command (`NODE_ENV=production node x.js`). */
  env: Record<string, string>
  /** The dev loader the script went through, if any. */
  loader?: string
  /** A TypeScript entry that production must run compiled. */
  sourceEntry?: string
  /** The script needs the build to have run first (`tsc && node dist/x.js`, or a TypeScript entry). */
  needsBuild: boolean
  /** Scripts followed to get here, for the evidence: ["start", "serve"]. */
  via: string[]
}

const BUILD_STEP = /^(?:(?:npm|pnpm)\s+(?:run\s+)?build|yarn\s+(?:run\s+)?build|tsc(?:\s+.*)?|nest\s+build(?:\s+.*)?|npx\s+tsc(?:\s+.*)?)$/
const RUN_SCRIPT = /^(?:npm\s+(?:run(?:-script)?\s+)?|yarn\s+(?:run\s+)?|pnpm\s+(?:run\s+)?)([\w:.-]+)$/
/** Anything a shell would interpret: such a script is left to npm. */
const SHELL = /[$`|;<>*(){}"'\\]|&(?!&)/

/**
 * What the `name` script comes down to, or undefined when it is not something production can run
 * without npm (a shell construct, an unknown tool, a step other than a build before the runner).
 */
export function resolveScript(scripts: Record<string, string>, name: string, via: string[] = []): Runner | undefined {
  const script = scripts[name]
  if (script === undefined || via.includes(name) || via.length > 4) return undefined
  return resolveCommand(script, scripts, [...via, name])
}

export function resolveCommand(command: string, scripts: Record<string, string>, via: string[] = []): Runner | undefined {
  const parts = command.trim().split(/\s*&&\s*/)
  let needsBuild = false
  while (parts.length > 1 && BUILD_STEP.test(parts[0]!)) {
    parts.shift()
    needsBuild = true
  }
  if (parts.length !== 1) return undefined
  let text = parts[0]!
  const nodemonExec = /^nodemon\b.*?--exec\s+(["'])(.+?)\1(.*)$/.exec(text)
  if (nodemonExec) text = `${nodemonExec[2]} ${nodemonExec[3]}`.trim()
  if (SHELL.test(text)) return undefined

  let words = text.split(/\s+/)
  const env: Record<string, string> = {}
  if (words[0] === 'exec') words.shift()
  if (words[0] === 'cross-env' || words[0] === 'env') words.shift()
  while (words[0] && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
    const [key, ...rest] = words.shift()!.split('=')
    env[key!] = rest.join('=')
  }
  if (!words.length) return undefined

  const script = RUN_SCRIPT.exec(words.join(' '))
  if (script) {
    const inner = resolveScript(scripts, script[1]!, via)
    return inner && {...inner, env: {...env, ...inner.env}, needsBuild: inner.needsBuild || needsBuild}
  }

  const [tool, ...args] = words
  if (tool === 'node') {
    const {entry, loader} = nodeArgs(args)
    if (loader) return {command: '', env, loader, ...tsEntry(entry), needsBuild: true, via}
    return {command: words.join(' '), env, needsBuild, via}
  }
  if ((DEV_LOADERS as readonly string[]).includes(tool!)) {
    if (tool === 'nest') return args[0] === 'start' ? {command: '', env, loader: 'nest start', sourceEntry: undefined, needsBuild: true, via} : undefined
    const entry = args.filter(a => !a.startsWith('-') && a !== 'watch').find(a => /\.[cm]?[jt]sx?$/.test(a) || a.includes('/'))
    // nodemon and node-dev restart plain JavaScript on change: production runs the same file with node.
    if ((tool === 'nodemon' || tool === 'node-dev') && (entry === undefined || /\.[cm]?js$/.test(entry))) {
      return {command: entry ? `node ${entry}` : '', env, loader: tool, needsBuild, via}
    }
    return {command: '', env, loader: tool, ...tsEntry(entry), needsBuild: true, via}
  }
  return undefined
}

function nodeArgs(args: string[]): {entry?: string; loader?: string} {
  let loader: string | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    if (FLAGS_WITH_VALUE.has(flag)) {
      const value = inline ?? args[++i]
      if (['-r', '--require', '--loader', '--experimental-loader', '--import'].includes(flag) && value && LOADER_MODULES.test(value)) loader = value.split('/')[0] === '@babel' ? 'babel' : value.split('/')[0]
      continue
    }
    if (arg.startsWith('-')) continue
    return {entry: arg, loader}
  }
  return {loader}
}

function tsEntry(entry: string | undefined): {sourceEntry?: string} {
  return entry ? {sourceEntry: entry.replace(/^\.\//, '')} : {}
}

export interface TsConfig {
  outDir?: string
  rootDir?: string
  include?: string[]
}

/**
 * Where tsc writes a source file: `outDir` plus its path below the root dir (the common folder of the
 * compiled sources when tsconfig names none), with the extension tsc gives it.
 */
export function compiledPath(entry: string, tsconfig: TsConfig, sources: readonly string[]): string {
  const clean = (p: string): string => p.replace(/^\.\//, '').replace(/\/+$/, '')
  const js = (p: string): string => p.replace(/\.mts$/, '.mjs').replace(/\.cts$/, '.cjs').replace(/\.tsx?$/, '.js')
  const file = clean(entry)
  if (!tsconfig.outDir) return js(file)
  const outDir = clean(tsconfig.outDir)
  const rootDir = tsconfig.rootDir !== undefined ? clean(tsconfig.rootDir) : commonFolder(compiledSources(sources, tsconfig, outDir).concat(file))
  const below = rootDir && (file === rootDir || file.startsWith(`${rootDir}/`)) ? file.slice(rootDir.length + 1) : file
  return js(`${outDir}/${below}`)
}

/** The TypeScript sources tsc compiles: under `include` (its fixed prefix), never declarations or outDir. */
function compiledSources(sources: readonly string[], tsconfig: TsConfig, outDir: string): string[] {
  const prefixes = (tsconfig.include ?? []).map(p => p.replace(/^\.\//, '').split('/').filter(s => !/[*?]/.test(s) && !/\.[cm]?tsx?$/.test(s)).join('/'))
  return sources.filter(f => /\.[cm]?tsx?$/.test(f) && !/\.d\.[cm]?ts$/.test(f) && !f.startsWith(`${outDir}/`) && (!prefixes.length || prefixes.some(p => p === '' || f.startsWith(`${p}/`))))
}

function commonFolder(files: readonly string[]): string {
  const folders = files.map(f => f.split('/').slice(0, -1))
  if (!folders.length) return ''
  const common: string[] = []
  for (let i = 0; folders.every(f => f.length > i && f[i] === folders[0]![i]); i++) common.push(folders[0]![i]!)
  return common.join('/')
}
