// Synthesizes one top module with yosys (the @yowasp/yosys WebAssembly build, which reads
// the multi-dimensional packed ports Debian's yosys 0.23 rejects) and prints its report.
// Usage: node yosys_synth.mjs TOP OUT_DIR [NAME=VALUE...] [--macro=FILE.sv...] FILE.sv...
// (parameter overrides of the top module, memory macros, then the sources); exits non-zero on
// any yosys warning, because a warning (an implicitly declared net, a resized port) means the
// netlist is wrong. A macro file is read as a black box (read_verilog -lib): its instances
// stay cells, reported as Words x Width bits, not as flip-flops and multiplexers. The design
// keeps its hierarchy, so each distinct module is synthesized once however often it is used.
import { runYosys } from '@yowasp/yosys';
import fs from 'fs';
import path from 'path';

const [top, outDir, ...rest] = process.argv.slice(2);
const params = rest.filter((a) => /^\w+=\d+$/.test(a));
const macros = rest.filter((a) => a.startsWith('--macro=')).map((a) => a.slice('--macro='.length));
const sources = rest.filter((a) => !/^\w+=\d+$/.test(a) && !a.startsWith('--macro='));
const files = {};
for (const f of [...macros, ...sources]) files[path.basename(f)] = fs.readFileSync(f, 'utf8');
// Two runs of yosys, so that the whole design is never held as unoptimized gates at once
// (the tile's was more than the 4 GB of yosys in WebAssembly): the first elaborates and runs
// synth's coarse stage on every module; the second runs synth's fine stage (the same
// commands) one module at a time, each module mapped, optimized and through ABC before the next.
const reads = [
  ...(macros.length ? [`read_verilog -sv -lib -DSYNTHESIS ${macros.map((f) => path.basename(f)).join(' ')}`] : []),
  `read_verilog -sv -DSYNTHESIS ${sources.map((f) => path.basename(f)).join(' ')}`,
  ...params.map((p) => `chparam -set ${p.split('=')[0]} ${p.split('=')[1]} ${top}`),
];
const coarseScript = [...reads, `synth -top ${top} -run :fine`, 'write_rtlil coarse.il',
                      'tee -q -o modules.txt ls'].join('; ');
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
const text = (v) => (typeof v === 'string' ? v : v ? new TextDecoder().decode(v) : '');
const coarse = await runYosys(['-p', coarseScript], files, { stdout: sink, stderr: sink });
// `ls` lists one module a line; black boxes (the macros) have nothing to map. In a selection
// `?` stands for the `\` of a derived module's name.
const boxes = new Set(macros.flatMap((f) => [...files[path.basename(f)].matchAll(/^module\s+(\w+)/gm)])
                             .map((m) => m[1]));
const modules = text(coarse['modules.txt']).split('\n').map((l) => l.trim())
                  .filter((l) => l && !/modules:$/.test(l) && !boxes.has(l));
const fineScript = [
  'read_rtlil coarse.il', `hierarchy -top ${top}`,
  'opt -fast -full', 'memory_map', 'opt -full',
  ...modules.flatMap((m) => {
    const sel = m.replace(/\\/g, '?');
    return [`techmap ${sel}`, `opt -fast ${sel}`, `abc -fast ${sel}`, `opt -fast ${sel}`];
  }),
  `hierarchy -check -top ${top}`, 'stat', 'check',
  `tee -q -o stat.txt stat -top ${top}`,
  'write_verilog -noattr netlist.v',
].join('; ');
const out = await runYosys(['-p', fineScript], { 'coarse.il': coarse['coarse.il'] },
                           { stdout: sink, stderr: sink });
const stat = text(out['stat.txt']);
fs.writeFileSync(path.join(outDir, `${top}.stat.txt`), stat);
const netlist = text(out['netlist.v']);
if (netlist) fs.writeFileSync(path.join(outDir, `${top}.netlist.v`), netlist);
const warnings = log.split('\n').filter((l) => /^Warning:|: Warning:/.test(l));
const report = blockReport(stat, netlist);
if (report) fs.writeFileSync(path.join(outDir, `${top}.blocks.txt`), report.table);
if (report) {
  const t = report.total;
  console.log(`${top}: ${t.cells} cells (${t.flops} flip-flops), ${t.bits} memory-macro bits` +
              ` in ${t.macros} macros, ${warnings.length} yosys warnings`);
  console.log(report.table.trimEnd());
} else {
  console.log(`${top}: ? cells, ${warnings.length} yosys warnings`);
}
for (const w of warnings.slice(0, 20)) console.log(`  ${w}`);
if (report && report.error) {
  console.log(`  a cell is neither a gate, a module nor a macro with Words and Width: see ${top}.stat.txt`);
}
process.exit(warnings.length === 0 && report && !report.error ? 0 : 1);

