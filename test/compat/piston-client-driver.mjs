// Drives the published npm package piston-client (an ES module, used unmodified)
// for test/compat/piston.e2e-spec.ts: node piston-client-driver.mjs <server> <method> <json args>
// prints the method's result as JSON.
import piston from 'piston-client';

const [server, method, argsJson] = process.argv.slice(2);
const client = piston({ server });
const result = await client[method](...JSON.parse(argsJson ?? '[]'));
process.stdout.write(JSON.stringify(result));
