/**
 * The two shell programs of live update, and how their output reads. They run in the app's
 * container with nothing but a POSIX shell and the tools every image with one has (tar, head,
 * cksum, sed, cat, sleep). Pure: the text of the scripts, their arguments, and parsers.
 *
 * The restart wrapper is the container's command in sync mode (when the app's process must be
 * restarted to pick up a change). It runs the image's command and starts it again on SIGUSR1, which
 * reaches it from `kill -USR1 1` whether it is PID 1 itself or the child of an init that passes
 * signals on (tini, dumb-init). TERM and INT stop the app and the wrapper. It writes the app's state
 * to `<state>/app`: `running PID`, or `exited CODE` when the app stopped by itself (the wrapper then
 * waits for the next sync rather than exit, so a syntax error costs no container restart).
 *
 * The apply script is one exec per pod and per sync: it unpacks the tar on its stdin at `/`, removes
 * the deleted paths, checks every file with cksum against what draft sent, and only then, when told
 * to, restarts the app and waits until a new socket listens on the app's port (read from
 * /proc/net/tcp, so no tool is needed). Its output says how far it got; its exit code why it stopped.
 */

/** Where the wrapper keeps the app's state in sync mode: a small emptyDir the chart mounts. */
export const SYNC_STATE_DIR = '/run/draft-sync'

/** The name the wrapper runs under ($0 of `sh -c`), visible in `ps` and /proc. */
export const WRAPPER_NAME = 'draft-sync-wrapper'

export const WRAPPER_SCRIPT = `state=$1 sig=$2
shift 2
# A command started in the background by a shell without job control has INT and QUIT ignored, and
# most runtimes keep them so: a stop signal of INT would never stop the app. env gives them back
# their default where it can (coreutils 8.31 and later); elsewhere the KILL after 10 s still applies.
if env --default-signal=INT,QUIT true 2>/dev/null; then set -- env --default-signal=INT,QUIT "$@"; fi
# The shell's own notices ("Terminated" for each restart) stay out of the app's log.
exec 3>&2 2>/dev/null
restart=0 stop=0
trap 'restart=1' USR1
trap 'stop=1' TERM INT
note() { echo "$1" > "$state/app.new" && mv -f "$state/app.new" "$state/app"; }
while :; do
  "$@" 2>&3 3>&- &
  pid=$!
  note "running $pid"
  wait "$pid"
  code=$?
  while kill -0 "$pid" 2>/dev/null && [ $restart = 0 ] && [ $stop = 0 ]; do
    wait "$pid"
    code=$?
  done
  if kill -0 "$pid" 2>/dev/null; then
    if [ $stop = 1 ]; then kill -TERM "$pid"; else kill -"$sig" "$pid"; fi
    (sleep 10; kill -KILL "$pid" 2>/dev/null) &
    guard=$!
    wait "$pid"
    code=$?
    { kill "$guard" && wait "$guard"; } 2>/dev/null
  elif [ $stop = 0 ]; then
    note "exited $code"
    echo "draft: the app exited with code $code; it starts again at the next sync" >&3
    while [ $restart = 0 ] && [ $stop = 0 ]; do
      sleep 1 &
      wait $!
    done
  fi
  if [ $stop = 1 ]; then exit "$code"; fi
  restart=0
done`

/** The container's args in sync mode for reload = restart: the wrapper around the image's command. */
export function wrapperArgs(command: readonly string[], stopSignal: string): string[] {
  return ['sh', '-c', WRAPPER_SCRIPT, WRAPPER_NAME, SYNC_STATE_DIR, stopSignal, ...command]
}

export const APPLY_SCRIPT = `root=$1 size=$2 expected=$3 restart=$4 port=$5 state=$6 timeout=$7 init=$8 removed=$9
shift 9
cd "$root" || exit 20
if [ "$size" -gt 0 ]; then
  head -c "$size" | tar -x -f - || exit 21
fi
if [ -n "$removed" ]; then
  printf '%s\\n' "$removed" | while IFS= read -r p; do
    rm -rf -- "$p"
    if [ -e "$p" ] || [ -L "$p" ]; then echo "draft-sync: still there: $p"; exit 22; fi
  done || exit 22
fi
if [ $# -gt 0 ]; then
  actual=$(cksum -- "$@") || exit 23
  printf '%s\\n' "$actual"
  if [ "$actual" != "$expected" ]; then echo "draft-sync: mismatch"; exit 24; fi
fi
echo "draft-sync: copied"
if [ "$restart" != 1 ]; then exit 0; fi
hex=$(printf '%04X' "$port")
listening() {
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | sed -n -E "s/^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:[0-9A-F]+ 0A [0-9A-F]+:[0-9A-F]+ [0-9A-F]+:[0-9A-F]+ [0-9A-F]+ +[0-9]+ +[0-9]+ +([0-9]+) .*/\\1/p" | sort
}
before=$(listening)
old=$(cat "$state/app" 2>/dev/null)
kill -USR1 "$init" || exit 30
echo "draft-sync: restarting"
i=0
limit=$((timeout * 50))
while :; do
  now=$(cat "$state/app" 2>/dev/null)
  if [ -n "$now" ] && [ "$now" != "$old" ]; then
    case $now in exited*) echo "draft-sync: $now"; exit 31 ;; esac
    if [ "$port" = 0 ]; then echo "draft-sync: started"; exit 0; fi
    current=$(listening)
    if [ -n "$current" ] && [ "$current" != "$before" ]; then echo "draft-sync: listening"; exit 0; fi
  fi
  i=$((i + 1))
  if [ $i -gt $limit ]; then echo "draft-sync: not listening after \${timeout}s"; exit 32; fi
  sleep 0.02
done`

