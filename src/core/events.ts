/**
 * The event stream of a deploy (and of a rollback or a delete, which reuse its stages). The core emits these; renderers (TTY, plain lines, JSON lines) draw
 * them. Timings are milliseconds; `at` is milliseconds since the run started.
 */
export type Stage = 'connect' | 'tag' | 'build' | 'push' | 'load' | 'deploy' | 'rollout' | 'rollback' | 'uninstall' | 'images' | SyncStage

/** The stages of a live update: which files go to which pods, copying and checking them, restarting the app. */
export type SyncStage = 'plan' | 'copy' | 'reload'

export interface StageError {
  code: string
  message: string
  fix: string
  details?: string[]
  /** The build step that failed (BUILD_FAILED), as the build log names it. */
  step?: string
}

export type UpEvent =
  | {type: 'stage-started'; stage: Stage; at: number; message: string}
  | {type: 'stage-progress'; stage: Stage; at: number; message: string; step?: number; steps?: number; bytesDone?: number; bytesTotal?: number}
  | {type: 'stage-finished'; stage: Stage; at: number; ms: number; message: string; phases?: Record<string, number>}
  | {type: 'stage-skipped'; stage: Stage; at: number; message: string}
  | {type: 'stage-failed'; stage: Stage; at: number; ms: number; error: StageError}

export type Emit = (event: UpEvent) => void

/**
 * The event stream of a connect session (`draft connect`, `draft logs -f`, `draft up --connect`):
 * forwards, where they point, why they wait, lost and restored connections, and the log lines.
 * `at` is milliseconds since the session started.
 */
export type ConnectEvent =
  /** A local port is open; `choice` says how it was chosen. */
  | {type: 'forward-listening'; at: number; local: number; remote: number; url: string; choice: 'same-port' | 'next-free' | 'explicit'}
  /** New connections to `remote` now go to `pod` (open ones stay where they are). */
  | {type: 'forward-target'; at: number; remote: number; pod: string; previous?: string; why: string; /** The previous pod still exists, so its open connections finish there. */ draining?: boolean}
  /** No pod can take new connections; they wait. `fix` when waiting will not help. */
  | {type: 'forward-waiting'; at: number; message: string; fix?: string}
  /** One forwarded connection failed for good (after retries on other pods). */
  | {type: 'forward-failed'; at: number; local: number; remote: number; pod?: string; message: string}
  /** The API server (or a stream through it) went away; draft reconnects with backoff. */
  | {type: 'connection-lost'; at: number; what: string; reason: string}
  | {type: 'connection-restored'; at: number; ms: number}
  | {type: 'log-line'; at: number; pod: string; container: string; prefix: string; time: string; line: string}
  /** Something about a log stream worth a line: a container that restarted, one waiting to start. */
  | {type: 'log-note'; at: number; pod: string; container: string; prefix: string; message: string}
  | {type: 'connect-stopped'; at: number; connections: number; failed: number}
  /** `up --watch --connect`: the session could not start (it tries again after the next good cycle). */
  | {type: 'connect-failed'; at: number; error: StageError}

export type ConnectEmit = (event: ConnectEvent) => void

/**
 * The dashboard of `draft up --watch` and `draft dashboard`: where it listens (the URL carries the
 * session's token), or why it could not start (the loop goes on without it).
 */
export type DashboardEvent = {type: 'dashboard'; at: number; url: string} | {type: 'dashboard-failed'; at: number; message: string}
