/** Names accepted by `--loudness` and `loudness:` in a manifest. */
export const LOUDNESS_PRESETS = ['audiobook', 'podcast', 'acx', 'off'] as const;
export type LoudnessPresetName = (typeof LOUDNESS_PRESETS)[number];
