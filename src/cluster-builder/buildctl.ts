import type {StatusResponse} from '../docker/buildkit-status.js'

/**
 * One build in a builder pod, as the commands draft execs there and what their output means: pure.
 * The build runs buildctl next to buildkitd (the BUILDKIT_HOST socket), on a context that arrives as
 * a tar on the exec's stdin, and pushes the image itself. Its progress is buildctl's `rawjson`: the
 * same vertexes and logs the Docker engine streams, so one SolveTracker reads both.
 */
export interface BuildInvocation {
  /** Names the build's scratch folder and lets a second exec stop it: [a-z0-9]. */
  id: string
  /** Who builds what ([a-z0-9]): a newer build of the same owner stops an older one still running. */
  owner: string
  /** Path of the Dockerfile inside the context tar. */
  dockerfile: string
  buildArgs: Record<string, string>
  target?: string
  /** repository:tag the builder pushes to. */
  ref: string
  /** The file in the credentials Secret for the push registry, and the sha256 of its content: the build waits until the pod sees that content. */
  auth?: {file: string; digest: string}
}

/** Exit codes of the script itself (buildctl's own are 0 and 1). */
export const EXIT_CONTEXT = 91
export const EXIT_CREDENTIALS = 92
export const EXIT_WORKDIR = 90

export const OUTPUT_PREFIX = 'draft-build:'

/*
 * Stops a build (by id): buildctl gets SIGTERM and cancels its solve. A rootless daemon without a
 * process sandbox (the only rootless mode Kubernetes allows without user-namespaced pods) kills a
 * step's main process but not what that process started, and its runc then waits for those forever;
 * so while buildctl winds down, the processes of every step whose main process is gone are killed, by
 * process group, from inside the daemon's user namespace (where the build's own users live). That is
 * what a PID namespace does when its first process ends. Returns 3 when the build had ended already.
 */
const STOP = `sweep() {
  for rs in /proc/[0-9]*/cmdline; do
    r=\${rs#/proc/}; r=\${r%/cmdline}
    case "$(tr '\\0' ' ' 2>/dev/null <"$rs")" in *runc*" run "*) ;; *) continue ;; esac
    for st in /proc/[0-9]*/stat; do
      set -- $(sed 's/.*) //' 2>/dev/null "$st")
      [ "\${2:-}" = "$r" ] && [ -n "\${3:-}" ] && [ ! -e "/proc/$3" ] || continue
      nsenter --user --preserve-credentials -t "$r" sh -c 'kill -KILL "-$1"' _ "$3" 2>/dev/null || kill -KILL "-$3" 2>/dev/null
    done
  done
}
stop() {
  f="$DRAFT_WORK/$1/buildctl.pid"
  [ -f "$f" ] || f="$DRAFT_WORK/$1/pid"
  [ -f "$f" ] || return 3
  p=$(cat "$f")
  kill -TERM "$p" 2>/dev/null || return 3
  n=0
  while kill -0 "$p" 2>/dev/null && [ $n -lt 150 ]; do sweep; n=$((n + 1)); sleep 0.1 2>/dev/null || sleep 1; done
  sweep
  return 0
}`

/*
 * Runs in the builder's container (sh of busybox or dash; tar, sha256sum). Positional arguments: the
 * build id, its owner, the credentials file ('-' for none) and its digest, then buildctl's arguments.
 * It writes its pid and buildctl's where `draft` can stop them, stops an older build of the same owner
 * that is still running (a draft that was killed or lost its connection cannot stop its own), unpacks stdin, waits until the mounted Secret
 * holds the credentials this build brought (the kubelet refreshes Secret volumes with a delay), runs
 * buildctl, prints the metadata of the pushed image, and removes its folder however it ends.
 */
const SCRIPT = `set -u
${STOP}
id=$1 owner=$2 auth=$3 digest=$4
shift 4
work="$DRAFT_WORK/$id"
mkdir -p "$work/context" "$work/docker" || exit ${EXIT_WORKDIR}
child=
trap 'rm -rf "$work"' EXIT
echo "$$" >"$work/pid"
for o in "$DRAFT_WORK"/*/owner; do
  [ -f "$o" ] && [ "$(cat "$o")" = "$owner" ] || continue
  other=\${o%/owner}
  other=\${other##*/}
  [ "$other" = "$id" ] || { stop "$other" && echo "${OUTPUT_PREFIX} stopped an earlier build of this app that was still running (\$other)"; }
done
echo "$owner" >"$work/owner"
trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait; exit 143' TERM INT HUP
if ! tar -x -C "$work/context" -f - 2>"$work/tar.err"; then
  echo "${OUTPUT_PREFIX} the build context could not be unpacked: $(tail -n 3 "$work/tar.err" | tr '\\n' ' ')" >&2
  exit ${EXIT_CONTEXT}
fi
if [ "$auth" != - ]; then
  n=0
  while [ "$(sha256sum <"$DRAFT_AUTH/$auth" 2>/dev/null | cut -c1-64)" != "$digest" ]; do
    [ $n -eq 0 ] && echo "${OUTPUT_PREFIX} waiting for the registry credentials to reach the builder"
    n=$((n + 1))
    if [ $n -gt 600 ]; then
      echo "${OUTPUT_PREFIX} the registry credentials did not reach the builder pod within 2 minutes" >&2
      exit ${EXIT_CREDENTIALS}
    fi
    sleep 0.2 2>/dev/null || sleep 1
  done
  cp "$DRAFT_AUTH/$auth" "$work/docker/config.json"
fi
echo "${OUTPUT_PREFIX} building"
DOCKER_CONFIG="$work/docker" buildctl build "$@" --local context="$work/context" --local dockerfile="$work/context" --progress rawjson --metadata-file "$work/metadata.json" &
child=$!
echo "$child" >"$work/buildctl.pid"
wait "$child"
code=$?
child=
if [ $code -eq 0 ] && [ -f "$work/metadata.json" ]; then
  echo "${OUTPUT_PREFIX} metadata $(tr -d '\\n' <"$work/metadata.json")"
fi
exit $code
`

