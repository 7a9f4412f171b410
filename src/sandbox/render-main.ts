/**
 * The sandbox's side (bundled with ejs into dist/sandbox/render-main.cjs): read the request and the
 * template texts from stdin, render, write the results after a marker on stdout, exit. The process
 * runs under Node's permission model (it may read this file and nothing else, write nothing, start
 * no process or worker) with an empty environment; see node-sandbox-renderer.ts.
 */
import fs from 'node:fs'
import os from 'node:os'
import trace from 'node:trace_events'
import v8 from 'node:v8'

import {renderTemplates} from '../scaffold/render-template.js'
import type {RenderRequest} from '../scaffold/template-renderer.js'
import {RESULT_MARK} from './protocol.js'

// What the permission model of Node 20 leaves open: signals to other processes, their priority,
// trace and V8 log files written to the working folder. A template gets none of them.
const refuse = (what: string) => (): never => {
  throw new Error(`${what} is not available to pack templates`)
}
const proc = process as unknown as Record<string, unknown>
proc.kill = refuse('process.kill')
proc._kill = refuse('process.kill')
Object.assign(os, {setPriority: refuse('os.setPriority')})
Object.assign(trace, {createTracing: refuse('trace_events')})
Object.assign(v8, {setFlagsFromString: refuse('v8.setFlagsFromString')})

const chunks: Buffer[] = []
process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk))
process.stdin.on('end', () => {
  const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {request: RenderRequest; files: [string, string][]}
  const files = new Map(input.files)
  // ejs looks an include up on disk before it loads it; here the disk is the texts that were sent.
  Object.assign(fs, {existsSync: (path: fs.PathLike): boolean => files.has(String(path))})
  const results = renderTemplates(input.request, files)
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(results)}`, () => process.exit(0))
})
