/**
 * The notebooks read like analysis on the public API: no cell loads a src/ file by path (or the old `load<typeof
 * import('./.types/…')>` bridge), the first code cell imports the package by name in at most 10 lines, the opening
 * Markdown says what the notebook shows and on which data, and it ends with what it found. (test/notebooks executes
 * them.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { listNotebooks, NOTEBOOKS_DIR } from '../../scripts/notebooks.ts';

interface Cell { cell_type: string; source: string | string[] }
const text = (c: Cell): string => (Array.isArray(c.source) ? c.source.join('') : c.source);

for (const name of listNotebooks()) {
  test(`notebook ${name}: public API only, a short first cell, opens with what and which data, ends with findings`, () => {
    const cells = (JSON.parse(readFileSync(join(NOTEBOOKS_DIR, name), 'utf8')) as { cells: Cell[] }).cells;
    const code = cells.filter((c) => c.cell_type === 'code');
    code.forEach((c, i) => {
      const src = text(c);
      assert.doesNotMatch(src, /\bload\s*</, `${name} code cell ${i} uses the old load<…>() bridge`);
      assert.doesNotMatch(src, /\.types\//, `${name} code cell ${i} types a module by path`);
      assert.doesNotMatch(src, /['"`][^'"`]*\bsrc\/[^'"`]*\.ts['"`]/, `${name} code cell ${i} names a src/ file`);
      assert.doesNotMatch(src, /require\(\s*['"][^'"]*(src|lib)\//, `${name} code cell ${i} requires a file by path`);
      assert.doesNotMatch(src, /from\s+['"]\.{1,2}\//, `${name} code cell ${i} imports a relative path`);
    });
    const first = text(code[0]).trim();
    assert.ok(first.split('\n').length <= 10, `${name}: first code cell has ${first.split('\n').length} lines, expected at most 10`);
    assert.match(first, /from 'recist-cascade'/);
    assert.match(first, /from 'recist-cascade\/notebook'/);
    assert.equal(cells[0].cell_type, 'markdown');
    assert.match(text(cells[0]), /\*\*What it shows:\*\*/);
    assert.match(text(cells[0]), /\*\*Data:\*\*/);
    const lastMd = cells.map((c, i) => ({ c, i })).filter((e) => e.c.cell_type === 'markdown').pop()!;
    assert.match(text(lastMd.c), /^## What it found/);
    assert.ok(lastMd.i >= cells.length - 2, `${name}: "What it found" is not at the end`);
  });
}
