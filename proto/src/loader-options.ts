/**
 * The proto-loader options of both ends, and the matching flags of the type
 * generator: the generated types describe exactly what the loader produces.
 */
import type { Options } from '@grpc/proto-loader';

export const LOADER_OPTIONS: Options = {
  // camelCase field names in TypeScript.
  keepCase: false,
  // No 64-bit fields in the protocol; strings if one ever appears, never Long objects.
  longs: String,
  enums: String,
  // Omitted scalars, repeated fields and message fields arrive as their defaults.
  defaults: true,
  arrays: true,
  objects: true,
  // `command` names which field of a oneof is set.
  oneofs: true,
};

export const GENERATOR_FLAGS: readonly string[] = ['--longs=String', '--enums=String', '--defaults', '--arrays', '--objects', '--oneofs', '--includeComments'];
