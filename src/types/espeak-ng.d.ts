// The espeak-ng npm package ships an Emscripten factory without type declarations.
declare module 'espeak-ng' {
  const factory: (options: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
