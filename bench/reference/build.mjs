// Builds the reference client into dist/ the way a Vue team would ship it: one minified ES
// module bundle with content-hashed names, its CSS beside it, index.html pointing at both, and
// the runtime config copied as is. `node build.mjs` (or `npm run build`).

import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';
import Vue from 'unplugin-vue/esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

const result = await build({
  entryPoints: [path.join(here, 'src/main.js')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  outdir: dist,
  entryNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
  plugins: [Vue()],
  // The flags Vue's bundler builds read; these are the values Vite gives a production build.
  define: {
    'process.env.NODE_ENV': '"production"',
    __VUE_OPTIONS_API__: 'true',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  },
});

const outputs = Object.keys(result.metafile.outputs).map((file) => '/' + path.relative(dist, path.resolve(file)));
const script = outputs.find((file) => file.endsWith('.js'));
const styles = outputs.filter((file) => file.endsWith('.css'));
const tags = [
  ...styles.map((href) => `<link rel="stylesheet" href="${href}" />`),
  `<script type="module" src="${script}"></script>`,
].join('\n    ');
const html = await readFile(path.join(here, 'index.html'), 'utf8');
await writeFile(path.join(dist, 'index.html'), html.replace(/<!-- build\.mjs .*-->/, tags));
await cp(path.join(here, 'public'), dist, { recursive: true });
console.log(`reference client built into ${path.relative(process.cwd(), dist) || '.'}: ${outputs.join(', ')}`);
