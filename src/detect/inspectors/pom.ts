/**
 * Just enough XML to read a Maven POM: elements, their text and their line, comments and
 * processing instructions dropped. POMs use no attributes that matter here and no mixed content.
 */
export interface XmlNode {
  name: string
  text: string
  line: number
  children: XmlNode[]
}

export function parseXml(text: string): XmlNode | undefined {
  const root: XmlNode = {name: '#document', text: '', line: 1, children: []}
  const stack: XmlNode[] = [root]
  const token = /<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([\w.:-]+)[^>]*?(\/?)>|([^<]+)/g
  let line = 1
  let last = 0
  for (let match = token.exec(text); match; match = token.exec(text)) {
    for (let i = last; i < match.index; i++) if (text.charCodeAt(i) === 10) line++
    last = match.index
    const top = stack[stack.length - 1]!
    const [whole, cdata, closing, name, selfClosing, chars] = match
    if (cdata !== undefined) top.text += cdata
    else if (chars !== undefined) top.text += decode(chars)
    else if (name && closing) {
      if (stack.length > 1 && top.name === name) stack.pop()
      else return undefined
    } else if (name) {
      const node: XmlNode = {name: name.replace(/^\w+:/, ''), text: '', line, children: []}
      top.children.push(node)
      if (!selfClosing && !whole.endsWith('/>')) stack.push(node)
    }
  }
  if (stack.length !== 1) return undefined
  return root.children.find(c => c.name === 'project') ?? root.children[0]
}

const decode = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')

export const child = (node: XmlNode | undefined, name: string): XmlNode | undefined => node?.children.find(c => c.name === name)
export const childrenOf = (node: XmlNode | undefined, name: string): XmlNode[] => node?.children.filter(c => c.name === name) ?? []
/** Text of a descendant by path (`build/finalName`), trimmed; undefined when absent or empty. */
export function textAt(node: XmlNode | undefined, path: string): string | undefined {
  let current = node
  for (const part of path.split('/')) current = child(current, part)
  const text = current?.text.trim()
  return text ? text : undefined
}
/** Every descendant with this name, in document order. */
export function descendants(node: XmlNode, name: string): XmlNode[] {
  const out: XmlNode[] = []
  const visit = (n: XmlNode): void => {
    for (const c of n.children) {
      if (c.name === name) out.push(c)
      visit(c)
    }
  }
  visit(node)
  return out
}

export interface Coordinates {
  groupId?: string
  artifactId: string
  line: number
  node: XmlNode
}

export interface Pom {
  root: XmlNode
  groupId?: string
  artifactId?: string
  version?: string
  packaging: string
  finalName?: string
  parent?: Coordinates & {version?: string}
  properties: Map<string, {value: string; line: number}>
  dependencies: Coordinates[]
  /** build/plugins, not pluginManagement: only these run. */
  plugins: Coordinates[]
  modules: {name: string; line: number}[]
}

export function readPom(text: string): Pom | undefined {
  const root = parseXml(text)
  if (!root || root.name !== 'project') return undefined
  const coordinates = (node: XmlNode): Coordinates | undefined => {
    const artifactId = textAt(node, 'artifactId')
    if (!artifactId) return undefined
    return {groupId: textAt(node, 'groupId'), artifactId, line: node.line, node}
  }
  const properties = new Map<string, {value: string; line: number}>()
  for (const p of child(root, 'properties')?.children ?? []) properties.set(p.name, {value: p.text.trim(), line: p.line})
  const parentNode = child(root, 'parent')
  const parent = parentNode ? coordinates(parentNode) : undefined
  const pom: Pom = {
    root,
    groupId: textAt(root, 'groupId') ?? (parentNode ? textAt(parentNode, 'groupId') : undefined),
    artifactId: textAt(root, 'artifactId'),
    version: textAt(root, 'version') ?? (parentNode ? textAt(parentNode, 'version') : undefined),
    packaging: textAt(root, 'packaging') ?? 'jar',
    finalName: textAt(root, 'build/finalName'),
    parent: parent ? {...parent, version: textAt(parentNode, 'version')} : undefined,
    properties,
    dependencies: childrenOf(child(root, 'dependencies'), 'dependency').map(coordinates).filter((c): c is Coordinates => Boolean(c)),
    plugins: childrenOf(child(child(root, 'build'), 'plugins'), 'plugin').map(coordinates).filter((c): c is Coordinates => Boolean(c)),
    modules: childrenOf(child(root, 'modules'), 'module').map(m => ({name: m.text.trim(), line: m.line})).filter(m => m.name),
  }
  return pom
}

/** `${project.version}`, `${revision}` and other properties resolved; undefined when one is unknown. */
export function interpolate(pom: Pom, value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  let unresolved = false
  const builtins: Record<string, string | undefined> = {
    'project.version': pom.version,
    'project.artifactId': pom.artifactId,
    'project.groupId': pom.groupId,
    'pom.version': pom.version,
    'pom.artifactId': pom.artifactId,
    'project.parent.version': pom.parent?.version,
  }
  let out = value
  for (let depth = 0; depth < 5 && out.includes('${'); depth++) {
    out = out.replace(/\$\{([\w.-]+)\}/g, (whole, key: string) => {
      const found = builtins[key] ?? pom.properties.get(key)?.value
      if (found === undefined || found.includes(whole)) {
        unresolved = true
        return whole
      }
      return found
    })
  }
  return unresolved || out.includes('${') ? undefined : out
}
