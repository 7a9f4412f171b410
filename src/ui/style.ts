/**
 * Minimal terminal styling. Colour only on a TTY, and never when NO_COLOR is set or --json is used.
 */
const enabled = (): boolean => Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb'

const wrap = (open: number, close: number) => (text: string): string => (enabled() ? `\u001B[${open}m${text}\u001B[${close}m` : text)

export const bold = wrap(1, 22)
export const dim = wrap(2, 22)
export const red = wrap(31, 39)
export const green = wrap(32, 39)
export const yellow = wrap(33, 39)
export const blue = wrap(34, 39)
export const magenta = wrap(35, 39)
export const cyan = wrap(36, 39)

export const symbols = {ok: '✔', fail: '✖', warn: '!', arrow: '→', dot: '•'}
