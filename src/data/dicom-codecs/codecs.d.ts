/**
 * Minimal typings for the Emscripten factories of the cornerstone WebAssembly codecs (no bundled types): each
 * module export is a factory that takes Emscripten module settings and fills that same object with the codec
 * classes once the WebAssembly instance is ready (src/data/dicom-codecs/wasm.ts instantiates it synchronously).
 */
declare module '@cornerstonejs/codec-openjpeg/wasmjs' {
  const factory: (settings: object) => unknown;
  export default factory;
}
declare module '@cornerstonejs/codec-charls/wasmjs' {
  const factory: (settings: object) => unknown;
  export default factory;
}
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/wasmjs' {
  const factory: (settings: object) => unknown;
  export default factory;
}
declare module '@cornerstonejs/codec-openjph/wasmjs' {
  const factory: (settings: object) => unknown;
  export default factory;
}
