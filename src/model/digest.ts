/**
 * SHA-256 of a byte array as lowercase hex. WebCrypto where the page has it; browsers expose
 * `crypto.subtle` only in secure contexts (https, localhost), so a page opened over plain http on a LAN
 * address uses @noble/hashes' audited SHA-256 instead.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** `subtle`: WebCrypto's (the default, when there is one), or null for the library's. */
export async function sha256Hex(data: Uint8Array<ArrayBuffer>, subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null): Promise<string> {
  return bytesToHex(subtle === null ? sha256(data) : new Uint8Array(await subtle.digest('SHA-256', data)));
}
