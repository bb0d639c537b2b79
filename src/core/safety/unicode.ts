import type { RuleId } from './rules.js';

// invisible-unicode and bidi-control: one pass with one character-class regex over
// UTF-16 code units (callers skip pure-ASCII text entirely). Every hit is then
// judged in context so that ordinary text does not fire:
//   * U+FEFF at index 0 is a byte order mark;
//   * U+200C/U+200D (ZWNJ/ZWJ) after a non-ASCII letter, mark or emoji and before
//     another one or the end of a word are orthographic (Persian, Indic scripts)
//     or build emoji sequences (👨‍👩‍👧);
//   * tag characters after U+1F3F4 ending in U+E007F are flag emoji (🏴󠁧󠁢󠁳󠁣󠁴󠁿);
//   * a single variation selector U+E0100–U+E01EF is an ideographic variation
//     sequence; only runs of them (data smuggled in "emoji") are reported.

/** weak: a single invisible character; strong: tag characters, variation-selector runs, bidi controls. */
export type Hit = (rule: RuleId, index: number, weak: boolean, message: string) => void;

const CANDIDATES =
  /[\u00ad\u034f\u17b4\u17b5\u200b-\u200d\u2060-\u2064\ufeff\u180e\u115f\u1160\u3164\uffa0\u202a-\u202e\u2066-\u2069]|\udb40[\udc00-\udc7f\udd00-\uddef]/g;

const NAMES: Record<number, string> = {
  0x00ad: 'soft hyphen',
  0x034f: 'combining grapheme joiner',
  0x17b4: 'Khmer inherent vowel aq',
  0x17b5: 'Khmer inherent vowel aa',
  0x200b: 'zero-width space',
  0x200c: 'zero-width non-joiner',
  0x200d: 'zero-width joiner',
  0x2060: 'word joiner',
  0x2061: 'invisible function application',
  0x2062: 'invisible times',
  0x2063: 'invisible separator',
  0x2064: 'invisible plus',
  0xfeff: 'zero-width no-break space (BOM) not at the start',
  0x180e: 'Mongolian vowel separator',
  0x115f: 'Hangul choseong filler',
  0x1160: 'Hangul jungseong filler',
  0x3164: 'Hangul filler',
  0xffa0: 'halfwidth Hangul filler',
  0x202a: 'left-to-right embedding',
  0x202b: 'right-to-left embedding',
  0x202c: 'pop directional formatting',
  0x202d: 'left-to-right override',
  0x202e: 'right-to-left override',
  0x2066: 'left-to-right isolate',
  0x2067: 'right-to-left isolate',
  0x2068: 'first strong isolate',
  0x2069: 'pop directional isolate',
};

function hex(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A character a joiner may legitimately follow: non-ASCII letter or mark, emoji, VS16, skin tone. */
const JOINER_BEFORE = /^[\p{L}\p{M}\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\uFE0F]$/u;
/** A character a joiner may legitimately precede. */
const JOINER_AFTER = /^[\p{L}\p{M}\p{Extended_Pictographic}]$/u;

function codePointBefore(text: string, index: number): string {
  if (index <= 0) return '';
  const lo = text.charCodeAt(index - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && index >= 2) {
    const hi = text.charCodeAt(index - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return text.slice(index - 2, index);
  }
  return text[index - 1];
}

function codePointAt(text: string, index: number): string {
  const cp = text.codePointAt(index);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}

function isOrthographicJoiner(text: string, index: number): boolean {
  const before = codePointBefore(text, index);
  if (!before || before.charCodeAt(0) < 0x80 || !JOINER_BEFORE.test(before)) return false;
  // After it: a non-ASCII letter, mark or emoji (conjuncts, emoji sequences), or the
  // end of a word (Malayalam chillu forms: പ്രവീൺ‍ ). Never another invisible character.
  const after = codePointAt(text, index + 1);
  if (!after || after === ' ' || after === '\n' || after === '\r' || after === '\t') return true;
  return after.charCodeAt(0) >= 0x80 && JOINER_AFTER.test(after);
}

const BLACK_FLAG = '\u{1F3F4}';

export function scanUnicode(text: string, hit: Hit, where = ''): void {
  const re = CANDIDATES;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const i = m.index;
    const c = text.charCodeAt(i);
    if (c === 0xdb40) {
      const low = text.charCodeAt(i + 1);
      // Gather the whole run of this kind of character.
      const tags = low <= 0xdc7f;
      let j = i;
      let decoded = '';
      while (j + 1 < text.length && text.charCodeAt(j) === 0xdb40) {
        const l = text.charCodeAt(j + 1);
        if (tags ? !(l >= 0xdc00 && l <= 0xdc7f) : !(l >= 0xdd00 && l <= 0xddef)) break;
        if (tags) {
          const ascii = l - 0xdc00;
          decoded += ascii >= 0x20 && ascii < 0x7f ? String.fromCharCode(ascii) : '';
        }
        j += 2;
      }
      re.lastIndex = j;
      const count = (j - i) / 2;
      if (tags) {
        const isFlag = text.slice(Math.max(0, i - 2), i) === BLACK_FLAG && text.charCodeAt(j - 1) === 0xdc7f && /^[a-z0-9]+$/.test(decoded);
        if (isFlag) continue;
        const shown = decoded ? `: "${decoded.length > 60 ? `${decoded.slice(0, 57)}...` : decoded}"` : '';
        hit('invisible-unicode', i, false, `${count} Unicode tag character(s) U+E0000–U+E007F${where} hide text${shown}`);
      } else if (count >= 2) {
        hit('invisible-unicode', i, false, `run of ${count} variation selectors U+E0100–U+E01EF${where} (can hide data)`);
      }
      continue;
    }
    if (c === 0xfeff && i === 0) continue;
    if ((c === 0x200c || c === 0x200d) && isOrthographicJoiner(text, i)) continue;
    const bidi = (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    const name = `${NAMES[c] ?? 'invisible character'} ${hex(c)}${where}`;
    if (bidi) hit('bidi-control', i, false, `bidirectional control ${name} can make code read differently than it runs`);
    else hit('invisible-unicode', i, true, `${name}`);
  }
}
