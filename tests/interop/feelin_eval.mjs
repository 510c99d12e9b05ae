// Evaluate FEEL unary tests with feelin, the reference the differential test compares with.
//
// stdin: one JSON object a line: {"e": "<unary test>", "t": "number|string|boolean|date|null",
//        "v": <value>}  (a date's value is its ISO text, turned into a FEEL date here)
// stdout: one JSON object a line, in the same order: {"r": true|false|null} or {"err": "..."}
// All pairs run in this one process: start-up is paid once.
import { createInterface } from 'node:readline';
import { unaryTest, date } from 'feelin';

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
for await (const line of lines) {
  if (!line.trim()) continue;
  const { e, t, v } = JSON.parse(line);
  const value = t === 'date' ? date(v) : v;
  try {
    const { value: r } = unaryTest(e, { '?': value });
    out.push(JSON.stringify({ r: r === undefined ? null : r }));
  } catch (err) {
    out.push(JSON.stringify({ err: String(err && err.message || err).slice(0, 200) }));
  }
}
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
