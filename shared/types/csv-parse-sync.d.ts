/**
 * The part of csv-parse's sync parser that shared/ uses, typed without Node. csv-parse's own
 * declarations pull in Node's types (`/// <reference types="node" />` and `stream`), which would
 * give every layer that imports shared/ Node's globals; the parser itself is plain JavaScript that
 * runs anywhere. shared/ and renderer/ tsconfig.json map `csv-parse/sync` here (`paths`, for type
 * checking only: esbuild would follow the map too if it bundled the package, so build.mjs keeps it
 * external); the layers with Node's types see csv-parse's own declarations.
 */
export interface CsvParseOptions {
  delimiter?: string | string[];
  info?: boolean;
  relax_column_count?: boolean;
  skip_empty_lines?: boolean;
  trim?: boolean;
  bom?: boolean;
}

export declare function parse(input: string, options?: CsvParseOptions): unknown[];
