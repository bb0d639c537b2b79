// The file-system races of test/hostile.test.ts, long: many passes while files change or
// paths are swapped (npm test runs a few). See hostile-races.ts.
import { churnSuite, halvesSuite, originSuite, swapSuite } from './hostile-races.js';

const passes = Number(process.env.SKILLSYNC_RACE_PASSES ?? 30);
const size = { passes, victims: 150, swaps: passes * 20 };
swapSuite(size);
churnSuite(size);
halvesSuite(size);
originSuite(size);
