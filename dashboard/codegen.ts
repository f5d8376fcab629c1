// Types and typed documents from the server's schema.graphql and the operations written
// in src/ with graphql(...): `npm run codegen` (the build runs it first).
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../schema.graphql",
  documents: ["src/**/*.tsx", "src/**/*.ts", "!src/gql/**/*"],
  ignoreNoDocuments: false,
  generates: {
    "src/gql/": {
      preset: "client",
      config: {
        enumsAsTypes: true,
        scalars: {
          DateTime: "string",
          JSON: "unknown",
          ID: "string",
          IntColumn: "number[]",
          FloatColumn: "number[]",
          // A number, or "NaN", "Infinity", "-Infinity"; in columns, null where none.
          MetricValue: "number | string",
          MetricColumn: "(number | string | null)[]",
          MetricSeries: "unknown",
          Vector: "number[]",
        },
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
