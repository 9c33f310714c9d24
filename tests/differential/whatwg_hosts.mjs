// Helper for tests/differential.rs: host extraction by Node's WHATWG URL parser.
// Reads a JSON array of strings on stdin; writes a JSON array with, for each input,
// `new URL(input).hostname`, or null when the URL parser rejects the input.
import { readFileSync } from "node:fs";

const inputs = JSON.parse(readFileSync(0, "utf8"));
const out = inputs.map((s) => {
  try {
    return new URL(s).hostname;
  } catch {
    return null;
  }
});
process.stdout.write(JSON.stringify(out));
