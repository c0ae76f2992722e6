// Synthesizes one top module with yosys (the @yowasp/yosys WebAssembly build, which reads
// the multi-dimensional packed ports Debian's yosys 0.23 rejects) and prints its report.
// Usage: node yosys_synth.mjs TOP OUT_DIR [NAME=VALUE...] FILE.sv... (parameter overrides of
// the top module, then the sources); exits non-zero on any yosys warning,
// because a warning (an implicitly declared net, a resized port) means the netlist is wrong.
import { runYosys } from '@yowasp/yosys';
import fs from 'fs';
import path from 'path';

const [top, outDir, ...rest] = process.argv.slice(2);
const params = rest.filter((a) => /^\w+=\d+$/.test(a));
const sources = rest.filter((a) => !/^\w+=\d+$/.test(a));
const files = {};
for (const f of sources) files[path.basename(f)] = fs.readFileSync(f, 'utf8');
const script = [
  `read_verilog -sv -DSYNTHESIS ${Object.keys(files).join(' ')}`,
  ...params.map((p) => `chparam -set ${p.split('=')[0]} ${p.split('=')[1]} ${top}`),
  `synth -top ${top}`,
  `tee -q -o stat.txt stat -top ${top}`,
  `write_verilog -noattr netlist.v`,
].join('; ');
// The log is written as it comes, so a run that dies (yosys in WebAssembly has 4 GB) still
// shows how far it got.
fs.mkdirSync(outDir, { recursive: true });
const logPath = path.join(outDir, `${top}.yosys.log`);
fs.writeFileSync(logPath, '');
let log = '';
const sink = (b) => {
  if (!b) return;
  const text = new TextDecoder().decode(b);
  log += text;
  fs.appendFileSync(logPath, text);
};
const out = await runYosys(['-p', script], files, { stdout: sink, stderr: sink });
const stat = typeof out['stat.txt'] === 'string' ? out['stat.txt']
                                                  : new TextDecoder().decode(out['stat.txt']);
fs.writeFileSync(path.join(outDir, `${top}.stat.txt`), stat);
const netlist = out['netlist.v'];
if (netlist) fs.writeFileSync(path.join(outDir, `${top}.netlist.v`),
                              typeof netlist === 'string' ? netlist : new TextDecoder().decode(netlist));
const warnings = log.split('\n').filter((l) => /^Warning:|: Warning:/.test(l));
const total = stat.match(/design hierarchy ===[\s\S]*?Number of cells:\s+(\d+)/) ||
              stat.match(/Number of cells:\s+(\d+)/);
console.log(`${top}: ${total ? total[1] : '?'} cells, ${warnings.length} yosys warnings`);
for (const w of warnings.slice(0, 20)) console.log(`  ${w}`);
process.exit(warnings.length === 0 && total ? 0 : 1);
