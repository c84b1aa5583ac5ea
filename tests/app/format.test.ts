import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The formatter rules (@stylistic) that `source` breaks when placed at `file`. */
async function layoutErrors(file: string, source: string): Promise<string[]> {
  const [result] = await new ESLint({ cwd: root }).lintText(source, { filePath: `${root}/${file}` });
  return (result?.messages ?? []).filter((m) => m.ruleId?.startsWith('@stylistic/')).map((m) => m.ruleId!);
}

describe('the formatter run by npm test (ESLint stylistic rules)', () => {
  it('flags layout that drifts from the code base, and passes the code base style', async () => {
    expect(await layoutErrors('src/main/compute/x.ts', 'export const a = "x"\n')).toEqual(expect.arrayContaining(['@stylistic/quotes', '@stylistic/semi']));
    expect(await layoutErrors('src/main/compute/x.ts', 'export function f(): number {\n    return 1;\n}\n')).toEqual(['@stylistic/indent']);
    expect(await layoutErrors('src/main/compute/x.ts', 'export const b = [1,2];\n\n\n\nexport const c = {a: 1};  \n')).toEqual(expect.arrayContaining(['@stylistic/comma-spacing', '@stylistic/no-multiple-empty-lines', '@stylistic/object-curly-spacing', '@stylistic/no-trailing-spaces']));
    expect(await layoutErrors('src/main/compute/x.ts', "export const ok = { a: 'x', b: [1, 2] };\n\nexport function f(x: number): number {\n  return x > 0 ? x : -x;\n}\n")).toEqual([]);
  });
});
