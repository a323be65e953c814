import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
// A finished command does not linger: a worker whose handler ignored its abort signal, or
// a stray timer, would otherwise keep the process alive after the command has returned.
// Unreferenced, so a process with nothing left to do exits at once as usual.
setTimeout(() => process.exit(), 250).unref();
