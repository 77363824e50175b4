/** src/model: the MT-Diffusion network in TF.js, its weights and the image conventions it shares with training/. */
export { WeightsError, isWeightsError, type WeightsErrorKind, type WeightsErrorDetails } from './errors.ts';
export {
  validateConfig,
  SUPPORTED_CONFIG_VERSION,
  MAX_CLASSES,
  HEAD_NAMES,
  ENCODER_NAMES,
  type ModelConfig,
  type BackboneConfig,
  type HeadName,
  type EncoderName,
} from './config.ts';
export { expectedWeights, parameterCount, type ExpectedWeight } from './architecture.ts';
export {
  loadWeights,
  parseManifest,
  disposeWeights,
  WEIGHTS_FORMAT,
  SUPPORTED_FORMAT_VERSION,
  type FetchLike,
  type LoadProgress,
  type LoadWeightsOptions,
  type LoadedWeights,
  type ParsedManifest,
} from './weights.ts';
export { createNetwork, type ForwardOptions, type Network, type HeadOutputs, type EncodeInputs, type GivenFlags } from './network.ts';
export { sketchOf, toModelSpace, type ImageGeometry, type SketchParams } from './sketch.ts';
export { filesFetch, modelFolderFiles, readModelSamples, type PickedFile, type ModelSamplesFiles } from './model-files.ts';