/** buildctl's arguments for the build: the Dockerfile frontend, the build args and target, a pushed image. */
export function buildctlArgs(inv: Omit<BuildInvocation, 'id' | 'owner' | 'auth'>): string[] {
  const args = ['build', '--frontend', 'dockerfile.v0', '--opt', `filename=${inv.dockerfile}`]
  if (inv.target) args.push('--opt', `target=${inv.target}`)
  for (const key of Object.keys(inv.buildArgs).sort()) args.push('--opt', `build-arg:${key}=${inv.buildArgs[key]}`)
  args.push('--output', `type=image,name=${inv.ref},push=true`)
  return args
}

/** The exec's command: no shell parses the arguments, so build args may hold anything. */
export function buildCommand(inv: BuildInvocation): string[] {
  return ['sh', '-c', SCRIPT, 'draft-build', inv.id, inv.owner, inv.auth?.file ?? '-', inv.auth?.digest ?? '-', ...buildctlArgs(inv)]
}

/** Stops a running build; exits 0 when it was running, 3 when it had ended. */
export function cancelCommand(id: string): string[] {
  return ['sh', '-c', `${STOP}\nstop "$1"`, 'draft-cancel', id]
}

/** An owner key ([a-z0-9]) from what identifies who builds what: e.g. the machine, the app folder and the repository. */
export function buildOwner(...parts: string[]): string {
  let hash = 0x811c9dc5
  const text = parts.join('\u0000')
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0
  return `o${hash.toString(36)}`
}

/** A build id: 12 characters of [a-z0-9], safe in a path and an argument. */
export function buildId(random: () => number = Math.random): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  let id = ''
  for (let i = 0; i < 12; i++) id += alphabet[Math.floor(random() * alphabet.length)]
  return id
}

interface RawVertex {
  digest?: string
  name?: string
  started?: string
  completed?: string
  cached?: boolean
  error?: string
}

interface RawLog {
  vertex?: string
  data?: string
}

/** One line of buildctl's `--progress rawjson` (a client.SolveStatus), as the tracker's StatusResponse; undefined when the line is not one. */
export function parseRawJson(line: string): StatusResponse | undefined {
  if (!line.startsWith('{')) return undefined
  let value: {vertexes?: RawVertex[]; logs?: RawLog[]}
  try {
    value = JSON.parse(line) as typeof value
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  return {
    vertexes: (value.vertexes ?? []).map(v => ({
      digest: v.digest ?? '',
      name: v.name ?? '',
      cached: Boolean(v.cached),
      started: Boolean(v.started),
      completed: Boolean(v.completed),
      error: v.error ?? '',
    })),
    // Log data is bytes, which Go's JSON writes as base64.
    logs: (value.logs ?? []).map(l => ({vertex: l.vertex ?? '', message: Buffer.from(l.data ?? '', 'base64').toString('utf8')})),
  }
}

/** The pushed image's digest from the metadata line the script prints. */
export function parseMetadata(line: string): {digest?: string} | undefined {
  const prefix = `${OUTPUT_PREFIX} metadata `
  if (!line.startsWith(prefix)) return undefined
  try {
    const value = JSON.parse(line.slice(prefix.length)) as Record<string, unknown>
    const digest = value['containerimage.digest']
    return typeof digest === 'string' ? {digest} : {}
  } catch {
    return {}
  }
}

/** What buildctl says last when a solve fails ("error: failed to solve: ..."), without its prefix. */
export function buildctlError(line: string): string | undefined {
  const match = /^(?:error: )?(failed to solve: .*)$/.exec(line.trim()) ?? /^error: (.*)$/.exec(line.trim())
  return match?.[1]
}

export type BuildErrorKind = 'registry-unreachable' | 'registry-unauthorized' | 'builder-lost' | 'step'

/**
 * What a build's failure is about, from BuildKit's reason: the push could not reach the registry, the
 * registry refused the credentials, the daemon went away under buildctl, or a step of the Dockerfile
 * failed (everything else).
 */
export function classifyBuildError(reason: string, step: string): BuildErrorKind {
  const pushing = /push|exporting to image|failed to do request|pushing layers|failed to authorize|failed to fetch (oauth|anonymous) token/i.test(`${step} ${reason}`)
  if (pushing && /\b(dial tcp|connection refused|no such host|i\/o timeout|network is unreachable|no route to host|connection reset|tls: |x509: |server gave HTTP response to HTTPS client|context deadline exceeded)/i.test(reason)) return 'registry-unreachable'
  if (pushing && /\b(401|403)\b|unauthorized|authentication required|insufficient_scope|denied/i.test(reason)) return 'registry-unauthorized'
  if (/code = Unavailable|transport is closing|error reading from server|connection error: desc|rpc error: code = Canceled desc = grpc: the client connection is closing|buildkitd\.sock: connect/i.test(reason)) return 'builder-lost'
  return 'step'
}
