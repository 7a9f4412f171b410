import {mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import type {Readable} from 'node:stream'
import tarStream from 'tar-stream'

/** A file tree: a string is file content, {link} a symlink, {dir: true} an empty folder, {mode} sets the mode. */
export type Tree = Record<string, string | {link: string} | {dir: true} | {content: string; mode: number}>

export async function makeTree(tree: Tree, into?: string): Promise<string> {
  const root = into ?? (await mkdtemp(join(tmpdir(), 'draft-build-')))
  for (const [path, spec] of Object.entries(tree)) {
    const abs = join(root, path)
    await mkdir(dirname(abs), {recursive: true})
    if (typeof spec === 'string') await writeFile(abs, spec)
    else if ('link' in spec) await symlink(spec.link, abs)
    else if ('dir' in spec) await mkdir(abs, {recursive: true})
    else await writeFile(abs, spec.content, {mode: spec.mode})
  }
  return root
}

export const removeTree = (root: string): Promise<void> => rm(root, {recursive: true, force: true})

export interface TarItem {
  name: string
  type: string
  mode: number
  mtime: Date
  uid: number
  gid: number
  linkname?: string
  content: string
}

export async function readTar(stream: Readable): Promise<Map<string, TarItem>> {
  const extract = tarStream.extract()
  const items = new Map<string, TarItem>()
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, body, next) => {
      const chunks: Buffer[] = []
      body.on('data', (c: unknown) => {
        chunks.push(c as Buffer)
      })
      body.on('end', () => {
        items.set(header.name, {
          name: header.name,
          type: header.type,
          mode: header.mode,
          mtime: header.mtime,
          uid: header.uid,
          gid: header.gid,
          linkname: header.linkname ?? undefined,
          content: Buffer.concat(chunks).toString('utf8'),
        })
        next()
      })
    })
    extract.on('finish', () => resolve())
    extract.on('error', reject)
    stream.on('error', reject)
  })
  stream.on('data', (chunk: Buffer) => extract.write(chunk))
  stream.on('end', () => extract.end(undefined))
  await done
  return items
}
