import {existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'

import {DraftError} from '../core/errors.js'
import {conventionFor} from './language-conventions.js'

export interface NewPackOptions {
  /** linguist's name of the language, e.g. "Elixir". */
  language: string
  /** A file every app of this kind has at its root, e.g. "mix.exs". */
  marker: string
  /** Base image repository, e.g. "elixir"; the tag comes from the version variable. */
  image: string
  version: string
  port: number
  startCommand: string
}

const NAME = /^[a-z][a-z0-9-]{0,39}$/

/** What `draft pack new` was told; a flag not given is undefined. */
export interface NewPackInput {
  language?: string
  marker?: string
  image?: string
  start?: string
  port?: number
  version?: string
}

type Asked = 'language' | 'marker' | 'image' | 'start' | 'version'

/**
 * What a terminal asks for, in this order: the language decides what the others suggest. The first
 * four have no default and are required; the version has one (`latest`), but `draft pack lint` warns
 * about an unpinned base image, so a person is asked for a tag too.
 */
const ASKED: {field: Asked; flag: string; prompt: string; required: boolean}[] = [
  {field: 'language', flag: '--language', prompt: 'Language of the apps (its linguist name)', required: true},
  {field: 'marker', flag: '--marker', prompt: 'A file every such app has at its root', required: true},
  {field: 'image', flag: '--image', prompt: 'Base image repository', required: true},
  {field: 'version', flag: '--base-version', prompt: 'Base image tag to pin', required: false},
  {field: 'start', flag: '--start', prompt: 'Command that starts the app', required: true},
]

export interface NewPackQuestion {
  field: Asked
  prompt: string
  /** What Enter accepts: inferred from the name and the answers so far. */
  suggestion?: string
}

const given = (value: string | undefined): value is string => value !== undefined && value.trim() !== ''

/** The required flags still missing, as the user types them. */
export function missingFlags(input: NewPackInput): string[] {
  return ASKED.filter(a => a.required && !given(input[a.field])).map(a => a.flag)
}

/** The next value to ask for on a terminal, with what can be inferred for it; undefined when all are there. */
export function nextQuestion(name: string, input: NewPackInput): NewPackQuestion | undefined {
  const asked = ASKED.find(a => !given(input[a.field]))
  if (!asked) return undefined
  const suggestion = conventionFor(name, input.language)?.[asked.field] ?? (asked.required ? undefined : 'latest')
  return {field: asked.field, prompt: asked.prompt, ...(suggestion ? {suggestion} : {})}
}

/** Fails early, before any question: a bad name or a folder in the way would waste the answers. */
export function checkNewPack(name: string, parent: string): string {
  if (!NAME.test(name)) throw new DraftError('BAD_PACK_NAME', {name})
  const dir = resolve(parent, name)
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new DraftError('PACK_DIR_EXISTS', {dir, name})
  return dir
}

/**
 * The options to write the pack with, or PACK_NEW_INCOMPLETE naming the missing flags with a command
 * to copy: the given values, and for the missing ones what the name and language suggest.
 */
export function newPackOptions(name: string, input: NewPackInput): NewPackOptions {
  const missing = missingFlags(input)
  const convention = conventionFor(name, input.language)
  if (missing.length) throw new DraftError('PACK_NEW_INCOMPLETE', {missing, example: exampleCommand(name, input)})
  return {
    language: input.language!.trim(),
    marker: input.marker!.trim(),
    image: input.image!.trim(),
    startCommand: input.start!.trim(),
    version: given(input.version) ? input.version.trim() : 'latest',
    port: input.port ?? convention?.port ?? 8080,
  }
}

function exampleCommand(name: string, input: NewPackInput): string {
  // Without a language nothing can be inferred: show a whole example (Elixir's) rather than placeholders.
  const c = conventionFor(name, input.language) ?? (given(input.language) ? undefined : conventionFor('elixir'))
  const value = (field: Exclude<Asked, 'version'>, placeholder: string): string => (given(input[field]) ? input[field]!.trim() : (c?.[field] ?? placeholder))
  const flags: [string, string][] = [
    ['--language', value('language', 'LANGUAGE')],
    ['--marker', value('marker', 'FILE')],
    ['--image', value('image', 'IMAGE')],
    ['--start', value('start', 'COMMAND')],
  ]
  return ['draft pack new', shellWord(name), ...flags.map(([flag, v]) => `${flag} ${shellWord(v)}`)].join(' ')
}

function shellWord(value: string): string {
  if (/^[\w./:@=+,-]+$/.test(value)) return value
  return /["$`\\]/.test(value) ? `'${value.replaceAll("'", "'\\''")}'` : `"${value}"`
}

/**
 * `draft pack new NAME`: a pack folder that lints clean from the start, with a fixture folder for the
 * sample app the author writes, and a README of the next steps. Written all or nothing.
 */
export function newPack(name: string, parent: string, options: NewPackOptions): {dir: string; files: string[]} {
  const dir = checkNewPack(name, parent)
  const q = JSON.stringify
  const files: Record<string, string> = {
    'pack.toml': `name = ${q(name)}
version = "0.1.0"
description = ${q(`${options.language} apps`)}

[detect]
# linguist language names whose share of the app's code counts for this pack.
languages = [${q(options.language)}]
language-weight = 50

# A marker file at the app root. Add more rules (files or inspector facts) with weights.
[[detect.rules]]
files = [${q(options.marker)}]
weight = 30

[variables.port]
type = "port"
default = ${options.port}
description = "Port the app listens on inside the container"

[variables.version]
type = "string"
default = ${q(options.version)}
pattern = "^[0-9][0-9A-Za-z.-]*$"
description = "Version of the ${options.image} base image (ARG BASE_VERSION)"

[variables.startCommand]
type = "string"
default = ${q(options.startCommand)}
description = "Command that starts the app"

[variables.healthPath]
type = "string"
default = ""
pattern = "^(/.*)?$"
description = "HTTP path for the probes; empty means a TCP probe"

[variables.env]
type = "map"
default = { PORT = "{{port}}" }
description = "Environment the app needs in order to listen on the container port"

[files]
"Dockerfile" = "Dockerfile.ejs"
".dockerignore" = "dockerignore.ejs"

[chart]
# Must match the USER of the Dockerfile.
run-as-user = 10001

[[fixtures]]
path = "fixtures/hello"
probe = "/"
`,
    'Dockerfile.ejs': `# Generated by draft from the <%= pack.name %> pack <%= pack.version %>.
ARG BASE_VERSION=<%= version %>

FROM ${options.image}:\${BASE_VERSION}
WORKDIR /app
# Copy dependency manifests and install them here first, so a source edit reuses that layer.
COPY . .
<%- envLines(env) %>
# A numeric uid, so Kubernetes can verify runAsNonRoot.
USER 10001
EXPOSE <%= port %>
CMD <%- execForm(startCommand) %>
`,
    'dockerignore.ejs': `<%- include('dockerignore-common') %>
# ${options.language}: add dependency folders and build outputs here.
`,
    // Empty, except that an empty JSON file is invalid JSON, which tools that read it (deno.json) refuse.
    [`fixtures/hello/${options.marker}`]: options.marker.endsWith('.json') ? '{}\n' : '',
    'fixtures/hello/README.md': `# hello

The sample app \`draft pack test\` builds and runs. Replace this with the smallest real ${options.language}
app that listens on \`$PORT\` (default ${options.port}) and answers \`GET /\` with 200, next to the
marker file \`${options.marker}\`.
`,
    'README.md': `# ${name}: a draft language pack

Files:
- \`pack.toml\`: detection rules, variables (type, default, validation, derived-from) and fixtures.
- \`Dockerfile.ejs\`, \`dockerignore.ejs\`: ejs templates; every variable is available by name.
- \`fixtures/hello/\`: a sample app that must be detected as this pack, build, and answer on its port.

Next steps:
1. Write the sample app in \`fixtures/hello/\`.
2. \`draft pack lint .\`: the manifest against the schema, every template rendered, \`helm lint\` of the chart.
3. \`draft pack test .\`: detection, render, \`docker build\`, run, and an HTTP answer from the container.
4. Share it: commit this folder to a git repository; others run \`draft pack add <git-url>#<tag>\`.
`,
  }
  const staging = `${dir}.staging-${process.pid}`
  try {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(staging, path)), {recursive: true})
      writeFileSync(join(staging, path), content)
    }
    if (existsSync(dir)) rmSync(dir, {recursive: true})
    renameSync(staging, dir)
  } finally {
    rmSync(staging, {recursive: true, force: true})
  }
  return {dir, files: Object.keys(files).sort()}
}
