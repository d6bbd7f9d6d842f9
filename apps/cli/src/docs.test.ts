/**
 * The repository's Markdown renders as written: every code fence is closed
 * (an open one swallows the rest of the page into a code block), and every
 * heading line outside code comes out as a heading of its level, so the
 * README's sections all exist on GitHub and in any renderer. Rendered with
 * marked (CommonMark + GFM).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Lexer, type Token, type Tokens, marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../scripts/build-dist.ts';

/** README.md and the Markdown files at the top of every project. */
function markdownFiles(): string[] {
  const projects = ['apps', 'libs'].flatMap((parent) =>
    readdirSync(join(REPO_ROOT, parent), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `${parent}/${e.name}`),
  );
  const inProjects = [...projects, 'proto', 'deploy', 'bench'].flatMap((dir) =>
    readdirSync(join(REPO_ROOT, dir))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `${dir}/${f}`),
  );
  return ['README.md', ...inProjects];
}

/** Top-level and nested tokens, depth first. */
function allTokens(tokens: readonly Token[]): Token[] {
  return tokens.flatMap((t) => [t, ...('tokens' in t && Array.isArray(t.tokens) ? allTokens(t.tokens as Token[]) : []), ...(t.type === 'list' ? allTokens((t as Tokens.List).items) : [])]);
}

/**
 * Section heading lines (`## Title` .. `###### Title`) anywhere in the file,
 * code included: none of our code blocks starts a line with `##` (shell
 * comments take one `#`), so one that a renderer shows as code was swallowed.
 */
function headingLines(text: string): { depth: number; text: string }[] {
  return [...text.matchAll(/^(#{2,6}) +(.+?)\s*$/gm)].map((m) => ({ depth: m[1].length, text: m[2] }));
}

describe.each(markdownFiles())('%s', (file) => {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const tokens = allTokens(new Lexer({ gfm: true }).lex(text));

  it('closes every code fence', () => {
    const fenced = tokens.filter((t): t is Tokens.Code => t.type === 'code' && t.codeBlockStyle !== 'indented');
    for (const code of fenced) {
      const lines = code.raw.trimEnd().split('\n');
      const closing = lines.length > 1 ? lines.at(-1)!.trim() : '';
      expect(/^(`{3,}|~{3,})$/.test(closing), `the fence opened by "${lines[0]}" is closed`).toBe(true);
      // A fence line inside a block is an opening fence that closed the block before: one close is missing above it.
      const inner = lines.slice(1, -1).find((l) => /^ {0,3}(`{3,}|~{3,})/.test(l));
      expect(inner, `a fence line inside the block opened by "${lines[0]}" (${code.text.split('\n')[0]}...)`).toBeUndefined();
    }
  });

  it('renders every section heading line as a heading of its level', () => {
    const rendered = tokens.filter((t): t is Tokens.Heading => t.type === 'heading' && t.depth >= 2).map((t) => ({ depth: t.depth, text: t.text }));
    expect(rendered).toEqual(headingLines(text));
    const html = marked.parse(text, { async: false, gfm: true });
    expect(html.match(/<h2[ >]/g)?.length ?? 0).toBe(rendered.filter((h) => h.depth === 2).length);
  });
});