// Cells, flip-flops and macro bits per module, from `stat` (each module's own cells and
// instances) and the netlist (each macro instance's parameters). Leaf cells are yosys's
// generic gates ($_AND_, $_DFF_P_, ...); any other cell type is a module: one with its own
// stat section is synthesized logic, one without is a black box, a memory macro.
function blockReport(statText, netlistText) {
  const mods = new Map();
  for (const sec of statText.split(/^=== /m).slice(1)) {
    const name = sec.slice(0, sec.indexOf(' ===')).trim();
    if (name === 'design hierarchy') continue;
    const m = { cells: 0, flops: 0, children: new Map() };
    const body = sec.slice(sec.indexOf('Number of cells:'));
    for (const line of body.split('\n').slice(1)) {
      const hit = line.match(/^\s+(\S+)\s+(\d+)$/);
      if (!hit) break;
      const [, type, n] = [hit[0], hit[1], Number(hit[2])];
      if (type.startsWith('$_')) {
        m.cells += n;
        if (/DFF|DLATCH/.test(type)) m.flops += n;
      } else {
        m.children.set(type, (m.children.get(type) || 0) + n);
      }
    }
    mods.set(name, m);
  }
  if (!mods.has(top)) return null;
  // Macro instances: `TYPE #( .P(32'd4096), ... ) u_name (` inside `module NAME(`.
  const macroBits = new Map();  // module -> [{type, inst, words, width}]
  let error = false;
  for (const chunk of netlistText.split(/^module /m).slice(1)) {
    const mod = chunk.slice(0, chunk.indexOf('(')).trim().replace(/^\\/, '');
    const list = [];
    for (const hit of chunk.matchAll(/^\s+(\S+)\s+#\(\n([\s\S]*?)\n\s+\)\s+(\S+)\s+\(/gm)) {
      const type = hit[1].replace(/^\\/, '');
      if (mods.has(type) || type.startsWith('$')) continue;
      const p = {};
      for (const q of hit[2].matchAll(/\.(\w+)\((\d+)'s?d(\d+)\)/g)) p[q[1]] = Number(q[3]);
      if (!(p.Words > 0 && p.Width > 0)) error = true;
      list.push({ type, inst: hit[3].replace(/^\\/, ''), words: p.Words || 0, width: p.Width || 0 });
    }
    if (list.length) macroBits.set(mod, list);
  }
  // Every black-box instance stat counts must have been found with its size.
  for (const [name, m] of mods) {
    let boxes = 0;
    for (const [child, n] of m.children) if (!mods.has(child)) boxes += n;
    if (boxes !== (macroBits.get(name) || []).length) error = true;
  }
  const short = (name) => {
    const base = name.replace(/^\$paramod(\$[0-9a-f]+)?\\/, '');
    const [mod, ...ps] = base.split('\\');
    const vals = ps.map((q) => q.replace(/=s?\d+'s?([01]+)$/, (_, b) => `=${parseInt(b, 2)}`));
    return vals.length ? `${mod} (${vals.join(', ')})` : mod;
  };
  // Totals over the subtree of one instance of each module.
  const memo = new Map();
  const total = (name) => {
    if (memo.has(name)) return memo.get(name);
    const m = mods.get(name);
    const t = { cells: m.cells, flops: m.flops, bits: 0, macros: 0 };
    for (const mb of macroBits.get(name) || []) { t.bits += mb.words * mb.width; t.macros += 1; }
    for (const [child, n] of m.children) {
      if (!mods.has(child)) continue;
      const c = total(child);
      t.cells += n * c.cells; t.flops += n * c.flops; t.bits += n * c.bits; t.macros += n * c.macros;
    }
    memo.set(name, t);
    return t;
  };
  const fmt = (n) => n.toLocaleString('en-US');
  const rows = [['block', 'instances', 'cells each', 'flip-flops each', 'cells in all',
                 'flip-flops in all', 'macro bits in all']];
  const walk = (name, depth, count) => {
    const m = mods.get(name);
    const t = total(name);
    rows.push([`${'  '.repeat(depth)}${short(name)}`, fmt(count), fmt(m.cells), fmt(m.flops),
               fmt(count * t.cells), fmt(count * t.flops), fmt(count * t.bits)]);
    for (const mb of macroBits.get(name) || []) {
      rows.push([`${'  '.repeat(depth + 1)}${mb.type} ${mb.inst} (macro: ${fmt(mb.words)} words x ` +
                 `${mb.width} bits)`, fmt(count), '-', '-', '-', '-', fmt(count * mb.words * mb.width)]);
    }
    for (const [child, n] of m.children) if (mods.has(child)) walk(child, depth + 1, count * n);
  };
  walk(top, 0, 1);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const table = rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
                                 .join('  ')).join('\n') + '\n' +
                '(cells in all: of every instance, with its submodules; a macro is counted as bits, not cells)\n';
  return { table, total: total(top), error };
}
