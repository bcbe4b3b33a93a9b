// ESLint flat config: typescript-eslint's recommended rules and Effect's dprint formatting rule.
import * as effectEslint from "@effect/eslint-plugin"
import js from "@eslint/js"
import tseslint from "typescript-eslint"

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
