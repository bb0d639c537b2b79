// Unresolved conflict markers, as a merge leaves them (`<<<<<<< `, `=======`,
// `>>>>>>> ` at line starts): a proposal may hold them, main may not.
import { isBinary } from './text.js';

/** Lines that still look like unresolved conflict markers. */
export function hasConflictMarkers(text: string): boolean {
  return /^<{7}( |$)/m.test(text) && /^={7}$/m.test(text.replace(/\r$/gm, '')) && /^>{7}( |$)/m.test(text);
}

/** A text file (not binary by git's test) whose lines still hold conflict markers. */
export function fileHasConflictMarkers(content: Buffer): boolean {
  return !isBinary(content) && hasConflictMarkers(content.toString('utf8'));
}
