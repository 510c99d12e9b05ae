// Parse DMN files with dmn-moddle, the reader behind Camunda's and bpmn.io's DMN modelers.
// Usage: node moddle_check.mjs FILE.dmn...  Prints one JSON line per file:
// {"file", "ok", "warnings": [...], "decisions": n, "inputData": n, "shapes": n, "edges": n}
// and exits 1 if any file gave warnings or could not be parsed at all.
import { readFile } from 'node:fs/promises';
import { DmnModdle } from 'dmn-moddle';

const moddle = new DmnModdle();
let failed = false;

for (const file of process.argv.slice(2)) {
  const xml = await readFile(file, 'utf8');
  const line = { file, ok: false, warnings: [] };
  try {
    const { rootElement, warnings } = await moddle.fromXML(xml, 'dmn:Definitions');
    line.warnings = warnings.map((w) => w.message);
    const drg = rootElement.drgElement || [];
    line.decisions = drg.filter((e) => e.$type === 'dmn:Decision').length;
    line.inputData = drg.filter((e) => e.$type === 'dmn:InputData').length;
    const diagrams = (rootElement.dmnDI && rootElement.dmnDI.diagrams) || [];
    const elements = diagrams.flatMap((d) => d.diagramElements || []);
    line.shapes = elements.filter((e) => e.$type === 'dmndi:DMNShape').length;
    line.edges = elements.filter((e) => e.$type === 'dmndi:DMNEdge').length;
    line.rules = drg
      .filter((e) => e.decisionLogic && e.decisionLogic.$type === 'dmn:DecisionTable')
      .reduce((n, e) => n + (e.decisionLogic.rule || []).length, 0);
    line.ok = line.warnings.length === 0;
  } catch (err) {
    line.warnings.push(String(err && err.message ? err.message : err));
  }
  if (!line.ok) failed = true;
  console.log(JSON.stringify(line));
}
process.exit(failed ? 1 : 0);
