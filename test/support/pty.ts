import assert from 'node:assert/strict'
import {type ChildProcess, spawn} from 'node:child_process'
import {join} from 'node:path'

import {packageRoot} from '../../src/util/package-root.js'

/**
 * Python's pty module gives the child a real terminal: isatty() is true for its stdin and stdout, as
 * for a person at a shell. The bridge copies our stdin to the terminal and the terminal to our stdout,
 * and exits with the child's code.
 */
const BRIDGE = `
import os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
inputs = [fd, 0]
while True:
    ready, _, _ = select.select(inputs, [], [])
    if fd in ready:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 4096)
        if data:
            os.write(fd, data)
        else:
            inputs.remove(0)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`

// Cursor moves and colours that readline and the renderers write on a terminal.
const ANSI = new RegExp(String.raw`\u001B\[[0-9;?]*[A-Za-z]`, 'g')

/** A program on a pseudo-terminal, driven like a person: wait for a prompt, type, press Enter. */
export class TerminalSession {
  private readonly child: ChildProcess
  private output = ''
  private read = 0
  readonly exit: Promise<number>

  /** The built CLI with these arguments. */
  static draft(args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): TerminalSession {
    return new TerminalSession([process.execPath, join(packageRoot(), 'bin', 'run.js'), ...args], options)
  }

  constructor(argv: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}) {
    this.child = spawn('python3', ['-c', BRIDGE, ...argv], {
      cwd: options.cwd ?? packageRoot(),
      env: {...process.env, NO_COLOR: '1', TERM: 'xterm', ...options.env},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    this.child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')))
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')))
    this.exit = new Promise(resolve => this.child.on('exit', code => resolve(code ?? 1)))
  }

  /** Everything the terminal showed, without escape sequences. */
  get text(): string {
    return this.output.replace(ANSI, '')
  }

  /** Waits until the terminal shows `pattern` after what was already read, and returns that line. */
  async expect(pattern: RegExp, ms = 20_000): Promise<string> {
    const deadline = Date.now() + ms
    for (;;) {
      const rest = this.text.slice(this.read)
      const match = pattern.exec(rest)
      if (match) {
        this.read += match.index + match[0].length
        const start = rest.lastIndexOf('\n', match.index) + 1
        const end = rest.indexOf('\n', match.index + match[0].length)
        return rest.slice(start, end === -1 ? undefined : end)
      }
      if (Date.now() > deadline || this.child.exitCode !== null) assert.fail(`the terminal never showed ${pattern}; it showed:\n${this.text}`)
      await new Promise(resolve => setTimeout(resolve, 25))
    }
  }

  /** Types a line and presses Enter (a terminal sends CR; its line discipline makes it a newline). */
  type(line: string): void {
    this.child.stdin!.write(`${line}\r`)
  }

  close(): void {
    this.child.stdin!.end()
    if (this.child.exitCode === null) this.child.kill('SIGTERM')
  }
}
