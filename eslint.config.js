// ESLint flat config: typescript-eslint's recommended rules, Effect's dprint formatting rule, and the import graph
// rules (no import circles; services never import layers).
import * as effectEslint from "@effect/eslint-plugin"
import js from "@eslint/js"
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript"
import { importX } from "eslint-plugin-import-x"
import tseslint from "typescript-eslint"

const effectBarrel = {
  name: "effect",
  message: "import Effect's modules by path (import * as Effect from \"effect/Effect\"): the barrel loads them all."
}

export default tseslint.config(
  { ignores: ["dist/**", ".bench-build/**", "node_modules/**", "coverage/**", "test/fixtures/**", ".scratch/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...effectEslint.configs.dprint,
  {
    files: ["**/*.ts", "**/*.js"],
    rules: {
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force"
        }
      }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": ["error"]
    }
  },
  {
    // Import circles: a module that imports itself through others (type-only imports are erased, so they do not count).
    // The TypeScript resolver maps the ".js" specifiers of NodeNext to the ".ts" files.
    files: ["src/**/*.ts", "test/**/*.ts", "bench/**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/extensions": [".ts", ".js"],
      "import-x/external-module-folders": ["node_modules", "node_modules/@types"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.json" })]
    },
    rules: {
      "import-x/no-cycle": "error"
    }
  },
  {
    // Effect's modules by path: Node loads every module the "effect" barrel names (about a hundred more files at
    // start-up) before a program runs.
    files: ["src/**/*.ts", "bench/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { paths: [effectBarrel] }],
      "no-restricted-syntax": ["error", {
        selector: "ImportExpression[source.value='effect']",
        message: effectBarrel.message
      }]
    }
  },
  {
    // Services are tags, interfaces and data; the layers implement them, never the other way round.
    files: ["src/services/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: [effectBarrel],
        patterns: [{
          group: ["**/layers/**", "**/layers"],
          message:
            "src/services must not import src/layers: move the shared code into src/services (or a module both import)."
        }]
      }]
    }
  },
  {
    // Programs and benchmarks print their own output.
    files: ["bench/**", "bin/**", "src/programs/**"],
    rules: { "no-console": "off" }
  },
  {
    // Plain JavaScript files run on Node.
    files: ["**/*.js"],
    languageOptions: { globals: { Buffer: "readonly", process: "readonly", console: "readonly", URL: "readonly" } }
  }
)