export interface ApplyRequest {
  /** Bytes of the tar sent on stdin (0: nothing to unpack, and stdin is not read). */
  size: number
  /** Paths of the files in the tar, relative to `root`, in the order cksum is run on them. */
  files: string[]
  /** The cksum lines they must give. */
  expected: string[]
  /** Paths to delete, relative to `root`. */
  removed: string[]
  /** Restart the app (through the wrapper) once everything is in place, and wait for a new socket on its port (0: only for the new process). */
  restart?: {port: number; timeoutSeconds: number}
  /** Where paths start: `/` in a container (tests use a folder of their own). */
  root?: string
  /** The process the restart signal goes to: PID 1, the wrapper or the init in front of it. */
  init?: number
  /** The wrapper's state folder. */
  state?: string
}

export function applyArgs(request: ApplyRequest): string[] {
  return [
    'sh',
    '-c',
    APPLY_SCRIPT,
    'draft-sync',
    request.root ?? '/',
    String(request.size),
    request.expected.join('\n'),
    request.restart ? '1' : '0',
    String(request.restart?.port ?? 0),
    request.state ?? SYNC_STATE_DIR,
    String(request.restart?.timeoutSeconds ?? 0),
    String(request.init ?? 1),
    request.removed.join('\n'),
    ...request.files,
  ]
}

/** A container path as the apply script names it: relative to `/`. */
export const relativeToRoot = (target: string): string => target.replace(/^\/+/, '')

/** What an apply run says about itself, from its output and exit code. */
export type ApplyOutcome =
  | {ok: true; restarted: boolean}
  | {ok: false; stage: 'copy' | 'reload'; reason: string}

export function readApply(exitCode: number, stdout: string, stderr: string): ApplyOutcome {
  const said = (prefix: string): string | undefined =>
    stdout
      .split('\n')
      .find(l => l.startsWith(`draft-sync: ${prefix}`))
      ?.slice('draft-sync: '.length)
  const last = stderr.trim().split('\n').pop()?.trim()
  const why = (fallback: string): string => (last ? `${fallback}: ${last}` : fallback)
  switch (exitCode) {
    case 0:
      return {ok: true, restarted: /draft-sync: (listening|started)/.test(stdout)}
    case 20:
      return {ok: false, stage: 'copy', reason: 'the container has no root folder to unpack into'}
    case 21:
      return {ok: false, stage: 'copy', reason: why('tar could not unpack the files')}
    case 22:
      return {ok: false, stage: 'copy', reason: `a deleted file could not be removed (${said('still there') ?? 'rm failed'})`}
    case 23:
      return {ok: false, stage: 'copy', reason: why('cksum could not read the files back')}
    case 24:
      return {ok: false, stage: 'copy', reason: 'the files in the container differ from the ones sent (cksum)'}
    case 30:
      return {ok: false, stage: 'reload', reason: why('the restart signal could not be sent')}
    case 31:
      return {ok: false, stage: 'reload', reason: `the app ${said('exited') ?? 'exited'} after the restart`}
    case 32: {
      const waited = /after (\S+)$/.exec(said('not listening') ?? '')?.[1]
      return {ok: false, stage: 'reload', reason: `the app did not listen on its port again${waited ? ` within ${waited}` : ''} after the restart`}
    }
    case 126:
    case 127:
      return {ok: false, stage: 'copy', reason: why('the container lacks a program sync needs (sh, tar, head or cksum)')}
    default:
      return {ok: false, stage: stdout.includes('draft-sync: copied') ? 'reload' : 'copy', reason: why(`the sync command ended with exit code ${exitCode}`)}
  }
}
