// `node --import ./test/helpers/trace-imports.mjs …`: appends every module URL the process
// resolves to the file in LOCKSTEP_TRACE_IMPORTS, so a test can assert what a runtime path
// loads (a worker must never load the TypeScript compiler, the SQL parser or a server).
import { register } from 'node:module';

if (process.env.LOCKSTEP_TRACE_IMPORTS) {
  const hooks = `
    import { appendFileSync } from 'node:fs';
    export async function resolve(specifier, context, next) {
      const result = await next(specifier, context);
      appendFileSync(${JSON.stringify(process.env.LOCKSTEP_TRACE_IMPORTS)}, result.url + '\\n');
      return result;
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
