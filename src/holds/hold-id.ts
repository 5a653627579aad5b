import { randomBytes } from 'node:crypto';

const HOLD_ID = /^hold_[0-9a-z]{20}$/;

/** `hold_` + 20 base-36 characters: short enough to read aloud, too many to guess (103 bits). */
export function newHoldId(): string {
  let out = '';
  for (const byte of randomBytes(40)) {
    if (byte < 252 && out.length < 20) out += (byte % 36).toString(36);
  }
  return out.length === 20 ? `hold_${out}` : newHoldId();
}

export function isHoldId(text: string): boolean {
  return HOLD_ID.test(text);
}
