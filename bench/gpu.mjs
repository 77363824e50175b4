#!/usr/bin/env node
// @ts-check
/**
 * `npm run bench:gpu [-- --quick] [-- --swiftshader] [-- --allow-software] [-- --pack DIR]`
 *
 * The same network, weights and trajectory runner as the app, on @tensorflow/tfjs-backend-webgpu in Node
 * through Dawn's Node binding (the npm package `webgpu`), beside wasm on the same machine: adapter, compile
 * time, ms per step at batch 1 and 16 (the app's runner) and per forward at 1, 4 and 16, tensors before and
 * after, parity, kernels per step, the backend's peak and the ratio to wasm (bench/gpu-run.mjs,
 * bench/gpu-report.mjs). Writes bench/gpu-report-gpu.json or bench/gpu-report-software.json.
 *
 *   --swiftshader     use Chromium's SwiftShader Vulkan driver (a CPU rasteriser; implies --allow-software)
 *   --allow-software  report a software adapter (labelled so) instead of refusing it (exit 3)
 *   --pack DIR        write a self-contained folder for a Linux machine with an NVIDIA GPU instead of running:
 *                     run.sh + node.gz (this Node) + the bundle + weights + Dawn + a Vulkan loader, < 64 MiB
 *
 * Steps: the `webgpu` package (node_modules, else bench/.gpu/deps, installed there with npm on first use);
 * the child bundled with the app's src/ by Vite into bench/.gpu/bundle; its assets in bench/.gpu/assets.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'vite';

const root = resolve(import.meta.dirname, '..');
const work = join(root, 'bench/.gpu');
const argv = process.argv.slice(2);
const option = (/** @type {string} */ name) => (argv.indexOf(name) >= 0 ? argv[argv.indexOf(name) + 1] : undefined);
const packDir = option('--pack');
const swiftshader = argv.includes('--swiftshader');
/** Dawn's Node binding, pinned (its dawn.node is 21.5 MB for linux-x64). */
const WEBGPU_PACKAGE = 'webgpu@0.6.2';
/** Chromium's SwiftShader Vulkan driver and loader (Debian's chromium package). */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const PACK_LIMIT = 64 * 2 ** 20;
const log = (/** @type {string} */ s) => console.log(`[bench:gpu] ${s}`);

/** The `webgpu` package's folder: node_modules, else bench/.gpu/deps (npm-installed there on first use). */
function webgpuPackage() {
  try {
    return dirname(createRequire(join(root, 'package.json')).resolve('webgpu/package.json'));
  } catch {
    // not a dependency of the app: fetch it into the ignored bench/.gpu/deps
  }
  const deps = join(work, 'deps');
  const dir = join(deps, 'node_modules/webgpu');
  if (!existsSync(join(dir, 'package.json'))) {
    mkdirSync(deps, { recursive: true });
    if (!existsSync(join(deps, 'package.json'))) writeFileSync(join(deps, 'package.json'), '{ "private": true }\n');
    log(`installing ${WEBGPU_PACKAGE} into ${relative(root, deps)} (Dawn's Node binding)`);
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', deps, WEBGPU_PACKAGE], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`npm install ${WEBGPU_PACKAGE} failed; install it by hand: npm install --prefix bench/.gpu/deps ${WEBGPU_PACKAGE}`);
  }
  return dir;
}

/** The child and the app's src/ it imports, as one ES module for Node (tfjs included). */
async function bundleChild() {
  const outDir = join(work, 'bundle');
  await build({
    configFile: false,
    root,
    publicDir: false, // the weights go to the assets folder, once
    logLevel: 'warn',
    build: {
      ssr: 'bench/gpu-child.mjs',
      outDir,
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      rollupOptions: {
        output: {
          format: 'es',
          entryFileNames: 'gpu-child.mjs',
          // tfjs-backend-wasm's Emscripten glue uses require and __dirname under Node.
          banner: "import { createRequire as __mtdRequire } from 'node:module'; const require = __mtdRequire(import.meta.url); const __dirname = import.meta.dirname;",
        },
      },
    },
    ssr: { noExternal: true, target: 'node' },
  });
  return outDir;
}

