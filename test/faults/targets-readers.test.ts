// The long run of test/targets-readers.test.ts for `npm run test:faults`: 200 accepts.
process.env.SKILLSYNC_READER_ACCEPTS ??= '200';
await import('../targets-readers.test.js');
