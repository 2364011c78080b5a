/**
 * Name-based DICOM UIDs: the same names always give the same UID, so an SR written twice for one label has one SOP
 * Instance UID, a reader's SRs of a study share one series, and every SR of one lesion carries one Tracking Unique
 * Identifier. A UUID version 5 layout (SHA-1 of the names, RFC 4122 variant and version bits) under the `2.25` root
 * (PS3.5 B.2: a UUID as one decimal integer).
 */
import { createHash } from 'node:crypto';

export const UID_ROOT_UUID = '2.25';

/** `2.25.<decimal UUIDv5 of the names>` (at most 44 characters). */
export function uidFromNames(...names: readonly string[]): string {
  const h = createHash('sha1').update(`recist-cascade\u0000${names.join('\u0000')}`, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50; // version 5
  h[8] = (h[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${UID_ROOT_UUID}.${BigInt(`0x${hex}`).toString(10)}`;
}

/** A DICOM UID: 1–64 characters, components of digits without leading zeros, separated by dots. */
export function isDicomUid(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 64 && /^(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/.test(value);
}