/** weights, the parity fixture, the wasm binaries and the webgpu package (dawn.node gzipped when `gzipDawn`). */
function writeAssets(/** @type {string} */ dir, /** @type {string} */ webgpuDir, /** @type {boolean} */ gzipDawn) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'fixtures'), { recursive: true });
  cpSync(join(root, 'public/weights'), join(dir, 'weights'), { recursive: true });
  copyFileSync(join(root, 'public/fixtures/parity.json'), join(dir, 'fixtures/parity.json'));
  const wasmDist = join(dirname(createRequire(join(root, 'package.json')).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  mkdirSync(join(dir, 'wasm'));
  for (const f of readdirSync(wasmDist).filter((x) => x.endsWith('.wasm'))) copyFileSync(join(wasmDist, f), join(dir, 'wasm', f));
  const dawnRel = 'dist/linux-x64/dawn.node';
  mkdirSync(join(dir, 'webgpu/dist/linux-x64'), { recursive: true });
  for (const f of ['index.js', 'package.json']) copyFileSync(join(webgpuDir, f), join(dir, 'webgpu', f));
  if (gzipDawn) gzip(join(webgpuDir, dawnRel), join(dir, 'webgpu', `${dawnRel}.gz`));
  else copyFileSync(join(webgpuDir, dawnRel), join(dir, 'webgpu', dawnRel));
}

function gzip(/** @type {string} */ from, /** @type {string} */ to) {
  const r = spawnSync('sh', ['-c', 'gzip -6 -c "$0" > "$1"', from, to], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`gzip ${from} failed`);
}

function duBytes(/** @type {string} */ dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? duBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

/** A Vulkan loader to ship (used by run.sh only where the machine has none). */
function vulkanLoader() {
  for (const p of ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/chromium/libvulkan.so.1']) if (existsSync(p)) return p;
  return null;
}

const RUN_SH = `#!/bin/sh
# MT-Diffusion bench:gpu pack: WebGPU (Dawn) in Node vs wasm on this machine. Needs nothing but a Linux
# x86-64 machine with an NVIDIA GPU and its driver; prints the report section and writes gpu-report-*.json.
# A software adapter (SwiftShader, lavapipe) is refused (exit 3): it is not a GPU. Extra arguments go to
# gpu-run.mjs (--allow-software, --quick).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=\${TMPDIR:-/tmp}/mtd-bench-gpu.$$
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
gzip -dc "$HERE/node.gz" > "$WORK/node" && chmod +x "$WORK/node" || { echo "cannot unpack node"; exit 2; }
cp -r "$HERE/assets" "$WORK/assets"
gzip -dc "$HERE/assets/webgpu/dist/linux-x64/dawn.node.gz" > "$WORK/assets/webgpu/dist/linux-x64/dawn.node" || exit 2
echo "== GPU"
nvidia-smi -L 2>/dev/null || echo "nvidia-smi: not found"
echo "== Vulkan loader"
if ldconfig -p 2>/dev/null | grep -i vulkan; then :; else
  echo "no libvulkan on this machine: using the pack's (lib/libvulkan.so.1)"
  export LD_LIBRARY_PATH="$HERE/lib\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
echo "== Vulkan drivers (ICDs)"
ICDS=$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json 2>/dev/null)
echo "\${ICDS:-none}"
if [ -z "\${VK_ICD_FILENAMES:-}" ] && ! echo "$ICDS" | grep -qi nvidia; then
  NV=$(ldconfig -p 2>/dev/null | grep -o '/[^ ]*libGLX_nvidia\\.so\\.0' | head -1)
  if [ -n "$NV" ]; then
    echo "the NVIDIA driver is here ($NV) but not its Vulkan ICD JSON: writing one"
    printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.3.0"}}\\n' "$NV" > "$WORK/nvidia_icd.json"
    export VK_ICD_FILENAMES="$WORK/nvidia_icd.json"
  else
    echo "no NVIDIA Vulkan driver found (libGLX_nvidia.so.0). In a container, NVIDIA_DRIVER_CAPABILITIES must include 'graphics' (or 'all') for it to be mounted."
  fi
fi
echo "== bench"
timeout 230 "$WORK/node" "$HERE/gpu-run.mjs" --bundle "$HERE/bundle" --assets "$WORK/assets" --out "$HERE/gpu-report-$(date -u +%Y%m%dT%H%M%SZ).json" --limit-s 100 "$@"
`;

async function main() {
  const webgpuDir = webgpuPackage();
  log('bundling bench/gpu-child.mjs with src/ (Vite)');
  const bundleDir = await bundleChild();
  if (packDir !== undefined) {
    const dir = resolve(packDir);
    log(`writing the pack to ${dir}`);
    mkdirSync(dir, { recursive: true });
    const nodeGz = join(dir, 'node.gz');
    if (!existsSync(nodeGz) || statSync(nodeGz).mtimeMs < statSync(process.execPath).mtimeMs) {
      log(`compressing this Node (${process.execPath}, ${process.version}) to node.gz`);
      gzip(process.execPath, nodeGz);
    }
    rmSync(join(dir, 'bundle'), { recursive: true, force: true });
    cpSync(bundleDir, join(dir, 'bundle'), { recursive: true });
    writeAssets(join(dir, 'assets'), webgpuDir, true);
    for (const f of ['gpu-run.mjs', 'gpu-report.mjs']) copyFileSync(join(root, 'bench', f), join(dir, f));
    const loader = vulkanLoader();
    mkdirSync(join(dir, 'lib'), { recursive: true });
    if (loader) copyFileSync(loader, join(dir, 'lib/libvulkan.so.1'));
    else log('no libvulkan.so.1 here to ship: run.sh will need the machine\'s own (apt-get install libvulkan1)');
    writeFileSync(join(dir, 'run.sh'), RUN_SH);
    chmodSync(join(dir, 'run.sh'), 0o755);
    const bytes = duBytes(dir);
    log(`pack: ${(bytes / 2 ** 20).toFixed(1)} MiB (limit 64 MiB)${bytes > PACK_LIMIT ? ' — OVER THE LIMIT' : ''}; run it with: sh ${relative(process.cwd(), dir) || '.'}/run.sh`);
    process.exit(bytes > PACK_LIMIT ? 1 : 0);
  }
  const assets = join(work, 'assets');
  writeAssets(assets, webgpuDir, false);
  /** @type {Record<string, string>} */
  const env = {};
  if (swiftshader) {
    if (!existsSync(SWIFTSHADER_ICD)) throw new Error(`--swiftshader: ${SWIFTSHADER_ICD} is missing (Debian's chromium package ships it)`);
    env['VK_ICD_FILENAMES'] = SWIFTSHADER_ICD;
    env['LD_LIBRARY_PATH'] = [dirname(SWIFTSHADER_ICD), process.env['LD_LIBRARY_PATH']].filter(Boolean).join(':');
  }
  const out = join(work, 'gpu-report.json');
  const args = [join(root, 'bench/gpu-run.mjs'), '--bundle', bundleDir, '--assets', assets, '--out', out, ...(swiftshader ? ['--allow-software'] : []),
    ...argv.filter((a, i) => a !== '--swiftshader' && a !== '--pack' && argv[i - 1] !== '--pack')];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, ...env, OMP_WAIT_POLICY: 'PASSIVE' } });
  if (existsSync(out) && (r.status === 0 || r.status === 1)) {
    const report = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(out, 'utf8')));
    const label = report.webgpu?.adapter && !report.webgpu.adapter.software ? 'gpu' : 'software';
    copyFileSync(out, join(root, `bench/gpu-report-${label}.json`));
    log(`copied to bench/gpu-report-${label}.json (REPORT.md includes it: node bench/run.mjs --report-only)`);
  }
  process.exit(r.status ?? 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
