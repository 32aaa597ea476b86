// The WebAssembly global of Node's V8, as much of it as render-flite.ts uses: tsconfig's lib is ES2023
// without DOM, and @types/node 20 leaves WebAssembly to the DOM library.
declare namespace WebAssembly {
  interface Module {
    readonly __brand?: 'WebAssembly.Module';
  }
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  type Imports = Record<string, Record<string, unknown>>;
  function compile(bytes: Uint8Array): Promise<Module>;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
}
