/**
 * For tsconfig.node.json: bench/gpu-child.mjs imports src/engine, whose backends.ts imports the wasm
 * binaries as Vite `?url` modules (typed by vite/client in tsconfig.app.json, which src/ is checked with).
 */
declare module '*?url' {
  const url: string;
  export default url;
}
