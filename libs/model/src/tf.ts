/**
 * The TensorFlow.js this library is built on: tfjs-core, tfjs-layers and the
 * cpu backend, rather than the @tensorflow/tfjs union package. The union
 * also loads the WebGL backend, the graph-model converter and tfjs-data,
 * none of which Node uses here, and they cost every process that imports
 * @kfkd/model about 20 MB of JavaScript heap (40.5 against 17.7 MB
 * measured): memory, and time in every full garbage collection, which the
 * coordinator runs about once per worker per step while it moves tensors.
 * (The wasm backend and tfjs-node register themselves with the same core.)
 */
import '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
