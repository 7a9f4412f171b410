/**
 * POSIX `cksum`: the CRC every shell-equipped image can compute (coreutils and busybox alike), so a
 * synced file can be checked in the container without hashing tools. CRC-32 with the polynomial
 * 0x04C11DB7, most significant bit first, over the bytes and then the length, complemented. Pure.
 */
const TABLE = (() => {
  const table = new Uint32Array(256)
  for (let i = 0; i < 256; i++) {
    let c = i << 24
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1
    table[i] = c >>> 0
  }
  return table
})()

export function cksum(data: Uint8Array): number {
  let crc = 0
  const step = (byte: number): void => {
    crc = ((crc << 8) ^ TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0
  }
  for (const byte of data) step(byte)
  for (let n = data.length; n > 0; n = Math.floor(n / 256)) step(n & 0xff)
  return ~crc >>> 0
}

/** The line `cksum FILE` prints: CRC, size, name. */
export const cksumLine = (data: Uint8Array, name: string): string => `${cksum(data)} ${data.length} ${name}`
