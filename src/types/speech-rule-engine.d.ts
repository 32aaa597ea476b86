// speech-rule-engine's main entry (lib/sre.js, CommonJS) has no declarations; these are the calls narrate makes.
declare module 'speech-rule-engine' {
  const sre: {
    setupEngine(feature: Record<string, string | boolean>): Promise<void>;
    engineReady(): Promise<unknown>;
    toSpeech(mathml: string): string;
  };
  export default sre;
}
